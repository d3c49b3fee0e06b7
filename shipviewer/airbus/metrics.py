"""The Airbus competition metric (F2 over IoU thresholds), and pixel Dice and IoU.

IoU between ships is computed from their runs (intervals of the column-major pixel numbering), so no
768×768 frame is built for any pair: the cost scales with the number of runs, not with the image.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from shipviewer.airbus import rle as rle_codec

__all__ = [
    "THRESHOLDS",
    "ImageScore",
    "ScoreReport",
    "dice",
    "f2_per_threshold",
    "image_score",
    "iou",
    "iou_matrix",
    "score_dataset",
]

THRESHOLDS: tuple[float, ...] = tuple(round(0.5 + 0.05 * i, 2) for i in range(10))

Runs = tuple[np.ndarray, np.ndarray]


def dice(a: np.ndarray, b: np.ndarray) -> float:
    """Pixel Dice of two masks; 1.0 when both are empty."""
    a, b = np.asarray(a, dtype=bool), np.asarray(b, dtype=bool)
    total = int(a.sum()) + int(b.sum())
    return 1.0 if total == 0 else 2.0 * int(np.logical_and(a, b).sum()) / total


def iou(a: np.ndarray, b: np.ndarray) -> float:
    """Pixel IoU of two masks; 1.0 when both are empty."""
    a, b = np.asarray(a, dtype=bool), np.asarray(b, dtype=bool)
    union = int(np.logical_or(a, b).sum())
    return 1.0 if union == 0 else int(np.logical_and(a, b).sum()) / union


def _runs_of(rles: Sequence[str], shape: Sequence[int]) -> list[Runs]:
    return [rle_codec.parse_runs(r, shape) for r in rles if not rle_codec.is_empty(r)]


def _intersection(a: Runs, b: Runs) -> int:
    """Pixels shared by two ships given as sorted, non-overlapping runs."""
    a_start, a_len = a
    b_start, b_len = b
    if a_start.size == 0 or b_start.size == 0:
        return 0
    a_end, b_end = a_start + a_len, b_start + b_len
    if a_end[-1] <= b_start[0] or b_end[-1] <= a_start[0]:
        return 0
    # For each run of a, the runs of b that can touch it form a contiguous slice [lo, hi).
    lo = np.searchsorted(b_end, a_start, side="right")
    hi = np.searchsorted(b_start, a_end, side="left")
    counts = hi - lo
    if not counts.any():
        return 0
    which_a = np.repeat(np.arange(a_start.size), counts)
    which_b = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts) + np.repeat(lo, counts)
    overlap = np.minimum(a_end[which_a], b_end[which_b]) - np.maximum(a_start[which_a], b_start[which_b])
    return int(overlap[overlap > 0].sum())


def _intersections(truth: list[Runs], pred: list[Runs]) -> np.ndarray:
    """(n_true, n_pred) pixel counts, skipping pairs whose pixel spans are disjoint."""
    inter = np.zeros((len(truth), len(pred)), dtype=np.int64)
    if not truth or not pred:
        return inter
    t_span = [(s[0], s[-1] + n[-1]) if s.size else (0, 0) for s, n in truth]
    p_span = [(s[0], s[-1] + n[-1]) if s.size else (0, 0) for s, n in pred]
    for i, (t0, t1) in enumerate(t_span):
        for j, (p0, p1) in enumerate(p_span):
            if t0 < p1 and p0 < t1:
                inter[i, j] = _intersection(truth[i], pred[j])
    return inter


def iou_matrix(
    true_rles: Sequence[str], pred_rles: Sequence[str], shape: Sequence[int] = rle_codec.DEFAULT_SHAPE
) -> np.ndarray:
    """IoU of every (true ship, predicted ship) pair, shape (n_true, n_pred)."""
    truth, pred = _runs_of(true_rles, shape), _runs_of(pred_rles, shape)
    return _iou_from_runs(truth, pred)


def _iou_from_runs(truth: list[Runs], pred: list[Runs]) -> np.ndarray:
    inter = _intersections(truth, pred)
    if inter.size == 0:
        return inter.astype(float)
    t_area = np.array([int(n.sum()) for _, n in truth])
    p_area = np.array([int(n.sum()) for _, n in pred])
    union = t_area[:, None] + p_area[None, :] - inter
    return inter / np.maximum(union, 1)


def _true_positives(ious: np.ndarray, threshold: float) -> int:
    """One-to-one matches with IoU above ``threshold``, best pairs first.

    With non-overlapping ships and thresholds >= 0.5 each ship has at most one partner anyway; the
    greedy matching only matters for overlapping (invalid) predictions, which it must not reward twice.
    """
    hits = np.argwhere(ious > threshold)
    if len(hits) == 0:
        return 0
    if len(hits) == len(set(hits[:, 0].tolist())) == len(set(hits[:, 1].tolist())):
        return len(hits)
    order = np.argsort(-ious[hits[:, 0], hits[:, 1]], kind="stable")
    used_t: set[int] = set()
    used_p: set[int] = set()
    for i, j in hits[order].tolist():
        if i not in used_t and j not in used_p:
            used_t.add(i)
            used_p.add(j)
    return len(used_t)


@dataclass(frozen=True)
class ImageScore:
    """One image: its F2 at each threshold and the counts behind them."""

    f2: tuple[float, ...]
    tp: tuple[int, ...]
    n_true: int
    n_pred: int

    @property
    def score(self) -> float:
        return float(np.mean(self.f2))


def f2_per_threshold(ious: np.ndarray, thresholds: Sequence[float] = THRESHOLDS) -> ImageScore:
    """F2 = 5·TP / (5·TP + 4·FN + FP) at each threshold from an (n_true, n_pred) IoU matrix.

    No true and no predicted ships scores 1; ships predicted where there are none scores 0.
    """
    n_true, n_pred = ious.shape
    if n_true == 0 and n_pred == 0:
        return ImageScore(tuple(1.0 for _ in thresholds), tuple(0 for _ in thresholds), 0, 0)
    f2s, tps = [], []
    for t in thresholds:
        tp = _true_positives(ious, t) if n_true and n_pred else 0
        fn, fp = n_true - tp, n_pred - tp
        f2s.append(5 * tp / (5 * tp + 4 * fn + fp))
        tps.append(tp)
    return ImageScore(tuple(f2s), tuple(tps), n_true, n_pred)


def image_score(
    true_rles: Sequence[str], pred_rles: Sequence[str], shape: Sequence[int] = rle_codec.DEFAULT_SHAPE
) -> float:
    """The competition score of one image: mean F2 over the IoU thresholds 0.50, 0.55, …, 0.95."""
    return f2_per_threshold(iou_matrix(true_rles, pred_rles, shape)).score


@dataclass
class ScoreReport:
    """A data set's score and the figures behind it."""

    score: float
    f2_per_threshold: dict[float, float]
    n_images: int
    n_true: int
    n_pred: int
    tp_per_threshold: dict[float, int]
    dice: float
    iou: float
    n_pred_images_not_in_truth: int = 0
    per_image: dict[str, float] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """The report as `score` and `evaluate` print it; the last line is the score alone."""
        out = [f"images scored: {self.n_images}   true ships: {self.n_true}   predicted ships: {self.n_pred}"]
        if self.n_pred_images_not_in_truth:
            out.append(
                f"note: {self.n_pred_images_not_in_truth} predicted image(s) are not in the truth; ignored"
            )
        out.append("IoU threshold   F2      TP     FP     FN")
        for t, f2 in self.f2_per_threshold.items():
            tp = self.tp_per_threshold[t]
            out.append(f"  {t:.2f}        {f2:.4f}  {tp:5d}  {self.n_pred - tp:5d}  {self.n_true - tp:5d}")
        out.append(f"pixel Dice: {self.dice:.4f}   pixel IoU: {self.iou:.4f}")
        out.append(f"competition F2 (mean over IoU thresholds and images): {self.score:.4f}")
        out.append(f"{self.score:.6f}")
        return out


