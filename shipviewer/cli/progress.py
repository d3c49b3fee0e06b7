"""The command line's progress bar: tqdm (rate, ETA, terminal width) behind the ``update(done, total)``
callback that ``generate``, ``predict_files`` and ``evaluate`` report to.

On a terminal tqdm redraws in place; on anything else (a log file, CI) it would write a carriage-return
frame per refresh, so there one plain line is written for every tenth of the work instead.
"""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import TextIO

from tqdm import tqdm

UNIT = "img"


class ProgressBar:
    """``with ProgressBar(total, "label") as bar: bar.update(done, total)``."""

    def __init__(self, total: int, label: str = "", stream: TextIO | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.total = max(int(total), 1)
        self.label = label
        self.done = 0
        self._start = time.monotonic()
        self._last_decile = -1
        tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._bar = (
            tqdm(
                total=self.total,
                desc=label,
                file=self.stream,
                unit="img",
                dynamic_ncols=True,
                mininterval=0.1,
            )
            if tty
            else None
        )

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._bar is not None:
            self._bar.close()
        elif exc_type is None and self._last_decile < 10:
            self._line()

    def update(self, done: int, total: int | None = None) -> None:
        if total:
            self.total = max(int(total), 1)
        self.done = done
        if self._bar is not None:
            self._bar.total = self.total
            self._bar.update(done - self._bar.n)
            return
        decile = done * 10 // self.total
        if decile > self._last_decile:
            self._last_decile = decile
            self._line()

    def _line(self) -> None:
        elapsed = time.monotonic() - self._start
        self.stream.write(
            tqdm.format_meter(self.done, self.total, elapsed, ncols=80, prefix=self.label) + "\n"
        )
        self.stream.flush()
