"""Drawing helpers for built-up land: street grids of rotated rectangular lots, filled by colour group."""

from __future__ import annotations

import math

import numpy as np

from shipviewer.synth.noise import fbm
from shipviewer.synth.pixels import scale, solid

Colour = tuple[float, float, float]


def rotated_rects(corners_uv: np.ndarray, angle: float, centre: tuple[float, float]) -> np.ndarray:
    """Image points (N, 4, 2) of rectangles given as (u_a, u_b, v_a, v_b) rows in a frame turned by angle."""
    ua, ub, va, vb = corners_uv.T
    u = np.stack([ua, ub, ub, ua], axis=1)
    v = np.stack([va, va, vb, vb], axis=1)
    c, s = math.cos(angle), math.sin(angle)
    x = centre[0] + u * c - v * s
    y = centre[1] + u * s + v * c
    return np.stack([x, y], axis=2)


def cuts(
    rng: np.random.Generator, extent: float, lo: float, hi: float, road_every: int, road: float
) -> np.ndarray:
    """Lot boundaries along one axis: (n, 2) intervals of random size, with a road gap every few lots."""
    sizes = rng.uniform(lo, hi, int(2 * extent / lo) + 2)
    gaps = np.where(np.arange(len(sizes)) % max(road_every, 1) == 0, road, rng.uniform(0.5, 2.0, len(sizes)))
    ends = np.cumsum(sizes + gaps) - extent
    starts = ends - sizes
    keep = starts < extent
    return np.stack([starts[keep], ends[keep]], axis=1)


def street_grid(
    rng: np.random.Generator, shape: tuple[int, int], lot: tuple[float, float], road_every: int, road: float
) -> tuple[np.ndarray, float]:
    """Rectangular lots of a street grid at a random angle covering the image: (N, 4, 2) image points."""
    half = math.hypot(*shape) / 2 + 10
    u = cuts(rng, half, lot[0], lot[1], road_every, road)
    v = cuts(rng, half, lot[0], lot[1], max(road_every - 1, 1), road)
    uu = np.repeat(u, len(v), axis=0)
    vv = np.tile(v, (len(u), 1))
    angle = rng.uniform(0.0, np.pi)
    rects = rotated_rects(np.concatenate([uu, vv], axis=1), angle, (shape[1] / 2, shape[0] / 2))
    inside = (
        (rects[..., 0].max(axis=1) > 0)
        & (rects[..., 0].min(axis=1) < shape[1])
        & (rects[..., 1].max(axis=1) > 0)
        & (rects[..., 1].min(axis=1) < shape[0])
    )
    return rects[inside], angle


def fill_groups(
    img: np.ndarray, rects: np.ndarray, groups: np.ndarray, colours: tuple[Colour, ...], offset: float = 0.0
) -> None:
    """Fill each rectangle with the colour of its group (one cv2 call per colour)."""
    import cv2

    for g, colour in enumerate(colours):
        chosen = rects[groups == g] + offset
        if len(chosen):
            pts = [np.round(r * 16).astype(np.int32).reshape(-1, 1, 2) for r in chosen]
            cv2.fillPoly(img, pts, colour, shift=4)


def noisy(
    rng: np.random.Generator, shape: tuple[int, int], base: Colour, amount: float, cell: float
) -> np.ndarray:
    return scale(solid(shape, base), 1.0 + amount * fbm(rng, shape, cell, octaves=4))
