"""Click-to-segment: one ship from a few clicks, guided by the model's probability map, else by the image.

A positive click says "this pixel is ship", a negative one "this is not"; a box says "the ship lies in
here". Every click reruns the whole segmentation with all clicks so far as constraints:

1. A prior of the ship around each positive click: the blob of the model's probability map that holds
   the click (a flood fill of the map from the click, down to half the click's probability), or, where
   the model has nothing there, a guess from the image alone — GrabCut in growing squares around the
   click (``fallback="grabcut"``) or a colour flood fill in Lab with a tolerance
   (``fallback="flood"``).
2. ``cv2.grabCut`` in a window around the prior and the clicks (shrunk to ``max_side`` pixels for
   speed): the prior is "probably ship" and its deep middle (``core``) certainly ship, the rest
   "probably sea"; the clicks and the window border (but not the image's own edge) are hard
   constraints, and so are other ships' pixels (never taken) and the outside of a box.
3. GrabCut's answer is closed (a small disc) and its holes filled, then only the blobs holding a
   positive click are kept, joined into one (a ship is one blob); a marker watershed inside them then
   hands the parts nearer (in colour) to a negative click to the sea, so "not this" removes the region
   around it.
4. The outline is pushed out over the anti-aliased rim: a pixel just outside whose colour lies at least
   ``rim_alpha`` of the way from the local sea colour to the local hull colour joins the ship (masks are
   drawn generously around the hull, as the Airbus polygons are).

A click on a ship that already has pixels is a *correction* (``local`` in :func:`click_segment`, which
:class:`~shipviewer.edits.click_session.ClickSession` sets): the whole segmentation is rerun with every
click, but the ship only changes where the click is (:mod:`.click_corrections`).

Everything happens in windows around the clicks, so a click costs the same on 768² and 16k² images.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from shipviewer.edits._core import EditError, check_label, check_labels, label_box, write_where
from shipviewer.edits.click_corrections import correction, fit_click
from shipviewer.edits.click_types import (
    DEFAULT_OPTIONS,
    FALLBACKS,
    Click,
    PriorCache,
    Region,
    SegmentOptions,
)
from shipviewer.edits.click_types import inside as _inside
from shipviewer.edits.morphology import depth
from shipviewer.edits.undo import Atom, Box
from shipviewer.model.grabcut import (
    ALL_SIDES,
    close_and_fill,
    grabcut_crop,
    inner_sides,
    overlapping_most,
    push_rim,
)
from shipviewer.model.seams import hull_strips, seam_between

__all__ = [
    "DEFAULT_OPTIONS",
    "FALLBACKS",
    "Click",
    "PriorCache",
    "Region",
    "SegmentOptions",
    "click_segment",
    "fit_click",
    "segment_clicks",
]

_SQUARE3 = np.ones((3, 3), np.uint8)
_SQUARE5 = np.ones((5, 5), np.uint8)
_EDGE_FACTOR = 2.0  # see _along_an_edge


# --- priors ----------------------------------------------------------------------------------------------
def _levels(probability: np.ndarray, box: Box) -> np.ndarray:
    """The probability map inside ``box`` as uint8 levels ``round(p·255)`` (uint8 maps are taken as is)."""
    region = probability[box.slices]
    if region.dtype == np.uint8:
        return np.ascontiguousarray(region)
    return np.ascontiguousarray(np.clip(region.astype(np.float32) * 255.0 + 0.5, 0, 255).astype(np.uint8))


def _around(x: int, y: int, radius: int, shape: Sequence[int]) -> Box:
    return Box(y - radius, y + radius + 1, x - radius, x + radius + 1).clip(shape)


def _model_prior(
    probability: np.ndarray, image: np.ndarray, x: int, y: int, options: SegmentOptions
) -> Region | None:
    """The blob of the probability map holding (x, y): a fixed-range flood fill down to a floor; of a
    blob over hulls moored side by side, the hull holding the click (``split_hulls``)."""
    window = _around(x, y, options.model_reach, probability.shape)
    levels = _levels(probability, window)
    lx, ly = x - window.x0, y - window.y0
    # A click a pixel or two off a thin ship still counts: start from the most probable pixel nearby.
    near = levels[max(ly - 2, 0) : ly + 3, max(lx - 2, 0) : lx + 3]
    peak = int(near.max())
    if peak < options.min_probability * 255:
        return None
    dy, dx = np.unravel_index(int(near.argmax()), near.shape)
    sx, sy = max(lx - 2, 0) + int(dx), max(ly - 2, 0) + int(dy)
    floor = max(int(peak * options.relative_floor), int(options.absolute_floor * 255))
    mask = np.zeros((levels.shape[0] + 2, levels.shape[1] + 2), np.uint8)
    flags = 8 | cv2.FLOODFILL_MASK_ONLY | cv2.FLOODFILL_FIXED_RANGE | (1 << 8)
    cv2.floodFill(levels, mask, (sx, sy), 0, peak - floor, 255 - peak, flags)
    blob = mask[1:-1, 1:-1].view(bool)
    if options.split_hulls:
        blob = _own_hull(image[window.slices], blob, sx, sy)
        if options.prior_seam > 0:
            blob = _beside(image[window.slices], blob, sx, sy, options.prior_seam)
    return window, blob


def _beside(crop: np.ndarray, blob: np.ndarray, x: int, y: int, floor: float) -> np.ndarray:
    """Of a blob over a boat and what it lies at (a pier, a quay, a ship), the part holding the click at
    (x, y): what a straight seam along the blob, alongside the click, parts from the blob's pixel
    farthest from it (:func:`.seams.seam_between`, with that pixel as the "ship here"), when it is at
    most half the blob and a hull's width (4 px or more) — else the whole blob."""
    ys, xs = np.nonzero(blob)
    if ys.size < 30:
        return blob
    k = int(np.argmax((xs - x) ** 2 + (ys - y) ** 2))
    part = seam_between(crop, blob, [(int(xs[k]), int(ys[k]))], (x, y), floor=floor)
    if part is None or part.sum() > 0.5 * ys.size:
        return blob
    return part if float(depth(part).max()) >= 2.0 else blob


