from __future__ import annotations

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shipviewer.airbus import rle
from shipviewer.model.postprocess import probability_to_ships
from shipviewer.model.prob_cache import dequantize, quantize
from shipviewer.viewer.current_image import PREDICTION, TRUTH, CurrentImage
from shipviewer.viewer.label_render import colour_table, outline_mask, render_labels
from shipviewer.viewer.ship_labels import labels_from_levels, labels_from_rles, ship_areas


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 40),
    st.integers(1, 40),
    st.integers(0, 2**32 - 1),
    st.floats(0.05, 0.95),
    st.integers(0, 8),
    st.sampled_from([4, 8]),
)
def test_labels_number_ships_as_probability_to_ships_lists_them(
    h: int, w: int, seed: int, threshold: float, min_size: int, connectivity: int
) -> None:
    rng = np.random.default_rng(seed)
    prob = rng.random((h, w)).astype(np.float32)
    if min(h, w) > 4:
        prob = cv2.GaussianBlur(prob, (5, 5), 1.0)
    levels = quantize(prob)
    labels, count = labels_from_levels(levels, threshold, min_size, connectivity)
    expected = probability_to_ships(dequantize(levels), threshold, min_size, connectivity)
    assert labels.dtype == np.int32 and labels.flags.c_contiguous and labels.shape == (h, w)
    assert count == len(expected)
    assert rle.ships_from_labels(labels) == expected


def test_labels_edge_cases() -> None:
    empty = np.zeros((5, 7), np.uint8)
    labels, count = labels_from_levels(empty, 0.5, 1)
    assert count == 0 and labels.shape == (5, 7) and not labels.any()
    blob = empty.copy()
    blob[1:3, 1:3] = 255
    assert labels_from_levels(blob, 0.5, 5)[1] == 0  # 4 px < 5
    assert labels_from_levels(blob, 0.5, 4)[1] == 1
    with pytest.raises(ValueError, match="uint8"):
        labels_from_levels(blob.astype(np.float32), 0.5, 1)
    with pytest.raises(ValueError, match="connectivity"):
        labels_from_levels(blob, 0.5, 1, connectivity=6)


def test_labels_from_rles_and_areas() -> None:
    labels = labels_from_rles(["1 3", "10 2"], (4, 4))
    assert labels.flags.c_contiguous
    assert labels[:3, 0].tolist() == [1, 1, 1] and labels[1:3, 2].tolist() == [2, 2]
    assert ship_areas(labels).tolist() == [11, 3, 2]
    with pytest.raises(rle.RLEError):
        labels_from_rles(["15 5"], (4, 4))


def test_render_fills_outlines_and_premultiplies() -> None:
    labels = np.zeros((6, 6), np.int32)
    labels[1:5, 1:5] = 1
    out = render_labels(labels, opacity=0.5)
    fill, edge = colour_table(1, 0.5)
    assert out[0, 0].tolist() == [0, 0, 0, 0]
    assert out[2, 2].tolist() == fill[1].tolist() and fill[1, 3] == 128
    assert out[1, 1].tolist() == edge[1].tolist() and edge[1, 3] == 255
    assert (fill[1, :3] <= fill[1, 3]).all()  # premultiplied: colour never above alpha
    outline = render_labels(labels, outline_only=True)
    assert outline[2, 2, 3] == 0 and outline[1, 2, 3] == 255
    assert outline_mask(labels).sum() == 12


def test_render_by_rectangles_equals_whole() -> None:
    rng = np.random.default_rng(1)
    levels = quantize(cv2.GaussianBlur(rng.random((97, 131)).astype(np.float32), (0, 0), 3))
    labels, _ = labels_from_levels(levels, 0.5, 1)
    whole = render_labels(labels, opacity=0.3, truth=True)
    pieces = np.zeros_like(whole)
    for y in range(0, 97, 20):
        for x in range(0, 131, 33):
            render_labels(labels, opacity=0.3, truth=True, box=(y, y + 20, x, x + 33), out=pieces)
    np.testing.assert_array_equal(pieces, whole)


def test_current_image_rethreshold_and_hits() -> None:
    current = CurrentImage()
    events: list[tuple] = []
    current.layer_changed.connect(lambda layer, box: events.append((layer, box)))
    current.reset(0, "/x.jpg")
    current.set_image(np.zeros((20, 20, 3), np.uint8))
    prob = np.zeros((20, 20), np.float32)
    prob[2:6, 2:6] = 0.9
    prob[10:14, 10:18] = 0.6
    assert current.set_levels(quantize(prob), 0.5, 1) == 2
    assert current.rethreshold(0.7, 1) == 1
    hits = current.ships_at(3, 3)
    assert [str(h) for h in hits] == ["prediction ship 1 (16 px)"]
    assert current.ships_at(50, 50) == [] and current.probability_at(3, 3) == pytest.approx(0.9, abs=0.003)
    current.set_truth(["43 4"])  # column 2, rows 2..5
    assert current.counts[TRUTH] == 1 and current.ships_at(2, 3)[1].layer == TRUTH
    current.set_truth(["999 5"])
    assert current.truth_error and current.labels[TRUTH] is None
    with pytest.raises(ValueError, match="does not match"):
        current.set_levels(np.zeros((3, 3), np.uint8), 0.5, 1)
    assert (PREDICTION, None) in events
