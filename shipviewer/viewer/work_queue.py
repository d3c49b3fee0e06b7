"""A thread-safe priority queue of keyed jobs for a background worker; Qt-free.

Each key is queued at most once: putting it again only raises its priority. Jobs carry a group name
so a whole batch ("predict all") can be cancelled at once while the job for the image on screen stays.
"""

from __future__ import annotations

import heapq
import itertools
import threading
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

__all__ = ["WorkQueue"]

T = TypeVar("T")


@dataclass
class _Job(Generic[T]):
    priority: int
    seq: int
    item: T
    group: str


class WorkQueue(Generic[T]):
    """``put(key, item, priority)``; ``get()`` blocks for the lowest priority value (oldest first)."""

    def __init__(self) -> None:
        self._heap: list[tuple[int, int, Hashable]] = []
        self._jobs: dict[Hashable, _Job[T]] = {}
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._closed = False

    def __len__(self) -> int:
        with self._cond:
            return len(self._jobs)

    def put(self, key: Hashable, item: T, priority: int, group: str = "") -> None:
        with self._cond:
            if self._closed:
                return
            job = self._jobs.get(key)
            if job is not None and job.priority <= priority:
                return
            seq = next(self._seq)
            self._jobs[key] = _Job(priority, seq, item, group)
            heapq.heappush(self._heap, (priority, seq, key))
            self._cond.notify()

    def get(self, timeout: float | None = None) -> T | None:
        """The next job, or None once closed (or after ``timeout`` seconds with nothing to do)."""
        with self._cond:
            while True:
                while self._heap:
                    _priority, seq, key = heapq.heappop(self._heap)
                    job = self._jobs.get(key)
                    if job is not None and job.seq == seq:
                        del self._jobs[key]
                        return job.item
                if self._closed or not self._cond.wait(timeout):
                    return None

    def count(self, group: str) -> int:
        with self._cond:
            return sum(1 for job in self._jobs.values() if job.group == group)

    def discard_group(self, group: str) -> int:
        """Drop every queued job of ``group``; returns how many were dropped."""
        with self._cond:
            keys = [k for k, job in self._jobs.items() if job.group == group]
            for key in keys:
                del self._jobs[key]
            return len(keys)

    def clear(self) -> None:
        with self._cond:
            self._jobs.clear()
            self._heap.clear()

    def close(self) -> None:
        """Wake every waiting ``get`` with None; later ``put`` calls are ignored."""
        with self._cond:
            self._closed = True
            self._jobs.clear()
            self._heap.clear()
            self._cond.notify_all()
