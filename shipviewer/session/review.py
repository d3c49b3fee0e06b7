"""Reviewing images: the status of each, the order to review them in, progress, and per-image scores.

Statuses: ``unreviewed`` (nobody signed it off), ``edited`` (changed by hand, not signed off yet),
``accepted`` (the ships are right), ``rejected`` (the image should not be used: left out of every
export) and ``confirmed_empty`` (no ships, checked). An image counts as reviewed once accepted,
rejected or confirmed empty; editing an image again makes it ``edited`` until it is accepted again.
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from shipviewer.airbus import metrics
from shipviewer.airbus import rle as rle_codec

__all__ = [
    "NEEDS_REVIEW",
    "ORDERS",
    "REVIEWED",
    "ImageMetrics",
    "Progress",
    "Status",
    "disagreement",
    "image_metrics",
    "order_images",
    "progress",
    "uncertainty",
]


class Status(str, enum.Enum):
    UNREVIEWED = "unreviewed"
    EDITED = "edited"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    CONFIRMED_EMPTY = "confirmed_empty"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")

    @classmethod
    def parse(cls, value: str | Status) -> Status:
        try:
            return cls(value)
        except ValueError:
            names = ", ".join(s.value for s in cls)
            raise ValueError(f"unknown review status {value!r}: use one of {names}") from None


REVIEWED = frozenset({Status.ACCEPTED, Status.REJECTED, Status.CONFIRMED_EMPTY})
NEEDS_REVIEW = frozenset({Status.UNREVIEWED, Status.EDITED})
# What ``--reviewed-only`` exports: signed-off images whose ships are right (rejected ones never go out).
SIGNED_OFF = frozenset({Status.ACCEPTED, Status.CONFIRMED_EMPTY})
ORDERS = ("path", "uncertainty", "disagreement")


@dataclass(frozen=True)
class Progress:
    """How far the review is: ``reviewed`` of ``total`` images, and the count of each status."""

    reviewed: int
    total: int
    by_status: Mapping[Status, int] = field(default_factory=dict)

    @property
    def fraction(self) -> float:
        return self.reviewed / self.total if self.total else 1.0

    def __str__(self) -> str:
        return f"{self.reviewed} of {self.total} reviewed"


def progress(statuses: Iterable[Status | str]) -> Progress:
    return progress_from_counts(Counter(Status(s) for s in statuses))


def progress_from_counts(counts: Mapping[Status, int]) -> Progress:
    """:func:`progress` from the number of images in each status (as a store can count them)."""
    reviewed = sum(n for s, n in counts.items() if s in REVIEWED)
    return Progress(reviewed, sum(counts.values()), {s: counts.get(s, 0) for s in Status})


@dataclass(frozen=True)
class ImageMetrics:
    """One image's annotation against the truth: competition F2 (mean over IoU 0.50..0.95), its value
    at each threshold, pixel IoU of the union of ships, and the ship counts."""

    f2: float
    f2_per_threshold: tuple[float, ...]
    iou: float
    n_true: int
    n_pred: int


def image_metrics(truth: Sequence[str], ships: Sequence[str], shape: Sequence[int]) -> ImageMetrics:
    """F2 and pixel IoU of ``ships`` against ``truth`` on an image of ``shape``."""
    score = metrics.f2_per_threshold(metrics.iou_matrix(truth, ships, shape))
    union_true = rle_codec.masks_as_image(truth, shape)
    union_pred = rle_codec.masks_as_image(ships, shape)
    return ImageMetrics(
        float(np.mean(score.f2)), score.f2, metrics.iou(union_true, union_pred), score.n_true, score.n_pred
    )


def disagreement(truth: Sequence[str], other: Sequence[str], shape: Sequence[int]) -> float:
    """1 − the competition score of ``other`` against ``truth``: 0 when they agree, 1 when nothing matches."""
    return 1.0 - metrics.image_score(truth, other, shape)


def uncertainty(probability: np.ndarray, ship_probability: float | None = None) -> float:
    """How unsure a probability map is: the mean of 2·min(p, 1 − p) over its pixels.

    0 for a map of only 0s and 1s; it grows with the area of hesitant pixels (blurry edges, faint
    blobs), which is where a reviewer is needed. Ordering by it puts those images first. With a gated
    model's ship probability, the larger of that and the gate's own doubt, 2·min(s, 1 − s): an image the
    gate was unsure of (a pier? a small boat?) comes early even when its map is empty.
    """
    p = np.asarray(probability, dtype=np.float32)
    pixels = float(np.minimum(p, 1.0 - p).mean() * 2.0) if p.size else 0.0
    if ship_probability is None:
        return pixels
    return max(pixels, 2.0 * min(ship_probability, 1.0 - ship_probability))


class _Ordered(Protocol):
    @property
    def image_id(self) -> str: ...

    @property
    def uncertainty(self) -> float | None: ...


def order_images(
    records: Iterable[_Ordered],
    by: str = "path",
    *,
    scores: Mapping[str, float] | Callable[[str], float | None] | None = None,
) -> list[str]:
    """Image ids in review order.

    ``path``: by image id. ``uncertainty``: most uncertain prediction first (the records' own values).
    ``disagreement``: largest ``scores[image_id]`` first (see :func:`disagreement`). Images without a
    value come last, in path order.
    """
    if by not in ORDERS:
        raise ValueError(f"unknown review order {by!r}: use one of {', '.join(ORDERS)}")
    records = list(records)
    if by == "path":
        return sorted(r.image_id for r in records)
    if by == "uncertainty":
        values = {r.image_id: r.uncertainty for r in records}
    else:
        lookup = scores.get if isinstance(scores, Mapping) else scores
        if lookup is None:
            raise ValueError("ordering by disagreement needs the scores")
        values = {r.image_id: lookup(r.image_id) for r in records}
    with_value = sorted((-v, k) for k, v in values.items() if v is not None)
    without = sorted(k for k, v in values.items() if v is None)
    return [k for _, k in with_value] + without
