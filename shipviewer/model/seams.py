"""Hulls moored side by side in one blob, told apart by the seams that run along them.

A one-channel probability map draws a raft of barges, or a ship with a tug alongside, as one blob, and
GrabCut keeps it whole (the hulls' colours are alike). What does tell them apart is the seam between
two hulls: an edge that runs the whole length of the blob, along its long axis. :func:`hull_strips`
turns the blob so its long axis lies along the rows, averages the image's gradient across the rows
(Sobel in Lab) along each row inside the blob, and cuts at rows that stand out from the blob's median
row and stay strong along at least half their length. Deck details (hatch covers, container bays, a bridge)
give short or broken edges; a single hull is also long for its width, so a blob more than
``max_aspect`` times as long as it is wide (or more) is never cut, and only seams along the long axis are
sought (a raft wider than it is long is not cut). It is meant for blobs drawn close to the hulls (after the
outline refinement): a blob drawn much wider than its hull has the hull's own sides as seams.

Measured on the ships of ``shipviewer synth --images 100 --seed 7 --ship-fraction 1`` with their true
masks as the blobs (``benchmarks/bench_seams.py``): of the 71 ships that touch another, 47 come out as a
strip matching them at IoU ≥ 0.5 (23 with the blob kept whole), and all 202 single hulls over 150 px stay
whole (strength 2 told 54 apart but cut 8 single hulls). Used by the click tool (the prior of a click
on a raft is its hull) and after the outline refinement of predicted ships (``probability_to_ships``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import cv2
import numpy as np

__all__ = ["DEFAULT_SEAMS", "SeamOptions", "hull_strips", "seam_between", "split_labels"]


@dataclass(frozen=True)
class SeamOptions:
    """Knobs of :func:`hull_strips`."""

    max_aspect: float = 4.0  # a blob this many times longer than wide (or more) is one hull
    strength: float = 3.0  # a seam's mean gradient is at least this many times the median row's...
    continuity: float = 0.5  # ...and at least half its mean along this share of its length
    min_width: int = 8  # no strip narrower than this (pixels)
    min_area: int = 60  # smaller blobs are never cut

    def __post_init__(self) -> None:
        if self.max_aspect <= 1.0:
            raise ValueError(f"max_aspect must be over 1, got {self.max_aspect}")
        if self.min_width < 1:
            raise ValueError(f"min_width must be at least 1, got {self.min_width}")


DEFAULT_SEAMS = SeamOptions()
_SQUARE3 = np.ones((3, 3), np.uint8)
MARGIN = 4  # pixels of the image kept round a blob
NOISE = 8.0  # the least a median line's gradient is taken to be (seam_between)
# seam_between: a line passes at least KEEP px from every positive click, must beat a straighter turn's
# by more than TIE to replace it, and cuts only within REACH px of its strong stretch, which must come
# within REACH px of the "not this".
KEEP = 4
TIE = 1.05
REACH = 4
COVER = 0.9  # ...which must cover this share of where the blob lies on both sides of the line
_SQUARE5 = np.ones((5, 5), np.uint8)
Seam = tuple[float, np.ndarray, np.ndarray]  # seam_between's line: strength, the turn's map, the side cut


def hull_strips(crop: np.ndarray, blob: np.ndarray, options: SeamOptions = DEFAULT_SEAMS) -> np.ndarray:
    """The hulls of ``blob`` (a bool mask of ``crop``'s shape; ``crop`` (h, w, 3) uint8 RGB) as int32
    labels 1…n, 0 outside the blob; every pixel of the blob gets one, and n is 1 when there is no seam."""
    blob = np.asarray(blob, bool)
    if crop.shape[:2] != blob.shape:
        raise ValueError(f"blob {blob.shape} does not match the crop {crop.shape[:2]}")
    labels = blob.astype(np.int32)
    if int(blob.sum()) < options.min_area:
        return labels
    # Work on the blob's box (and a margin): the turn's canvas is the crop's diagonal.
    h, w = blob.shape
    y0, y1, x0, x1 = _box(blob)
    if (y0, y1, x0, x1) != (0, h, 0, w):
        labels[y0:y1, x0:x1] = hull_strips(crop[y0:y1, x0:x1], blob[y0:y1, x0:x1], options)
        return labels
    ys, xs = np.nonzero(blob)
    (cx, cy), (side_a, side_b), angle = cv2.minAreaRect(np.stack([xs, ys], 1).astype(np.float32))
    if min(side_a, side_b) < 2 * options.min_width or max(side_a, side_b) >= options.max_aspect * min(
        side_a, side_b
    ):
        return labels
    turned = _turn(crop, blob, (cx, cy), angle)
    if turned is None:
        return labels
    matrix, image, mask = turned
    seams, (top, bottom) = _seams(image, mask, options)
    if not seams:
        return labels
    strips = np.zeros(mask.shape, np.int32)
    edges = [top, *seams, bottom]
    for k in range(len(edges) - 1):
        rows = slice(edges[k], edges[k + 1])
        strips[rows][mask[rows]] = k + 1
    back = cv2.warpAffine(
        strips.astype(np.float32),
        cv2.invertAffineTransform(matrix),
        (w, h),
        flags=cv2.INTER_NEAREST,
        borderValue=0,
    ).astype(np.int32)
    back[~blob] = 0
    return _fill_gaps(_one_piece_each(back), blob)


def _box(blob: np.ndarray) -> tuple[int, int, int, int]:
    """(y0, y1, x0, x1) of a non-empty blob's box and a ``MARGIN``, within the frame."""
    rows, cols = np.flatnonzero(blob.any(axis=1)), np.flatnonzero(blob.any(axis=0))
    h, w = blob.shape
    return (
        max(int(rows[0]) - MARGIN, 0),
        min(int(rows[-1]) + MARGIN + 1, h),
        max(int(cols[0]) - MARGIN, 0),
        min(int(cols[-1]) + MARGIN + 1, w),
    )


def _one_piece_each(labels: np.ndarray) -> np.ndarray:
    """Each strip's largest 8-connected piece; the crumbs the turn back cut off it go (to be handed to
    the strip they touch by :func:`_fill_gaps`), so no strip is a ship in two pieces."""
    out = labels.copy()
    for k in range(1, int(labels.max()) + 1):
        n, parts, stats, _ = cv2.connectedComponentsWithStats((labels == k).view(np.uint8), connectivity=8)
        if n > 2:
            largest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
            out[(parts > 0) & (parts != largest)] = 0
    return out


def _turn(
    crop: np.ndarray, blob: np.ndarray, centre: tuple[float, float], angle: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """The affine map that lays the blob's long axis along the rows (centred on a square canvas), and
    the crop and the blob under it; None when neither turn does."""
    h, w = blob.shape
    side = int(np.ceil(np.hypot(h, w))) + 4
    for turn in (angle, angle + 90.0):
        if _lies_along(blob, centre, turn, side):
            matrix = _canvas(centre, turn, side)
            mask = cv2.warpAffine(blob.view(np.uint8), matrix, (side, side), flags=cv2.INTER_NEAREST) > 0
            image = cv2.warpAffine(
                np.ascontiguousarray(crop),
                matrix,
                (side, side),
                flags=cv2.INTER_LINEAR,
                borderMode=cv2.BORDER_REFLECT,
            )
            return matrix, image, mask
    return None


def _row_profile(lab: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Of a turned crop (blurred, float32 Lab: :func:`_blurred_lab`) and blob: each row's mean gradient
    across the rows inside the blob (0 where fewer than 3 of its pixels are inside), which rows have 3,
    the gradient, and the inside: the blob closed, then eroded, for the blob's own outline is no seam
    (closed first, or a crack of sea along part of a seam, hulls nearly apart, would erode the seam's
    own rows away)."""
    across = cv2.Sobel(lab, cv2.CV_32F, 0, 1, ksize=3)
    gradient = np.sqrt((across * across).sum(axis=2))
    closed = cv2.morphologyEx(mask.view(np.uint8), cv2.MORPH_CLOSE, _SQUARE5)
    inner = cv2.erode(closed, _SQUARE5) > 0
    counts = inner.sum(axis=1)
    valid = counts >= 3
    profile = np.where(valid, (gradient * inner).sum(axis=1) / np.maximum(counts, 1), 0.0)
    return profile, valid, gradient, inner


def _seams(image: np.ndarray, mask: np.ndarray, options: SeamOptions) -> tuple[list[int], tuple[int, int]]:
    """The rows of the turned blob to cut at (sorted), and the blob's first row and the one past its last."""
    full, all_valid, gradient, inner = _row_profile(_blurred_lab(image), mask)
    rows = np.flatnonzero(mask.any(axis=1))
    top, bottom = int(rows[0]), int(rows[-1]) + 1
    valid = all_valid[top:bottom]
    if not valid.any():
        return [], (top, bottom)
    profile = full[top:bottom]
    anywhere = mask.any(axis=0)
    first = np.where(anywhere, mask.argmax(axis=0), 0)  # each column's first row of the blob...
    last = np.where(anywhere, mask.shape[0] - mask[::-1].argmax(axis=0), 0)  # ...and the one past its last
    floor = options.strength * max(float(np.median(profile[valid])), 1.0)
    seams: list[int] = []
    for i in np.argsort(-profile, kind="stable"):
        if profile[i] <= floor:
            break
        row = top + int(i)
        if row - top < options.min_width or bottom - row < options.min_width:
            continue
        if any(abs(row - s) < options.min_width for s in seams):
            continue
        # Each side a strip's width deep, column by column: the hull's own side, just inside a blob
        # drawn a little wide (or under a rounded end), is no seam.
        cols = inner[row]
        if min(np.median(row - first[cols]), np.median(last[cols] - row)) < options.min_width:
            continue
        along = gradient[row][inner[row]]
        if float((along >= 0.5 * profile[i]).mean()) < options.continuity:
            continue
        seams.append(row)
    return sorted(seams), (top, bottom)


def _fill_gaps(labels: np.ndarray, blob: np.ndarray) -> np.ndarray:
    """Every pixel of ``blob`` the turn back left unlabelled takes a neighbouring strip's label."""
    for _ in range(4):
        gaps = blob & (labels == 0)
        if not gaps.any():
            return labels
        grown = cv2.dilate(labels.astype(np.float32), _SQUARE3).astype(np.int32)
        labels = np.where(gaps, grown, labels)
    labels[blob & (labels == 0)] = 1
    return labels


def split_labels(image: np.ndarray, labels: np.ndarray, options: SeamOptions = DEFAULT_SEAMS) -> np.ndarray:
    """Every ship of ``labels`` (int32 instances, 0 = sea) cut into its hulls (:func:`hull_strips` on
    ``image``, (H, W, 3) uint8 RGB); a new int32 label image, the ships renumbered 1…n."""
    from shipviewer.model.outlines import label_boxes

    out = np.zeros(labels.shape, np.int32)
    count = 0
    n = int(labels.max()) + 1 if labels.size else 1
    for index, (y0, y1, x0, x1) in sorted(label_boxes(labels, n).items()):
        y0, y1, x0, x1 = max(y0 - MARGIN, 0), y1 + MARGIN, max(x0 - MARGIN, 0), x1 + MARGIN
        ship = labels[y0:y1, x0:x1] == index
        strips = hull_strips(image[y0:y1, x0:x1], ship, options)
        part = out[y0:y1, x0:x1]
        part[ship] = strips[ship] + count
        count += int(strips.max())
    return out


def seam_between(
    crop: np.ndarray,
    blob: np.ndarray,
    keep: list[tuple[int, int]],
    cut: tuple[int, int],
    *,
    floor: float = 2.0,
    turns: tuple[float, ...] = (-10.0, -5.0, 0.0, 5.0, 10.0),
) -> np.ndarray | None:
    """What a "not this" at pixel ``cut`` of ``blob`` (bool, ``crop``'s shape; ``crop`` (h, w, 3) uint8
    RGB) parts from the "ship here" pixels ``keep`` ((x, y); those off the blob are ignored): the piece
    of the blob that holds ``cut`` beyond the strongest straight line between them that runs along the
    blob's long axis (the straightest of ``turns`` degrees that is not clearly beaten, then to the
    degree round it, ±2), passes ``KEEP`` px or more from each of ``keep``, runs alongside ``cut`` (see
    :func:`_seam_at`), and has a mean gradient across it, inside the blob, at least ``floor`` times the
    median line's (and the sea's noise). None when no line does, or ``cut`` or every ``keep`` is off the
    blob, or the blob has under 30 pixels.

    Hulls are straight, and a tug alongside a tanker or a barge rafted to a bulk carrier meets it along
    a line; the rerun segmentation after such a "not this" often gives a sea-coloured deck to the sea
    too."""
    if floor <= 0:
        raise ValueError(f"floor must be over 0, got {floor}")
    h, w = blob.shape
    keep = [(x, y) for x, y in keep if 0 <= x < w and 0 <= y < h and blob[y, x]]
    if not keep or not (0 <= cut[0] < w and 0 <= cut[1] < h and blob[cut[1], cut[0]]):
        return None
    ys, xs = np.nonzero(blob)
    if ys.size < 30:
        return None
    y0, y1, x0, x1 = _box(blob)
    if (y0, y1, x0, x1) != (0, h, 0, w):
        part = seam_between(
            np.ascontiguousarray(crop[y0:y1, x0:x1]),
            blob[y0:y1, x0:x1],
            [(px - x0, py - y0) for px, py in keep],
            (cut[0] - x0, cut[1] - y0),
            floor=floor,
            turns=turns,
        )
        if part is None:
            return None
        out = np.zeros(blob.shape, bool)
        out[y0:y1, x0:x1] = part
        return out
    (cx, cy), _, angle = cv2.minAreaRect(np.stack([xs, ys], 1).astype(np.float32))
    # A whole-pixel centre and shift: unturned, the canvas's pixels are the crop's (half-pixel sampling
    # blurs a seam over two rows, and the cut then takes a one-pixel strip of the hull).
    centre = (float(round(cx)), float(round(cy)))
    outline = cv2.convexHull(np.stack([xs, ys], 1).astype(np.float32)).reshape(-1, 2)
    # The turn whose canvas is wider than tall lays the long axis along the rows.
    along = next((t for t in (angle, angle + 90.0) if _wider(_fitted(centre, t, outline)[1])), angle)
    lab = _blurred_lab(crop)
    tried: dict[float, Seam | None] = {}

    def seam(turn: float) -> Seam | None:
        if turn not in tried:
            tried[turn] = _seam_at(lab, blob, _fitted(centre, along + turn, outline), keep, cut, floor)
        return tried[turn]

    def stronger(turns: Iterable[float], best: tuple[float, Seam] | None) -> tuple[float, Seam] | None:
        """The (turn, seam) that beats ``best``'s seam by more than ``TIE``, trying ``turns`` in turn."""
        for turn in turns:
            found = seam(turn)
            if found is not None and (best is None or found[0] > TIE * best[1][0]):
                best = (turn, found)
        return best

    # The straightest turn first; another replaces it only when clearly stronger (a near tie is noise),
    # then the same to the degree around the best: over a hull's length a degree is pixels at its ends.
    # (Every seam found is at least ``floor`` strong.)
    best = stronger(sorted(turns, key=abs), None)
    if best is None:
        return None
    turn = best[0]
    _, matrix, beyond = (stronger((turn - 1, turn + 1, turn - 2, turn + 2), best) or best)[1]
    back = (
        cv2.warpAffine(
            beyond.view(np.uint8), cv2.invertAffineTransform(matrix), (w, h), flags=cv2.INTER_NEAREST
        ).view(bool)
        & blob
    )
    _, parts = cv2.connectedComponents(back.view(np.uint8), connectivity=8)
    piece = parts[cut[1], cut[0]]
    return None if piece == 0 else parts == piece


def _seam_at(
    lab: np.ndarray,
    blob: np.ndarray,
    canvas: tuple[np.ndarray, tuple[int, int]],
    keep: list[tuple[int, int]],
    cut: tuple[int, int],
    floor: float,
) -> Seam | None:
    """Of the crop (blurred, float32 Lab) and the blob turned onto ``canvas`` (an affine map and the
    (width, height) it maps the blob into, :func:`_fitted`): the strongest line along its rows that
    parts ``cut`` from ``keep``, runs alongside ``cut`` and is at least ``floor`` times as strong as the
    median line: its strength over the median line's, the map, and the turned blob's part on ``cut``'s
    side of it along the line's strong stretch; None when no line on this canvas does.

    Alongside: ``cut`` lies within the stretch of the line where its gradient is at least half its mean,
    and so does the stretch where the blob lies on both sides of the line. A tug or barge is alongside
    its seam; a wake astern or a jetty off the side is not, and a line down a deck (a pipe, a row of
    hatch covers) would cut the ship lengthwise."""
    matrix, size = canvas
    mask = cv2.warpAffine(blob.view(np.uint8), matrix, size, flags=cv2.INTER_NEAREST) > 0
    image = cv2.warpAffine(lab, matrix, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    profile, valid, gradient, inner = _row_profile(image, mask)
    if valid.sum() < 5:
        return None
    rows = [matrix[1, 0] * px + matrix[1, 1] * py + matrix[1, 2] for px, py in keep]
    at = float(matrix[1, 0] * cut[0] + matrix[1, 1] * cut[1] + matrix[1, 2])
    column = round(float(matrix[0, 0] * cut[0] + matrix[0, 1] * cut[1] + matrix[0, 2]))
    # The line keeps its distance from a "ship here" (or it would cut a sliver off the hull clicked on).
    if min(rows) > at + 2:
        lo, hi = int(np.ceil(at + 1)), int(np.floor(min(rows) - KEEP))
    elif max(rows) < at - 2:
        lo, hi = int(np.ceil(max(rows) + KEEP)), int(np.floor(at - 1))
    else:
        return None  # no line at this turn parts them
    # Against at least the sea's own noise (a 3×3 Sobel in Lab gives ~6 on a calm synthetic sea): on a
    # flat hull every line is nothing, and the blurred outline's last pixel would stand out.
    median = max(float(np.median(profile[valid])), NOISE)
    candidates = np.arange(max(lo, 1), min(hi, size[1] - 2) + 1)
    candidates = candidates[valid[candidates] & (profile[candidates] >= floor * median)]
    best: tuple[float, int, int, int] | None = None
    for row in candidates[np.argsort(-profile[candidates], kind="stable")].tolist():  # strongest first
        stretch = _stretch(gradient[row] >= 0.5 * profile[row], inner[row], column)
        # ...and strong wherever the two sides meet: a line down a deck meets the rest of the deck all
        # along the hull, but is strong only along the hatch covers (or a pipe) it follows.
        contact = _stretch(mask[row - 1] & mask[row + 1], mask[row], column)
        if stretch is not None and contact is not None and _covers(stretch, contact):
            best = (float(profile[row]), row, *stretch)
            break
    if best is None:
        return None
    strength, row, first, last_column = best
    last = _last_row_before(image, inner, row)  # the seam lies between rows last and last + 1
    down, along = np.arange(size[1])[:, None], np.arange(size[0])[None, :]
    beyond = ((down > last) if at > row else (down <= last)) & (
        (along >= first - REACH) & (along <= last_column + REACH)
    )
    return strength / median, matrix, mask & beyond


def _covers(stretch: tuple[int, int], contact: tuple[int, int]) -> bool:
    """Whether ``stretch`` (first and last column), widened by ``REACH``, covers at least ``COVER`` of
    ``contact``."""
    overlap = min(stretch[1] + REACH, contact[1]) - max(stretch[0] - REACH, contact[0]) + 1
    return overlap >= COVER * (contact[1] - contact[0] + 1)


def _stretch(strong: np.ndarray, inside: np.ndarray, column: int) -> tuple[int, int] | None:
    """The first and last column of the run of ``strong & inside`` pixels of a row (gaps of up to 4
    closed) that reaches within ``REACH`` of ``column``; None when none does."""
    run = cv2.morphologyEx(
        (strong & inside).astype(np.uint8)[None, :], cv2.MORPH_CLOSE, np.ones((1, 5), np.uint8)
    )[0]
    _, parts = cv2.connectedComponents(run[None, :], connectivity=4)
    near = parts[0, max(column - REACH, 0) : column + REACH + 1]
    hit = near[near > 0]
    if hit.size == 0:
        return None
    cols = np.flatnonzero(parts[0] == hit[0])
    return int(cols[0]), int(cols[-1])


def _blurred_lab(image: np.ndarray) -> np.ndarray:
    """(h, w, 3) uint8 RGB, a little blurred, as float32 Lab."""
    return cv2.cvtColor(cv2.GaussianBlur(image, (3, 3), 0), cv2.COLOR_RGB2Lab).astype(np.float32)


def _last_row_before(lab: np.ndarray, inner: np.ndarray, row: int) -> int:
    """Where an edge at ``row`` of a turned crop (float32 Lab) lies to the pixel: ``row`` − 1 when the
    colours change more from ``row`` − 1 to ``row`` than from ``row`` to ``row`` + 1 (over the ``inner``
    pixels of the row), else ``row``. A 3×3 Sobel marks both rows of an edge alike."""
    lab = lab[row - 1 : row + 2]
    cols = inner[row]
    before = np.linalg.norm(lab[1] - lab[0], axis=1)[cols].mean()
    after = np.linalg.norm(lab[2] - lab[1], axis=1)[cols].mean()
    return row - 1 if before > after else row


def _fitted(
    centre: tuple[float, float], turn: float, outline: np.ndarray
) -> tuple[np.ndarray, tuple[int, int]]:
    """The affine map that turns the crop by ``turn`` degrees about ``centre`` onto a canvas just big
    enough for the blob whose outline (convex hull, (n, 2) x, y) is given, with a margin, and the
    canvas's (width, height). The shift is whole pixels: unturned, the canvas's pixels are the crop's."""
    matrix = cv2.getRotationMatrix2D(centre, turn, 1.0)
    turned = outline @ matrix[:, :2].T + matrix[:, 2]
    low = np.floor(turned.min(axis=0)) - MARGIN - 1
    matrix[:, 2] -= low
    width, height = (np.ceil(turned.max(axis=0) - low) + MARGIN + 2).astype(int)
    return matrix, (int(width), int(height))


def _wider(size: tuple[int, int]) -> bool:
    return size[0] > size[1]


def _canvas(centre: tuple[float, float], turn: float, side: int) -> np.ndarray:
    """The affine map that turns the crop by ``turn`` degrees about ``centre`` onto a square canvas of
    ``side`` pixels, ``centre`` in its middle."""
    matrix = cv2.getRotationMatrix2D(centre, turn, 1.0)
    matrix[0, 2] += side / 2 - centre[0]
    matrix[1, 2] += side / 2 - centre[1]
    return matrix


def _lies_along(blob: np.ndarray, centre: tuple[float, float], turn: float, side: int) -> bool:
    """Whether turning by ``turn`` degrees lays the blob's long axis along the rows."""
    mask = cv2.warpAffine(
        blob.view(np.uint8), _canvas(centre, turn, side), (side, side), flags=cv2.INTER_NEAREST
    )
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    return bool(rows.size and cols.size and rows[-1] - rows[0] < cols[-1] - cols[0])
