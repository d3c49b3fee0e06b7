"""Click-to-segment, taking one predicted ship, watershed split and outline snapping, as pure functions on
hand-made images and probability maps (and one synthetic ship from ``shipviewer.synth``)."""

from __future__ import annotations

import contextlib

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shipviewer.edits import (
    AnnotationDoc,
    Box,
    Click,
    EdgeSnapper,
    EditError,
    SegmentOptions,
    check_outline,
    click_segment,
    find_seeds,
    fit_click,
    polygon_add,
    polygon_cut,
    segment_clicks,
    ship_near,
    snap_outline,
    take_ship,
    watershed_split,
)
from shipviewer.edits.click_session import ClickSession
from shipviewer.synth.ships import ShipSpec
from tests import ship_scenes as scenes
from tests.ship_scenes import SEA, hull, paint_ship

H, W = 96, 128


def sea(shape: tuple[int, int] = (H, W), seed: int = 0) -> np.ndarray:
    """A dark blue sea with a little noise, as (H, W, 3) uint8 RGB (this module's size by default)."""
    return scenes.sea(shape, seed)


def blurred_map(mask: np.ndarray, grow: int = 3, peak: float = 0.95) -> np.ndarray:
    """A model-like probability map: the mask a little fattened and blurred, as uint8 levels."""
    fat = cv2.dilate(mask.view(np.uint8), np.ones((2 * grow + 1, 2 * grow + 1), np.uint8)).astype(np.float32)
    prob = cv2.GaussianBlur(fat, (0, 0), 2.0) * peak
    return np.clip(prob * 255 + 0.5, 0, 255).astype(np.uint8)


def iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / max((a | b).sum(), 1))


def blank() -> np.ndarray:
    return np.zeros((H, W), np.int32)


