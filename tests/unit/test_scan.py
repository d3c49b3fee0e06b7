from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np
import pytest

from shipviewer.viewer.scan import image_format, scan, sniff_image, sort_paths


def _jpeg(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    ok, data = cv2.imencode(".jpg", np.full((8, 8, 3), 90, np.uint8))
    assert ok
    data.tofile(path)
    return path


def _all(batches) -> tuple[list[str], list[str]]:
    images, problems = [], []
    for batch in batches:
        images += batch.images
        problems += batch.problems
    return images, problems


def test_scan_walks_sorted_depth_first_and_skips_hidden_and_overlays(tmp_path: Path) -> None:
    for name in ("b.jpg", "a.PNG", "sub/c.tif", "sub/deeper/d.jpeg", ".hidden/e.jpg", "x_segmented.png"):
        _jpeg(tmp_path / name)
    (tmp_path / "notes.txt").write_text("not an image")
    images, problems = _all(scan([tmp_path]))
    names = [Path(p).relative_to(tmp_path).as_posix() for p in images]
    assert names == ["a.PNG", "b.jpg", "sub/c.tif", "sub/deeper/d.jpeg"]
    assert problems == []
    flat, _ = _all(scan([tmp_path], recursive=False))
    assert [Path(p).name for p in flat] == ["a.PNG", "b.jpg"]


def test_extensionless_files_are_taken_by_content(tmp_path: Path) -> None:
    _jpeg(tmp_path / "photo.jpg").rename(tmp_path / "photo")
    (tmp_path / "README").write_text("hello")
    images, _ = _all(scan([tmp_path]))
    assert [Path(p).name for p in images] == ["photo"]


def test_first_batch_is_small_then_large(tmp_path: Path) -> None:
    for i in range(50):
        (tmp_path / f"{i:03d}.jpg").write_bytes(b"\xff\xd8\xff")
    sizes = [len(b.images) for b in scan([tmp_path], first_batch=4, batch_size=20)]
    assert sizes == [4, 20, 20, 6]


def test_missing_path_is_a_problem_not_an_exception(tmp_path: Path) -> None:
    images, problems = _all(scan([tmp_path / "gone", tmp_path]))
    assert images == []
    assert problems == [f"{tmp_path / 'gone'}: no such file or folder"]


def test_named_files_are_kept_even_when_not_images(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("x")
    images, _ = _all(scan([text]))
    assert images == [str(text)]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any folder")
def test_unreadable_folder_is_reported_and_the_rest_found(tmp_path: Path) -> None:
    _jpeg(tmp_path / "ok" / "a.jpg")
    locked = tmp_path / "locked"
    _jpeg(locked / "b.jpg")
    locked.chmod(0)
    try:
        images, problems = _all(scan([tmp_path]))
    finally:
        locked.chmod(0o755)
    assert [Path(p).name for p in images] == ["a.jpg"]
    assert problems and "permission denied" in problems[0]


def test_cancel_stops_between_batches(tmp_path: Path) -> None:
    for i in range(30):
        (tmp_path / f"{i:03d}.jpg").write_bytes(b"\xff\xd8\xff")
    seen = []
    for batch in scan([tmp_path], first_batch=5, batch_size=5, cancelled=lambda: len(seen) >= 2):
        seen.append(batch)
    assert len(seen) == 2


def test_sniff_names_the_reason(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    text = tmp_path / "text.jpg"
    text.write_text("hello, not a picture")
    good = _jpeg(tmp_path / "good.jpg")
    assert sniff_image(empty) == "empty file (0 bytes)"
    assert "not an image" in (sniff_image(text) or "")
    assert sniff_image(good) is None
    assert "no such file" in (sniff_image(tmp_path / "gone.jpg") or "")
    assert "folder" in (sniff_image(tmp_path) or "")


@pytest.mark.parametrize(
    ("head", "name"),
    [
        (b"\x89PNG\r\n\x1a\n....", "PNG"),
        (b"II*\x00....", "TIFF"),
        (b"MM\x00*....", "TIFF"),
        (b"BM......", "BMP"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "WebP"),
        (b"RIFF\x00\x00\x00\x00WAVEfmt ", None),
        (b"GIF89a", None),
    ],
)
def test_image_format_from_magic(head: bytes, name: str | None) -> None:
    assert image_format(head) == name


def test_sort_paths(tmp_path: Path) -> None:
    folder = tmp_path / "odd.csv"
    folder.mkdir()
    request = sort_paths(["a.csv", "m.ONNX", "x.jpg", str(folder), "dir"])
    assert request.annotations == ["a.csv"]
    assert request.models == ["m.ONNX"]
    assert request.images == ["x.jpg", str(folder), "dir"]
    assert not sort_paths([])
