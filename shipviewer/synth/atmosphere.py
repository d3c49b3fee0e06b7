"""Between the scene and the file: clouds and their shadows, haze, lighting, and the satellite's optics."""

from __future__ import annotations

import math

import numpy as np

from shipviewer.synth.noise import fbm, log_uniform, smoothstep


def add_clouds(rng: np.random.Generator, img: np.ndarray, max_opacity: float) -> None:
    """Patchy semi-transparent clouds with a faint shadow offset from them (in place)."""
    shape = img.shape[:2]
    field = fbm(rng, shape, rng.uniform(120.0, 400.0), octaves=6, persistence=0.55)
    cover = rng.uniform(-0.5, 1.6)  # higher -> fewer clouds
    soft = rng.uniform(0.6, 1.6)
    alpha = smoothstep(field, cover, cover + soft) * max_opacity
    if rng.random() < 0.5:  # wispy: thin streaks
        alpha *= np.clip(0.5 + 0.6 * fbm(rng, shape, 30.0, octaves=3, aspect=4.0, angle=rng.uniform(0, np.pi)), 0, 1)
    angle = rng.uniform(0.0, 2.0 * np.pi)
    dist = rng.uniform(5.0, 40.0)
    shadow = _shift(alpha, dist * math.cos(angle), dist * math.sin(angle))
    img *= (1.0 - rng.uniform(0.1, 0.35) * shadow)[..., None]
    white = np.array([rng.uniform(205, 240)] * 3, np.float32) + rng.normal(0.0, 4.0, 3).astype(np.float32)
    img += alpha[..., None] * (white - img)


def _shift(a: np.ndarray, dx: float, dy: float) -> np.ndarray:
    import cv2

    m = np.array([[1.0, 0.0, dx], [0.0, 1.0, dy]])
    return cv2.warpAffine(a, m, (a.shape[1], a.shape[0]), borderMode=cv2.BORDER_REFLECT)


def add_haze(rng: np.random.Generator, img: np.ndarray, amount: float) -> None:
    """Veil of light grey-blue scattering, uneven across the frame (in place)."""
    shape = img.shape[:2]
    veil = np.array([rng.uniform(130, 175), rng.uniform(140, 180), rng.uniform(150, 185)], np.float32)
    uneven = np.clip(amount * (1.0 + 0.3 * fbm(rng, shape, 300.0, octaves=2)), 0.0, 0.97)
    img += uneven[..., None] * (veil - img)


def lighting(rng: np.random.Generator, img: np.ndarray) -> None:
    """Exposure, contrast and colour balance of the whole frame (in place)."""
    gain = np.float32(rng.uniform(0.9, 1.1)) * (1.0 + rng.normal(0.0, 0.03, 3)).astype(np.float32)
    img *= gain
    mean = img.mean(axis=(0, 1))
    img -= mean
    img *= np.float32(rng.uniform(0.9, 1.15))
    img += mean


def optics(rng: np.random.Generator, img: np.ndarray) -> np.ndarray:
    """Blur of the optics and resampling, the sharpening of the product (dark halos round bright ships), sensor
    noise; returns uint8 RGB."""
    import cv2

    soft = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.55, 1.0))
    amount = rng.uniform(0.3, 0.9)
    blurred = cv2.GaussianBlur(soft, (0, 0), rng.uniform(1.5, 3.0))
    sharp = soft + amount * (soft - blurred)
    sharp += rng.normal(0.0, 1.0, sharp.shape[:2]).astype(np.float32)[..., None] * np.float32(log_uniform(rng, 0.3, 2))
    return np.clip(sharp + 0.5, 0.0, 255.0).astype(np.uint8)