def synthetic_ship(spec: ShipSpec, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A ship drawn by ``shipviewer.synth`` on :func:`sea` (seed ``seed``; it may run off the frame):
    the (H, W, 3) uint8 image and the ship's mask."""
    image = sea(seed=seed).astype(np.float32)
    truth = paint_ship(image, spec, seed)
    return np.clip(image, 0, 255).astype(np.uint8), truth


def deepest(mask: np.ndarray) -> Click:
    """A click where the simulated labeller clicks first: the pixel farthest inside ``mask``."""
    depth = cv2.distanceTransform(np.pad(mask, 1).view(np.uint8), cv2.DIST_L2, 5)[1:-1, 1:-1]
    y, x = divmod(int(depth.argmax()), mask.shape[1])
    return Click(x, y)


SHIP = [(30, 40), (80, 40), (92, 48), (80, 56), (30, 56)]  # x, y corners: a hull with a bow


def one_click_on_the_ship() -> tuple[np.ndarray, np.ndarray, np.ndarray, AnnotationDoc, ClickSession]:
    """The sea with the hull SHIP, its model-like map, and a click session after one click on it."""
    image = sea()
    truth = hull(image, SHIP, (220, 220, 214))
    prob = blurred_map(truth)
    doc = AnnotationDoc.empty((H, W))
    session = ClickSession(doc)
    session.add(image, Click(55, 48), probability=prob)
    return image, truth, prob, doc, session


# --- click-to-segment ------------------------------------------------------------------------------------
def test_one_click_on_a_ship_with_the_model_map() -> None:
    image = sea()
    truth = hull(image, SHIP, (220, 220, 214))
    labels = blank()
    atom = click_segment(labels, 1, image, [Click(55, 48)], probability=blurred_map(truth))
    assert atom is not None
    assert iou(labels == 1, truth) >= 0.85
    assert set(np.unique(labels)) == {0, 1}
    # The atom undoes and redoes exactly this change.
    atom.undo(labels)
    assert not labels.any()
    atom.redo(labels)
    assert iou(labels == 1, truth) >= 0.85


def test_a_ship_cut_by_the_frame_is_found_up_to_the_frame() -> None:
    # The image's own edge is not known to be sea: GrabCut's window was ringed with sea there, so a ship
    # cut by the frame (common in Airbus tiles) lost its end, or all of it when the end was most of it.
    rgb, truth = synthetic_ship(ShipSpec(-20.0, 48.0, 0.2, 90.0, 18.0, "barge", False, 16.0, 4.0), 2)
    labels = blank()
    click_segment(labels, 1, rgb, [deepest(truth)], probability=truth.view(np.uint8) * 242)
    assert iou(labels == 1, truth) >= 0.9  # it was 0.53
    on_the_frame = truth[:, 0]
    assert (labels[:, 0][on_the_frame] == 1).mean() >= 0.9


def test_the_middle_of_the_models_blob_stays_ship_under_a_click_on_the_deck() -> None:
    # A container ship under a perfect map, clicked where the labeller clicks first (the deepest point):
    # GrabCut, free over the whole blob, gave the stacks of one colour to the sea. The blob's middle is
    # now certain.
    rgb, truth = synthetic_ship(ShipSpec(64.0, 48.0, 0.3, 100.0, 20.0, "container", False, 18.0, 4.0), 3)
    scores = {}
    for core in (0.6, 0.0):
        labels = blank()
        options = SegmentOptions(core=core)
        perfect = truth.view(np.uint8) * 242
        click_segment(labels, 1, rgb, [deepest(truth)], probability=perfect, options=options)
        scores[core] = iou(labels == 1, truth)
    assert scores[0.6] >= 0.8
    assert scores[0.6] >= scores[0.0] + 0.1


def test_a_negative_click_on_the_rim_takes_the_rim_not_half_the_hull() -> None:
    """A flat hull gives the watershed no edge to stop at: a "not this" click one pixel off the hull
    must not hand the half of the hull nearer to it to the sea."""
    image, truth, prob, doc, session = one_click_on_the_ship()
    first = doc.labels == session.label
    spill = first & ~truth
    assert spill[39].any(), "the first click spills onto the row above the hull"
    session.add(image, Click(60, 39, positive=False), probability=prob)
    after = doc.labels == session.label
    assert not after[39, 55:66].any()
    assert iou(after, truth) >= iou(first, truth)
    assert (after & truth).sum() >= 0.97 * (first & truth).sum()
    session.close()


def _session_on(doc: AnnotationDoc, mask: np.ndarray) -> ClickSession:
    """A click session on a ship that already has ``mask``'s pixels (as after a first click)."""
    doc.labels[mask] = 1
    fresh = AnnotationDoc(doc.labels.copy())
    return ClickSession.on_ship(fresh, 1)


def test_fit_click_narrows_a_click_next_to_the_outline() -> None:
    labels = blank()
    labels[40:57, 30:81] = 1
    # Just outside the ship (1 px off its top row) and just inside it: certain only of their own pixel.
    assert fit_click(labels, 1, Click(55, 39)).radius == 0
    assert fit_click(labels, 1, Click(55, 40, positive=False)).radius == 0
    assert fit_click(labels, 1, Click(55, 38)).radius == 1
    # Deep in an error (far from the ship, or deep inside it for a negative click): the usual radius.
    assert fit_click(labels, 1, Click(55, 37)).radius is None
    assert fit_click(labels, 1, Click(55, 48, positive=False)).radius is None
    # A click that is already what it says (ship here on the ship, not this on the sea) keeps it too.
    assert fit_click(labels, 1, Click(55, 41)).radius is None
    assert fit_click(labels, 1, Click(55, 39, positive=False)).radius is None
    # A new ship (no pixels yet) and a click outside the image are left as they are.
    assert fit_click(blank(), 1, Click(55, 39)).radius is None
    assert fit_click(labels, 1, Click(-3, 39)) == Click(-3, 39)


def test_a_correction_changes_the_ship_only_where_it_was_clicked() -> None:
    """A negative click on one spill removes that spill and nothing else: the rerun of the segmentation
    moves the outline elsewhere too, and two such clicks would undo each other."""
    image = sea()
    truth = hull(image, SHIP, (220, 220, 214))
    prob = blurred_map(truth)
    doc = AnnotationDoc.empty((H, W))
    spill_left = np.zeros((H, W), bool)
    spill_left[44:53, 22:30] = True  # sea off the stern
    spill_right = np.zeros((H, W), bool)
    spill_right[57:61, 50:62] = True  # sea under the hull, far from the click
    session = _session_on(doc, truth | spill_left | spill_right)
    before = session.doc.labels == 1
    session.add(image, Click(25, 48, positive=False), probability=prob)
    after = session.doc.labels == 1
    assert not (after & ~before).any(), "a negative click added pixels"
    assert not (after & spill_left).sum() > 0.2 * spill_left.sum()
    assert (after & spill_right).sum() == spill_right.sum(), "a far part of the ship changed"
    assert (after & truth).sum() >= 0.97 * truth.sum()
    # A positive click only adds, and only around itself.
    short = truth.copy()
    short[:, 70:] = False  # the bow is missing
    session = _session_on(AnnotationDoc.empty((H, W)), short | spill_right)
    session.add(image, Click(82, 48), probability=prob)
    grown = session.doc.labels == 1
    assert grown[short | spill_right].all(), "a positive click removed pixels"
    assert (grown & truth).sum() >= 0.95 * truth.sum()
    assert iou(grown & ~spill_right, truth) >= 0.85


def test_a_click_next_to_the_outline_moves_that_stretch_of_it() -> None:
    """The mask is one row short along the hull's top: a click on that row takes the row (the pixels of
    the hull's colour along it), not the sea above it."""
    image = sea()
    truth = hull(image, [(30, 40), (80, 40), (80, 56), (30, 56)], (220, 220, 214))
    short = truth.copy()
    short[40] = False
    session = _session_on(AnnotationDoc.empty((H, W)), short)
    session.add(image, Click(55, 40), probability=None)
    after = session.doc.labels == 1
    assert session.clicks[-1].radius == 0
    assert after[40, 30:81].all(), "the missing row"
    assert not after[:40].any(), "the sea above the hull"
    assert iou(after, truth) >= 0.97
    # A click just past the end of a mask that stops short of the bow pulls the end out to the bow.
    session = _session_on(AnnotationDoc.empty((H, W)), truth & ~(np.arange(W) >= 78)[None, :])
    session.add(image, Click(79, 48), probability=None)
    grown = session.doc.labels == 1
    assert grown[41:56, 78:81].all()
    assert not grown[:, 82:].any()


def test_where_the_colours_say_nothing_the_models_sure_map_moves_the_outline() -> None:
    """Masks are drawn generously: the true ship here has a row of sea above the hull. A click on that
    row (sea-coloured) moved one pixel; where the model's map is sure of ship there, the row goes."""
    image = sea()
    visible = hull(image, [(30, 41), (80, 41), (80, 56), (30, 56)], (220, 220, 214))
    truth = visible.copy()
    truth[40, 30:81] = True  # the generous row, sea in the image
    sure = (truth * 250).astype(np.uint8)
    rows = {}
    for confidence in (0.9, 0.0):
        session = _session_on(AnnotationDoc.empty((H, W)), visible)
        options = SegmentOptions(nudge_sure=confidence)
        session.add(image, Click(30, 40), probability=sure, options=options)
        rows[confidence] = int((session.doc.labels[40] == 1).sum())
    assert rows[0.9] >= 48  # the row, from one click at its end
    assert rows[0.0] <= 10
    # Not where the map is unsure (a blobby map's rim), nor past the hull's row.
    session = _session_on(AnnotationDoc.empty((H, W)), visible)
    session.add(image, Click(30, 40), probability=(truth * 180).astype(np.uint8))
    assert (session.doc.labels[40] == 1).sum() <= 10
    assert not (session.doc.labels[:40] == 1).any()


def test_a_not_this_on_a_strip_of_sea_along_the_hull_takes_the_whole_strip() -> None:
    """The mask runs one row of sea too high along a long hull: one negative click on that row takes
    the row off from end to end (the stretch of outline as sea-like as the click), and nothing of the
    hull."""
    image = sea()
    truth = hull(image, [(8, 40), (120, 40), (120, 52), (8, 52)], (220, 220, 214))
    spill = np.zeros((H, W), bool)
    spill[39, 8:121] = True
    session = _session_on(AnnotationDoc.empty((H, W)), truth | spill)
    session.add(image, Click(64, 39, positive=False), probability=None)
    after = session.doc.labels == 1
    assert session.clicks[-1].radius == 0
    assert not (after & spill).any(), "the strip of sea"
    assert after[truth].all(), "a hull pixel went with it"


def test_a_ship_stays_one_piece_and_a_not_this_keeps_clear_of_ship_here() -> None:
    """What a correction cuts off from every positive click goes to the sea; a "not this" never takes
    the pixels near a "ship here"."""
    image, truth, prob, doc, session = one_click_on_the_ship()
    # A stray piece, as an earlier edit might have left, far from the clicks.
    doc.labels[10:14, 100:110] = session.label
    session.add(image, Click(86, 48), probability=prob)
    after = doc.labels == session.label
    assert not after[10:14, 100:110].any(), "the stray piece"
    assert cv2.connectedComponents(after.view(np.uint8), connectivity=8)[0] == 2
    # A negative click 20 px from the positive one leaves the 6 px round the positive one alone.
    session.add(image, Click(35, 48, positive=False), probability=prob)
    after = doc.labels == session.label
    near = np.zeros((H, W), np.uint8)
    cv2.circle(near, (55, 48), 5, 1, -1)
    assert after[(near > 0) & truth].all()
    session.close()


def test_a_ship_here_off_the_ship_never_drops_the_ship() -> None:
    """Refining a ship whose first click changed nothing (so no positive click holds the ship): a
    "ship here" on the sea past its stern adds there and the ship keeps its pixels."""
    image = sea()
    truth = hull(image, SHIP, (220, 220, 214))
    doc = AnnotationDoc(np.where(truth, 1, 0).astype(np.int32))
    session = ClickSession.on_ship(doc, 1)
    assert session.add(image, Click(55, 48), probability=blurred_map(truth)) is None
    with contextlib.suppress(EditError):
        session.add(image, Click(20, 48), probability=blurred_map(truth))
    assert (doc.labels == 1)[truth].sum() >= 0.99 * truth.sum()
    session.close()


def test_a_click_outside_the_image_is_not_kept() -> None:
    image, _, prob, doc, session = one_click_on_the_ship()
    session.add(image, Click(60, 39, positive=False), probability=prob)
    before = doc.labels.copy()
    for click in (Click(-3, 48), Click(W + 2, 48, positive=False), Click(40, -1)):
        assert session.add(image, click, probability=prob) is None
    assert len(session.clicks) == 2 and doc.history.n_undo == 2
    np.testing.assert_array_equal(doc.labels, before)
    session.close()


def test_a_click_that_changes_nothing_is_not_kept() -> None:
    """A "ship here" on the ship changes nothing and is no undo step, so it is not a marker either, and
    the next Ctrl+Z takes back only the click before it."""
    image, _, prob, doc, session = one_click_on_the_ship()
    session.add(image, Click(60, 39, positive=False), probability=prob)
    two = doc.labels.copy()
    assert session.add(image, Click(50, 48), probability=prob) is None
    assert len(session.clicks) == 2 and doc.history.n_undo == 2
    np.testing.assert_array_equal(doc.labels, two)
    doc.undo()
    assert len(session.clicks) == 1
    session.close()


def test_closing_grabcuts_answer_fits_patterned_hulls_better() -> None:
    """Container stacks and hatch covers break GrabCut's answer at their edges; closing it (the
    default ``close=2``) fits synthetic container ships and bulk carriers better than not."""
    from shipviewer.synth.ships import ShipSpec, render_ship

    gains = []
    for kind in ("container", "bulk"):
        for seed in range(3):
            image = sea((160, 160), seed=3).astype(np.float32)
            sprite = render_ship(
                ShipSpec(80.0, 80.0, 0.5, 120.0, 20.0, kind, False, 20.0, 4.0), np.random.default_rng(seed)
            )
            h, w = sprite.alpha.shape
            part = image[sprite.y0 : sprite.y0 + h, sprite.x0 : sprite.x0 + w]
            part[...] = part * (1 - sprite.alpha[..., None]) + sprite.colour
            image = np.clip(image, 0, 255).astype(np.uint8)
            truth = np.zeros((160, 160), bool)
            truth[sprite.y0 : sprite.y0 + h, sprite.x0 : sprite.x0 + w] = sprite.footprint
            dist = cv2.distanceTransform(truth.view(np.uint8), cv2.DIST_L2, 5)
            y, x = np.unravel_index(int(dist.argmax()), dist.shape)
            scores = []
            for options in (SegmentOptions(close=0), SegmentOptions()):
                found = segment_clicks(
                    image, [Click(float(x), float(y))], probability=blurred_map(truth), options=options
                )
                assert found is not None
                full = np.zeros(truth.shape, bool)
                full[found[0].slices] = found[1]
                scores.append(iou(full, truth))
            assert scores[1] >= 0.88
            gains.append(scores[1] - scores[0])
    assert min(gains) >= 0 and float(np.mean(gains)) > 0.003


@pytest.mark.parametrize(("seed", "ship"), [(0, 4), (3, 1)])
def test_the_same_click_gives_the_same_ship_whatever_opencv_did_before(seed: int, ship: int) -> None:
    """GrabCut starts its colour models with OpenCV's k-means, which draws from OpenCV's global random
    state: on these synthetic ships (image only) the same click used to give another ship each time."""
    from shipviewer.synth.scene import render_image

    image, labels = render_image(np.random.default_rng(seed), ship_probability=1.0, shape=(256, 256))
    truth = labels == ship
    dist = cv2.distanceTransform(truth.view(np.uint8), cv2.DIST_L2, 5)
    y, x = np.unravel_index(int(dist.argmax()), dist.shape)
    found = []
    for state in range(5):
        cv2.setRNGSeed(1000 + state)
        result = segment_clicks(image, [Click(float(x), float(y))])
        assert result is not None
        found.append((result[0], result[1].tobytes()))
    assert len(set(found)) == 1


def test_the_map_may_be_floats() -> None:
    image = sea()
    truth = hull(image, SHIP, (220, 220, 214))
    found = segment_clicks(image, [Click(55, 48)], probability=blurred_map(truth).astype(np.float32) / 255)
    assert found is not None
    box, mask = found
    full = np.zeros((H, W), bool)
    full[box.slices] = mask
    assert iou(full, truth) >= 0.85


def test_touching_ships_never_lose_pixels_to_a_click() -> None:
    image = sea()
    left = hull(image, [(20, 30), (60, 30), (60, 44), (20, 44)], (200, 200, 190))
    right = hull(image, [(20, 45), (60, 45), (60, 60), (20, 60)], (210, 205, 195))  # touches `left`
    labels = blank()
    labels[left] = 7
    before = labels.copy()
    # The map sees one blob over both hulls (as a weak model does), the click is on the second one.
    click_segment(labels, 8, image, [Click(40, 53)], probability=blurred_map(left | right))
    assert (labels[before == 7] == 7).all(), "another ship's pixels were taken"
    assert (labels == 8).sum() > 0.7 * right.sum()
    assert not ((labels == 8) & left).any()


def test_a_click_on_empty_sea_finds_nothing() -> None:
    image = sea()
    labels = blank()
    with pytest.raises(EditError, match="no ship"):
        click_segment(labels, 1, image, [Click(60, 40)], probability=np.zeros((H, W), np.uint8))
    with pytest.raises(EditError):
        click_segment(labels, 1, image, [Click(60, 40)])  # no map: the image alone finds nothing either
    assert not labels.any()


def test_a_click_outside_the_image_does_nothing() -> None:
    image = sea()
    truth = hull(image, SHIP, (220, 220, 214))
    labels = blank()
    for x, y in ((-5, 40), (W + 3, 10), (40, -1), (40, H), (1e9, 1e9)):
        assert click_segment(labels, 1, image, [Click(x, y)], probability=blurred_map(truth)) is None
    assert not labels.any()
    # Outside clicks among good ones are ignored.
    click_segment(labels, 1, image, [Click(-5, 40), Click(55, 48)], probability=blurred_map(truth))
    assert iou(labels == 1, truth) >= 0.85


def test_a_negative_click_takes_the_region_around_it_off_the_ship() -> None:
    image = sea()
    truth = hull(image, SHIP, (220, 220, 214))
    pier = hull(image, [(92, 20), (120, 20), (120, 76), (92, 76)], (150, 120, 90))  # touches the bow
    prob = blurred_map(truth | pier)  # the model takes the pier for part of the ship
    labels = blank()
    click_segment(labels, 1, image, [Click(55, 48)], probability=prob)
    first = labels == 1
    clicks = [Click(55, 48), Click(108, 30, positive=False)]
    click_segment(labels, 1, image, clicks, probability=prob)
    second = labels == 1
    assert second.sum() < first.sum()
    assert not second[30, 108], "the negative click's pixel is still ship"
    assert not (second & ~first).any(), "a negative click added pixels"
    assert not (second & pier).sum() > 0.05 * pier.sum()
    assert iou(second, truth) >= 0.85


def test_the_image_alone_finds_a_synthetic_ship_by_grabcut() -> None:
    """No probability at all: the GrabCut fallback on a ship drawn by ``shipviewer.synth``."""
    from shipviewer.synth.ships import ShipSpec, render_ship

    image = sea((128, 128), seed=3).astype(np.float32)
    spec = ShipSpec(64.0, 60.0, 0.6, 70.0, 13.0, "tanker", False, 16.0, 4.0)
    sprite = render_ship(spec, np.random.default_rng(5))
    h, w = sprite.alpha.shape
    y0, x0 = sprite.y0, sprite.x0
    part = image[y0 : y0 + h, x0 : x0 + w]
    part[...] = part * (1 - sprite.alpha[..., None]) + sprite.colour
    image = np.clip(image, 0, 255).astype(np.uint8)
    truth = np.zeros((128, 128), bool)
    truth[y0 : y0 + h, x0 : x0 + w] = sprite.footprint
    labels = np.zeros((128, 128), np.int32)
    dist = cv2.distanceTransform(truth.view(np.uint8), cv2.DIST_L2, 5)
    y, x = np.unravel_index(int(dist.argmax()), dist.shape)
    click_segment(labels, 1, image, [Click(float(x), float(y))], options=SegmentOptions(fallback="grabcut"))
    assert iou(labels == 1, truth) >= 0.7
    # The colour flood fill (the other fallback) may find less on a ship with a deck of many colours, but
    # what it finds stays on the ship.
    labels[:] = 0
    near = cv2.dilate(truth.view(np.uint8), np.ones((9, 9), np.uint8)).astype(bool)
    with contextlib.suppress(EditError):
        click_segment(labels, 1, image, [Click(float(x), float(y))], options=SegmentOptions(fallback="flood"))
    assert not (labels == 1)[~near].any()


def test_a_second_click_on_the_same_spot_insists() -> None:
    """A faint ship the image prior does not trust: the first click finds nothing, the same click again
    takes what GrabCut finds there."""
    image = sea()
    truth = hull(image, SHIP, (SEA[0] + 9, SEA[1] + 9, SEA[2] + 9))  # barely brighter than the sea
    doc = AnnotationDoc.empty((H, W))
    session = ClickSession(doc)
    with pytest.raises(EditError):
        session.add(image, Click(55, 48))
    assert not doc.labels.any() and session.empty
    session.add(image, Click(55.4, 48))
    found = doc.labels == session.label
    assert found.any() and (found & truth).sum() >= 0.8 * found.sum()  # what it found is on the ship


def test_insisting_on_plain_sea_gives_a_ship_at_the_click() -> None:
    """Where neither the model nor the image shows anything, the second click on the spot still gives a
    ship holding the click (GrabCut from a small disc round it): insisting always does something."""
    image = np.full((H, W, 3), SEA, np.uint8)
    doc = AnnotationDoc.empty((H, W))
    session = ClickSession(doc)
    with pytest.raises(EditError):
        session.add(image, Click(60, 50))
    session.add(image, Click(60, 50))
    assert doc.labels[50, 60] == session.label
    session.close()


def test_a_box_alone_gives_the_ship_inside_it() -> None:
    image = sea()
    truth = hull(image, SHIP, (220, 220, 214))
    labels = blank()
    click_segment(labels, 1, image, [], box=Box(34, 63, 24, 100))
    assert iou(labels == 1, truth) >= 0.85
    assert not (labels[:34] == 1).any() and not (labels[:, 100:] == 1).any()


def test_every_click_is_one_undo_step_and_undo_takes_it_back() -> None:
    image = sea()
    truth = hull(image, SHIP, (220, 220, 214))
    prob = blurred_map(truth)
    doc = AnnotationDoc.empty((H, W))
    session = ClickSession(doc)
    states = [doc.labels.copy()]
    for click in (Click(55, 48), Click(60, 39, positive=False), Click(33, 44, positive=False)):
        session.add(image, click, probability=prob)
        states.append(doc.labels.copy())
    assert doc.history.n_undo == len(session.clicks) == 3
    assert all(item.name == "click" for item in doc.history._undo)
    for k in (2, 1, 0):
        doc.undo()
        np.testing.assert_array_equal(doc.labels, states[k])
        assert len(session.clicks) == k
    doc.redo()
    np.testing.assert_array_equal(doc.labels, states[1])
    assert session.clicks == (Click(55, 48),)
    # A new click after undo reruns with the clicks on screen (one), and clears redo.
    session.add(image, Click(60, 39, positive=False), probability=prob)
    assert len(session.clicks) == 2 and not doc.can_redo
    session.close()


def test_refining_an_existing_ship_keeps_its_label() -> None:
    image = sea()
    truth = hull(image, SHIP, (220, 220, 214))
    doc = AnnotationDoc.empty((H, W))
    doc.labels[44:52, 40:60] = 3  # a rough, too small ship
    doc = AnnotationDoc(doc.labels.copy())
    session = ClickSession.on_ship(doc, 3)
    session.add(image, Click(80, 48))
    assert iou(doc.labels == 3, truth) >= 0.85
    assert doc.ship_labels() == [3]


# --- take one predicted ship -----------------------------------------------------------------------------
def test_take_one_predicted_ship_by_its_outline() -> None:
    predicted = blank()
    predicted[10:20, 10:40] = 1
    predicted[50:70, 60:90] = 2
    labels = blank()
    labels[55:60, 80:100] = 5  # the user's ship overlaps predicted ship 2
    assert ship_near(predicted, (39, 15)) == 1  # on it
    assert ship_near(predicted, (42, 15)) == 1  # just outside its outline
    assert ship_near(predicted, (50, 15)) == 0
    atom = take_ship(labels, predicted, (59, 49), 6)  # one pixel above and left of ship 2
    assert atom is not None
    assert ((labels == 6) == ((predicted == 2) & (labels != 5))).all()
    assert (labels[55:60, 80:100] == 5).all()
    assert take_ship(labels, predicted, (70, 60), 7) is None  # nothing left to take
    assert take_ship(labels, predicted, (5, 90), 7) is None  # no predicted ship there


# --- watershed split -------------------------------------------------------------------------------------
def test_watershed_split_at_clicked_seeds_keeps_every_pixel() -> None:
    image = sea()
    a = hull(image, [(20, 30), (70, 30), (70, 41), (20, 41)], (200, 200, 190))
    b = hull(image, [(20, 42), (70, 42), (70, 54), (20, 54)], (120, 46, 38))
    labels = blank()
    labels[a | b] = 4
    labels[70:80, 10:20] = 9  # another ship, untouched
    before = labels.copy()
    atom = watershed_split(labels, 4, seeds=[(45, 35), (45, 48)], image=image, new_label=10)
    assert atom is not None
    assert ((labels != 0) == (before != 0)).all(), "a pixel was lost or gained"
    assert (labels[before == 9] == 9).all()
    parts = {int(v) for v in np.unique(labels[a | b])}
    assert parts == {4, 10}
    assert iou(labels == labels[35, 45], a) >= 0.9 and iou(labels == labels[48, 45], b) >= 0.9


def test_watershed_split_finds_the_seeds_of_a_dumbbell() -> None:
    labels = blank()
    cv2.circle(labels, (35, 48), 16, 2, -1)
    cv2.circle(labels, (80, 48), 18, 2, -1)
    cv2.line(labels, (35, 48), (80, 48), 2, 5)
    before = labels != 0
    seeds = find_seeds(labels == 2)
    assert seeds.max() == 2
    watershed_split(labels, 2, new_label=3)
    assert ((labels != 0) == before).all()
    assert labels[48, 35] != labels[48, 80] and {labels[48, 35], labels[48, 80]} == {2, 3}
    with pytest.raises(EditError):
        watershed_split(labels, 3)  # one round ship: nothing to split
    with pytest.raises(EditError):
        watershed_split(labels, 2, seeds=[(35, 48)])  # one seed


@settings(max_examples=40, deadline=None)
@given(
    rects=st.lists(
        st.tuples(st.integers(0, 80), st.integers(0, 110), st.integers(4, 30), st.integers(4, 30)),
        min_size=2,
        max_size=5,
    ),
    data=st.data(),
    use_image=st.booleans(),
)
def test_watershed_split_keeps_every_pixel_and_gives_disjoint_ships(rects, data, use_image) -> None:
    labels = blank()
    labels[0:6, 0:6] = 1  # a bystander
    for y, x, h, w in rects:
        labels[y : y + h, x : x + w][labels[y : y + h, x : x + w] == 0] = 2
    ship = labels == 2
    ys, xs = np.nonzero(ship)
    if len(ys) == 0:
        return
    picks = data.draw(st.lists(st.integers(0, len(ys) - 1), min_size=2, max_size=4, unique=True))
    seeds = [(float(xs[i]), float(ys[i])) for i in picks]
    before = labels.copy()
    image = sea() if use_image else None
    try:
        atom = watershed_split(labels, 2, seeds=seeds, image=image, new_label=5)
    except EditError:
        np.testing.assert_array_equal(labels, before)
        return
    assert atom is not None
    assert ((labels != 0) == (before != 0)).all()  # no pixel lost, none gained
    assert (labels[before == 1] == 1).all()  # the bystander untouched
    assert (labels[ship] != 1).all() and set(np.unique(labels[ship])) <= {2, *range(5, 5 + len(seeds))}
    atom.undo(labels)
    np.testing.assert_array_equal(labels, before)


# --- snapping and degenerate polygons --------------------------------------------------------------------
def test_snapped_sides_follow_the_edges_of_the_image() -> None:
    image = sea()
    cv2.rectangle(image, (30, 20), (90, 70), (230, 230, 230), -1)
    # Corners a few pixels off the square's corners: the sides run along its edges anyway.
    outline = snap_outline(image, [(28, 19), (92, 21), (91, 72), (31, 69)])
    grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(np.float32)
    edge = cv2.magnitude(cv2.Sobel(grey, cv2.CV_32F, 1, 0), cv2.Sobel(grey, cv2.CV_32F, 0, 1))
    on_edge = edge[outline[:, 1], outline[:, 0]] > 100
    assert on_edge.mean() > 0.85
    snapper = EdgeSnapper(image, (30, 20))
    path = snapper.path_to((90, 22))
    assert tuple(path[0]) == (30, 20) and tuple(path[-1]) == (90, 22)
    far = snapper.path_to((500, 500))  # beyond its window: a straight line
    assert tuple(far[-1]) == (500, 500)
    labels = blank()
    polygon_add(labels, outline, 1)
    assert iou(labels == 1, cv2.rectangle(np.zeros((H, W), np.uint8), (30, 20), (90, 70), 1, -1) > 0) > 0.95


def test_a_degenerate_polygon_is_refused_with_a_message() -> None:
    labels = blank()
    line = [(10 + i, 20 + (i % 2) * 0.4) for i in range(68)]  # a straight drag
    with pytest.raises(EditError, match="encloses no area"):
        polygon_add(labels, line, 1)
    with pytest.raises(EditError, match="encloses no area"):
        polygon_cut(labels, [(10, 10), (40, 10), (70, 10.4)])  # three corners on a line
    with pytest.raises(EditError):
        check_outline([(5, 5), (5, 5), (6, 6)], np.ones((2, 2), bool))
    assert not labels.any()
    polygon_add(labels, [(10, 10), (13, 10), (13, 13), (10, 13)], 1)  # small but real
    assert (labels == 1).sum() == 16
    # Partly outside the image is no reason to refuse.
    polygon_add(labels, [(-400, 60), (20, 60), (20, 70), (-400, 70)], 2)
    assert (labels == 2).sum() > 0
