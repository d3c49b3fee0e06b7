"""evaluate() on odd files: ships of an image of another size come back in its own pixel frame, unreadable
images are skipped and left out of the score."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from shipviewer.airbus.metrics import iou_matrix
from training.evaluate import EvaluateOptions, evaluate
from training.predictors import load_predictor


def test_other_sizes_and_unreadable_files(tmp_path: Path, brightness_onnx: Path, scene, save_image) -> None:
    rng = np.random.default_rng(4)
    truth = {}
    for name, shape in (("a.jpg", (768, 768)), ("b.jpg", (768, 768)), ("small.png", (384, 512))):
        image, ships = scene(rng, 2, shape)
        save_image(tmp_path / name, image)
        truth[name] = ships
    (tmp_path / "broken.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
    truth["broken.jpg"] = []
    truth["gone.jpg"] = []
    result = evaluate(
        load_predictor(brightness_onnx), tmp_path, truth, EvaluateOptions(threshold=0.5, batch=2)
    )
    assert result.skipped == {"unreadable": ["broken.jpg"], "missing": ["gone.jpg"]}
    assert result.not_scored_other_size == ["small.png"]
    assert result.report.n_images == 2 and result.report.score > 0.9
    small = result.predictions["small.png"]
    assert len(small) == 2
    assert iou_matrix(truth["small.png"], small, (384, 512)).max(axis=1).min() > 0.8


def test_refined_outlines_come_from_each_images_own_pixels(
    tmp_path: Path, brightness_onnx: Path, scene, save_image
) -> None:
    """An image of another size is refined on its own pixels, not on the 768×768 frame the model saw."""
    rng = np.random.default_rng(5)
    truth = {}
    for name, shape in (("a.jpg", (768, 768)), ("small.png", (384, 512))):
        image, ships = scene(rng, 2, shape)
        save_image(tmp_path / name, image)
        truth[name] = ships
    predictor = load_predictor(brightness_onnx, refine=True)
    assert predictor.refine_outlines is True  # the caller's word over the (absent) metadata
    refined = evaluate(predictor, tmp_path, truth, EvaluateOptions(threshold=0.5, refine=True))
    small = refined.predictions["small.png"]
    assert len(small) == 2
    assert iou_matrix(truth["small.png"], small, (384, 512)).max(axis=1).min() > 0.8
    assert refined.report.n_images == 1 and refined.report.score > 0.9
