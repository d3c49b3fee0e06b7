"""Between the scene and the file: clouds and their shadows, haze, lighting, and the satellite's optics."""

from __future__ import annotations

import math

import numpy as np

from shipviewer.synth.noise import fbm, log_uniform, smoothstep
from shipviewer.synth.pixels import affine_colour, channel_mean, lerp, scale


def add_clouds(rng: np.random.Generator, img: np.ndarray, max_opacity: float) -> np.ndarray:
    """Patchy semi-transparent clouds with a faint shadow offset from them."""
    import cv2

    shape = img.shape[:2]
    field = fbm(rng, shape, rng.uniform(40.0, 250.0), octaves=6, persistence=rng.uniform(0.55, 0.7))
    if rng.random() < 0.7:  # clouds in one part of the frame only
        field += 1.5 * fbm(rng, shape, rng.uniform(300.0, 700.0), octaves=1)
    cover = rng.uniform(0.3, 2.2)  # higher -> fewer clouds
    soft = rng.uniform(1.5, 3.0)
    alpha = smoothstep(field, cover, cover + soft) ** 2 * max_opacity
    alpha += smoothstep(field, cover - 1.0, cover + 0.5) * (0.25 * max_opacity)  # thin veil round them
    if rng.random() < 0.5:  # wisps: modulate by streaky detail
        wisps = fbm(
            rng,
            shape,
            rng.uniform(10.0, 30.0),
            octaves=3,
            aspect=rng.uniform(2.0, 5.0),
            angle=rng.uniform(0.0, np.pi),
        )
        alpha *= np.clip(0.7 + 0.35 * wisps, 0.2, 1.0)
    alpha = np.clip(cv2.GaussianBlur(alpha, (0, 0), rng.uniform(1.0, 5.0)), 0.0, max_opacity)
    angle = rng.uniform(0.0, 2.0 * np.pi)
    dist = rng.uniform(5.0, 40.0)
    shadow = _shift(alpha, dist * math.cos(angle), dist * math.sin(angle))
    img = scale(img, 1.0 - rng.uniform(0.05, 0.25) * shadow)
    white = rng.uniform(205, 240) + np.array([-3.0, 0.0, 3.0]) + rng.normal(0.0, 2.0, 3)  # a touch blue
    return lerp(img, alpha, white)


def _shift(a: np.ndarray, dx: float, dy: float) -> np.ndarray:
    import cv2

    m = np.array([[1.0, 0.0, dx], [0.0, 1.0, dy]])
    return cv2.warpAffine(a, m, (a.shape[1], a.shape[0]), borderMode=cv2.BORDER_REFLECT)


def add_haze(rng: np.random.Generator, img: np.ndarray, amount: float) -> np.ndarray:
    """Veil of light grey-blue scattering, uneven across the frame."""
    shape = img.shape[:2]
    grey, blue = rng.uniform(135.0, 180.0), rng.uniform(0.0, 12.0)
    uneven = np.clip(amount * (1.0 + 0.3 * fbm(rng, shape, 300.0, octaves=2)), 0.0, 0.97)
    return lerp(img, uneven, (grey - blue, grey, grey + blue))


def lighting(rng: np.random.Generator, img: np.ndarray) -> np.ndarray:
    """Exposure, contrast (about the frame's mean) and colour balance of the whole frame."""
    gain = rng.uniform(0.9, 1.1) * (1.0 + rng.normal(0.0, 0.03, 3))
    contrast = rng.uniform(0.9, 1.15)
    mean = channel_mean(img) * gain
    return affine_colour(
        img, (gain * contrast).astype(np.float32), (mean * (1.0 - contrast)).astype(np.float32)
    )


def optics(rng: np.random.Generator, img: np.ndarray) -> np.ndarray:
    """Blur of optics and resampling, the product's sharpening (dark halos round bright ships), sensor
    noise; returns uint8 RGB."""
    import cv2

    soft = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.6, 1.2))
    amount = rng.uniform(0.3, 0.9)
    blurred = cv2.GaussianBlur(soft, (0, 0), rng.uniform(1.5, 3.0))
    sharp = cv2.addWeighted(soft, 1.0 + amount, blurred, -amount, 0.5)  # +0.5: round on truncation below
    noise = (rng.random(img.shape[:2], dtype=np.float32) - np.float32(0.5)) * np.float32(
        log_uniform(rng, 1.0, 6.0)
    )
    sharp = cv2.add(sharp, cv2.merge([noise, noise, noise]))
    return np.clip(sharp, 0.0, 255.0).astype(np.uint8)
