"""Land seen from above: coastlines, harbour quays and piers, and land cover (sand, vegetation, fields, town,
industry)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from shipviewer.synth.noise import fbm, log_uniform, smoothstep

Colour = tuple[float, float, float]

FIELD_COLOURS: tuple[Colour, ...] = (
    (96, 112, 60),
    (130, 134, 80),
    (160, 148, 104),
    (120, 100, 72),
    (70, 92, 52),
    (176, 164, 120),
    (140, 120, 90),
    (84, 104, 70),
)
ROOF_COLOURS: tuple[Colour, ...] = (
    (190, 188, 182),
    (150, 146, 140),
    (120, 116, 112),
    (160, 90, 70),
    (210, 206, 198),
    (110, 124, 140),
    (136, 110, 90),
    (96, 92, 90),
)
CONCRETE: tuple[Colour, ...] = ((176, 172, 162), (150, 146, 138), (196, 186, 164), (128, 126, 122))


@dataclass(frozen=True)
class Berth:
    """A straight edge of quay or pier where ships can moor: from `start` along unit `direction` for `length`
    pixels, with water on the side of unit `normal`."""

    start: tuple[float, float]
    direction: tuple[float, float]
    normal: tuple[float, float]
    length: float


@dataclass
class Coast:
    """Land cover of a scene: soft land fraction (HxW float32, piers included), its colours, and berths."""

    land: np.ndarray
    colour: np.ndarray
    berths: list[Berth]
    natural: bool


def _rotated_rects(corners_uv: np.ndarray, angle: float, centre: tuple[float, float]) -> np.ndarray:
    """(N, 4, 2) rectangles given as (u_a, u_b, v_a, v_b) rows in a frame rotated by `angle` -> image points."""
    ua, ub, va, vb = corners_uv.T
    u = np.stack([ua, ub, ub, ua], axis=1)
    v = np.stack([va, va, vb, vb], axis=1)
    c, s = math.cos(angle), math.sin(angle)
    x = centre[0] + u * c - v * s
    y = centre[1] + u * s + v * c
    return np.stack([x, y], axis=2)


def _cuts(rng: np.random.Generator, extent: float, lo: float, hi: float, road_every: int, road: float) -> np.ndarray:
    """Lot boundaries along one axis: (n, 2) intervals of random size, with a road gap every few lots."""
    sizes = rng.uniform(lo, hi, int(2 * extent / lo) + 2)
    gaps = np.where(np.arange(len(sizes)) % max(road_every, 1) == 0, road, rng.uniform(0.5, 2.0, len(sizes)))
    ends = np.cumsum(sizes + gaps) - extent
    starts = ends - sizes
    keep = starts < extent
    return np.stack([starts[keep], ends[keep]], axis=1)


def _grid(
    rng: np.random.Generator, shape: tuple[int, int], lot: tuple[float, float], road_every: int, road: float
) -> tuple[np.ndarray, float]:
    """Rectangular lots of a street grid at a random angle covering the image: (N, 4, 2) image points."""
    half = math.hypot(*shape) / 2 + 10
    u = _cuts(rng, half, lot[0], lot[1], road_every, road)
    v = _cuts(rng, half, lot[0], lot[1], max(road_every - 1, 1), road)
    uu = np.repeat(u, len(v), axis=0)
    vv = np.tile(v, (len(u), 1))
    angle = rng.uniform(0.0, np.pi)
    rects = _rotated_rects(np.concatenate([uu, vv], axis=1), angle, (shape[1] / 2, shape[0] / 2))
    inside = (
        (rects[..., 0].max(axis=1) > 0)
        & (rects[..., 0].min(axis=1) < shape[1])
        & (rects[..., 1].max(axis=1) > 0)
        & (rects[..., 1].min(axis=1) < shape[0])
    )
    return rects[inside], angle


def _fill_groups(
    img: np.ndarray, rects: np.ndarray, groups: np.ndarray, colours: tuple[Colour, ...], offset: float = 0.0
) -> None:
    """Fill each rectangle with the colour of its group (one cv2 call per colour)."""
    import cv2

    for g, colour in enumerate(colours):
        chosen = rects[groups == g] + offset
        if len(chosen):
            pts = [np.round(r * 16).astype(np.int32).reshape(-1, 1, 2) for r in chosen]
            cv2.fillPoly(img, pts, colour, shift=4)


def _noisy(rng: np.random.Generator, shape: tuple[int, int], base: Colour, amount: float, cell: float) -> np.ndarray:
    img = np.empty((*shape, 3), np.float32)
    img[:] = base
    img *= (1.0 + amount * fbm(rng, shape, cell, octaves=4))[..., None]
    return img


def _sand(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    base = (rng.uniform(170, 215), rng.uniform(150, 190), rng.uniform(115, 150))
    img = _noisy(rng, shape, base, rng.uniform(0.04, 0.1), rng.uniform(40.0, 150.0))
    img += fbm(rng, shape, 2.0, octaves=1)[..., None] * 4.0
    return img


def _vegetation(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    base = (rng.uniform(40, 80), rng.uniform(60, 95), rng.uniform(35, 60))
    img = _noisy(rng, shape, base, rng.uniform(0.12, 0.25), rng.uniform(20.0, 80.0))
    canopy = fbm(rng, shape, rng.uniform(2.0, 4.0), octaves=2)
    img *= (1.0 + 0.18 * canopy)[..., None]
    return img


def _fields(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    img = _noisy(rng, shape, (120, 116, 84), 0.05, 100.0)
    rects, _ = _grid(rng, shape, (log_uniform(rng, 30, 70), log_uniform(rng, 80, 160)), 3, rng.uniform(2.0, 5.0))
    _fill_groups(img, rects, rng.integers(0, len(FIELD_COLOURS), len(rects)), FIELD_COLOURS)
    img *= (1.0 + 0.06 * fbm(rng, shape, 6.0, octaves=3))[..., None]
    return img


def _buildings(rng: np.random.Generator, shape: tuple[int, int], lot: tuple[float, float], ground: Colour) -> np.ndarray:
    """Ground with roads, buildings with shadows and some greenery."""
    img = _noisy(rng, shape, ground, 0.06, 60.0)
    rects, angle = _grid(rng, shape, lot, int(rng.integers(3, 6)), rng.uniform(5.0, 10.0))
    # Shrink lots into buildings; keep a few as trees or yards.
    centre = rects.mean(axis=1, keepdims=True)
    rects = centre + (rects - centre) * rng.uniform(0.6, 0.92, (len(rects), 1, 1))
    kind = rng.random(len(rects))
    shadow = np.array([math.cos(angle + 0.7), math.sin(angle + 0.7)]) * rng.uniform(1.5, 4.0)
    built = kind < 0.8
    _fill_groups(img, rects[built], np.zeros(int(built.sum()), int), ((40.0, 40.0, 42.0),), offset=0.0)
    _fill_groups(img, rects[built] - shadow, rng.integers(0, len(ROOF_COLOURS), int(built.sum())), ROOF_COLOURS)
    trees = kind >= 0.9
    _fill_groups(img, rects[trees], np.zeros(int(trees.sum()), int), ((52.0, 72.0, 44.0),))
    img *= (1.0 + 0.05 * fbm(rng, shape, 3.0, octaves=2))[..., None]
    return img


def _town(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    return _buildings(rng, shape, (8.0, 22.0), (rng.uniform(110, 150), rng.uniform(108, 140), rng.uniform(96, 125)))


def _industry(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    ground = CONCRETE[int(rng.integers(len(CONCRETE)))]
    return _buildings(rng, shape, (20.0, 70.0), ground)


LAND_COVERS = {"sand": _sand, "vegetation": _vegetation, "fields": _fields, "town": _town, "industry": _industry}


def land_colour(rng: np.random.Generator, shape: tuple[int, int], harbour: bool) -> np.ndarray:
    """Land cover: one or two covers blended by a large noise field."""
    names = list(LAND_COVERS)
    p = np.array([0.25, 0.2, 0.15, 0.2, 0.2]) if not harbour else np.array([0.2, 0.05, 0.0, 0.3, 0.45])
    first, second = rng.choice(len(names), size=2, replace=False, p=p / p.sum())
    img = LAND_COVERS[names[int(first)]](rng, shape)
    if rng.random() < 0.6:
        other = LAND_COVERS[names[int(second)]](rng, shape)
        blend = smoothstep(fbm(rng, shape, rng.uniform(120.0, 300.0), octaves=3), -0.1, 0.1)
        img += blend[..., None] * (other - img)
    return img
