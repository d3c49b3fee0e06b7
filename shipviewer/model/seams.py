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
NOISE = 8.0  # the least a median line's gradient is taken to be, by seam_between
KEEP = 4  # ...whose line passes at least this far from a positive click (pixels)
_SQUARE5 = np.ones((5, 5), np.uint8)


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
    on_rows, on_cols = np.flatnonzero(blob.any(axis=1)), np.flatnonzero(blob.any(axis=0))
    h, w = blob.shape
    y0, y1 = max(int(on_rows[0]) - MARGIN, 0), min(int(on_rows[-1]) + MARGIN + 1, h)
    x0, x1 = max(int(on_cols[0]) - MARGIN, 0), min(int(on_cols[-1]) + MARGIN + 1, w)
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


def _row_profile(
    image: np.ndarray, mask: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Of a turned crop ((n, n, 3) uint8 RGB) and blob: each row's mean gradient across the rows inside
    the blob (0 where fewer than 3 of its pixels are inside), which rows have 3, the gradient, and the
    inside: the blob closed, then eroded, for the blob's own outline is no seam (closed first, or a
    crack of sea along part of a seam, hulls nearly apart, would erode the seam's own rows away)."""
    lab = cv2.cvtColor(cv2.GaussianBlur(image, (3, 3), 0), cv2.COLOR_RGB2Lab).astype(np.float32)
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
    full, all_valid, gradient, inner = _row_profile(image, mask)
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
    of the blob that holds ``cut``, beyond the strongest straight line between them that runs along the
    blob's long axis (give or take ``turns`` degrees, then to the degree) with a mean gradient across
    it, inside the blob, at least ``floor`` times the median line's, and passes ``KEEP`` px or more from
    each of ``keep``. None when no line stands out, or ``cut`` or every ``keep`` is off the blob.

    Hulls are straight, and a tug alongside a tanker or a barge rafted to a bulk carrier meets it along
    a line; the rerun segmentation after such a "not this" often gives a sea-coloured deck to the sea
    too. With the ground truth as the map, the click tool went from NoC@85/90 3.26 / 5.32 to 2.91 / 5.16
    on ``synth --seed 7`` (lines across the axis too: 3.15 / 5.21, a hatch cover's edge cut a carrier in
    two), with the bundled model's map from 5.12 / 8.04 to 4.91 / 7.99."""
    h, w = blob.shape
    keep = [(x, y) for x, y in keep if 0 <= x < w and 0 <= y < h and blob[y, x]]
    if not keep or not (0 <= cut[0] < w and 0 <= cut[1] < h and blob[cut[1], cut[0]]):
        return None
    ys, xs = np.nonzero(blob)
    if ys.size < 30:
        return None
    y0, y1 = max(int(ys.min()) - MARGIN, 0), min(int(ys.max()) + MARGIN + 1, h)
    x0, x1 = max(int(xs.min()) - MARGIN, 0), min(int(xs.max()) + MARGIN + 1, w)
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
    side = int(np.ceil(np.hypot(h, w))) + 4
    along = next((t for t in (angle, angle + 90.0) if _lies_along(blob, (cx, cy), t, side)), angle)
    found = [_seam_at(crop, blob, (cx, cy), along + turn, side, keep, cut) for turn in turns]
    score, turn = max(
        ((f[0], t) for f, t in zip(found, turns, strict=True) if f is not None), default=(0.0, 0.0)
    )
    # ...and to the degree around the best: over a hull's length, 2 degrees off is pixels off at its ends.
    for fine in (turn - 2, turn - 1, turn + 1, turn + 2):
        seam = _seam_at(crop, blob, (cx, cy), along + fine, side, keep, cut)
        if seam is not None and seam[0] > score:
            score, turn = seam[0], fine
    best = _seam_at(crop, blob, (cx, cy), along + turn, side, keep, cut)
    if best is None or score < floor:
        return None
    _, best_matrix, best_side = best
    back = (
        cv2.warpAffine(
            best_side.view(np.uint8), cv2.invertAffineTransform(best_matrix), (w, h), flags=cv2.INTER_NEAREST
        ).view(bool)
        & blob
    )
    _, parts = cv2.connectedComponents(back.view(np.uint8), connectivity=8)
    piece = parts[cut[1], cut[0]]
    return None if piece == 0 else parts == piece


def _seam_at(
    crop: np.ndarray,
    blob: np.ndarray,
    centre: tuple[float, float],
    turn: float,
    side: int,
    keep: list[tuple[int, int]],
    cut: tuple[int, int],
) -> tuple[float, np.ndarray, np.ndarray] | None:
    """The strongest line at ``turn`` degrees that parts ``cut`` from ``keep``: its strength over the
    median line's, the turn's affine map and the turned blob's side of it that holds ``cut``; None
    when no line at this turn parts them."""
    matrix = _canvas(centre, turn, side)
    mask = cv2.warpAffine(blob.view(np.uint8), matrix, (side, side), flags=cv2.INTER_NEAREST) > 0
    image = cv2.warpAffine(
        np.ascontiguousarray(crop),
        matrix,
        (side, side),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REFLECT,
    )
    profile, valid, _, inner = _row_profile(image, mask)
    if valid.sum() < 5:
        return None
    rows = [matrix[1, 0] * px + matrix[1, 1] * py + matrix[1, 2] for px, py in keep]
    at = float(matrix[1, 0] * cut[0] + matrix[1, 1] * cut[1] + matrix[1, 2])
    # The line keeps its distance from a "ship here" (or it would cut a sliver off the hull clicked on).
    if min(rows) > at + 2:
        lo, hi = int(np.ceil(at + 1)), int(np.floor(min(rows) - KEEP))
    elif max(rows) < at - 2:
        lo, hi = int(np.ceil(max(rows) + KEEP)), int(np.floor(at - 1))
    else:
        return None  # no line at this turn parts them
    if hi < lo:
        return None
    span = np.where(valid[lo : hi + 1], profile[lo : hi + 1], 0.0)
    row = lo + int(np.argmax(span))
    last = _last_row_before(image, inner, row)  # the seam lies between rows last and last + 1
    beyond = np.arange(side)[:, None] > last if at > row else np.arange(side)[:, None] <= last
    # Against at least the sea's own noise (a 3×3 Sobel in Lab gives ~6 on a calm synthetic sea): on a
    # flat hull every line is nothing, and the blurred outline's last pixel would stand out.
    return float(span.max()) / max(float(np.median(profile[valid])), NOISE), matrix, mask & beyond


def _last_row_before(image: np.ndarray, inner: np.ndarray, row: int) -> int:
    """Where an edge at ``row`` of a turned crop lies to the pixel: ``row`` − 1 when the colours change
    more from ``row`` − 1 to ``row`` than from ``row`` to ``row`` + 1 (over the ``inner`` pixels of the
    row), else ``row``. A 3×3 Sobel marks both rows of an edge alike."""
    lab = cv2.cvtColor(image[row - 1 : row + 2], cv2.COLOR_RGB2Lab).astype(np.float32)
    cols = inner[row]
    before = np.linalg.norm(lab[1] - lab[0], axis=1)[cols].mean()
    after = np.linalg.norm(lab[2] - lab[1], axis=1)[cols].mean()
    return row - 1 if before > after else row


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
