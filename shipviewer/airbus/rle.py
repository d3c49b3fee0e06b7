"""The Airbus Ship Detection run-length codec.

Pixels are numbered 1..H·W in column-major order (down the first column, then the next); a string is
``start length`` pairs separated by single spaces. Masks are ``bool`` arrays of shape (H, W).

Everything here works on *runs* (0-based flat start, length) so that work scales with the ship, not
with the 768×768 frame: encode looks only at the ship's bounding box, decode and ``masks_as_image``
touch one frame once, and overlap detection never builds a frame at all.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "DEFAULT_SHAPE",
    "Overlap",
    "OverlapError",
    "RLEError",
    "count_pieces",
    "decode",
    "encode",
    "find_overlaps",
    "is_empty",
    "label_image",
    "mask_runs",
    "masks_as_image",
    "parse_runs",
    "pieces_of_runs",
    "runs_to_string",
    "ships_from_labels",
    "ships_from_mask",
]

DEFAULT_SHAPE: tuple[int, int] = (768, 768)

# Whole numbers separated by whitespace; at most 18 digits so every value fits in int64.
_WELL_FORMED = re.compile(r"[ \t\r\n]*[0-9]{1,18}(?:[ \t\r\n]+[0-9]{1,18})*[ \t\r\n]*\Z")
# Below this many runs a Python loop of slice assignments beats building an index array.
_LOOP_FILL_MAX_RUNS = 24


class RLEError(ValueError):
    """A malformed run-length string; the message says what is wrong and where."""


class OverlapError(ValueError):
    """Two ships of one image claim the same pixels."""


@dataclass(frozen=True)
class Overlap:
    """Ships ``first`` and ``second`` (0-based indices into the list given) share ``pixels`` pixels."""

    first: int
    second: int
    pixels: int


def is_empty(rle: Any) -> bool:
    """True for the values the Airbus CSV uses for "no ship": ``''``, whitespace, ``None`` and NaN."""
    if rle is None:
        return True
    if isinstance(rle, float):
        return math.isnan(rle)
    if isinstance(rle, str):
        return not rle.strip() or rle.strip().lower() == "nan"
    return False


def _check_shape(shape: Sequence[int]) -> tuple[int, int]:
    try:
        height, width = (int(v) for v in shape)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"shape must be two whole numbers (H, W), got {shape!r}") from exc
    if height < 1 or width < 1:
        raise ValueError(f"shape must be positive, got {shape!r}")
    return height, width


def _describe_bad_token(text: str) -> str:
    tokens = text.split()
    for position, token in enumerate(tokens, start=1):
        if not (token.isascii() and token.isdigit()):
            return f"value {position} ({token[:20]!r}) is not a whole number"
        if len(token) > 18:
            return f"value {position} ({token[:20]}…) is far too large for any image"
    return "it contains characters other than digits and spaces"


def parse_runs(rle: Any, shape: Sequence[int] = DEFAULT_SHAPE) -> tuple[np.ndarray, np.ndarray]:
    """Validate one RLE string and return its runs as (0-based flat starts, lengths), both int64.

    Empty values (see :func:`is_empty`) give two empty arrays. Raises :class:`RLEError` for anything
    malformed: an odd number of values, a token that is not a whole number, start < 1, length < 1, a
    run past H·W, or runs out of order or overlapping.
    """
    height, width = _check_shape(shape)
    if is_empty(rle):
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    if isinstance(rle, bytes):
        try:
            rle = rle.decode("ascii")
        except UnicodeDecodeError as exc:
            raise RLEError("run-length string contains non-ASCII bytes") from exc
    if not isinstance(rle, str):
        raise TypeError(f"a run-length string must be str, got {type(rle).__name__}")
    if not _WELL_FORMED.match(rle):
        raise RLEError(f"malformed run-length string: {_describe_bad_token(rle)}")
    values = np.fromstring(rle, dtype=np.int64, sep=" ")
    if values.size % 2:
        raise RLEError(f"odd number of values ({values.size}): expected 'start length' pairs")
    starts = values[0::2] - 1
    lengths = values[1::2]
    _check_runs(starts, lengths, height * width)
    return starts, lengths


def _check_runs(starts: np.ndarray, lengths: np.ndarray, n_pixels: int) -> None:
    if starts.size == 0:
        return
    ends = starts + lengths
    # Fast path: increasing, non-overlapping runs of length >= 1 need only their first start and last end.
    if (
        starts[0] >= 0
        and ends[-1] <= n_pixels
        and lengths.min() >= 1
        and (starts.size == 1 or bool((starts[1:] >= ends[:-1]).all()))
    ):
        return
    bad = np.flatnonzero(starts < 0)
    if bad.size:
        raise RLEError(
            f"run {bad[0] + 1}: start {starts[bad[0]] + 1} is below 1 (pixels are numbered from 1)"
        )
    bad = np.flatnonzero(lengths < 1)
    if bad.size:
        raise RLEError(f"run {bad[0] + 1}: length {lengths[bad[0]]} is below 1")
    bad = np.flatnonzero(starts[1:] < ends[:-1])
    if bad.size:
        i = bad[0] + 1
        kind = "out of order" if starts[i] < starts[i - 1] else "overlapping"
        raise RLEError(
            f"run {i + 1} (start {starts[i] + 1}) is {kind}: the previous run covers pixels "
            f"{starts[i - 1] + 1}..{ends[i - 1]}"
        )
    i = int(np.flatnonzero(ends > n_pixels)[0])
    raise RLEError(
        f"run {i + 1} (start {starts[i] + 1}, length {lengths[i]}) runs past pixel {n_pixels}, "
        "the last pixel of the image"
    )


def _fill(flat: np.ndarray, starts: np.ndarray, lengths: np.ndarray, value: Any = True) -> None:
    """Set the runs of ``flat`` to ``value``; a loop for few runs, one fancy assignment for many."""
    if starts.size <= _LOOP_FILL_MAX_RUNS:
        for start, stop in zip(starts.tolist(), (starts + lengths).tolist()):
            flat[start:stop] = value
        return
    total = int(lengths.sum())
    offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
    flat[offsets + np.arange(total)] = value


def decode(rle: Any, shape: Sequence[int] = DEFAULT_SHAPE) -> np.ndarray:
    """Decode one ship's RLE string into a bool mask of ``shape`` (H, W).

    ``''``, ``None`` and NaN give an all-False mask. The result is a Fortran-ordered view (as the
    notebook's ``reshape(...).T``); call ``np.ascontiguousarray`` where C order matters.
    """
    height, width = _check_shape(shape)
    starts, lengths = parse_runs(rle, (height, width))
    flat = np.zeros(height * width, dtype=bool)
    _fill(flat, starts, lengths)
    return flat.reshape(width, height).T


def masks_as_image(rles: Iterable[Any], shape: Sequence[int] = DEFAULT_SHAPE) -> np.ndarray:
    """The union of all ships of one image as a bool (H, W) mask, built in one pass over one frame."""
    height, width = _check_shape(shape)
    parsed = [parse_runs(rle, (height, width)) for rle in rles]
    flat = np.zeros(height * width, dtype=bool)
    if parsed:
        starts = np.concatenate([p[0] for p in parsed])
        lengths = np.concatenate([p[1] for p in parsed])
        _fill(flat, starts, lengths)
    return flat.reshape(width, height).T


def label_image(
    rles: Iterable[Any], shape: Sequence[int] = DEFAULT_SHAPE, *, allow_overlap: bool = False
) -> np.ndarray:
    """An int32 (H, W) image where the pixels of ship k (1-based, in list order) have value k.

    Empty entries still take their number (the list's k-th entry is label k). Overlapping ships raise
    :class:`OverlapError` unless ``allow_overlap``, in which case a later ship wins the shared pixels.
    """
    height, width = _check_shape(shape)
    rles = list(rles)
    if not allow_overlap:
        overlaps = find_overlaps(rles, (height, width))
        if overlaps:
            o = overlaps[0]
            raise OverlapError(f"ships {o.first + 1} and {o.second + 1} overlap on {o.pixels} pixels")
    flat = np.zeros(height * width, dtype=np.int32)
    for k, rle in enumerate(rles, start=1):
        starts, lengths = parse_runs(rle, (height, width))
        _fill(flat, starts, lengths, k)
    return flat.reshape(width, height).T


def _first_last(flags: np.ndarray) -> tuple[int, int]:
    """Index of the first and the last True of a 1-D bool array known to hold one."""
    return int(flags.argmax()), flags.size - 1 - int(flags[::-1].argmax())


def _bounding_box(array: np.ndarray) -> tuple[int, int, int, int] | None:
    """(first row, last row, first column, last column) of the True pixels of a C-ordered bool array.

    The first row comes from ``argmax``, which stops at the first True; OpenCV's SIMD row sums then read
    the rest of the frame once, and the columns are found inside the band of rows alone.
    """
    import cv2

    flat = array.reshape(-1)
    first = int(flat.argmax())
    if not flat[first]:
        return None
    r0 = first // array.shape[1]
    rest = array[r0:]
    row_sums = cv2.reduce(rest.view(np.uint8), 1, cv2.REDUCE_SUM, dtype=cv2.CV_32S)
    r1 = r0 + _first_last(np.asarray(row_sums.reshape(-1) > 0))[1]
    c0, c1 = _first_last(np.asarray(array[r0 : r1 + 1].any(axis=0)))
    return r0, r1, c0, c1


def _mask_pairs(mask: np.ndarray) -> np.ndarray:
    """The runs of a 2-D mask as an (n, 2) int array of (1-based column-major start, length).

    Only the mask's bounding box is transposed and scanned; the frame itself is read once.
    """
    if mask.ndim != 2:
        raise ValueError(f"a mask must be 2-D (H, W), got shape {mask.shape}")
    if mask.dtype != np.bool_:
        mask = mask != 0
    none = np.empty((0, 2), dtype=np.int64)
    height = mask.shape[0]
    if mask.size == 0:
        return none
    # Work on the column-major layout directly when the mask already is one (e.g. decode's output).
    if mask.flags.f_contiguous and not mask.flags.c_contiguous:
        box = _bounding_box(mask.T)
        if box is None:
            return none
        c0, c1, r0, r1 = box
        columns = mask.T[c0 : c1 + 1, r0 : r1 + 1]
    else:
        mask = np.ascontiguousarray(mask)
        box = _bounding_box(mask)
        if box is None:
            return none
        r0, r1, c0, c1 = box
        columns = mask[r0 : r1 + 1, c0 : c1 + 1].T
    padded_h = r1 - r0 + 3
    # Each column of the box, padded with a False pixel above and below so no run crosses columns.
    padded = np.zeros((c1 - c0 + 1, padded_h), dtype=bool)
    padded[:, 1:-1] = columns
    flat = padded.reshape(-1)
    edges = np.flatnonzero(flat[1:] != flat[:-1]).reshape(-1, 2)
    # A run starting at padded index e + 1 = column * padded_h + row + 1 starts at frame pixel
    # (c0 + column) * H + r0 + row, numbered from 1.
    pairs = np.empty_like(edges)
    first = edges[:, 0]
    pairs[:, 0] = first // padded_h * (height - padded_h) + first + (c0 * height + r0 + 1)
    pairs[:, 1] = edges[:, 1] - first
    if r0 == 0 and r1 == height - 1 and len(pairs) > 1:
        starts, lengths = _merge_touching(pairs[:, 0], pairs[:, 1])
        pairs = np.stack((starts, lengths), axis=1)
    return pairs


def _merge_touching(starts: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Merge runs that continue from the bottom of one column into the top of the next."""
    ends = starts + lengths
    breaks = np.flatnonzero(starts[1:] != ends[:-1])
    new_starts = starts[np.concatenate(([0], breaks + 1))]
    new_ends = ends[np.concatenate((breaks, [ends.size - 1]))]
    return new_starts, new_ends - new_starts


def _pairs_to_string(pairs: np.ndarray) -> str:
    return _pair_format(len(pairs)) % tuple(pairs.reshape(-1).tolist()) if len(pairs) else ""


def runs_to_string(starts: np.ndarray, lengths: np.ndarray) -> str:
    """Format 0-based runs as the canonical ``start length`` string (starts numbered from 1)."""
    return _pairs_to_string(np.stack((np.asarray(starts) + 1, lengths), axis=1))


@functools.lru_cache(maxsize=4096)
def _pair_format(n_runs: int) -> str:
    """A ``%d %d ...`` template: one C-level format call beats joining ``str`` of each number."""
    return " ".join(["%d %d"] * n_runs)


def mask_runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(0-based column-major starts, lengths) of a 2-D mask: the runs :func:`encode` would write."""
    pairs = _mask_pairs(np.asarray(mask))
    return pairs[:, 0] - 1, pairs[:, 1].copy()


def encode(mask: np.ndarray) -> str:
    """Encode a 2-D mask (any shape; nonzero = ship) as a canonical RLE string; empty mask → ``''``."""
    return _pairs_to_string(_mask_pairs(np.asarray(mask)))


def ships_from_labels(labels: np.ndarray) -> list[str]:
    """One RLE string per nonzero value of a label image, in increasing label order.

    Each label value is one ship, whatever its shape; the work is one pass over the column-major frame.
    """
    labels = np.asarray(labels)
    if labels.ndim != 2:
        raise ValueError(f"a label image must be 2-D (H, W), got shape {labels.shape}")
    column_major = labels.T.reshape(-1)
    padded = np.concatenate(([0], column_major, [0]))
    change = np.flatnonzero(padded[1:] != padded[:-1])
    if change.size == 0:
        return []
    # Every change point ends the previous value's run and starts the next value's run.
    values = padded[change + 1]
    run_lengths = np.diff(np.append(change, column_major.size))
    keep = values != 0
    starts, lengths, values = change[keep], run_lengths[keep], values[keep]
    order = np.argsort(values, kind="stable")
    starts, lengths, values = starts[order], lengths[order], values[order]
    bounds = np.flatnonzero(np.diff(values)) + 1
    return [runs_to_string(s, n) for s, n in zip(np.split(starts, bounds), np.split(lengths, bounds))]


def ships_from_mask(mask: np.ndarray, *, connectivity: int = 8, min_size: int = 1) -> list[str]:
    """Split a mask into ships, one per connected blob (8-connected by default), ordered by first pixel.

    Blobs smaller than ``min_size`` pixels are dropped.
    """
    import cv2

    mask = np.asarray(mask)
    if mask.ndim != 2:
        raise ValueError(f"a mask must be 2-D (H, W), got shape {mask.shape}")
    if connectivity not in (4, 8):
        raise ValueError(f"connectivity must be 4 or 8, got {connectivity}")
    binary = np.ascontiguousarray(mask != 0, dtype=np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=connectivity)
    if count <= 1:
        return []
    small = np.flatnonzero(stats[1:, cv2.CC_STAT_AREA] < min_size) + 1
    if small.size:
        labels[np.isin(labels, small)] = 0
    rles = ships_from_labels(labels)
    return sorted(rles, key=lambda s: int(s.split(" ", 1)[0]))


def count_pieces(rle: Any, shape: Sequence[int] = DEFAULT_SHAPE, *, connectivity: int = 8) -> int:
    """How many separate (8-connected by default) blobs one ship's run-length string draws: 1 for a
    proper ship, 0 for an empty one. Raises :class:`RLEError` like :func:`parse_runs`.

    From the runs, not a frame: each run is cut into its columns' stretches; where every column holds
    one stretch (most hulls) the pieces are counted from neighbouring columns at once, else by a
    union-find over the stretches."""
    height, _ = _check_shape(shape)
    return pieces_of_runs(*parse_runs(rle, shape), height, connectivity=connectivity)


def pieces_of_runs(starts: np.ndarray, lengths: np.ndarray, height: int, *, connectivity: int = 8) -> int:
    """:func:`count_pieces` of runs already parsed (:func:`parse_runs`) in a frame ``height`` rows high."""
    if connectivity not in (4, 8):
        raise ValueError(f"connectivity must be 4 or 8, got {connectivity}")
    if starts.size == 0:
        return 0
    slack = 1 if connectivity == 8 else 0
    if starts.size <= 48:  # most ships: a loop over a few dozen runs beats two dozen numpy calls
        few = _pieces_few(starts.tolist(), lengths.tolist(), height, slack)
        if few is not None:
            return few
    columns, tops, bottoms = _column_stretches(starts, lengths, height)
    steps = np.diff(columns)
    if np.all(steps > 0):
        touch = (steps == 1) & (tops[1:] <= bottoms[:-1] + slack) & (tops[:-1] <= bottoms[1:] + slack)
        return 1 + int(np.count_nonzero(~touch))
    return _count_roots(columns.tolist(), tops.tolist(), bottoms.tolist(), slack)


def _pieces_few(starts: list[int], lengths: list[int], height: int, slack: int) -> int | None:
    """:func:`pieces_of_runs` of runs that each lie in a column of their own (most hulls), in plain
    Python, each compared with the last; None when one runs across columns or two share one."""
    pieces, last_column, last_top, last_bottom = 0, -2, 0, 0
    for start, length in zip(starts, lengths):
        column, top = divmod(start, height)
        bottom = top + length - 1
        if bottom >= height or column == last_column:
            return None
        if not (column == last_column + 1 and top <= last_bottom + slack and last_top <= bottom + slack):
            pieces += 1
        last_column, last_top, last_bottom = column, top, bottom
    return pieces


def _count_roots(columns: list[int], tops: list[int], bottoms: list[int], slack: int) -> int:
    """Connected groups of column stretches (in column order, rows rising within a column): a union-find
    over the stretches of neighbouring columns that meet (within ``slack`` rows: 1 for 8-connectivity),
    and of stretches of one column that touch. Costs what the stretches number, not the ship's box."""
    parent = list(range(len(columns)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(i: int, j: int) -> None:
        parent[root(i)] = root(j)

    first = [0]  # where each column's stretches begin
    for k in range(1, len(columns)):
        if columns[k] != columns[k - 1]:
            first.append(k)
        elif tops[k] <= bottoms[k - 1] + 1:
            join(k, k - 1)  # touching runs of one column
    first.append(len(columns))
    for a in range(len(first) - 2):
        i, i_end, j, j_end = first[a], first[a + 1], first[a + 1], first[a + 2]
        if columns[j] != columns[i] + 1:
            continue
        while i < i_end and j < j_end:
            if tops[j] <= bottoms[i] + slack and tops[i] <= bottoms[j] + slack:
                join(i, j)
            if bottoms[i] < bottoms[j]:
                i += 1
            else:
                j += 1
    return len({root(k) for k in range(len(columns))})


def _column_stretches(
    starts: np.ndarray, lengths: np.ndarray, height: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(column, first row, last row) of every stretch of the runs within one column, in run order."""
    ends = starts + lengths - 1
    columns, tops = np.divmod(starts, height)
    last_columns = ends // height
    if np.all(columns == last_columns):
        return columns, tops, ends % height
    cols: list[int] = []
    top_rows: list[int] = []
    bottom_rows: list[int] = []
    for c, r, c_end, end in zip(columns.tolist(), tops.tolist(), last_columns.tolist(), ends.tolist()):
        for column in range(c, c_end + 1):
            cols.append(column)
            top_rows.append(r if column == c else 0)
            bottom_rows.append(end % height if column == c_end else height - 1)
    return np.array(cols, np.int64), np.array(top_rows, np.int64), np.array(bottom_rows, np.int64)


def find_overlaps(rles: Sequence[Any], shape: Sequence[int] = DEFAULT_SHAPE) -> list[Overlap]:
    """Every pair of ships of one image that share pixels, found from the runs without any frame."""
    parsed = [parse_runs(rle, shape) for rle in rles]
    if len(parsed) < 2:
        return []
    starts = np.concatenate([p[0] for p in parsed])
    if starts.size == 0:
        return []
    ends = starts + np.concatenate([p[1] for p in parsed])
    ship = np.repeat(np.arange(len(parsed)), [p[0].size for p in parsed])
    order = np.argsort(starts, kind="stable")
    starts, ends, ship = starts[order], ends[order], ship[order]
    reach = np.maximum.accumulate(ends)
    if not np.any(starts[1:] < reach[:-1]):
        return []
    shared: dict[tuple[int, int], int] = {}
    for i in np.flatnonzero(starts[1:] < reach[:-1]) + 1:
        j = i - 1
        while j >= 0 and reach[j] > starts[i]:
            common = min(ends[i], ends[j]) - starts[i]
            if common > 0 and ship[i] != ship[j]:
                pair = (min(ship[i], ship[j]), max(ship[i], ship[j]))
                shared[pair] = shared.get(pair, 0) + int(common)
            j -= 1
    return [Overlap(int(a), int(b), n) for (a, b), n in sorted(shared.items())]
