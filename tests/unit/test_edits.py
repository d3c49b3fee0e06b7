"""The editing tools as pure functions on label images: what they change, and only that."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shipviewer.airbus import rle
from shipviewer.edits import (
    Box,
    EditError,
    add_ships,
    brush_footprint,
    bucket_fill,
    clear,
    delete_ship,
    encode_in_box,
    erase_segment,
    fill_holes,
    grow,
    holes_of,
    label_at,
    label_box,
    label_boxes,
    labels_from_rles,
    merge_ships,
    next_brush_size,
    paint_segment,
    polygon_add,
    polygon_cut,
    remove_small,
    render_overlay,
    set_ships,
    ship_under_line,
    shrink,
    split_ship,
)
from shipviewer.edits.undo import Atom

SHAPE = (96, 128)


def blank(shape: tuple[int, int] = SHAPE) -> np.ndarray:
    return np.zeros(shape, dtype=np.int32)


def with_rect(labels: np.ndarray, label: int, y0: int, y1: int, x0: int, x1: int) -> np.ndarray:
    labels[y0:y1, x0:x1] = label
    return labels


def check_atom(before: np.ndarray, after: np.ndarray, atom: Atom | None) -> None:
    """The atom's box holds every change, is tight, and undo/redo move between the two states."""
    changed = before != after
    if atom is None:
        assert not changed.any()
        return
    rows, cols = np.nonzero(changed)
    assert atom.box == Box(rows.min(), rows.max() + 1, cols.min(), cols.max() + 1)
    work = after.copy()
    atom.undo(work)
    assert np.array_equal(work, before)
    atom.redo(work)
    assert np.array_equal(work, after)


def apply(tool, labels: np.ndarray, *args, **kwargs) -> tuple[np.ndarray, Atom | None]:
    before = labels.copy()
    atom = tool(labels, *args, **kwargs)
    check_atom(before, labels, atom)
    return before, atom


# --- brush and eraser -------------------------------------------------------------------------------
def test_brush_paints_a_disk_and_starts_a_ship() -> None:
    labels = blank()
    _, atom = apply(paint_segment, labels, (40, 30), None, 11, 1)
    expected = np.zeros(SHAPE, np.uint8)
    cv2.circle(expected, (40, 30), 5, 1, -1)
    assert np.array_equal(labels == 1, expected.astype(bool))
    assert atom is not None and atom.box == Box(25, 36, 35, 46)


def test_brush_segment_covers_the_swept_capsule() -> None:
    labels = blank()
    apply(paint_segment, labels, (20, 20), (80, 50), 9, 3)
    ys, xs = np.nonzero(labels == 3)
    # Every pixel within the radius of the segment is painted, nothing beyond radius + 1.
    p, q = np.array([20.0, 20.0]), np.array([80.0, 50.0])
    grid = np.stack(np.meshgrid(np.arange(SHAPE[1]), np.arange(SHAPE[0])), axis=-1).astype(float)
    t = np.clip(((grid - p) @ (q - p)) / ((q - p) @ (q - p)), 0, 1)
    distance = np.linalg.norm(grid - (p + t[..., None] * (q - p)), axis=-1)
    assert (labels[distance <= 3.5] == 3).all()
    assert distance[ys, xs].max() <= 5.0


@pytest.mark.parametrize("size", [1, 2, 3])
def test_thin_brushes_are_connected_lines(size: int) -> None:
    labels = blank()
    apply(paint_segment, labels, (5, 5), (60, 33), size, 1)
    count, _ = cv2.connectedComponents((labels == 1).astype(np.uint8), connectivity=8)
    assert count == 2
    assert labels[5, 5] == 1 and labels[33, 60] == 1
    if size == 1:
        assert (labels == 1).sum() == 56  # one pixel per column of a shallow 8-connected line


def test_brush_never_takes_another_ships_pixels_unless_asked() -> None:
    labels = with_rect(blank(), 1, 20, 40, 20, 40)
    apply(paint_segment, labels, (10, 30), (60, 30), 15, 2)
    assert (labels[20:40, 20:40] == 1).all()
    assert (labels == 2).sum() > 0
    apply(paint_segment, labels, (10, 30), (60, 30), 15, 2, overwrite=True)
    assert (labels[28:33, 20:40] == 2).all()


def test_brush_outside_the_image_does_nothing_and_clips_at_the_edge() -> None:
    labels = blank()
    _, atom = apply(paint_segment, labels, (-50, -50), (-20, -30), 9, 1)
    assert atom is None
    _, atom = apply(paint_segment, labels, (-3, 10), (3, 10), 9, 1)
    assert atom is not None and atom.box.x0 == 0 and labels[10, 0] == 1


