"""Ship outlines from the image: GrabCut around each ship the model found.

The seed's SegNet upsamples 1/32-resolution features with no skip connections, so its blobs sit on the
right ships with the wrong outlines: the model's blob under the centre of a ship matches it at IoU ≈ 0.46
on average (73 ships of the first 25 images of the click benchmark's synthetic set), and the competition F2
counts a ship only from IoU 0.5. The image knows better where a hull ends. Each predicted ship becomes a
GrabCut problem in a window around it: the blob is "probably ship", the rest of the window "probably sea", the
blob's deep middle (its distance transform's top share) is certainly ship and the window's border
certainly sea. GrabCut's answer is closed and hole-filled, the part that overlaps the blob most is kept,
and the anti-aliased rim of the hull is added (the masks of the Airbus set are drawn generously).

A ship keeps its place in the order and never takes the pixels of a ship refined before it. A ship of
which GrabCut keeps nothing is gone, and ``probability_to_ships`` applies the minimum size again after the
refinement (on ``synth --seed 12``, keeping the model's blob for such a ship instead changed nothing).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from shipviewer.model.grabcut import (
    close_and_fill,
    grabcut_crop,
    inner_sides,
    overlapping_most,
    push_rim,
)

__all__ = ["DEFAULT_REFINE", "OutlineCache", "RefineOptions", "refine_outlines"]


@dataclass(frozen=True)
class RefineOptions:
    """The knobs of :func:`refine_outlines` (the defaults were chosen on ``synth --seed 12``'s 600 images,
    see MODEL_CARD.md)."""

    core: float = 0.6  # pixels deeper than this share of the blob's deepest point are certainly ship
    margin: float = 0.5  # the window: the blob's box widened by this share of its longer side...
    min_margin: int = 10  # ...and at least this many pixels
    max_side: int = 96  # GrabCut runs on the window shrunk to this many pixels at most
    iterations: int = 3
    close: int = 2  # radius of the closing of GrabCut's answer (0: off)
    rim_alpha: float = 0.3  # 0 turns the rim step off

    def __post_init__(self) -> None:
        if not 0.0 < self.core <= 1.0:
            raise ValueError(f"core must be in (0, 1], got {self.core}")
        if self.margin < 0 or self.min_margin < 1:
            raise ValueError("margin must be >= 0 and min_margin >= 1")
        if self.max_side < 16:
            raise ValueError(f"max_side must be at least 16, got {self.max_side}")


DEFAULT_REFINE = RefineOptions()


OutlineCache = dict[tuple[int, int, int, int, bytes, bytes], np.ndarray]


def refine_outlines(
    image: np.ndarray,
    labels: np.ndarray,
    options: RefineOptions = DEFAULT_REFINE,
    *,
    cache: OutlineCache | None = None,
) -> np.ndarray:
    """Each ship of ``labels`` (int32 instances, 0 = sea) redrawn by GrabCut on ``image`` ((H, W, 3) uint8
    RGB); a new int32 label image with the same numbering (a ship may be gone, none overlap).

    ``cache`` (one per image and options) keeps each ship's answer under its window, its blob and the pixels
    already taken there, so labelling again at a nearby threshold — where most blobs stay as they were —
    redoes GrabCut only for the blobs that changed, with the same result as without it.
    """
    import cv2

    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise TypeError("the image must be (H, W, 3) uint8 RGB")
    if image.shape[:2] != labels.shape:
        raise ValueError(f"image {image.shape[:2]} does not match the labels {labels.shape}")
    out = np.zeros(labels.shape, np.int32)
    if labels.max() <= 0:
        return out
    height, width = labels.shape
    n = int(labels.max()) + 1
    boxes = label_boxes(labels, n)
    for label in range(1, n):
        if label not in boxes:
            continue
        y0, y1, x0, x1 = boxes[label]
        grow = max(options.min_margin, int(options.margin * max(y1 - y0, x1 - x0)))
        y0, y1 = max(y0 - grow, 0), min(y1 + grow, height)
        x0, x1 = max(x0 - grow, 0), min(x1 + grow, width)
        blob = labels[y0:y1, x0:x1] == label
        free = out[y0:y1, x0:x1] == 0
        key = (y0, y1, x0, x1, np.packbits(blob).tobytes(), np.packbits(free).tobytes())
        if cache is not None and key in cache:
            out[y0:y1, x0:x1][cache[key]] = label
            continue
        trimap = np.where(blob, cv2.GC_PR_FGD, cv2.GC_PR_BGD).astype(np.uint8)
        depth = cv2.distanceTransform(blob.view(np.uint8), cv2.DIST_L2, 3)
        trimap[depth >= options.core * float(depth.max())] = cv2.GC_FGD
        trimap[~free] = cv2.GC_BGD
        # The window's border is sea, except where the ship meets the image's own edge (a ship cut by
        # the frame): grabcut_crop opens just that stretch.
        sides = inner_sides(y0, y1, x0, x1, labels.shape)
        for inner, edge in zip(sides, (trimap[0, :], trimap[-1, :], trimap[:, 0], trimap[:, -1])):
            if inner:
                edge[...] = cv2.GC_BGD
        crop = image[y0:y1, x0:x1]
        ship = grabcut_crop(
            crop, trimap, side=options.max_side, iterations=options.iterations, sea_sides=sides
        )
        if ship is None:  # nothing to cut (a window all one kind): the model's outline stands
            ship = blob & free
        else:
            if options.close > 0:
                ship = close_and_fill(ship, options.close) & free
            ship = overlapping_most(ship, blob)
            if ship.any() and options.rim_alpha > 0:
                ship = push_rim(crop, ship, options.rim_alpha, free)
        if cache is not None:
            cache[key] = ship
        out[y0:y1, x0:x1][ship] = label
    return out


def label_boxes(labels: np.ndarray, n: int) -> dict[int, tuple[int, int, int, int]]:
    """(y0, y1, x0, x1) of each label present, from one pass over the ship pixels."""
    ys, xs = np.nonzero(labels)
    values = labels[ys, xs]
    y0, x0 = np.full(n, labels.shape[0]), np.full(n, labels.shape[1])
    y1, x1 = np.zeros(n, np.intp), np.zeros(n, np.intp)
    np.minimum.at(y0, values, ys)
    np.minimum.at(x0, values, xs)
    np.maximum.at(y1, values, ys + 1)
    np.maximum.at(x1, values, xs + 1)
    present = np.flatnonzero(y1[1:] > 0) + 1
    return {int(k): (int(y0[k]), int(y1[k]), int(x0[k]), int(x1[k])) for k in present}
