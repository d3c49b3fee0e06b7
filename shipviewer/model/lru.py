"""A least-recently-used mapping bounded in bytes, for caches of images, thumbnails and probability maps.

Ours rather than functools.lru_cache (bounded by entry count, while a 4096² map is 28× a 768² one) or
cachetools (bytes via getsizeof, but no lock of its own): a few dozen lines, bounded in bytes and locked.

Thread-safe: the viewer fills caches from worker threads and reads them on the UI thread.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

import numpy as np

__all__ = ["ByteLRU", "nbytes_of"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def nbytes_of(value: object) -> int:
    """Bytes held by a numpy array (or anything with ``nbytes``/``sizeInBytes``); 64 otherwise."""
    if isinstance(value, np.ndarray):
        return int(value.nbytes)
    for name in ("nbytes", "sizeInBytes"):
        size = getattr(value, name, None)
        if size is not None:
            return int(size() if callable(size) else size)
    return 64


class ByteLRU(Generic[K, V]):
    """``put``/``get`` with least-recently-used eviction once the values exceed ``max_bytes``.

    A single value larger than the whole budget is not kept at all (it would evict everything else).
    """

    def __init__(self, max_bytes: int, sizeof: Callable[[V], int] = nbytes_of) -> None:
        if max_bytes < 0:
            raise ValueError(f"max_bytes must be >= 0, got {max_bytes}")
        self.max_bytes = int(max_bytes)
        self._sizeof = sizeof
        self._items: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    @property
    def nbytes(self) -> int:
        return self._bytes

    def get(self, key: K) -> V | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return item[0]

    def put(self, key: K, value: V) -> None:
        size = int(self._sizeof(value))
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            if size > self.max_bytes:
                return
            self._items[key] = (value, size)
            self._bytes += size
            while self._bytes > self.max_bytes and self._items:
                _, (_, dropped) = self._items.popitem(last=False)
                self._bytes -= dropped

    def pop(self, key: K) -> V | None:
        with self._lock:
            item = self._items.pop(key, None)
            if item is None:
                return None
            self._bytes -= item[1]
            return item[0]

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0
