"""Review statuses, ordering, progress and per-image scores (pure functions, no store)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from shipviewer.airbus import metrics, rle
from shipviewer.airbus.annotations import read_csv
from shipviewer.session.review import (
    NEEDS_REVIEW,
    REVIEWED,
    Status,
    disagreement,
    image_metrics,
    order_images,
    progress,
    uncertainty,
)

SHAPE = (64, 64)


def ship(y0: int, y1: int, x0: int, x1: int) -> str:
    mask = np.zeros(SHAPE, bool)
    mask[y0:y1, x0:x1] = True
    return rle.encode(mask)


@dataclass
class Rec:
    image_id: str
    uncertainty: float | None = None


def test_statuses() -> None:
    assert Status.parse("confirmed_empty") is Status.CONFIRMED_EMPTY
    assert Status.CONFIRMED_EMPTY.label == "confirmed empty"
    assert REVIEWED.isdisjoint(NEEDS_REVIEW) and set(Status) == REVIEWED | NEEDS_REVIEW
    with pytest.raises(ValueError, match="unreviewed, edited"):
        Status.parse("done")


def test_progress() -> None:
    p = progress(["unreviewed", "edited", "accepted", "rejected", "confirmed_empty", "accepted"])
    assert (p.reviewed, p.total, str(p)) == (4, 6, "4 of 6 reviewed")
    assert p.by_status[Status.ACCEPTED] == 2 and p.fraction == pytest.approx(4 / 6)
    assert progress([]).fraction == 1.0


def test_order_images() -> None:
    records = [Rec("b", 0.2), Rec("a", None), Rec("c", 0.9), Rec("d", 0.2)]
    assert order_images(records) == ["a", "b", "c", "d"]
    assert order_images(records, "uncertainty") == ["c", "b", "d", "a"]
    assert order_images(records, "disagreement", scores={"a": 0.5, "d": 1.0}) == ["d", "a", "b", "c"]
    assert order_images(records, "disagreement", scores=lambda k: 0.1 if k == "c" else None)[0] == "c"
    with pytest.raises(ValueError, match="unknown review order"):
        order_images(records, "size")
    with pytest.raises(ValueError, match="needs the scores"):
        order_images(records, "disagreement")


def test_image_metrics_against_the_competition_metric(real_dir) -> None:
    truth = read_csv(real_dir / "labels.csv").ships["0a1a7f395.jpg"]  # 14 small ships
    shape = (768, 768)
    values = truth[10].split()
    half = " ".join(values[: len(values) // 4 * 2])  # the first half of one ship's runs
    pred = [*truth[:10], half]
    result = image_metrics(truth, pred, shape)
    assert result.f2 == pytest.approx(metrics.image_score(truth, pred, shape))
    t, p = rle.masks_as_image(truth, shape), rle.masks_as_image(pred, shape)
    assert result.iou == pytest.approx(metrics.iou(t, p))
    assert (result.n_true, result.n_pred) == (14, len(pred)) and 0 < result.f2 < 1
    assert disagreement(truth, pred, shape) == pytest.approx(1 - result.f2)


def test_image_metrics_edge_cases() -> None:
    assert image_metrics([], [], SHAPE).f2 == 1.0 and image_metrics([], [], SHAPE).iou == 1.0
    missed = image_metrics([ship(0, 10, 0, 10)], [], SHAPE)
    assert missed.f2 == 0.0 and missed.iou == 0.0
    assert image_metrics([ship(0, 10, 0, 10)], [ship(0, 10, 0, 10)], SHAPE).f2 == 1.0


def test_uncertainty() -> None:
    assert uncertainty(np.zeros((8, 8))) == 0.0 and uncertainty(np.ones((8, 8))) == 0.0
    assert uncertainty(np.full((8, 8), 0.5)) == pytest.approx(1.0)
    crisp, blurry = np.zeros((8, 8)), np.zeros((8, 8))
    crisp[2:6, 2:6] = 0.95
    blurry[2:6, 2:6] = 0.6
    assert uncertainty(blurry) > uncertainty(crisp) > 0
    assert uncertainty(np.zeros((0, 0))) == 0.0


def test_uncertainty_counts_the_gates_doubt() -> None:
    import numpy as np

    from shipviewer.session.review import uncertainty

    empty = np.zeros((8, 8), np.float32)
    assert uncertainty(empty) == 0.0
    assert uncertainty(empty, 0.02) == pytest.approx(0.04)  # the gate was sure: still near the end
    assert uncertainty(empty, 0.5) == pytest.approx(1.0)  # the gate hesitated: first in the queue
    hesitant = np.full((8, 8), 0.5, np.float32)
    assert uncertainty(hesitant, 0.99) == pytest.approx(1.0)
