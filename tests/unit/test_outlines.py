"""Outline refinement of predicted ships (GrabCut from the image, ``shipviewer.model.outlines``) on ships
drawn by ``shipviewer.synth`` under blobby, model-like predictions."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from shipviewer.airbus import rle
from shipviewer.model.metadata import ModelMetadata
from shipviewer.model.outlines import RefineOptions, refine_outlines
from shipviewer.model.postprocess import probability_to_ships
from shipviewer.synth.ships import ShipSpec
from tests import ship_scenes as scenes
from tests.ship_scenes import paint_ship

H, W = 160, 224


def sea(seed: int = 0) -> np.ndarray:
    return scenes.sea((H, W), seed, as_float=True)


def blob(truth: np.ndarray, grow: int, shift: tuple[int, int]) -> np.ndarray:
    """What a blobby model draws: the ship fattened into an oval and a little off."""
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * grow + 1, 2 * grow + 1))
    fat = cv2.dilate(truth.view(np.uint8), kernel)
    return np.roll(fat, shift, axis=(0, 1)).astype(bool)


def iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / max((a | b).sum(), 1))


@pytest.fixture(scope="module")
def scene() -> tuple[np.ndarray, list[np.ndarray]]:
    image = sea()
    ships = [
        paint_ship(image, ShipSpec(60.0, 50.0, 0.4, 70.0, 13.0, "tanker", False, 16.0, 4.0), 5),
        paint_ship(image, ShipSpec(160.0, 110.0, -0.9, 46.0, 10.0, "ferry", False, 16.0, 4.0), 6),
    ]
    return np.clip(image, 0, 255).astype(np.uint8), ships


def labels_of(blobs: list[np.ndarray]) -> np.ndarray:
    labels = np.zeros((H, W), np.int32)
    for k, b in enumerate(blobs, start=1):
        labels[b & (labels == 0)] = k
    return labels


def test_a_blobby_prediction_is_redrawn_to_the_hull(scene: tuple[np.ndarray, list[np.ndarray]]) -> None:
    image, ships = scene
    blobs = [blob(ships[0], 6, (3, -2)), blob(ships[1], 5, (-2, 3))]
    before = labels_of(blobs)
    after = refine_outlines(image, before)
    for k, truth in enumerate(ships, start=1):
        # The model's oval misses IoU 0.5; the hull's outline is far closer (the tanker's shadow, dark on
        # the sea as the hull is, partly goes with it).
        assert iou(before == k, truth) < 0.5
        assert iou(after == k, truth) >= max(0.75, iou(before == k, truth) + 0.3)
    assert refine_outlines(image, before).tolist() == after.tolist()  # deterministic


def test_refined_ships_keep_their_numbers_and_never_take_another_ships_pixels(
    scene: tuple[np.ndarray, list[np.ndarray]],
) -> None:
    image, ships = scene
    before = labels_of([blob(ships[0], 6, (0, 0)), blob(ships[1], 6, (0, 0))])
    after = refine_outlines(image, before)
    assert set(np.unique(after)) <= set(np.unique(before))
    for k in (1, 2):
        assert ((after == k) & (before == k)).any()
    # The second ship refined alone is what it is next to the first: the first never gave it up pixels.
    alone = refine_outlines(image, np.where(before == 2, 2, 0).astype(np.int32))
    assert not ((after == 1) & (alone == 2)).any() or ((after == 2) == (alone == 2)).mean() > 0.99


def test_an_empty_label_image_stays_empty(scene: tuple[np.ndarray, list[np.ndarray]]) -> None:
    image, _ = scene
    assert not refine_outlines(image, np.zeros((H, W), np.int32)).any()


def test_bad_inputs_are_refused(scene: tuple[np.ndarray, list[np.ndarray]]) -> None:
    image, _ = scene
    with pytest.raises(ValueError, match="does not match"):
        refine_outlines(image, np.zeros((H, W + 1), np.int32))
    with pytest.raises(TypeError):
        refine_outlines(image.astype(np.float32), np.zeros((H, W), np.int32))
    with pytest.raises(ValueError):
        RefineOptions(core=0.0)


def test_probability_to_ships_refines_from_the_image(scene: tuple[np.ndarray, list[np.ndarray]]) -> None:
    image, ships = scene
    fat = blob(ships[0] | ships[1], 6, (2, 2)).astype(np.float32)
    probability = cv2.GaussianBlur(fat, (0, 0), 2.0)
    plain = probability_to_ships(probability, 0.3, 20)
    refined = probability_to_ships(probability, 0.3, 20, refine=True, image=image)
    assert len(plain) == len(refined) == 2

    def best(rles: list[str], truth: np.ndarray) -> float:
        return max(iou(rle.decode(r, (H, W)), truth) for r in rles)

    for truth in ships:
        assert best(refined, truth) >= max(0.7, best(plain, truth) + 0.2)
    assert refined == sorted(refined, key=lambda s: int(s.split(" ", 1)[0]))  # Airbus order kept
    with pytest.raises(ValueError, match="needs the image"):
        probability_to_ships(probability, 0.3, 20, refine=True)


def test_the_metadata_key_round_trips() -> None:
    assert ModelMetadata.from_props(ModelMetadata(refine_outlines=True).to_props()).refine_outlines
    assert not ModelMetadata.from_props({}).refine_outlines  # older models: as they were


def test_the_outline_cache_gives_the_same_ships_and_skips_unchanged_blobs(
    scene: tuple[np.ndarray, list[np.ndarray]],
) -> None:
    image, ships = scene
    fat = blob(ships[0], 6, (2, 2)) | blob(ships[1], 5, (0, 0))
    probability = cv2.GaussianBlur(fat.astype(np.float32), (0, 0), 2.0)
    cache: dict = {}
    for threshold in (0.3, 0.35, 0.3, 0.6):
        kwargs = {"refine": True, "image": image}
        cached = probability_to_ships(probability, threshold, 20, outline_cache=cache, **kwargs)
        assert cached == probability_to_ships(probability, threshold, 20, refine=True, image=image)
    # Each distinct blob was cut once: 0.3 and 0.35 draw nearly the same two blobs, 0.6 thinner ones.
    assert 2 <= len(cache) <= 6
    before = len(cache)
    probability_to_ships(probability, 0.3, 20, refine=True, image=image, outline_cache=cache)
    assert len(cache) == before  # labelled again at a threshold seen before: nothing new to cut


def test_a_ship_cut_by_the_frame_keeps_its_end_on_the_frame() -> None:
    # The window's border was sea on every side, the image's own edge too: a barge running off the
    # frame lost its end to the sea (IoU 0.71 before, 0.94 now).
    image = sea(2)
    truth = paint_ship(image, ShipSpec(-20.0, 60.0, 0.2, 90.0, 18.0, "barge", False, 16.0, 4.0), 2)
    rgb = np.clip(image, 0, 255).astype(np.uint8)
    after = refine_outlines(rgb, labels_of([blob(truth, 4, (0, 0))]))
    assert iou(after == 1, truth) >= 0.9
    assert (after[:, 0][truth[:, 0]] == 1).mean() >= 0.9


def test_the_frame_opens_where_the_ship_comes_near_it() -> None:
    # A model's map fades at the frame: where the "probably ship" stops 2 px short of the image's edge,
    # the edge still opens there (a new-user trial found ships stopping short of it, none of their
    # edge pixels taken), and stays sea elsewhere.
    import cv2

    from shipviewer.model.grabcut import grabcut_crop

    crop = np.clip(sea()[:40, :60], 0, 255).astype(np.uint8)
    crop[12:28, :40] = (210, 205, 196)  # a hull running off the left edge
    trimap = np.full((40, 60), cv2.GC_PR_BGD, np.uint8)
    trimap[10:30, 2:42] = cv2.GC_PR_FGD
    trimap[16:24, 8:34] = cv2.GC_FGD
    left_open = (True, True, False, True)
    ship = grabcut_crop(crop, trimap, side=96, iterations=3, sea_sides=left_open)
    assert ship is not None
    assert ship[13:27, 0].all()  # the hull's end on the frame
    assert not ship[:8, 0].any() and not ship[32:, 0].any()
    closed = grabcut_crop(crop, trimap, side=96, iterations=3)
    assert closed is not None and not closed[:, 0].any()
