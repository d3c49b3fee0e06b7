"""Land seen from above: coastlines, harbour quays and piers, and land cover (sand, vegetation, fields, town,
industry)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from shipviewer.synth.industry import industry
from shipviewer.synth.layout import fill_groups, noisy, street_grid
from shipviewer.synth.noise import fbm, log_uniform, smoothstep
from shipviewer.synth.pixels import add_field, lerp, scale

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
    (150, 100, 84),
    (210, 206, 198),
    (124, 132, 140),
    (136, 116, 100),
    (96, 92, 90),
    (170, 160, 146),
)


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


def sand_colour(rng: np.random.Generator) -> Colour:
    """Beach sand or bare earth: pale yellow-beige to darker tan."""
    k = rng.uniform(0.85, 1.1)
    return (k * rng.uniform(196, 212), k * rng.uniform(176, 188), k * rng.uniform(136, 152))


def _sand(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    """Sand or bare earth: broad tone changes, patchy detail, tyre tracks, grain."""
    import cv2

    base = sand_colour(rng)
    img = noisy(rng, shape, base, rng.uniform(0.02, 0.05), rng.uniform(80.0, 250.0))
    detail = fbm(rng, shape, rng.uniform(6.0, 14.0), octaves=2)
    tracks = np.zeros(shape, np.float32)
    for _ in range(int(rng.integers(0, 6))):  # meandering tracks: darker lines
        pts = np.cumsum(rng.normal(0.0, 40.0, (8, 2)), axis=0) + rng.uniform(0, max(shape), 2)
        cv2.polylines(
            tracks, [np.round(pts).astype(np.int32).reshape(-1, 1, 2)], False, 1.0, int(rng.integers(2, 6))
        )
    img = scale(img, 1.0 + 0.015 * detail - rng.uniform(0.03, 0.1) * cv2.GaussianBlur(tracks, (0, 0), 1.5))
    return add_field(img, fbm(rng, shape, 2.0, octaves=1), (4.0, 4.0, 4.0))


def _vegetation(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    """Woodland and scrub: dark, muted green with a crown-sized texture."""
    k = rng.uniform(0.6, 1.0)
    base = (k * rng.uniform(52, 64), k * rng.uniform(70, 78), k * rng.uniform(46, 54))
    img = noisy(rng, shape, base, rng.uniform(0.12, 0.25), rng.uniform(20.0, 80.0))
    return scale(img, 1.0 + 0.18 * fbm(rng, shape, rng.uniform(2.0, 4.0), octaves=2))


def _fields(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    img = noisy(rng, shape, (120, 116, 84), 0.05, 100.0)
    rects, _ = street_grid(
        rng, shape, (log_uniform(rng, 30, 70), log_uniform(rng, 80, 160)), 3, rng.uniform(2.0, 5.0)
    )
    fill_groups(img, rects, rng.integers(0, len(FIELD_COLOURS), len(rects)), FIELD_COLOURS)
    return scale(img, 1.0 + 0.06 * fbm(rng, shape, 6.0, octaves=3))


def _buildings(
    rng: np.random.Generator, shape: tuple[int, int], lot: tuple[float, float], ground: Colour
) -> np.ndarray:
    """Ground with roads, buildings with shadows and some greenery."""
    img = noisy(rng, shape, ground, 0.06, 60.0)
    rects, angle = street_grid(rng, shape, lot, int(rng.integers(3, 6)), rng.uniform(5.0, 10.0))
    # Shrink lots into buildings; keep a few as trees or yards.
    centre = rects.mean(axis=1, keepdims=True)
    rects = centre + (rects - centre) * rng.uniform(0.6, 0.92, (len(rects), 1, 1))
    kind = rng.random(len(rects))
    shadow = np.array([math.cos(angle + 0.7), math.sin(angle + 0.7)]) * rng.uniform(1.5, 4.0)
    built = kind < 0.8
    fill_groups(img, rects[built], np.zeros(int(built.sum()), int), ((40.0, 40.0, 42.0),), offset=0.0)
    fill_groups(
        img, rects[built] - shadow, rng.integers(0, len(ROOF_COLOURS), int(built.sum())), ROOF_COLOURS
    )
    trees = kind >= 0.9
    fill_groups(img, rects[trees], np.zeros(int(trees.sum()), int), ((52.0, 72.0, 44.0),))
    return scale(img, 1.0 + 0.05 * fbm(rng, shape, 3.0, octaves=2))


def _town(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    k = rng.uniform(0.85, 1.2)
    ground = (k * 128.0, k * rng.uniform(118.0, 126.0), k * rng.uniform(104.0, 116.0))  # grey to dusty beige
    img = _buildings(rng, shape, (5.0, 16.0), ground)
    greenery = smoothstep(fbm(rng, shape, rng.uniform(20.0, 60.0), octaves=4), 0.3, 1.2)
    return lerp(img, greenery * rng.uniform(0.3, 0.9), (52.0, 70.0, 44.0))


LAND_COVERS = {
    "sand": _sand,
    "vegetation": _vegetation,
    "fields": _fields,
    "town": _town,
    "industry": industry,
}


def land_colour(rng: np.random.Generator, shape: tuple[int, int], harbour: bool) -> np.ndarray:
    """Land cover: one or two covers blended by a large noise field."""
    names = list(LAND_COVERS)
    p = np.array([0.25, 0.2, 0.15, 0.2, 0.2]) if not harbour else np.array([0.2, 0.05, 0.0, 0.3, 0.45])
    first, second = rng.choice(len(names), size=2, replace=False, p=p / p.sum())
    img = LAND_COVERS[names[int(first)]](rng, shape)
    if rng.random() < 0.6:
        other = LAND_COVERS[names[int(second)]](rng, shape)
        blend = smoothstep(fbm(rng, shape, rng.uniform(120.0, 300.0), octaves=3), -0.1, 0.1)
        img = lerp(img, blend, other)
    return img
