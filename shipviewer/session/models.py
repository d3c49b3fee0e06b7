"""The models of a folder and the held-out split that scores them, kept in the folder's session file.

Improving the model from the reviewed images (``shipviewer finetune``, Model ▸ Improve model…) trains on a
part of the reviewed work and scores the old and the new model on the rest. That rest — the *held-out
split* — must hold still from one round to the next, or scores of two rounds mean nothing (a reshuffled
validation set lets a model score on images it trained on). So the split is recorded here:

- an image enters the split the first time a model is made with it, as ``train`` or ``val``, and keeps its
  part for good (the split only grows; an image edited again, rejected or reset stays where it was);
- images are stratified by ship count (0, 1, …, 8+); newcomers of each stratum fill that stratum's share
  of validation (:data:`VAL_FRACTION`), in the order of a hash of their id and the folder's fixed seed, so
  the same reviewed images always give the same split, and a round of new reviews moves nothing recorded.

The models made for the folder are listed with their card (base model, data counts, settings, time,
scores); their files live under ``<session folder>/models/`` (``FOLDER/.shipviewer/models``, or the user data
folder for a read-only folder, next to the session file itself).

Tables (created here, on the store's own connection): ``heldout_split`` (image → part, stratum, round),
``heldout_meta`` (seed, fraction) and ``folder_models`` (one row per model, its card as JSON).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shipviewer.session.review import SIGNED_OFF
from shipviewer.session.store import ImageRecord, SessionStore
from shipviewer.session.workspace import Workspace

__all__ = [
    "MIN_IMAGES",
    "MIN_WITH_SHIPS",
    "SPLIT_SEED",
    "VAL_FRACTION",
    "FolderModels",
    "HeldOutSplit",
    "ModelEntry",
    "ReviewedSet",
    "base_for",
    "grow_split",
    "is_model_only",
    "reviewed_work",
    "split_key",
    "stratum",
]

SPLIT_SEED = 13
VAL_FRACTION = 0.2
STRATUM_CAP = 8  # images with 8 ships or more share a stratum
MIN_IMAGES = 10  # reviewed images a round needs (about 8 to train on, 2 to score on)
MIN_WITH_SHIPS = 2  # of which with ships
MODELS_DIR = "models"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS heldout_split (
    image INTEGER PRIMARY KEY REFERENCES images(id) ON DELETE CASCADE,
    part TEXT NOT NULL CHECK (part IN ('train', 'val')),
    stratum INTEGER NOT NULL,
    round INTEGER NOT NULL,
    added REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS heldout_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS folder_models (
    id TEXT PRIMARY KEY,
    round INTEGER NOT NULL,
    name TEXT NOT NULL,
    dir TEXT NOT NULL,
    onnx TEXT NOT NULL,
    int8 TEXT,
    keras TEXT NOT NULL,
    base TEXT NOT NULL,
    created REAL NOT NULL,
    f2 REAL,
    base_f2 REAL,
    card TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 0
)
"""


# --- the reviewed work ------------------------------------------------------------------------------------
def is_model_only(record: ImageRecord | None) -> bool:
    """An image whose annotation is the model's untouched proposal: nobody edited, imported or signed it
    off."""
    if record is None:
        return True
    return record.annotated == "predicted" and record.status not in SIGNED_OFF


@dataclass(frozen=True)
class ReviewedSet:
    """The folder's reviewed work, as Export writes it without model-only images: image id → ships."""

    ships: dict[str, list[str]]
    model_only_left_out: int = 0  # model-only images the export still held (dropped here)

    @property
    def n_images(self) -> int:
        return len(self.ships)

    @property
    def with_ships(self) -> int:
        return sum(1 for rles in self.ships.values() if rles)

    @property
    def without_ships(self) -> int:
        return self.n_images - self.with_ships

    def shortfall(self) -> str | None:
        """Why a round cannot start yet, and how many more reviewed images it needs; None when it can."""
        more = max(MIN_IMAGES - self.n_images, 0)
        more_ships = max(MIN_WITH_SHIPS - self.with_ships, 0)
        if not more and not more_ships:
            return None
        needs = []
        if more:
            needs.append(f"{more} more reviewed image{'s' if more != 1 else ''}")
        if more_ships:
            needs.append(f"{more_ships} more with ships")
        return (
            f"{self.n_images} reviewed image(s), {self.with_ships} with ships: improving the model needs at "
            f"least {MIN_IMAGES}, {MIN_WITH_SHIPS} of them with ships — review {' and '.join(needs)}"
        )


