"""Airbus CSVs (``ImageId,EncodedPixels``): streaming reads, validation and atomic canonical writes.

A CSV holds one row per ship and one row with an empty ``EncodedPixels`` for an image without ships.
In memory an annotation set is a plain ``dict[str, list[str]]``: image id → its ships' RLE strings in
file order, ``[]`` for an image listed as empty.
"""

from __future__ import annotations

import codecs
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
from shipviewer.airbus.images import unreadable

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


_SNIFF_BYTES = 8192
# Bytes that never appear in a text CSV: C0 controls other than tab, newline and carriage return.
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 13)) + b"\x7f"


def looks_binary(head: bytes) -> bool:
    """Whether the first bytes of a file are binary data (an image, a spreadsheet, a zip), not text:
    a NUL byte, or more than one byte in a hundred a control character."""
    if not head:
        return False
    if b"\x00" in head:
        return True
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    return controls * 100 > len(head)


def _open_text(path: Path) -> io.TextIOWrapper:
    try:
        with path.open("rb") as probe:
            head = probe.read(_SNIFF_BYTES)
        # utf-8-sig drops a byte-order mark; newline="" lets csv handle CRLF and quoted newlines.
        handle = path.open("r", encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise CsvError(f"{path}: {unreadable(exc, 'a CSV file')}") from exc
    if looks_binary(head):
        handle.close()
        raise CsvError(f"{path}: not a text CSV file (it holds binary data; expected the header '{HEADER}')")
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=len(head) < _SNIFF_BYTES)
    except UnicodeDecodeError as exc:
        handle.close()
        line = head[: exc.start].count(b"\n") + 1
        raise CsvError(
            f"{path}:{line}: not UTF-8 text (byte 0x{head[exc.start]:02x}: {exc.reason}); "
            "save the file as UTF-8"
        ) from exc
    return handle


class _Lines:
    """The physical lines of a text file for ``csv.reader``, numbered from 1.

    The lines of the row being read are kept, so that a row a stray quote ran across (a quote opens a
    field and the reader takes every following line into it) can be read again line by line.
    """

    def __init__(self, handle: io.TextIOWrapper) -> None:
        self._handle = handle
        self._again: list[tuple[int, str]] = []  # lines to read again, last one first
        self.count = 0  # lines taken from the file
        self.row: list[tuple[int, str]] = []  # (number, text) of the lines of the current row

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self._again:
            number, line = self._again.pop()
        else:
            line = self._handle.readline()
            if not line:
                raise StopIteration
            self.count += 1
            number = self.count
        self.row.append((number, line))
        return line

    @property
    def first(self) -> int:
        """The line number where the current row began."""
        return self.row[0][0] if self.row else self.count + 1

    def read_again(self, lines: Sequence[tuple[int, str]]) -> None:
        self._again.extend(reversed(lines))


STRAY_QUOTE = (
    'a quote (") opens a field that does not close on this line; the row is skipped and the lines '
    "after it are read on their own"
)


