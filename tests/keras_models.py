"""Tiny real Keras models for tests: the SegNet's shape at a fraction of its width."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def tiny_segnet(width: float = 0.125, seed: int = 0) -> Any:
    """SegNet layout (5 conv+pool, 5 upsample+2 conv, sigmoid) with few filters; random weights."""
    import keras
    from keras import layers

    keras.utils.set_random_seed(seed)
    inp = keras.Input((None, None, 3), name="image")
    x = inp
    for i, f in enumerate([32, 32, 64, 64, 512]):
        x = layers.Conv2D(max(1, int(f * width)), 3, padding="same", activation="relu", name=f"enc{i}")(x)
        x = layers.MaxPooling2D(2, name=f"pool{i}")(x)
    for i, f in enumerate([512, 64, 64, 32, 32]):
        x = layers.UpSampling2D(2, name=f"up{i}")(x)
        for part in "ab":
            x = layers.Conv2D(
                max(1, int(f * width)), 3, padding="same", activation="relu", name=f"dec{i}{part}"
            )(x)
    out = layers.Conv2D(1, 1, activation="sigmoid", name="prob")(x)
    return keras.Model(inp, out)


def brightness_model(path: Path) -> Path:
    """A 'ship detector' with hand-set weights: probability = sigmoid(40 * (mean brightness - 0.6)).

    Bright blobs on dark sea come out as ships, so export, predict and evaluate can be checked on
    images whose answer is known.
    """
    import keras
    from keras import layers

    inp = keras.Input((None, None, 3), name="image")
    x = layers.MaxPooling2D(1, name="noop_pool")(inp)
    x = layers.UpSampling2D(1, name="noop_up")(x)
    out = layers.Conv2D(1, 1, activation="sigmoid", name="prob")(x)
    model = keras.Model(inp, out)
    model.get_layer("prob").set_weights(
        [np.full((1, 1, 3, 1), 40 / 3, np.float32), np.array([-24.0], np.float32)]
    )
    model.save(path)
    return path
