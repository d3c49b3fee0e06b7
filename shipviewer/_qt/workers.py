"""Background work: folder scans, image loads and model inference, never on the UI thread.

Results come back as Qt signals, which Qt queues onto the UI thread. Every worker can be cancelled and
waited for, so closing a window (or ending a test) leaves no thread behind.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QRunnable, QThread, QThreadPool, Signal

from shipviewer.airbus.images import ImageError, read_image
from shipviewer.model.inference import InferenceSession, ModelError
from shipviewer.model.lru import ByteLRU
from shipviewer.model.prob_cache import ProbabilityCache, image_key, quantize
from shipviewer.viewer.scan import scan, sniff_image
from shipviewer.viewer.ship_labels import labels_from_levels, refined_ships
from shipviewer.viewer.work_queue import WorkQueue

__all__ = [
    "InferenceThread",
    "PredictFailure",
    "PredictJob",
    "PredictResult",
    "ScanThread",
    "TaskRunner",
    "describe_error",
]


def describe_error(exc: BaseException) -> str:
    """One line for a user: our own errors already name the file; others get their type."""
    if isinstance(exc, (ImageError, ModelError)):
        return str(exc)
    if isinstance(exc, OSError):
        name = f"{exc.filename}: " if exc.filename else ""
        if isinstance(exc, FileNotFoundError):
            return f"{name}no such file (deleted?)"
        if isinstance(exc, PermissionError):
            return f"{name}cannot be read (permission denied)"
        return f"{name}{exc.strerror or exc}"
    return f"{type(exc).__name__}: {exc}"


def lower_priority() -> None:
    """Make the calling thread yield the CPU to the UI thread (and so do threads it starts).

    On Linux a thread's nice value is its own, and threads inherit it from their creator, so a model
    opened here gets an onnxruntime thread pool that also yields. Elsewhere Qt's priority is used.
    """
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
        return
    thread = QThread.currentThread()
    if thread is not None:
        thread.setPriority(QThread.Priority.LowPriority)


def default_threads() -> int:
    """Inference threads: every core but one, which stays with the UI."""
    return max(1, (os.cpu_count() or 2) - 1)


# --- functions on a thread pool -------------------------------------------------------------------------
class _Relay(QObject):
    done = Signal(object)
    failed = Signal(object)


class _Task(QRunnable):
    def __init__(self, fn: Callable[[], Any], relay: _Relay, background: bool) -> None:
        super().__init__()
        self._fn = fn
        self._relay = relay
        self._background = background

    def run(self) -> None:
        try:
            if self._background:
                lower_priority()
            result = self._fn()
        except Exception as exc:  # handed to the UI thread, which decides how to tell the user
            if not isinstance(exc, (ImageError, ModelError, OSError)) and not getattr(exc, "quiet", False):
                traceback.print_exc(file=sys.stderr)
            self._relay.failed.emit(exc)
        else:
            self._relay.done.emit(result)


class TaskRunner(QObject):
    """Runs plain functions on its own thread pool; callbacks run on the UI thread.

    ``background`` runs them at a lower priority than the UI (see :func:`lower_priority`).
    """

    def __init__(self, max_threads: int, parent: QObject | None = None, *, background: bool = True) -> None:
        super().__init__(parent)
        self.background = background
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max(1, max_threads))
        self._relays: set[_Relay] = set()
        self.closed = False

    def submit(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[BaseException], None] | None = None,
        priority: int = 0,
    ) -> None:
        if self.closed:
            return
        relay = _Relay()
        self._relays.add(relay)

        def finish(callback: Callable[[Any], None] | None, value: Any) -> None:
            self._relays.discard(relay)
            if callback is not None and not self.closed:
                callback(value)

        relay.done.connect(lambda value: finish(on_done, value))
        relay.failed.connect(lambda exc: finish(on_error, exc))
        self.pool.start(_Task(fn, relay, self.background), priority)

    def wait(self, msecs: int = 30000) -> bool:
        """Stop: drop tasks not started, wait for running ones; no callback runs after this."""
        self.closed = True
        self.pool.clear()
        return self.pool.waitForDone(msecs)


# --- folder scan ----------------------------------------------------------------------------------------
class ScanThread(QThread):
    """Walks folders (``found`` batches as they come), then sniffs every file found (``checked``)."""

    found = Signal(object, object)  # list[str] images, list[str] problems
    checked = Signal(object)  # list[tuple[str, str]]: (path, reason) of files that are not images
    finished_scan = Signal(int, bool)  # images found, cancelled

    def __init__(
        self, paths: Sequence[str], parent: QObject | None = None, *, recursive: bool = True
    ) -> None:
        super().__init__(parent)
        self.paths = list(paths)
        self.recursive = recursive

    def run(self) -> None:
        lower_priority()
        stop = self.isInterruptionRequested
        found: list[str] = []
        for batch in scan(self.paths, recursive=self.recursive, cancelled=stop):
            found.extend(batch.images)
            self.found.emit(batch.images, batch.problems)
        bad: list[tuple[str, str]] = []
        last = time.monotonic()
        for path in found:
            if stop():
                break
            reason = sniff_image(path)
            if reason:
                bad.append((path, reason))
            if bad and time.monotonic() - last > 0.2:
                self.checked.emit(bad)
                bad, last = [], time.monotonic()
        if bad:
            self.checked.emit(bad)
        self.finished_scan.emit(len(found), stop())


# --- inference ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PredictJob:
    index: int
    path: str
    generation: int  # the model switch count when queued; results of an older model are dropped
    session: InferenceSession
    model_id: str


@dataclass(frozen=True)
class PredictResult:
    index: int
    path: str
    generation: int
    levels: np.ndarray  # uint8 probability map (all zeros where the ship/no-ship gate said no ship)
    n_ships: int  # at the thresholds in force when it was computed
    ms: float | None  # model time; None when the map came from the cache
    ship_probability: float | None = None  # a gated model's ship/no-ship output; None: no gate, or cached
    # A model that refines outlines: its ships at ``params`` (threshold, min size), refined in this thread.
    ships: tuple[str, ...] | None = None
    params: tuple[float, int] | None = None


@dataclass(frozen=True)
class PredictFailure:
    index: int
    path: str
    generation: int
    message: str
    model_error: bool


def image_pixels(images: ByteLRU[str, np.ndarray], path: str) -> np.ndarray:
    """An image's pixels from the image cache, else read from its file and kept there (any thread: the
    cache locks)."""
    key = image_key(path, "")
    rgb = images.get(key)
    if rgb is None:
        rgb = read_image(path)
        images.put(key, rgb)
    return rgb


class InferenceThread(QThread):
    """Takes jobs from a :class:`WorkQueue` one at a time: cached map, or read image → model → cache.

    onnxruntime uses its own threads inside one run; one job at a time keeps the machine responsive.
    """

    predicted = Signal(object)  # PredictResult
    failed = Signal(object)  # PredictFailure

    def __init__(
        self,
        queue: WorkQueue[PredictJob],
        cache: ProbabilityCache,
        images: ByteLRU[str, np.ndarray],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.queue = queue
        self.cache = cache
        self.images = images
        self.params: tuple[float, int] = (0.5, 20)  # threshold, min_size; replaced whole from the UI thread
        self.ship_probabilities: dict[str, float] = {}  # cache key → the gate's output (this thread only)

    def run(self) -> None:
        lower_priority()
        while not self.isInterruptionRequested():
            job = self.queue.get(timeout=0.2)
            if job is not None:
                self._predict(job)

    def _predict(self, job: PredictJob) -> None:
        try:
            key = image_key(job.path, job.model_id)
            levels = self.cache.get(key)
            ms = None
            ship = self.ship_probabilities.get(key)
            if levels is None:
                rgb = image_pixels(self.images, job.path)
                start = time.perf_counter()
                # Gated: an image the model's ship/no-ship output rejects gets an empty map and costs only
                # the encoder (see InferenceSession.analyse); a model without the gate passes every image.
                analysis = job.session.analyse(rgb)
                levels = quantize(analysis.probability)
                ms = (time.perf_counter() - start) * 1000.0
                self.cache.put(key, levels)
                ship = analysis.ship_probability
                if ship is not None:
                    self.ship_probabilities[key] = ship
            threshold, min_size = self.params
            ships: tuple[str, ...] | None = None
            if job.session.refine:  # the outlines come from the pixels, here rather than in the window
                meta = job.session.metadata
                ships = tuple(
                    refined_ships(
                        levels,
                        image_pixels(self.images, job.path),
                        threshold,
                        min_size,
                        split_touching=meta.split_touching,
                        seam=meta.seam,
                    )
                )
                n_ships = len(ships)
            else:
                _, n_ships = labels_from_levels(levels, threshold, min_size)
        except Exception as exc:
            if not isinstance(exc, (ImageError, ModelError, OSError)):
                traceback.print_exc(file=sys.stderr)
            failure = PredictFailure(
                job.index, job.path, job.generation, describe_error(exc), isinstance(exc, ModelError)
            )
            self.failed.emit(failure)
            return
        self.predicted.emit(
            PredictResult(
                job.index,
                job.path,
                job.generation,
                levels,
                n_ships,
                ms,
                ship,
                ships,
                (threshold, min_size) if ships is not None else None,
            )
        )
