"""Finding the data: the Kaggle layout, clear errors, skipped files; choosing crops from the RLE."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from shipviewer.airbus.annotations import CsvError, write_csv
from shipviewer.airbus.rle import decode, masks_as_image
from training import crops
from training.data import locate, read_ships, scan
from training.errors import DataError
from training.imagefiles import probe

KAGGLE_IMAGES, KAGGLE_CSV = "train_v2", "train_ship_segmentations_v2.csv"


def test_locate_kaggle_layout_and_other_csv(bright_data: Path, tmp_path: Path) -> None:
    source = locate(bright_data)
    assert source == locate(bright_data, bright_data / KAGGLE_CSV)
    assert (source.images_dir, source.csv_path) == (bright_data / KAGGLE_IMAGES, bright_data / KAGGLE_CSV)
    flat = tmp_path / "flat"
    flat.mkdir()
    write_csv(flat / "labels.csv", {"a.jpg": []})
    assert locate(flat, flat / "labels.csv").images_dir == flat
    with pytest.raises(DataError, match=r"labels CSV not found.*Kaggle layout"):
        locate(flat)
    with pytest.raises(DataError, match="no such folder"):
        locate(tmp_path / "nowhere")


def test_csv_without_the_columns_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("ImageId,Pixels\na.jpg,1 2\n")
    with pytest.raises(CsvError, match=r"lacks the column.*EncodedPixels"):
        read_ships(bad)
    empty = tmp_path / "empty.csv"
    empty.write_text("ImageId,EncodedPixels\n")
    with pytest.raises(DataError, match="lists no images"):
        read_ships(empty)


def test_scan_skips_and_counts_bad_files(tmp_path: Path, scene, save_image) -> None:
    rng = np.random.default_rng(0)
    image, ships = scene(rng, 1)
    save_image(tmp_path / "good.jpg", image)
    small, _ = scene(rng, 0, (512, 640))
    save_image(tmp_path / "small.png", small)
    data = (tmp_path / "good.jpg").read_bytes()
    (tmp_path / "truncated.jpg").write_bytes(data[: len(data) // 2])
    (tmp_path / "empty.jpg").write_bytes(b"")
    (tmp_path / "text.jpg").write_text("not an image")
    labels = {n: [] for n in ("good.jpg", "small.png", "truncated.jpg", "empty.jpg", "text.jpg", "gone.jpg")}
    labels["good.jpg"] = ships
    result = scan(tmp_path, labels)
    assert [(r.image_id, r.height, r.width, r.kind) for r in result.records] == [
        ("good.jpg", 768, 768, "jpeg"),
        ("small.png", 512, 640, "png"),
    ]
    assert result.records[0].ships == tuple(ships)
    assert result.skipped == {
        "truncated file": ["truncated.jpg"],
        "empty file": ["empty.jpg"],
        "not a JPEG or PNG image": ["text.jpg"],
        "missing": ["gone.jpg"],
    }
    assert "1 missing: gone.jpg" in result.describe_skipped()
    with pytest.raises(DataError, match="no images found"):
        scan(tmp_path, {"gone.jpg": [], "empty.jpg": []})


def test_probe_reads_sizes_from_headers(tmp_path: Path, save_image) -> None:
    image = np.zeros((96, 160, 3), np.uint8)
    for suffix in (".jpg", ".png"):
        save_image(tmp_path / f"x{suffix}", image)
        info = probe(tmp_path / f"x{suffix}")
        assert (info.ok, info.height, info.width) == (True, 96, 160)


def test_crops_favour_ships_and_masks_match_the_codec(scene) -> None:
    rng = np.random.default_rng(5)
    _, ships = scene(rng, 2)
    union = masks_as_image(ships)
    for i in range(30):
        top, left, mask = crops.sample(crops.join_ships(ships), 768, 768, (1, i), crop=128, ship_bias=1.0)
        assert mask.any(), "a crop of an image with ships was drawn with ship_bias 1 but holds none"
        assert np.array_equal(mask, union[top : top + 128, left : left + 128])
    lefts = {crops.sample("", 768, 768, (2, i), crop=128, ship_bias=1.0)[1] for i in range(30)}
    assert len(lefts) > 20  # ship-free images: crops anywhere


def test_window_mask_of_an_image_of_another_size(scene) -> None:
    rng = np.random.default_rng(6)
    _, ships = scene(rng, 1, (384, 512))
    mask = crops.window_mask(ships, 384, 512, 0, 0, 768)
    expected = cv2.resize(
        decode(ships[0], (384, 512)).astype(np.uint8), (768, 768), interpolation=cv2.INTER_NEAREST
    )
    assert np.array_equal(mask, expected)
