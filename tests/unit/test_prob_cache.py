from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from shipviewer.model.lru import ByteLRU
from shipviewer.model.prob_cache import (
    ProbabilityCache,
    dequantize,
    image_key,
    model_identity,
    quantize,
    threshold_level,
)


def test_byte_lru_evicts_least_recently_used() -> None:
    lru: ByteLRU[str, np.ndarray] = ByteLRU(300)
    for name in "abc":
        lru.put(name, np.zeros(100, np.uint8))
    lru.get("a")
    lru.put("d", np.zeros(100, np.uint8))
    assert "b" not in lru and all(k in lru for k in "acd")
    assert lru.nbytes == 300
    lru.put("huge", np.zeros(301, np.uint8))
    assert "huge" not in lru and len(lru) == 3
    assert lru.pop("a") is not None and lru.nbytes == 200


@given(st.integers(0, 255), st.floats(0.0, 1.0))
def test_threshold_on_levels_matches_dequantized_map(q: int, t: float) -> None:
    assume(abs(t * 255 - round(t * 255)) > 1e-4)  # exactly on the grid, float rounding decides
    assert (q > threshold_level(t)) == (q / 255 > t)


def test_quantize_round_trip_within_half_a_level() -> None:
    p = np.linspace(0, 1, 1001, dtype=np.float32).reshape(7, 143)
    assert np.abs(dequantize(quantize(p)) - p).max() <= 0.5 / 255 + 1e-6


def _key(tmp_path: Path, name: str = "a.jpg", model: str = "m1") -> str:
    path = tmp_path / name
    if not path.exists():
        path.write_bytes(b"\xff\xd8\xff" + name.encode())
    return image_key(path, model)


def test_key_changes_with_the_file_and_the_model(tmp_path: Path) -> None:
    first = _key(tmp_path)
    assert _key(tmp_path, model="m2") != first
    path = tmp_path / "a.jpg"
    st_ = path.stat()
    os.utime(path, ns=(st_.st_atime_ns, st_.st_mtime_ns + 10**9))
    assert _key(tmp_path) != first
    with pytest.raises(OSError):
        image_key(tmp_path / "gone.jpg", "m1")


def test_model_identity_is_a_content_hash(tmp_path: Path) -> None:
    (tmp_path / "a.onnx").write_bytes(b"weights")
    (tmp_path / "b.onnx").write_bytes(b"weights")
    (tmp_path / "c.onnx").write_bytes(b"other")
    assert model_identity(tmp_path / "a.onnx") == model_identity(tmp_path / "b.onnx")
    assert model_identity(tmp_path / "a.onnx") != model_identity(tmp_path / "c.onnx")


def test_disk_cache_survives_a_new_instance_and_is_bounded(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    maps = [rng.integers(0, 256, (64, 64), dtype=np.uint8) for _ in range(6)]
    keys = [_key(tmp_path, f"{i}.jpg") for i in range(6)]
    one = ProbabilityCache(memory_bytes=1 << 20, disk_dir=tmp_path / "cache", disk_bytes=1 << 20)
    for key, levels in zip(keys, maps):
        one.put(key, levels)
    two = ProbabilityCache(memory_bytes=1 << 20, disk_dir=tmp_path / "cache", disk_bytes=1 << 20)
    assert two.get_memory(keys[0]) is None
    np.testing.assert_array_equal(two.get(keys[0]), maps[0])
    assert two.get_memory(keys[0]) is not None  # promoted
    size = (tmp_path / "cache" / two._file_name(keys[0])).stat().st_size
    small = ProbabilityCache(memory_bytes=0, disk_dir=tmp_path / "cache", disk_bytes=3 * size + size // 2)
    files = list((tmp_path / "cache").glob("*.png"))
    assert len(files) <= 4 and small.disk_usage <= 3 * size + size // 2
    assert small.get(keys[0]) is not None  # the most recently used survived
    assert small.get(keys[1]) is None


def test_memory_only_and_corrupt_files(tmp_path: Path) -> None:
    cache = ProbabilityCache(memory_bytes=1 << 20)
    key = _key(tmp_path)
    cache.put(key, np.zeros((4, 4), np.uint8))
    assert cache.get(key) is not None and cache.disk_dir is None
    with pytest.raises(ValueError, match="2-D uint8"):
        cache.put(key, np.zeros((4, 4), np.float32))
    disk = ProbabilityCache(memory_bytes=0, disk_dir=tmp_path / "c")
    disk.put(key, np.ones((4, 4), np.uint8))
    (tmp_path / "c" / disk._file_name(key)).write_bytes(b"garbage")
    assert disk.get(key) is None


def test_unwritable_cache_dir_falls_back_to_memory(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    cache = ProbabilityCache(disk_dir=blocker / "cache")
    assert cache.disk_dir is None and "using memory only" in (cache.disk_error or "")
    key = _key(tmp_path)
    cache.put(key, np.zeros((2, 2), np.uint8))
    assert cache.get(key) is not None


def test_threshold_level_agrees_with_the_dequantized_map_on_and_off_the_grid() -> None:
    from shipviewer.model.prob_cache import dequantize, threshold_level

    levels = np.arange(256, dtype=np.uint8)
    for threshold in [*np.linspace(0.0, 1.0, 1001), 0.4, 102 / 255, 0.5, 0.2]:
        # As the product compares: a float32 map against a Python float (NEP 50 casts it to float32).
        expected = dequantize(levels) > float(threshold)
        assert np.array_equal(levels > threshold_level(float(threshold)), expected), threshold
