from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest

pytest.importorskip("tensorflow")
pytest.importorskip("tf2onnx")

from export.graph import count_ops, pad_input_channels, pin_resize_layout
from export.onnx_export import ParityError, export_onnx
from export.quantize import _input_block, pooled_dice, quantize_int8
from shipviewer.airbus import rle
from shipviewer.model.inference import InferenceSession
from shipviewer.model.metadata import ModelMetadata
from tests.keras_models import brightness_model, tiny_segnet

pytestmark = pytest.mark.slow


def images(n: int = 2, size: tuple[int, int] = (128, 160)) -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    return [rng.integers(0, 256, (*size, 3), dtype=np.uint8) for _ in range(n)]


@pytest.fixture(scope="module")
def tiny_keras(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("keras") / "tiny.keras"
    tiny_segnet().save(path)
    return path


def test_export_has_parity_no_transpose_and_metadata(tiny_keras: Path, tmp_path: Path) -> None:
    meta = ModelMetadata(
        name="tiny", threshold=0.4, min_size=7, training_data="synth", validation_f2=0.5, version="tiny-1"
    )
    report = export_onnx(tiny_keras, tmp_path / "tiny.onnx", metadata=meta, parity_images=images())
    assert report.max_abs_diff is not None and report.max_abs_diff <= 1e-4
    assert report.n_transposes == 0
    graph = onnx.load(str(report.onnx_path)).graph
    # Upsampling by constant scales: no run-time shape arithmetic left in the graph.
    assert {n.op_type for n in graph.node} <= {
        "Conv",
        "Relu",
        "MaxPool",
        "Resize",
        "Sigmoid",
        "Squeeze",
        "Reshape",
    }
    session = InferenceSession(report.onnx_path)
    assert session.metadata == ModelMetadata(**{**meta.__dict__, "input_layout": "NCHW"})
    assert session.info.input_name == "image" and session.info.output_name == "probability"
    # Dynamic batch, height and width.
    batch = np.stack(images(3, (64, 96)))
    assert session.run_batch(batch).shape == (3, 64, 96)


def test_exported_model_finds_what_keras_finds(tmp_path: Path) -> None:
    keras_path = brightness_model(tmp_path / "bright.keras")
    onnx_path = export_onnx(keras_path, tmp_path / "bright.onnx", parity_images=images()).onnx_path
    scene = np.full((96, 128, 3), 30, np.uint8)
    scene[10:20, 30:60] = 240  # a bright 10x30 'ship'
    scene[60:64, 100:104] = 250  # a 4x4 speck
    session = InferenceSession(onnx_path)
    assert session.metadata.version.startswith("shipviewer ")  # filled in when the run gives none
    ships = session.ships(scene, threshold=0.5, min_size=20)
    assert len(ships) == 1
    assert rle.decode(ships[0], (96, 128)).sum() == 300


def test_parity_failure_is_loud_and_leaves_no_file(tiny_keras: Path, tmp_path: Path) -> None:
    target = tmp_path / "strict.onnx"
    with pytest.raises(ParityError, match="differs from Keras"):
        export_onnx(tiny_keras, target, parity_images=images(), tolerance=-1.0)
    assert not target.exists()


def test_wrong_model_shape_is_refused(tmp_path: Path) -> None:
    import keras

    inp = keras.Input((None, None, 3))
    model = keras.Model(inp, keras.layers.Conv2D(2, 1)(inp))
    model.save(tmp_path / "two.keras")
    with pytest.raises(ValueError, match=r"output must be \(batch, height, width, 1\)"):
        export_onnx(tmp_path / "two.keras", tmp_path / "two.onnx", parity_images=images())


def test_int8_quantization_keeps_the_masks(tmp_path: Path) -> None:
    keras_path = brightness_model(tmp_path / "bright.keras")
    fp32 = export_onnx(keras_path, tmp_path / "fp32.onnx", parity_images=images()).onnx_path
    rng = np.random.default_rng(1)
    calibration = []
    for _ in range(6):
        scene = rng.integers(10, 60, (128, 128, 3), dtype=np.uint8)
        r, c = rng.integers(0, 100, 2)
        scene[r : r + 20, c : c + 8] = 230
        calibration.append(scene)
    report = quantize_int8(fp32, tmp_path / "int8.onnx", calibration)
    assert report.dice_vs_fp32 is not None and report.dice_vs_fp32 >= 0.98
    assert InferenceSession(report.onnx_path).metadata.precision == "int8"


def test_int8_graph_rewrites_change_nothing(tiny_keras: Path, tmp_path: Path) -> None:
    fp32 = export_onnx(tiny_keras, tmp_path / "fp32.onnx", parity_images=images()).onnx_path
    proto = onnx.load(str(fp32))
    assert pad_input_channels(proto) == "pad_input_channels"
    assert pin_resize_layout(proto) == count_ops(proto, "Resize") > 0
    onnx.checker.check_model(proto)
    rewritten = tmp_path / "rewritten.onnx"
    onnx.save(proto, str(rewritten))
    batch = np.stack(images(2, (96, 64)))
    before, after = InferenceSession(fp32).run_batch(batch), InferenceSession(rewritten).run_batch(batch)
    assert np.abs(before - after).max() < 1e-6
    assert pad_input_channels(proto) is None  # already padded: nothing to do


def test_int8_that_cannot_reach_the_gate_is_refused(tmp_path: Path) -> None:
    keras_path = brightness_model(tmp_path / "bright.keras")
    fp32 = export_onnx(keras_path, tmp_path / "fp32.onnx", parity_images=images()).onnx_path
    assert _input_block(onnx.load(str(fp32)))[0].startswith("Conv")
    target = tmp_path / "int8.onnx"
    # An unreachable gate: both attempts (full int8, then the input convolution in fp32) run and fail.
    with pytest.raises(ParityError, match="even with the input convolution kept in fp32"):
        quantize_int8(fp32, target, images(3, (64, 64)), min_dice=1.01)
    assert not target.exists()
    # A model already at the target is left as it was.
    target.write_bytes(b"the user's earlier model")
    with pytest.raises(ParityError, match="nothing written"):
        quantize_int8(fp32, target, images(3, (64, 64)), min_dice=1.01)
    assert target.read_bytes() == b"the user's earlier model"


def test_pooled_dice() -> None:
    a = np.zeros((4, 4), np.float32)
    assert pooled_dice([a], [a], 0.5) == 1.0
    b = a.copy()
    a[0, :2] = 0.9
    b[0, 1:3] = 0.9
    assert pooled_dice([a], [b], 0.5) == 0.5
    # Ship-free images both leave empty add nothing: two such images do not lift 0.5 towards 1.
    empty = np.zeros((4, 4), np.float32)
    assert pooled_dice([a, empty, empty], [b, empty, empty], 0.5) == 0.5
    # Pooled: every marked pixel counts once (1 of 1 and 0 of 3 pixels -> 2/4).
    c, d = np.zeros((4, 4), np.float32), np.zeros((4, 4), np.float32)
    c[1, 0] = d[1, 0] = 0.9
    e, f = np.zeros((4, 4), np.float32), np.zeros((4, 4), np.float32)
    e[2, :2] = 0.9
    assert pooled_dice([c, e], [d, f], 0.5) == 0.5


def test_export_command(tmp_path: Path) -> None:
    keras_path = brightness_model(tmp_path / "bright.keras")
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "shipviewer.cli",
            "export",
            str(keras_path),
            "--out",
            str(tmp_path / "b.onnx"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert "0 Transpose" in out.stdout and "max |keras - onnx|" in out.stdout
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "shipviewer.cli",
            "export",
            str(keras_path),
            "--out",
            str(tmp_path / "c.onnx"),
            "--quantize",
            "int8",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert bad.returncode != 0 and "needs --calibration" in bad.stderr
