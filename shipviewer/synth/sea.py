"""Open water: base colour, large-scale colour drift, swell, fine ripples and sun glint."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from shipviewer.synth.noise import fbm, log_uniform, smoothstep

# (RGB colour, weight, kind). Measured on real Airbus frames: most are dark navy or teal; glinting or overcast
# water is grey; shallow or silty water is turquoise, green or brownish.
SEA_PALETTE: tuple[tuple[tuple[float, float, float], float, str], ...] = (
    ((22, 40, 72), 0.17, "deep"),
    ((11, 29, 50), 0.16, "deep"),
    ((8, 36, 54), 0.10, "deep"),
    ((16, 68, 74), 0.09, "teal"),
    ((22, 50, 60), 0.09, "teal"),
    ((18, 42, 36), 0.06, "green"),
    ((82, 118, 106), 0.06, "shallow"),
    ((100, 130, 118), 0.04, "shallow"),
    ((108, 116, 116), 0.06, "glint"),
    ((56, 66, 72), 0.07, "glint"),
    ((32, 36, 40), 0.04, "glint"),
    ((52, 50, 38), 0.03, "brown"),
    ((70, 68, 52), 0.02, "brown"),
)
SHALLOW_COLOURS: tuple[tuple[float, float, float], ...] = ((90, 135, 120), (70, 120, 120), (110, 125, 100))


@dataclass(frozen=True)
class SeaStyle:
    """What the water of one scene looks like; reused to tint shallows and to scale wakes."""

    colour: np.ndarray  # RGB float32
    kind: str
    swell_amplitude: float


def pick_sea_style(rng: np.random.Generator) -> SeaStyle:
    """A palette colour with brightness and hue jitter, and a swell strength suited to it."""
    weights = np.array([w for _, w, _ in SEA_PALETTE])
    colour, _, kind = SEA_PALETTE[int(rng.choice(len(SEA_PALETTE), p=weights / weights.sum()))]
    rgb = np.array(colour, np.float32) * rng.uniform(0.85, 1.15) + rng.normal(0.0, 3.0, 3).astype(np.float32)
    swell = log_uniform(rng, 0.6, 6.0) if kind in ("deep", "teal", "green") else log_uniform(rng, 1.0, 8.0)
    if kind == "glint":
        swell = log_uniform(rng, 9.0, 26.0)
    return SeaStyle(np.clip(rgb, 0.0, 255.0).astype(np.float32), kind, swell)


def _relief(height: np.ndarray, azimuth: float) -> np.ndarray:
    """Shaded relief: the slope of `height` towards the sun, which gives the hammered look of real sea."""
    import cv2

    dx = cv2.Sobel(height, cv2.CV_32F, 1, 0, ksize=3)
    dy = cv2.Sobel(height, cv2.CV_32F, 0, 1, ksize=3)
    return dx * np.float32(math.cos(azimuth)) + dy * np.float32(math.sin(azimuth))


def _unit(a: np.ndarray) -> np.ndarray:
    a -= float(a.mean())
    a *= 1.0 / (float(a.std()) + 1e-6)
    return a


def _swell(rng: np.random.Generator, shape: tuple[int, int], glint: bool) -> np.ndarray:
    """Wave texture, unit-ish std: small bumps lit from one side, often stretched along the crests, sometimes
    with a longer swell underneath. In sun glint the bumps are denser, rounder and show more."""
    angle = rng.uniform(0.0, np.pi)
    cell = log_uniform(rng, 3.0, 6.0) if glint else log_uniform(rng, 2.5, 8.0)
    aspect = log_uniform(rng, 1.0, 1.6) if glint else log_uniform(rng, 1.0, 3.0)
    height = fbm(rng, shape, cell, octaves=3, persistence=0.5, aspect=aspect, angle=angle)
    if rng.random() < (0.15 if glint else 0.4):
        long_swell = fbm(
            rng, shape, cell * rng.uniform(4.0, 8.0), octaves=1, aspect=rng.uniform(3, 6), angle=angle
        )
        height += rng.uniform(1.0, 3.0) * long_swell
    waves = _unit(_relief(height, rng.uniform(0.0, 2.0 * np.pi)))
    flat = rng.uniform(0.0, 0.5)  # some brightness follows the height itself (foam, crests)
    waves = _unit(waves + flat * _unit(height))
    return (2.0 * np.tanh(0.5 * waves)).astype(np.float32)  # soft-limit deep troughs


def _glint(rng: np.random.Generator, shape: tuple[int, int]) -> list[np.ndarray]:
    """Sparse sun sparkles per channel (0..~1), stronger in a broad patch; partly colour-fringed as in
    pansharpened satellite images."""
    region = 0.25 + 0.75 * smoothstep(fbm(rng, shape, rng.uniform(200.0, 500.0), octaves=2), -1.2, 1.0)
    threshold = rng.uniform(1.5, 2.4)
    gain = rng.uniform(0.6, 1.4)
    cell = rng.uniform(1.2, 2.2)
    white = np.clip(fbm(rng, shape, cell, octaves=1) - threshold, 0.0, None) * gain
    channels = [white, white, white]
    if rng.random() < 0.6:
        channels = [
            white + np.clip(fbm(rng, shape, cell, octaves=1) - threshold - 0.3, 0.0, None) * gain
            for _ in "rgb"
        ]
    return [c * region for c in channels]


def render_sea(rng: np.random.Generator, shape: tuple[int, int], style: SeaStyle) -> np.ndarray:
    """HxWx3 float32 RGB water (computed channel by channel: much faster than broadcasting over RGB)."""
    import cv2

    drift = 1.0 + rng.uniform(0.02, 0.09) * fbm(rng, shape, rng.uniform(150.0, 450.0), octaves=3)
    channels = [drift * np.float32(c) for c in style.colour]
    if rng.random() < 0.15:  # plume or shallow patch of another colour
        other = SHALLOW_COLOURS[int(rng.integers(len(SHALLOW_COLOURS)))]
        patch = smoothstep(fbm(rng, shape, rng.uniform(150.0, 400.0), octaves=4), 0.5, 2.0)
        patch *= rng.uniform(0.15, 0.5)
        channels = [ch + patch * (np.float32(o) - ch) for ch, o in zip(channels, other, strict=True)]
    lum = 0.4 + float(style.colour.mean()) / 120.0  # darker water shows weaker texture
    waves = _swell(rng, shape, style.kind == "glint") * np.float32(style.swell_amplitude * lum)
    waves += fbm(rng, shape, rng.uniform(1.2, 2.5), octaves=1) * np.float32(rng.uniform(0.4, 1.8))
    channels = [ch + waves * np.float32(t) for ch, t in zip(channels, (0.9, 1.0, 1.05), strict=True)]
    if style.kind == "glint" or rng.random() < 0.2:
        strength = np.float32(rng.uniform(25.0, 90.0))
        channels = [ch + g * strength for ch, g in zip(channels, _glint(rng, shape), strict=True)]
    return cv2.merge(channels)
