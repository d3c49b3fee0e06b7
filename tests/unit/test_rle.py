from __future__ import annotations

import contextlib
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shipviewer.airbus import rle


def canonical_encode(img: np.ndarray) -> str:
    """The notebook's encoder, as the reference."""
    pixels = np.concatenate([[0], img.T.flatten(), [0]])
    runs = np.where(pixels[1:] != pixels[:-1])[0] + 1
    runs[1::2] -= runs[::2]
    return " ".join(str(x) for x in runs)


shapes = st.tuples(st.integers(1, 40), st.integers(1, 40))


@st.composite
def masks(draw: st.DrawFn) -> np.ndarray:
    shape = draw(shapes)
    density = draw(st.sampled_from([0.0, 0.05, 0.5, 0.95, 1.0]))
    seed = draw(st.integers(0, 2**32 - 1))
    mask = np.random.default_rng(seed).random(shape) < density
    order = draw(st.sampled_from(["C", "F"]))
    return np.asarray(mask, order=order)


@st.composite
def canonical_strings(draw: st.DrawFn) -> tuple[str, tuple[int, int]]:
    """Canonical RLE strings: increasing runs separated by at least one pixel, inside the frame."""
    h, w = draw(shapes)
    total = h * w
    gaps_and_lengths = draw(st.lists(st.tuples(st.integers(1, 30), st.integers(1, 30)), max_size=20))
    pos, parts = 0, []
    for i, (gap, length) in enumerate(gaps_and_lengths):
        start = pos + (gap - 1 if i == 0 else gap)
        if start + length > total:
            break
        parts += [start + 1, length]
        pos = start + length
    return " ".join(map(str, parts)), (h, w)


@given(masks())
@settings(max_examples=400, deadline=None)
def test_decode_inverts_encode(mask: np.ndarray) -> None:
    text = rle.encode(mask)
    assert np.array_equal(rle.decode(text, mask.shape), mask)
    assert text == canonical_encode(mask.astype(np.uint8))


@given(canonical_strings())
@settings(max_examples=400, deadline=None)
def test_encode_inverts_decode_for_canonical_strings(case: tuple[str, tuple[int, int]]) -> None:
    text, shape = case
    assert rle.encode(rle.decode(text, shape)) == text


@given(st.text(alphabet=st.sampled_from(list("0123456789 -.\t\nabe+١²")), max_size=40))
@settings(max_examples=500, deadline=None)
def test_fuzzed_strings_raise_only_value_error(text: str) -> None:
    try:
        mask = rle.decode(text, (20, 30))
    except ValueError as exc:
        assert str(exc)
    else:
        assert mask.shape == (20, 30) and mask.dtype == bool


@given(st.text(max_size=60))
@settings(max_examples=300, deadline=None)
def test_any_unicode_string_raises_only_value_error(text: str) -> None:
    with contextlib.suppress(ValueError):
        rle.decode(text, (768, 768))


@pytest.mark.parametrize("empty", ["", "   ", None, float("nan"), math.nan, "NaN", "nan"])
def test_empty_values_give_empty_mask(empty: object) -> None:
    mask = rle.decode(empty)
    assert mask.shape == (768, 768) and mask.dtype == bool and not mask.any()


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("1 2 3", "odd number of values"),
        ("1 x", "not a whole number"),
        ("1.5 2", "not a whole number"),
        ("-1 2", "not a whole number"),
        ("0 3", "below 1"),
        ("3 0", "length 0 is below 1"),
        ("589824 2", "runs past pixel 589824"),
        ("10 2 1 2", "out of order"),
        ("1 5 3 2", "overlapping"),
        ("99999999999999999999999 1", "too large"),
        ("1\u20032", "characters other than digits"),
    ],
)
def test_malformed_strings_say_what_is_wrong(text: str, fragment: str) -> None:
    with pytest.raises(rle.RLEError, match=fragment):
        rle.decode(text)


def test_non_string_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        rle.decode(12)  # type: ignore[arg-type]


def test_column_major_numbering() -> None:
    mask = rle.decode("1 3 6 1", (4, 3))
    expected = np.zeros((4, 3), dtype=bool)
    expected[0:3, 0] = True  # pixels 1-3 run down the first column
    expected[1, 1] = True  # pixel 6 is the second pixel of the second column
    assert np.array_equal(mask, expected)
    assert rle.encode(expected) == "1 3 6 1"


def test_runs_that_continue_into_the_next_column_are_merged() -> None:
    mask = np.zeros((3, 3), dtype=bool)
    mask[2, 0] = mask[0, 1] = mask[1, 1] = True
    assert rle.encode(mask) == "3 3"
    assert rle.encode(np.ones((768, 768), bool)) == f"1 {768 * 768}"


