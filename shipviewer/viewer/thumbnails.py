"""Small previews of image files, decoded at reduced size where the format allows (JPEG); Qt-free."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from shipviewer.airbus.images import as_rgb_uint8, read_image

__all__ = ["read_thumbnail"]


def read_thumbnail(path: str | os.PathLike[str], max_side: int = 96) -> np.ndarray:
    """(h, w, 3) uint8 RGB no larger than ``max_side``; raises :class:`ImageError` naming the file.

    JPEGs are decoded by libjpeg at 1/2, 1/4 or 1/8 scale, several times faster than a full decode.
    """
    import cv2

    path = Path(path)
    if path.suffix.lower() in (".jpg", ".jpeg"):
        try:
            data = np.fromfile(path, dtype=np.uint8)
        except OSError:
            data = None  # read_image below gives the precise message
        if data is not None and data.size:
            image = cv2.imdecode(data, cv2.IMREAD_REDUCED_COLOR_8)
            if image is not None and max(image.shape[:2]) >= max_side:
                rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
                return _shrink(as_rgb_uint8(rgb), max_side)
    return _shrink(read_image(path), max_side)


def _shrink(rgb: np.ndarray, max_side: int) -> np.ndarray:
    import cv2

    h, w = rgb.shape[:2]
    scale = max_side / max(h, w)
    if scale >= 1.0:
        return np.ascontiguousarray(rgb)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
