"""Waiting on, and timing, the Qt event loop in the viewer benchmarks (bench_viewer, bench_finetune)."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QEventLoop, Qt, QTimer


def wait_until(predicate: Callable[[], bool], timeout: float = 120.0, interval_ms: int = 1) -> None:
    """Run the event loop (checking every ``interval_ms``) until ``predicate()`` holds."""
    deadline = time.perf_counter() + timeout
    loop = QEventLoop()
    timer = QTimer()
    timer.setInterval(interval_ms)
    timer.timeout.connect(lambda: loop.quit() if predicate() or time.perf_counter() > deadline else None)
    timer.start()
    if not predicate():
        loop.exec()
    timer.stop()
    if not predicate():
        raise TimeoutError("the viewer did not get there in time")


class StallMeter:
    """A 5 ms timer on the UI thread: the gaps between its ticks are the event loop's stalls.

    ``with StallMeter() as meter: ...`` or ``start()`` / ``stop()``; ``gaps_ms()`` for all of them, or
    ``gaps_ms(start, end)`` for the ticks between two ``time.perf_counter()`` readings."""

    def __init__(self) -> None:
        self.ticks: list[float] = []
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(5)
        self.timer.timeout.connect(lambda: self.ticks.append(time.perf_counter()))

    def start(self) -> None:
        self.ticks = [time.perf_counter()]
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def __enter__(self) -> StallMeter:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def gaps_ms(self, start: float | None = None, end: float | None = None) -> np.ndarray:
        ticks = np.array(
            [t for t in self.ticks if (start is None or t >= start) and (end is None or t <= end)]
        )
        return np.diff(ticks) * 1000.0 if ticks.size > 1 else np.zeros(1)
