"""Model ▸ Refine Outlines from the Image: the bundled model advises it, so the viewer shows and stores the
outlines GrabCut redrew from the pixels; turned off, the model's own blobs come back, shown and stored, and
the choice is remembered."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from tests.gui.helpers import wait_for_current, wait_for_model

pytestmark = pytest.mark.gui

SHIPS = "2dcaa7944.jpg"  # a bundled sample with ten ships


def test_refined_outlines_are_shown_and_stored_and_can_be_turned_off(
    qtbot, make_window, settings, tmp_path: Path
) -> None:
    from resources import default_model_path, samples_dir
    from shipviewer.model.postprocess import probability_to_ships
    from shipviewer.model.prob_cache import dequantize
    from shipviewer.viewer.current_image import PREDICTION
    from shipviewer.viewer.ship_labels import labels_from_levels, labels_from_rles

    if not default_model_path("cpu").is_file():
        pytest.skip("no bundled model")
    folder = tmp_path / "folder"
    folder.mkdir()
    shutil.copy(samples_dir() / SHIPS, folder / SHIPS)
    window = make_window()
    window.start([str(folder)])
    wait_for_model(qtbot, window, timeout=30_000)
    wait_for_current(qtbot, window, SHIPS, timeout=30_000)
    c, edit = window.controller, window.edit
    action = window.actions_["refine_outlines"]
    assert c.session.refine and action.isCheckable() and action.isChecked()
    assert "outlines refined" in window.status.model_label.text()
    current, options = c.current, c.options

    def expected(refine: bool) -> list[str]:
        probability = dequantize(current.levels)
        image = current.rgb if refine else None
        threshold, min_size = options.threshold, options.min_size
        return probability_to_ships(probability, threshold, min_size, refine=refine, image=image)

    refined, plain = expected(True), expected(False)
    assert refined and refined != plain  # the outlines differ from the model's blobs
    shape = current.levels.shape
    qtbot.waitUntil(lambda: np.array_equal(current.labels[PREDICTION], labels_from_rles(refined, shape)))
    qtbot.waitUntil(lambda: edit.workspace is not None and edit.workspace.prediction(SHIPS) is not None)
    qtbot.waitUntil(lambda: edit.workspace.prediction(SHIPS).rles == refined, timeout=10_000)

    action.trigger()  # as a click in Model ▸ Refine Outlines from the Image
    assert not c.session.refine and window.settings.refine_outlines is False
    blobs, n_blobs = labels_from_levels(current.levels, options.threshold, options.min_size)
    assert np.array_equal(current.labels[PREDICTION], blobs)
    assert c.catalog[current.index].n_ships == n_blobs  # the list's count follows, as for a new threshold
    qtbot.waitUntil(lambda: edit.workspace.prediction(SHIPS).rles == plain, timeout=10_000)
    qtbot.waitUntil(lambda: "outlines refined" not in window.status.model_label.text())
    window.close()

    again = make_window(settings)  # the next window keeps the user's choice over the model's advice
    again.start([str(folder)])
    wait_for_model(qtbot, again, timeout=30_000)
    assert again.controller.session.refine is False
    assert not again.actions_["refine_outlines"].isChecked()


def test_a_moving_threshold_shows_blobs_then_the_refined_outlines_and_a_switch_back_remembers_them(
    qtbot, make_window, tmp_path: Path
) -> None:
    from resources import default_model_path, samples_dir
    from shipviewer.viewer.current_image import PREDICTION
    from shipviewer.viewer.ship_labels import labels_from_levels, labels_from_rles, refined_ships

    if not default_model_path("cpu").is_file():
        pytest.skip("no bundled model")
    folder = tmp_path / "folder"
    folder.mkdir()
    for name in (SHIPS, "65355d61b.jpg"):
        shutil.copy(samples_dir() / name, folder / name)
    window = make_window()
    window.start([str(folder)])
    wait_for_model(qtbot, window, timeout=30_000)
    wait_for_current(qtbot, window, SHIPS, timeout=30_000)
    c = window.controller
    current = c.current
    assert c.session.refine
    window.overlay_panel.threshold.setValue(35)  # as a drag of the slider: 0.35
    threshold, min_size = c.options.threshold, c.options.min_size
    blobs, _ = labels_from_levels(current.levels, threshold, min_size)
    assert current.refine_pending and np.array_equal(current.labels[PREDICTION], blobs)  # at once
    refined = refined_ships(current.levels, current.rgb, threshold, min_size)
    qtbot.waitUntil(lambda: not current.refine_pending, timeout=5_000)  # at rest: the outlines follow
    assert np.array_equal(current.labels[PREDICTION], labels_from_rles(refined, current.levels.shape))
    c.step(+1)
    wait_for_current(qtbot, window, "65355d61b.jpg", timeout=30_000)
    c.step(-1)
    wait_for_current(qtbot, window, SHIPS, timeout=30_000)
    assert not current.refine_pending  # shown refined at once, from what was kept
    assert np.array_equal(current.labels[PREDICTION], labels_from_rles(refined, current.levels.shape))
