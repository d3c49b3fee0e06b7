"""How training batches are made, whichever input runs them: the tf.data pipeline (:mod:`.pipeline`) or the
NumPy batches of any Keras backend (:mod:`.numpy_input`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .augment import Jitter

__all__ = ["PipelineOptions"]


@dataclass(frozen=True)
class PipelineOptions:
    """How batches are made. ``ship_bias``: chance that a crop of an image with ships is centred near one."""

    crop: int = 256
    batch: int = 8
    seed: int = 0
    ship_bias: float = 0.8
    seam: int = 0  # see training.crops.seam_pixels
    jitter: Jitter = field(default_factory=Jitter)
