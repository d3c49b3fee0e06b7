"""Models behind one small interface: uint8 RGB images (N, H, W, 3) → ship probability (N, H, W) float32.

``evaluate`` sees only this callable, so a Keras model and an ONNX model are scored the same way. The Keras
one applies :func:`training.preprocess.preprocess`; the ONNX one is ``shipviewer.model.inference``, which
applies the same scaling from the model's metadata.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol

import numpy as np

from .errors import TrainingError
from .preprocess import preprocess
from .sizes import check_size


class Predictor(Protocol):
    """Ship probability for a batch of uint8 RGB images of one size (sides multiples of 32)."""

    description: str
    # (threshold, minimum ship size) the model recommends, or None when it carries no such advice.
    recommended: tuple[float, int] | None

    def __call__(self, images: np.ndarray) -> np.ndarray: ...


def _check_batch(images: np.ndarray) -> None:
    if images.ndim != 4 or images.shape[-1] != 3 or images.dtype != np.uint8:
        raise ValueError(f"expected uint8 images (N, H, W, 3), got {images.dtype} {images.shape}")
    check_size(images.shape[1], "image height")
    check_size(images.shape[2], "image width")


def _squeeze(probability: np.ndarray) -> np.ndarray:
    probability = np.asarray(probability, dtype=np.float32)
    return probability[..., 0] if probability.ndim == 4 else probability


class KerasPredictor:
    """A ``.keras`` model (loaded without its training configuration)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        import keras
        import tensorflow as tf

        from . import losses  # noqa: F401  (registers the custom losses a saved model may name)

        self.model = keras.models.load_model(path, compile=False)
        self.description = f"{path} (Keras, {self.model.count_params():,} parameters)"
        self.recommended = None
        self._infer = tf.function(lambda x: self.model(x, training=False), reduce_retracing=True)

    def __call__(self, images: np.ndarray) -> np.ndarray:
        _check_batch(images)
        return _squeeze(self._infer(preprocess(images)))


class OnnxPredictor:
    """An ``.onnx`` model, run by ShipViewer's own inference core (layout and pixel scale from its metadata,
    which default to the training convention)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        from shipviewer.model.inference import InferenceSession

        self.session = InferenceSession(path)
        self.description = f"{path} (ONNX, {self.session.describe()})"
        meta = self.session.metadata
        self.recommended = (meta.threshold, meta.min_size)

    def __call__(self, images: np.ndarray) -> np.ndarray:
        _check_batch(images)
        return self.session.run_batch(images)


def load_predictor(path: str | os.PathLike[str]) -> Predictor:
    """A predictor for a ``.keras`` or ``.onnx`` file."""
    path = Path(path)
    if not path.is_file():
        raise TrainingError(f"--model {path}: no such file")
    suffix = path.suffix.lower()
    if suffix == ".keras":
        return KerasPredictor(path)
    if suffix == ".onnx":
        return OnnxPredictor(path)
    raise TrainingError(f"--model {path}: expected a .keras or .onnx file")
