"""GrabCut and the two steps that follow it, on a crop of the image: shared by the outline refinement of
predicted ships (:mod:`.outlines`) and by the click tool (:mod:`shipviewer.edits.click_segment`).

Everything works on a window already cut out of the image (``crop``: (h, w, 3) uint8 RGB) and masks of
the window's shape, so the cost depends on the ship, not on the frame.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

__all__ = [
    "ALL_SIDES",
    "Sides",
    "close_and_fill",
    "grabcut_crop",
    "inner_sides",
    "overlapping_most",
    "push_rim",
    "rim_alpha",
]

_SQUARE3 = np.ones((3, 3), np.uint8)
_SQUARE5 = np.ones((5, 5), np.uint8)
_EDGE_REACH = 2  # pixels (of the shrunk crop) along the image's edge either side of where the ship meets it

Dot = tuple[float, float, int, int]  # (x, y, GC_* value, radius) in crop coordinates: a hard constraint
Sides = tuple[bool, bool, bool, bool]  # top, bottom, left, right
ALL_SIDES: Sides = (True, True, True, True)


def inner_sides(y0: int, y1: int, x0: int, x1: int, shape: Sequence[int]) -> Sides:
    """Which sides of the crop ``[y0:y1, x0:x1]`` of an image of ``shape`` lie inside the image (a side on
    the image's own edge is not known to be sea: a ship cut by the frame runs on there)."""
    return (y0 > 0, y1 < int(shape[0]), x0 > 0, x1 < int(shape[1]))


def grabcut_crop(
    crop: np.ndarray,
    trimap: np.ndarray,
    *,
    side: int,
    iterations: int,
    dots: Sequence[Dot] = (),
    sea_sides: Sides = ALL_SIDES,
) -> np.ndarray | None:
    """``cv2.grabCut`` on ``crop`` from ``trimap`` (GC_* values, the crop's shape), run on the crop shrunk
    to ``side`` pixels at most; the ship pixels at full size (bool), or None when there is nothing to cut.

    ``dots`` are drawn into the shrunk trimap as discs of their radius (scaled, at least 1 px once the
    radius is), so a click's constraint survives the shrinking. The crop's border is sea on ``sea_sides``
    (top, bottom, left, right; :func:`inner_sides` gives the ones inside the image), and the trimap's
    hard labels hold at full size whatever the shrunk cut said.
    """
    crop = np.ascontiguousarray(crop)
    h, w = trimap.shape
    scale = min(1.0, side / max(h, w))
    if scale < 1.0:
        size = (max(round(w * scale), 2), max(round(h * scale), 2))
        crop = cv2.resize(crop, size, interpolation=cv2.INTER_AREA)
        small = cv2.resize(trimap, size, interpolation=cv2.INTER_NEAREST)
    else:
        small = trimap.copy()
    for x, y, value, dot_radius in dots:
        radius = max(min(dot_radius, 1), round(dot_radius * scale))
        cx, cy = int((x + 0.5) * scale), int((y + 0.5) * scale)
        if 0 <= cx < small.shape[1] and 0 <= cy < small.shape[0]:
            cv2.circle(small, (cx, cy), radius, int(value), -1)
    probable = (small == cv2.GC_PR_FGD) | (small == cv2.GC_FGD)
    k = _EDGE_REACH + 1
    strips = (probable[:k].any(axis=0), probable[-k:].any(axis=0), probable[:, :k].any(axis=1),
              probable[:, -k:].any(axis=1))  # fmt: skip
    for side, edge, ship in zip(sea_sides, (small[0, :], small[-1, :], small[:, 0], small[:, -1]), strips):
        if side:
            edge[...] = cv2.GC_BGD
        else:
            # The image's own edge: open only where the ship reaches it (within a few pixels: a
            # model's map fades at the frame) and a little either side, or a fat blob in a window
            # spanning much of a small frame lets GrabCut take the frame.
            wide = np.ones((1, 2 * _EDGE_REACH + 1), np.uint8)
            near = cv2.dilate(ship.astype(np.uint8)[None, :], wide)[0] > 0
            edge[~near] = cv2.GC_BGD
    probable = (small == cv2.GC_PR_FGD) | (small == cv2.GC_FGD)
    if not probable.any() or probable.all():
        return None
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    cv2.setRNGSeed(0)  # GrabCut seeds its colour models with k-means: the same input, the same ship
    try:
        cv2.grabCut(crop, small, None, bgd, fgd, iterations, cv2.GC_INIT_WITH_MASK)  # type: ignore[call-overload]
    except cv2.error:  # a colour model with no pixels (a trimap of one kind): no answer
        return None
    ship = ((small == cv2.GC_FGD) | (small == cv2.GC_PR_FGD)).astype(np.uint8)
    if scale < 1.0:
        ship = (cv2.resize(ship.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR) > 0.5).view(
            np.uint8
        )
    ship = ship.view(bool)
    ship &= trimap != cv2.GC_BGD
    ship |= trimap == cv2.GC_FGD
    return ship


def close_and_fill(mask: np.ndarray, radius: int) -> np.ndarray:
    """``mask`` closed with a disc of ``radius`` and with its holes filled: GrabCut leaves gaps between
    the differently coloured parts of a hull (container stacks, hatch covers); a ship has no holes."""
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    pad = radius + 1
    closed = cv2.morphologyEx(np.pad(mask, pad).view(np.uint8), cv2.MORPH_CLOSE, disc)[pad:-pad, pad:-pad]
    outside = np.pad(closed == 0, 1, constant_values=True).view(np.uint8)
    _, blobs = cv2.connectedComponents(outside, connectivity=4)
    return blobs[1:-1, 1:-1] != blobs[0, 0]


def overlapping_most(ship: np.ndarray, blob: np.ndarray) -> np.ndarray:
    """The 8-connected part of ``ship`` that shares the most pixels with ``blob`` (empty if none does)."""
    n, parts = cv2.connectedComponents(ship.view(np.uint8), connectivity=8)
    if n <= 1:
        return np.zeros_like(ship)
    shared = np.bincount(parts[blob], minlength=n)
    shared[0] = 0
    if shared.max() == 0:
        return np.zeros_like(ship)
    return parts == int(shared.argmax())


def rim_alpha(crop: np.ndarray, ship: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """How far each pixel's colour lies from the local sea colour towards the local ship colour (0 sea,
    1 hull; 7×7 means around ``ship``), and where that is defined (both colours near, and apart)."""
    colour = crop.astype(np.float32)
    mask8 = ship.view(np.uint8)
    core = cv2.erode(mask8, _SQUARE3).astype(np.float32)
    if not core.any():
        core = mask8.astype(np.float32)
    sea = 1.0 - cv2.dilate(mask8, _SQUARE5).astype(np.float32)

    def local_mean(weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        total = cv2.blur(weight, (7, 7), borderType=cv2.BORDER_REFLECT)
        sums = cv2.blur(colour * weight[..., None], (7, 7), borderType=cv2.BORDER_REFLECT)
        return sums / (total[..., None] + 1e-6), total

    hull, hull_w = local_mean(core)
    water, water_w = local_mean(sea)
    d = hull - water
    den = (d * d).sum(axis=2)
    alpha = ((colour - water) * d).sum(axis=2) / (den + 1e-6)
    return alpha, (hull_w > 1e-3) & (water_w > 1e-3) & (den > 100.0)


def push_rim(crop: np.ndarray, ship: np.ndarray, alpha_min: float, allowed: np.ndarray) -> np.ndarray:
    """``ship`` plus the pixels just outside it (and ``allowed``) whose colour lies at least ``alpha_min``
    of the way from the local sea colour to the local ship colour: the anti-aliased rim of the hull
    (masks are drawn generously around the hull, as the Airbus polygons are)."""
    ring = (cv2.dilate(ship.view(np.uint8), _SQUARE3) > 0) & ~ship & allowed
    if not ring.any():
        return ship
    alpha, defined = rim_alpha(crop, ship)
    return ship | (ring & defined & (alpha >= alpha_min))
