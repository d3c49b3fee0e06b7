"""Airbus CSVs (``ImageId,EncodedPixels``): streaming reads, validation and atomic canonical writes.

A CSV holds one row per ship and one row with an empty ``EncodedPixels`` for an image without ships.
In memory an annotation set is a plain ``dict[str, list[str]]``: image id → its ships' RLE strings in
file order, ``[]`` for an image listed as empty.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, NamedTuple

from shipviewer.airbus import rle as rle_codec

__all__ = [
    "CsvError",
    "CsvProblem",
    "CsvRow",
    "ReadResult",
    "ValidationReport",
    "atomic_write_text",
    "iter_rows",
    "read_csv",
    "validate_csv",
    "write_csv",
]

IMAGE_COLUMN = "ImageId"
PIXELS_COLUMN = "EncodedPixels"
HEADER = f"{IMAGE_COLUMN},{PIXELS_COLUMN}"
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp")

# The training CSV has RLE fields of tens of kilobytes; allow far more than csv's 128 KiB default.
csv.field_size_limit(64 * 1024 * 1024)


class CsvError(ValueError):
    """A CSV that cannot be read at all (missing file, wrong header); the message names file and line."""


@dataclass(frozen=True)
class CsvProblem:
    """One thing wrong in a CSV, at a 1-based physical line of the file."""

    path: str
    line: int
    message: str
    image_id: str = ""

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class CsvRow(NamedTuple):
    """One data row: its line in the file, the image id and the RLE string ('' for no ship)."""

    line: int
    image_id: str
    rle: str


@dataclass
class ReadResult:
    """What :func:`read_csv` found: the ships per image, and the rows it had to skip."""

    path: str
    ships: dict[str, list[str]] = field(default_factory=dict)
    problems: list[CsvProblem] = field(default_factory=list)
    n_rows: int = 0

    @property
    def n_ships(self) -> int:
        return sum(len(v) for v in self.ships.values())


def _open_text(path: Path) -> io.TextIOWrapper:
    try:
        # utf-8-sig drops a byte-order mark; newline="" lets csv handle CRLF and quoted newlines.
        return path.open("r", encoding="utf-8-sig", newline="")
    except FileNotFoundError as exc:
        raise CsvError(f"{path}: no such file") from exc
    except IsADirectoryError as exc:
        raise CsvError(f"{path}: is a folder, not a CSV file") from exc
    except PermissionError as exc:
        raise CsvError(f"{path}: cannot be read (permission denied)") from exc


def iter_rows(path: str | os.PathLike[str]) -> Iterator[CsvRow | CsvProblem]:
    """Stream the data rows of an Airbus CSV, yielding a :class:`CsvProblem` for a row it cannot use.

    Extra columns are tolerated; the two needed ones are found by name. ``NaN`` and blank pixels mean
    "no ship". RLE strings are not decoded here (see :func:`validate_csv`). Raises :class:`CsvError`
    when the file cannot be opened or its header lacks the needed columns.
    """
    path = Path(path)
    with _open_text(path) as handle:
        reader = csv.reader(handle)
        try:
            header = next(reader, None)
        except (csv.Error, UnicodeDecodeError) as exc:
            raise CsvError(f"{path}:1: cannot read the header: {exc}") from exc
        if header is None:
            raise CsvError(f"{path}: the file is empty (expected the header '{HEADER}')")
        names = [h.strip() for h in header]
        missing = [c for c in (IMAGE_COLUMN, PIXELS_COLUMN) if c not in names]
        if missing:
            raise CsvError(
                f"{path}:1: header {','.join(names)!r} lacks the column(s) {', '.join(missing)} "
                f"(expected '{HEADER}')"
            )
        image_at, pixels_at = names.index(IMAGE_COLUMN), names.index(PIXELS_COLUMN)
        needed = max(image_at, pixels_at) + 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield CsvProblem(str(path), reader.line_num, f"unreadable row: {exc}")
                continue
            except UnicodeDecodeError as exc:
                yield CsvProblem(str(path), reader.line_num + 1, f"not UTF-8 text: {exc.reason}")
                return
            line = reader.line_num
            if not row or (len(row) == 1 and not row[0].strip()):
                continue  # blank line
            if len(row) < needed:
                yield CsvProblem(
                    str(path), line, f"expected {len(names)} fields ({','.join(names)}), found {len(row)}"
                )
                continue
            image_id = row[image_at].strip()
            if not image_id:
                yield CsvProblem(str(path), line, f"empty {IMAGE_COLUMN}")
                continue
            pixels = row[pixels_at].strip()
            if pixels.lower() == "nan":
                pixels = ""
            yield CsvRow(line, image_id, pixels)


def read_csv(path: str | os.PathLike[str], *, errors: Literal["raise", "collect"] = "raise") -> ReadResult:
    """Read an Airbus CSV into ships per image, in file order.

    ``errors="raise"`` stops at the first bad row with a :class:`CsvError` naming the file and line;
    ``"collect"`` skips bad rows and lists them in ``problems``. An image that has ship rows and also
    an empty row keeps its ships.
    """
    result = ReadResult(str(path))
    ships = result.ships
    n_rows = 0
    for item in iter_rows(path):
        if isinstance(item, CsvProblem):
            if errors == "raise":
                raise CsvError(str(item))
            result.problems.append(item)
            continue
        n_rows += 1
        bucket = ships.get(item.image_id)
        if bucket is None:
            bucket = ships[item.image_id] = []
        if item.rle:
            bucket.append(item.rle)
    result.n_rows = n_rows
    return result


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder and an atomic rename.

    A reader sees the old file or the new one, never half of one, even if the process dies mid-write.
    """
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists():
            os.chmod(temp, path.stat().st_mode & 0o777)
        else:
            os.chmod(temp, 0o666 & ~_umask())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def format_csv(ships: Mapping[str, Sequence[str]], *, sort: bool = True) -> str:
    """The canonical CSV text: header, one row per ship, one empty row for an image without ships."""
    ids: Iterable[str] = sorted(ships) if sort else ships
    lines = [HEADER]
    for image_id in ids:
        if "," in image_id or '"' in image_id or "\n" in image_id:
            raise ValueError(f"image id {image_id!r} contains a comma, quote or newline")
        rles = [r for r in ships[image_id] if not rle_codec.is_empty(r)]
        if not rles:
            lines.append(f"{image_id},")
        else:
            lines.extend(f"{image_id},{r}" for r in rles)
    lines.append("")
    return "\n".join(lines)


