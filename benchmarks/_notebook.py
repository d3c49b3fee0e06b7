"""The seed notebook's RLE code, re-written once as the reference the benchmarks measure against."""

from __future__ import annotations

import numpy as np

SHAPE = (768, 768)


def canonical_decode(mask_rle: str, shape: tuple[int, int] = SHAPE) -> np.ndarray:
    s = mask_rle.split()
    starts, lengths = (np.asarray(x, dtype=int) for x in (s[0:][::2], s[1:][::2]))
    starts -= 1
    ends = starts + lengths
    img = np.zeros(shape[0] * shape[1], dtype=np.uint8)
    for lo, hi in zip(starts, ends):
        img[lo:hi] = 1
    return img.reshape(shape[1], shape[0]).T


def canonical_encode(img: np.ndarray) -> str:
    pixels = img.T.flatten()
    pixels = np.concatenate([[0], pixels, [0]])
    runs = np.where(pixels[1:] != pixels[:-1])[0] + 1
    runs[1::2] -= runs[::2]
    return " ".join(str(x) for x in runs)


def canonical_masks_as_image(in_mask_list: list[str]) -> np.ndarray:
    all_masks = np.zeros(SHAPE, dtype=np.int16)
    for mask in in_mask_list:
        if isinstance(mask, str):
            all_masks += canonical_decode(mask)
    return all_masks
