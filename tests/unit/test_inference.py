from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("onnx")

from shipviewer.airbus import rle
from shipviewer.model.inference import (
    CPU,
    InferenceSession,
    ModelError,
    as_rgb_uint8,
    choose_providers,
    tile_starts,
)
from shipviewer.model.metadata import ModelMetadata
from tests.onnx_models import channel_mean_model, expected_mean


@pytest.fixture
def model(tmp_path: Path) -> Path:
    return channel_mean_model(tmp_path / "mean.onnx")


@pytest.mark.parametrize(
    ("device", "available", "expected"),
    [
        ("auto", [CPU], [CPU]),
        ("auto", ["CUDAExecutionProvider", CPU], ["CUDAExecutionProvider", CPU]),
        (
            "auto",
            [CPU, "CUDAExecutionProvider", "TensorrtExecutionProvider", "AzureExecutionProvider"],
            ["TensorrtExecutionProvider", "CUDAExecutionProvider", CPU],
        ),
        ("auto", ["CoreMLExecutionProvider", CPU], ["CoreMLExecutionProvider", CPU]),
        ("auto", ["DmlExecutionProvider", CPU], ["DmlExecutionProvider", CPU]),
        ("cpu", ["CUDAExecutionProvider", CPU], [CPU]),
        ("CUDA", ["TensorrtExecutionProvider", "CUDAExecutionProvider", CPU], ["CUDAExecutionProvider", CPU]),
        ("tensorrt", ["TensorrtExecutionProvider", CPU], ["TensorrtExecutionProvider", CPU]),
    ],
)
def test_provider_choice(device: str, available: list[str], expected: list[str]) -> None:
    assert choose_providers(device, available) == expected


def test_unavailable_or_unknown_device_is_a_clear_error() -> None:
    with pytest.raises(
        ModelError, match=r"device 'cuda' is not available here .*offers: cpu.*onnxruntime-gpu"
    ):
        choose_providers("cuda", [CPU])
    with pytest.raises(ModelError, match="unknown device 'tpu'"):
        choose_providers("tpu", [CPU])


def test_session_reports_the_provider_it_really_uses(model: Path) -> None:
    session = InferenceSession(model, device="auto", threads=1)
    assert session.provider == CPU
    assert session.device_name == "CPU"
    assert "on CPU (1 threads)" in session.describe()


@pytest.mark.parametrize("shape", [(768, 768), (100, 37), (1, 1), (33, 64)])
def test_any_size_is_padded_and_cropped_back(model: Path, shape: tuple[int, int]) -> None:
    rgb = np.random.default_rng(0).integers(0, 256, (*shape, 3), dtype=np.uint8)
    prob = InferenceSession(model).probabilities(rgb)
    assert prob.shape == shape and prob.dtype == np.float32
    np.testing.assert_allclose(prob, expected_mean(rgb), atol=1e-6)


def test_large_images_are_tiled_and_stitched(model: Path) -> None:
    rgb = np.random.default_rng(1).integers(0, 256, (2000, 1700, 3), dtype=np.uint8)
    session = InferenceSession(model, tile=512, overlap=64, max_side=1024)
    prob = session.probabilities(rgb)
    np.testing.assert_allclose(prob, expected_mean(rgb), atol=1e-5)
    assert session.last_ms_per_image > 0


def test_tile_starts_cover_with_overlap() -> None:
    assert tile_starts(500, 768, 64) == [0]
    starts = tile_starts(2000, 768, 64)
    assert starts[0] == 0 and starts[-1] == 2000 - 768
    assert all(b - a <= 768 - 64 for a, b in itertools.pairwise(starts))


def test_nchw_layout_is_detected_and_fed(tmp_path: Path) -> None:
    path = channel_mean_model(tmp_path / "nchw.onnx", layout="NCHW")
    session = InferenceSession(path)
    assert session.metadata.input_layout == "NCHW"
    rgb = np.random.default_rng(2).integers(0, 256, (64, 96, 3), dtype=np.uint8)
    np.testing.assert_allclose(session.probabilities(rgb), expected_mean(rgb), atol=1e-6)