def _own_hull(crop: np.ndarray, blob: np.ndarray, x: int, y: int) -> np.ndarray:
    """The strip of ``blob`` (see :func:`.seams.hull_strips`) that holds (x, y), a pixel of it."""
    strips = hull_strips(crop, blob)
    return blob if strips.max() <= 1 else strips == strips[y, x]


def _disc_prior(x: int, y: int, shape: Sequence[int], radius: int = 3) -> Region:
    """A small disc round (x, y): the start of last resort for a click that insists."""
    window = _around(x, y, radius, shape)
    ys, xs = np.mgrid[window.y0 : window.y1, window.x0 : window.x1]
    return window, (xs - x) ** 2 + (ys - y) ** 2 <= radius * radius


def _touches_inner_border(region: np.ndarray, inner: Box, window: Box) -> bool:
    """Whether the blob reaches the border of ``inner`` (in ``window`` coordinates) somewhere."""
    y0, y1, x0, x1 = inner.y0 - window.y0, inner.y1 - window.y0, inner.x0 - window.x0, inner.x1 - window.x0
    part = region[y0:y1, x0:x1]
    if part.size == 0:
        return True
    return bool(part[0].any() or part[-1].any() or part[:, 0].any() or part[:, -1].any())


def _blob_at(mask: np.ndarray, x: int, y: int) -> np.ndarray | None:
    """The 8-connected blob of ``mask`` holding (x, y) (or the largest one within 2 px of it)."""
    _, blobs = cv2.connectedComponents(mask.view(np.uint8), connectivity=8)
    k = int(blobs[y, x])
    if k == 0:
        near = blobs[max(y - 2, 0) : y + 3, max(x - 2, 0) : x + 3]
        found = near[near > 0]
        if found.size == 0:
            return None
        k = int(np.bincount(found).argmax())
    return blobs == k


