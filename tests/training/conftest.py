"""Fixtures of the training tests: tiny data sets drawn with OpenCV, free ports, the CLI in a subprocess.

The "bright" set has ships that are bright rotated rectangles on a dark noisy sea, so a test can check that a
mask lines up with its image pixel by pixel, and a tiny model learns them within a few steps. Helpers reach
the tests as fixtures (the suite imports test modules with importlib, so they cannot import each other).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import cv2
import numpy as np
import pytest

from shipviewer.airbus.annotations import write_csv
from shipviewer.airbus.rle import encode

REPO = Path(__file__).resolve().parents[2]
KAGGLE_IMAGES, KAGGLE_CSV = "train_v2", "train_ship_segmentations_v2.csv"
SEA, SHIP = 35, 225


def draw_scene(
    rng: np.random.Generator, n_ships: int, shape: tuple[int, int] = (768, 768)
) -> tuple[np.ndarray, list[str]]:
    """A dark noisy RGB sea with ``n_ships`` bright, non-touching rotated rectangles; and their RLEs."""
    h, w = shape
    image = np.clip(rng.normal(SEA, 6, (h, w, 3)), 0, 255).astype(np.uint8)
    taken = np.zeros(shape, np.uint8)
    ships = []
    for _ in range(n_ships):
        for _attempt in range(50):
            centre = (float(rng.uniform(60, w - 60)), float(rng.uniform(60, h - 60)))
            size = (float(rng.uniform(30, 90)), float(rng.uniform(10, 22)))
            box = cv2.boxPoints((centre, size, float(rng.uniform(0, 180)))).astype(np.int32)
            mask = np.zeros(shape, np.uint8)
            cv2.fillConvexPoly(mask, box, 1)
            if not (cv2.dilate(taken, np.ones((7, 7), np.uint8)) & mask).any():
                break
        taken |= mask
        image[mask.astype(bool)] = SHIP
        ships.append(encode(mask.astype(bool)))
    return image, ships


def write_image(path: Path, rgb: np.ndarray) -> None:
    params = [cv2.IMWRITE_JPEG_QUALITY, 95] if path.suffix == ".jpg" else []
    assert cv2.imwrite(str(path), rgb[..., ::-1], params)


def make_bright_set(root: Path, n_images: int, seed: int, ship_share: float = 0.6) -> Path:
    """Write ``root`` in the Kaggle layout; about ``ship_share`` of the images have 1-3 ships."""
    images = root / KAGGLE_IMAGES
    images.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    labels: dict[str, list[str]] = {}
    for index in range(n_images):
        n_ships = int(rng.integers(1, 4)) if rng.random() < ship_share else 0
        image, ships = draw_scene(rng, n_ships)
        name = f"{seed:02d}{index:07x}.jpg"
        write_image(images / name, image)
        labels[name] = ships
    write_csv(root / KAGGLE_CSV, labels)
    return root


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run_cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 180
) -> subprocess.CompletedProcess:
    """``python -m training.cli ARGS`` in a fresh process (the repository as working folder)."""
    full_env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "training.cli", *args],
        cwd=REPO,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture(scope="session")
def bright_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """24 bright-ship images in the Kaggle layout."""
    return make_bright_set(tmp_path_factory.mktemp("bright"), 24, seed=1)


@pytest.fixture
def scene() -> Callable[..., tuple[np.ndarray, list[str]]]:
    """:func:`draw_scene`."""
    return draw_scene


@pytest.fixture
def save_image() -> Callable[[Path, np.ndarray], None]:
    """:func:`write_image`."""
    return write_image


@pytest.fixture
def cli() -> Callable[..., subprocess.CompletedProcess]:
    """:func:`run_cli`."""
    return run_cli


@pytest.fixture
def port() -> Callable[[], int]:
    """:func:`free_port`."""
    return free_port


@pytest.fixture(scope="session")
def brightness_onnx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A stand-in ONNX network, NHWC float input: ship probability = the pixel's mean brightness."""
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node("ReduceMean", ["image", "axes"], ["probability"], keepdims=1)],
        "brightness",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["n", "h", "w", 3])],
        [helper.make_tensor_value_info("probability", TensorProto.FLOAT, ["n", "h", "w", 1])],
        [helper.make_tensor("axes", TensorProto.INT64, [1], [3])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    model.ir_version = 9
    path = tmp_path_factory.mktemp("onnx") / "brightness.onnx"
    onnx.save(model, path)
    return path
