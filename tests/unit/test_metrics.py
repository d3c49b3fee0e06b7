from __future__ import annotations

import numpy as np
import pytest

from shipviewer.airbus import metrics, rle

SHAPE = (20, 20)


def box(r0: int, r1: int, c0: int, c1: int) -> str:
    mask = np.zeros(SHAPE, bool)
    mask[r0:r1, c0:c1] = True
    return rle.encode(mask)


def test_thresholds() -> None:
    assert metrics.THRESHOLDS == (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95)


def test_empty_image_rules() -> None:
    assert metrics.image_score([], [], SHAPE) == 1.0
    assert metrics.image_score([], [box(0, 2, 0, 2)], SHAPE) == 0.0
    assert metrics.image_score([box(0, 2, 0, 2)], [], SHAPE) == 0.0


def test_perfect_match_scores_one() -> None:
    ships = [box(0, 4, 0, 4), box(10, 15, 10, 12)]
    assert metrics.image_score(ships, list(reversed(ships)), SHAPE) == 1.0


def test_hand_computed_partial_overlap() -> None:
    # Truth 10x10 = 100 px; prediction the same box shifted down by 2 rows: intersection 80, union 120,
    # IoU = 2/3 -> a hit at thresholds 0.50, 0.55, 0.60, 0.65 (4 of 10); F2 there is 1, else
    # TP=0, FN=1, FP=1 -> 0.
    truth = [rle.encode(np.pad(np.ones((10, 10), bool), ((0, 10), (0, 10))))]
    pred = [rle.encode(np.pad(np.ones((10, 10), bool), ((2, 8), (0, 10))))]
    assert metrics.iou_matrix(truth, pred, SHAPE)[0, 0] == pytest.approx(2 / 3)
    assert metrics.image_score(truth, pred, SHAPE) == pytest.approx(0.4)


def test_hand_computed_f2_with_misses_and_false_alarms() -> None:
    # Two true ships, one found exactly, plus one false alarm: TP=1, FN=1, FP=1.
    # F2 = 5 / (5 + 4 + 1) = 0.5 at every threshold.
    truth = [box(0, 3, 0, 3), box(10, 13, 10, 13)]
    pred = [box(0, 3, 0, 3), box(5, 7, 15, 18)]
    assert metrics.image_score(truth, pred, SHAPE) == pytest.approx(0.5)


def test_iou_strictly_above_threshold() -> None:
    # IoU exactly 0.5: not a hit at 0.50.
    truth = [box(0, 2, 0, 4)]  # 8 px
    pred = [box(0, 2, 0, 2)]  # 4 px inside: IoU 4/8
    assert metrics.iou_matrix(truth, pred, SHAPE)[0, 0] == 0.5
    assert metrics.image_score(truth, pred, SHAPE) == 0.0


def test_overlapping_predictions_are_not_rewarded_twice() -> None:
    truth = [box(0, 10, 0, 10)]
    pred = [box(0, 10, 0, 10), box(0, 10, 0, 9)]  # both IoU > 0.5 with the one true ship
    result = metrics.f2_per_threshold(metrics.iou_matrix(truth, pred, SHAPE))
    assert result.tp[0] == 1
    assert result.f2[0] == pytest.approx(5 / (5 + 0 + 1))


def test_iou_matrix_matches_full_frames_on_random_ships() -> None:
    rng = np.random.default_rng(3)
    shape = (64, 48)
    for _ in range(50):
        ships = []
        for _ in range(rng.integers(1, 5)):
            mask = np.zeros(shape, bool)
            r, c = rng.integers(0, 60), rng.integers(0, 44)
            mask[r : r + rng.integers(1, 20), c : c + rng.integers(1, 20)] = True
            ships.append(rle.encode(mask))
        preds = ships[::-1][: rng.integers(1, len(ships) + 1)]
        preds = [rle.encode(np.roll(rle.decode(p, shape), rng.integers(-3, 4), axis=0)) for p in preds]
        fast = metrics.iou_matrix(ships, preds, shape)
        for i, t in enumerate(ships):
            for j, p in enumerate(preds):
                a, b = rle.decode(t, shape), rle.decode(p, shape)
                assert fast[i, j] == pytest.approx((a & b).sum() / (a | b).sum())


def test_dataset_score_averages_over_truth_images_and_counts_missing_as_empty() -> None:
    truth = {"a": [box(0, 3, 0, 3)], "b": [], "c": [box(5, 8, 5, 8)]}
    pred = {"a": [box(0, 3, 0, 3)], "b": [], "z": [box(0, 1, 0, 1)]}
    report = metrics.score_dataset(truth, pred, SHAPE)
    # a: 1, b: 1 (both empty), c: 0 (missing -> predicted empty) -> 2/3
    assert report.score == pytest.approx(2 / 3)
    assert report.n_images == 3 and report.n_true == 2 and report.n_pred == 1
    assert report.n_pred_images_not_in_truth == 1
    assert report.per_image == {"a": 1.0, "b": 1.0, "c": 0.0}
    assert report.dice == pytest.approx(2 * 9 / (18 + 9))
    assert report.iou == pytest.approx(9 / 18)


def test_pixel_dice_and_iou() -> None:
    a = np.zeros((4, 4), bool)
    b = np.zeros((4, 4), bool)
    assert metrics.dice(a, b) == 1.0 and metrics.iou(a, b) == 1.0
    a[0, :2] = True
    b[0, 1:3] = True
    assert metrics.dice(a, b) == pytest.approx(0.5)
    assert metrics.iou(a, b) == pytest.approx(1 / 3)