def iter_rows(path: str | os.PathLike[str]) -> Iterator[CsvRow | CsvProblem]:
    """Stream the data rows of an Airbus CSV, yielding a :class:`CsvProblem` for a row it cannot use.

    Extra columns are tolerated; the two needed ones are found by name. ``NaN`` and blank pixels mean
    "no ship". RLE strings are not decoded here (see :func:`validate_csv`). A stray quote costs its
    own row only: the lines it would swallow are read again as rows of their own. Raises
    :class:`CsvError` when the file cannot be opened, is not text, or its header lacks the needed
    columns.
    """
    path = Path(path)
    where = str(path)
    with _open_text(path) as handle:
        lines = _Lines(handle)
        reader = csv.reader(lines)
        try:
            header = next(reader, None)
        except UnicodeDecodeError as exc:
            raise CsvError(f"{path}:1: not UTF-8 text ({exc.reason}); save the file as UTF-8") from exc
        except csv.Error as exc:
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
            lines.row = []
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                if len(lines.row) > 1:  # a quote ran across lines into an error
                    yield CsvProblem(where, lines.first, STRAY_QUOTE)
                    lines.read_again(lines.row[1:])
                else:
                    yield CsvProblem(where, lines.first, f"unreadable row: {exc}")
                continue
            except UnicodeDecodeError as exc:
                yield CsvProblem(where, lines.count + 1, f"not UTF-8 text: {exc.reason}")
                return
            line = lines.first
            if not row or (len(row) == 1 and not row[0].strip()):
                continue  # blank line
            if any("\n" in row[i] or "\r" in row[i] for i in (image_at, pixels_at) if i < len(row)):
                yield CsvProblem(where, line, STRAY_QUOTE)
                lines.read_again(lines.row[1:])
                continue
            if len(row) < needed:
                yield CsvProblem(
                    where, line, f"expected {len(names)} fields ({','.join(names)}), found {len(row)}"
                )
                continue
            image_id = row[image_at].strip()
            if not image_id:
                yield CsvProblem(where, line, f"empty {IMAGE_COLUMN}")
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
    # Worth a look but allowed: a ship row drawn in separate blobs (the Kaggle training file itself has
    # a few, a stray pixel beside the hull).
    notes: list[CsvProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class _ImageFolder:
    """The images of the folder a CSV describes: which ImageIds it holds, and each image's own size."""

    def __init__(self, folder: Path, default: tuple[int, int]) -> None:
        if not folder.is_dir():
            raise CsvError(f"{folder}: no such folder")
        try:
            self._names = {e.name for e in os.scandir(folder) if e.name.lower().endswith(IMAGE_EXTENSIONS)}
        except PermissionError as exc:
            raise CsvError(f"{folder}: cannot be read (permission denied)") from exc
        self.folder = folder
        self.default = default
        self._shapes: dict[str, tuple[int, int] | None] = {}

    def __contains__(self, image_id: str) -> bool:
        if "/" in image_id:  # a folder-relative path, as a session export writes for subfolders
            return (self.folder / image_id).is_file()
        return image_id in self._names

    def shape(self, image_id: str) -> tuple[int, int] | None:
        """(height, width) of the image read from its file; None when it is missing or unreadable."""
        if image_id not in self._shapes:
            from shipviewer.airbus.image_size import image_size
            from shipviewer.airbus.images import ImageError

            size: tuple[int, int] | None = None
            if image_id in self:
                try:
                    size = image_size(self.folder / image_id)
                except (ImageError, OSError):
                    size = None
            self._shapes[image_id] = size
        return self._shapes[image_id]


def validate_csv(
    path: str | os.PathLike[str],
    *,
    shape: Sequence[int] = rle_codec.DEFAULT_SHAPE,
    images: str | os.PathLike[str] | None = None,
) -> ValidationReport:
    """Check every row of an Airbus CSV: malformed rows and RLE strings, duplicate rows, ships that
    overlap within an image, images with both an empty row and ships, and (with ``images``) image ids
    missing from that folder. Problems carry line numbers; nothing stops at the first one. A ship row
    drawn in separate blobs is a note (``notes``), not a problem: allowed, but rarely meant.

    An Airbus CSV carries no image size: runs are checked against ``shape`` (768 × 768), or with
    ``images`` against each image's own size read from its file (``shape`` for images not there).
    """
    report = ValidationReport(str(path))
    problems = report.problems
    default = (int(shape[0]), int(shape[1]))
    folder = _ImageFolder(Path(images), default) if images is not None else None

    def shape_of(image_id: str) -> tuple[int, int]:
        found = folder.shape(image_id) if folder is not None else None
        return found if found is not None else default

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
        image_shape = shape_of(item.image_id)
        try:
            starts, lengths = rle_codec.parse_runs(item.rle, image_shape)
        except ValueError as exc:
            size = f" (image {image_shape[1]}×{image_shape[0]})" if image_shape != default else ""
            problems.append(CsvProblem(str(path), item.line, f"{item.image_id}: {exc}{size}", item.image_id))
            ships.setdefault(item.image_id, [])
            continue
        pieces = rle_codec.pieces_of_runs(starts, lengths, image_shape[0])
        if pieces > 1:
            report.notes.append(
                CsvProblem(
                    str(path),
                    item.line,
                    f"{item.image_id}: note: this ship is {pieces} separate blobs (a ship is usually one "
                    "connected blob)",
                    item.image_id,
                )
            )
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
            for overlap in rle_codec.find_overlaps([r for _, r in rows], shape_of(image_id)):
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
    if folder is not None:
        first_line: dict[str, int] = {}
        for (image_id, _), line in seen.items():
            first_line.setdefault(image_id, line)
        for image_id in ships:
            if image_id not in folder:
                problems.append(
                    CsvProblem(str(path), first_line[image_id], f"{image_id} is not in {images}", image_id)
                )
    problems.sort(key=lambda p: p.line)
    return report


def count_ships(ships: Mapping[str, Sequence[str]]) -> Counter[int]:
    """How many images have 0, 1, 2, ... ships."""
    return Counter(len(v) for v in ships.values())
