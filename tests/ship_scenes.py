"""Synthetic ships (``shipviewer.synth``) painted into hand-made test images."""

from __future__ import annotations

import numpy as np

from shipviewer.synth.ships import ShipSpec, render_ship


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
