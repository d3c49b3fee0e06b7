"""Label images (int32, ship k → k) from a quantized probability map or from RLE strings.

``labels_from_levels`` is the viewer's fast path for re-thresholding: one transpose, one OpenCV
connected-components pass and one lookup. Ships are numbered exactly as
:func:`shipviewer.model.postprocess.probability_to_ships` lists them (by first pixel in the Airbus
column-major order), so label k of the view is row k of an exported CSV.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from shipviewer.airbus import rle as rle_codec
from shipviewer.model.prob_cache import dequantize, threshold_level

if TYPE_CHECKING:
    from shipviewer.model.outlines import OutlineCache

__all__ = ["labels_from_levels", "labels_from_rles", "refined_ships", "ship_areas"]


def labels_from_levels(
    levels: np.ndarray, threshold: float, min_size: int, connectivity: int = 8
) -> tuple[np.ndarray, int]:
    """(labels, count): C-ordered int32 (H, W) ships of a uint8 probability map (``round(p·255)``).

    A pixel is ship when its probability is above ``threshold`` (on the 1/255 grid); blobs smaller than
    ``min_size`` pixels are dropped.
    """
    import cv2

    if levels.dtype != np.uint8 or levels.ndim != 2:
        raise ValueError(f"expected a 2-D uint8 map, got {levels.dtype} {levels.shape}")
    if connectivity not in (4, 8):
        raise ValueError(f"connectivity must be 4 or 8, got {connectivity}")
    # Work on the transpose: its raster order is the column-major pixel order of the Airbus RLE.
    transposed = cv2.transpose(np.ascontiguousarray(levels))
    _, binary = cv2.threshold(transposed, threshold_level(threshold), 1, cv2.THRESH_BINARY)
    count, labels_t, stats, _ = cv2.connectedComponentsWithStats(
        binary, connectivity=connectivity, ltype=cv2.CV_32S
    )
    if count <= 1:
        return np.zeros(levels.shape, np.int32), 0
    ids = np.arange(1, count)
    keep = ids[stats[1:, cv2.CC_STAT_AREA] >= max(int(min_size), 1)]
    if keep.size == 0:
        return np.zeros(levels.shape, np.int32), 0
    # First pixel of each kept blob in raster order: its top row, leftmost column in that row.
    tops = stats[keep, cv2.CC_STAT_TOP]
    first_col = (labels_t[tops] == keep[:, None]).argmax(axis=1)
    order = keep[np.argsort(tops.astype(np.int64) * labels_t.shape[1] + first_col, kind="stable")]
    lut = np.zeros(count, np.int32)
    lut[order] = np.arange(1, order.size + 1, dtype=np.int32)
    return cv2.transpose(lut[labels_t]), int(order.size)


def refined_ships(
    levels: np.ndarray,
    image: np.ndarray,
    threshold: float,
    min_size: int,
    *,
    split_touching: bool = False,
    seam: int = 0,
    cache: OutlineCache | None = None,
) -> list[str]:
    """The ships of a uint8 probability map with each outline redrawn from ``image`` by GrabCut
    (:mod:`shipviewer.model.outlines`), as RLE strings in the Airbus order: what the viewer shows, counts
    and stores for a model that refines outlines. ``cache``: the image's outline cache."""
    from shipviewer.model.postprocess import probability_to_ships  # (OpenCV, on first use)

    return probability_to_ships(
        dequantize(levels),
        threshold,
        min_size,
        split_touching=split_touching,
        seam=seam,
        refine=True,
        image=image,
        outline_cache=cache,
    )


def labels_from_rles(rles: Sequence[str], shape: tuple[int, int]) -> np.ndarray:
    """C-ordered int32 label image of RLE strings (ship k of the list → k; later ships win overlaps).

    Raises :class:`shipviewer.airbus.rle.RLEError` for a malformed string or one that does not fit ``shape``.
    """
    return np.ascontiguousarray(rle_codec.label_image(rles, shape, allow_overlap=True))


def ship_areas(labels: np.ndarray, count: int | None = None) -> np.ndarray:
    """Pixels per label: ``areas[k]`` for ship k (``areas[0]`` is the background)."""
    n = int(labels.max()) + 1 if count is None else count + 1
    return np.bincount(labels.reshape(-1), minlength=n)
