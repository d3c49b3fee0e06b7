"""Putting a rendered ship into a scene: its shadow, the ship itself, and the wake of a moving ship."""

from __future__ import annotations

import math

import numpy as np

from shipviewer.synth.noise import fbm
from shipviewer.synth.pixels import channel_mean, lerp
from shipviewer.synth.ships import ShipSpec, Sprite


def _clip(
    img_shape: tuple[int, ...], x0: int, y0: int, h: int, w: int
) -> tuple[slice, slice, slice, slice] | None:
    """(image rows, image cols, patch rows, patch cols) of the overlap of a patch with the image."""
    ya, xa = max(y0, 0), max(x0, 0)
    yb, xb = min(y0 + h, img_shape[0]), min(x0 + w, img_shape[1])
    if ya >= yb or xa >= xb:
        return None
    return slice(ya, yb), slice(xa, xb), slice(ya - y0, yb - y0), slice(xa - x0, xb - x0)


def _shifted(a: np.ndarray, dx: float, dy: float, blur: float) -> np.ndarray:
    import cv2

    m = np.array([[1.0, 0.0, dx], [0.0, 1.0, dy]])
    out = cv2.warpAffine(a, m, (a.shape[1], a.shape[0]), flags=cv2.INTER_LINEAR, borderValue=0)
    return cv2.GaussianBlur(out, (0, 0), blur) if blur > 0 else out


def composite_ship(
    img: np.ndarray, sprite: Sprite, spec: ShipSpec, sun: tuple[float, float], shadow_strength: float
) -> None:
    """Darken the water under the ship's shadow, then lay the ship over it (in place, float32 RGB)."""
    box = _clip(img.shape, sprite.x0, sprite.y0, *sprite.alpha.shape)
    if box is None:
        return
    iy, ix, py, px = box
    reach = 0.6 + 0.012 * spec.length
    hull_shadow = _shifted(sprite.alpha, sun[0] * reach, sun[1] * reach, 0.7)
    tall_reach = 1.5 + 0.045 * spec.length
    tall_shadow = _shifted(sprite.tall, sun[0] * tall_reach, sun[1] * tall_reach, 0.9)
    shadow = np.maximum(hull_shadow, tall_shadow)[py, px]
    region = img[iy, ix]
    region *= (1.0 - shadow_strength * shadow)[..., None]
    region *= (1.0 - sprite.alpha[py, px])[..., None]
    region += sprite.colour[py, px]


def render_wake(
    img: np.ndarray,
    spec: ShipSpec,
    rng: np.random.Generator,
    *,
    strength: float,
    water: np.ndarray | None = None,
) -> None:
    """Bright churned water behind the stern plus the two arms of a Kelvin wake from the bow (in place).

    `water` (HxW float32 in 0..1), when given, keeps the wake off land and piers.
    """
    forward = np.array([math.cos(spec.heading), math.sin(spec.heading)])
    side = np.array([-forward[1], forward[0]])
    bow = np.array([spec.cx, spec.cy]) + forward * spec.length / 2
    decay = spec.length * rng.uniform(0.3, 1.2) + rng.uniform(5.0, 25.0)
    reach = min(3.0 * decay + spec.length, 600.0)
    half_angle = math.radians(rng.uniform(8.0, 19.5))
    spread = math.tan(half_angle) * reach + spec.width
    corners = np.array(
        [bow + forward * 4, bow - forward * reach + side * spread, bow - forward * reach - side * spread]
    )
    corners = np.vstack([corners, corners[0] + side * spec.width, corners[0] - side * spec.width])
    x0, y0 = math.floor(corners[:, 0].min()), math.floor(corners[:, 1].min())
    x1, y1 = math.ceil(corners[:, 0].max()) + 1, math.ceil(corners[:, 1].max()) + 1
    box = _clip(img.shape, x0, y0, y1 - y0, x1 - x0)
    if box is None:
        return
    iy, ix, _, _ = box
    ys, xs = np.mgrid[iy, ix].astype(np.float32)
    dx, dy = xs - np.float32(bow[0]), ys - np.float32(bow[1])
    behind = -(dx * np.float32(forward[0]) + dy * np.float32(forward[1]))  # distance behind the bow tip
    across = np.abs(dx * np.float32(side[0]) + dy * np.float32(side[1]))
    aft = behind - np.float32(spec.length)  # distance behind the stern
    half_w = 0.45 * spec.width + np.maximum(aft, 0) * np.float32(rng.uniform(0.02, 0.07))
    churn = np.exp(-np.maximum(aft, 0) / decay - (across / half_w) ** 2) * (aft > -0.15 * spec.length)
    arm_offset = across - np.maximum(behind, 0) * np.float32(math.tan(half_angle)) - 0.4 * spec.width
    arm_w = 0.8 + 0.015 * np.maximum(behind, 0)
    arms = np.exp(-((arm_offset / arm_w) ** 2) - np.maximum(behind, 0) / (0.5 * decay)) * (behind > 0)
    amount = churn + rng.uniform(0.05, 0.3) * arms
    texture = fbm(rng, amount.shape, rng.uniform(2.0, 5.0), octaves=2)
    amount = np.clip(amount * (0.75 + 0.35 * texture), 0.0, 1.0) * strength
    if water is not None:
        amount *= water[iy, ix]
    region = img[iy, ix]
    foam: np.ndarray = np.array([205.0, 214.0, 218.0], np.float32)
    if rng.random() < 0.15:  # on glinting water wakes show dark (smoothed sea)
        foam = channel_mean(region) * 0.55
    region[...] = lerp(region, amount, foam)
