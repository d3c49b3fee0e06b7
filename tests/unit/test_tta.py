"""Flip test-time augmentation in the inference core, on the bundled model (a real, not flip-symmetric,
gated SegNet) and real sample images."""

from __future__ import annotations

import numpy as np
import pytest

from resources import default_model_path, samples_dir
from shipviewer.airbus.images import find_images, read_image
from shipviewer.model.inference import InferenceSession


@pytest.fixture(scope="module")
def sessions() -> tuple[InferenceSession, InferenceSession]:
    path = default_model_path()
    if not path.is_file():
        pytest.skip("no bundled model")
    return InferenceSession(path, device="cpu"), InferenceSession(path, device="cpu", tta=True)


@pytest.fixture(scope="module")
def image() -> np.ndarray:
    """A bundled sample the gate lets through (the test needs a map to average)."""
    path = default_model_path()
    if not path.is_file():
        pytest.skip("no bundled model")
    session = InferenceSession(path, device="cpu")
    for file in find_images([samples_dir()]):
        rgb = read_image(file)
        if session.analyse(rgb).passed:
            return rgb
    pytest.skip("no bundled sample passes the gate")


def _flips(session: InferenceSession, image: np.ndarray) -> list[np.ndarray]:
    """The plain maps of ``image`` and its three flips, each flipped back."""
    return [
        session.probabilities(image),
        session.probabilities(image[:, ::-1])[:, ::-1],
        session.probabilities(image[::-1])[::-1],
        session.probabilities(image[::-1, ::-1])[::-1, ::-1],
    ]


def test_tta_map_is_the_mean_of_the_four_flips_flipped_back(
    sessions: tuple[InferenceSession, InferenceSession], image: np.ndarray
) -> None:
    plain, tta = sessions
    maps = _flips(plain, image)
    assert max(float(np.abs(m - maps[0]).max()) for m in maps[1:]) > 0.05  # the model is not symmetric
    expected = np.mean(maps, axis=0)
    analysis = tta.analyse(image)
    assert analysis.passed
    np.testing.assert_allclose(analysis.probability, expected, atol=1e-5)
    # The gate decides on the image as it is.
    assert analysis.ship_probability == pytest.approx(plain.analyse(image).ship_probability, abs=1e-6)


def test_tta_map_of_a_flipped_image_is_the_flipped_map(
    sessions: tuple[InferenceSession, InferenceSession], image: np.ndarray
) -> None:
    tta = sessions[1]
    np.testing.assert_allclose(
        tta.probabilities(image[:, ::-1]), tta.probabilities(image)[:, ::-1], atol=1e-5
    )


def test_tta_keeps_a_gated_out_image_empty_and_odd_sizes(
    sessions: tuple[InferenceSession, InferenceSession],
) -> None:
    plain, tta = sessions
    sea = np.full((300, 200, 3), (20, 50, 70), np.uint8)  # calm, empty sea; not a multiple of 32
    analysis = tta.analyse(sea)
    assert analysis.probability.shape == (300, 200)
    if not plain.analyse(sea).passed:
        assert not analysis.passed and not analysis.probability.any()
    full = tta.probabilities(sea)
    expected = np.mean(_flips(plain, sea), axis=0)
    # Padding goes to the bottom and right of the flipped image too, so a map near the far edges may
    # differ a little from flipping the unpadded image; away from them it is the same mean.
    np.testing.assert_allclose(full[:256, :160], expected[:256, :160], atol=1e-5)
    assert "flip TTA" in tta.describe() and "flip TTA" not in plain.describe()