def test_metadata_is_read_once_and_used(tmp_path: Path) -> None:
    meta = ModelMetadata(pixel_scale=1 / 510, threshold=0.3, min_size=2, name="mean", validation_f2=0.5)
    path = channel_mean_model(tmp_path / "meta.onnx", metadata=meta.to_props())
    session = InferenceSession(path)
    assert session.metadata == meta
    assert session.info.name == "mean"
    rgb = np.full((40, 40, 3), 255, np.uint8)
    assert np.allclose(session.probabilities(rgb), 0.5)
    rgb[:] = 0
    rgb[5:15, 5:10] = 200  # mean 200/510 = 0.39 > 0.3 -> one ship
    ships = session.ships(rgb)
    assert len(ships) == 1 and rle.decode(ships[0], (40, 40)).sum() == 50
    assert session.ships(rgb, threshold=0.5) == []


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"out_channels": 2}, "output must have 1 channel"),
        ({"in_channels": 4}, "input must have 3 channels"),
    ],
)
def test_models_of_the_wrong_shape_are_rejected(tmp_path: Path, kwargs: dict, fragment: str) -> None:
    path = channel_mean_model(tmp_path / "bad.onnx", **kwargs)
    with pytest.raises(ModelError, match=fragment):
        InferenceSession(path)


def test_not_an_onnx_file(tmp_path: Path) -> None:
    junk = tmp_path / "junk.onnx"
    junk.write_bytes(b"this is not a model")
    with pytest.raises(ModelError, match=r"junk\.onnx: not a usable ONNX model"):
        InferenceSession(junk)
    with pytest.raises(ModelError, match="no such model file"):
        InferenceSession(tmp_path / "missing.onnx")


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        (np.full((4, 5), 7, np.uint8), np.full((4, 5, 3), 7, np.uint8)),
        (np.full((4, 5, 1), 7, np.uint8), np.full((4, 5, 3), 7, np.uint8)),
        (
            np.dstack([np.full((4, 5, 3), 9, np.uint8), np.zeros((4, 5), np.uint8)]),
            np.full((4, 5, 3), 9, np.uint8),
        ),
        (np.full((4, 5, 3), 65535, np.uint16), np.full((4, 5, 3), 255, np.uint8)),
        (np.full((4, 5, 3), 0.5, np.float32), np.full((4, 5, 3), 128, np.uint8)),
    ],
)
def test_as_rgb_uint8(image: np.ndarray, expected: np.ndarray) -> None:
    out = as_rgb_uint8(image)
    assert out.dtype == np.uint8 and out.flags.c_contiguous
    np.testing.assert_array_equal(out, expected)


def test_as_rgb_uint8_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="shape"):
        as_rgb_uint8(np.zeros((4, 5, 7), np.uint8))


def test_outline_refinement_follows_the_metadata_unless_told(tmp_path: Path) -> None:
    from shipviewer.model.postprocess import probability_to_ships

    meta = ModelMetadata(pixel_scale=1 / 255, threshold=0.3, min_size=5, refine_outlines=True)
    path = channel_mean_model(tmp_path / "refined.onnx", metadata=meta.to_props())
    session = InferenceSession(path)
    assert session.refine and "outlines refined" in session.describe()
    assert not InferenceSession(path, refine=False).refine
    assert not InferenceSession(channel_mean_model(tmp_path / "plain.onnx")).refine  # older models
    rng = np.random.default_rng(0)
    rgb = np.clip(rng.normal(40, 4, (64, 96, 3)), 0, 255).astype(np.uint8)
    rgb[20:34, 30:70] = (210, 200, 190)  # a bright hull on a dark sea
    analysis = session.analyse(rgb)
    ships = session.ships(rgb)
    assert ships == probability_to_ships(analysis.probability, 0.3, 5, refine=True, image=rgb)
    assert len(ships) == 1 and rle.decode(ships[0], (64, 96))[20:34, 30:70].all()
    with pytest.raises(ValueError, match="needs the image"):
        session.ships_from(analysis)
