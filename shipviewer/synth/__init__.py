"""Realistic synthetic Airbus-style satellite scenes with ship masks, written in the Kaggle layout.

``render_image`` draws one scene (open sea, coast or harbour; ships with wakes and shadows; clouds and haze);
``generate`` writes a data set of them; ``write_samples`` rebuilds the bundled demo images.
"""

from __future__ import annotations

from shipviewer.synth.dataset import (
    CSV_NAME,
    IMAGE_DIR,
    JPEG_QUALITY,
    SynthSummary,
    generate,
    image_ids,
    image_rng,
    write_samples,
)
from shipviewer.synth.scene import render_image

__all__ = [
    "CSV_NAME",
    "IMAGE_DIR",
    "JPEG_QUALITY",
    "SynthSummary",
    "generate",
    "image_ids",
    "image_rng",
    "render_image",
    "write_samples",
]
