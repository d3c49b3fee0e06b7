"""Outline snapping for the polygon tools: the path between two corners runs along the image's edges.

OpenCV's intelligent scissors (``cv2.segmentation.IntelligentScissorsMB``, in the main ``cv2`` module of
opencv-python-headless 4.5+ and 5.x: no contrib build needed) find the cheapest path over a cost that is low
on edges. Every search works in a window around its corners, so it costs the same on any image size.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import cv2
import numpy as np

from shipviewer.edits._core import Point, as_points
from shipviewer.edits.undo import Box

__all__ = ["EdgeSnapper", "snap_outline", "snap_path"]

DEFAULT_RADIUS = 160  # how far from its anchor a live snapper follows edges (pixels)


def _scissors(crop: np.ndarray) -> object:
    tool = cv2.segmentation.IntelligentScissorsMB()
    tool.setEdgeFeatureCannyParameters(32, 100)
    tool.setGradientMagnitudeMaxLimit(200)
    tool.applyImage(crop)
    return tool


def _straight(a: tuple[int, int], b: tuple[int, int]) -> np.ndarray:
    n = max(abs(b[0] - a[0]), abs(b[1] - a[1]), 1)
    t = np.linspace(0.0, 1.0, n + 1)
    xs, ys = a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t
    return np.rint(np.column_stack([xs, ys])).astype(np.int32)


class EdgeSnapper:
    """Paths along edges from one anchor to any point near it (for a live preview while the mouse moves).

    Built once per corner: the edge costs of a window around the anchor and the map of cheapest paths
    from it; :meth:`path_to` is then a walk back through that map. Points farther than ``radius`` from
    the anchor get a straight line.
    """

    def __init__(self, image: np.ndarray, anchor: Point, radius: int = DEFAULT_RADIUS) -> None:
        ((x, y),) = as_points([anchor]).tolist()
        height, width = image.shape[:2]
        self.anchor = (min(max(x, 0), width - 1), min(max(y, 0), height - 1))
        ax, ay = self.anchor
        self.window = Box(ay - radius, ay + radius + 1, ax - radius, ax + radius + 1).clip((height, width))
        self._tool = _scissors(np.ascontiguousarray(image[self.window.slices]))
        self._tool.buildMap((ax - self.window.x0, ay - self.window.y0))  # type: ignore[attr-defined]

    def path_to(self, point: Point) -> np.ndarray:
        """(n, 2) int32 (x, y) pixels from the anchor to ``point`` (both included)."""
        ((x, y),) = as_points([point]).tolist()
        w = self.window
        if not (w.x0 <= x < w.x1 and w.y0 <= y < w.y1):
            return _straight(self.anchor, (x, y))
        contour = self._tool.getContour((x - w.x0, y - w.y0))  # type: ignore[attr-defined]
        path = np.asarray(contour, dtype=np.int32).reshape(-1, 2) + np.array([w.x0, w.y0], np.int32)
        if path.size == 0:
            return _straight(self.anchor, (x, y))
        if tuple(path[0]) != self.anchor and tuple(path[-1]) == self.anchor:
            path = path[::-1]
        return path


def snap_path(image: np.ndarray, a: Point, b: Point, *, margin: int = 12) -> np.ndarray:
    """The path along edges from corner ``a`` to corner ``b``, searched in their box widened by ``margin``."""
    pts = as_points([a, b])
    radius = int(np.abs(pts[1] - pts[0]).max()) + margin
    return EdgeSnapper(image, (float(pts[0, 0]), float(pts[0, 1])), radius).path_to(
        (float(pts[1, 0]), float(pts[1, 1]))
    )


def snap_outline(
    image: np.ndarray, corners: Sequence[Point] | np.ndarray, *, closed: bool = True
) -> np.ndarray:
    """The outline through ``corners`` with every side snapped to the image's edges: (n, 2) int32 points."""
    pts = as_points(corners)
    if len(pts) < 2:
        return pts
    pairs = list(itertools.pairwise(pts))
    if closed and len(pts) > 2:
        pairs.append((pts[-1], pts[0]))
    pieces = []
    for a, b in pairs:
        path = snap_path(image, (float(a[0]), float(a[1])), (float(b[0]), float(b[1])))
        pieces.append(path[:-1] if len(path) > 1 else path)
    return np.concatenate(pieces)