def test_touching_runs_in_input_are_accepted_and_canonicalised() -> None:
    assert rle.encode(rle.decode("1 2 3 2", (4, 4))) == "1 4"


def test_encode_accepts_non_bool_masks_and_empty() -> None:
    mask = np.zeros((5, 7), dtype=np.uint8)
    assert rle.encode(mask) == ""
    mask[1:3, 2] = 255
    assert rle.encode(mask) == "12 2"
    with pytest.raises(ValueError, match="2-D"):
        rle.encode(np.zeros((2, 2, 2)))


def test_masks_as_image_is_the_union() -> None:
    a, b = "1 10", "5 20 100 3"
    union = rle.masks_as_image([a, "", None, b], (20, 20))
    assert np.array_equal(union, rle.decode(a, (20, 20)) | rle.decode(b, (20, 20)))
    assert not rle.masks_as_image([], (20, 20)).any()


def test_label_image_numbers_ships_in_order_and_rejects_overlap() -> None:
    labels = rle.label_image(["1 3", "", "10 2"], (5, 5))
    assert labels.dtype == np.int32
    assert set(np.unique(labels)) == {0, 1, 3}
    assert (labels == 3).sum() == 2
    with pytest.raises(rle.OverlapError, match="ships 1 and 2 overlap on 2 pixels"):
        rle.label_image(["1 5", "4 5"], (5, 5))
    assert rle.label_image(["1 5", "4 5"], (5, 5), allow_overlap=True).max() == 2


def test_find_overlaps_counts_shared_pixels_without_frames() -> None:
    ships = ["1 10", "20 5", "5 3 21 2", "100 4"]
    overlaps = rle.find_overlaps(ships, (30, 30))
    assert overlaps == [rle.Overlap(0, 2, 3), rle.Overlap(1, 2, 2)]
    assert rle.find_overlaps(["1 10", "11 5"], (30, 30)) == []


@given(st.lists(st.tuples(st.integers(0, 99), st.integers(1, 30)), min_size=2, max_size=6))
@settings(max_examples=200, deadline=None)
def test_find_overlaps_matches_frames(boxes: list[tuple[int, int]]) -> None:
    ships = [rle.encode(np.pad(np.ones((1, n), bool), ((0, 0), (s, 0)))[:, :100]) for s, n in boxes]
    ships = [s for s in ships if s]
    frames = [rle.decode(s, (1, 100)) for s in ships]
    expected = [
        rle.Overlap(i, j, int((frames[i] & frames[j]).sum()))
        for i in range(len(frames))
        for j in range(i + 1, len(frames))
        if (frames[i] & frames[j]).any()
    ]
    assert rle.find_overlaps(ships, (1, 100)) == expected


def test_ships_from_mask_splits_blobs_and_keeps_touching_diagonals_8_connected() -> None:
    mask = np.zeros((10, 10), bool)
    mask[1:3, 1:3] = True
    mask[3, 3] = True  # diagonal neighbour: same ship with 8-connectivity
    mask[6:9, 5:9] = True
    assert len(rle.ships_from_mask(mask)) == 2
    assert len(rle.ships_from_mask(mask, connectivity=4)) == 3
    assert len(rle.ships_from_mask(mask, min_size=6)) == 1
    ships = rle.ships_from_mask(mask)
    assert np.array_equal(rle.masks_as_image(ships, (10, 10)), mask)


def test_ships_from_labels_keeps_touching_ships_apart() -> None:
    labels = np.zeros((6, 6), np.int32)
    labels[1:5, 1:3] = 1
    labels[1:5, 3:5] = 2  # moored alongside ship 1
    a, b = rle.ships_from_labels(labels)
    assert np.array_equal(rle.decode(a, (6, 6)), labels == 1)
    assert np.array_equal(rle.decode(b, (6, 6)), labels == 2)
    assert rle.ships_from_labels(np.zeros((3, 3), int)) == []


def test_mask_runs_matches_parse_runs() -> None:
    mask = rle.decode("3 4 20 7", (8, 8))
    starts, lengths = rle.mask_runs(mask)
    p_starts, p_lengths = rle.parse_runs("3 4 20 7", (8, 8))
    assert starts.tolist() == p_starts.tolist() == [2, 19]
    assert lengths.tolist() == p_lengths.tolist() == [4, 7]


def test_bad_shape_is_rejected() -> None:
    with pytest.raises(ValueError, match="shape"):
        rle.decode("1 2", (0, 5))
