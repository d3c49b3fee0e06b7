"""What the layers mean (issue #11, points 5-7): distinct colour-blind-safe styles and a legend; an
untouched annotation follows the model's threshold and minimum size until the first edit, and seeding is
no undo step; the list shows the annotation's ship count once a person worked on the image."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PySide6.QtCore import Qt

from shipviewer._qt.image_list import SUMMARY_ROLE
from shipviewer.viewer.catalog import Status
from shipviewer.viewer.current_image import ANNOTATION, PREDICTION, TRUTH
from shipviewer.viewer.label_render import ANNOTATION_STYLE, PREDICTION_STYLE, TRUTH_STYLE

from .conftest import save, scene
from .helpers import wait_for_current, wait_for_model

pytestmark = pytest.mark.gui


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """a.png: a bright ship and a dimmer one (found at a threshold of 0.5, not at 0.7); b.png: one ship."""
    root = tmp_path / "sea"
    image = scene(blobs=((10, 10, 8, 20),))
    image[60:70, 50:60] = 160  # probability 0.63
    save(root / "a.png", image)
    save(root / "b.png", scene(blobs=((40, 40, 12, 12),)))
    return root


def open_window(qtbot, make_window, model: Path, folder: Path, *extra: Path):
    window = make_window()
    window.start([str(folder), *map(str, extra)], str(model))
    wait_for_model(qtbot, window)
    wait_for_current(qtbot, window, "a.png")
    qtbot.waitUntil(lambda: window.edit.doc is not None and window.edit.doc.n_ships == 2)
    window.activateWindow()
    window.canvas.setFocus()
    return window


def colours(buffer: np.ndarray) -> set[tuple[int, int, int]]:
    """The opaque BGR colours of a layer's pixels, as RGB."""
    opaque = buffer[buffer[..., 3] == 255]
    return {(int(r), int(g), int(b)) for b, g, r, _ in opaque}


def test_each_layer_has_its_own_style_and_the_legend_says_which(
    qtbot, make_window, model, folder, tmp_path
) -> None:
    truth = tmp_path / "truth.csv"
    truth.write_text("ImageId,EncodedPixels\na.png,971 8 1067 8 1163 8\n")
    window = open_window(qtbot, make_window, model, folder, truth)
    layers = window.canvas.layers
    qtbot.waitUntil(lambda: layers[TRUTH].labels is not None)
    annotation, prediction, truth_colours = (
        colours(layers[n]._buffer) for n in (ANNOTATION, PREDICTION, TRUTH)
    )
    assert annotation == {ANNOTATION_STYLE.colours[0]}
    assert prediction == {PREDICTION_STYLE.colours[0], PREDICTION_STYLE.dash}  # dashed: two tones
    assert truth_colours == {TRUTH_STYLE.colours[0]}
    assert layers[PREDICTION].outline_only and not layers[ANNOTATION].outline_only
    # Erasing a false alarm: the annotation's pixels go; the model's dashed outline stays, clearly another
    # layer.
    edit = window.edit
    qtbot.keyClick(window.canvas, Qt.Key.Key_E)
    edit.brush_size = 21
    edit.begin_stroke((55.0, 65.0), erase=True)
    edit.end_stroke()
    assert edit.doc.n_ships == 1
    assert not layers[ANNOTATION]._buffer[60:70, 50:60, 3].any()
    assert colours(layers[PREDICTION]._buffer[58:72, 48:62]) == {
        PREDICTION_STYLE.colours[0],
        PREDICTION_STYLE.dash,
    }
    legend = window.overlay_panel.legend
    texts = {name: label.text() for name, label in legend.texts.items()}
    assert texts == {
        "annotation": "Your annotation (editable): blue fill",
        "prediction": "Model prediction: yellow-black dashes",
        "truth": "Ground truth: orange outline",
    }


