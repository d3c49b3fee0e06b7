"""The viewer's own icons (hand-drawn SVGs in ``resources/icons``), loaded once."""

from __future__ import annotations

import functools

from PySide6.QtCore import QSize
from PySide6.QtGui import QIcon, QPixmap


@functools.cache
def icon(name: str) -> QIcon:
    """``resources/icons/NAME.svg`` as an icon; an empty icon when the file is missing."""
    from resources import icons_dir

    path = icons_dir() / f"{name}.svg"
    return QIcon(str(path)) if path.is_file() else QIcon()


@functools.cache
def pixmap(name: str, size: int) -> QPixmap:
    return icon(name).pixmap(QSize(size, size))
