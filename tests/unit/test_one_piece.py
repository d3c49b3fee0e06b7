"""A ship is one connected blob (a row of an Airbus CSV is one ship): the click tool never leaves a ship
in pieces, the brush starts a new ship away from the selected one, ``validate`` notes a row drawn in
pieces, and an export names a ship that an edit left in pieces (the eraser through a hull, a merge)."""

from __future__ import annotations

import contextlib
from pathlib import Path

import cv2
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from shipviewer.airbus import rle
from shipviewer.airbus.annotations import read_csv, validate_csv
from shipviewer.edits import AnnotationDoc, Click, EditError, click_segment
from shipviewer.edits.brush import stroke_label
from shipviewer.edits.click_corrections import correction
from shipviewer.edits.click_segment import _bridged
from shipviewer.edits.click_session import ClickSession
from shipviewer.edits.click_types import SegmentOptions
from shipviewer.edits.undo import Box
from shipviewer.session import Workspace
from tests import ship_scenes as scenes
from tests.ship_scenes import hull

H, W = 96, 128
# A long hull whose middle is painted the colour of the sea (a dark band amidships): GrabCut gives its
# bow and its stern as two blobs.
BOW = [(64, 40), (104, 40), (116, 48), (104, 56), (64, 56)]
STERN = [(12, 40), (52, 40), (52, 56), (12, 56)]


def pieces(mask: np.ndarray) -> int:
    return int(cv2.connectedComponents(mask.view(np.uint8), connectivity=8)[0]) - 1


def banded_hull() -> tuple[np.ndarray, np.ndarray]:
    image = scenes.sea((H, W), 0)
    truth = hull(image, BOW, (220, 220, 214)) | hull(image, STERN, (220, 220, 214))
    truth[40:57, 52:65] = True  # the band is ship, but looks like sea
    return image, truth


def test_two_ship_here_clicks_either_side_of_a_dark_band_give_one_ship() -> None:
    image, truth = banded_hull()
    doc = AnnotationDoc.empty((H, W))
    session = ClickSession(doc)
    session.add(image, Click(85, 48), probability=None)
    session.add(image, Click(30, 48), probability=None)
    ship = doc.labels == session.label
    assert pieces(ship) == 1
    assert ship[48, 20:100].all(), "bow, band and stern"
    assert (ship & ~truth).sum() <= 0.1 * truth.sum()


def test_a_not_this_on_the_neck_between_two_hulls_keeps_the_one_with_more_ship_here() -> None:
    """Two hulls joined by a neck, "ship here" twice on the smaller right one and once on the left: a
    "not this" on the neck cuts the ship in two, and the piece with more "ship here" clicks stays."""
    image = scenes.sea((H, W), 0)
    left = hull(image, [(4, 40), (58, 40), (58, 56), (4, 56)], (220, 220, 214))
    right = hull(image, [(76, 40), (112, 40), (112, 56), (76, 56)], (220, 220, 214))
    neck = hull(image, [(58, 46), (76, 46), (76, 50), (58, 50)], (220, 220, 214))
    labels = np.where(left | right | neck, 1, 0).astype(np.int32)
    clicks = [Click(94, 48), Click(30, 48), Click(100, 44), Click(67, 48, positive=False)]
    click_segment(labels, 1, image, clicks, local=True)
    ship = labels == 1
    assert pieces(ship) == 1
    assert ship[right].mean() > 0.9 and ship[left].mean() < 0.1


