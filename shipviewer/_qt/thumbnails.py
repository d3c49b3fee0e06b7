"""List thumbnails made on a background thread and kept in a byte-bounded cache.

Only rows the list paints ask for thumbnails. Requests are served newest first, and only the most
recent few hundred are kept wanted, so scrolling through 100,000 rows never builds a backlog.
"""

from __future__ import annotations

from collections import OrderedDict

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QPixmap

from shipviewer._qt.qimage import rgb_to_pixmap
from shipviewer._qt.workers import TaskRunner, describe_error
from shipviewer.model.lru import ByteLRU
from shipviewer.viewer.thumbnails import read_thumbnail

MAX_WANTED = 256


class _SkippedError(Exception):
    """A request nobody waits for any more."""

    quiet = True


class ThumbnailLoader(QObject):
    ready = Signal(str)  # path whose thumbnail is now cached
    failed = Signal(str, str)  # path, why it cannot be read

    def __init__(self, size: int = 64, max_bytes: int = 48 << 20, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.size = size
        self.cache: ByteLRU[str, QPixmap] = ByteLRU(
            max_bytes, sizeof=lambda p: p.width() * p.height() * 4 + 64
        )
        self._runner = TaskRunner(1, self)
        self._wanted: OrderedDict[str, None] = OrderedDict()
        self._order = 0
        self._closed = False

    def get(self, path: str) -> QPixmap | None:
        """The cached thumbnail, or None after asking for it (``ready`` follows)."""
        pixmap = self.cache.get(path)
        if pixmap is None:
            self.request(path)
        return pixmap

    def request(self, path: str) -> None:
        if self._closed or path in self._wanted:
            return
        self._wanted[path] = None
        while len(self._wanted) > MAX_WANTED:
            self._wanted.popitem(last=False)
        self._order += 1
        self._runner.submit(
            lambda: self._load(path),
            lambda rgb: self._on_loaded(path, rgb),
            lambda exc: self._on_failed(path, exc),
            priority=self._order,
        )

    def _load(self, path: str) -> object:
        if self._closed or path not in self._wanted:
            raise _SkippedError
        return read_thumbnail(path, self.size)

    def _on_loaded(self, path: str, rgb: object) -> None:
        self._wanted.pop(path, None)
        if self._closed:
            return
        self.cache.put(path, rgb_to_pixmap(rgb))  # type: ignore[arg-type]
        self.ready.emit(path)

    def _on_failed(self, path: str, exc: BaseException) -> None:
        if isinstance(exc, _SkippedError):
            return
        self._wanted.pop(path, None)
        if not self._closed:
            self.failed.emit(path, describe_error(exc))

    def clear(self) -> None:
        self._wanted.clear()
        self.cache.clear()

    def close(self) -> None:
        self._closed = True
        self._wanted.clear()
        self._runner.wait()
