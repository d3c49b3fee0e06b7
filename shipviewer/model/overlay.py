"""Drawing ships over an image: a colour per ship, filled with some opacity and outlined."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from shipviewer.airbus import rle as rle_codec

__all__ = ["draw_labels", "draw_ships", "ship_colour"]

# Distinct, saturated colours that stand out on sea blue, land green and cloud white.
_PALETTE = np.array(
    [
        (255, 59, 48),
        (255, 204, 0),
        (255, 45, 85),
        (255, 149, 0),
        (175, 82, 222),
        (255, 0, 255),
        (52, 199, 89),
        (0, 255, 255),
        (255, 105, 180),
        (191, 255, 0),
    ],
    dtype=np.uint8,
)


def ship_colour(k: int) -> tuple[int, int, int]:
    """RGB colour of ship number ``k`` (1-based), cycling through a fixed palette."""
    r, g, b = _PALETTE[(k - 1) % len(_PALETTE)]
    return int(r), int(g), int(b)


def draw_labels(
    rgb: np.ndarray, labels: np.ndarray, *, opacity: float = 0.4, outline: bool = True, thickness: int = 2
) -> np.ndarray:
    """A copy of ``rgb`` with each label value k > 0 tinted in :func:`ship_colour` (k) and outlined."""
    import cv2

    out = np.ascontiguousarray(rgb, dtype=np.uint8).copy()
    if labels.shape != out.shape[:2]:
        raise ValueError(f"labels {labels.shape} do not match the image {out.shape[:2]}")
    if not labels.any():
        return out
    lut = np.zeros((int(labels.max()) + 1, 3), np.uint8)
    for k in range(1, len(lut)):
        lut[k] = ship_colour(k)
    inside = labels > 0
    tint = lut[labels[inside]]
    out[inside] = (out[inside] * (1.0 - opacity) + tint * opacity).round().astype(np.uint8)
    if outline:
        for k in np.unique(labels[inside]):
            mask = np.ascontiguousarray(labels == k, dtype=np.uint8)
            contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
            cv2.drawContours(out, contours, -1, ship_colour(int(k)), thickness)
    return out


def draw_ships(
    rgb: np.ndarray, rles: Sequence[str], *, opacity: float = 0.4, outline: bool = True, thickness: int = 2
) -> np.ndarray:
    """:func:`draw_labels` for ships given as RLE strings (later ships win overlapping pixels)."""
    labels = rle_codec.label_image(rles, rgb.shape[:2], allow_overlap=True)
    return draw_labels(
        rgb, np.ascontiguousarray(labels), opacity=opacity, outline=outline, thickness=thickness
    )