def test_eraser_all_ships_or_one() -> None:
    labels = with_rect(with_rect(blank(), 1, 10, 30, 10, 30), 2, 10, 30, 30, 50)
    apply(erase_segment, labels, (20, 20), (40, 20), 5, label=2)
    assert (labels[18:23, 10:30] == 1).all() and (labels[18:23, 30:43] == 0).all()
    apply(erase_segment, labels, (20, 20), (40, 20), 5)
    assert (labels[18:23, 18:43] == 0).all()
    _, atom = apply(erase_segment, labels, (100, 80), None, 5)
    assert atom is None


def test_brush_size_steps_and_bounds() -> None:
    assert next_brush_size(10, +1) == 12 and next_brush_size(10, -1) == 8
    assert next_brush_size(1, -1) == 1 and next_brush_size(512, +1) == 512
    assert next_brush_size(11, +1) == 12 and next_brush_size(11, -1) == 10
    with pytest.raises(EditError):
        paint_segment(blank(), (1, 1), None, 0, 1)
    with pytest.raises(EditError):
        paint_segment(blank(), (1, 1), None, 3, 0)
    with pytest.raises(TypeError):
        paint_segment(np.zeros(SHAPE, np.int64), (1, 1), None, 3, 1)


def test_footprint_box_is_local_to_the_segment_on_a_huge_image() -> None:
    box, mask = brush_footprint((16384, 16384), (9000, 9000), (9010, 9004), 21)
    assert box.area < 50 * 50 and mask.shape == (box.height, box.width)


# --- polygons --------------------------------------------------------------------------------------
def test_polygon_add_and_cut() -> None:
    labels = with_rect(blank(), 1, 40, 60, 0, 128)
    triangle = [(10, 10), (90, 20), (40, 80)]
    apply(polygon_add, labels, triangle, 2)
    reference = np.zeros(SHAPE, np.uint8)
    cv2.fillPoly(reference, [np.array(triangle, np.int32)], 1)
    painted = (labels == 2) | ((labels == 1) & reference.astype(bool))
    assert np.array_equal(painted, reference.astype(bool))  # the ship's pixels were left to it
    apply(polygon_cut, labels, [(0, 0), (127, 0), (127, 50), (0, 50)], label=1)
    assert not (labels[:51] == 1).any() and (labels[51:60] == 1).all() and (labels[:50] == 2).any()
    apply(polygon_cut, labels, [(0, 0), (127, 0), (127, 95), (0, 95)])
    assert not labels.any()
    with pytest.raises(EditError):
        polygon_add(labels, [(1, 1), (5, 5)], 1)


# --- fills ------------------------------------------------------------------------------------------
def test_bucket_fill_fills_a_closed_outline() -> None:
    labels = blank()
    outline = [(20, 20), (70, 20), (70, 60), (20, 60)]
    for a, b in zip(outline, outline[1:] + outline[:1]):
        paint_segment(labels, a, b, 1, 4)
    _, atom = apply(bucket_fill, labels, (45, 40), 4)
    assert atom is not None and (labels[20:61, 20:71] == 4).all() and (labels == 4).sum() == 51 * 41
    assert bucket_fill(labels, (45, 40), 4) is None  # on a ship: nothing


def test_bucket_fill_refuses_an_open_outline() -> None:
    labels = blank()
    paint_segment(labels, (20, 20), (70, 20), 1, 1)
    with pytest.raises(EditError, match="not closed"):
        bucket_fill(labels, (45, 40), 1)
    assert (labels != 0).sum() == 51


def test_fill_holes_of_one_ship_and_of_all() -> None:
    labels = with_rect(blank(), 1, 10, 50, 10, 50)
    labels[20:40, 20:40] = 0
    labels[25:30, 25:30] = 2  # another ship inside the hole keeps its pixels
    labels = with_rect(labels, 3, 60, 90, 60, 90)
    labels[70:80, 70:80] = 0
    assert holes_of(labels, 1).sum() == 400
    apply(fill_holes, labels, 1)
    assert (labels[20:40, 20:40] != 0).all() and (labels == 2).sum() == 25
    assert (labels[70:80, 70:80] == 0).all()
    apply(fill_holes, labels)
    assert (labels[60:90, 60:90] == 3).all()
    assert fill_holes(labels) is None


def test_a_concavity_open_to_the_outside_is_not_a_hole() -> None:
    labels = with_rect(blank(), 1, 10, 50, 10, 50)
    labels[20:40, 20:50] = 0  # a notch open on the right
    _, atom = apply(fill_holes, labels, 1)
    assert atom is None


