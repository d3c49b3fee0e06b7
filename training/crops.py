"""Choosing a training crop from the ships' runs, and the crop's mask, before any pixel is decoded.

The window is chosen from the RLE alone (a random ship pixel, or anywhere), so the JPEG decoder only has to
produce that window. Images of another size than the 768×768 frame are brought to it (masks with nearest
neighbour) and the window is chosen in frame coordinates.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from shipviewer.airbus import rle as rle_codec

from .sizes import FRAME

SEPARATOR = ";"


def join_ships(ships: Sequence[str]) -> str:
    """All ships of an image in one string (RLE strings hold only digits and spaces)."""
    return SEPARATOR.join(ships)


def split_ships(joined: str) -> list[str]:
    return joined.split(SEPARATOR) if joined else []


def _random_ship_pixel(
    ships: Sequence[str], height: int, width: int, rng: np.random.Generator
) -> tuple[int, int]:
    """(row, column) of a pixel drawn uniformly from all ship pixels, from the runs alone."""
    runs = [rle_codec.parse_runs(s, (height, width)) for s in ships]
    starts = np.concatenate([r[0] for r in runs])
    lengths = np.concatenate([r[1] for r in runs])
    pick = int(rng.integers(int(lengths.sum())))
    run = int(np.searchsorted(np.cumsum(lengths), pick, side="right"))
    flat = int(starts[run]) + pick - int(lengths[:run].sum())
    column, row = divmod(flat, height)  # pixels are numbered down each column
    return row, column


def choose_window(
    ships: Sequence[str],
    height: int,
    width: int,
    crop: int,
    rng: np.random.Generator,
    ship_bias: float,
    frame: int = FRAME,
) -> tuple[int, int]:
    """(top, left) of a ``crop``×``crop`` window in the frame: with probability ``ship_bias`` (when the image
    has ships) around a random ship pixel, give or take a quarter crop; otherwise uniformly anywhere."""
    span = frame - crop
    has_ship = any(ships)
    if has_ship and rng.random() < ship_bias:
        row, column = _random_ship_pixel([s for s in ships if s], height, width, rng)
        row, column = row * frame // height, column * frame // width
        jitter = rng.integers(-(crop // 4), crop // 4 + 1, size=2)
        top = int(np.clip(row - crop // 2 + jitter[0], 0, span))
        left = int(np.clip(column - crop // 2 + jitter[1], 0, span))
        return top, left
    top, left = rng.integers(0, span + 1, size=2)
    return int(top), int(left)


def seam_pixels(labels: np.ndarray, seam: int) -> np.ndarray:
    """The pixels of each ship within ``seam`` px (a square) of another ship: where touching ships meet.

    ``labels`` is an int label image (0 = sea). A max filter and a min filter over the ships' labels differ
    from a pixel's own label exactly when another ship lies in its window."""
    if seam <= 0:
        return np.zeros(labels.shape, bool)
    kernel = np.ones((2 * seam + 1, 2 * seam + 1), np.uint8)
    values = labels.astype(np.float32)  # labels are small integers: exact in float32
    highest = cv2.dilate(values, kernel)
    lowest = cv2.erode(np.where(labels > 0, values, np.float32(1e9)), kernel)
    return (labels > 0) & ((highest != values) | (lowest != values))


def window_mask(
    ships: Sequence[str],
    height: int,
    width: int,
    top: int,
    left: int,
    crop: int,
    frame: int = FRAME,
    seam: int = 0,
) -> np.ndarray:
    """uint8 (crop, crop) mask of the window (1 = ship), built with the codec's one-pass union; with
    ``seam``, touching ships' pixels within ``seam`` px of each other are left out (:func:`seam_pixels`)."""
    if seam > 0 and len(ships) > 1:
        labels = rle_codec.label_image(list(ships), (height, width), allow_overlap=True)
        mask = ((labels > 0) & ~seam_pixels(labels, seam)).astype(np.uint8)
    else:
        mask = rle_codec.masks_as_image(ships, (height, width))
    if (height, width) != (frame, frame):
        mask = cv2.resize(
            np.ascontiguousarray(mask, dtype=np.uint8), (frame, frame), interpolation=cv2.INTER_NEAREST
        )
    return np.ascontiguousarray(mask[top : top + crop, left : left + crop], dtype=np.uint8)


def sample(
    joined: bytes | str,
    height: int,
    width: int,
    seed: Sequence[int],
    crop: int,
    ship_bias: float,
    frame: int = FRAME,
    seam: int = 0,
) -> tuple[np.int32, np.int32, np.ndarray]:
    """(top, left, uint8 mask) of one element's crop: the window drawn from ``seed``, the mask from RLE."""
    text = joined.decode("ascii") if isinstance(joined, bytes) else joined
    ships = split_ships(text)
    rng = np.random.default_rng([int(s) & 0x7FFFFFFFFFFFFFFF for s in seed])
    height, width = int(height), int(width)
    top, left = choose_window(ships, height, width, crop, rng, ship_bias, frame)
    mask = window_mask(ships, height, width, top, left, crop, frame, seam)
    return np.int32(top), np.int32(left), mask


def sample_group(
    joined: Sequence[bytes],
    heights: Sequence[int],
    widths: Sequence[int],
    indices: Sequence[int],
    seed: int,
    crop: int,
    ship_bias: float,
    frame: int = FRAME,
    seam: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`sample` for a group of elements in one call: (tops, lefts, masks (N, crop, crop))."""
    results = [
        sample(j, h, w, (seed, i), crop, ship_bias, frame, seam)
        for j, h, w, i in zip(joined, heights, widths, indices)
    ]
    if not results:
        return np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros((0, crop, crop), np.uint8)
    tops, lefts, masks = zip(*results)
    return np.array(tops, np.int32), np.array(lefts, np.int32), np.stack(masks)