def test_a_join_never_runs_over_a_not_this_nor_doubles_the_ship() -> None:
    bars = np.zeros((40, 60), bool)
    bars[10:14, 5:55] = True
    bars[20:24, 5:55] = True
    assert pieces(_bridged(bars, np.ones_like(bars))) == 1  # the convex hull: the water between
    gap = np.zeros_like(bars)
    gap[14:20, :] = True  # a "not this" all across the water between
    assert (_bridged(bars, np.ones_like(bars), gap) == bars).all()
    # Two bars at right angles: their hull is mostly sea (more than the ship), so a corridor joins them.
    ell = np.zeros((60, 60), bool)
    ell[5:9, 5:55] = True
    ell[15:55, 50:54] = True
    joined = _bridged(ell, np.ones_like(ell))
    assert pieces(joined) == 1 and (joined & ~ell).sum() <= 0.1 * ell.sum()


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, W - 1), st.integers(20, 76), st.booleans()), min_size=1, max_size=6),
    st.booleans(),
)
def test_no_sequence_of_clicks_leaves_a_ship_in_pieces(
    clicks: list[tuple[int, int, bool]], with_map: bool
) -> None:
    image, truth = banded_hull()
    prob = (cv2.GaussianBlur(truth.astype(np.float32), (0, 0), 3.0) * 240).astype(np.uint8)
    doc = AnnotationDoc.empty((H, W))
    session = ClickSession(doc)
    for x, y, positive in [(85, 48, True), *clicks]:
        with contextlib.suppress(EditError):
            session.add(image, Click(x, y, positive), probability=prob if with_map else None)
        assert pieces(doc.labels == session.label) <= 1, session.clicks


def test_the_brush_starts_a_new_ship_away_from_the_selected_one() -> None:
    labels = np.zeros((H, W), np.int32)
    labels[40:50, 20:40] = 3
    # On the selected ship, or touching it: that ship.
    assert stroke_label(labels, 3, (30, 45), 8) == 3
    assert stroke_label(labels, 3, (43, 45), 8) == 3  # the brush covers x 40-46, next to the ship's 39
    # Apart from it (even by a pixel: the ship would be two blobs): a new ship; none selected: a new ship.
    assert stroke_label(labels, 3, (44, 45), 8) is None
    assert stroke_label(labels, 3, (90, 45), 8) is None
    assert stroke_label(labels, None, (30, 45), 8) is None


def test_validate_notes_a_ship_row_drawn_in_pieces(tmp_path: Path) -> None:
    two = np.zeros((768, 768), bool)
    two[10:20, 10:20] = True
    two[100:110, 300:320] = True
    one = np.zeros((768, 768), bool)
    one[400:420, 400:402] = True
    one[420, 402] = True  # touches diagonally: 8-connected, one ship
    path = tmp_path / "ships.csv"
    path.write_text(f"ImageId,EncodedPixels\na.jpg,{rle.encode(one)}\nb.jpg,{rle.encode(two)}\n")
    report = validate_csv(path)
    assert report.ok  # allowed (the Kaggle training file has a few), but named
    assert [(p.line, p.image_id) for p in report.notes] == [(3, "b.jpg")]
    assert "2 separate blobs" in report.notes[0].message


@settings(max_examples=60, deadline=None)
@given(st.data(), st.sampled_from([4, 8]))
def test_count_pieces_agrees_with_opencv(data: st.DataObject, connectivity: int) -> None:
    h, w = data.draw(st.integers(2, 24)), data.draw(st.integers(2, 24))
    mask = np.zeros((h, w), bool)
    for _ in range(data.draw(st.integers(0, 5))):
        y, x = data.draw(st.integers(0, h - 1)), data.draw(st.integers(0, w - 1))
        mask[y : y + data.draw(st.integers(1, 6)), x : x + data.draw(st.integers(1, 6))] = True
    if data.draw(st.booleans()):  # scattered pixels: columns of several stretches, runs across columns
        seed = data.draw(st.integers(0, 2**16))
        mask |= np.random.default_rng(seed).random((h, w)) < 0.25
    expected = int(cv2.connectedComponents(mask.view(np.uint8), connectivity=connectivity)[0]) - 1
    assert rle.count_pieces(rle.encode(mask), (h, w), connectivity=connectivity) == expected