def write_csv(path: str | os.PathLike[str], ships: Mapping[str, Sequence[str]], *, sort: bool = True) -> None:
    """Write a canonical Airbus CSV atomically (see :func:`format_csv` and :func:`atomic_write_text`)."""
    atomic_write_text(path, format_csv(ships, sort=sort))


@dataclass
class ValidationReport:
    """Everything :func:`validate_csv` found; ``ok`` when there is nothing to report."""

    path: str
    n_rows: int = 0
    n_images: int = 0
    n_ships: int = 0
    problems: list[CsvProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _images_in(folder: Path) -> set[str]:
    if not folder.is_dir():
        raise CsvError(f"{folder}: no such folder")
    try:
        return {e.name for e in os.scandir(folder) if e.name.lower().endswith(IMAGE_EXTENSIONS)}
    except PermissionError as exc:
        raise CsvError(f"{folder}: cannot be read (permission denied)") from exc


def validate_csv(
    path: str | os.PathLike[str],
    *,
    shape: Sequence[int] = rle_codec.DEFAULT_SHAPE,
    images: str | os.PathLike[str] | None = None,
) -> ValidationReport:
    """Check every row of an Airbus CSV: malformed rows and RLE strings, duplicate rows, ships that
    overlap within an image, images with both an empty row and ships, and (with ``images``) image ids
    missing from that folder. Problems carry line numbers; nothing stops at the first one.
    """
    report = ValidationReport(str(path))
    problems = report.problems
    ships: dict[str, list[tuple[int, str]]] = {}
    empty_rows: dict[str, int] = {}
    seen: dict[tuple[str, str], int] = {}
    for item in iter_rows(path):
        if isinstance(item, CsvProblem):
            problems.append(item)
            continue
        report.n_rows += 1
        key = (item.image_id, item.rle)
        if key in seen:
            what = "empty row" if not item.rle else "ship row"
            problems.append(
                CsvProblem(
                    str(path),
                    item.line,
                    f"duplicate {what} for {item.image_id} (first on line {seen[key]})",
                    item.image_id,
                )
            )
            continue
        seen[key] = item.line
        if not item.rle:
            empty_rows.setdefault(item.image_id, item.line)
            ships.setdefault(item.image_id, [])
            continue
        try:
            rle_codec.parse_runs(item.rle, shape)
        except ValueError as exc:
            problems.append(CsvProblem(str(path), item.line, f"{item.image_id}: {exc}", item.image_id))
            ships.setdefault(item.image_id, [])
            continue
        ships.setdefault(item.image_id, []).append((item.line, item.rle))
    for image_id, rows in ships.items():
        if image_id in empty_rows and rows:
            problems.append(
                CsvProblem(
                    str(path),
                    empty_rows[image_id],
                    f"{image_id} has an empty row (no ships) and also {len(rows)} ship row(s)",
                    image_id,
                )
            )
        if len(rows) > 1:
            for overlap in rle_codec.find_overlaps([r for _, r in rows], shape):
                line_a, line_b = rows[overlap.first][0], rows[overlap.second][0]
                problems.append(
                    CsvProblem(
                        str(path),
                        line_b,
                        f"{image_id}: this ship overlaps the ship on line {line_a} by {overlap.pixels} "
                        "pixels",
                        image_id,
                    )
                )
    report.n_images = len(ships)
    report.n_ships = sum(len(v) for v in ships.values())
    if images is not None:
        present = _images_in(Path(images))
        first_line: dict[str, int] = {}
        for (image_id, _), line in seen.items():
            first_line.setdefault(image_id, line)
        for image_id in ships:
            if image_id not in present:
                problems.append(
                    CsvProblem(str(path), first_line[image_id], f"{image_id} is not in {images}", image_id)
                )
    problems.sort(key=lambda p: p.line)
    return report


def count_ships(ships: Mapping[str, Sequence[str]]) -> Counter[int]:
    """How many images have 0, 1, 2, ... ships."""
    return Counter(len(v) for v in ships.values())
