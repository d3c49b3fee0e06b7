"""The model and everything that runs it: loading off the UI thread, a prioritised queue, "predict all".

Priorities: the image on screen first, then the next few (predicted ahead while the user looks), then
a "predict all" run. Results of a model that has since been replaced, or of a folder since closed, are
dropped by their generation number.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal

from shipviewer._qt.workers import (
    InferenceThread,
    PredictFailure,
    PredictJob,
    PredictResult,
    TaskRunner,
    default_threads,
    describe_error,
)
from shipviewer.model.inference import InferenceSession
from shipviewer.model.lru import ByteLRU
from shipviewer.model.prob_cache import ProbabilityCache, image_key, model_identity
from shipviewer.viewer.work_queue import WorkQueue

CURRENT, AHEAD, ALL = 0, 1, 2
TTA_IDENTITY = "+flip-tta"  # a flip-TTA session's maps are another model's as far as the cache goes
RUN_GROUP = "all"
RUN_AHEAD = 16  # images of a "predict all" run in the queue at a time


class Predictor(QObject):
    model_loading = Signal(str)  # path
    model_loaded = Signal(object)  # InferenceSession
    model_failed = Signal(str, str)  # path, message
    predicted = Signal(object)  # PredictResult
    failed = Signal(object)  # PredictFailure
    run_progress = Signal(int, int, float)  # done, total, seconds left (nan: not known yet)
    run_finished = Signal(int, int, bool)  # done, total, cancelled

    def __init__(
        self,
        cache: ProbabilityCache,
        images: ByteLRU[str, np.ndarray],
        parent: QObject | None = None,
        *,
        threads: int | None = None,
    ) -> None:
        super().__init__(parent)
        self.cache = cache
        self.threads = threads or default_threads()
        self.session: InferenceSession | None = None
        self.model_id = ""
        self.generation = 0
        self.last_ms = math.nan
        self.queue: WorkQueue[PredictJob] = WorkQueue()
        self._thread = InferenceThread(self.queue, cache, images, self)
        self._thread.predicted.connect(self._on_predicted)
        self._thread.failed.connect(self._on_failed)
        self._thread.start()
        self._loader = TaskRunner(1, self)
        self._load_request = 0
        self._pending_load = False
        self._run: set[str] = set()  # paths of the "predict all" run in the queue or being predicted
        self._run_waiting: deque[tuple[int, str]] = deque()  # the rest of the run, not queued yet
        self._run_total = 0
        self._run_done = 0
        self._run_started = 0.0

    # --- the model -----------------------------------------------------------------------------------
    @property
    def loading(self) -> bool:
        """A model is being opened."""
        return self._pending_load

    def load_model(
        self, path: str | Path, device: str = "auto", *, tta: bool = False, refine: bool | None = None
    ) -> None:
        """Open a model in the background; on success it replaces the current one (``model_loaded``),
        on failure the current one stays (``model_failed``). With ``tta`` the session averages flipped
        maps, and its maps are cached under another identity than the plain ones. ``refine``: redraw
        outlines from the image (None: as the model's metadata says; the maps are the same either way)."""
        self._load_request += 1
        request, path = self._load_request, str(path)
        self._pending_load = True
        self.model_loading.emit(path)
        threads = self.threads

        def work() -> tuple[InferenceSession, str]:
            session = InferenceSession(path, device=device, threads=threads, tta=tta, refine=refine)
            return session, model_identity(path) + (TTA_IDENTITY if tta else "")

        self._loader.submit(
            work,
            lambda result: self._on_model(request, result),
            lambda exc: self._on_model_error(request, path, exc),
        )

    def _on_model(self, request: int, result: tuple[InferenceSession, str]) -> None:
        if request != self._load_request:
            return  # a later load superseded this one
        self._pending_load = False
        self.cancel_run()
        self.queue.clear()
        self.session, self.model_id = result
        self.generation += 1
        self.last_ms = math.nan
        self.model_loaded.emit(self.session)

    def _on_model_error(self, request: int, path: str, exc: BaseException) -> None:
        if request == self._load_request:
            self._pending_load = False
            self.model_failed.emit(path, describe_error(exc))

    def set_params(self, threshold: float, min_size: int) -> None:
        """Thresholds for the ship counts computed in the background."""
        self._thread.params = (threshold, min_size)

    # --- single images ---------------------------------------------------------------------------------
    def forget_queue(self) -> None:
        """A new folder: nothing queued so far is wanted, and results still on the way are dropped."""
        self.cancel_run()
        self.queue.clear()
        self.generation += 1

    def cached(self, path: str) -> np.ndarray | None:
        """The probability map of ``path`` under the current model if it is in memory (UI-thread safe)."""
        if self.session is None:
            return None
        try:
            return self.cache.get_memory(image_key(path, self.model_id))
        except OSError:
            return None

    def request(self, index: int, path: str, priority: int = CURRENT, group: str = "") -> bool:
        if self.session is None:
            return False
        job = PredictJob(index, path, self.generation, self.session, self.model_id)
        self.queue.put(path, job, priority, group)
        return True

    # --- predict all -----------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._run_total > 0

    def predict_all(self, items: Iterable[tuple[int, str]]) -> int:
        """Predict every (index, path) behind the interactive work; returns how many.

        Only a few are in the queue at a time (topped up as results come back), so starting a run over
        100,000 images costs the UI thread no more than making the list.
        """
        if self.session is None:
            return 0
        self.cancel_run()
        self._run_started = time.monotonic()
        self._run_done = 0
        self.extend_run(items)
        if not self._run_total:
            self.run_finished.emit(0, 0, False)
        return self._run_total

    def extend_run(self, items: Iterable[tuple[int, str]]) -> None:
        """Add images (found while the run goes on) to the run."""
        if self.session is None:
            return
        before = len(self._run_waiting)
        self._run_waiting.extend(items)
        self._run_total += len(self._run_waiting) - before
        self._top_up()
        self._emit_progress()

    def _top_up(self) -> None:
        while len(self._run) < RUN_AHEAD and self._run_waiting:
            index, path = self._run_waiting.popleft()
            if path in self._run:
                self._run_total -= 1
                continue
            self._run.add(path)
            self.request(index, path, ALL, RUN_GROUP)

    def cancel_run(self) -> None:
        if not self._run_total:
            return
        self.queue.discard_group(RUN_GROUP)
        done, total = self._run_done, self._run_total
        self._run.clear()
        self._run_waiting.clear()
        self._run_total = self._run_done = 0
        self.run_finished.emit(done, total, True)

    def _count_run(self, path: str) -> None:
        if path not in self._run:
            return
        self._run.discard(path)
        self._run_done += 1
        self._top_up()
        if self._run:
            self._emit_progress()
        else:
            done, total = self._run_done, self._run_total
            self._run_total = self._run_done = 0
            self.run_finished.emit(done, total, False)

    def _emit_progress(self) -> None:
        if not self._run_total:
            return
        elapsed = time.monotonic() - self._run_started
        done = self._run_done
        left = elapsed / done * (self._run_total - done) if done else math.nan
        self.run_progress.emit(done, self._run_total, left)

    # --- results ---------------------------------------------------------------------------------------
    def _on_predicted(self, result: PredictResult) -> None:
        if result.generation != self.generation:
            return
        if result.ms is not None:
            self.last_ms = result.ms
        self.predicted.emit(result)
        self._count_run(result.path)

    def _on_failed(self, failure: PredictFailure) -> None:
        if failure.generation != self.generation:
            return
        self.failed.emit(failure)
        self._count_run(failure.path)

    def shutdown(self) -> None:
        """Stop the worker threads and wait for them (the UI thread blocks for at most one inference)."""
        self._run.clear()
        self._run_waiting.clear()
        self._run_total = 0
        self.queue.close()
        self._thread.requestInterruption()
        self._thread.wait()
        self._loader.wait()
