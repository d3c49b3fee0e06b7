"""The NumPy batches of the backend-neutral training path (training/numpy_input.py): the tf.data pipeline's
crops and masks, the same batches whatever the workers, masks that line up with the ships through the
augmentation, the gate's target, and a file that cannot be read."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from tests.training.test_training_pipeline import assert_masks_line_up, batches, records
from training.input_options import PipelineOptions
from training.numpy_input import CropBatches


def test_validation_batches_are_the_tf_pipelines_crops(bright_data: Path) -> None:
    """Validation draws each element's window from (seed, index) in both inputs: the same masks, and the
    same pixels up to JPEG decoding (TensorFlow decodes the window alone, OpenCV the whole image)."""
    from training.pipeline import make_dataset

    recs = records(bright_data)
    options = PipelineOptions(crop=64, batch=4, seed=5)
    ours = CropBatches(recs, options, training=False, steps=3)
    theirs = batches(make_dataset(recs, options, training=False), 3)
    for k, (x_tf, y_tf) in enumerate(theirs):
        x, y = ours[k]
        assert x.shape == x_tf.shape and x.dtype == np.float32 and y.shape == y_tf.shape
        assert np.array_equal(y, y_tf)
        assert np.abs(x - x_tf).mean() < 2 / 255


def test_training_batches_line_up_and_repeat_with_the_seed_whatever_the_workers(bright_data: Path) -> None:
    recs = records(bright_data)
    options = PipelineOptions(crop=128, batch=8, seed=3, ship_bias=0.9)
    one = CropBatches(recs, options, training=True, steps=3)
    three = CropBatches(recs, options, training=True, steps=3, workers=3)
    for k in range(3):
        (x1, y1), (x3, y3) = one[k], three[k]
        assert np.array_equal(x1, x3) and np.array_equal(y1, y3)
        assert_masks_line_up(x1, y1)
    other = CropBatches(
        recs, PipelineOptions(crop=128, batch=8, seed=4, ship_bias=0.9), training=True, steps=1
    )
    assert not np.array_equal(other[0][0], one[0][0])
    later = CropBatches(recs, options, training=True, steps=1, first_index=8)  # a resumed run: new crops
    assert np.array_equal(later[0][0], one[1][0])


def test_the_gate_target_says_whether_a_crop_holds_a_ship(bright_data: Path) -> None:
    batch = CropBatches(
        records(bright_data),
        PipelineOptions(crop=64, batch=8, seed=2, ship_bias=0.5),
        training=True,
        steps=1,
        gate=True,
    )
    _, (y, ship) = batch[0]
    assert ship.shape == (8, 1) and set(np.unique(ship)) <= {0.0, 1.0}
    assert np.array_equal(ship[:, 0], (y.reshape(8, -1).max(axis=1) > 0).astype(np.float32))


def test_an_unreadable_image_gives_way_to_another(bright_data: Path, tmp_path: Path) -> None:
    recs = records(bright_data)
    broken = tmp_path / "broken.jpg"
    shutil.copy(recs[0].path, broken)
    broken.write_bytes(b"not a jpeg")
    from dataclasses import replace

    recs = [replace(recs[0], path=broken), *recs[1:]]
    batch = CropBatches(recs, PipelineOptions(crop=64, batch=4, seed=1), training=False, steps=1)
    x, _ = batch[0]  # element 0 would crop the broken file: the next image stands in
    assert x.shape == (4, 64, 64, 3) and np.isfinite(x).all()
    with pytest.raises(ValueError, match="no images"):
        CropBatches([], PipelineOptions(), training=True, steps=1)
