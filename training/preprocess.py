"""The one pixel convention of the model: what every caller feeds it, in training and at inference.

RGB (never BGR), NHWC, float32, ``x * float32(1/255)`` so values lie in [0, 1]. It is the default of
``shipviewer.model.metadata.ModelMetadata`` (``pixel_scale`` 1/255, ``pixel_offset`` 0, NHWC), which the
ONNX exporter and the inference core read; :data:`CONVENTION` goes into each run's config.json, where the
exporter picks up ``scale`` and ``offset``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

SCALE = 1.0 / 255.0
PIXEL_SCALE = np.float32(SCALE)
PIXEL_OFFSET = 0.0
CONVENTION: dict[str, Any] = {
    "input": "uint8 RGB image",
    "layout": "NHWC",
    "channels": "RGB",
    "dtype": "float32",
    "formula": "x * float32(1/255) + 0",
    "scale": SCALE,
    "offset": PIXEL_OFFSET,
    "range": [0.0, 1.0],
}


def preprocess(images: Any) -> Any:
    """uint8 RGB images (NumPy array or TensorFlow tensor, any leading shape) → float32 in [0, 1]."""
    if isinstance(images, np.ndarray):
        return images.astype(np.float32) * PIXEL_SCALE
    import tensorflow as tf

    return tf.cast(images, tf.float32) * tf.constant(PIXEL_SCALE, tf.float32)