# --- whole ships ------------------------------------------------------------------------------------
def test_delete_merge_remove_small_clear() -> None:
    labels = with_rect(with_rect(with_rect(blank(), 1, 0, 10, 0, 10), 2, 20, 30, 20, 30), 5, 50, 52, 50, 52)
    _, atom = apply(merge_ships, labels, [5, 2])
    assert set(np.unique(labels)) == {0, 1, 2} and (labels == 2).sum() == 104
    assert atom is not None and atom.box == Box(50, 52, 50, 52)
    _, atom = apply(remove_small, labels, 101)
    assert set(np.unique(labels)) == {0, 2}
    _, atom = apply(delete_ship, labels, 2)
    assert not labels.any()
    assert delete_ship(labels, 2) is None
    labels[3, 3] = 7
    apply(clear, labels)
    assert clear(labels) is None
    with pytest.raises(EditError):
        merge_ships(labels, [1])


def test_label_at() -> None:
    labels = with_rect(blank(), 4, 10, 20, 30, 40)
    assert label_at(labels, (35, 15)) == 4
    assert label_at(labels, (5, 5)) == 0 and label_at(labels, (-1, 500)) == 0


def test_set_ships_is_accepting_a_prediction_and_add_ships_keeps_existing() -> None:
    a = np.zeros(SHAPE, bool)
    a[10:20, 10:40] = True
    b = np.zeros(SHAPE, bool)
    b[15:30, 30:50] = True  # overlaps a: a keeps the shared pixels
    labels = with_rect(blank(), 9, 60, 70, 60, 70)
    apply(set_ships, labels, [rle.encode(a), rle.encode(b)])
    assert (labels[10:20, 10:40] == 1).all() and (labels == 2).sum() == b.sum() - (a & b).sum()
    assert not (labels == 9).any()
    assert add_ships(labels, [rle.encode(b)], first_label=7) is None  # b's pixels are all taken
    c = np.zeros(SHAPE, bool)
    c[25:40, 45:60] = True  # partly over ship 2
    apply(add_ships, labels, [rle.encode(c)], first_label=7)
    assert (labels == 7).sum() == (c & (labels != 2)).sum() and (labels == 2).sum() == (b & ~a).sum()


def test_labels_from_rles_numbers_from_first_label() -> None:
    a = np.zeros(SHAPE, bool)
    a[1:3, 1:3] = True
    labels = labels_from_rles([rle.encode(a), ""], SHAPE, first_label=5)
    assert labels.flags.c_contiguous and labels.dtype == np.int32
    assert set(np.unique(labels)) == {0, 5}


# --- split ------------------------------------------------------------------------------------------
def test_split_along_a_line_keeps_every_pixel() -> None:
    labels = with_rect(blank(), 3, 20, 40, 10, 100)  # 20 × 90 ship
    labels = with_rect(labels, 8, 60, 70, 10, 20)
    before, _ = apply(split_ship, labels, 3, [(70, 0), (70, 95)], new_label=9)
    assert set(np.unique(labels)) == {0, 3, 8, 9}
    assert np.array_equal(labels != 0, before != 0)  # no pixel lost or added
    assert (labels == 3).sum() > (labels == 9).sum()  # the largest part keeps the label
    assert (labels[20:40, 10:60] == 3).all() and (labels[20:40, 75:100] == 9).all()
    for k in (3, 9):
        count, _ = cv2.connectedComponents((labels == k).astype(np.uint8), connectivity=8)
        assert count == 2


def test_split_with_a_diagonal_line_separates_8_connected_parts() -> None:
    labels = with_rect(blank(), 1, 10, 80, 10, 80)
    apply(split_ship, labels, 1, [(0, 0), (95, 95)])
    assert set(np.unique(labels)) == {0, 1, 2}
    assert abs(int((labels == 1).sum()) - int((labels == 2).sum())) < 150


def test_split_errors() -> None:
    labels = with_rect(blank(), 1, 20, 40, 10, 100)
    with pytest.raises(EditError, match="does not cut"):
        split_ship(labels, 1, [(50, 0), (50, 30)])  # ends inside the ship
    with pytest.raises(EditError, match="does not cross"):
        split_ship(labels, 1, [(0, 80), (120, 80)])
    with pytest.raises(EditError, match="no ship"):
        split_ship(labels, 2, [(50, 0), (50, 90)])
    assert (labels == 1).sum() == 20 * 90


def test_ship_under_line() -> None:
    labels = with_rect(with_rect(blank(), 1, 20, 40, 10, 60), 2, 20, 40, 60, 64)
    assert ship_under_line(labels, [(30, 0), (30, 90)]) == 1
    assert ship_under_line(labels, [(100, 0), (100, 90)]) == 0


