"""Airbus CSVs in and out of a session: import as annotations, truth or predictions; export annotations.

Import keeps going past bad rows: each is reported with its line number and the rest is imported.
Export writes from the store only (what is exported is what was saved), canonically and atomically.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

from shipviewer.airbus import rle as rle_codec
from shipviewer.airbus.annotations import CsvProblem, CsvRow, iter_rows, write_csv
from shipviewer.session.review import Status
from shipviewer.session.store import SessionStore


class Workspace(Protocol):
    """What import and export need of a :class:`~shipviewer.session.workspace.Workspace`.

    Written as a protocol so that this module does not import the workspace that calls it (no circle).
    """

    @property
    def store(self) -> SessionStore: ...

    @property
    def folder(self) -> Path: ...

    def image_ids(self) -> list[str]: ...

    def shape(self, image_id: str) -> tuple[int, int]: ...

    def set_prediction(self, image_id: str, rles: Sequence[str], *, model: str) -> None: ...

    def forget_document(self, image_id: str) -> None: ...


__all__ = [
    "FRAME",
    "LAYERS",
    "ExportPlan",
    "ExportReport",
    "ImportReport",
    "canonical_rle",
    "export_csv",
    "export_plan",
    "import_csv",
]

LAYERS = ("annotations", "truth", "predictions")


# What a "partly model" image still holds, in the export's messages.
_UNTOUCHED = "ships the model proposed that nobody touched"


@dataclass
class ImportReport:
    """What an import did. ``problems`` are the rows skipped or changed, with their line numbers."""

    path: str
    layer: str
    n_rows: int = 0
    images: int = 0
    ships: int = 0
    problems: list[CsvProblem] = field(default_factory=list)
    not_in_folder: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # images with the user's work, left as they were
    changed: list[str] = field(default_factory=list)  # images whose layer was written
    unusable: list[str] = field(default_factory=list)  # images left out for their bad rows

    def summary(self) -> str:
        parts = [f"imported {self.ships} ship(s) on {self.images} image(s) as {self.layer} from {self.path}"]
        if self.problems:
            parts.append(f"{len(self.problems)} row problem(s)")
        if self.not_in_folder:
            parts.append(f"{len(self.not_in_folder)} image(s) not in the folder, skipped")
        if self.unusable:
            names = ", ".join(self.unusable[:3]) + (" …" if len(self.unusable) > 3 else "")
            parts.append(
                f"{len(self.unusable)} image(s) with no usable row left as they were, any {self.layer} they "
                f"had before included ({names})"
            )
        if self.kept:
            parts.append(
                f"{len(self.kept)} image(s) reviewed or edited by hand kept as they were (--overwrite)"
            )
        return "; ".join(parts)


FRAME = rle_codec.DEFAULT_SHAPE  # (height, width) of an Airbus image: what a CSV is read against by default


@dataclass
class ExportPlan:
    """What an export writes and what it leaves out, counted by kind before anything is written.

    ``kinds``: every present image of the folder by kind (see :data:`~.store.KINDS`); ``written``: the
    kinds these options write; ``other_size``: written images that are not 768 × 768, with their
    (height, width) — their rows are encoded at their own size, which ``shipviewer validate --images``
    checks; ``left_out``: images that would be written but are left out, with the reason.
    """

    folder: str
    kinds: dict[str, int]
    written: tuple[str, ...]
    other_size: dict[str, tuple[int, int]] = field(default_factory=dict)
    left_out: dict[str, str] = field(default_factory=dict)
    partly_model: list[str] = field(default_factory=list)  # the first few not written, by name

    @property
    def n_images(self) -> int:
        return sum(self.kinds.get(k, 0) for k in self.written) - len(self.left_out)

    def lines(self, *, predictions_hint: str = "--include-predictions writes them") -> list[str]:
        """The counts in words, one sentence a line (the export dialog and the CLI both show them)."""
        shown = [f"{self.kinds[k]} {k}" for k in self.written if self.kinds.get(k)]
        out = [
            f"Writes {self.n_images} image(s): {', '.join(shown)}."
            if shown
            else "Writes nothing: no image qualifies."
        ]
        skipped = [
            k
            for k in ("model-only", "partly model", "edited", "imported", "rejected", "not annotated")
            if k not in self.written
        ]
        words = {
            "model-only": f"model-only (the model's untouched predictions; {predictions_hint})",
            "partly model": (
                f"edited but still holding {_UNTOUCHED} (accept them to write them; {predictions_hint})"
            ),
            "edited": "edited but not signed off",
            "imported": "imported but not signed off",
            "rejected": "rejected",
            "not annotated": "without an annotation or a prediction",
        }
        missing = [f"{self.kinds[k]} {words[k]}" for k in skipped if self.kinds.get(k)]
        if missing:
            out.append(f"Not written: {', '.join(missing)}.")
        if self.partly_model and "partly model" not in self.written:
            n = self.kinds.get("partly model", len(self.partly_model))
            more = f" and {n - len(self.partly_model)} more" if n > len(self.partly_model) else ""
            out.append(f"Partly model: {', '.join(self.partly_model)}{more}.")
        if self.other_size:
            sizes = ", ".join(f"{k} {w}×{h}" for k, (h, w) in list(self.other_size.items())[:5])
            more = f" and {len(self.other_size) - 5} more" if len(self.other_size) > 5 else ""
            out.append(
                f"{len(self.other_size)} image(s) are not 768×768 ({sizes}{more}): their rows are encoded "
                "at their own size, so check the file with "
                f"`shipviewer validate FILE.csv --images {self.folder}`."
            )
        for image_id, reason in list(self.left_out.items())[:5]:
            out.append(f"Left out {image_id}: {reason}.")
        if len(self.left_out) > 5:
            out.append(f"… and {len(self.left_out) - 5} more left out.")
        return out

    def text(self, **kwargs: str) -> str:
        return "\n".join(self.lines(**kwargs))


@dataclass
class ExportReport:
    path: str
    images: int
    ships: int
    empty: int
    plan: ExportPlan | None = None
    in_pieces: dict[str, list[int]] = field(default_factory=dict)  # image -> its ships (1-based) in pieces

    def summary(self) -> str:
        text = (
            f"wrote {self.images} image(s), {self.ships} ship(s), {self.empty} image(s) without ships "
            f"to {self.path}"
        )
        if self.in_pieces:
            named = [f"{k} ship {', '.join(map(str, v))}" for k, v in list(self.in_pieces.items())[:3]]
            more = " …" if len(self.in_pieces) > 3 else ""
            text += (
                f"; {sum(map(len, self.in_pieces.values()))} ship(s) are in separate pieces, written as "
                f"drawn ({'; '.join(named)}{more}): a row is usually one connected ship, so look at them "
                "(the eraser takes a stray pixel; Watershed Split, J, with a click in each piece makes "
                "ships of them)"
            )
        return text


def canonical_rle(starts: np.ndarray, lengths: np.ndarray) -> str:
    """Runs (already validated: increasing, disjoint) as the canonical string, touching runs merged."""
    if starts.size > 1:
        ends = starts + lengths
        breaks = np.flatnonzero(starts[1:] != ends[:-1])
        if breaks.size != starts.size - 1:
            first = np.concatenate(([0], breaks + 1))
            last = np.concatenate((breaks, [starts.size - 1]))
            starts, lengths = starts[first], ends[last] - starts[first]
    return rle_codec.runs_to_string(starts, lengths)


def _resolve_ids(workspace: Workspace) -> tuple[set[str], dict[str, str | None]]:
    """Image ids of the folder, and a bare file name → id map for names unique in the folder."""
    ids = set(workspace.image_ids())
    by_name: dict[str, str | None] = {}
    for image_id in ids:
        name = image_id.rsplit("/", 1)[-1]
        by_name[name] = None if name in by_name else image_id
    return ids, by_name


Parsed = tuple[int, str, np.ndarray, np.ndarray]  # line, canonical RLE, 0-based starts, lengths


def _is_canonical(text: str, starts: np.ndarray, lengths: np.ndarray) -> bool:
    """Single spaces, no leading zeros, no touching runs: the string can be stored as it is."""
    if starts.size > 1 and not (starts[1:] != (starts + lengths)[:-1]).all():
        return False
    return text == " ".join(text.split()) and " 0" not in " " + text


def _overlap(runs: list[tuple[np.ndarray, np.ndarray]]) -> bool:
    """Whether any two of these ships (each sorted, disjoint runs) share a pixel: one sort, no frame."""
    starts = np.concatenate([r[0] for r in runs])
    ends = starts + np.concatenate([r[1] for r in runs])
    order = np.argsort(starts, kind="stable")
    return bool((starts[order][1:] < ends[order][:-1]).any())


def _stored_runs(text: str) -> tuple[np.ndarray, np.ndarray]:
    """Runs of an RLE string the store wrote itself (validated when it went in)."""
    values = np.fromstring(text, dtype=np.int64, sep=" ")
    return values[0::2], values[1::2]


def _read(workspace: Workspace, path: Path, report: ImportReport) -> dict[str, list[Parsed]]:
    """Rows per folder image, validated against the image's own size; bad rows go to the report.

    An image with a bad ship row and no usable one is left out: it is not "no ships", which as ground
    truth would score a perfect F2 for predicting nothing (an empty row beside the bad one says no more:
    the file contradicts itself)."""
    ids, by_name = _resolve_ids(workspace)
    shapes = workspace.store.shapes()
    rows: dict[str, list[Parsed]] = {}
    seen: dict[tuple[str, str], int] = {}
    missing: set[str] = set()
    broken: set[str] = set()
    for item in iter_rows(path):
        if isinstance(item, CsvProblem):
            report.problems.append(item)  # a row that is not even CSV: no image id to hold it against
            continue
        assert isinstance(item, CsvRow)
        report.n_rows += 1
        image_id = item.image_id if item.image_id in ids else by_name.get(item.image_id)
        if image_id is None:
            missing.add(item.image_id)
            continue
        bucket = rows.setdefault(image_id, [])
        if not item.rle:
            continue
        shape = shapes.get(image_id)
        if shape is None:
            shape = shapes[image_id] = workspace.shape(image_id)
        try:
            starts, lengths = rle_codec.parse_runs(item.rle, shape)
        except ValueError as exc:
            report.problems.append(CsvProblem(str(path), item.line, f"{item.image_id}: {exc}", item.image_id))
            broken.add(image_id)
            continue
        text = item.rle if _is_canonical(item.rle, starts, lengths) else canonical_rle(starts, lengths)
        first = seen.setdefault((image_id, text), item.line)
        if first != item.line:
            report.problems.append(
                CsvProblem(
                    str(path),
                    item.line,
                    f"{item.image_id}: duplicate ship (first on line {first}); skipped",
                    image_id,
                )
            )
            continue
        bucket.append((item.line, text, starts, lengths))
    report.not_in_folder = sorted(missing)
    for image_id in sorted(broken):
        if not rows.get(image_id):  # (an empty row beside a bad ship row says nothing either)
            rows.pop(image_id, None)
            report.unusable.append(image_id)
    return rows


def _without_overlaps(
    workspace: Workspace, image_id: str, ships: list[Parsed], path: Path, report: ImportReport
) -> list[str]:
    """Ships never overlap in a session: shared pixels stay with the earlier ship (reported)."""
    rles = [s[1] for s in ships]
    if len(ships) < 2 or not _overlap([(s[2], s[3]) for s in ships]):
        return rles
    shape = workspace.shape(image_id)
    for o in rle_codec.find_overlaps(rles, shape):
        report.problems.append(
            CsvProblem(
                str(path),
                ships[o.second][0],
                f"{image_id}: this ship overlaps the ship on line {ships[o.first][0]} by {o.pixels} pixels; "
                "the shared pixels stay with the earlier ship",
                image_id,
            )
        )
    from shipviewer.edits import labels_from_rles

    labels = labels_from_rles(rles, shape)
    present = set(np.unique(labels).tolist())
    for k, ship in enumerate(ships, start=1):
        if k not in present:
            report.problems.append(
                CsvProblem(
                    str(path),
                    ship[0],
                    f"{image_id}: this ship lies wholly under earlier ones; dropped",
                    image_id,
                )
            )
    return rle_codec.ships_from_labels(labels)


def import_csv(
    workspace: Workspace, path: str | os.PathLike[str], *, layer: str = "annotations", overwrite: bool = False
) -> ImportReport:
    """Import an Airbus CSV (ground truth, an earlier export, a Kaggle submission) into the session.

    ``layer="annotations"``: each named image's ships are replaced by the file's — except images the
    user edited or reviewed, kept unless ``overwrite``. ``"truth"``: the truth layer (for F2/IoU and
    the disagreement order). ``"predictions"``: as the model's ships (model ``csv:<file name>``),
    seeding images nobody annotated. Images not in the folder are listed and skipped.
    """
    if layer not in LAYERS:
        raise ValueError(f"unknown layer {layer!r}: use one of {', '.join(LAYERS)}")
    path = Path(path)
    report = ImportReport(str(path), layer)
    store = workspace.store
    with store.transaction():  # one commit (one fsync) for the whole file, image sizes included
        rows = _read(workspace, path, report)
        if layer == "truth":
            store.set_truth_many({k: [s[1] for s in ships] for k, ships in rows.items()}, source=path.name)
            done = {k: len(ships) for k, ships in rows.items()}
        elif layer == "predictions":
            done = {}
            for image_id, ships in rows.items():
                rles = _without_overlaps(workspace, image_id, ships, path, report)
                workspace.set_prediction(image_id, rles, model=f"csv:{path.name}")
                done[image_id] = len(rles)
        else:
            records = {r.image_id: r for r in store.records()}
            chosen: dict[str, list[str]] = {}
            for image_id, ships in rows.items():
                record = records[image_id]
                if (record.status != Status.UNREVIEWED or record.annotated == "edited") and not overwrite:
                    report.kept.append(image_id)
                    continue
                chosen[image_id] = _without_overlaps(workspace, image_id, ships, path, report)
                workspace.forget_document(image_id)
            store.replace_many(chosen, source="imported", status=Status.UNREVIEWED)
            done = {k: len(v) for k, v in chosen.items()}
    report.images, report.ships, report.changed = len(done), sum(done.values()), sorted(done)
    report.problems.sort(key=lambda p: p.line)
    return report


def _known_shapes(workspace: Workspace, image_ids: Sequence[str]) -> dict[str, tuple[int, int]]:
    """(height, width) of these images: from the store, else from their headers (remembered, one commit)."""
    from shipviewer.airbus.image_size import image_size
    from shipviewer.airbus.images import ImageError

    store = workspace.store
    shapes = store.shapes()
    found: dict[str, tuple[int, int]] = {}
    for image_id in image_ids:
        if image_id not in shapes:
            try:
                found[image_id] = image_size(store.absolute(image_id))
            except (ImageError, OSError):
                continue  # unreadable: its size cannot be checked
    if found:
        store.set_shapes(found)
        shapes.update(found)
    return {k: shapes[k] for k in image_ids if k in shapes}


def export_plan(
    workspace: Workspace, *, reviewed_only: bool = False, include_predictions: bool = False
) -> ExportPlan:
    """What :func:`export_csv` would write with these options, counted by kind (nothing is written)."""
    from shipviewer.session.store import export_kinds

    store = workspace.store
    written = export_kinds(reviewed_only=reviewed_only, include_predictions=include_predictions)
    shapes = _known_shapes(workspace, store.ids_of_kinds(written))
    other = {k: hw for k, hw in shapes.items() if tuple(hw) != tuple(FRAME)}
    kinds = store.kind_counts()
    partly = store.ids_of_kinds(["partly model"])[:5] if kinds.get("partly model") else []
    return ExportPlan(str(workspace.folder), kinds, written, other, partly_model=partly)


def _fits(rles: Sequence[str], shape: tuple[int, int]) -> bool:
    """Whether every run of these stored ships lies inside an image of ``shape``."""
    limit = shape[0] * shape[1]
    for text in rles:
        starts, lengths = _stored_runs(text)
        if starts.size and int(starts[-1] + lengths[-1] - 1) > limit:
            return False
    return True


# The kinds that hold the model's untouched ships, as the "nothing to export" message names them.
_MODEL_KINDS = (
    ("model-only", "model-only image(s)"),
    ("partly model", f"edited image(s) still holding {_UNTOUCHED}"),
)


def export_csv(
    workspace: Workspace,
    path: str | os.PathLike[str],
    *,
    reviewed_only: bool = False,
    include_predictions: bool = False,
) -> ExportReport:
    """Write what a person made or confirmed as an Airbus CSV: one row per ship (canonical RLE, ships in
    stored order), an empty row per image without ships, rows sorted by ImageId, written atomically.

    Accepted and confirmed-empty images, images edited by hand and imported annotations (with
    ``reviewed_only``, only the accepted and confirmed-empty ones); the model's untouched predictions,
    and edited images that still hold some of the model's ships nobody touched ("partly model"), only
    with ``include_predictions``; rejected images never. Each image's rows are encoded at its own
    size (see :attr:`ExportPlan.other_size`); an image whose stored ships no longer fit its file is left
    out with the reason. Raises ValueError when there is nothing to export.
    """
    plan = export_plan(workspace, reviewed_only=reviewed_only, include_predictions=include_predictions)
    ships = workspace.store.ships_of_kinds(plan.written)
    shapes = _known_shapes(workspace, list(ships))
    for image_id, rles in list(ships.items()):
        shape = shapes.get(image_id)
        if shape is not None and not _fits(rles, shape):
            plan.left_out[image_id] = (
                f"its ships were drawn on an image of another size than the file's {shape[1]}×{shape[0]} "
                "(the file changed since)"
            )
            del ships[image_id]
    if not ships:
        unasked = () if "model-only" in plan.written else _MODEL_KINDS
        left = [f"{plan.kinds[k]} {name}" for k, name in unasked if plan.kinds.get(k)]
        what = "reviewed (accepted or confirmed empty)" if reviewed_only else "reviewed, edited or imported"
        extra = f"; {' and '.join(left)} are left out unless predictions are included" if left else ""
        raise ValueError(f"nothing to export from {workspace.folder}: no image is {what}{extra}")
    for image_id, rles in ships.items():
        if len(rles) > 1 and _overlap([_stored_runs(r) for r in rles]):
            raise RuntimeError(f"the session holds overlapping ships for {image_id}; please report this bug")
    pieces = _in_pieces(ships, shapes)
    write_csv(path, ships)
    n_ships = sum(len(v) for v in ships.values())
    empty = sum(1 for v in ships.values() if not v)
    return ExportReport(str(path), len(ships), n_ships, empty, plan, pieces)


def _in_pieces(ships: dict[str, list[str]], shapes: dict[str, tuple[int, int]]) -> dict[str, list[int]]:
    """Per image, the (1-based) ships drawn in separate blobs: the eraser through a hull, a merge of
    ships apart, a stray pixel. Written as they are (a row is what the person made), but named: a row of
    an Airbus CSV is usually one connected ship, and ``validate`` notes such rows."""
    found: dict[str, list[int]] = {}
    for image_id, rles in ships.items():
        height = shapes.get(image_id, FRAME)[0]
        for k, text in enumerate(rles, start=1):
            starts, lengths = _stored_runs(text)  # 1-based, as written
            if rle_codec.pieces_of_runs(starts - 1, lengths, height) > 1:
                found.setdefault(image_id, []).append(k)
    return found
