"""The ONNX inference core: open a segmentation model once, feed it any image, get a probability map.

Qt-free and TensorFlow-free; onnxruntime is imported when a session is opened, not at import time.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from shipviewer.airbus.images import as_rgb_uint8
from shipviewer.model.metadata import DEFAULT_GATE_THRESHOLD, GATE_OUTPUT, GATE_THRESHOLD_INPUT, ModelMetadata
from shipviewer.model.postprocess import probability_to_ships

__all__ = [
    "DEVICE_PROVIDERS",
    "PROVIDER_PREFERENCE",
    "Analysis",
    "GatedOutput",
    "InferenceSession",
    "ModelError",
    "ModelInfo",
    "as_rgb_uint8",
    "available_devices",
    "choose_providers",
    "tile_starts",
]

CPU = "CPUExecutionProvider"
PROVIDER_PREFERENCE: tuple[str, ...] = (
    "TensorrtExecutionProvider",
    "CUDAExecutionProvider",
    "DmlExecutionProvider",
    "CoreMLExecutionProvider",
    CPU,
)
DEVICE_PROVIDERS: dict[str, str] = {
    "cpu": CPU,
    "cuda": "CUDAExecutionProvider",
    "gpu": "CUDAExecutionProvider",
    "tensorrt": "TensorrtExecutionProvider",
    "trt": "TensorrtExecutionProvider",
    "directml": "DmlExecutionProvider",
    "dml": "DmlExecutionProvider",
    "coreml": "CoreMLExecutionProvider",
}
SHORT_NAMES = {
    v: k.upper()
    for k, v in DEVICE_PROVIDERS.items()
    if k in ("cpu", "cuda", "tensorrt", "directml", "coreml")
}


class ModelError(ValueError):
    """A model file that cannot be used: missing, not ONNX, or of the wrong shape."""


def choose_providers(device: str, available: Sequence[str]) -> list[str]:
    """Execution providers to ask onnxruntime for, best first, always ending with the CPU.

    ``device="auto"`` takes every available accelerator in the order TensorRT, CUDA, DirectML,
    CoreML; a named device must be available, or a :class:`ModelError` says what is.
    """
    device = device.strip().lower()
    if device == "auto":
        chosen = [p for p in PROVIDER_PREFERENCE if p in available and p != CPU]
    elif device in DEVICE_PROVIDERS:
        wanted = DEVICE_PROVIDERS[device]
        if wanted not in available:
            names = ", ".join(available_devices(available))
            raise ModelError(
                f"device {device!r} is not available here (onnxruntime offers: {names}); "
                "for NVIDIA GPUs install onnxruntime-gpu in place of onnxruntime"
            )
        chosen = [] if wanted == CPU else [wanted]
    else:
        raise ModelError(
            f"unknown device {device!r}: use auto or one of {', '.join(sorted(DEVICE_PROVIDERS))}"
        )
    return [*chosen, CPU]


def available_devices(available: Sequence[str] | None = None) -> list[str]:
    """Device names (as accepted by ``device=``) that this onnxruntime can run on."""
    if available is None:
        import onnxruntime

        available = onnxruntime.get_available_providers()
    return [SHORT_NAMES[p].lower() for p in PROVIDER_PREFERENCE if p in available and p in SHORT_NAMES]


def tile_starts(size: int, tile: int, overlap: int) -> list[int]:
    """Start offsets of tiles of ``tile`` pixels covering ``size`` with at least ``overlap`` shared."""
    if size <= tile:
        return [0]
    step = tile - overlap
    starts = list(range(0, size - tile, step))
    starts.append(size - tile)
    return starts


ALWAYS_DECODE = -1.0  # fed as the gate threshold: the decoder runs whatever the gate says
# The batch axes (1 rows, 2 columns) TTA flips: left-right, up-down, both.
FLIPS: tuple[tuple[int, ...], ...] = ((2,), (1,), (1, 2))


@dataclass(frozen=True)
class GatedOutput:
    """One model call on a batch: the probability maps and, for a gated model, the ship probabilities.

    ``probability[i]`` is all zeros for an image the gate rejected (``passed[i]`` False) — whether or not
    the decoder ran for the batch — so the ships of every image follow from its map alone.
    """

    probability: np.ndarray  # (N, h, w) float32
    ship: np.ndarray | None  # (N,) float32, None for a model without the gate
    passed: np.ndarray  # (N,) bool
    decoded: bool  # whether the decoder ran (a gated graph skips it when no image passed)


@dataclass(frozen=True)
class Analysis:
    """What the model says of one image: its map (zeros where gated out) and its ship probability."""

    probability: np.ndarray  # (H, W) float32
    ship_probability: float | None
    passed: bool


@dataclass(frozen=True)
class ModelInfo:
    """What the session learned from the file, read once."""

    path: Path
    input_name: str
    output_name: str
    input_shape: tuple[Any, ...]
    output_shape: tuple[Any, ...]
    metadata: ModelMetadata
    raw_metadata: dict[str, str]
    producer: str
    gate_name: str | None = None  # the ship/no-ship output, when the model has one
    gate_input: str | None = None  # the gated decoder's threshold input, when the graph has one

    @property
    def name(self) -> str:
        return self.metadata.name or self.path.stem


class InferenceSession:
    """One ONNX segmentation model, opened once: ``probabilities(image)`` → (H, W) float32 in [0, 1].

    Images of any size are padded to the model's size multiple (edge-reflected, then cropped back);
    images larger than ``max_side`` are cut into overlapping ``tile`` × ``tile`` tiles whose
    probabilities are averaged where they overlap. With ``tta`` (flip test-time augmentation) the map
    of every image the gate lets through is the mean of the maps of the image and its three flips
    (left-right, up-down, both), each flipped back; the gate decides on the image as it is, so a
    rejected image still costs one encoder pass and the gate's threshold keeps its meaning. ``refine``
    (default: the model's ``refine_outlines`` metadata) redraws each ship's outline from the image by
    GrabCut in :meth:`ships` / :meth:`ships_from`.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        device: str = "auto",
        *,
        threads: int | None = None,
        tile: int = 768,
        overlap: int = 64,
        max_side: int = 1536,
        tta: bool = False,
        refine: bool | None = None,
    ) -> None:
        import onnxruntime as ort

        self.path = Path(path)
        if not self.path.is_file():
            raise ModelError(f"{self.path}: no such model file")
        self.providers_requested = choose_providers(device, ort.get_available_providers())
        options = ort.SessionOptions()
        self.threads = threads or max(1, os.cpu_count() or 1)
        options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        try:
            self._session = ort.InferenceSession(
                str(self.path), sess_options=options, providers=self.providers_requested
            )
        except Exception as exc:  # onnxruntime raises its own exception types for a bad file
            first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ModelError(f"{self.path}: not a usable ONNX model ({first_line})") from exc
        self.info = self._read_info()
        self.tile = self._round_up(tile)
        self.overlap = overlap
        self.max_side = max_side
        self.tta = tta
        # Redraw each ship's outline from the image (model/outlines.py): the metadata's advice unless told.
        self.refine = self.info.metadata.refine_outlines if refine is None else refine
        self.last_ms_per_image = float("nan")

    # --- opening -------------------------------------------------------------------------------------
    def _read_info(self) -> ModelInfo:
        inputs, outputs = self._session.get_inputs(), self._session.get_outputs()
        overridable = [*inputs, *self._session.get_overridable_initializers()]
        gate_input = next((i.name for i in overridable if i.name == GATE_THRESHOLD_INPUT), None)
        inputs = [i for i in inputs if i.name != GATE_THRESHOLD_INPUT]
        gate_name = (
            next((o.name for o in outputs if o.name == GATE_OUTPUT), None) if len(outputs) > 1 else None
        )
        outputs = [o for o in outputs if o.name != gate_name] or outputs
        if len(inputs) != 1 or len(outputs) < 1:
            raise ModelError(
                f"{self.path}: expected one image input and one output, found "
                f"{len(inputs)} input(s) and {len(outputs)} output(s)"
            )
        model_meta = self._session.get_modelmeta()
        raw = dict(model_meta.custom_metadata_map)
        try:
            metadata = ModelMetadata.from_props(raw)
        except ValueError as exc:
            raise ModelError(f"{self.path}: {exc}") from exc
        in_shape, out_shape = tuple(inputs[0].shape), tuple(outputs[0].shape)
        if len(in_shape) != 4:
            raise ModelError(
                f"{self.path}: the input must be rank 4 (batch, height, width, channels), "
                f"got shape {list(in_shape)}"
            )
        if "shipviewer.input_layout" not in raw and in_shape[1] == 3 and in_shape[3] != 3:
            metadata = ModelMetadata(**{**metadata.__dict__, "input_layout": "NCHW"})
        channel_axis = 3 if metadata.input_layout == "NHWC" else 1
        if in_shape[channel_axis] not in (3, None) and not isinstance(in_shape[channel_axis], str):
            raise ModelError(
                f"{self.path}: the input must have 3 channels ({metadata.input_layout}), "
                f"got shape {list(in_shape)}"
            )
        if len(out_shape) not in (3, 4):
            raise ModelError(f"{self.path}: the output must be rank 3 or 4, got shape {list(out_shape)}")
        # One channel, first or last (an NCHW-input export may still end in NHWC).
        static = [d for d in out_shape[1:] if isinstance(d, int)]
        if len(out_shape) == 4 and static and 1 not in (out_shape[1], out_shape[3]):
            raise ModelError(
                f"{self.path}: the output must have 1 channel (ship probability), got shape {list(out_shape)}"
            )
        return ModelInfo(
            path=self.path,
            input_name=inputs[0].name,
            output_name=outputs[0].name,
            input_shape=in_shape,
            output_shape=out_shape,
            metadata=metadata,
            raw_metadata=raw,
            producer=model_meta.producer_name,
            gate_name=gate_name,
            gate_input=gate_input,
        )

    @property
    def provider(self) -> str:
        """The execution provider the session really runs on (first of those onnxruntime kept)."""
        return self._session.get_providers()[0]

    @property
    def device_name(self) -> str:
        return SHORT_NAMES.get(self.provider, self.provider.replace("ExecutionProvider", ""))

    @property
    def metadata(self) -> ModelMetadata:
        return self.info.metadata

    # --- running -------------------------------------------------------------------------------------
    def _round_up(self, n: int) -> int:
        m = self.info.metadata.size_multiple
        return -(-n // m) * m

    def _fixed_hw(self) -> tuple[int, int] | None:
        layout = self.info.metadata.input_layout
        shape = self.info.input_shape
        h, w = (shape[1], shape[2]) if layout == "NHWC" else (shape[2], shape[3])
        return (h, w) if isinstance(h, int) and isinstance(w, int) else None

    @property
    def has_gate(self) -> bool:
        """Whether the model has the ship/no-ship output."""
        return self.info.gate_name is not None

    @property
    def gate_threshold(self) -> float | None:
        """The ship probability under which an image yields no ships (None: no gate)."""
        if not self.has_gate:
            return None
        chosen = self.info.metadata.gate_threshold
        return DEFAULT_GATE_THRESHOLD if chosen is None else chosen

    def run_batch(self, batch: np.ndarray) -> np.ndarray:
        """Raw model call on (N, h, w, 3) uint8 RGB, h and w already fitting the model: (N, h, w) float32.

        The full probability map: a gated model's decoder runs whatever its gate says."""
        return self._call(batch, ALWAYS_DECODE)[0]

    def run_gated(self, batch: np.ndarray, gate_threshold: float | None = None) -> GatedOutput:
        """Like :meth:`run_batch`, with the ship/no-ship gate applied: an image under ``gate_threshold``
        (default: the model's) gets an all-zero map, and a gated graph skips the decoder when no image of
        the batch passes. A model without the gate passes every image."""
        threshold = self.gate_threshold if gate_threshold is None else gate_threshold
        probability, ship = self._call(batch, threshold if threshold is not None else ALWAYS_DECODE)
        if ship is None or threshold is None:
            if self.tta:
                probability = self._flip_mean(batch, probability)
            return GatedOutput(probability, ship, np.ones(len(batch), bool), True)
        passed = ship >= threshold
        decoded = bool(passed.any()) or self.info.gate_input is None
        if not passed.all():
            probability = probability.copy()
            probability[~passed] = 0.0
        if self.tta and passed.any():
            probability[passed] = self._flip_mean(batch[passed], probability[passed])
        return GatedOutput(probability, ship, passed, decoded)

    def _flip_mean(self, batch: np.ndarray, probability: np.ndarray) -> np.ndarray:
        """Mean of ``probability`` (the maps of ``batch``) and the maps of the batch's three flips."""
        total = probability.astype(np.float32, copy=True)
        for axes in FLIPS:
            flipped = np.ascontiguousarray(np.flip(batch, axis=axes))
            total += np.flip(self._call(flipped, ALWAYS_DECODE)[0], axis=axes)
        return total / np.float32(len(FLIPS) + 1)

    def _call(self, batch: np.ndarray, gate_threshold: float) -> tuple[np.ndarray, np.ndarray | None]:
        meta = self.info.metadata
        x = batch.astype(np.float32) * np.float32(meta.pixel_scale)
        if meta.pixel_offset:
            x += np.float32(meta.pixel_offset)
        if meta.input_layout == "NCHW":
            x = x.transpose(0, 3, 1, 2)
        feeds = {self.info.input_name: np.ascontiguousarray(x)}
        if self.info.gate_input is not None:
            feeds[self.info.gate_input] = np.array(gate_threshold, np.float32)
        names = [self.info.output_name] + ([self.info.gate_name] if self.info.gate_name else [])
        try:
            out, *gate = self._session.run(names, feeds)
        except Exception as exc:
            raise ModelError(
                f"{self.path}: inference failed on input {list(x.shape)}: {str(exc).strip().splitlines()[0]}"
            ) from exc
        out = np.asarray(out, dtype=np.float32)
        n, h, w = batch.shape[:3]
        # The output's layout need not follow the input's: an NCHW-input export may still end in NHWC.
        if out.shape == (n, h, w, 1):
            out = out[..., 0]
        elif out.shape == (n, 1, h, w):
            out = out[:, 0]
        if out.shape != (n, h, w):
            raise ModelError(
                f"{self.path}: output shape {list(out.shape)} does not match input {list(batch.shape)}"
            )
        ship = np.asarray(gate[0], np.float32).reshape(n) if gate else None
        return out, ship

    def _padded_run(self, rgb: np.ndarray, gate_threshold: float) -> GatedOutput:
        h, w = rgb.shape[:2]
        fixed = self._fixed_hw()
        ph, pw = fixed if fixed else (self._round_up(h), self._round_up(w))
        if (ph, pw) != (h, w):
            if ph < h or pw < w:
                raise ModelError(f"{self.path}: the model takes {ph}×{pw} inputs; cannot fit a {h}×{w} tile")
            reflect = h > 1 and w > 1 and ph - h < h and pw - w < w
            mode: Literal["reflect", "edge"] = "reflect" if reflect else "edge"
            rgb = np.pad(rgb, ((0, ph - h), (0, pw - w), (0, 0)), mode=mode)
        out = self.run_gated(rgb[None], gate_threshold)
        return GatedOutput(out.probability[:, :h, :w], out.ship, out.passed, out.decoded)

    def analyse(self, image: np.ndarray, *, gated: bool = True) -> Analysis:
        """The map and ship probability of an image of any size and channel layout.

        With ``gated`` (and a model with the gate), an image the gate rejects gets an all-zero map and, in
        a gated graph, costs only the encoder; ``gated=False`` always gives the full map. An image larger
        than ``max_side`` is cut into overlapping tiles: its ship probability is that of its most likely
        tile, and each pixel averages the tiles that passed the gate.
        """
        rgb = as_rgb_uint8(image)
        h, w = rgb.shape[:2]
        t0 = time.perf_counter()
        threshold = self.gate_threshold if gated and self.gate_threshold is not None else ALWAYS_DECODE
        fixed = self._fixed_hw()
        tile = min(fixed) if fixed else self.tile
        if max(h, w) <= (tile if fixed else self.max_side):
            out = self._padded_run(rgb, threshold)
            prob, ship, passed = out.probability[0], out.ship, bool(out.passed[0])
        else:
            prob = np.zeros((h, w), np.float32)
            weight = np.zeros((h, w), np.float32)
            th, tw = min(tile, h), min(tile, w)
            ships: list[float] = []
            for y in tile_starts(h, th, self.overlap):
                for x in tile_starts(w, tw, self.overlap):
                    out = self._padded_run(rgb[y : y + th, x : x + tw], threshold)
                    if out.ship is not None:
                        ships.append(float(out.ship[0]))
                    if out.passed[0]:
                        prob[y : y + th, x : x + tw] += out.probability[0]
                        weight[y : y + th, x : x + tw] += 1.0
            np.divide(prob, weight, out=prob, where=weight > 0)
            ship = np.array([max(ships)], np.float32) if ships else None
            passed = bool(weight.any())
        self.last_ms_per_image = (time.perf_counter() - t0) * 1000.0
        return Analysis(prob, None if ship is None else float(ship[0]), passed)

    def probabilities(self, image: np.ndarray) -> np.ndarray:
        """Per-pixel ship probability, (H, W) float32, for an image of any size and channel layout (the
        full map: a gated model's decoder runs whatever its gate says)."""
        return self.analyse(image, gated=False).probability

    def ships(
        self, image: np.ndarray, threshold: float | None = None, min_size: int | None = None
    ) -> list[str]:
        """Ship instances as RLE strings, with the model's recommended threshold and minimum size; none for
        an image the ship/no-ship gate rejects."""
        rgb = as_rgb_uint8(image)
        return self.ships_from(self.analyse(rgb), threshold, min_size, image=rgb)

    def ships_from(
        self,
        analysis: Analysis,
        threshold: float | None = None,
        min_size: int | None = None,
        *,
        image: np.ndarray | None = None,
    ) -> list[str]:
        """The ships of an :meth:`analyse` result, post-processed as the model's metadata recommends
        (threshold, minimum size, touching ships split, outlines refined); none where the gate rejected
        the image. ``image`` (the analysed image, uint8 RGB) is needed when :attr:`refine` is on."""
        meta = self.info.metadata
        if not analysis.passed:
            return []
        if self.refine and image is None:
            raise ValueError("refining outlines needs the image: pass image=")
        return probability_to_ships(
            analysis.probability,
            meta.threshold if threshold is None else threshold,
            meta.min_size if min_size is None else min_size,
            split_touching=meta.split_touching,
            seam=meta.seam,
            refine=self.refine,
            image=None if image is None else as_rgb_uint8(image),
        )

    def describe(self) -> str:
        """One line for status bars and logs: model name, provider, threads (and flip TTA and outline
        refinement when on)."""
        tta = ", flip TTA" if self.tta else ""
        refine = ", outlines refined" if self.refine else ""
        return f"{self.info.name} on {self.device_name} ({self.threads} threads{tta}{refine})"
