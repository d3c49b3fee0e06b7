"""The training log: messages go to stdout and to RUN_DIR/train.log (Keras progress to stdout only)."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TextIO

TRAIN_LOG = "train.log"


class RunLog:
    """``log("message")`` prints and appends to the log file (when one is set)."""

    def __init__(self, path: Path | None = None, stream: TextIO | None = None) -> None:
        self.path = path
        self.stream = stream if stream is not None else sys.stdout

    def __call__(self, message: str = "") -> None:
        print(message, file=self.stream, flush=True)
        if self.path is not None:
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(message + "\n")

    def stamp(self, message: str) -> None:
        """A message with the local time in front."""
        self(f"[{time.strftime('%Y-%m-%d %H:%M:%S')}] {message}")
