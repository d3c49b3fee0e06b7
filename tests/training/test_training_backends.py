"""`shipviewer train --backend jax`: the SegNet trained on Keras's JAX backend from NumPy batches, in a fresh
process (the backend is chosen before Keras loads); its .keras file is an ordinary one that TensorFlow loads
and the exporter converts with parity. And the settings a non-TensorFlow backend cannot honour are refused."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from tests.training.conftest import make_bright_set


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="jax is not installed")
def test_a_run_on_jax_trains_saves_and_exports(tmp_path: Path, cli) -> None:
    import keras

    from export.onnx_export import export_onnx
    from shipviewer.model.inference import InferenceSession
    from training.train import has_gate

    data = make_bright_set(tmp_path / "data", 12, seed=4)
    run = tmp_path / "run"
    done = cli(
        "train", "--backend", "jax", "--data", str(data), "--out", str(run), "--width", "0.25",
        "--crop", "64", "--batch", "4", "--epochs", "2", "--steps-per-epoch", "3", "--val-steps", "1",
        "--gate", timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    config = json.loads((run / "config.json").read_text())
    assert config["settings"]["backend"] == "jax" and config["environment"]["keras_backend"] == "jax"
    assert "Keras backend jax: one replica on cpu" in (run / "train.log").read_text()
    assert not (run / "tensorboard").exists()  # TensorFlow's event files: only on its own backend
    assert len((run / "log.csv").read_text().splitlines()) == 3  # header + two epochs
    model = keras.models.load_model(run / "best.keras")  # here on TensorFlow: the file is backend-neutral
    assert has_gate(model)
    report = export_onnx(run / "best.keras", tmp_path / "jax.onnx")
    assert report.max_abs_diff < 1e-4
    session = InferenceSession(tmp_path / "jax.onnx", device="cpu")
    probability = session.probabilities(np.zeros((64, 64, 3), np.uint8))
    assert probability.shape == (64, 64) and np.isfinite(probability).all()


def test_settings_other_backends_cannot_honour_are_refused(tmp_path: Path, cli) -> None:
    base = ["train", "--data", str(tmp_path), "--out", str(tmp_path / "run")]
    mirrored = cli(*base, "--backend", "jax", "--strategy", "mirrored")
    assert mirrored.returncode != 0 and "--strategy and --cpu-devices are TensorFlow's" in mirrored.stderr
    if importlib.util.find_spec("torch") is None:
        (tmp_path / "train_v2").mkdir()
        (tmp_path / "train_ship_segmentations_v2.csv").write_text("ImageId,EncodedPixels\n")
        torch = cli(*base, "--backend", "torch")
        assert torch.returncode != 0 and "torch is not installed" in torch.stderr
