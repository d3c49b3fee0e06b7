"""The callbacks of a training run and the run folder's files they write.

``best.keras`` and ``last.keras`` are written by ModelCheckpoint to a ``.partial.keras`` file and then
renamed, so Ctrl+C in the middle of a save never leaves a broken model. ``state.json`` records the epochs
done, which ``--resume`` reads to continue at the right epoch.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any

import keras

from shipviewer.airbus.annotations import atomic_write_text

from .curves import draw_curves, read_log

BEST, LAST = "best.keras", "last.keras"
LOG_CSV, CURVES_PNG, STATE_JSON, TENSORBOARD_DIR = "log.csv", "curves.png", "state.json", "tensorboard"


def partial_path(path: Path) -> Path:
    """Where a model is written before it is renamed into place (Keras wants a ``.keras`` suffix)."""
    return path.with_name(path.stem + ".partial.keras")


def discard_partials(out_dir: Path) -> None:
    for partial in (partial_path(out_dir / BEST), partial_path(out_dir / LAST)):
        partial.unlink(missing_ok=True)


def save_atomically(model: keras.Model, path: Path) -> None:
    partial = partial_path(path)
    model.save(partial)
    os.replace(partial, path)


def read_state(run_dir: Path) -> dict[str, Any]:
    """state.json of a run folder; ``{"epochs_done": 0}`` when there is none."""
    try:
        return json.loads((run_dir / STATE_JSON).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"epochs_done": 0}


def write_state(run_dir: Path, **state: Any) -> None:
    atomic_write_text(run_dir / STATE_JSON, json.dumps(state, indent=2) + "\n")


class StopOnInterrupt(keras.callbacks.Callback):
    """Raises KeyboardInterrupt at the end of the step in which Ctrl+C came (see :func:`interruptible`)."""

    def __init__(self) -> None:
        super().__init__()
        self.requested = False

    def _check(self) -> None:
        if self.requested:
            raise KeyboardInterrupt

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self._check()

    def on_test_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self._check()


@contextlib.contextmanager
def interruptible() -> Iterator[StopOnInterrupt]:
    """Ctrl+C during ``fit`` stops the run at the end of the current step, always.

    Python's own handler raises KeyboardInterrupt wherever the main thread happens to be, and inside
    TensorFlow's and Keras' machinery (a finaliser, a data iterator's cleanup) that exception can be
    swallowed: the run went on, and the user had to press Ctrl+C again. Here the signal only sets a flag
    that the callback turns into KeyboardInterrupt in plain Python code between steps; a second Ctrl+C
    raises at once (a step that hangs). Outside the main thread (no signals there) the callback is inert.
    """
    callback = StopOnInterrupt()
    if threading.current_thread() is not threading.main_thread():
        yield callback
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        if callback.requested:
            raise KeyboardInterrupt
        callback.requested = True

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield callback
    finally:
        signal.signal(signal.SIGINT, previous)


class PublishCheckpoints(keras.callbacks.Callback):
    """After the ModelCheckpoints of an epoch, rename their partial files into place."""

    def __init__(self, *paths: Path) -> None:
        super().__init__()
        self.paths = paths

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        for path in self.paths:
            partial = partial_path(path)
            if partial.exists():
                os.replace(partial, path)


class RunState(keras.callbacks.Callback):
    """Write state.json after each epoch (after the checkpoints), and the curves from the CSV log."""

    def __init__(self, run_dir: Path, monitor: str, best: float | None) -> None:
        super().__init__()
        self.run_dir = run_dir
        self.monitor = monitor
        self.best = best

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        logs = {k: float(v) for k, v in (logs or {}).items()}
        current = logs.get(self.monitor)
        if current is not None and (self.best is None or current < self.best):
            self.best = current
        write_state(
            self.run_dir,
            epochs_done=epoch + 1,
            monitor=self.monitor,
            best=self.best,
            last_logs=logs,
            interrupted=False,
        )
        log_csv = self.run_dir / LOG_CSV
        if log_csv.exists():
            draw_curves(read_log(log_csv), self.run_dir / CURVES_PNG)


class EpochSummaries(keras.callbacks.Callback):
    """TensorBoard event files of the epoch metrics, laid out as Keras's own callback does (``train/`` and
    ``validation/`` runs, tags ``epoch_loss``...). Written with TensorFlow's core summary op, because the
    ``tensorboard`` package, which ``keras.callbacks.TensorBoard`` needs, is only required to *view* them.
    (TensorFlow backend only: a run on JAX or PyTorch has its log.csv and curves.png.)
    """

    def __init__(self, log_dir: Path) -> None:
        super().__init__()
        from tensorflow.core.framework import summary_pb2

        self.log_dir = log_dir
        self._writers: dict[str, Any] = {}
        self._scalar = summary_pb2.SummaryMetadata(
            plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="scalars")
        )

    def _writer(self, run: str) -> Any:
        import tensorflow as tf

        if run not in self._writers:
            self._writers[run] = tf.summary.create_file_writer(str(self.log_dir / run))
        return self._writers[run]

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        import tensorflow as tf

        for key, value in (logs or {}).items():
            run, tag = ("validation", key[4:]) if key.startswith("val_") else ("train", key)
            with self._writer(run).as_default():
                tf.summary.write(f"epoch_{tag}", tf.constant(float(value)), step=epoch, metadata=self._scalar)
        for writer in self._writers.values():
            writer.flush()

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        for writer in self._writers.values():
            writer.close()
        self._writers.clear()


def make_callbacks(
    out_dir: Path, *, monitor: str, patience: int, lr_patience: int, resumed_best: float | None = None
) -> list[keras.callbacks.Callback]:
    """Checkpoints (best by ``monitor``, last), CSV log, TensorBoard, early stopping, LR schedule, state.

    ``resumed_best``: the best ``monitor`` value of the run being resumed, which a new best must beat.
    """
    best, last = out_dir / BEST, out_dir / LAST
    return [
        keras.callbacks.ModelCheckpoint(
            partial_path(best),
            monitor=monitor,
            mode="min",
            save_best_only=True,
            initial_value_threshold=resumed_best,
        ),
        keras.callbacks.ModelCheckpoint(partial_path(last), save_best_only=False),
        PublishCheckpoints(best, last),
        keras.callbacks.EarlyStopping(monitor=monitor, mode="min", patience=patience, verbose=1),
        keras.callbacks.ReduceLROnPlateau(
            monitor=monitor, mode="min", factor=0.5, patience=lr_patience, verbose=1
        ),
        keras.callbacks.CSVLogger(str(out_dir / LOG_CSV), append=(out_dir / LOG_CSV).exists()),
        *([EpochSummaries(out_dir / TENSORBOARD_DIR)] if keras.backend.backend() == "tensorflow" else []),
        RunState(out_dir, monitor, resumed_best),
    ]
