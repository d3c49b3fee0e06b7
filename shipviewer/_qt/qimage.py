"""numpy arrays ↔ QImage without surprises: explicit formats, strides, and buffer ownership."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage, QPixmap


def rgb_to_qimage(rgb: np.ndarray) -> QImage:
    """A QImage that owns a copy of an (H, W, 3) uint8 RGB array."""
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    h, w = rgb.shape[:2]
    return QImage(rgb.data, w, h, rgb.strides[0], QImage.Format.Format_RGB888).copy()


def rgb_to_pixmap(rgb: np.ndarray) -> QPixmap:
    return QPixmap.fromImage(rgb_to_qimage(rgb))


def bgra_view(buffer: np.ndarray) -> QImage:
    """A premultiplied ARGB32 QImage *over* an (H, W, 4) uint8 BGRA buffer (no copy).

    The caller keeps ``buffer`` alive as long as the image, and may change its pixels in place.
    """
    if buffer.dtype != np.uint8 or buffer.ndim != 3 or buffer.shape[2] != 4 or not buffer.flags.c_contiguous:
        raise ValueError(f"expected a C-ordered (H, W, 4) uint8 buffer, got {buffer.dtype} {buffer.shape}")
    h, w = buffer.shape[:2]
    return QImage(buffer.data, w, h, buffer.strides[0], QImage.Format.Format_ARGB32_Premultiplied)