def _grabcut_prior(
    image: np.ndarray, x: int, y: int, options: SegmentOptions, *, min_contrast: float = 1.0
) -> Region | None:
    """What GrabCut finds in growing squares around (x, y): the first blob that stays inside its square
    and clearly stands out from the pixels around it (a part of a larger ship does not), else the blob
    that stands out best, if any does at all."""
    shape = image.shape[:2]
    best: tuple[float, Region] | None = None
    for half in (12, 24, 48, 96, 160):
        square = _around(x, y, half, shape)
        window = square.grow(max(half // 2, 6), shape)
        trimap = np.full((window.height, window.width), cv2.GC_BGD, np.uint8)
        trimap[
            square.y0 - window.y0 : square.y1 - window.y0, square.x0 - window.x0 : square.x1 - window.x0
        ] = cv2.GC_PR_FGD
        # (Here the whole border is sea, the image's edge too: the blob sought lies inside its square.)
        found = _grabcut(image, window, trimap, [Click(x, y)], options, side=64, open_frame=False)
        if found is None:
            continue
        blob = _blob_at(found, x - window.x0, y - window.y0)
        if blob is None:
            continue
        if _touches_inner_border(blob, square, window) or blob.sum() >= 0.6 * square.area:
            continue
        score = _contrast(image, window, blob)
        if score >= 2.5:
            return window, blob
        if score >= min_contrast and (best is None or score > best[0]):
            best = (score, (window, blob))
    return None if best is None else best[1]


def _flood_prior(image: np.ndarray, x: int, y: int, options: SegmentOptions) -> Region | None:
    """A colour flood fill in Lab from (x, y), with the widest tolerance that does not leak."""
    window = _around(x, y, 128, image.shape[:2])
    lab = cv2.cvtColor(
        cv2.GaussianBlur(np.ascontiguousarray(image[window.slices]), (3, 3), 0), cv2.COLOR_RGB2Lab
    )
    lx, ly = x - window.x0, y - window.y0
    best: np.ndarray | None = None
    area = 0
    for tolerance in (4, 6, 9, 12, 16, 20):
        mask = np.zeros((lab.shape[0] + 2, lab.shape[1] + 2), np.uint8)
        diff = (tolerance,) * 3
        flags = 8 | cv2.FLOODFILL_MASK_ONLY | cv2.FLOODFILL_FIXED_RANGE | (1 << 8)
        grown, _, _, _ = cv2.floodFill(lab, mask, (lx, ly), 0, diff, diff, flags)
        region = mask[1:-1, 1:-1].view(bool)
        leaked = region[0].any() or region[-1].any() or region[:, 0].any() or region[:, -1].any()
        if leaked or (area and grown > 4 * area + 50):
            break
        best, area = region.copy(), grown
    if best is None:
        return None
    blob = cv2.morphologyEx(best.view(np.uint8), cv2.MORPH_CLOSE, _SQUARE3).view(bool)
    return (window, blob) if _contrast(image, window, blob) >= 1.0 else None


def _contrast(image: np.ndarray, window: Box, blob: np.ndarray) -> float:
    """How much the blob's colour stands out from a 4-px ring around it: the distance of their mean Lab
    colours over the ring's own spread (0 when under 10 Lab units: a patch of sea, not a ship)."""
    if blob.sum() < 3:
        return 0.0
    mask = blob.view(np.uint8)
    ring = (cv2.dilate(mask, _SQUARE5, iterations=2) > 0) & ~(cv2.dilate(mask, _SQUARE3) > 0)
    if ring.sum() < 8:
        return 0.0
    lab = cv2.cvtColor(np.ascontiguousarray(image[window.slices]), cv2.COLOR_RGB2Lab).astype(np.float32)
    inner, outer = lab[blob], lab[ring]
    gap = float(np.linalg.norm(inner.mean(axis=0) - outer.mean(axis=0)))
    spread = float(np.sqrt(outer.var(axis=0).sum()))
    return 0.0 if gap < 10.0 else gap / max(spread, 1.0)


def _click_region(lab: np.ndarray, x: int, y: int, options: SegmentOptions) -> np.ndarray | None:
    """The pixels of the click's own colour around it (a tight flood fill within ``click_reach``):
    what a click says for certain. None when the colour runs on past the reach (no edge to stop it)."""
    reach = options.click_reach
    if reach <= 0:
        return None
    h, w = lab.shape[:2]
    y0, y1, x0, x1 = max(y - reach, 0), min(y + reach + 1, h), max(x - reach, 0), min(x + reach + 1, w)
    part = np.ascontiguousarray(lab[y0:y1, x0:x1])
    mask = np.zeros((part.shape[0] + 2, part.shape[1] + 2), np.uint8)
    diff = (options.click_tolerance,) * 3
    flags = 8 | cv2.FLOODFILL_MASK_ONLY | cv2.FLOODFILL_FIXED_RANGE | (1 << 8)
    cv2.floodFill(part, mask, (x - x0, y - y0), 0, diff, diff, flags)
    found = mask[1:-1, 1:-1].view(bool)
    inner = (y0 > 0 and found[0].any()) or (y1 < h and found[-1].any())
    if inner or (x0 > 0 and found[:, 0].any()) or (x1 < w and found[:, -1].any()):
        return None
    region = np.zeros((h, w), bool)
    region[y0:y1, x0:x1] = found
    return region


# --- the steps -------------------------------------------------------------------------------------------
def _grabcut(
    image: np.ndarray,
    window: Box,
    trimap: np.ndarray,
    clicks: Sequence[Click],
    options: SegmentOptions,
    *,
    side: int | None = None,
    open_frame: bool = True,
) -> np.ndarray | None:
    """GrabCut on ``image[window]`` from ``trimap`` (GC_* values, the window's shape; clicks are drawn in
    as hard constraints), shrunk to ``side`` pixels at most; the ship pixels at full size, or None.
    The window's border is sea, except (``open_frame``) where it is the image's own edge: a ship cut
    by the frame runs on there."""
    dots = [
        (c.x - window.x0, c.y - window.y0, cv2.GC_FGD if c.positive else cv2.GC_BGD, _radius(c, options))
        for c in clicks
    ]
    return grabcut_crop(
        image[window.slices],
        trimap,
        side=side or options.max_side,
        iterations=options.iterations,
        dots=dots,
        sea_sides=inner_sides(*window, image.shape[:2]) if open_frame else ALL_SIDES,
    )


def _radius(click: Click, options: SegmentOptions) -> int:
    return options.click_radius if click.radius is None else min(click.radius, options.click_radius)


def _keep_clicked(ship: np.ndarray, clicks: Sequence[Click], window: Box) -> np.ndarray:
    """The 8-connected blobs of ``ship`` that hold a positive click."""
    n, blobs = cv2.connectedComponents(ship.view(np.uint8), connectivity=8)
    keep = np.zeros(n, bool)
    for click in clicks:
        x, y = click.pixel
        if click.positive and window.y0 <= y < window.y1 and window.x0 <= x < window.x1:
            keep[blobs[y - window.y0, x - window.x0]] = True
    keep[0] = False
    return keep[blobs]


def _pieces(mask: np.ndarray) -> int:
    """How many 8-connected pieces ``mask`` is in."""
    return int(cv2.connectedComponents(mask.view(np.uint8), connectivity=8)[0]) - 1


def _bridged(
    ship: np.ndarray, allowed: np.ndarray, sea: np.ndarray | None = None, most: float = 1.0
) -> np.ndarray:
    """``ship`` in one piece, over the ``allowed`` pixels: where GrabCut gave the positive clicks separate
    blobs (the bow and stern of a hull with a dark band amidships), their convex hull joins them (hulls
    are convex); where that would add more than ``most`` of the ship (two boats at right angles: the sea
    between), a corridor as wide as each blob from its nearest point to the largest. A join over a
    "not this" (``sea``) is none: the click said the blobs are apart. Unchanged when nothing joins it;
    a ship is one connected blob in an Airbus CSV."""
    if _pieces(ship) <= 1:
        return ship
    hull = np.zeros(ship.shape, np.uint8)
    cv2.fillConvexPoly(hull, cv2.convexHull(cv2.findNonZero(ship.view(np.uint8))), 1)
    for join in (hull.view(bool), _corridors(ship)):
        if sea is not None and (join & sea).any():
            continue
        added = join & allowed & ~ship
        joined = ship | added
        if _pieces(joined) == 1 and added.sum() <= most * ship.sum():
            return joined
    return ship


def _corridors(ship: np.ndarray) -> np.ndarray:
    """Lines from each 8-connected piece of ``ship`` to the largest, between their nearest points, as wide
    as the piece."""
    n, parts = cv2.connectedComponents(ship.view(np.uint8), connectivity=8)
    sizes = np.bincount(parts.ravel(), minlength=n)
    sizes[0] = 0
    main = parts == int(sizes.argmax())
    to_main = cv2.distanceTransform((~main).view(np.uint8), cv2.DIST_L2, 3)
    my, mx = np.nonzero(main)
    corridor = np.zeros(ship.shape, np.uint8)
    for k in range(1, n):
        piece = parts == k
        if piece[my[0], mx[0]]:
            continue
        py, px = np.nonzero(piece)
        a = int(np.argmin(to_main[py, px]))
        b = int(np.argmin((my - py[a]) ** 2 + (mx - px[a]) ** 2))
        width = max(int(depth(piece).max()), 1)
        cv2.line(corridor, (int(px[a]), int(py[a])), (int(mx[b]), int(my[b])), 1, 2 * width - 1)
    return corridor.view(bool)


def _cut_negatives(
    image: np.ndarray,
    lab: np.ndarray,
    ship: np.ndarray,
    seeds: np.ndarray,
    window: Box,
    negatives: Sequence[Click],
) -> np.ndarray:
    """Hand the parts of ``ship`` nearer (by a marker watershed on colour) to a negative click to the sea.

    ``seeds`` (the window's shape) is 1 where a positive click holds, 2 where a negative one does; a
    negative click's own pixels are already out of ``ship``, so the ship pixels around them are its seeds.
    ``lab`` is the window's blurred colour in Lab, as :func:`segment_clicks` made it for the clicks.
    """
    against = cv2.dilate((seeds == 2).view(np.uint8), _SQUARE3).view(bool) & ship
    if not against.any():
        return ship
    markers = np.where(ship, 0, 3).astype(np.int32)
    markers[against] = 2
    held = (seeds == 1) & ship
    if not held.any():
        # No positive click (a session refining a ship begun with "not this"): the ship's deep middle
        # holds it against the negative clicks, or their watershed would flood the whole hull.
        held = _core(ship, 0.6) & ~against
    markers[held] = 1
    smooth = cv2.GaussianBlur(np.ascontiguousarray(image[window.slices]), (3, 3), 0)
    cv2.watershed(smooth, markers)
    kept = markers == 1
    cut = (markers == 2) & ship
    # The watershed's dividing lines go to the ship only where they border what it keeps.
    lines = (markers == -1) & ship
    next_to_kept = cv2.dilate(kept.view(np.uint8), _SQUARE3) > 0
    between = lines & next_to_kept & (cv2.dilate(cut.view(np.uint8), _SQUARE3) > 0)
    kept |= lines & next_to_kept
    colour = lab.astype(np.float32)
    if cut.any() and kept.any() and negatives and not _along_an_edge(colour, ship, between, _EDGE_FACTOR):
        # The watershed met the ship's seeds half way across a flat hull (no edge between them): of
        # what it gave the negative clicks, only what looks more like them than like the rest goes.
        spots = [(c.pixel[0] - window.x0, c.pixel[1] - window.y0) for c in negatives]
        at_click = np.mean(
            [
                np.median(colour[max(y - 1, 0) : y + 2, max(x - 1, 0) : x + 2].reshape(-1, 3), axis=0)
                for x, y in spots
            ],
            axis=0,
        )
        hull = colour[kept].mean(axis=0)
        unlike = np.linalg.norm(colour - at_click, axis=2) >= np.linalg.norm(colour - hull, axis=2)
        back = cut & unlike
        kept |= back
    return ship & kept


def _along_an_edge(lab: np.ndarray, ship: np.ndarray, lines: np.ndarray, factor: float) -> bool:
    """Whether the watershed's dividing lines inside the ship run along an edge of the image (their
    gradient over ``factor`` times the ship's median), as between two hulls side by side; ``lab`` is
    the blurred window in Lab, float32."""
    if not lines.any():
        return False
    gx, gy = cv2.Sobel(lab, cv2.CV_32F, 1, 0), cv2.Sobel(lab, cv2.CV_32F, 0, 1)
    gradient = np.sqrt((gx * gx + gy * gy).sum(axis=2))
    floor = 20.0  # a Sobel response of about a 5-unit Lab step: less is no edge at all
    return float(gradient[lines].mean()) > max(factor * float(np.median(gradient[ship & ~lines])), floor)


# --- the tool --------------------------------------------------------------------------------------------
def segment_clicks(
    image: np.ndarray,
    clicks: Sequence[Click],
    *,
    probability: np.ndarray | None = None,
    box: Box | None = None,
    base: Region | None = None,
    blocked: Region | None = None,
    options: SegmentOptions = DEFAULT_OPTIONS,
    cache: PriorCache | None = None,
    force: bool = False,
) -> Region | None:
    """The ship the clicks describe, as a box and a bool mask of it (None: nothing found).

    ``image`` is (H, W, 3) uint8 RGB; ``probability`` an (H, W) map (uint8 levels or floats in [0, 1])
    or None (image only). ``box`` limits the ship to a rectangle; ``base`` (box, mask) is what the ship
    was before the clicks (it counts as "probably ship"); ``blocked`` (box, mask) are pixels the ship
    may not take (other ships). Clicks outside the image are ignored. ``cache`` keeps each click's prior
    between reruns with more clicks (the same image and map: see :class:`ClickSession`).
    """
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise TypeError("the image must be (H, W, 3) uint8 RGB")
    shape = image.shape[:2]
    if probability is not None and probability.shape[:2] != shape:
        raise ValueError(f"probability map {probability.shape} does not match the image {shape}")
    clicks = [c for c in clicks if _inside(c, shape)]
    if box is not None:
        box = box.clip(shape)
        if box.empty:
            return None
    positives = [c for c in clicks if c.positive]
    if not positives and box is None and base is None:
        return None

    # 1. priors, and the window that holds them and the clicks
    priors: list[Region] = []
    if base is not None and base[1].any():
        priors.append(base)
    alone: list[Click] = []  # positive clicks with nothing of their own there
    for click in positives:
        x, y = click.pixel
        if _near(priors, x, y, 0):
            continue
        key = (x, y, probability is not None, options)
        if cache is not None and key in cache and (cache[key] is not None or not force):
            prior = cache[key]
        else:
            prior = _model_prior(probability, image, x, y, options) if probability is not None else None
            if prior is None:
                guess = _grabcut_prior if options.fallback == "grabcut" else _flood_prior
                prior = guess(image, x, y, options)
            if prior is None and force:
                prior = _grabcut_prior(image, x, y, options, min_contrast=0.0)
            if prior is None and force:
                prior = _disc_prior(x, y, image.shape[:2])  # insisting always gives GrabCut a start
            if cache is not None and (prior is not None or not force):
                cache[key] = prior
        if prior is not None and prior[1].any():
            priors.append(prior)
        else:
            alone.append(click)
    if positives and not priors and box is None:
        return None  # neither the model nor the image sees anything at the clicks
    reach = max(options.click_reach, 8)
    far = [c for c in alone if box is None and not force and not _near(priors, *c.pixel, reach)]
    if far:
        x, y = far[0].pixel
        raise EditError(f"no ship found at ({x}, {y}), nor next to the ship: click on the ship")
    if box is not None:
        window = box.grow(max(options.min_margin, round(0.2 * max(box.height, box.width))), shape)
    else:
        xs = [c.pixel[0] for c in clicks]
        ys = [c.pixel[1] for c in clicks]
        window = Box(min(ys), max(ys) + 1, min(xs), max(xs) + 1) if clicks else Box(0, 0, 0, 0)
        for prior_box, mask in priors:
            rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
            tight = Box(
                prior_box.y0 + rows[0],
                prior_box.y0 + rows[-1] + 1,
                prior_box.x0 + cols[0],
                prior_box.x0 + cols[-1] + 1,
            )
            window = window.union(tight)
        if window.empty:
            return None
        grow_by = max(options.min_margin, round(options.margin * max(window.height, window.width)))
        window = window.grow(grow_by, shape)

    # 2. the trimap of the window, and GrabCut
    trimap = np.full((window.height, window.width), cv2.GC_PR_BGD, np.uint8)
    negatives = [c for c in clicks if not c.positive]
    for prior_box, mask in priors:
        _paste(trimap, window, prior_box, mask, cv2.GC_PR_FGD)
        if options.core > 0 and not any(_near([(prior_box, mask)], *c.pixel, 0) for c in negatives):
            _paste(trimap, window, prior_box, _core(mask, options.core), cv2.GC_FGD)
    no_go = np.zeros(trimap.shape, bool)
    if blocked is not None:
        _paste(no_go, window, blocked[0], blocked[1], True)
    if box is not None:
        inside = np.zeros(trimap.shape, bool)
        inside[box.y0 - window.y0 : box.y1 - window.y0, box.x0 - window.x0 : box.x1 - window.x0] = True
        if not priors:
            # GrabCut's own start: the box is "probably ship". (Only the model's blob in it was, but a
            # box round boats at a pier then held a sliver of the pier's blob and gave a few pixels.)
            trimap[inside] = cv2.GC_PR_FGD
        trimap[~inside] = cv2.GC_BGD
    seeds = np.zeros(trimap.shape, np.uint8)
    lab = cv2.cvtColor(
        cv2.GaussianBlur(np.ascontiguousarray(image[window.slices]), (3, 3), 0), cv2.COLOR_RGB2Lab
    )
    for click in clicks:
        x, y = click.pixel
        if window.x0 <= x < window.x1 and window.y0 <= y < window.y1:
            kind = 1 if click.positive else 2
            radius = _radius(click, options)
            cv2.circle(seeds, (x - window.x0, y - window.y0), radius, kind, -1)
            if radius < options.click_radius:
                continue  # a click on a thin strip next to the outline: its colour is the rim's
            region = _click_region(lab, x - window.x0, y - window.y0, options)
            if region is not None:
                seeds[region] = kind
    trimap[seeds == 1] = cv2.GC_FGD
    trimap[seeds == 2] = cv2.GC_BGD
    trimap[no_go] = cv2.GC_BGD
    ship = _grabcut(image, window, trimap, clicks, options)
    if ship is None:
        return None
    # 3. the clicked blobs, minus what the negative clicks claim
    if options.close > 0:
        ship = close_and_fill(ship, options.close) & (trimap != cv2.GC_BGD)
    if positives:
        ship = _bridged(_keep_clicked(ship, clicks, window), trimap != cv2.GC_BGD, seeds == 2)
    inside_window = [
        c
        for c in clicks
        if not c.positive and window.x0 <= c.pixel[0] < window.x1 and window.y0 <= c.pixel[1] < window.y1
    ]
    ship = _cut_negatives(image, lab, ship, seeds, window, inside_window)
    if not ship.any():
        return None
    # 4. the anti-aliased rim
    if options.rim_alpha > 0:
        allowed = ~no_go & (seeds != 2)  # a negative click's pixels stay sea
        if box is not None:
            allowed &= inside
        ship = push_rim(image[window.slices], ship, options.rim_alpha, allowed)
    return window, ship


def _core(mask: np.ndarray, share: float) -> np.ndarray:
    """The pixels of ``mask`` deeper than ``share`` of its deepest point (distance to its outline)."""
    deep = depth(mask)
    return deep >= share * float(deep.max())


def _near(regions: Sequence[Region], x: int, y: int, reach: int) -> bool:
    """Whether a pixel of one of the regions lies within ``reach`` pixels (a square) of (x, y)."""
    for box, mask in regions:
        y0, y1 = max(y - reach - box.y0, 0), min(y + reach + 1 - box.y0, box.height)
        x0, x1 = max(x - reach - box.x0, 0), min(x + reach + 1 - box.x0, box.width)
        if y0 < y1 and x0 < x1 and mask[y0:y1, x0:x1].any():
            return True
    return False


def _paste(target: np.ndarray, window: Box, box: Box, mask: np.ndarray, value: object) -> None:
    """``target[box ∩ window] = value`` where ``mask`` (of ``box``'s shape) is True."""
    y0, y1 = max(box.y0, window.y0), min(box.y1, window.y1)
    x0, x1 = max(box.x0, window.x0), min(box.x1, window.x1)
    if y0 >= y1 or x0 >= x1:
        return
    part = mask[y0 - box.y0 : y1 - box.y0, x0 - box.x0 : x1 - box.x0]
    target[y0 - window.y0 : y1 - window.y0, x0 - window.x0 : x1 - window.x0][part] = value


def click_segment(
    labels: np.ndarray,
    label: int,
    image: np.ndarray,
    clicks: Sequence[Click],
    *,
    probability: np.ndarray | None = None,
    box: Box | None = None,
    base: Region | None = None,
    options: SegmentOptions = DEFAULT_OPTIONS,
    cache: PriorCache | None = None,
    force: bool = False,
    local: bool = False,
) -> Atom | None:
    """Make ship ``label`` what ``clicks`` describe (see :func:`segment_clicks`): its pixels outside the
    new mask go back to the sea, and the mask's background pixels join it; other ships keep theirs.

    ``force``: a click where nothing stands out still gives what GrabCut finds there (the viewer sets it
    for a second click on the spot where the first found nothing).

    ``local``: the last click corrects the ship where it lies. The segmentation is rerun with every
    click, but only the changes connected to the last click are taken, and the stretch of outline a
    click next to it lies on moves (:func:`.click_corrections.correction`); a rerun otherwise moves the
    outline elsewhere too, and two clicks then undo each other. What the correction cuts off from both
    the positive clicks and the bulk of the ship goes to the sea.

    Returns the undo atom (None when nothing changed). Raises :class:`EditError` when the clicks find
    no ship (a click on open sea where the model sees nothing).
    """
    check_labels(labels)
    label = check_label(label)
    if image.shape[:2] != labels.shape:
        raise ValueError(f"image {image.shape[:2]} does not match the label image {labels.shape}")
    if not any(_inside(c, labels.shape) for c in clicks) and box is None:
        return None
    old_box = label_box(labels, label)
    found = segment_clicks(
        image,
        clicks,
        probability=probability,
        box=box,
        base=base,
        blocked=_others(labels, label, clicks, box, base, old_box),
        options=options,
        cache=cache,
        force=force,
    )
    if found is None:
        if old_box is None:
            raise EditError("no ship found there: click on a ship, or drag a box around it")
        found = (old_box, np.zeros((old_box.height, old_box.width), bool))
    window, ship = found
    area = window.union(old_box)
    last = clicks[-1] if clicks else None
    fix = last if local and old_box is not None and last is not None and _inside(last, labels.shape) else None
    if fix is not None:
        area = area.union(_around(*fix.pixel, options.nudge_reach + 1, labels.shape))
    region = labels[area.slices]
    new_mask = np.zeros(region.shape, bool)
    _paste(new_mask, area, window, ship, True)
    old = region == label
    free = (region == 0) | old
    target = (old != new_mask) & free
    if fix is not None:
        levels = None if probability is None else _levels(probability, area)
        target = correction(
            image[area.slices], old, new_mask, free, area, fix, clicks[:-1], options, levels=levels
        )
        new_mask = old != target
        # A ship is one piece: what a correction cut off from the positive clicks and from the bulk of
        # the ship goes to the sea (a stray crumb, half a neighbour's hull).
        whole = _keep_clicked(new_mask, clicks, area) | overlapping_most(new_mask, old)
        target ^= new_mask & ~whole
        new_mask = old != target
        if _pieces(new_mask) > max(_pieces(old), 1):
            # Still in pieces: a "ship here" beyond a gap joins over it (see _bridged) or is refused; after
            # a "not this", the piece holding most positive clicks stays, ties to the larger.
            if fix.positive:
                one = _bridged(new_mask, free, _negative_discs(clicks, area, new_mask.shape, options))
                if _pieces(one) > 1:
                    raise EditError(_apart(label))
            else:
                one = _main_piece(new_mask, clicks, area)
            target = (old != one) & free
            new_mask = old != target
    elif _pieces(old != target) > max(_pieces(old), 1):
        # Other ships' pixels, or a "not this", parted the new ship: the main piece stays.
        target = (old != _main_piece(old != target, clicks, area)) & free
        new_mask = old != target
    values = np.where(new_mask, label, 0).astype(np.int32)
    return write_where(labels, area, target, values[target])


def _negative_discs(
    clicks: Sequence[Click], area: Box, shape: Sequence[int], options: SegmentOptions
) -> np.ndarray:
    """The pixels round each "not this" (frame ``area``, of ``shape``): sea, whatever joins the ship."""
    discs = np.zeros((int(shape[0]), int(shape[1])), np.uint8)
    for click in clicks:
        if not click.positive:
            x, y = click.pixel[0] - area.x0, click.pixel[1] - area.y0
            cv2.circle(discs, (x, y), _radius(click, options) + 1, 1, -1)
    return discs.view(bool)


def _main_piece(mask: np.ndarray, clicks: Sequence[Click], area: Box) -> np.ndarray:
    """The 8-connected piece of ``mask`` (frame ``area``) holding the most positive clicks; ties (and
    none) go to the larger piece."""
    n, parts = cv2.connectedComponents(mask.view(np.uint8), connectivity=8)
    if n <= 2:
        return mask
    held = np.zeros(n, np.int64)
    for click in clicks:
        x, y = click.pixel[0] - area.x0, click.pixel[1] - area.y0
        if click.positive and 0 <= y < mask.shape[0] and 0 <= x < mask.shape[1]:
            held[parts[y, x]] += 1
    held[0] = -1
    sizes = np.bincount(parts.ravel(), minlength=n)
    best = max(range(1, n), key=lambda k: (held[k], sizes[k]))
    return parts == best


def _apart(label: int) -> str:
    """Why a "ship here" that would leave ship ``label`` in separate pieces is refused."""
    return (
        f"that would add a separate piece to ship {label} (a ship is one connected blob): click nearer "
        "its outline, or press Enter to finish it and click again to start a new ship"
    )


def _others(
    labels: np.ndarray,
    label: int,
    clicks: Sequence[Click],
    box: Box | None,
    base: Region | None,
    old_box: Box | None,
) -> Region:
    """Other ships' pixels in a generous box around everything the segmentation may look at."""
    shape = labels.shape
    reach = Box.full(shape)
    inside = [c.pixel for c in clicks if _inside(c, shape)]
    if inside:
        xs, ys = [p[0] for p in inside], [p[1] for p in inside]
        reach = Box(min(ys), max(ys) + 1, min(xs), max(xs) + 1).grow(2 * DEFAULT_OPTIONS.model_reach, shape)
    for extra in (box, base[0] if base is not None else None, old_box):
        if extra is not None:
            reach = reach.union(extra.clip(shape))
    region = labels[reach.slices]
    return reach, (region != 0) & (region != label)
