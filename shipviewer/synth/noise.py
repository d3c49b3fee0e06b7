"""Smooth random fields (value noise and its fractal sums) built from cv2.resize of small random grids."""

from __future__ import annotations

import math

import numpy as np


def _grid_upsampled(rng: np.random.Generator, height: int, width: int, cell_y: float, cell_x: float) -> np.ndarray:
    """A (height, width) crop of a random grid upsampled bicubically to cells of cell_y x cell_x pixels."""
    import cv2

    cell_y, cell_x = max(cell_y, 1.0), max(cell_x, 1.0)
    gh, gw = math.ceil(height / cell_y) + 3, math.ceil(width / cell_x) + 3
    grid = rng.standard_normal((gh, gw), dtype=np.float32)
    up = cv2.resize(grid, (round(gw * cell_x), round(gh * cell_y)), interpolation=cv2.INTER_CUBIC)
    oy = int(rng.integers(0, max(1, up.shape[0] - height)))
    ox = int(rng.integers(0, max(1, up.shape[1] - width)))
    return up[oy : oy + height, ox : ox + width]


def _rotate_crop(canvas: np.ndarray, shape: tuple[int, int], angle: float) -> np.ndarray:
    """Sample `canvas` (a square larger than the diagonal of `shape`) rotated by `angle` radians about its centre."""
    import cv2

    height, width = shape
    c, s = math.cos(angle), math.sin(angle)
    cx_src, cy_src = canvas.shape[1] / 2.0, canvas.shape[0] / 2.0
    cx_dst, cy_dst = width / 2.0, height / 2.0
    # Inverse map: src = R (dst - c_dst) + c_src.
    m = np.array(
        [[c, -s, cx_src - c * cx_dst + s * cy_dst], [s, c, cy_src - s * cx_dst - c * cy_dst]], dtype=np.float64
    )
    return cv2.warpAffine(
        canvas, m, (width, height), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REFLECT
    )


def fbm(
    rng: np.random.Generator,
    shape: tuple[int, int],
    cell: float,
    *,
    octaves: int = 4,
    persistence: float = 0.5,
    aspect: float = 1.0,
    angle: float = 0.0,
) -> np.ndarray:
    """Fractal noise, float32, zero mean and unit standard deviation.

    `cell` is the feature size of the coarsest octave in pixels; `aspect` > 1 stretches features along the
    direction `angle` (radians), which gives swell-like streaks.
    """
    height, width = shape
    anisotropic = aspect != 1.0 or angle != 0.0
    side = math.ceil(math.hypot(height, width)) + 4 if anisotropic else 0
    h, w = (side, side) if anisotropic else (height, width)
    total = np.zeros((h, w), np.float32)
    amplitude = 1.0
    for k in range(octaves):
        c = cell / (2.0**k)
        if c < 1.0:
            break
        total += amplitude * _grid_upsampled(rng, h, w, c, c * aspect)
        amplitude *= persistence
    if anisotropic:
        total = _rotate_crop(total, shape, angle)
    total -= float(total.mean())
    total /= float(total.std()) + 1e-6
    return total


def smoothstep(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Hermite step from 0 at `lo` to 1 at `hi`, float32."""
    t = np.clip((x - lo) / max(hi - lo, 1e-6), 0.0, 1.0)
    return (t * t * (3.0 - 2.0 * t)).astype(np.float32)


def log_uniform(rng: np.random.Generator, lo: float, hi: float) -> float:
    """A draw whose logarithm is uniform on [log lo, log hi]."""
    return float(math.exp(rng.uniform(math.log(lo), math.log(hi))))
