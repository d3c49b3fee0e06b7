"""Convert a trained Keras segmentation model to ONNX and prove that both give the same output.

Conversion goes through ``tf2onnx.convert.from_function`` rather than Keras' ``model.export(...,
format="onnx")`` (which wraps tf2onnx) because only the direct call takes ``inputs_as_nchw``: with an
NCHW input and nearest upsampling as one ``Resize``, the graph has no ``Transpose`` node at all.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from shipviewer.model.metadata import DEFAULT_GATE_THRESHOLD, ModelMetadata

from .graph import GATE_OUTPUT, count_ops, export_ready_clone, gate_decoder, tidy_graph, upsample_factors

__all__ = [
    "DEFAULT_OPSET",
    "ExportReport",
    "ParityError",
    "export_onnx",
    "keras_probabilities",
    "metadata_from_run",
]

DEFAULT_OPSET = 17
FP32_TOLERANCE = 1e-4


class ParityError(RuntimeError):
    """The exported model does not reproduce the Keras model closely enough."""


@dataclass(frozen=True)
class ExportReport:
    """What an export produced and how closely it matches the source model."""

    onnx_path: Path
    precision: str
    opset: int
    n_nodes: int
    n_transposes: int
    size_bytes: int
    seconds: float
    parity_images: int
    max_abs_diff: float | None = None
    dice_vs_fp32: float | None = None
    kept_fp32: tuple[str, ...] = ()  # int8: the nodes left in fp32 to keep the masks
    gate_max_abs_diff: float | None = None  # a gated model: Keras vs ONNX on the ship probability
    gate_agreement: float | None = None  # int8: share of images with the same gate decision as fp32

    def summary(self) -> str:
        parity = (
            f"max |keras - onnx| = {self.max_abs_diff:.2e}"
            if self.max_abs_diff is not None
            else f"thresholded-mask Dice vs fp32 = {self.dice_vs_fp32:.4f}"
        )
        if self.kept_fp32:
            parity += f" (kept in fp32: {', '.join(self.kept_fp32)})"
        if self.gate_max_abs_diff is not None:
            parity += f"; ship/no-ship max |keras - onnx| = {self.gate_max_abs_diff:.2e}"
        if self.gate_agreement is not None:
            parity += f"; same gate decisions as fp32 on {self.gate_agreement:.1%}"
        return (
            f"{self.onnx_path} ({self.precision}, opset {self.opset}, {self.size_bytes / 1e6:.1f} MB, "
            f"{self.n_nodes} nodes, {self.n_transposes} Transpose): {parity} on {self.parity_images} image(s)"
        )


def load_keras_model(path: str | os.PathLike[str]) -> Any:
    """Load a ``.keras`` file for inference (no optimizer, no custom losses needed)."""
    import keras

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such model file")
    try:
        return keras.models.load_model(path, compile=False)
    except Exception as exc:
        raise ValueError(f"{path}: not a loadable Keras model ({exc})") from exc


def metadata_from_run(model_path: str | os.PathLike[str]) -> ModelMetadata:
    """Metadata for a model from its run folder's ``config.json`` (preprocessing, data, scores), if any."""
    run_dir = Path(model_path).resolve().parent
    meta = ModelMetadata(name=Path(model_path).stem)
    config_path = run_dir / "config.json"
    if not config_path.is_file():
        return meta
    config = json.loads(config_path.read_text())
    pre = config.get("preprocessing", {}) if isinstance(config.get("preprocessing"), dict) else {}
    post = config.get("postprocessing", {}) if isinstance(config.get("postprocessing"), dict) else {}
    scores = config.get("validation", {}) if isinstance(config.get("validation"), dict) else {}
    settings = config.get("settings", {}) if isinstance(config.get("settings"), dict) else {}
    return replace(
        meta,
        name=str(config.get("name", run_dir.name)),
        pixel_scale=float(pre.get("scale", config.get("pixel_scale", meta.pixel_scale))),
        pixel_offset=float(pre.get("offset", config.get("pixel_offset", meta.pixel_offset))),
        # The scores recorded by `evaluate` hold for its threshold and minimum size: recommend those.
        threshold=float(scores.get("threshold", post.get("threshold", meta.threshold))),
        min_size=int(scores.get("min_size", post.get("min_size", meta.min_size))),
        training_data=str(config.get("data", config.get("csv", ""))),
        validation_f2=_maybe_float(scores.get("f2", config.get("val_f2"))),
        validation_dice=_maybe_float(scores.get("dice", config.get("val_dice"))),
        gate_threshold=_maybe_float(scores.get("gate_threshold")),
        gate_validation_accuracy=_maybe_float(scores.get("gate_accuracy")),
        # A run trained with --seam: post-processing must give the gap back (training/config.py).
        seam=int(post.get("seam", settings.get("seam", 0)) or 0),
        # The scores were measured with outlines refined from the image (sweep_postprocess.py --refine).
        refine_outlines=bool(scores.get("refine_outlines", False)),
    )