def test_count_pieces_of_diagonal_neighbours_in_adjacent_columns() -> None:
    diagonal = np.zeros((6, 6), bool)
    diagonal[1, 1] = diagonal[2, 2] = diagonal[3, 3] = True  # one stretch per column: the fast path
    text = rle.encode(diagonal)
    assert rle.count_pieces(text, (6, 6)) == 1
    assert rle.count_pieces(text, (6, 6), connectivity=4) == 3
    wrap = np.zeros((6, 6), bool)
    wrap[5, 1] = wrap[0, 2] = True  # the bottom of one column and the top of the next: one run, apart
    assert (
        rle.encode(
            wrap,
        )
        == "12 2"
        and rle.count_pieces("12 2", (6, 6)) == 2
    )
    assert rle.count_pieces("", (6, 6)) == 0


def test_an_export_names_a_ship_left_in_pieces_and_writes_it_as_drawn(tmp_path: Path) -> None:
    """The eraser through a hull leaves it in two blobs: the export writes the row as the person made it
    (splitting it would make a ship of a stray pixel) and says which ship to look at."""
    folder = tmp_path / "images"
    folder.mkdir()
    assert cv2.imwrite(str(folder / "a.jpg"), np.full((768, 768, 3), 40, np.uint8))
    with contextlib.closing(Workspace.open(folder)) as workspace:
        doc = workspace.document("a.jpg")
        doc.paint((10.0, 15.0), (60.0, 15.0), 9, 1)
        doc.end_stroke()
        doc.paint((300.0, 300.0), (330.0, 300.0), 9, 2)
        doc.end_stroke()
        doc.erase((35.0, 0.0), (35.0, 40.0), 5)  # the eraser through the first hull
        doc.end_stroke()
        doc.paint((500.0, 765.0), (560.0, 765.0), 7, 3)  # on the bottom row: one piece
        doc.end_stroke()
        assert pieces(doc.labels == 1) == 2 and pieces(doc.labels == 3) == 1
        out = tmp_path / "out.csv"
        report = workspace.export_csv(out)
    assert report.in_pieces == {"a.jpg": [1]} and report.ships == 3
    assert "1 ship(s) are in separate pieces, written as drawn (a.jpg ship 1)" in report.summary()
    checked = validate_csv(out, images=folder)
    assert checked.ok and [n.line for n in checked.notes] == [2]
    ships = read_csv(out).ships["a.jpg"]
    assert [rle.count_pieces(s) for s in ships] == [2, 1, 1]


def test_a_click_on_a_strip_next_to_the_outline_changes_only_a_band_along_it() -> None:
    """The simulated labeller's last clicks land on one-pixel strips of missed rim; the rerun's answer
    there may hold a spill running on into the sea, which the click never asked for."""
    crop = scenes.sea((H, W), 1)
    old = np.zeros((H, W), bool)
    old[40:56, 30:90] = True
    new = old.copy()
    new[20:40, 40:80] = True  # the rerun: the missed row above the hull, and a spill beyond it
    free = np.ones((H, W), bool)
    click = Click(60, 39, radius=0)  # on the missed row, next to the outline
    area = Box(0, H, 0, W)
    for band, deepest_row in ((1.5, 38), (0.0, 20)):  # 1.5 × 1 + 1 px: rows 39 and 38
        options = SegmentOptions(strip_band=band, nudge_reach=0)
        target = correction(crop, old, new, free, area, click, [Click(60, 48)], options)
        rows = np.flatnonzero(target.any(axis=1))
        assert rows.min() == deepest_row, band


def test_a_box_round_two_boats_gives_one_ship_the_larger() -> None:
    image = scenes.sea((H, W), 0)
    big = hull(image, [(10, 30), (60, 30), (68, 36), (60, 42), (10, 42)], (220, 220, 214))
    small = hull(image, [(80, 60), (100, 60), (104, 64), (100, 68), (80, 68)], (220, 220, 214))
    labels = np.zeros((H, W), np.int32)
    click_segment(labels, 1, image, [], box=Box(24, 76, 4, 112))
    ship = labels == 1
    assert pieces(ship) == 1
    assert ship[big].mean() > 0.9 and not ship[small].any()
