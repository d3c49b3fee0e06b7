"""Models behind one small interface: uint8 RGB images (N, H, W, 3) → ship probability (N, H, W) float32.

A model with the ship/no-ship output is gated here: an image under its gate threshold gets an all-zero
map, so ``evaluate`` scores exactly what ``predict`` and the viewer show.

``evaluate`` sees only this callable, so a Keras model and an ONNX model are scored the same way. The Keras
one applies :func:`training.preprocess.preprocess`; the ONNX one is ``shipviewer.model.inference``, which
applies the same scaling from the model's metadata.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol

import numpy as np

from shipviewer.model.metadata import DEFAULT_GATE_THRESHOLD

from .errors import TrainingError
from .preprocess import preprocess
from .sizes import check_size


class Predictor(Protocol):
    """Ship probability for a batch of uint8 RGB images of one size (sides multiples of 32)."""

    description: str
    # (threshold, minimum ship size) the model recommends, or None when it carries no such advice.
    recommended: tuple[float, int] | None
    # Whether the model recommends splitting touching ships (ONNX metadata), else None.
    split_touching: bool | None
    # The gap (px) the model was trained to leave between touching ships (ONNX metadata), else 0.
    seam: int
    # Whether the model recommends redrawing outlines from the image (ONNX metadata), else None.
    refine_outlines: bool | None

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

    def __init__(self, path: str | os.PathLike[str], gate_threshold: float | None = None) -> None:
        import keras
        import tensorflow as tf

        from . import losses  # noqa: F401  (registers the custom losses a saved model may name)

        self.model = keras.models.load_model(path, compile=False)
        self.gated = len(self.model.outputs) == 2
        default = DEFAULT_GATE_THRESHOLD if gate_threshold is None else gate_threshold
        self.gate_threshold = default if self.gated else None
        gate = f", ship/no-ship gate at {self.gate_threshold}" if self.gated else ""
        self.description = f"{path} (Keras, {self.model.count_params():,} parameters{gate})"
        self.recommended = None
        self.split_touching = None
        self.refine_outlines: bool | None = None
        self.seam = recorded_seam(path)
        self._infer = tf.function(lambda x: self.model(x, training=False), reduce_retracing=True)

    def __call__(self, images: np.ndarray) -> np.ndarray:
        _check_batch(images)
        out = self._infer(preprocess(images))
        if not self.gated:
            return _squeeze(out)
        probability = _squeeze(out[0]).copy()
        probability[np.asarray(out[1]).reshape(-1) < float(self.gate_threshold or 0.0)] = 0.0
        return probability


class OnnxPredictor:
    """An ``.onnx`` model, run by ShipViewer's own inference core (layout and pixel scale from its metadata,
    which default to the training convention)."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        gate_threshold: float | None = None,
        tta: bool = False,
        refine: bool | None = None,
    ) -> None:
        from shipviewer.model.inference import InferenceSession

        self.session = InferenceSession(path, tta=tta, refine=refine)
        self.gate_threshold = gate_threshold if self.session.has_gate else None
        if self.session.has_gate and gate_threshold is None:
            self.gate_threshold = self.session.gate_threshold
        gate = f", ship/no-ship gate at {self.gate_threshold}" if self.session.has_gate else ""
        self.description = f"{path} (ONNX, {self.session.describe()}{gate})"
        meta = self.session.metadata
        self.recommended = (meta.threshold, meta.min_size)
        self.split_touching = meta.split_touching
        self.refine_outlines: bool | None = self.session.refine
        self.seam = meta.seam

    def __call__(self, images: np.ndarray) -> np.ndarray:
        _check_batch(images)
        return self.session.run_gated(images, self.gate_threshold).probability


def load_predictor(
    path: str | os.PathLike[str],
    gate_threshold: float | None = None,
    tta: bool = False,
    refine: bool | None = None,
) -> Predictor:
    """A predictor for a ``.keras`` or ``.onnx`` file; ``gate_threshold`` overrides a gated model's own;
    ``tta``: flip test-time augmentation (ONNX models, see :class:`InferenceSession`); ``refine``: whether
    outlines are redrawn from the image (None: as an ONNX model's metadata says; a ``.keras`` has none)."""
    path = Path(path)
    if not path.is_file():
        raise TrainingError(f"--model {path}: no such file")
    suffix = path.suffix.lower()
    if suffix == ".keras":
        if tta:
            raise TrainingError(f"--model {path}: --tta runs on ONNX models (export it first)")
        keras_predictor = KerasPredictor(path, gate_threshold)
        keras_predictor.refine_outlines = refine
        return keras_predictor
    if suffix == ".onnx":
        return OnnxPredictor(path, gate_threshold, tta, refine)
    raise TrainingError(f"--model {path}: expected a .keras or .onnx file")


def recorded_seam(path: str | Path) -> int:
    """The ``--seam`` a .keras file was trained with, as its run folder's config.json records it (the
    exporter's reading); 0 when there is none or it cannot be read."""
    from export.onnx_export import metadata_from_run

    try:
        return metadata_from_run(path).seam
    except (OSError, ValueError, TypeError, AttributeError):
        return 0
