"""A dependency-free progress bar for long command-line loops (stderr, with rate and ETA)."""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import TextIO


class ProgressBar:
    """``with ProgressBar(total, "label") as bar: bar.update(done, total)``.

    Redraws at most ten times a second; on a non-terminal stream it prints one line per 10 % instead.
    """

    def __init__(self, total: int, label: str = "", stream: TextIO | None = None, width: int = 30) -> None:
        self.total = max(int(total), 1)
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self.start = time.monotonic()
        self._last_draw = 0.0
        self._last_decile = -1
        self.done = 0
        self._tty = bool(getattr(self.stream, "isatty", lambda: False)())

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self._draw(final=True)
        elif self._tty:
            self.stream.write("\n")

    def update(self, done: int, total: int | None = None) -> None:
        if total:
            self.total = max(int(total), 1)
        self.done = done
        now = time.monotonic()
        if self._tty and now - self._last_draw >= 0.1:
            self._last_draw = now
            self._draw()
        elif not self._tty and done < self.total and done * 10 // self.total > self._last_decile:
            self._last_decile = done * 10 // self.total
            self._draw()

    def _draw(self, final: bool = False) -> None:
        elapsed = time.monotonic() - self.start
        fraction = min(self.done / self.total, 1.0)
        rate = self.done / elapsed if elapsed > 0 else 0.0
        eta = (self.total - self.done) / rate if rate > 0 else float("nan")
        filled = int(fraction * self.width)
        bar = "#" * filled + "-" * (self.width - filled)
        text = f"{self.label} [{bar}] {self.done}/{self.total} {rate:6.1f}/s " + (
            f"in {elapsed:5.1f}s" if final else f"ETA {eta:5.1f}s"
        )
        if self._tty:
            self.stream.write("\r" + text + ("\n" if final else ""))
        elif not final or self._last_decile < 10:
            self.stream.write(text + "\n")
            self._last_decile = 10 if final else self._last_decile
        self.stream.flush()
