"""The keys ShipViewer stores in an ONNX model's ``metadata_props``, and their parsing.

The exporter writes them; the inference session reads them once. A model without them is assumed
to take NHWC float32 RGB scaled to [0, 1], as ``training`` feeds the SegNet.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields

from shipviewer.model.postprocess import DEFAULT_MIN_SIZE, DEFAULT_THRESHOLD

__all__ = ["DEFAULT_GATE_THRESHOLD", "GATE_OUTPUT", "GATE_THRESHOLD_INPUT", "PREFIX", "ModelMetadata"]

PREFIX = "shipviewer."
# The ship/no-ship gate in the graph: its output, the threshold input of the gated decoder, and the
# threshold assumed when a gated model's metadata names none.
GATE_OUTPUT = "ship"
GATE_THRESHOLD_INPUT = "gate_threshold"
DEFAULT_GATE_THRESHOLD = 0.5


@dataclass(frozen=True)
class ModelMetadata:
    """How to feed a model and read its output, and where it came from."""

    input_layout: str = "NHWC"  # or "NCHW"
    pixel_scale: float = 1.0 / 255.0  # network input = uint8 RGB * pixel_scale + pixel_offset
    pixel_offset: float = 0.0
    threshold: float = DEFAULT_THRESHOLD
    min_size: int = DEFAULT_MIN_SIZE
    name: str = ""
    version: str = ""
    training_data: str = ""
    validation_f2: float | None = None
    validation_dice: float | None = None
    precision: str = "fp32"  # fp32, fp16 or int8
    size_multiple: int = 32  # input height and width must be multiples of this
    # A model with the ship/no-ship output: an image whose ship probability is under this yields no
    # ships (and, in a graph with the gated decoder, costs only the encoder). None: no gate.
    gate_threshold: float | None = None
    gate_validation_accuracy: float | None = None
    # Split blobs that hold several sure ship cores (touching ships) by watershed: see model/instances.py.
    split_touching: bool = False
    # Trained to leave this many pixels between touching ships (shipviewer train --seam): post-processing
    # gives the gap back to the ships on either side. 0: not.
    seam: int = 0
    # Redraw each predicted ship's outline from the image by GrabCut (see model/outlines.py), then cut
    # ships moored side by side at the seam between them (model/seams.py).
    refine_outlines: bool = False

    def __post_init__(self) -> None:
        if self.input_layout not in ("NHWC", "NCHW"):
            raise ValueError(f"input_layout must be NHWC or NCHW, got {self.input_layout!r}")
        if self.size_multiple < 1:
            raise ValueError(f"size_multiple must be >= 1, got {self.size_multiple}")
        if self.gate_threshold is not None and not 0.0 <= self.gate_threshold <= 1.0:
            raise ValueError(f"gate_threshold must be between 0 and 1, got {self.gate_threshold}")

    def to_props(self) -> dict[str, str]:
        """String key/value pairs for ``onnx.ModelProto.metadata_props`` (None values left out)."""
        return {PREFIX + k: str(v) for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_props(cls, props: Mapping[str, str]) -> ModelMetadata:
        """Parse what :meth:`to_props` wrote; unknown keys are ignored, missing ones take defaults."""
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = props.get(PREFIX + f.name)
            if raw is None:
                continue
            kind = str(f.type)
            try:
                if "bool" in kind:
                    if raw not in ("True", "False"):
                        raise ValueError(raw)
                    values[f.name] = raw == "True"
                elif "float" in kind:
                    values[f.name] = float(raw)
                elif "int" in kind:
                    values[f.name] = int(raw)
                else:
                    values[f.name] = raw
            except ValueError as exc:
                raise ValueError(f"metadata {PREFIX + f.name}={raw!r} is not a valid {kind}") from exc
        return cls(**values)  # type: ignore[arg-type]
