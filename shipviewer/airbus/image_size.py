"""An image's height and width from its header (JPEG, PNG), without decoding the pixels."""

from __future__ import annotations

import os
from pathlib import Path

from shipviewer.airbus.image_header import header_size

__all__ = ["image_size"]

_HEAD_BYTES = 64 * 1024


def image_size(path: str | os.PathLike[str]) -> tuple[int, int]:
    """(height, width) of an image file: read from a JPEG or PNG header, else by decoding the file.

    Raises :class:`shipviewer.airbus.images.ImageError` for a file that is not a readable image.
    """
    path = Path(path)
    try:
        with path.open("rb") as handle:
            head = handle.read(_HEAD_BYTES)
    except OSError:
        head = b""
    _, size = header_size(head)
    if size is not None and min(size) > 0:
        return size
    from shipviewer.airbus.images import read_image

    image = read_image(path)
    return int(image.shape[0]), int(image.shape[1])
