"""From a per-pixel ship probability map to ship instances (the step after any model, Keras or ONNX)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from shipviewer.airbus import rle as rle_codec

if TYPE_CHECKING:
    from shipviewer.model.outlines import OutlineCache

__all__ = ["DEFAULT_MIN_SIZE", "DEFAULT_THRESHOLD", "PostprocessOptions", "probability_to_ships"]

DEFAULT_THRESHOLD = 0.5
DEFAULT_MIN_SIZE = 20


@dataclass(frozen=True)
class PostprocessOptions:
    """Threshold on the probability, connectivity of a blob, and the smallest ship kept (pixels)."""

    threshold: float = DEFAULT_THRESHOLD
    min_size: int = DEFAULT_MIN_SIZE
    connectivity: int = 8

    def __post_init__(self) -> None:
        if not 0.0 <= self.threshold <= 1.0:
            raise ValueError(f"threshold must be between 0 and 1, got {self.threshold}")
        if self.min_size < 0:
            raise ValueError(f"min_size must be >= 0, got {self.min_size}")
        if self.connectivity not in (4, 8):
            raise ValueError(f"connectivity must be 4 or 8, got {self.connectivity}")


def probability_to_ships(
    probability: np.ndarray,
    threshold: float = DEFAULT_THRESHOLD,
    min_size: int = DEFAULT_MIN_SIZE,
    connectivity: int = 8,
    *,
    split_touching: bool = False,
    seam: int = 0,
    refine: bool = False,
    image: np.ndarray | None = None,
    outline_cache: OutlineCache | None = None,
    split_hulls: bool | None = None,
) -> list[str]:
    """Non-overlapping ships as canonical RLE strings: pixels above ``threshold``, one ship per
    connected blob, blobs under ``min_size`` pixels dropped, ordered by their first pixel.

    ``probability`` is (H, W) or (H, W, 1) with values in [0, 1]. With ``split_touching``, a blob that holds
    several sure ship cores is split between them by watershed (:func:`.instances.split_blobs`); parts under
    ``min_size`` are dropped. ``seam`` (a model trained to leave that gap between touching ships, see
    ``shipviewer train --seam``): the gap between two ships goes back to them (:func:`.instances.fill_seams`).
    With ``refine``, each ship's outline is redrawn from ``image`` ((H, W, 3) uint8 RGB, required then) by
    GrabCut (:func:`.outlines.refine_outlines`, ``outline_cache`` its per-image cache), and ``min_size``
    applies before and after. With ``split_hulls`` (None: as ``refine``, for outlines drawn from the
    image include the seams the image shows), each ship is then cut where a seam runs along it between
    hulls moored side by side (:func:`.seams.hull_strips`; ``image`` required then too; meant for
    refined outlines: a blob drawn much wider than its hull has the hull's sides as seams), and
    ``min_size`` applies to the pieces.
    """
    if split_hulls is None:
        split_hulls = refine
    options = PostprocessOptions(threshold, min_size, connectivity)
    prob = np.asarray(probability)
    if prob.ndim == 3 and prob.shape[-1] == 1:
        prob = prob[..., 0]
    if prob.ndim != 2:
        raise ValueError(f"a probability map must be (H, W) or (H, W, 1), got shape {probability.shape}")
    if (refine or split_hulls) and (image is None or image.shape[:2] != prob.shape):
        raise ValueError("refining outlines or splitting hulls needs the image the probability map is of")
    mask = prob > options.threshold
    if not split_touching and seam <= 0 and not refine and not split_hulls:
        return rle_codec.ships_from_mask(
            mask, connectivity=options.connectivity, min_size=max(options.min_size, 1)
        )
    from shipviewer.model.instances import fill_seams, split_blobs

    if split_touching:
        labels = split_blobs(mask, prob, connectivity=options.connectivity)
    else:
        import cv2

        _, labels = cv2.connectedComponents(mask.view(np.uint8), connectivity=options.connectivity)
    fill_seams(labels, seam)
    _drop_small(labels, options.min_size)
    if refine and image is not None:
        from shipviewer.model.outlines import refine_outlines

        labels = refine_outlines(image, labels, cache=outline_cache)
        _drop_small(labels, options.min_size)
    if split_hulls and image is not None:
        from shipviewer.model.seams import split_labels

        labels = split_labels(image, labels)
        _drop_small(labels, options.min_size)
    return sorted(rle_codec.ships_from_labels(labels), key=lambda s: int(s.split(" ", 1)[0]))


def _drop_small(labels: np.ndarray, min_size: int) -> None:
    """Ships of ``labels`` (int32 instances, in place) under ``min_size`` pixels go to the sea."""
    areas = np.bincount(labels.ravel())
    labels[areas[labels] < max(min_size, 1)] = 0
