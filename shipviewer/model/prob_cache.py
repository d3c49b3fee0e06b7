"""A memory- and disk-bounded cache of probability maps, so thresholds can change without re-running a model.

Maps are stored quantized to uint8 (``round(p·255)``): a quarter of float32 in memory, and on disk a
PNG that compresses the mostly-zero maps of open sea to a few kilobytes. A map is keyed by the image
file (path, modification time, size) and the model's identity (a hash of the model file), so an edited
image or another model never gets a stale map. The disk cache keeps its files under one folder and
evicts the least recently used once the folder exceeds its byte budget.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from pathlib import Path

import numpy as np

from shipviewer.model.lru import ByteLRU

__all__ = [
    "ProbabilityCache",
    "dequantize",
    "image_key",
    "model_identity",
    "quantize",
    "threshold_level",
]

_SUFFIX = ".png"


def quantize(probability: np.ndarray) -> np.ndarray:
    """float probabilities in [0, 1] → uint8 ``round(p·255)``, C-ordered."""
    prob = np.asarray(probability, dtype=np.float32)
    return np.ascontiguousarray(np.clip(prob * 255.0 + 0.5, 0, 255).astype(np.uint8))


def dequantize(levels: np.ndarray) -> np.ndarray:
    return levels.astype(np.float32) * np.float32(1.0 / 255.0)


def threshold_level(threshold: float) -> int:
    """The level L such that ``levels > L`` is exactly ``dequantize(levels) > threshold``.

    ``floor(threshold · 255)`` is off by one where the threshold falls on the grid: 0.4 · 255 = 102, and
    level 102 dequantizes (in float32) to 0.40000001 > 0.4 — so the level is checked both ways, in float32
    (1/3 in float32 equals level 85's value, so level 85 is *not* above it).
    """
    threshold = min(max(float(threshold), 0.0), 1.0)
    level = int(np.floor(threshold * 255.0 + 1e-6))
    step = np.float32(1.0 / 255.0)
    # Compared in float32, as numpy compares a float32 map with a Python float (NEP 50: the scalar is cast).
    limit = np.float32(threshold)
    while level >= 0 and np.float32(level) * step > limit:
        level -= 1
    while level < 255 and np.float32(level + 1) * step <= limit:
        level += 1
    return level


def model_identity(path: str | os.PathLike[str]) -> str:
    """A short content hash of a model file: the same weights under another name share cached maps."""
    digest = hashlib.sha1(usedforsecurity=False)
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


def image_key(path: str | os.PathLike[str], model_id: str) -> str:
    """The cache key of an image file under a model; raises OSError when the file is gone."""
    st = os.stat(path)
    return f"{os.path.abspath(path)}\0{st.st_mtime_ns}\0{st.st_size}\0{model_id}"


class ProbabilityCache:
    """``put(key, levels)`` / ``get(key)`` for uint8 probability maps, in memory then on disk.

    ``disk_dir=None`` keeps maps in memory only. A disk that cannot be written (read-only, full) turns
    the disk cache off and leaves the reason in ``disk_error``; the memory cache goes on working.
    """

    def __init__(
        self,
        memory_bytes: int = 256 << 20,
        disk_dir: str | os.PathLike[str] | None = None,
        disk_bytes: int = 1 << 30,
    ) -> None:
        self.memory: ByteLRU[str, np.ndarray] = ByteLRU(memory_bytes)
        self.disk_dir = Path(disk_dir) if disk_dir is not None else None
        self.disk_bytes = int(disk_bytes)
        self.disk_error: str | None = None
        self._files: OrderedDict[str, int] = OrderedDict()  # file name → bytes, least recently used first
        self._disk_total = 0
        self._lock = threading.Lock()
        if self.disk_dir is not None:
            self._open_disk()

    # --- disk index ----------------------------------------------------------------------------------
    def _open_disk(self) -> None:
        assert self.disk_dir is not None
        try:
            self.disk_dir.mkdir(parents=True, exist_ok=True)
            found = []
            with os.scandir(self.disk_dir) as entries:
                for entry in entries:
                    if entry.name.endswith(_SUFFIX) and entry.is_file():
                        st = entry.stat()
                        found.append((st.st_mtime_ns, entry.name, st.st_size))
        except OSError as exc:
            self._disable(exc)
            return
        for _, name, size in sorted(found):
            self._files[name] = size
            self._disk_total += size
        self._evict()

    def _disable(self, exc: OSError) -> None:
        self.disk_error = f"probability cache {self.disk_dir}: {exc.strerror or exc}; using memory only"
        self.disk_dir = None

    @staticmethod
    def _file_name(key: str) -> str:
        return (
            hashlib.sha1(key.encode("utf-8", "surrogateescape"), usedforsecurity=False).hexdigest() + _SUFFIX
        )

    @property
    def disk_usage(self) -> int:
        return self._disk_total

    def _evict(self) -> None:
        while self._disk_total > self.disk_bytes and self._files and self.disk_dir is not None:
            name, size = self._files.popitem(last=False)
            self._disk_total -= size
            try:
                (self.disk_dir / name).unlink()
            except FileNotFoundError:
                pass
            except OSError as exc:
                self._disable(exc)

    # --- the cache -----------------------------------------------------------------------------------
    def get_memory(self, key: str) -> np.ndarray | None:
        """Memory only: safe and fast on a UI thread."""
        return self.memory.get(key)

    def get(self, key: str) -> np.ndarray | None:
        """Memory, then disk (a disk hit is promoted to memory)."""
        levels = self.memory.get(key)
        if levels is not None or self.disk_dir is None:
            return levels
        name = self._file_name(key)
        with self._lock:
            if name not in self._files:
                return None
            self._files.move_to_end(name)
        path = self.disk_dir / name
        import cv2

        try:
            levels = cv2.imdecode(np.fromfile(path, dtype=np.uint8), cv2.IMREAD_UNCHANGED)
            os.utime(path)
        except OSError:
            levels = None
        if levels is None or levels.ndim != 2 or levels.dtype != np.uint8:
            with self._lock:
                self._disk_total -= self._files.pop(name, 0)
            return None
        self.memory.put(key, levels)
        return levels

    def put(self, key: str, levels: np.ndarray) -> None:
        if levels.dtype != np.uint8 or levels.ndim != 2:
            raise ValueError(f"expected a 2-D uint8 map, got {levels.dtype} {levels.shape}")
        self.memory.put(key, levels)
        if self.disk_dir is None:
            return
        import cv2

        name = self._file_name(key)
        ok, encoded = cv2.imencode(_SUFFIX, levels, [cv2.IMWRITE_PNG_COMPRESSION, 1])
        if not ok:
            return
        path = self.disk_dir / name
        temp = path.with_name(f".{name}.{threading.get_ident()}.tmp")
        try:
            encoded.tofile(temp)
            os.replace(temp, path)
        except OSError as exc:
            temp.unlink(missing_ok=True)
            with self._lock:
                self._disable(exc)
            return
        with self._lock:
            self._disk_total += int(encoded.nbytes) - self._files.pop(name, 0)
            self._files[name] = int(encoded.nbytes)
            self._evict()

    def clear_memory(self) -> None:
        self.memory.clear()
