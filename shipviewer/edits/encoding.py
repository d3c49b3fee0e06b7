"""RLE of one ship from a box of the label image, without building a full-frame mask.

After a stroke only the ships it touched are encoded again, each inside its own box: the cost follows
the ship, not the image (``rle.encode`` of a full 4096×4096 mask would read 16 MB per ship).
"""

from __future__ import annotations

import numpy as np

from shipviewer.airbus import rle as rle_codec
from shipviewer.edits.undo import Box

__all__ = ["encode_in_box"]


def encode_in_box(mask: np.ndarray, box: Box, frame_height: int) -> str:
    """The canonical RLE of a ship given as ``mask`` (bool, the pixels of ``box``) in a frame whose
    height is ``frame_height``; equal to ``rle.encode`` of the full-frame mask."""
    h, w = mask.shape
    if (h, w) != (box.height, box.width):
        raise ValueError(f"mask shape {mask.shape} does not match box {box}")
    if h == 0 or w == 0:
        return ""
    stride = h + 2
    # Each column padded with a False pixel above and below, so no run crosses into the next column.
    padded = np.zeros((w, stride), dtype=bool)
    padded[:, 1:-1] = mask.T
    flat = padded.reshape(-1)
    edges = np.flatnonzero(flat[1:] != flat[:-1]).reshape(-1, 2)
    if edges.size == 0:
        return ""
    first = edges[:, 0] + 1  # padded index of each run's first pixel
    column, row = np.divmod(first, stride)
    starts = (box.x0 + column) * frame_height + box.y0 + row - 1
    lengths = edges[:, 1] - edges[:, 0]
    if h == frame_height and len(starts) > 1:
        # The box spans whole columns: a run ending at the bottom continues at the next column's top.
        ends = starts + lengths
        breaks = np.flatnonzero(starts[1:] != ends[:-1])
        keep_first = np.concatenate(([0], breaks + 1))
        keep_last = np.concatenate((breaks, [len(ends) - 1]))
        starts, lengths = starts[keep_first], ends[keep_last] - starts[keep_first]
    return rle_codec.runs_to_string(starts, lengths)