# --- grow and shrink --------------------------------------------------------------------------------
def test_grow_one_ship_into_background_only() -> None:
    labels = with_rect(with_rect(blank(), 1, 40, 50, 40, 50), 2, 40, 50, 53, 60)
    apply(grow, labels, 3, 1)
    disk = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (7, 7))
    expected = cv2.dilate(_rect(40, 50, 40, 50), disk).astype(bool)
    assert np.array_equal(labels == 1, expected)
    assert (labels == 2).sum() == 70


def _rect(y0: int, y1: int, x0: int, x1: int) -> np.ndarray:
    out = np.zeros(SHAPE, np.uint8)
    out[y0:y1, x0:x1] = 1
    return out


def test_grow_all_ships_never_overlaps_and_splits_the_gap() -> None:
    labels = with_rect(with_rect(blank(), 1, 40, 50, 20, 40), 2, 40, 50, 50, 70)
    apply(grow, labels, 6)
    assert (labels[45, 40:45] == 1).all() and (labels[45, 45:50] == 2).all()
    assert (labels[40:50, 20:40] == 1).all() and (labels[40:50, 50:70] == 2).all()


def test_shrink_one_and_all_and_the_border_is_not_an_edge() -> None:
    labels = with_rect(with_rect(blank(), 1, 0, 20, 0, 20), 2, 50, 70, 50, 70)
    apply(shrink, labels, 2, 2)
    assert (labels[52:68, 52:68] == 2).all() and (labels == 2).sum() == 16 * 16
    apply(shrink, labels, 2)
    assert (labels[0:18, 0:18] == 1).all() and (labels == 1).sum() == 18 * 18
    assert (labels[54:66, 54:66] == 2).all() and (labels == 2).sum() == 12 * 12
    with pytest.raises(EditError):
        grow(labels, 1000)
    assert grow(labels, 0) is None and shrink(labels, 0, 1) is None


# --- boxes and encoding -----------------------------------------------------------------------------
label_images = st.integers(0, 2**32 - 1).map(
    lambda seed: (
        np.random.default_rng(seed).integers(0, 4, size=(9, 7)).astype(np.int32)
        * (np.random.default_rng(seed + 1).random((9, 7)) < 0.3)
    )
)


@given(label_images)
@settings(max_examples=60, deadline=None)
def test_label_boxes_match_brute_force(labels: np.ndarray) -> None:
    boxes = label_boxes(labels.astype(np.int32))
    for k in range(1, 4):
        rows, cols = np.nonzero(labels == k)
        if rows.size == 0:
            assert k not in boxes
        else:
            expected = Box(rows.min(), rows.max() + 1, cols.min(), cols.max() + 1)
            assert boxes[k] == expected == label_box(labels.astype(np.int32), k)


@given(st.integers(0, 2**32 - 1), st.integers(1, 12), st.integers(1, 12))
@settings(max_examples=80, deadline=None)
def test_encode_in_box_equals_full_frame_encode(seed: int, height: int, width: int) -> None:
    rng = np.random.default_rng(seed)
    mask = rng.random((height, width)) < rng.random()
    y0, x0 = int(rng.integers(0, height)), int(rng.integers(0, width))
    y1, x1 = int(rng.integers(y0, height + 1)), int(rng.integers(x0, width + 1))
    if rng.random() < 0.3:
        y0, y1 = 0, height  # whole columns: runs continue across columns
    mask[:y0] = mask[y1:] = False
    mask[:, :x0] = mask[:, x1:] = False
    box = Box(y0, y1, x0, x1)
    assert encode_in_box(mask[box.slices], box, height) == rle.encode(mask)


# --- rendering --------------------------------------------------------------------------------------
def test_render_overlay_of_a_box() -> None:
    labels = with_rect(blank(), 1, 10, 20, 10, 20)
    rgba = render_overlay(labels, Box(5, 25, 5, 25), selected=None, alpha=90)
    assert rgba.shape == (20, 20, 4) and rgba.dtype == np.uint8 and rgba.flags.c_contiguous
    assert (rgba[0, 0] == 0).all()  # background is transparent
    assert rgba[10, 10, 3] == 90 and rgba[5, 5, 3] == 255  # inside tinted, the edge outlined
    assert (rgba[10, 10, :3] == rgba[6, 6, :3]).all()
    selected = render_overlay(labels, Box(5, 25, 5, 25), selected=1, selected_alpha=170)
    assert selected[10, 10, 3] == 170
    whole = render_overlay(labels)
    assert whole.shape == (*SHAPE, 4)
    huge = np.zeros((4, 4), np.int32)
    huge[1, 1] = 70000
    assert render_overlay(huge, outline=False)[1, 1, 3] > 0
