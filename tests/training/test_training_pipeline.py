"""The tf.data pipeline: masks line up with the ships in the pixels (through crops, flips, rotations and
colour jitter), the same seed gives the same batches, odd images are handled."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
import tensorflow as tf

from shipviewer.airbus.annotations import write_csv
from training import crops
from training.data import locate, read_ships, scan
from training.errors import SizeError
from training.pipeline import PipelineOptions, make_dataset
from training.preprocess import preprocess


def records(root: Path) -> list:
    source = locate(root)
    return scan(source.images_dir, read_ships(source.csv_path)).records


def batches(ds: tf.data.Dataset, n: int) -> list[tuple[np.ndarray, np.ndarray]]:
    return [(x.numpy(), y.numpy()) for x, y in ds.take(n)]


def assert_masks_line_up(images: np.ndarray, masks: np.ndarray) -> None:
    """Ship pixels are bright and sea pixels dark, whatever the jitter; JPEG blurs a one-pixel rim."""
    bright = images.mean(axis=-1) > 0.5
    ship = masks[..., 0] > 0.5
    assert set(np.unique(masks)) <= {0.0, 1.0}
    assert ship.any(), "no ship in any crop: the crops do not favour ships"
    rim = cv2.dilate(ship.astype(np.uint8).reshape(-1, ship.shape[-1]), np.ones((3, 3), np.uint8)).reshape(
        ship.shape
    )
    rim = rim.astype(bool) & ~cv2.erode(
        ship.astype(np.uint8).reshape(-1, ship.shape[-1]), np.ones((3, 3), np.uint8)
    ).reshape(ship.shape).astype(bool)
    agree = (bright == ship)[~rim]
    assert agree.mean() > 0.999, f"only {agree.mean():.4f} of the pixels agree with the mask"


def test_masks_line_up_with_ships_through_augmentation(bright_data: Path) -> None:
    options = PipelineOptions(crop=128, batch=8, seed=3, ship_bias=0.9)
    ds = make_dataset(records(bright_data), options, training=True)
    for images, masks in batches(ds, 3):
        assert images.shape == (8, 128, 128, 3) and masks.shape == (8, 128, 128, 1)
        assert images.dtype == np.float32 and images.min() >= 0.0 and images.max() <= 1.0
        assert_masks_line_up(images, masks)


def test_same_seed_same_batches(bright_data: Path) -> None:
    recs = records(bright_data)
    first = batches(make_dataset(recs, PipelineOptions(crop=64, batch=4, seed=11), training=True), 3)
    again = batches(make_dataset(recs, PipelineOptions(crop=64, batch=4, seed=11), training=True), 3)
    other = batches(make_dataset(recs, PipelineOptions(crop=64, batch=4, seed=12), training=True), 3)
    for (x1, y1), (x2, y2) in zip(first, again, strict=True):
        assert np.array_equal(x1, x2) and np.array_equal(y1, y2)
    assert not all(np.array_equal(x1, x3) for (x1, _), (x3, _) in zip(first, other, strict=True))


def test_validation_pass_is_fixed_and_plain(bright_data: Path) -> None:
    recs = records(bright_data)[:10]
    options = PipelineOptions(crop=96, batch=4, seed=0)
    once = batches(make_dataset(recs, options, training=False), 99)
    twice = batches(make_dataset(recs, options, training=False), 99)
    assert [len(x) for x, _ in once] == [4, 4, 2]
    assert all(np.array_equal(a[0], b[0]) for a, b in zip(once, twice, strict=True))
    # Without augmentation a crop is preprocess(the decoded window), the window drawn from (seed, index).
    images = np.concatenate([x for x, _ in once])
    masks = np.concatenate([y for _, y in once])
    assert_masks_line_up(images, masks)
    for index in (0, 5, 9):
        record = recs[index]
        joined = crops.join_ships(record.ships)
        top, left, mask = crops.sample(joined, 768, 768, (0, index), crop=96, ship_bias=options.ship_bias)
        whole = cv2.cvtColor(cv2.imread(str(record.path)), cv2.COLOR_BGR2RGB)
        expected = preprocess(whole[top : top + 96, left : left + 96])
        difference = np.abs(expected - images[index])  # two JPEG decoders: rounding and chroma upsampling
        assert difference.mean() < 0.5 / 255 and difference.max() <= 4 / 255
        assert np.array_equal(mask, masks[index, ..., 0])


def test_odd_images_are_resized_or_skipped(tmp_path: Path, scene, save_image) -> None:
    rng = np.random.default_rng(2)
    labels = {}
    for name, shape in (("small.png", (384, 512)), ("big.jpg", (900, 800)), ("ok.jpg", (768, 768))):
        image, ships = scene(rng, 2, shape)
        save_image(tmp_path / name, image)
        labels[name] = ships
    data = (tmp_path / "ok.jpg").read_bytes()
    (tmp_path / "cut.jpg").write_bytes(data[: len(data) // 3])
    labels["cut.jpg"] = []
    labels["gone.jpg"] = []
    write_csv(tmp_path / "labels.csv", labels)
    result = scan(tmp_path, read_ships(tmp_path / "labels.csv"))
    assert sorted(r.image_id for r in result.records) == ["big.jpg", "ok.jpg", "small.png"]
    assert result.n_skipped == 2
    ds = make_dataset(
        result.records, PipelineOptions(crop=256, batch=3, seed=1, ship_bias=1.0), training=False
    )
    images, masks = batches(ds, 1)[0]
    assert images.shape == (3, 256, 256, 3)
    assert_masks_line_up(images, masks)


def test_crop_must_be_a_multiple_of_32(bright_data: Path) -> None:
    with pytest.raises(SizeError, match="multiple of 32"):
        make_dataset(records(bright_data), PipelineOptions(crop=100), training=True)
