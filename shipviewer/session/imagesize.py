"""An image's height and width from its header (JPEG, PNG), without decoding the pixels."""

from __future__ import annotations

import os
import struct
from pathlib import Path

__all__ = ["image_size"]

_SOF_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_HEAD_BYTES = 64 * 1024


def _jpeg_size(head: bytes) -> tuple[int, int] | None:
    i = 2
    while i + 4 <= len(head):
        if head[i] != 0xFF:
            return None
        marker = head[i + 1]
        if marker == 0xFF:
            i += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD8)):
            i += 2
            continue
        (length,) = struct.unpack(">H", head[i + 2 : i + 4])
        if marker in _SOF_MARKERS:
            if i + 9 > len(head):
                return None
            height, width = struct.unpack(">HH", head[i + 5 : i + 9])
            return height, width
        if marker == 0xDA:
            return None
        i += 2 + length
    return None


def image_size(path: str | os.PathLike[str]) -> tuple[int, int]:
    """(height, width) of an image file: read from a JPEG or PNG header, else by decoding the file.

    Raises :class:`shipviewer.images.ImageError` for a file that is not a readable image.
    """
    path = Path(path)
    try:
        with path.open("rb") as handle:
            head = handle.read(_HEAD_BYTES)
    except OSError:
        head = b""
    size: tuple[int, int] | None = None
    if head.startswith(b"\xff\xd8"):
        size = _jpeg_size(head)
    elif head.startswith(b"\x89PNG\r\n\x1a\n") and head[12:16] == b"IHDR":
        width, height = struct.unpack(">II", head[16:24])
        size = (height, width)
    if size is not None and min(size) > 0:
        return size
    from ..images import read_image

    image = read_image(path)
    return int(image.shape[0]), int(image.shape[1])
