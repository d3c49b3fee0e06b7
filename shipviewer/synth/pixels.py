"""Fast whole-frame arithmetic on HxWx3 float32 images.

numpy broadcasting of an HxW field over the 3 interleaved channels is several times slower than cv2's
per-pixel kernels, and these operations run a dozen times per frame.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def lerp(img: np.ndarray, alpha: np.ndarray, target: np.ndarray | Sequence[float]) -> np.ndarray:
    """img * (1 - alpha) + target * alpha, with alpha HxW and target an image or one RGB colour."""
    import cv2

    alpha = np.ascontiguousarray(alpha, dtype=np.float32)
    if not isinstance(target, np.ndarray) or target.ndim == 1:
        target = solid(img.shape[:2], target)
    return cv2.blendLinear(img, target.astype(np.float32, copy=False), 1.0 - alpha, alpha)


def solid(shape: tuple[int, int], colour: Sequence[float] | np.ndarray) -> np.ndarray:
    """An HxWx3 float32 image of one colour."""
    import cv2

    return cv2.merge([np.full(shape, float(c), np.float32) for c in colour])


def scale(img: np.ndarray, factor: np.ndarray) -> np.ndarray:
    """img * factor, with factor HxW."""
    import cv2

    f = np.ascontiguousarray(factor, dtype=np.float32)
    return cv2.multiply(img, cv2.merge([f, f, f]))


def add_field(img: np.ndarray, field: np.ndarray, colour: Sequence[float]) -> np.ndarray:
    """img + field * colour, with field HxW and colour per channel."""
    import cv2

    f = np.asarray(field, np.float32)
    return cv2.add(img, cv2.merge([f * np.float32(c) for c in colour]))


def channel_mean(img: np.ndarray) -> np.ndarray:
    """Mean of each channel (float32, 3)."""
    import cv2

    return np.array(cv2.mean(img)[:3], np.float32)


def affine_colour(img: np.ndarray, gain: np.ndarray, offset: np.ndarray) -> np.ndarray:
    """Per-channel img * gain + offset."""
    import cv2

    m = np.zeros((3, 4), np.float32)
    m[[0, 1, 2], [0, 1, 2]] = gain
    m[:, 3] = offset
    return cv2.transform(img, m)
