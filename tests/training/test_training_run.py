"""A whole training run on a tiny set with a tiny model: the files it leaves, the loss falling, resuming,
Ctrl+C, and evaluating what it trained (Keras and ONNX)."""

from __future__ import annotations

import json
import math
import signal
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from shipviewer.airbus.annotations import read_csv
from training.callbacks import read_state
from training.cli import main
from training.config import TrainConfig
from training.curves import read_log
from training.errors import ConfigError
from training.train import resume, train

pytestmark = [
    pytest.mark.slow,
    # Keras 3.15 converts tensors with np.array(x, copy=False) fallbacks that NumPy 2 flags, every batch.
    pytest.mark.filterwarnings(
        "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
    ),
]

TINY = {"width": 0.125, "crop": 64, "batch": 4, "lr": 0.01, "empty_fraction": 1.0, "val_fraction": 0.25}


@pytest.fixture(scope="module")
def run_dir(bright_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("run") / "run"
    train(TrainConfig(data=str(bright_data), out=str(out), epochs=3, steps_per_epoch=6, seed=0, **TINY))
    return out


def test_run_folder_holds_every_file(run_dir: Path) -> None:
    for name in (
        "best.keras",
        "last.keras",
        "log.csv",
        "curves.png",
        "config.json",
        "train.csv",
        "val.csv",
        "state.json",
        "train.log",
    ):
        assert (run_dir / name).is_file(), name
    assert list((run_dir / "tensorboard" / "train").glob("events.out.tfevents.*"))
    assert list((run_dir / "tensorboard" / "validation").glob("events.out.tfevents.*"))
    curves = cv2.imread(str(run_dir / "curves.png"))
    assert curves is not None and curves.shape == (440, 1280, 3)
    assert "enc5_conv" in (run_dir / "train.log").read_text(encoding="utf-8")  # the model summary


def test_config_records_every_setting_and_the_pixel_convention(run_dir: Path) -> None:
    config = json.loads((run_dir / "config.json").read_text())
    assert config["settings"]["crop"] == 64 and config["settings"]["width"] == 0.125
    assert set(config["settings"]) == set(TrainConfig.__dataclass_fields__)
    assert config["preprocessing"]["layout"] == "NHWC" and config["preprocessing"]["scale"] == 1 / 255
    assert config["model"]["encoder_filters"] == [4, 4, 8, 8, 64]
    assert config["dataset"]["train"]["images"] + config["dataset"]["val"]["images"] == 24
    assert config["training"]["steps_per_epoch"] == 6


def test_loss_falls(run_dir: Path) -> None:
    log = read_log(run_dir / "log.csv")
    assert log["epoch"] == [0.0, 1.0, 2.0]
    assert log["loss"][-1] < log["loss"][0]
    assert all(math.isfinite(v) for v in log["val_loss"] + log["val_dice"])


def test_tensorboard_has_the_epoch_scalars(run_dir: Path) -> None:
    import tensorflow as tf

    (events,) = (run_dir / "tensorboard" / "train").glob("events.out.tfevents.*")
    tags = {
        value.tag
        for event in tf.compat.v1.train.summary_iterator(str(events))
        for value in event.summary.value
    }
    assert {"epoch_loss", "epoch_dice", "epoch_iou", "epoch_learning_rate"} <= tags


def test_resume_continues_at_the_next_epoch(run_dir: Path) -> None:
    best_before = read_state(run_dir)["best"]
    result = resume(run_dir, {"epochs": 4})
    assert result.epochs_done == 4
    log = read_log(run_dir / "log.csv")
    assert log["epoch"] == [0.0, 1.0, 2.0, 3.0]
    assert read_state(run_dir)["best"] <= best_before
    config = json.loads((run_dir / "config.json").read_text())
    assert config["settings"]["epochs"] == 4 and config["resumed_at_epochs"] == [3]
    with pytest.raises(ConfigError, match=r"keeps its model and data settings.*--width"):
        resume(run_dir, {"width": 0.5})
    with pytest.raises(ConfigError, match="already holds a training run"):
        train(TrainConfig(data=str(run_dir), out=str(run_dir), **TINY))


def test_init_starts_from_a_trained_model(run_dir: Path, bright_data: Path, tmp_path: Path) -> None:
    import keras

    source = run_dir / "best.keras"
    out = tmp_path / "finetune"
    # A vanishing learning rate: after one step the weights are still those of the source model.
    settings = {**TINY, "lr": 1e-12}
    train(
        TrainConfig(
            data=str(bright_data), out=str(out), epochs=1, steps_per_epoch=1, init=str(source), **settings
        )
    )
    before = keras.models.load_model(source, compile=False).get_weights()
    after = keras.models.load_model(out / "last.keras", compile=False).get_weights()
    assert all(np.allclose(a, b, atol=1e-6) for a, b in zip(before, after, strict=True))
    assert json.loads((out / "config.json").read_text())["settings"]["init"] == str(source)
    with pytest.raises(ConfigError, match=r"do not fit this model.*--width"):
        train(
            TrainConfig(
                data=str(bright_data), out=str(tmp_path / "wide"), init=str(source), **{**TINY, "width": 0.25}
            )
        )
    with pytest.raises(ConfigError, match="no such model file"):
        TrainConfig(data=str(bright_data), out=str(tmp_path / "x"), init=str(tmp_path / "none.keras")).check()


def test_decoder_only_with_a_seam_keeps_the_encoder_and_records_the_seam(
    run_dir: Path, bright_data: Path, tmp_path: Path
) -> None:
    """``--decoder-only --seam 2``: the encoder's weights stay those of --init (so does a fitted gate),
    the decoder's move, and the seam reaches the ONNX metadata, where post-processing reads it."""
    import keras

    from export.onnx_export import metadata_from_run

    source = run_dir / "best.keras"
    out = tmp_path / "seam"
    train(
        TrainConfig(
            data=str(bright_data),
            out=str(out),
            epochs=1,
            steps_per_epoch=3,
            init=str(source),
            decoder_only=True,
            seam=2,
            **TINY,
        )
    )
    before = keras.models.load_model(source, compile=False)
    after = keras.models.load_model(out / "last.keras", compile=False)
    moved = {}
    for layer in before.layers:
        if layer.weights:
            old, new = layer.get_weights(), after.get_layer(layer.name).get_weights()
            moved[layer.name] = any(not np.array_equal(a, b) for a, b in zip(old, new, strict=True))
    assert not any(v for k, v in moved.items() if k.startswith("enc")), moved
    assert any(v for k, v in moved.items() if k.startswith("dec")), moved
    assert json.loads((out / "config.json").read_text())["settings"]["seam"] == 2
    assert metadata_from_run(out / "last.keras").seam == 2
    with pytest.raises(ConfigError, match="--decoder-only needs --init"):
        TrainConfig(data=str(bright_data), out=str(tmp_path / "y"), decoder_only=True).check()
    with pytest.raises(ConfigError, match="--seam must be"):
        TrainConfig(data=str(bright_data), out=str(tmp_path / "z"), seam=20).check()


def test_unpool_run_starts_from_a_nearest_upsampling_model_and_exports_with_parity(
    run_dir: Path, bright_data: Path, tmp_path: Path
) -> None:
    """``--unpool --init`` a model trained with nearest upsampling: its trained layers are copied by name
    (the encoder stays bit-identical with --decoder-only), the run records the upsampling, and the result
    exports to ONNX within the fp32 tolerance."""
    import keras

    from export.onnx_export import export_onnx
    from training.model import has_unpool

    source = run_dir / "best.keras"
    out = tmp_path / "unpool"
    train(
        TrainConfig(
            data=str(bright_data),
            out=str(out),
            epochs=1,
            steps_per_epoch=2,
            init=str(source),
            decoder_only=True,
            unpool=True,
            **TINY,
        )
    )
    before = keras.models.load_model(source, compile=False)
    after = keras.models.load_model(out / "last.keras", compile=False)
    assert has_unpool(after) and not has_unpool(before)
    for layer in before.layers:
        if layer.weights and layer.name.startswith("enc"):
            for a, b in zip(layer.get_weights(), after.get_layer(layer.name).get_weights(), strict=True):
                np.testing.assert_array_equal(a, b)
    config = json.loads((out / "config.json").read_text())
    assert config["settings"]["unpool"] is True and config["model"]["upsampling"] == "max-unpooling"
    report = export_onnx(out / "last.keras", tmp_path / "unpool.onnx")
    assert report.max_abs_diff <= 1e-4


def test_evaluate_scores_the_validation_split(
    run_dir: Path, bright_data: Path, capsys: pytest.CaptureFixture
) -> None:
    pred = run_dir / "pred.csv"
    assert (
        main(
            [
                "evaluate",
                "--model",
                str(run_dir / "best.keras"),
                "--data",
                str(bright_data),
                "--out",
                str(pred),
            ]
        )
        == 0
    )
    lines = capsys.readouterr().out.strip().splitlines()
    score = float(lines[-1])
    assert 0.0 <= score <= 1.0
    val_ids = set(read_csv(run_dir / "val.csv").ships)
    assert set(read_csv(pred).ships) == val_ids
    assert any("0.50" in line and "F2" not in line for line in lines)  # the per-threshold table
    recorded = json.loads((run_dir / "config.json").read_text())["validation"]
    assert recorded["f2"] == pytest.approx(score, abs=1e-6) and recorded["images"] == len(val_ids)


def test_evaluate_an_onnx_model(
    bright_data: Path, brightness_onnx: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    from training.predictors import load_predictor

    images = np.random.default_rng(0).integers(0, 256, (2, 64, 96, 3), dtype=np.uint8)
    assert np.allclose(load_predictor(brightness_onnx)(images), images.mean(axis=-1) / 255, atol=1e-6)
    args = [
        "evaluate",
        "--model",
        str(brightness_onnx),
        "--data",
        str(bright_data),
        "--split",
        "all",
        "--limit",
        "4",
    ]
    assert main([*args, "--out", str(tmp_path / "p.csv")]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert float(out[-1]) > 0.5  # bright rectangles on a dark sea: brightness alone finds them

    # Without --threshold / --min-size an ONNX model's recommendation applies; given ones win.
    onnx = pytest.importorskip("onnx")
    from export.onnx_export import _set_metadata
    from shipviewer.model.metadata import ModelMetadata

    proto = onnx.load(str(brightness_onnx))
    _set_metadata(proto, ModelMetadata(input_layout="NHWC", threshold=0.61, min_size=33))
    advised = tmp_path / "advised.onnx"
    onnx.save(proto, str(advised))
    args[2] = str(advised)
    assert main([*args, "--out", str(tmp_path / "q.csv")]) == 0
    assert (
        "threshold 0.61, minimum ship size 33 px (unless given: the model's metadata)"
        in capsys.readouterr().out
    )
    assert main([*args, "--out", str(tmp_path / "r.csv"), "--threshold", "0.4", "--min-size", "5"]) == 0
    assert "unless given" not in capsys.readouterr().out


def test_ctrl_c_leaves_a_usable_last_model(bright_data: Path, tmp_path: Path, cli) -> None:
    out = tmp_path / "interrupted"
    command = [
        sys.executable,
        "-m",
        "training.cli",
        "train",
        "--data",
        str(bright_data),
        "--out",
        str(out),
        "--epochs",
        "500",
        "--steps-per-epoch",
        "2",
        "--crop",
        "64",
        "--batch",
        "2",
        "--width",
        "0.125",
    ]
    process = subprocess.Popen(
        command,
        cwd=Path(__file__).resolve().parents[2],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        while not (out / "state.json").exists() and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.2)
        assert (out / "state.json").exists(), process.communicate(timeout=30)
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 130, stderr
    assert "continue with --resume" in stdout
    state = read_state(out)
    assert state["interrupted"] is True
    done = state["epochs_done"]
    assert not list(out.glob("*.partial.keras"))
    result = resume(out, {"epochs": done + 1, "steps_per_epoch": 1})
    assert result.epochs_done == done + 1


def test_ctrl_c_during_fit_becomes_a_stop_between_steps() -> None:
    """The first Ctrl+C only flags the run (TensorFlow's machinery could swallow a KeyboardInterrupt raised
    mid-step); the end of the step raises it; a second Ctrl+C raises at once; the old handler comes back."""
    import os

    from training.callbacks import interruptible

    before = signal.getsignal(signal.SIGINT)
    with interruptible() as stop:
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.05)  # the handler runs on the next bytecode; nothing is raised here
        assert stop.requested
        with pytest.raises(KeyboardInterrupt):
            stop.on_train_batch_end(0)
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.05)
    assert signal.getsignal(signal.SIGINT) is before
