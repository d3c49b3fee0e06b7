"""The bundled default model: what a fresh clone gets. `shipviewer predict` uses it when no model is given
(the int8 copy on a CPU), its metadata is complete, it has the ship/no-ship gate, the int8 copy beside it
keeps the fp32 masks and gate decisions, and the .keras file behind them is there to fine-tune from."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from export.quantize import pooled_dice
from resources import default_keras_path, default_model_path, samples_dir
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
    assert meta.gate_threshold is not None and meta.gate_validation_accuracy is not None


def test_bundled_model_has_the_gate_and_a_gated_decoder() -> None:
    session = InferenceSession(default_model_path(), device="cpu")
    assert session.has_gate and session.info.gate_input == "gate_threshold"
    empty, ships = read_image(samples_dir() / "7839d11bd.jpg"), read_image(samples_dir() / "2dcaa7944.jpg")
    truth = read_csv(samples_dir() / "labels.csv").ships
    assert not truth["7839d11bd.jpg"] and truth["2dcaa7944.jpg"]
    assert not session.analyse(empty).passed and session.ships(empty) == []
    assert session.analyse(ships).passed and session.ships(ships)


def test_bundled_keras_file_is_the_onnx_model() -> None:
    pytest.importorskip("tensorflow")
    from export.onnx_export import keras_outputs, load_keras_model

    path = default_keras_path()
    assert path.is_file() and path.stat().st_size < MAX_BYTES
    model = load_keras_model(path)
    session = InferenceSession(default_model_path(), device="cpu")
    image = read_image(samples_dir() / "2dcaa7944.jpg")[None]
    probability, ship = keras_outputs(model, image, session.metadata)
    assert ship is not None
    assert abs(probability - session.run_batch(image)).max() < 1e-4
    assert abs(float(ship[0]) - float(session.run_gated(image, -1.0).ship[0])) < 1e-4


def test_cpu_default_is_the_int8_copy() -> None:
    assert default_model_path("cpu").name == "shipviewer-segnet-int8.onnx"
    assert default_model_path().name == "shipviewer-segnet.onnx"
    assert default_model_path("cuda").name == "shipviewer-segnet.onnx"


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
    name = InferenceSession(default_model_path("auto"), device="cpu").metadata.name
    assert f"model: {name}" in result.stderr and "the bundled shipviewer-segnet" in result.stderr
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
    same = [fp32.analyse(im).passed == int8.analyse(im).passed for im in images]
    assert sum(same) / len(same) >= 0.99


def test_evaluate_without_a_model_scores_the_bundled_int8_copy(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "shipviewer.cli",
            "evaluate",
            "--data",
            str(samples_dir()),
            "--csv",
            str(samples_dir() / "labels.csv"),
            "--split",
            "all",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "the bundled shipviewer-segnet-int8.onnx" in result.stdout
    assert "ship/no-ship gate at" in result.stdout
    assert "outlines redrawn from the image by GrabCut" in result.stdout  # the model's advice, followed
    float(result.stdout.strip().splitlines()[-1])  # the last line is the bare F2
    assert (tmp_path / "shipviewer-segnet-int8_predictions.csv").is_file()  # not beside the bundled model
