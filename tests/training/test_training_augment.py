"""The OpenCV augmentation of one crop: the eight square symmetries, an identity colour map at zero jitter,
image and mask moved together, the same seed giving the same result."""

from __future__ import annotations

import numpy as np

from training.augment import Jitter, augment, colour_map, symmetry


def test_the_eight_symmetries_are_the_square_group() -> None:
    square = np.arange(16, dtype=np.uint8).reshape(4, 4)
    results = {symmetry(square, k).tobytes() for k in range(8)}
    expected = {np.rot90(m, r).tobytes() for m in (square, square.T) for r in range(4)}
    assert results == expected


def test_zero_jitter_is_the_identity_colour_map() -> None:
    image = np.random.default_rng(0).integers(0, 256, (32, 32, 3), dtype=np.uint8)
    assert np.allclose(colour_map(image, 0.0, 1.0, 0.0), np.hstack([np.eye(3), np.zeros((3, 1))]), atol=1e-9)
    out, _ = augment(image, np.zeros((32, 32, 1), np.uint8), (0, 0), Jitter(0.0, 0.0, 0.0))
    assert any(np.array_equal(out, symmetry(image, k)) for k in range(8))


def test_image_and_mask_move_together_and_seeds_repeat() -> None:
    rng = np.random.default_rng(1)
    mask = (rng.random((64, 64)) > 0.8).astype(np.uint8)
    image = np.where(mask[..., None] > 0, 220, 30).astype(np.uint8).repeat(3, axis=2)
    seen = set()
    for i in range(24):
        out, out_mask = augment(image, mask[..., None], (5, i), Jitter())
        assert np.array_equal(out.mean(axis=2) > 125, out_mask > 0)
        again, again_mask = augment(image, mask[..., None], (5, i), Jitter())
        assert np.array_equal(out, again) and np.array_equal(out_mask, again_mask)
        seen.add(out_mask.tobytes())
    assert len(seen) == 8
