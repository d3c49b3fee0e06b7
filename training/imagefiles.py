"""Cheap checks of image files before training: present, a JPEG or PNG, not truncated, and its size.

Only the header and the last bytes are read, so the 190 000 files of the real set are checked in seconds;
TensorFlow would otherwise stop a whole epoch on the first unreadable file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from shipviewer.airbus.image_header import JPEG_EOI, JPEG_SOI, PNG_IEND, PNG_SIGNATURE, jpeg_size, png_size

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
    if head.startswith(JPEG_SOI):
        kind, shape, complete = "jpeg", jpeg_size(head), JPEG_EOI in tail
    elif head.startswith(PNG_SIGNATURE):
        kind, shape, complete = "png", png_size(head), PNG_IEND in tail
    else:
        return ImageInfo(path, problem="not a JPEG or PNG image")
    if shape is None or min(shape) < 1:
        return ImageInfo(path, kind=kind, problem=f"corrupt {kind.upper()} header")
    if not complete:
        return ImageInfo(path, shape[0], shape[1], kind, problem="truncated file")
    return ImageInfo(path, shape[0], shape[1], kind)
