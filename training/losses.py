"""Segmentation losses and metrics as small composable functions of (y_true, y_pred).

Each returns one value per image (shape (N,)), which Keras averages over the batch and, under a
``tf.distribute`` strategy, over the replicas. All are registered for serialisation so a saved ``.keras``
model loads without ``custom_objects``.
"""

from __future__ import annotations

from collections.abc import Callable

import keras
from keras import ops

LossFn = Callable[[keras.KerasTensor, keras.KerasTensor], keras.KerasTensor]

SMOOTH = 1.0
FOCAL_ALPHA = 0.25
FOCAL_GAMMA = 2.0
_PIXEL_AXES = (1, 2, 3)
_register = keras.saving.register_keras_serializable(package="shipviewer")


def _cast(
    y_true: keras.KerasTensor, y_pred: keras.KerasTensor
) -> tuple[keras.KerasTensor, keras.KerasTensor]:
    return ops.cast(y_true, y_pred.dtype), y_pred


def soft_dice(
    y_true: keras.KerasTensor, y_pred: keras.KerasTensor, smooth: float = SMOOTH
) -> keras.KerasTensor:
    """Per-image soft Dice, (2·Σ t·p + s) / (Σ t + Σ p + s): 1 for a perfect or an empty-on-empty image."""
    y_true, y_pred = _cast(y_true, y_pred)
    intersection = ops.sum(y_true * y_pred, axis=_PIXEL_AXES)
    total = ops.sum(y_true, axis=_PIXEL_AXES) + ops.sum(y_pred, axis=_PIXEL_AXES)
    return (2.0 * intersection + smooth) / (total + smooth)


@_register
def bce_loss(y_true: keras.KerasTensor, y_pred: keras.KerasTensor) -> keras.KerasTensor:
    """Per-image mean binary cross-entropy.

    Keras computes it from the sigmoid's logits when ``y_pred`` is the model's sigmoid output, so the gradient
    stays ``p − y`` even where the probability has saturated. (Clipping the probability instead, as a
    hand-written formula would, gives zero gradient there: a model that once predicts "no ship" with
    p < 1e-7 everywhere could never learn again.)
    """
    y_true, y_pred = _cast(y_true, y_pred)
    return ops.mean(ops.binary_crossentropy(y_true, y_pred), axis=_PIXEL_AXES)


@_register
def dice_loss(y_true: keras.KerasTensor, y_pred: keras.KerasTensor) -> keras.KerasTensor:
    """1 − soft Dice."""
    return 1.0 - soft_dice(y_true, y_pred)


@_register
def focal_loss(y_true: keras.KerasTensor, y_pred: keras.KerasTensor) -> keras.KerasTensor:
    """Per-image mean focal loss (α = 0.25, γ = 2): cross-entropy that down-weights the easy sea pixels.

    The cross-entropy factor comes from the logits, as in :func:`bce_loss`.
    """
    y_true, y_pred = _cast(y_true, y_pred)
    p_t = y_true * y_pred + (1.0 - y_true) * (1.0 - y_pred)
    alpha_t = y_true * FOCAL_ALPHA + (1.0 - y_true) * (1.0 - FOCAL_ALPHA)
    cross_entropy = ops.binary_crossentropy(y_true, y_pred)
    return ops.mean(alpha_t * (1.0 - p_t) ** FOCAL_GAMMA * cross_entropy, axis=_PIXEL_AXES)


@_register
def bce_dice_loss(y_true: keras.KerasTensor, y_pred: keras.KerasTensor) -> keras.KerasTensor:
    """BCE + (1 − Dice): the default."""
    return bce_loss(y_true, y_pred) + dice_loss(y_true, y_pred)


@_register
def focal_dice_loss(y_true: keras.KerasTensor, y_pred: keras.KerasTensor) -> keras.KerasTensor:
    """Focal + (1 − Dice)."""
    return focal_loss(y_true, y_pred) + dice_loss(y_true, y_pred)


def _hard(
    y_true: keras.KerasTensor, y_pred: keras.KerasTensor
) -> tuple[keras.KerasTensor, keras.KerasTensor]:
    y_true, y_pred = _cast(y_true, y_pred)
    return ops.cast(y_true > 0.5, y_pred.dtype), ops.cast(y_pred > 0.5, y_pred.dtype)


@_register
def dice(y_true: keras.KerasTensor, y_pred: keras.KerasTensor) -> keras.KerasTensor:
    """Metric: per-image Dice of the prediction thresholded at 0.5 (1 for empty on empty)."""
    return soft_dice(*_hard(y_true, y_pred))


@_register
def iou(y_true: keras.KerasTensor, y_pred: keras.KerasTensor) -> keras.KerasTensor:
    """Metric: per-image IoU of the prediction thresholded at 0.5 (1 for empty on empty)."""
    y_true, y_pred = _hard(y_true, y_pred)
    intersection = ops.sum(y_true * y_pred, axis=_PIXEL_AXES)
    union = ops.sum(ops.maximum(y_true, y_pred), axis=_PIXEL_AXES)
    return (intersection + SMOOTH) / (union + SMOOTH)


LOSSES: dict[str, LossFn] = {
    "bce_dice": bce_dice_loss,
    "bce": bce_loss,
    "dice": dice_loss,
    "focal": focal_loss,
    "focal_dice": focal_dice_loss,
}
METRICS: tuple[LossFn, ...] = (dice, iou)