def _maybe_float(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def keras_outputs(
    model: Any, batch: np.ndarray, metadata: ModelMetadata
) -> tuple[np.ndarray, np.ndarray | None]:
    """The Keras model's (N, H, W) probabilities and, for a gated model, (N,) ship probabilities, for
    (N, H, W, 3) uint8 RGB preprocessed as trained."""
    x = batch.astype(np.float32) * np.float32(metadata.pixel_scale) + np.float32(metadata.pixel_offset)
    out = model(x, training=False)
    if isinstance(out, (list, tuple)):
        return np.asarray(out[0])[..., 0], np.asarray(out[1]).reshape(len(batch))
    return np.asarray(out)[..., 0], None


def keras_probabilities(model: Any, batch: np.ndarray, metadata: ModelMetadata) -> np.ndarray:
    """The Keras model's (N, H, W) probabilities for (N, H, W, 3) uint8 RGB, preprocessed as trained."""
    return keras_outputs(model, batch, metadata)[0]


def _save_atomically(proto: Any, path: Path) -> None:
    import onnx

    temp = path.with_name(f".{path.name}.tmp")
    onnx.save(proto, str(temp))
    os.replace(temp, path)


def _set_metadata(proto: Any, metadata: ModelMetadata) -> None:
    keep = [p for p in proto.metadata_props if not p.key.startswith("shipviewer.")]
    del proto.metadata_props[:]
    for entry in keep:
        proto.metadata_props.add(key=entry.key, value=entry.value)
    for key, value in metadata.to_props().items():
        proto.metadata_props.add(key=key, value=value)


def default_parity_images(rng_seed: int = 0) -> list[np.ndarray]:
    """The bundled sample images (up to two) and a non-square random one: checks full size and dynamic
    shapes at once."""
    import cv2

    from resources import samples_dir

    images = []
    for path in sorted(samples_dir().glob("*.jpg"))[:2]:
        image = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if image is not None:
            images.append(cv2.cvtColor(image, cv2.COLOR_BGR2RGB))
    images.append(np.random.default_rng(rng_seed).integers(0, 256, (192, 320, 3), dtype=np.uint8))
    return images


def check_parity(model: Any, onnx_path: Path, images: Sequence[np.ndarray], metadata: ModelMetadata) -> float:
    """Largest absolute difference between Keras and onnxruntime probabilities over ``images``."""
    return check_parity_both(model, onnx_path, images, metadata)[0]


def check_parity_both(
    model: Any, onnx_path: Path, images: Sequence[np.ndarray], metadata: ModelMetadata
) -> tuple[float, float | None]:
    """Largest absolute differences between Keras and onnxruntime over ``images``: of the probability map
    (the decoder always run) and, for a gated model, of the ship probability (else None)."""
    from shipviewer.model.inference import InferenceSession

    session = InferenceSession(onnx_path, device="cpu")
    worst, worst_gate = 0.0, None
    for image in images:
        h, w = image.shape[:2]
        h32, w32 = h - h % 32, w - w % 32
        if h32 == 0 or w32 == 0:
            raise ValueError(f"parity image of {h}×{w} is smaller than 32×32")
        batch = np.ascontiguousarray(image[None, :h32, :w32, :3])
        expected, expected_gate = keras_outputs(model, batch, metadata)
        got = session.run_batch(batch)
        worst = max(worst, float(np.abs(expected - got).max()))
        if expected_gate is not None:
            got_gate = session.run_gated(batch).ship
            if got_gate is None:
                raise ParityError(
                    f"{onnx_path}: the Keras model has a ship/no-ship output, the ONNX file none"
                )
            worst_gate = max(worst_gate or 0.0, float(np.abs(expected_gate - got_gate).max()))
    return worst, worst_gate


def export_onnx(
    model_path: str | os.PathLike[str],
    out_path: str | os.PathLike[str],
    *,
    opset: int = DEFAULT_OPSET,
    metadata: ModelMetadata | None = None,
    parity_images: Sequence[np.ndarray] | None = None,
    tolerance: float = FP32_TOLERANCE,
    gate_threshold: float | None = None,
) -> ExportReport:
    """Export ``model_path`` (.keras) to ``out_path`` (.onnx, fp32, NCHW input, dynamic batch and size)
    and verify it; a failed verification removes the file and raises :class:`ParityError`.

    A model with the ship/no-ship output gets it as a second output, ``ship`` (N, 1), and a decoder that
    runs only when ``ship`` reaches ``gate_threshold`` (default: the run's recorded one, else 0.5), which
    the metadata records; both outputs are checked against Keras."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf
    import tf2onnx

    started = time.perf_counter()
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    model = load_keras_model(model_path)
    _check_model_shape(model, model_path)
    metadata = replace(metadata or metadata_from_run(model_path), input_layout="NCHW", precision="fp32")
    if not metadata.version:
        from shipviewer import __version__

        metadata = replace(metadata, version=f"shipviewer {__version__}")
    gated = len(model.outputs) == 2
    if gated:
        chosen = gate_threshold if gate_threshold is not None else metadata.gate_threshold
        metadata = replace(metadata, gate_threshold=DEFAULT_GATE_THRESHOLD if chosen is None else chosen)
    else:
        metadata = replace(metadata, gate_threshold=None)
    clone = export_ready_clone(model)
    spec = (tf.TensorSpec((None, None, None, 3), tf.float32, name="image"),)

    @tf.function(input_signature=spec)
    def forward(image: Any) -> Any:
        return clone(image, training=False)

    proto, _ = tf2onnx.convert.from_function(
        forward, input_signature=spec, opset=opset, inputs_as_nchw=["image"]
    )
    factors = set(upsample_factors(clone))
    tidy_graph(
        proto,
        output_names=("probability", GATE_OUTPUT) if gated else ("probability",),
        upsample_factor=factors.pop() if len(factors) == 1 else None,
    )
    if gated:
        gate_decoder(proto, float(metadata.gate_threshold or 0.0))
    proto.producer_name = "shipviewer-export"
    _set_metadata(proto, metadata)
    _save_atomically(proto, out_path)
    images = list(parity_images) if parity_images is not None else default_parity_images()
    worst, worst_gate = check_parity_both(model, out_path, images, metadata)
    if not (worst <= tolerance and (worst_gate is None or worst_gate <= tolerance)):
        out_path.unlink(missing_ok=True)
        gate_text = "" if worst_gate is None else f", ship/no-ship by {worst_gate:.3e}"
        raise ParityError(
            f"{out_path}: ONNX output differs from Keras by up to {worst:.3e}{gate_text} "
            f"(> {tolerance:.0e}); file removed"
        )
    return ExportReport(
        onnx_path=out_path,
        precision="fp32",
        opset=opset,
        n_nodes=len(proto.graph.node),
        n_transposes=count_ops(proto, "Transpose"),
        size_bytes=out_path.stat().st_size,
        seconds=time.perf_counter() - started,
        parity_images=len(images),
        max_abs_diff=worst,
        gate_max_abs_diff=worst_gate,
    )


def _check_model_shape(model: Any, model_path: str | os.PathLike[str]) -> None:
    inputs, outputs = model.inputs, model.outputs
    if len(inputs) != 1 or len(outputs) not in (1, 2):
        raise ValueError(
            f"{model_path}: expected one image input and one output (or two, with a ship/no-ship)"
        )
    in_shape, out_shape = tuple(inputs[0].shape), tuple(outputs[0].shape)
    if len(outputs) == 2 and tuple(outputs[1].shape)[1:] != (1,):
        raise ValueError(f"{model_path}: the second output must be (batch, 1), got {tuple(outputs[1].shape)}")
    if len(in_shape) != 4 or in_shape[-1] != 3:
        raise ValueError(f"{model_path}: input must be (batch, height, width, 3), got {in_shape}")
    if len(out_shape) != 4 or out_shape[-1] != 1:
        raise ValueError(f"{model_path}: output must be (batch, height, width, 1), got {out_shape}")
