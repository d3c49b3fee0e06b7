"""Hard negatives on the water (``synth --hard``): rocks and reefs, and whitecaps on rough sea.

Where the bundled model fails on real frames it mostly fails on things at sea that look like ships:
rocks off a coast or awash in open water (bright, compact, with a foam fringe and a shadow), and the
white flecks of breaking waves on rough grey sea, which look like small boats. Neither is a ship, so
neither enters the label image; ships are placed after the rocks and never on them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from shipviewer.synth.coast import distance_inside
from shipviewer.synth.pixels import lerp

ROCK_COLOURS: tuple[tuple[float, float, float], ...] = (
    (118, 112, 102),
    (92, 88, 80),
    (140, 128, 108),
    (70, 66, 62),
    (150, 146, 138),
)
FOAM = (214, 222, 226)


@dataclass(frozen=True)
class Hazards:
    """What :func:`add_hazards` drew: rock pixels (HxW bool, no ship may go there) and whitecap strength."""

    rocks: np.ndarray
    whitecaps: np.ndarray  # HxW float32 in [0, 1]


def _water_point(
    rng: np.random.Generator, water: np.ndarray, near_land: np.ndarray | None
) -> tuple[float, float] | None:
    """A random water pixel (x, y), near land when ``near_land`` has any; None when there is no water."""
    for candidates in (near_land, water > 0.5):
        if candidates is None:
            continue
        ys, xs = np.nonzero(candidates)
        if len(ys):
            k = int(rng.integers(len(ys)))
            return float(xs[k]), float(ys[k])
    return None


def _rock_outline(rng: np.random.Generator, cx: float, cy: float) -> np.ndarray:
    """An irregular, sometimes elongated (ship-like) closed outline, int32 points (N, 2)."""
    radius = math.exp(rng.uniform(math.log(3.0), math.log(22.0)))
    elongation = rng.uniform(1.0, 3.5) if rng.random() < 0.4 else rng.uniform(1.0, 1.5)
    angle = rng.uniform(0.0, math.pi)
    n = int(rng.integers(9, 17))
    theta = np.sort(rng.uniform(0.0, 2.0 * math.pi, n))
    r = radius * (1.0 + 0.35 * rng.standard_normal(n)).clip(0.45, 1.6)
    u, v = r * np.cos(theta) * elongation, r * np.sin(theta)
    c, s = math.cos(angle), math.sin(angle)
    pts = np.stack([cx + c * u - s * v, cy + s * u + c * v], axis=1)
    return np.round(pts).astype(np.int32)


def _rocks_mask(rng: np.random.Generator, water: np.ndarray) -> np.ndarray:
    """One to four clusters of rocks, off the coast when there is one: HxW uint8 (1 = rock)."""
    import cv2

    shape = water.shape
    mask = np.zeros(shape, np.uint8)
    land = water < 0.5
    near_land = None
    if land.any():
        dist = distance_inside(~land)
        near_land = (dist > 4) & (dist < rng.uniform(25.0, 90.0))
    for _ in range(int(rng.integers(1, 5))):
        centre = _water_point(rng, water, near_land if rng.random() < 0.7 else None)
        if centre is None:
            break
        spread = rng.uniform(5.0, 45.0)
        for _ in range(int(rng.integers(1, 8))):
            x = centre[0] + rng.normal(0.0, spread)
            y = centre[1] + rng.normal(0.0, spread)
            cv2.fillPoly(mask, [_rock_outline(rng, x, y)], 1)
    return mask & (water > 0.5).astype(np.uint8)


def _draw_rocks(
    rng: np.random.Generator, img: np.ndarray, mask: np.ndarray, sun: tuple[float, float]
) -> np.ndarray:
    """Shadow on the water, a foam fringe, then the rock: textured stone, lit on the sun's side."""
    import cv2

    h, w = mask.shape
    rock = mask.astype(np.float32)
    dx, dy = -sun[0] * rng.uniform(1.5, 4.0), -sun[1] * rng.uniform(1.5, 4.0)
    shift = np.array([[1.0, 0.0, dx], [0.0, 1.0, dy]], np.float32)
    shadow = cv2.warpAffine(rock, shift, (w, h)) * (1.0 - rock)
    img = lerp(img, cv2.GaussianBlur(shadow, (0, 0), 1.0) * rng.uniform(0.3, 0.6), (0.0, 0.0, 0.0))
    width = int(rng.integers(1, 5))
    ring = cv2.dilate(mask, np.ones((2 * width + 1, 2 * width + 1), np.uint8)).astype(np.float32) - rock
    broken = (rng.random((h, w)) < rng.uniform(0.4, 0.9)).astype(np.float32)
    foam = cv2.GaussianBlur(ring * broken, (0, 0), 0.8) * rng.uniform(0.3, 0.8)
    img = lerp(img, foam, FOAM)
    colour = np.array(ROCK_COLOURS[int(rng.integers(len(ROCK_COLOURS)))], np.float32)
    colour *= rng.uniform(0.8, 1.2)
    grain = cv2.GaussianBlur(rng.standard_normal((h, w)).astype(np.float32), (0, 0), 1.2) * 0.35
    lit = cv2.warpAffine(rock, np.array([[1.0, 0.0, -dx / 2], [0.0, 1.0, -dy / 2]], np.float32), (w, h))
    tone = (1.0 + grain + 0.25 * (rock - lit)).clip(0.4, 1.6)
    stone = cv2.merge([tone * float(c) for c in colour])
    alpha = cv2.GaussianBlur(rock, (0, 0), 0.6)
    return lerp(img, alpha, stone.clip(0.0, 255.0))


