"""Open water: base colour, large-scale colour drift, swell, fine ripples and sun glint."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from shipviewer.synth.noise import fbm, log_uniform, smoothstep

# (RGB colour, weight, kind). Measured from real Airbus frames: most are dark navy or teal; glinting or overcast
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
        swell = log_uniform(rng, 4.0, 14.0)
    return SeaStyle(np.clip(rgb, 0.0, 255.0).astype(np.float32), kind, swell)


def _swell(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    """Wave texture: small bumpy cells, often stretched along the crests, plus a weaker long swell."""
    angle = rng.uniform(0.0, np.pi)
    cell = log_uniform(rng, 2.5, 7.0)
    waves = fbm(rng, shape, cell, octaves=2, persistence=0.5, aspect=log_uniform(rng, 1.0, 3.5), angle=angle)
    if rng.random() < 0.4:  # ridged: thin bright crests between darker troughs
        ridged = np.clip(1.0 - np.abs(waves), 0.0, 1.0) ** 2
        waves = 0.5 * waves + 2.0 * ridged
    if rng.random() < 0.6:  # long swell: parallel streaks a few tens of pixels apart
        long_cell = cell * rng.uniform(3.0, 7.0)
        long_swell = fbm(rng, shape, long_cell, octaves=1, aspect=rng.uniform(3.0, 6.0), angle=angle)
        waves = waves * (1.0 + 0.3 * long_swell) + rng.uniform(0.2, 0.7) * long_swell
    waves -= float(waves.mean())
    waves /= float(waves.std()) + 1e-6
    return (2.0 * np.tanh(0.5 * waves)).astype(np.float32)  # soft-limit deep troughs


def _glint(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    """Sparse sun sparkles (HxWx3, 0..~1), stronger in a broad patch; partly colour-fringed like pansharpened
    satellite images."""
    region = smoothstep(fbm(rng, shape, rng.uniform(200.0, 500.0), octaves=2), -1.2, 1.0)
    threshold = rng.uniform(1.5, 2.4)
    gain = rng.uniform(0.6, 1.4)
    cell = rng.uniform(1.2, 2.2)
    white = np.clip(fbm(rng, shape, cell, octaves=1) - threshold, 0.0, None) * gain
    out = np.repeat(white[..., None], 3, axis=2)
    if rng.random() < 0.6:
        for ch in range(3):
            out[..., ch] += np.clip(fbm(rng, shape, cell, octaves=1) - threshold - 0.3, 0.0, None) * gain
    return out * (0.25 + 0.75 * region)[..., None]


def render_sea(rng: np.random.Generator, shape: tuple[int, int], style: SeaStyle) -> np.ndarray:
    """HxWx3 float32 RGB water."""
    height, width = shape
    img = np.empty((height, width, 3), np.float32)
    img[:] = style.colour
    drift = fbm(rng, shape, rng.uniform(150.0, 450.0), octaves=3)
    img *= (1.0 + rng.uniform(0.02, 0.09) * drift)[..., None]
    if rng.random() < 0.25:  # plume or shallow patch of another colour
        other = np.array(SHALLOW_COLOURS[int(rng.integers(len(SHALLOW_COLOURS)))], np.float32)
        patch = smoothstep(fbm(rng, shape, rng.uniform(150.0, 400.0), octaves=4), 0.5, 2.0)
        patch *= rng.uniform(0.2, 0.7)
        img += patch[..., None] * (other - img)
    lum = 0.4 + float(style.colour.mean()) / 120.0  # darker water shows weaker texture
    waves = _swell(rng, shape) * (style.swell_amplitude * lum)
    waves += fbm(rng, shape, rng.uniform(1.2, 2.5), octaves=1) * rng.uniform(0.4, 1.8)
    tint = np.array([0.9, 1.0, 1.05], np.float32)
    img += waves[..., None] * tint
    if style.kind == "glint" or rng.random() < 0.2:
        img += _glint(rng, shape) * rng.uniform(25.0, 90.0)
    return img
