"""Smooth random fields (value noise and its fractal sums) built from cv2.resize of small random grids."""

from __future__ import annotations

import math

import numpy as np


def _random_grid(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """Independent values of unit variance (uniform: several times faster to draw than normal)."""
    grid = rng.random((height, width), dtype=np.float32)
    grid -= 0.5
    grid *= np.float32(math.sqrt(12.0))
    return grid


def _grid_upsampled(rng: np.random.Generator, height: int, width: int, cell: float) -> np.ndarray:
    """A (height, width) crop of a random grid upsampled to cells of `cell` pixels.

    Big cells go bicubic to a quarter of the size first, then bilinear (cv2's bilinear resize is about ten
    times faster than bicubic and cannot show creases at that scale).
    """
    import cv2

    cell = max(cell, 1.0)
    gh, gw = math.ceil(height / cell) + 2, math.ceil(width / cell) + 2
    grid = _random_grid(rng, gh, gw)
    size = (round(gw * cell), round(gh * cell))
    if cell > 6.0:
        grid = cv2.resize(
            grid, (math.ceil(size[0] / 4), math.ceil(size[1] / 4)), interpolation=cv2.INTER_CUBIC
        )
    up = cv2.resize(grid, size, interpolation=cv2.INTER_LINEAR)
    oy = int(rng.integers(0, max(1, up.shape[0] - height)))
    ox = int(rng.integers(0, max(1, up.shape[1] - width)))
    return up[oy : oy + height, ox : ox + width]


def _grid_warped(
    rng: np.random.Generator, shape: tuple[int, int], cell: float, aspect: float, angle: float
) -> np.ndarray:
    """A random grid sampled onto `shape` with cells of cell*aspect x cell pixels, the long side along `angle`
    (radians); one bilinear cv2.warpAffine, so the cost is that of the output only."""
    import cv2

    height, width = shape
    cell = max(cell, 1.0)
    c, s = math.cos(angle), math.sin(angle)
    # Output extent along and across the cell axes, in grid cells.
    along = (abs(c) * width + abs(s) * height) / (cell * aspect)
    across = (abs(s) * width + abs(c) * height) / cell
    gw, gh = math.ceil(along) + 4, math.ceil(across) + 4
    grid = _random_grid(rng, gh, gw)
    if cell > 6.0:  # smooth first so that bilinear sampling shows no creases
        grid = cv2.resize(grid, (gw * 4, gh * 4), interpolation=cv2.INTER_CUBIC)
        cell, gw, gh = cell / 4.0, gw * 4, gh * 4
    # Inverse map, output pixel -> grid coordinate: rotate by -angle about the centre, then scale down.
    sx, sy = 1.0 / (cell * aspect), 1.0 / cell
    a = np.array([[c * sx, s * sx], [-s * sy, c * sy]])
    b = np.array([gw / 2.0, gh / 2.0]) + rng.uniform(-1.0, 1.0, 2) - a @ np.array([width / 2.0, height / 2.0])
    m = np.hstack([a, b[:, None]])
    return cv2.warpAffine(
        grid, m, (width, height), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REFLECT
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
    anisotropic = aspect != 1.0 or angle != 0.0
    total = np.zeros(shape, np.float32)
    amplitude = 1.0
    for k in range(octaves):
        c = cell / (2.0**k)
        if c < 1.0:
            break
        if anisotropic:
            total += amplitude * _grid_warped(rng, shape, c, aspect, angle)
        else:
            total += amplitude * _grid_upsampled(rng, shape[0], shape[1], c)
        amplitude *= persistence
    mean, std = _mean_std(total)
    total -= mean
    total *= 1.0 / (std + 1e-6)
    return total


def _mean_std(a: np.ndarray) -> tuple[float, float]:
    import cv2

    mean, std = cv2.meanStdDev(a)
    return float(mean[0, 0]), float(std[0, 0])


def smoothstep(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Hermite step from 0 at `lo` to 1 at `hi`, float32."""
    t = np.clip((x - lo) / max(hi - lo, 1e-6), 0.0, 1.0)
    return (t * t * (3.0 - 2.0 * t)).astype(np.float32)


def log_uniform(rng: np.random.Generator, lo: float, hi: float) -> float:
    """A draw whose logarithm is uniform on [log lo, log hi]."""
    return float(math.exp(rng.uniform(math.log(lo), math.log(hi))))
