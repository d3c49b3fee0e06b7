"""The bundled model's ship/no-ship gate in the viewer: the status bar shows the image's ship probability,
an image the gate rejects shows and stores no ships, and its doubt orders the uncertainty queue."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.gui.helpers import wait_for_current, wait_for_images, wait_for_model

pytestmark = pytest.mark.gui

EMPTY, SHIPS = "7839d11bd.jpg", "2dcaa7944.jpg"  # bundled samples: no ship (gate p ~0.002), ten ships


def test_the_gate_silences_a_ship_free_image_and_the_status_bar_says_so(qtbot, make_window, tmp_path: Path):
    from resources import default_model_path, samples_dir

    if not default_model_path("cpu").is_file():
        pytest.skip("no bundled model")
    folder = tmp_path / "folder"
    folder.mkdir()
    for name in (EMPTY, SHIPS):
        shutil.copy(samples_dir() / name, folder / name)
    window = make_window()
    window.start([str(folder)])
    wait_for_model(qtbot, window, timeout=30_000)
    assert window.controller.session.has_gate
    wait_for_images(qtbot, window, 2)
    wait_for_current(qtbot, window, min(EMPTY, SHIPS), timeout=30_000)

    def shows(name: str) -> str:
        index = window.controller.catalog.index_of(str(folder / name))
        window.controller.show_index(index)
        wait_for_current(qtbot, window, name, timeout=30_000)
        qtbot.waitUntil(lambda: "p(ship)" in window.status.model_label.text(), timeout=30_000)
        return window.status.model_label.text()

    text = shows(EMPTY)
    assert "no ships" in text and "< gate" in text
    assert not window.controller.current.levels.any()  # the decoder was skipped: an empty map
    text = shows(SHIPS)
    assert "no ships" not in text and window.controller.current.levels.any()

    # The editing tools still get the model's full map of the rejected image (one decoder run, kept).
    import numpy as np

    from shipviewer.model.prob_cache import quantize

    shows(EMPTY)
    full = window.controller.full_levels()
    expected = quantize(window.controller.session.probabilities(window.controller.current.rgb))
    assert full is not None and np.array_equal(full, expected)
    assert window.controller.full_levels() is full


def test_flip_tta_from_the_model_menu_reopens_the_model_and_shows_the_averaged_map(
    qtbot, make_window, settings, tmp_path: Path
):
    import numpy as np

    from resources import default_model_path, samples_dir
    from shipviewer.model.inference import InferenceSession
    from shipviewer.model.prob_cache import quantize

    if not default_model_path("cpu").is_file():
        pytest.skip("no bundled model")
    folder = tmp_path / "folder"
    folder.mkdir()
    shutil.copy(samples_dir() / SHIPS, folder / SHIPS)
    window = make_window()
    window.start([str(folder)])
    wait_for_model(qtbot, window, timeout=30_000)
    wait_for_current(qtbot, window, SHIPS, timeout=30_000)
    plain_levels = window.controller.current.levels.copy()
    action = window.actions_["flip_tta"]
    assert action.isCheckable() and not action.isChecked() and not window.controller.session.tta
    action.trigger()  # as a click in Model ▸ Flip Test-Time Augmentation
    qtbot.waitUntil(lambda: window.controller.session.tta, timeout=30_000)
    wait_for_current(qtbot, window, SHIPS, timeout=30_000)
    qtbot.waitUntil(lambda: "flip TTA" in window.status.model_label.text(), timeout=30_000)
    session = window.controller.session
    reference = InferenceSession(session.path, device="cpu", tta=True)
    expected = quantize(reference.analyse(window.controller.current.rgb).probability)
    qtbot.waitUntil(lambda: np.array_equal(window.controller.current.levels, expected), timeout=30_000)
    assert not np.array_equal(expected, plain_levels)  # a new map, not the plain one from the cache
    assert window.settings.flip_tta
    window.close()
    # The next window starts with it on.
    again = make_window(settings)
    assert again.controller.tta and again.actions_["flip_tta"].isChecked()
