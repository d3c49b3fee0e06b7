"""Losses and metrics on hand-made masks."""

from __future__ import annotations

import numpy as np
import pytest

from training.config import LOSS_NAMES
from training.losses import LOSSES, bce_dice_loss, bce_loss, dice, dice_loss, focal_loss, iou, soft_dice


def masks() -> tuple[np.ndarray, np.ndarray]:
    truth = np.zeros((2, 8, 8, 1), np.float32)
    truth[0, 2:6, 2:6] = 1  # image 0: a 4x4 ship; image 1: empty
    return truth, truth.copy()


def test_perfect_prediction() -> None:
    truth, pred = masks()
    assert np.allclose(soft_dice(truth, pred), [1.0, 1.0])
    assert np.allclose(dice(truth, pred), 1.0)
    assert np.allclose(iou(truth, pred), 1.0)
    assert np.all(np.asarray(bce_loss(truth, pred)) < 1e-5)
    assert np.all(np.asarray(bce_dice_loss(truth, pred)) < 1e-4)


def test_wrong_prediction_costs_more() -> None:
    truth, _ = masks()
    miss = np.zeros_like(truth)
    half = np.full_like(truth, 0.5)
    assert float(np.mean(dice_loss(truth, miss))) > 0.45  # image 0 missed entirely, image 1 right
    assert np.all(np.asarray(bce_loss(truth, half)) == pytest.approx(np.log(2), rel=1e-5))
    combined = np.asarray(bce_dice_loss(truth, half))
    assert np.allclose(combined, np.asarray(bce_loss(truth, half)) + np.asarray(dice_loss(truth, half)))


def test_hard_metrics_threshold_at_half() -> None:
    truth, _ = masks()
    pred = truth * 0.6  # above 0.5 where the ship is
    assert np.allclose(dice(truth, pred), 1.0)
    shifted = np.roll(truth, 2, axis=2)  # 4x4 ship moved by 2 columns: overlap 8 of 16
    assert float(np.asarray(iou(truth, shifted))[0]) == pytest.approx((8 + 1) / (24 + 1))
    assert float(np.asarray(dice(truth, shifted))[0]) == pytest.approx((16 + 1) / (32 + 1))


def test_focal_loss_down_weights_easy_pixels() -> None:
    truth, _ = masks()
    confident = np.where(truth > 0, 0.9, 0.1).astype(np.float32)
    assert np.all(np.asarray(focal_loss(truth, confident)) < 0.05 * np.asarray(bce_loss(truth, confident)))


def test_every_cli_loss_name_exists() -> None:
    assert tuple(LOSSES) == LOSS_NAMES


def test_cross_entropy_keeps_its_gradient_when_the_sigmoid_saturates() -> None:
    """A model sure there is no ship (p ≈ 1e-18) must still be pushed towards the ships it misses."""
    import keras
    import tensorflow as tf

    inputs = keras.Input((4, 4, 1))
    head = keras.layers.Conv2D(
        1, 1, activation="sigmoid", bias_initializer=keras.initializers.Constant(-40.0)
    )
    model = keras.Model(inputs, head(inputs))
    truth = np.zeros((1, 4, 4, 1), np.float32)
    truth[0, :2] = 1  # half the pixels are ship
    for loss in (bce_loss, focal_loss, bce_dice_loss):
        with tf.GradientTape() as tape:
            value = tf.reduce_mean(loss(truth, model(np.zeros((1, 4, 4, 1), np.float32))))
        bias_gradient = float(np.asarray(tape.gradient(value, head.bias)).item())
        assert bias_gradient < -0.05, (loss.__name__, bias_gradient)
