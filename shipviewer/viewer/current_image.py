"""The image on screen and its label layers (prediction, ground truth, the editable annotation); Qt-free.

The prediction layer is derived from the cached probability map, so a new threshold or minimum size
only re-labels (no model run). The annotation layer is the label image of the document being edited
(:class:`shipviewer.edits.AnnotationDoc`), shown as it is and changed in place. Layers are int32 label
images (ship k → k) that an editor may change in place and announce with ``layer_changed(layer, box)``,
where ``box`` (y0, y1, x0, x1) limits the redraw.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from shipviewer.airbus.rle import RLEError
from shipviewer.model.prob_cache import dequantize
from shipviewer.viewer.catalog import Event
from shipviewer.viewer.label_render import Box
from shipviewer.viewer.ship_labels import labels_from_levels, labels_from_rles, refined_ships, ship_areas

if TYPE_CHECKING:
    from shipviewer.model.outlines import OutlineCache

OUTLINE_CACHE_BYTES = 64 << 20  # GrabCut's answers kept for the image on screen

__all__ = ["ANNOTATION", "LAYERS", "PREDICTION", "TRUTH", "CurrentImage", "ShipHit"]

PREDICTION = "prediction"
TRUTH = "truth"
ANNOTATION = "annotation"
LAYERS = (PREDICTION, TRUTH, ANNOTATION)


@dataclass(frozen=True)
class ShipHit:
    layer: str
    ship: int
    area: int

    def __str__(self) -> str:
        return f"{self.layer} ship {self.ship} ({self.area} px)"


class CurrentImage:
    """Index, pixels and layers of the shown image; events say which part changed."""

    def __init__(self) -> None:
        self.index = -1
        self.path = ""
        self.rgb: np.ndarray | None = None
        self.levels: np.ndarray | None = None  # uint8 probability map
        self.truth_rles: list[str] | None = None
        self.truth_error: str | None = None
        self.labels: dict[str, np.ndarray | None] = dict.fromkeys(LAYERS)
        self.counts: dict[str, int] = dict.fromkeys(LAYERS, 0)
        self._areas: dict[str, np.ndarray | None] = dict.fromkeys(LAYERS)
        # Outlines of the prediction redrawn from the image (the model's advice, Model ▸ Refine Outlines).
        self.refine = False
        self.split_touching, self.seam = False, 0  # the model's advice, followed where outlines are refined
        self._params: tuple[float, int] | None = None  # the threshold and minimum size last labelled at
        self._outlines: OutlineCache = {}  # GrabCut's answers for this image and map (model/outlines.py)
        # Refined ships of this image and map by (threshold, min size): made here, or given by a worker.
        self._known: dict[tuple[float, int], list[str]] = {}
        self._quick = False  # the shown prediction is the model's blobs, its refined outlines not made yet
        self.image_changed = Event()  # ()
        self.layer_changed = Event()  # (layer, box or None)

    @property
    def shape(self) -> tuple[int, int] | None:
        return None if self.rgb is None else (int(self.rgb.shape[0]), int(self.rgb.shape[1]))

    def reset(self, index: int = -1, path: str = "") -> None:
        """Switch to another image (pixels and layers come later, as they are loaded)."""
        self.index, self.path = index, path
        self.rgb = self.levels = None
        self._outlines, self._known, self._quick = {}, {}, False
        self.truth_rles = self.truth_error = None
        for layer in LAYERS:
            self._set_layer(layer, None, 0, announce=False)
        self.image_changed.emit()
        for layer in LAYERS:
            self.layer_changed.emit(layer, None)

    def set_image(self, rgb: np.ndarray) -> None:
        self.rgb = rgb
        self._outlines = {}
        self.image_changed.emit()
        if self.truth_rles is not None:
            self.set_truth(self.truth_rles)
        if self.refine and self.levels is not None and self._params is not None:
            self.rethreshold(*self._params)  # the map came first: its outlines now follow the pixels

    def set_refine(self, on: bool) -> None:
        """Redraw the prediction's outlines from the image (or show the model's own); re-labels at once."""
        if on == self.refine:
            return
        self.refine = on
        if self.levels is not None and self._params is not None:
            self.rethreshold(*self._params)

    def set_levels(
        self, levels: np.ndarray, threshold: float, min_size: int, ships: Sequence[str] | None = None
    ) -> int:
        """Take a probability map (uint8 levels) and label it; returns the ship count. ``ships``: its
        refined ships at these thresholds, when a worker has made them already (refining takes ~10 ms a
        ship; the window should not wait for it twice)."""
        if self.rgb is not None and levels.shape != self.rgb.shape[:2]:
            raise ValueError(f"probability map {levels.shape} does not match the image {self.rgb.shape[:2]}")
        self.levels = levels
        self._outlines, self._known = {}, {}
        if ships is not None:
            self._known[(threshold, min_size)] = list(ships)
        return self.rethreshold(threshold, min_size)

    def rethreshold(self, threshold: float, min_size: int, *, quick: bool = False) -> int:
        """Re-label the prediction from the cached map; returns the ship count (0 without a map).

        ``quick`` (a slider on the move): where the refined outlines at these thresholds are not known
        yet, show the model's blobs now (:attr:`refine_pending` says so) and leave GrabCut for a call
        without it."""
        self._params = (threshold, min_size)
        self._quick = False
        if self.levels is None:
            return 0
        # Made before, or by a worker, they serve with or without the pixels here yet.
        ships = self._known.get((threshold, min_size)) if self.refine else None
        can_refine = self.refine and self.rgb is not None and self.rgb.shape[:2] == self.levels.shape
        if ships is None and can_refine and not quick:
            assert self.rgb is not None
            ships = refined_ships(
                self.levels,
                self.rgb,
                threshold,
                min_size,
                split_touching=self.split_touching,
                seam=self.seam,
                cache=self._outlines,
            )
            self._known[(threshold, min_size)] = ships
            if sum(mask.nbytes for mask in self._outlines.values()) > OUTLINE_CACHE_BYTES:
                self._outlines = {}  # many slider stops on a large image: start again
        if ships is not None:
            labels, count = labels_from_rles(ships, self.levels.shape), len(ships)
        else:
            labels, count = labels_from_levels(self.levels, threshold, min_size)
            self._quick = can_refine  # a quick re-threshold: the outlines come later
        self._set_layer(PREDICTION, labels, count)
        return count

    @property
    def refine_pending(self) -> bool:
        """Whether the shown prediction is the blobs of a ``quick`` re-threshold, GrabCut left for later."""
        return self._quick

    def refined_ships(self, threshold: float, min_size: int) -> list[str] | None:
        """This image's refined ships (RLE, Airbus order) at these thresholds, when known (made or given);
        None otherwise."""
        known = self._known.get((threshold, min_size)) if self.levels is not None and self.refine else None
        return None if known is None else list(known)

    def clear_prediction(self) -> None:
        """Forget the probability map and its ships (another model is coming)."""
        self.levels = None
        self._outlines, self._known, self._quick = {}, {}, False
        self._set_layer(PREDICTION, None, 0)

    def set_truth(self, rles: list[str] | None) -> None:
        """Ground truth as RLE strings (None: the image has none); decoded once the image size is known."""
        self.truth_rles = rles
        self.truth_error = None
        if rles is None or self.rgb is None:
            self._set_layer(TRUTH, None, 0)
            return
        try:
            labels = labels_from_rles(rles, self.rgb.shape[:2])
        except (RLEError, ValueError) as exc:
            self.truth_error = f"ground truth of this image is invalid: {exc}"
            self._set_layer(TRUTH, None, 0)
            return
        self._set_layer(TRUTH, labels, len(rles))

    def _set_layer(self, layer: str, labels: np.ndarray | None, count: int, *, announce: bool = True) -> None:
        self.labels[layer] = labels
        self.counts[layer] = count
        self._areas[layer] = None
        if announce:
            self.layer_changed.emit(layer, None)

    def set_annotation(self, labels: np.ndarray | None, count: int = 0) -> None:
        """Show an editable label image (the document's own array, edited in place) or none."""
        self._set_layer(ANNOTATION, labels, count)

    def notify_edit(self, layer: str, box: Box | None = None, count: int | None = None) -> None:
        """For editors: the layer's label image was changed in place within ``box``.

        ``count`` is the new ship count when the editor knows it; otherwise it is left as it was (a full
        scan of a 4096² image would cost more than the redraw of a brush segment).
        """
        self._areas[layer] = None
        if count is not None:
            self.counts[layer] = count
        self.layer_changed.emit(layer, box)

    # --- what is under the cursor -----------------------------------------------------------------------
    def ships_at(self, x: int, y: int) -> list[ShipHit]:
        hits = []
        for layer in LAYERS:
            labels = self.labels[layer]
            if labels is None or not (0 <= y < labels.shape[0] and 0 <= x < labels.shape[1]):
                continue
            k = int(labels[y, x])
            if k:
                areas = self._areas[layer]
                if areas is None:
                    areas = self._areas[layer] = ship_areas(labels)
                hits.append(ShipHit(layer, k, int(areas[k])))
        return hits

    def probability_at(self, x: int, y: int) -> float | None:
        if self.levels is None or not (0 <= y < self.levels.shape[0] and 0 <= x < self.levels.shape[1]):
            return None
        return float(dequantize(self.levels[y : y + 1, x : x + 1])[0, 0])
