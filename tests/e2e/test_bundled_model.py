"""The bundled default model: what a fresh clone gets. `shipviewer predict` uses it when no model is given,
its metadata is complete, and the int8 copy beside it keeps the fp32 masks."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from export.quantize import pooled_dice
from resources import default_model_path, samples_dir
from shipviewer.airbus.annotations import read_csv, validate_csv
from shipviewer.airbus.images import find_images, read_image
from shipviewer.model.inference import InferenceSession

MAX_BYTES = 25_000_000


def test_bundled_model_file_and_metadata() -> None:
    onnx = pytest.importorskip("onnx")
    path = default_model_path()
    assert path.is_file() and path.stat().st_size < MAX_BYTES
    assert (path.parent / "MODEL_CARD.md").is_file()
    graph = onnx.load(str(path)).graph
    assert not [n for n in graph.node if n.op_type in ("Transpose", "Shape")]
    meta = InferenceSession(path, device="cpu").metadata
    assert meta.input_layout == "NCHW" and meta.precision == "fp32"
    assert 0.0 < meta.threshold < 1.0 and meta.min_size > 0
    assert meta.validation_f2 is not None and meta.validation_dice is not None
    assert meta.training_data and meta.version


def test_predict_without_a_model_uses_the_bundled_one(tmp_path: Path, real_dir: Path) -> None:
    sample = next(iter(find_images([samples_dir()])))
    for source in (sample, real_dir / "images" / "0a0df8299.jpg"):
        shutil.copy(source, tmp_path / source.name)
    csv = tmp_path / "pred.csv"
    result = subprocess.run(
        [sys.executable, "-m", "shipviewer.cli", "predict", str(tmp_path), "--csv", str(csv)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    name = InferenceSession(default_model_path(), device="cpu").metadata.name
    assert f"model: {name}" in result.stderr
    for source in (sample, real_dir / "images" / "0a0df8299.jpg"):
        assert (tmp_path / f"{source.stem}_segmented.png").is_file()
    assert sorted(read_csv(csv).ships) == sorted([sample.name, "0a0df8299.jpg"])
    assert validate_csv(csv, images=tmp_path).ok


def test_bundled_int8_keeps_the_fp32_masks(real_dir: Path) -> None:
    int8_path = default_model_path().with_name(default_model_path().stem + "-int8.onnx")
    fp32, int8 = (
        InferenceSession(default_model_path(), device="cpu"),
        InferenceSession(int8_path, device="cpu"),
    )
    assert (
        int8.metadata.precision == "int8" and int8_path.stat().st_size < default_model_path().stat().st_size
    )
    threshold = fp32.metadata.threshold
    images = [read_image(p) for p in [*find_images([samples_dir()]), *find_images([real_dir / "images"])]]
    a, b = [fp32.probabilities(im) for im in images], [int8.probabilities(im) for im in images]
    assert any((p > threshold).any() for p in a)  # the model marks something on these images
    assert pooled_dice(a, b, threshold) >= 0.98
