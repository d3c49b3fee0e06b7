"""Touching ships split by watershed; a long hull stays whole; no pixel lost; the metadata flag."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from shipviewer.airbus import rle
from shipviewer.model.instances import split_blobs
from shipviewer.model.metadata import ModelMetadata
from shipviewer.model.postprocess import probability_to_ships


def moored_pair(dip: float = 0.6) -> np.ndarray:
    """Two hulls side by side, touching along their length, the model less sure at the contact."""
    p = np.zeros((100, 200), np.float32)
    p[30:45, 20:180] = 0.97
    p[45:60, 20:180] = 0.97
    p[44:46, 20:180] = dip
    return p


def long_hull() -> np.ndarray:
    """One 280-px hull whose middle the model is unsure of."""
    p = np.zeros((100, 300), np.float32)
    p[40:55, 10:290] = 0.95
    p[40:55, 140:160] = 0.7
    return p


def test_touching_pair_becomes_two_ships_without_losing_a_pixel() -> None:
    p = moored_pair()
    labels = split_blobs(p > 0.5, p)
    assert labels.max() == 2
    assert ((labels > 0) == (p > 0.5)).all()
    top, bottom = labels[35, 100], labels[55, 100]
    assert top != bottom and top > 0 and bottom > 0


def test_a_long_hull_with_an_unsure_middle_stays_one_ship() -> None:
    p = long_hull()
    assert split_blobs(p > 0.5, p).max() == 1
    assert len(probability_to_ships(p, 0.5, 20, split_touching=True)) == 1


def test_probability_to_ships_splits_only_when_asked() -> None:
    p = moored_pair()
    assert len(probability_to_ships(p, 0.5, 20)) == 1
    ships = probability_to_ships(p, 0.5, 20, split_touching=True)
    assert len(ships) == 2 and not rle.find_overlaps(ships, p.shape)
    union = rle.masks_as_image(ships, p.shape)
    assert (union == (p > 0.5)).all()


def test_separate_ships_stay_as_they_are() -> None:
    p = np.zeros((80, 80), np.float32)
    p[10:20, 10:40] = 0.99
    p[50:60, 30:70] = 0.99
    assert probability_to_ships(p, 0.5, 20, split_touching=True) == probability_to_ships(p, 0.5, 20)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_split_keeps_every_pixel_and_gives_disjoint_ships(seed: int) -> None:
    rng = np.random.default_rng(seed)
    p = np.zeros((64, 64), np.float32)
    for _ in range(int(rng.integers(1, 5))):
        r, c = rng.integers(0, 50, 2)
        h, w = rng.integers(4, 20, 2)
        p[r : r + h, c : c + w] = np.maximum(p[r : r + h, c : c + w], rng.uniform(0.55, 1.0))
    mask = p > 0.5
    labels = split_blobs(mask, p)
    assert ((labels > 0) == mask).all()  # no pixel lost, none added; labels are disjoint by construction


def test_split_touching_in_the_metadata() -> None:
    meta = ModelMetadata(split_touching=True, gate_threshold=0.4)
    back = ModelMetadata.from_props(meta.to_props())
    assert back.split_touching is True and back.gate_threshold == 0.4
    assert (
        ModelMetadata.from_props({}).split_touching is False
        and ModelMetadata.from_props({}).gate_threshold is None
    )
