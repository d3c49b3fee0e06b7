"""An image's kind and size from the first bytes of its file (JPEG, PNG), without decoding pixels."""

from __future__ import annotations

import struct

__all__ = ["JPEG_EOI", "JPEG_SOI", "PNG_IEND", "PNG_SIGNATURE", "header_size", "jpeg_size", "png_size"]

JPEG_SOI = b"\xff\xd8"
JPEG_EOI = b"\xff\xd9"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_IEND = b"IEND"
# Start-of-frame markers: C0-CF except C4 (Huffman tables), C8 (reserved) and CC (arithmetic coding).
_SOF_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def jpeg_size(head: bytes) -> tuple[int, int] | None:
    """(height, width) from the first start-of-frame segment, walking the marker segments."""
    i = 2
    while i + 4 <= len(head):
        if head[i] != 0xFF:
            return None
        marker = head[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD8)):  # markers without a length
            i += 2
            continue
        (length,) = struct.unpack(">H", head[i + 2 : i + 4])
        if marker in _SOF_MARKERS:
            if i + 9 > len(head):
                return None
            height, width = struct.unpack(">HH", head[i + 5 : i + 9])
            return height, width
        if marker == 0xDA:  # start of scan before any frame header
            return None
        i += 2 + length
    return None


def png_size(head: bytes) -> tuple[int, int] | None:
    if len(head) < 24 or head[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", head[16:24])
    return height, width


def header_size(head: bytes) -> tuple[str, tuple[int, int] | None]:
    """("jpeg" | "png" | "", (height, width) or None) from a file's first bytes."""
    if head.startswith(JPEG_SOI):
        return "jpeg", jpeg_size(head)
    if head.startswith(PNG_SIGNATURE):
        return "png", png_size(head)
    return "", None