def test_an_untouched_annotation_follows_the_threshold_until_the_first_edit(
    qtbot, make_window, model, folder
) -> None:
    window = open_window(qtbot, make_window, model, folder)
    edit, doc = window.edit, window.edit.doc
    assert not doc.can_undo and not window.actions_["undo"].isEnabled()
    # Ctrl+Z on an untouched image does nothing: the model's ships stay, the image stays unreviewed.
    qtbot.keyClick(window.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert doc.n_ships == 2 and edit.workspace.status("a.png").value == "unreviewed"
    # The threshold moves the annotation with the outline while nobody has touched the image.
    window.overlay_panel.threshold.setValue(70)
    qtbot.waitUntil(lambda: doc.n_ships == 1)
    assert window.controller.current.counts[PREDICTION] == 1
    assert not doc.can_undo and edit.workspace.record("a.png").annotated == "predicted"
    window.overlay_panel.min_size.setValue(500)  # the minimum size too
    qtbot.waitUntil(lambda: doc.n_ships == 0)
    window.overlay_panel.min_size.setValue(4)
    window.overlay_panel.threshold.setValue(50)
    qtbot.waitUntil(lambda: doc.n_ships == 2)
    assert "edited" not in window.status.review_label.text()
    # The first edit: from now on the annotation is the user's.
    edit.brush_size = 5
    edit.begin_stroke((80.0, 85.0))
    edit.end_stroke()
    assert doc.n_ships == 3 and window.actions_["undo"].isEnabled()
    window.overlay_panel.threshold.setValue(70)
    qtbot.wait(300)
    assert doc.n_ships == 3 and window.controller.current.counts[PREDICTION] == 1
    qtbot.keyClick(window.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert doc.n_ships == 2  # the user's own step undoes; the seed is not a step


def test_the_list_counts_the_annotation_once_a_person_worked_on_it(qtbot, make_window, model, folder) -> None:
    window = open_window(qtbot, make_window, model, folder)
    model_ = window.image_list.model
    assert model_.data(model_.index(0), SUMMARY_ROLE) == "unreviewed · 2 ships"
    edit = window.edit
    edit.brush_size = 5
    for x in (80.0, 88.0):
        edit.begin_stroke((x, 85.0))
        edit.end_stroke()
        edit.select([])
    qtbot.waitUntil(lambda: model_.data(model_.index(0), SUMMARY_ROLE) == "edited · 4 ships")
    edit.accept()
    qtbot.waitUntil(lambda: window.controller.catalog[0].status is Status.ACCEPTED)
    assert model_.data(model_.index(0), SUMMARY_ROLE) == "accepted · 4 ships"
    assert window.controller.catalog[0].n_pred == 2  # the model's count is kept apart
    qtbot.waitUntil(lambda: edit.image_id == "b.png")
    edit.confirm_empty()
    qtbot.waitUntil(lambda: model_.data(model_.index(1), SUMMARY_ROLE) == "confirmed empty · 0 ships")


def test_a_brush_stroke_away_from_the_selected_ship_starts_a_new_one(
    qtbot, make_window, model, folder
) -> None:
    """A new-user trial finished a ship, painted another boat and got one ship in two blobs: the brush
    painted the selected ship wherever the stroke was."""
    window = open_window(qtbot, make_window, model, folder)
    edit, doc = window.edit, window.edit.doc
    edit.brush_size = 5
    edit.begin_stroke((80.0, 85.0))
    edit.end_stroke()
    mine = edit.selected[0]
    assert doc.n_ships == 3
    edit.begin_stroke((85.0, 85.0))  # touching it: the same ship, grown
    edit.end_stroke()
    assert doc.n_ships == 3 and edit.selected == [mine]
    edit.begin_stroke((30.0, 85.0))  # across the image: another ship, now the selected one
    edit.end_stroke()
    assert doc.n_ships == 4 and edit.selected != [mine]
    # ...and the grown ship is one blob
    assert int(cv2.connectedComponents((doc.labels == mine).view(np.uint8), connectivity=8)[0]) == 2
    # Ctrl+S: nothing is waiting to be saved; the status bar says where everything went.
    window.actions_["save"].trigger()
    assert "session.sqlite as you make it" in window.status.currentMessage()