def _whitecaps(rng: np.random.Generator, water: np.ndarray) -> np.ndarray:
    """Short white streaks along the wind, denser in patches: HxW float32 strength in [0, 1]."""
    import cv2

    h, w = water.shape
    canvas = np.zeros((h, w), np.float32)
    wind = rng.uniform(0.0, math.pi)
    n = int(math.exp(rng.uniform(math.log(80.0), math.log(1500.0))))
    # Patches of breaking water: the streaks cluster where a coarse noise is high.
    weight = cv2.resize(rng.random((6, 6)).astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC).clip(
        0, 1
    )
    xs, ys = rng.uniform(0, w, n), rng.uniform(0, h, n)
    keep = rng.random(n) < weight[ys.astype(int), xs.astype(int)] ** 1.5
    for x, y in zip(xs[keep], ys[keep], strict=True):
        length = rng.uniform(1.5, 7.0)
        a = wind + rng.normal(0.0, 0.3)
        ex, ey = math.cos(a) * length / 2, math.sin(a) * length / 2
        p0 = (round((x - ex) * 4), round((y - ey) * 4))
        p1 = (round((x + ex) * 4), round((y + ey) * 4))
        cv2.line(canvas, p0, p1, float(rng.uniform(0.3, 1.0)), 1, cv2.LINE_AA, shift=2)
    return (cv2.GaussianBlur(canvas, (0, 0), 0.6) * 1.6).clip(0.0, 1.0) * (water > 0.5)


def add_hazards(
    rng: np.random.Generator, img: np.ndarray, water: np.ndarray, sun: tuple[float, float]
) -> tuple[np.ndarray, Hazards]:
    """Maybe rocks (about half the scenes), maybe whitecaps (a third; most on grey, glinting sea): the
    image with them drawn and what was drawn."""
    rocks = _rocks_mask(rng, water) if rng.random() < 0.5 else np.zeros(water.shape, np.uint8)
    if rocks.any():
        img = _draw_rocks(rng, img, rocks, sun)
    caps = (
        _whitecaps(rng, water) * (1.0 - rocks) if rng.random() < 0.35 else np.zeros(water.shape, np.float32)
    )
    if caps.any():
        img = lerp(img, caps * np.float32(rng.uniform(0.5, 0.9)), FOAM)
    return img, Hazards(rocks.astype(bool), caps.astype(np.float32))