def score_dataset(
    truth: Mapping[str, Sequence[str]],
    pred: Mapping[str, Sequence[str]],
    shape: Sequence[int] = rle_codec.DEFAULT_SHAPE,
    thresholds: Sequence[float] = THRESHOLDS,
) -> ScoreReport:
    """Score predictions against the truth, the competition's way: the mean over the images of the
    truth; an image absent from the predictions counts as predicted empty. Pixel Dice and IoU are
    pooled over all images (ships of one image are unioned first).
    """
    f2_sums = np.zeros(len(thresholds))
    tp_sums = np.zeros(len(thresholds), dtype=np.int64)
    n_true = n_pred = 0
    inter_px = true_px = pred_px = 0
    per_image: dict[str, float] = {}
    for image_id, true_rles in truth.items():
        t_runs = _runs_of(true_rles, shape)
        p_runs = _runs_of(pred.get(image_id, ()), shape)
        inter = _intersections(t_runs, p_runs)
        t_area = np.array([int(n.sum()) for _, n in t_runs], dtype=np.int64)
        p_area = np.array([int(n.sum()) for _, n in p_runs], dtype=np.int64)
        ious = inter / np.maximum(t_area[:, None] + p_area[None, :] - inter, 1)
        result = f2_per_threshold(ious, thresholds)
        f2_sums += result.f2
        tp_sums += result.tp
        per_image[image_id] = result.score
        n_true += len(t_runs)
        n_pred += len(p_runs)
        # Valid ships do not overlap within an image, so the union's areas are the sums.
        inter_px += int(inter.sum())
        true_px += int(t_area.sum())
        pred_px += int(p_area.sum())
    n_images = len(truth)
    union_px = true_px + pred_px - inter_px
    return ScoreReport(
        score=float(f2_sums.sum() / len(thresholds) / n_images) if n_images else 0.0,
        f2_per_threshold={t: float(f / n_images) if n_images else 0.0 for t, f in zip(thresholds, f2_sums)},
        n_images=n_images,
        n_true=n_true,
        n_pred=n_pred,
        tp_per_threshold={t: int(tp) for t, tp in zip(thresholds, tp_sums)},
        dice=2 * inter_px / (true_px + pred_px) if true_px + pred_px else 1.0,
        iou=inter_px / union_px if union_px else 1.0,
        n_pred_images_not_in_truth=len(set(pred) - set(truth)),
        per_image=per_image,
    )
