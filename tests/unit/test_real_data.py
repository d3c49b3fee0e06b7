"""The real Airbus rows in ../shared decode onto the real ships of their images."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from shipviewer.airbus import rle
from shipviewer.airbus.annotations import read_csv, validate_csv

# Ships per image, as the data set's README lists them.
EXPECTED_SHIPS = {
    "0a0df8299.jpg": 2,
    "0a1a58833.jpg": 2,
    "0a1b7d6ec.jpg": 1,
    "0a1a7f395.jpg": 14,
    "00003e153.jpg": 0,
    "0001124c7.jpg": 0,
}


def contrast(image: np.ndarray, mask: np.ndarray) -> float:
    """Colour distance between the masked pixels and a thin ring of background around them."""
    ring = cv2.dilate(mask.astype(np.uint8), np.ones((7, 7), np.uint8)).astype(bool) & ~mask
    return float(np.linalg.norm(image[mask].mean(0) - image[ring].mean(0)))


def test_labels_read_and_validate(real_dir: Path) -> None:
    result = read_csv(real_dir / "labels.csv")
    assert {k: len(v) for k, v in result.ships.items()} == EXPECTED_SHIPS
    assert validate_csv(real_dir / "labels.csv", images=real_dir / "images").ok


def test_rows_round_trip_through_the_codec(real_dir: Path) -> None:
    for ships in read_csv(real_dir / "labels.csv").ships.values():
        for text in ships:
            mask = rle.decode(text)
            assert rle.encode(mask) == text
            assert rle.encode(np.ascontiguousarray(mask)) == text


@pytest.mark.parametrize("image_id", [k for k, n in EXPECTED_SHIPS.items() if n])
def test_masks_sit_on_the_ships(real_dir: Path, image_id: str) -> None:
    ships = read_csv(real_dir / "labels.csv").ships[image_id]
    image = cv2.imread(str(real_dir / "images" / image_id)).astype(float)
    assert image.shape == (768, 768, 3)
    union = np.ascontiguousarray(rle.masks_as_image(ships))
    placed = contrast(image, union)
    # Read the numbering the wrong way (row-major) or shift the masks: the fit must be much worse.
    transposed = contrast(image, np.ascontiguousarray(union.T))
    shifted = contrast(image, np.roll(union, (25, 25), axis=(0, 1)))
    assert placed > 2 * max(transposed, shifted)


def test_instances_each_ship_is_essentially_one_blob_and_blobs_never_exceed_ships(real_dir: Path) -> None:
    for image_id, ships in read_csv(real_dir / "labels.csv").ships.items():
        labels = rle.label_image(ships)  # raises if ships overlap
        assert labels.max() == len(ships)
        for text in ships:
            # Real labels carry the odd stray pixel (0a0df8299 has one): the main blob is the ship.
            parts = sorted((rle.decode(p).sum() for p in rle.ships_from_mask(rle.decode(text))), reverse=True)
            assert parts[0] >= 0.99 * sum(parts), image_id
        blobs = rle.ships_from_mask(labels > 0)
        assert 0 < len(blobs) <= len(ships) or not ships
        # Ships moored side by side merge into one blob; re-splitting by label keeps them apart.
        assert rle.ships_from_labels(labels) == ships
