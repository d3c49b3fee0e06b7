"""Cheap checks of image files before training: present, a JPEG or PNG, not truncated, and its size.

Only the header and the last bytes are read, so the 190 000 files of the real set are checked in seconds;
TensorFlow would otherwise stop a whole epoch on the first unreadable file.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from pathlib import Path

_JPEG_SOI = b"\xff\xd8"
_JPEG_EOI = b"\xff\xd9"
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_IEND = b"IEND"
# Start-of-frame markers: C0-CF except C4 (Huffman tables), C8 (reserved) and CC (arithmetic coding).
_SOF_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_HEAD_BYTES = 256 * 1024
_TAIL_BYTES = 64


@dataclass(frozen=True)
class ImageInfo:
    """What :func:`probe` learned: ``problem`` is '' for a usable file, else why it is skipped."""

    path: Path
    height: int = 0
    width: int = 0
    kind: str = ""  # "jpeg" or "png"
    problem: str = ""

    @property
    def ok(self) -> bool:
        return not self.problem


def _jpeg_size(head: bytes) -> tuple[int, int] | None:
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


def _png_size(head: bytes) -> tuple[int, int] | None:
    if len(head) < 24 or head[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", head[16:24])
    return height, width


def probe(path: str | os.PathLike[str]) -> ImageInfo:
    """Check one image file from its header and tail; never raises for a bad file."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            head = handle.read(_HEAD_BYTES)
            size = handle.seek(0, os.SEEK_END)
            handle.seek(max(size - _TAIL_BYTES, 0))
            tail = handle.read()
    except FileNotFoundError:
        return ImageInfo(path, problem="missing")
    except OSError as exc:
        return ImageInfo(path, problem=f"unreadable ({exc.strerror or exc})")
    if not head:
        return ImageInfo(path, problem="empty file")
    if head.startswith(_JPEG_SOI):
        kind, shape, complete = "jpeg", _jpeg_size(head), _JPEG_EOI in tail
    elif head.startswith(_PNG_SIGNATURE):
        kind, shape, complete = "png", _png_size(head), _PNG_IEND in tail
    else:
        return ImageInfo(path, problem="not a JPEG or PNG image")
    if shape is None or min(shape) < 1:
        return ImageInfo(path, kind=kind, problem=f"corrupt {kind.upper()} header")
    if not complete:
        return ImageInfo(path, shape[0], shape[1], kind, problem="truncated file")
    return ImageInfo(path, shape[0], shape[1], kind)
