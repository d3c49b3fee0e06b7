"""Touching ships kept apart by a learnt gap (``shipviewer train --seam``): the training masks leave the gap,
post-processing gives it back to the ships on either side, and the setting travels in the metadata."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from shipviewer.airbus import rle
from shipviewer.model.instances import fill_seams
from shipviewer.model.metadata import ModelMetadata
from shipviewer.model.postprocess import probability_to_ships
from training.crops import seam_pixels, window_mask


def two_hulls(top: tuple[int, int], bottom: tuple[int, int], shape=(60, 90)) -> np.ndarray:
    labels = np.zeros(shape, np.int32)
    labels[top[0] : top[1], 10:70] = 1
    labels[bottom[0] : bottom[1], 10:70] = 2
    return labels


def test_seam_pixels_are_the_touching_sides_only() -> None:
    labels = two_hulls((10, 20), (20, 30))  # touching along row 19/20
    seam = seam_pixels(labels, 2)
    assert set(np.unique(np.nonzero(seam.any(axis=1))[0])) == {18, 19, 20, 21}
    assert seam[18:22, 10:70].all() and not seam[:, :8].any() and not seam[:, 72:].any()
    # A lone ship, or two ships farther apart than the seam, lose nothing.
    assert not seam_pixels(two_hulls((10, 20), (26, 36)), 2).any()
    assert not seam_pixels(labels, 0).any()


def test_training_masks_leave_the_gap_and_a_lone_ship_whole() -> None:
    labels = np.zeros((768, 768), np.int32)
    labels[100:110, 100:200] = 1
    labels[110:120, 100:200] = 2
    labels[300:310, 300:400] = 3
    ships = [rle.encode(labels == k) for k in (1, 2, 3)]
    plain = window_mask(ships, 768, 768, 64, 64, 384)
    gapped = window_mask(ships, 768, 768, 64, 64, 384, seam=2)
    assert plain.sum() - gapped.sum() == 4 * 100  # two rows off each side of the contact
    assert not gapped[108 - 64 : 112 - 64, 100 - 64 : 200 - 64].any()
    np.testing.assert_array_equal(gapped[300 - 64 : 310 - 64], plain[300 - 64 : 310 - 64])


def test_fill_seams_gives_the_gap_back_and_keeps_the_ends() -> None:
    truth = two_hulls((10, 20), (20, 30))
    gapped = np.where(seam_pixels(truth, 2), 0, truth).astype(np.int32)
    filled = fill_seams(gapped.copy(), 2)
    np.testing.assert_array_equal(filled, truth)
    # No "ears" past the ends of two ships side by side, and a lone ship is left as it is.
    lone = np.zeros((40, 40), np.int32)
    lone[10:20, 10:30] = 1
    np.testing.assert_array_equal(fill_seams(lone.copy(), 2), lone)


@settings(max_examples=40, deadline=None)
@given(
    gap=st.integers(0, 4),
    height=st.integers(3, 12),
    offset=st.integers(-5, 5),
    seam=st.integers(1, 3),
)
def test_fill_seams_never_merges_and_only_adds_between_ships(
    gap: int, height: int, offset: int, seam: int
) -> None:
    labels = np.zeros((60, 90), np.int32)
    labels[10 : 10 + height, 10:60] = 1
    y = 10 + height + gap
    labels[y : y + height, 10 + offset : 60 + offset] = 2
    before = labels.copy()
    fill_seams(labels, seam)
    assert set(np.unique(labels)) == set(np.unique(before))
    assert (labels[before > 0] == before[before > 0]).all()  # no ship pixel changes hands
    added = (labels > 0) & (before == 0)
    reach = 2 * seam
    for r, c in zip(*np.nonzero(added), strict=True):  # each added pixel lies between the two ships
        window = before[max(r - reach, 0) : r + reach + 1, max(c - reach, 0) : c + reach + 1]
        assert {1, 2} <= set(np.unique(window).tolist())
    if gap <= 2 * seam and gap > 0:
        overlap = slice(10 + max(offset, 0), 60 + min(offset, 0))
        assert (labels[10 + height : y, overlap] > 0).all()  # the gap between them is filled


def test_probability_to_ships_with_a_seam_model() -> None:
    p = np.zeros((60, 90), np.float32)
    p[10:18, 10:70] = 0.9  # what a seam-trained model draws for two touching hulls (rows 10-19, 20-29)
    p[22:30, 10:70] = 0.9
    plain = [rle.decode(r, p.shape) for r in probability_to_ships(p, 0.5, 10)]
    filled = [rle.decode(r, p.shape) for r in probability_to_ships(p, 0.5, 10, seam=2)]
    assert len(plain) == len(filled) == 2
    assert [m.sum() for m in filled] == [600, 600]
    assert not (filled[0] & filled[1]).any()


def test_the_seam_travels_in_the_metadata() -> None:
    meta = ModelMetadata(seam=2)
    assert ModelMetadata.from_props(meta.to_props()).seam == 2
    assert ModelMetadata.from_props({}).seam == 0  # older models: no gap to give back
