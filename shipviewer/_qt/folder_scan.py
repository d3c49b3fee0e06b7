"""Feeding a folder scan into the catalog without ever holding the UI thread for long.

The scan thread finds 100,000 names in about a second; adding them to the catalog (and to the list
view) all at once would freeze the window for as long. Found paths are buffered here and added a
chunk per event-loop pass, so paints, clicks and the first image's load interleave with them.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

from shipviewer._qt.workers import ScanThread
from shipviewer.viewer.catalog import Catalog

CHUNK = 2048  # paths added to the catalog per event-loop pass


class FolderScanner(QObject):
    started = Signal()
    finished = Signal(int, float, object)  # images found, seconds, list[str] of paths that could not be read

    def __init__(
        self, catalog: Catalog, mark_problem: Callable[[int, str], None], parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.catalog = catalog
        self.mark_problem = mark_problem
        self._thread: ScanThread | None = None
        self._pending: deque[str] = deque()
        self._bad: dict[str, str] = {}  # found unusable before the catalog holds them
        self._problems: list[str] = []
        self._found = 0
        self._thread_done = True
        self._started = 0.0
        self._timer = QTimer(self)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._ingest)

    @property
    def active(self) -> bool:
        """A scan is running, or its results are still being added."""
        return not self._thread_done or bool(self._pending)

    def start(self, paths: list[str]) -> None:
        self.stop()
        self._pending.clear()
        self._bad.clear()
        self._problems = []
        self._found = 0
        self._thread_done = False
        self._started = time.monotonic()
        thread = ScanThread(paths, self)
        # Results already queued by a scan since replaced must not reach the catalog.
        thread.found.connect(lambda images, problems: self._on_found(thread, images, problems))
        thread.checked.connect(lambda bad: self._on_checked(thread, bad))
        thread.finished_scan.connect(lambda found, _cancelled: self._on_done(thread, found))
        self._thread = thread
        thread.start()
        self.started.emit()

    def stop(self) -> None:
        """Cancel the scan and wait for its thread; nothing more is added."""
        self._timer.stop()
        self._pending.clear()
        self._thread_done = True
        self._started = 0.0
        thread, self._thread = self._thread, None
        if thread is not None:
            for signal in (thread.found, thread.checked, thread.finished_scan):
                signal.disconnect()
            thread.requestInterruption()
            thread.wait()
            thread.deleteLater()

    def _on_found(self, thread: ScanThread, images: list[str], problems: list[str]) -> None:
        if thread is not self._thread:
            return
        self._problems += problems
        self._pending.extend(images)
        if not len(self.catalog):
            self._ingest()  # the first few at once: the first image should not wait
        if self._pending and not self._timer.isActive():
            self._timer.start()

    def _ingest(self) -> None:
        chunk = [self._pending.popleft() for _ in range(min(CHUNK, len(self._pending)))]
        if chunk:
            self.catalog.extend(chunk)
            if self._bad:
                for path in chunk:
                    reason = self._bad.pop(path, None)
                    if reason:
                        self.mark_problem(self.catalog.index_of(path), reason)
        if not self._pending:
            self._timer.stop()
            self._maybe_finish()

    def _on_checked(self, thread: ScanThread, bad: list[tuple[str, str]]) -> None:
        if thread is not self._thread:
            return
        for path, reason in bad:
            index = self.catalog.index_of(path)
            if index >= 0:
                self.mark_problem(index, reason)
            else:
                self._bad[path] = reason

    def _on_done(self, thread: ScanThread, found: int) -> None:
        if thread is not self._thread:
            return
        self._thread = None
        thread.wait()
        thread.deleteLater()
        self._thread_done = True
        self._found = found
        self._maybe_finish()

    def _maybe_finish(self) -> None:
        if self._thread_done and not self._pending and self._thread is None and self._started:
            self._started, seconds = 0.0, time.monotonic() - self._started
            self.finished.emit(self._found, seconds, list(self._problems))
