"""Hand-made test images: a noisy sea, flat hulls drawn on it, and synthetic ships (``shipviewer.synth``)
painted into it."""

from __future__ import annotations

import cv2
import numpy as np

from shipviewer.synth.ships import ShipSpec, render_ship

SEA = (24, 52, 86)  # RGB of the dark blue sea


def sea(shape: tuple[int, int], seed: int = 0, *, as_float: bool = False) -> np.ndarray:
    """A dark blue sea with a little noise, (H, W, 3) RGB: uint8, or float32 (unclipped) for painting."""
    rng = np.random.default_rng(seed)
    image = np.empty((*shape, 3), np.float32 if as_float else np.uint8)
    for c, level in enumerate(SEA):
        channel = level + rng.normal(0, 3, shape)
        image[..., c] = channel if as_float else np.clip(channel, 0, 255).astype(np.uint8)
    return image


def hull(image: np.ndarray, corners: list[tuple[int, int]], colour: tuple[int, int, int]) -> np.ndarray:
    """Draw a filled hull with these (x, y) corners into ``image`` (in place) and return its mask."""
    mask = np.zeros(image.shape[:2], np.uint8)
    cv2.fillPoly(mask, [np.array(corners, np.int32).reshape(-1, 1, 2)], 1)
    image[mask > 0] = colour
    return mask.astype(bool)


def paint_ship(image: np.ndarray, spec: ShipSpec, seed: int) -> np.ndarray:
    """Paint the ship ``spec`` (details from ``seed``) into ``image`` ((H, W, 3) float32, in place; the
    ship may run off the frame) and return its mask, (H, W) bool."""
    height, width = image.shape[:2]
    sprite = render_ship(spec, np.random.default_rng(seed))
    h, w = sprite.alpha.shape
    y0, x0 = max(sprite.y0, 0), max(sprite.x0, 0)
    y1, x1 = min(sprite.y0 + h, height), min(sprite.x0 + w, width)
    truth = np.zeros((height, width), bool)
    if y0 >= y1 or x0 >= x1:
        return truth
    inner = slice(y0 - sprite.y0, y1 - sprite.y0), slice(x0 - sprite.x0, x1 - sprite.x0)
    part = image[y0:y1, x0:x1]
    part[...] = part * (1 - sprite.alpha[inner][..., None]) + sprite.colour[inner]
    truth[y0:y1, x0:x1] = sprite.footprint[inner]
    return truth
