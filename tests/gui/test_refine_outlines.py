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


def open_folder(qtbot, make_window, tmp_path: Path, images: list[Path], *, current: str | None = SHIPS):
    """A window on a folder of copies of ``images``, the bundled model loaded (and ``current`` shown)."""
    from resources import default_model_path

    if not default_model_path("cpu").is_file():
        pytest.skip("no bundled model")
    folder = tmp_path / "folder"
    folder.mkdir()
    for image in images:
        shutil.copy(image, folder / image.name)
    window = make_window()
    window.start([str(folder)])
    wait_for_model(qtbot, window, timeout=30_000)
    if current is not None:
        wait_for_current(qtbot, window, current, timeout=30_000)
    return window, folder


def test_refined_outlines_are_shown_and_stored_and_can_be_turned_off(
    qtbot, make_window, settings, tmp_path: Path
) -> None:
    from resources import samples_dir
    from shipviewer.model.postprocess import probability_to_ships
    from shipviewer.model.prob_cache import dequantize
    from shipviewer.viewer.current_image import PREDICTION
    from shipviewer.viewer.ship_labels import labels_from_levels, labels_from_rles

    window, folder = open_folder(qtbot, make_window, tmp_path, [samples_dir() / SHIPS])
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
    from resources import samples_dir
    from shipviewer.viewer.current_image import PREDICTION
    from shipviewer.viewer.ship_labels import labels_from_levels, labels_from_rles, refined_ships

    images = [samples_dir() / SHIPS, samples_dir() / "65355d61b.jpg"]
    window, _ = open_folder(qtbot, make_window, tmp_path, images)
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


def test_the_models_advice_is_never_saved_as_the_users_choice(qtbot, make_window, tmp_path: Path) -> None:
    """Showing a model's advice in the menu stores nothing; the next model, which advises no refinement,
    opens without it."""
    from resources import samples_dir
    from tests.gui.conftest import write_model

    window, _ = open_folder(qtbot, make_window, tmp_path, [samples_dir() / SHIPS], current=None)
    action = window.actions_["refine_outlines"]
    assert window.controller.session.refine and action.isChecked()
    assert window.settings.refine_outlines is None and window.controller.refine is None
    window.controller.load_model(write_model(tmp_path / "plain.onnx", "plain"))
    wait_for_model(qtbot, window, "plain", timeout=30_000)
    assert not window.controller.session.refine and not action.isChecked()
    assert window.settings.refine_outlines is None


def test_the_list_counts_the_refined_ships_when_the_map_comes_before_the_pixels(
    qtbot, make_window, tmp_path: Path
) -> None:
    """The image cache dropped the pixels but the map is in memory: the count in the list, the shown
    ships and the stored ones agree once the image is read again. On this synthetic scene (``synth --seed
    13``) the model's 5 blobs give 4 refined ships, so the counts differ. (On the scene of ``--seed 12``
    used before, GrabCut dropped one of 10 blobs and the seam cut split another: 10 again.)"""
    from resources import samples_dir
    from shipviewer.synth.dataset import generate
    from shipviewer.viewer.current_image import PREDICTION
    from shipviewer.viewer.ship_labels import labels_from_levels

    generate(tmp_path / "synth", 13, 13)
    scene = "4e2150ec8.jpg"
    images = [tmp_path / "synth" / "train_v2" / scene, samples_dir() / SHIPS]
    window, folder = open_folder(qtbot, make_window, tmp_path, images, current=None)
    c, edit = window.controller, window.edit
    c.show_index(c.catalog.index_of(str(folder / scene)))
    wait_for_current(qtbot, window, scene, timeout=30_000)
    current = c.current
    _, n_blobs = labels_from_levels(current.levels, c.options.threshold, c.options.min_size)
    qtbot.waitUntil(lambda: not current.refine_pending and current.counts[PREDICTION] != n_blobs)
    refined = current.counts[PREDICTION]
    c.show_index(c.catalog.index_of(str(folder / SHIPS)))
    wait_for_current(qtbot, window, SHIPS, timeout=30_000)
    c.images.clear()  # the pixels are gone from memory, the maps are not
    c._refined.clear()  # nor any refined ships kept from before: the window must refine them again
    c.show_index(c.catalog.index_of(str(folder / scene)))
    wait_for_current(qtbot, window, scene, timeout=30_000)
    index = current.index
    qtbot.waitUntil(lambda: current.counts[PREDICTION] == refined, timeout=10_000)
    qtbot.waitUntil(lambda: c.catalog[index].n_ships == refined, timeout=10_000)
    expected = current.refined_ships(c.options.threshold, c.options.min_size)
    assert expected is not None and len(expected) == refined
    qtbot.waitUntil(lambda: edit.workspace.prediction(scene) is not None, timeout=10_000)
    qtbot.waitUntil(lambda: edit.workspace.prediction(scene).rles == expected, timeout=10_000)


def test_an_untouched_annotation_follows_the_outlines_shown_after_a_toggle(
    qtbot, make_window, tmp_path: Path
) -> None:
    """Images predicted ahead while refinement was on are shown after it is turned off (and the other way
    round): their untouched annotations are the ships on screen, so Take or an export never meet a second,
    slightly different copy of a ship."""
    from resources import samples_dir
    from shipviewer.viewer.current_image import ANNOTATION, PREDICTION

    names = [SHIPS, "63bd1be1f.jpg", "65355d61b.jpg"]
    window, folder = open_folder(qtbot, make_window, tmp_path, [samples_dir() / n for n in names])
    c = window.controller
    current = c.current
    action = window.actions_["refine_outlines"]

    def annotation_is_the_prediction() -> None:
        shown, annotation = current.labels[PREDICTION], current.labels[ANNOTATION]
        assert shown is not None and annotation is not None and not current.refine_pending
        assert np.array_equal(shown > 0, annotation > 0)

    qtbot.waitUntil(annotation_is_the_prediction, timeout=10_000)
    workspace = window.edit.workspace
    qtbot.waitUntil(lambda: all(workspace.prediction(n) is not None for n in names), timeout=30_000)
    action.trigger()  # off
    assert "refinement off" in window.status.currentMessage()
    for name in names[1:]:  # predicted ahead with refinement on
        c.show_index(c.catalog.index_of(str(folder / name)))
        wait_for_current(qtbot, window, name, timeout=30_000)
        qtbot.waitUntil(annotation_is_the_prediction, timeout=10_000)
    action.trigger()  # on again
    assert "redrawn from the image" in window.status.currentMessage()
    c.show_index(c.catalog.index_of(str(folder / SHIPS)))  # stored while it was off
    wait_for_current(qtbot, window, SHIPS, timeout=30_000)
    qtbot.waitUntil(annotation_is_the_prediction, timeout=10_000)
