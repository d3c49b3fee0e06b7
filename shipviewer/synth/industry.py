"""Port and industrial land: sheds, container yards, storage tanks and hard-standing on a street grid."""

from __future__ import annotations

import math

import numpy as np

from shipviewer.synth.layout import noisy, street_grid
from shipviewer.synth.noise import fbm
from shipviewer.synth.pixels import scale

Colour = tuple[float, float, float]

CONCRETE: tuple[Colour, ...] = ((176, 172, 162), (150, 146, 138), (196, 186, 164), (128, 126, 122))
SHED_ROOFS: tuple[Colour, ...] = (
    (200, 200, 198),
    (172, 174, 176),
    (226, 224, 218),
    (128, 140, 150),
    (146, 120, 104),
    (112, 114, 116),
)
BOXES: tuple[Colour, ...] = (  # containers stacked in a yard, faded
    (140, 84, 74),
    (96, 108, 132),
    (184, 184, 180),
    (122, 124, 122),
    (158, 124, 90),
    (96, 114, 98),
    (150, 150, 146),
)


def _poly(img: np.ndarray, pts: np.ndarray, colour: Colour) -> None:
    import cv2

    cv2.fillPoly(img, [np.round(pts * 16).astype(np.int32).reshape(-1, 1, 2)], colour, shift=4)


class _Lot:
    """A rotated rectangular lot; positions inside it in fractions (s along, t across) of its sides."""

    def __init__(self, corners: np.ndarray) -> None:
        self.origin = corners[0]
        self.u = corners[1] - corners[0]
        self.v = corners[3] - corners[0]
        self.a = float(np.hypot(*self.u))
        self.b = float(np.hypot(*self.v))

    def rect(self, s0: float, s1: float, t0: float, t1: float) -> np.ndarray:
        return np.array(
            [self.origin + s * self.u + t * self.v for s, t in ((s0, t0), (s1, t0), (s1, t1), (s0, t1))]
        )


def _shed(rng: np.random.Generator, img: np.ndarray, lot: _Lot, shadow: np.ndarray) -> None:
    """One to three parallel sheds with a ridge: one roof half in sun, the other a little darker."""
    n = int(rng.integers(1, 4))
    roof = SHED_ROOFS[int(rng.integers(len(SHED_ROOFS)))]
    k = rng.uniform(0.82, 0.95)
    shade = (roof[0] * k, roof[1] * k, roof[2] * k)
    m = 3.0 / max(lot.b, 1.0)
    for i in range(n):
        t0, t1 = m + i * (1 - 2 * m) / n, m + (i + 1) * (1 - 2 * m) / n - m
        r = lot.rect(0.08, 0.92, t0, t1)
        _poly(img, r + shadow, (50.0, 50.0, 52.0))
        _poly(img, r, roof)
        _poly(img, lot.rect(0.08, 0.92, (t0 + t1) / 2, t1), shade)


def _yard(rng: np.random.Generator, img: np.ndarray, lot: _Lot) -> None:
    """Rows of stacked containers (about 3 x 8 px each) in a few muted colours, some slots empty."""
    import cv2

    rows = max(int(lot.b / rng.uniform(4.0, 6.0)), 1)
    per_row = max(int(lot.a / rng.uniform(7.0, 10.0)), 1)
    k, r = np.meshgrid(np.arange(per_row), np.arange(rows))
    s0, s1 = (k + 0.05) / per_row, (k + 0.95) / per_row
    t0, t1 = (r + 0.15) / rows, (r + 0.85) / rows
    corners = np.stack(
        [np.stack([s0, t0], -1), np.stack([s1, t0], -1), np.stack([s1, t1], -1), np.stack([s0, t1], -1)],
        axis=2,
    ).reshape(-1, 4, 2)
    pts = lot.origin + corners[..., :1] * lot.u + corners[..., 1:] * lot.v
    keep = (rng.random(len(pts)) > 0.2) & np.repeat(rng.random(rows) > 0.15, per_row)
    colours = rng.integers(0, len(BOXES), len(pts))
    fixed = np.round(pts * 16).astype(np.int32)
    for c, colour in enumerate(BOXES):
        chosen = fixed[keep & (colours == c)]
        if len(chosen):
            cv2.fillPoly(img, list(chosen.reshape(-1, 4, 1, 2)), colour, shift=4)


def _tanks(rng: np.random.Generator, img: np.ndarray, lot: _Lot, shadow: np.ndarray) -> None:
    """Storage tanks: light discs with a shadow, in a grid."""
    import cv2

    radius = rng.uniform(6.0, 20.0)
    ns, nt = max(int(lot.a / (2.6 * radius)), 1), max(int(lot.b / (2.6 * radius)), 1)
    tone = (rng.uniform(190, 235),) * 3
    for i in range(ns):
        for j in range(nt):
            c = lot.origin + (i + 0.5) / ns * lot.u + (j + 0.5) / nt * lot.v
            centre = (round(c[0] * 16), round(c[1] * 16))
            shadow_centre = (round((c[0] + shadow[0]) * 16), round((c[1] + shadow[1]) * 16))
            cv2.circle(img, shadow_centre, round(radius * 16), (55.0, 55.0, 55.0), -1, cv2.LINE_AA, 4)
            cv2.circle(img, centre, round(radius * 16), tone, -1, cv2.LINE_AA, 4)
            cv2.circle(img, centre, round(radius * 10), tuple(x * 0.9 for x in tone), 1, cv2.LINE_AA, 4)


def _open(rng: np.random.Generator, img: np.ndarray, lot: _Lot) -> None:
    """Hard-standing or car park in another tone."""
    tone = CONCRETE[int(rng.integers(len(CONCRETE)))]
    k = rng.uniform(0.7, 1.05)
    _poly(img, lot.rect(0.04, 0.96, 0.04, 0.96), (tone[0] * k, tone[1] * k, tone[2] * k))


def industry(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    """Concrete ground, roads, and lots of sheds, container yards, tanks and open ground."""
    ground = CONCRETE[int(rng.integers(len(CONCRETE)))]
    img = noisy(rng, shape, ground, 0.06, 80.0)
    lots, angle = street_grid(rng, shape, (35.0, 110.0), 1, rng.uniform(6.0, 12.0))
    sun = angle + rng.uniform(0.3, 1.2)
    shadow = np.array([math.cos(sun), math.sin(sun)]) * rng.uniform(2.0, 5.0)
    for corners in lots:
        lot = _Lot(corners)
        roll = rng.random()
        if roll < 0.45:
            _shed(rng, img, lot, shadow)
        elif roll < 0.65:
            _yard(rng, img, lot)
        elif roll < 0.73:
            _tanks(rng, img, lot, shadow)
        elif roll < 0.92:
            _open(rng, img, lot)
    return scale(img, 1.0 + 0.05 * fbm(rng, shape, 3.0, octaves=2))