def reviewed_work(workspace: Workspace) -> ReviewedSet:
    """What a round trains and scores on: the folder's export (the canonical CSV path, written to a
    temporary file and read back), less any image whose annotation is only the model's proposal."""
    from shipviewer.airbus.annotations import read_csv

    with tempfile.TemporaryDirectory(prefix="shipviewer-reviewed-") as tmp:
        path = Path(tmp) / "reviewed.csv"
        try:
            workspace.export_csv(path)
        except ValueError:  # nothing exportable yet
            return ReviewedSet({})
        ships = read_csv(path).ships
    records = {r.image_id: r for r in workspace.store.records()}
    model_only = [image_id for image_id in ships if is_model_only(records.get(image_id))]
    for image_id in model_only:
        del ships[image_id]
    return ReviewedSet(ships, len(model_only))


# --- the held-out split -----------------------------------------------------------------------------------
def stratum(n_ships: int) -> int:
    return min(n_ships, STRATUM_CAP)


def split_key(image_id: str, seed: int) -> str:
    """The order in which newcomers of a stratum fill its validation share: a hash of seed and id."""
    return hashlib.blake2b(f"{seed}:{image_id}".encode(), digest_size=8).hexdigest()


def grow_split(
    recorded: Mapping[str, str],
    strata: Mapping[str, int],
    *,
    seed: int = SPLIT_SEED,
    fraction: float = VAL_FRACTION,
) -> dict[str, str]:
    """Parts (``train``/``val``) for the images of ``strata`` (image → stratum) not in ``recorded``.

    Recorded images keep their part. Validation should hold ``round(N · fraction)`` of the N images of
    ``strata`` (at least one when N ≥ 2); the newcomers fill what it lacks, one at a time from the stratum
    furthest below its share, lowest :func:`split_key` first. The rest train.
    """
    current = list(strata)
    total = len(current)
    target = round(total * fraction)
    if total >= 2 and fraction > 0:
        target = min(max(target, 1), total - 1)
    val_now = {s: 0 for s in set(strata.values())}
    size = {s: 0 for s in val_now}
    for image_id in current:
        size[strata[image_id]] += 1
        if recorded.get(image_id) == "val":
            val_now[strata[image_id]] += 1
    newcomers: dict[int, list[str]] = {}
    for image_id in current:
        if image_id not in recorded:
            newcomers.setdefault(strata[image_id], []).append(image_id)
    for ids in newcomers.values():
        ids.sort(key=lambda i: (split_key(i, seed), i))
    parts = {image_id: "train" for ids in newcomers.values() for image_id in ids}
    missing = target - sum(val_now.values())
    while missing > 0:
        open_strata = [s for s, ids in newcomers.items() if ids]
        if not open_strata:
            break
        chosen = max(open_strata, key=lambda s: (size[s] * fraction - val_now[s], -s))
        parts[newcomers[chosen].pop(0)] = "val"
        val_now[chosen] += 1
        missing -= 1
    return parts


@dataclass(frozen=True)
class HeldOutSplit:
    """A round's split of the reviewed images: ``train`` and ``val`` (sorted ids), and which of them join
    the recorded split with this round (``new``: id → part)."""

    train: list[str]
    val: list[str]
    new: dict[str, str]
    seed: int
    fraction: float
    strata: dict[str, int] = field(default_factory=dict)

    @property
    def n_recorded(self) -> int:
        """Images of this round whose part an earlier round fixed."""
        return len(self.train) + len(self.val) - len(self.new)

    def as_dict(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "val_fraction": self.fraction,
            "train": self.train,
            "val": self.val,
            "new_train": sorted(k for k, v in self.new.items() if v == "train"),
            "new_val": sorted(k for k, v in self.new.items() if v == "val"),
            "from_earlier_rounds": self.n_recorded,
        }


