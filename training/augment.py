"""Augmentation of uint8 (image, mask) crops with OpenCV, reproducible from each element's seed.

Geometry: one of the eight symmetries of a square (every combination of a transpose, a left-right and an
up-down flip: the flips and the 90° rotations), applied to image and mask together. Colour, image only: a
hue rotation (in YIQ space), contrast about the crop's mean and a brightness shift, folded into one affine
map of the RGB values that ``cv2.transform`` applies in a single pass. A few OpenCV calls per crop cost far
less than the dozens of small TensorFlow ops the same augmentation takes in a tf.data map.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

_RGB_TO_YIQ = np.array(
    [[0.299, 0.587, 0.114], [0.595716, -0.274453, -0.321263], [0.211456, -0.522591, 0.311135]]
)
_YIQ_TO_RGB = np.linalg.inv(_RGB_TO_YIQ)
_STREAM = 0x6A1  # separates this generator's stream from the crop choice's, for the same element seed


@dataclass(frozen=True)
class Jitter:
    """Colour jitter ranges: brightness ± delta (fraction of full scale), contrast × [1 − c, 1 + c],
    hue ± delta (fraction of a turn)."""

    brightness: float = 0.08
    contrast: float = 0.15
    hue: float = 0.02


def symmetry(array: np.ndarray, k: int) -> np.ndarray:
    """Symmetry ``k`` (0..7) of a square (H, W[, C]) array: bit 0 transposes, bit 1 flips left-right, bit 2
    flips up-down."""
    if k & 1:
        array = cv2.transpose(array)
    if k & 2:
        array = cv2.flip(array, 1)
    if k & 4:
        array = cv2.flip(array, 0)
    return array


def hue_matrix(turns: float) -> np.ndarray:
    """3×3 matrix that rotates the chroma of RGB column vectors by ``turns`` of a full turn."""
    angle = 2.0 * math.pi * turns
    cos, sin = math.cos(angle), math.sin(angle)
    rotation = np.array([[1.0, 0.0, 0.0], [0.0, cos, -sin], [0.0, sin, cos]])
    return _YIQ_TO_RGB @ rotation @ _RGB_TO_YIQ


def colour_map(image: np.ndarray, hue: float, contrast: float, brightness: float) -> np.ndarray:
    """The 3×4 affine map ``rgb ↦ contrast·H·(rgb − mean) + H·mean + brightness·255`` for ``cv2.transform``.

    ``H`` rotates the hue; the mean is the crop's per-channel mean, so contrast scales about it.
    """
    h = hue_matrix(hue)
    mean = np.array(cv2.mean(image)[:3])
    linear = contrast * h
    offset = (1.0 - contrast) * (h @ mean) + brightness * 255.0
    return np.hstack([linear, offset[:, None]])


def augment(
    image: np.ndarray, mask: np.ndarray, seed: Sequence[int], jitter: Jitter
) -> tuple[np.ndarray, np.ndarray]:
    """A random symmetry of a square (S, S, 3) uint8 image and its (S, S) or (S, S, 1) uint8 mask, then colour
    jitter of the image; ``seed`` is the element's seed."""
    rng = np.random.default_rng([int(s) & 0x7FFFFFFFFFFFFFFF for s in seed] + [_STREAM])
    k = int(rng.integers(8))
    hue, contrast, brightness = rng.uniform(-1.0, 1.0, 3) * (jitter.hue, jitter.contrast, jitter.brightness)
    image = symmetry(np.ascontiguousarray(image), k)
    mask = symmetry(np.ascontiguousarray(mask.reshape(mask.shape[:2])), k)
    image = cv2.transform(image, colour_map(image, hue, 1.0 + contrast, brightness))
    return image, mask


def augment_batch(
    images: np.ndarray, masks: np.ndarray, indices: Sequence[int], seed: int, jitter: Jitter
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`augment` for each crop of a batch (N, S, S, 3) / (N, S, S), element seeds ``(seed, index)``."""
    out_images, out_masks = np.empty_like(images), np.empty_like(masks)
    for n, index in enumerate(indices):
        out_images[n], out_masks[n] = augment(images[n], masks[n], (seed, int(index)), jitter)
    return out_images, out_masks
