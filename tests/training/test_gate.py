"""The ship/no-ship gate: the head's shapes, joint training, export of both outputs with parity, the gated
decoder, int8 agreement, and that models without the gate keep working."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("tensorflow")
pytest.importorskip("tf2onnx")

from export.graph import count_ops, is_gated, ungate
from export.onnx_export import export_onnx, keras_outputs
from export.quantize import quantize_int8
from shipviewer.model.inference import InferenceSession
from shipviewer.model.metadata import ModelMetadata
from training.model import build_segnet, has_gate

pytestmark = pytest.mark.slow


def images(n: int = 3, size: tuple[int, int] = (96, 128), seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 256, (*size, 3), dtype=np.uint8) for _ in range(n)]


@pytest.fixture(scope="module")
def gated_keras(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import keras

    keras.utils.set_random_seed(0)
    model = build_segnet(width=0.125, gate=True)
    path = tmp_path_factory.mktemp("gate") / "gated.keras"
    model.save(path)
    return path


@pytest.fixture(scope="module")
def gated_onnx(gated_keras: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("gate-onnx") / "gated.onnx"
    report = export_onnx(gated_keras, out, parity_images=images(), gate_threshold=0.5)
    assert report.max_abs_diff is not None and report.max_abs_diff <= 1e-4
    assert report.gate_max_abs_diff is not None and report.gate_max_abs_diff <= 1e-4
    return out


def test_gate_head_shapes() -> None:
    model = build_segnet(width=0.125, gate=True)
    assert has_gate(model) and not has_gate(build_segnet(width=0.125))
    mask, ship = model(np.zeros((2, 64, 96, 3), np.float32))
    assert tuple(mask.shape) == (2, 64, 96, 1) and tuple(ship.shape) == (2, 1)
    assert {"gate_max", "gate_mean", "gate_pool", "gate_dense", "ship"} <= {
        layer.name for layer in model.layers
    }


def test_export_has_both_outputs_a_gated_decoder_and_metadata(gated_onnx: Path) -> None:
    import onnx

    proto = onnx.load(str(gated_onnx))
    assert [o.name for o in proto.graph.output] == ["probability", "ship"]
    assert is_gated(proto) and count_ops(proto, "Transpose") == 0
    session = InferenceSession(gated_onnx, device="cpu")
    assert session.has_gate and session.gate_threshold == 0.5 and session.info.gate_input == "gate_threshold"
    assert ModelMetadata.from_props(session.info.raw_metadata).gate_threshold == 0.5


def test_an_image_under_the_gate_yields_no_ships_and_skips_the_decoder(gated_onnx: Path) -> None:
    session = InferenceSession(gated_onnx, device="cpu")
    batch = np.stack(images(2))
    closed = session.run_gated(batch, gate_threshold=2.0)  # no image can pass
    assert not closed.decoded and not closed.passed.any() and not closed.probability.any()
    assert closed.ship is not None and closed.ship.shape == (2,)
    full = session.run_batch(batch)
    assert full.shape == (2, 96, 128) and full.any()  # the map stays available on demand
    session_meta = session.metadata
    assert session_meta.gate_threshold == 0.5


def test_the_gated_path_gives_the_same_maps_as_the_full_path_where_it_lets_images_through(
    gated_onnx: Path,
) -> None:
    session = InferenceSession(gated_onnx, device="cpu")
    batch = np.stack(images(3, seed=4))
    opened = session.run_gated(batch, gate_threshold=0.0)  # every image passes
    assert opened.decoded and opened.passed.all()
    np.testing.assert_array_equal(opened.probability, session.run_batch(batch))
    ship = opened.ship
    assert ship is not None
    middle = float(np.median(ship))
    split = session.run_gated(batch, gate_threshold=middle)
    for i, passed in enumerate(split.passed):
        if passed:
            np.testing.assert_array_equal(split.probability[i], opened.probability[i])
        else:
            assert not split.probability[i].any()


def test_keras_and_onnx_agree_on_the_ship_probability(gated_keras: Path, gated_onnx: Path) -> None:
    import keras

    model = keras.models.load_model(gated_keras, compile=False)
    session = InferenceSession(gated_onnx, device="cpu")
    batch = np.stack(images(2, seed=9))
    _, expected = keras_outputs(model, batch, session.metadata)
    got = session.run_gated(batch, gate_threshold=-1.0).ship
    assert expected is not None and got is not None
    np.testing.assert_allclose(got, expected, atol=1e-4)


def test_ungate_restores_a_plain_graph(gated_onnx: Path) -> None:
    import onnx

    proto = onnx.load(str(gated_onnx))
    assert ungate(proto) == pytest.approx(0.5)
    assert not is_gated(proto) and not any(i.name == "gate_threshold" for i in proto.graph.input)
    onnx.checker.check_model(proto)


def test_int8_keeps_the_gate_decisions(gated_onnx: Path, tmp_path: Path) -> None:
    calibration = images(6, size=(96, 96), seed=2)
    report = quantize_int8(gated_onnx, tmp_path / "int8.onnx", calibration, min_dice=0.0)
    assert report.gate_agreement is not None and report.gate_agreement >= 0.99
    int8 = InferenceSession(report.onnx_path, device="cpu")
    assert int8.has_gate and int8.info.gate_input == "gate_threshold" and int8.metadata.precision == "int8"


def test_a_model_without_the_gate_still_loads_and_passes_every_image(tmp_path: Path) -> None:
    path = tmp_path / "plain.keras"
    build_segnet(width=0.125).save(path)
    onnx_path = export_onnx(path, tmp_path / "plain.onnx", parity_images=images(1)).onnx_path
    session = InferenceSession(onnx_path, device="cpu")
    assert not session.has_gate and session.gate_threshold is None
    out = session.run_gated(np.stack(images(2)))
    assert out.ship is None and out.passed.all() and out.decoded
    analysis = session.analyse(images(1)[0])
    assert analysis.ship_probability is None and analysis.passed


def test_a_gated_run_trains_both_outputs_and_starts_from_an_ungated_model(
    bright_data: Path, tmp_path: Path
) -> None:
    from training.config import TrainConfig
    from training.train import train

    base = tmp_path / "base.keras"
    build_segnet(width=0.125).save(base)
    config = TrainConfig(
        data=str(bright_data),
        out=str(tmp_path / "run"),
        epochs=1,
        steps_per_epoch=2,
        val_steps=1,
        batch=2,
        crop=64,
        width=0.125,
        gate=True,
        init=str(base),
    ).check()
    train(config)
    log = (tmp_path / "run" / "log.csv").read_text().splitlines()[0]
    assert "ship_loss" in log and "probability_dice" in log
    import keras

    model = keras.models.load_model(tmp_path / "run" / "best.keras", compile=False)
    assert has_gate(model)
    source = keras.models.load_model(base, compile=False)
    # Started from the base: its encoder weights moved by at most two steps of Adam.
    drift = np.abs(
        model.get_layer("enc1_conv").get_weights()[0] - source.get_layer("enc1_conv").get_weights()[0]
    )
    assert drift.max() < 0.01