# --- the folder's models ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ModelEntry:
    """One model made for the folder: its files, its base, and its card (data, settings, time, scores)."""

    id: str
    round: int
    name: str
    dir: Path
    onnx: Path
    int8: Path | None
    keras: Path
    base: str
    created: float
    f2: float | None
    base_f2: float | None
    card: dict[str, Any]
    active: bool = False

    def label(self) -> str:
        """One line for a menu: round, held-out score (and the base's), date."""
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(self.created))
        score = "" if self.f2 is None else f" · held-out F2 {self.f2:.3f}"
        if self.f2 is not None and self.base_f2 is not None:
            score += f" (base {self.base_f2:.3f})"
        return f"Round {self.round}{score} · {when}"

    def files(self) -> list[Path]:
        return [p for p in (self.onnx, self.int8, self.keras) if p is not None]


class FolderModels:
    """The held-out split and the models of one folder, in the tables of its session file."""

    def __init__(self, store: SessionStore) -> None:
        self.store = store
        known = {r[0] for r in self._read("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if {"heldout_split", "heldout_meta", "folder_models"} <= known:
            return
        with store.transaction() as db:
            for statement in (s.strip() for s in _SCHEMA.split(";")):
                if statement:
                    db.execute(statement)

    @property
    def root(self) -> Path:
        """Where the folder's models live: beside the session file (the user data folder for a read-only
        image folder)."""
        return self.store.path.parent / MODELS_DIR

    def new_id(self) -> str:
        return time.strftime("%Y%m%d-%H%M%S") + "-" + os.urandom(2).hex()

    # --- split -----------------------------------------------------------------------------------------
    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        # The store's own locked read (a plain SELECT: no write lock, so a training child writing the same
        # file never makes the viewer wait).
        return self.store._rows(sql, params)

    def _meta(self, key: str, default: str) -> str:
        rows = self._read("SELECT value FROM heldout_meta WHERE key = ?", (key,))
        return default if not rows else str(rows[0][0])

    @property
    def seed(self) -> int:
        return int(self._meta("seed", str(SPLIT_SEED)))

    @property
    def fraction(self) -> float:
        return float(self._meta("fraction", str(VAL_FRACTION)))

    def recorded_split(self) -> dict[str, tuple[str, int]]:
        """Every recorded image (present or not) → (part, round it joined in)."""
        rows = self._read(
            "SELECT i.path, h.part, h.round FROM heldout_split h JOIN images i ON i.id = h.image"
        )
        return {path: (part, int(round_)) for path, part, round_ in rows}

    def plan_split(self, ships: Mapping[str, Sequence[str]]) -> HeldOutSplit:
        """The split of these reviewed images: recorded parts kept, newcomers placed (nothing is written;
        :meth:`register` records the newcomers with the model made from it)."""
        recorded = {k: part for k, (part, _) in self.recorded_split().items()}
        strata = {image_id: stratum(len(rles)) for image_id, rles in ships.items()}
        new = grow_split(recorded, strata, seed=self.seed, fraction=self.fraction)
        parts = {**{k: recorded[k] for k in strata if k in recorded}, **new}
        train = sorted(k for k, v in parts.items() if v == "train")
        val = sorted(k for k, v in parts.items() if v == "val")
        return HeldOutSplit(train, val, new, self.seed, self.fraction, strata)

    def _record_split(self, split: HeldOutSplit, round_: int) -> None:
        now = time.time()
        with self.store.transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO heldout_meta (key, value) VALUES ('seed', ?)", (str(split.seed),)
            )
            db.execute(
                "INSERT OR IGNORE INTO heldout_meta (key, value) VALUES ('fraction', ?)",
                (str(split.fraction),),
            )
            for image_id, part in sorted(split.new.items()):
                row = db.execute("SELECT id FROM images WHERE path = ?", (image_id,)).fetchone()
                if row is None:
                    continue  # gone from the folder since the round started
                db.execute(
                    "INSERT OR IGNORE INTO heldout_split (image, part, stratum, round, added) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (row[0], part, split.strata.get(image_id, 0), round_, now),
                )

    # --- models ----------------------------------------------------------------------------------------
    def next_round(self) -> int:
        return int(self._meta("rounds", "0")) + 1

    def register(
        self,
        *,
        model_id: str,
        name: str,
        directory: Path,
        onnx: Path,
        keras: Path,
        int8: Path | None,
        base: str,
        f2: float | None,
        base_f2: float | None,
        card: Mapping[str, Any],
        split: HeldOutSplit | None,
    ) -> ModelEntry:
        """List a model made for the folder (its files in place already) and record its split's newcomers,
        in one transaction: a model is either listed with its split or not at all."""
        created = time.time()
        with self.store.transaction() as db:
            round_ = self.next_round()
            db.execute(
                "INSERT OR REPLACE INTO heldout_meta (key, value) VALUES ('rounds', ?)", (str(round_),)
            )
            if split is not None:
                self._record_split(split, round_)
            db.execute(
                "INSERT INTO folder_models (id, round, name, dir, onnx, int8, keras, base, created, f2, "
                "base_f2, card) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    model_id,
                    round_,
                    name,
                    str(directory),
                    str(onnx),
                    None if int8 is None else str(int8),
                    str(keras),
                    base,
                    created,
                    f2,
                    base_f2,
                    json.dumps({**card, "round": round_}),
                ),
            )
        entry = self.get(model_id)
        assert entry is not None
        return entry

    def _select(self, where: str = "", params: Sequence[Any] = ()) -> list[ModelEntry]:
        rows = self._read(
            "SELECT id, round, name, dir, onnx, int8, keras, base, created, f2, base_f2, card, active "
            f"FROM folder_models {where} ORDER BY round, created",
            params,
        )
        return [
            ModelEntry(
                r[0],
                int(r[1]),
                r[2],
                Path(r[3]),
                Path(r[4]),
                None if r[5] is None else Path(r[5]),
                Path(r[6]),
                r[7],
                float(r[8]),
                r[9],
                r[10],
                json.loads(r[11]),
                bool(r[12]),
            )
            for r in rows
        ]

    def models(self) -> list[ModelEntry]:
        """The folder's models, oldest round first."""
        return self._select()

    def get(self, model_id: str) -> ModelEntry | None:
        found = self._select("WHERE id = ?", (model_id,))
        return found[0] if found else None

    def find(self, path: str | os.PathLike[str]) -> ModelEntry | None:
        """The model one of whose files (ONNX, int8, Keras) is ``path``."""
        target = os.path.abspath(path)
        for entry in self.models():
            if any(os.path.abspath(p) == target for p in entry.files()):
                return entry
        return None

    def active(self) -> ModelEntry | None:
        found = self._select("WHERE active = 1")
        return found[0] if found else None

    def set_active(self, model_id: str | None) -> None:
        """The model the folder uses now (None: none of its own, e.g. the bundled one)."""
        with self.store.transaction() as db:
            db.execute("UPDATE folder_models SET active = 0 WHERE active = 1")
            if model_id is not None:
                db.execute("UPDATE folder_models SET active = 1 WHERE id = ?", (model_id,))

    def delete(self, model_id: str) -> list[Path]:
        """Unlist a model and delete its files; returns the files that could not be removed."""
        entry = self.get(model_id)
        if entry is None:
            return []
        with self.store.transaction() as db:
            db.execute("DELETE FROM folder_models WHERE id = ?", (model_id,))
        inside = self.root.resolve() in entry.dir.resolve().parents
        if inside:
            shutil.rmtree(entry.dir, ignore_errors=True)
            return [entry.dir] if entry.dir.exists() else []
        # A model written with `shipviewer finetune --out DIR` elsewhere: only the files it made go.
        left = []
        for path in [*entry.files(), entry.dir / "report.json"]:
            try:
                path.unlink(missing_ok=True)
            except OSError:
                left.append(path)
        return left


def base_for(model_path: str | os.PathLike[str] | None, models: FolderModels | None) -> Path | None:
    """The ``.keras`` file behind an ONNX model, when one is known: a model of the folder keeps its own;
    the bundled model's (fp32 or int8) is the bundled ``.keras``; else ``NAME.keras`` beside ``NAME.onnx``
    (or beside ``NAME.onnx`` for ``NAME-int8.onnx``). None when none is known."""
    if not model_path:
        return None
    path = Path(model_path)
    if path.suffix.lower() == ".keras":
        return path if path.is_file() else None
    if models is not None:
        entry = models.find(path)
        if entry is not None and entry.keras.is_file():
            return entry.keras
    from resources import DEFAULT_MODEL_NAME, INT8_MODEL_NAME, default_keras_path, models_dir

    bundled = {models_dir() / DEFAULT_MODEL_NAME, models_dir() / INT8_MODEL_NAME}
    if path.resolve() in {p.resolve() for p in bundled}:
        keras = default_keras_path()
        return keras if keras.is_file() else None
    stem = path.stem.removesuffix("-int8").removesuffix("-fp32")
    candidate = path.with_name(stem + ".keras")
    return candidate if candidate.is_file() else None
