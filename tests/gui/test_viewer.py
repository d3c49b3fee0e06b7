"""Opening folders, browsing, the overlay and the canvas, with real widgets and a real ONNX session."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication

from shipviewer._qt.image_list import SUMMARY_ROLE
from shipviewer._qt.status_bar import NO_MODEL
from shipviewer.viewer.catalog import Filter, Status
from shipviewer.viewer.current_image import ANNOTATION, PREDICTION, TRUTH

from .helpers import wait_for_current, wait_for_images, wait_for_model

pytestmark = pytest.mark.gui


def test_open_folder_shows_the_first_image_with_predicted_ships(
    qtbot, make_window, model, blob_folder
) -> None:
    window = make_window()
    window.start([str(blob_folder)], str(model))
    wait_for_model(qtbot, window, "mean-test")
    wait_for_images(qtbot, window, 4)
    wait_for_current(qtbot, window, "a.png")
    current = window.controller.current
    assert current.counts[PREDICTION] == 2
    assert window.canvas.layers[PREDICTION].labels is current.labels[PREDICTION]
    assert window.image_list.model.rowCount() == 4
    assert [e.name for e in window.controller.catalog.entries] == ["a.png", "b.png", "c.jpg", "d.png"]
    qtbot.waitUntil(lambda: "ms/image" in window.status.model_label.text())
    assert window.status.model_label.text().startswith("mean-test · CPU")
    assert window.windowTitle().startswith("a.png")
    row = window.image_list.model.index(0)
    assert window.image_list.model.data(row, SUMMARY_ROLE) == "unreviewed · 2 ships"


def test_keyboard_and_list_navigation(qtbot, make_window, model, blob_folder) -> None:
    window = make_window()
    window.start([str(blob_folder)], str(model))
    wait_for_model(qtbot, window)
    wait_for_images(qtbot, window, 4)
    wait_for_current(qtbot, window, "a.png")
    window.activateWindow()
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, Qt.Key.Key_Right)
    wait_for_current(qtbot, window, "b.png")
    assert window.controller.current.counts[PREDICTION] == 1
    window.actions_["last"].trigger()
    wait_for_current(qtbot, window, "d.png")
    assert window.controller.current.counts[PREDICTION] == 3
    qtbot.keyClick(window.canvas, Qt.Key.Key_Left)
    wait_for_current(qtbot, window, "c.jpg")
    window.actions_["first"].trigger()
    wait_for_current(qtbot, window, "a.png")
    # Clicking a row in the list shows that image.
    view = window.image_list.list
    rect = view.visualRect(window.image_list.model.index(1))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    wait_for_current(qtbot, window, "b.png")
    # Every image the user passes is predicted ahead or on arrival.
    qtbot.waitUntil(lambda: all(e.status is Status.UNREVIEWED for e in window.controller.catalog.entries))


def test_threshold_slider_changes_the_overlay_without_running_the_model(
    qtbot, make_window, model, blob_folder
) -> None:
    window = make_window()
    window.start([str(blob_folder / "sub")], str(model))
    wait_for_model(qtbot, window)
    wait_for_current(qtbot, window, "d.png")
    layer = window.canvas.layers[PREDICTION]
    before = layer._buffer.copy()
    assert window.controller.current.counts[PREDICTION] == 3
    runs = window.controller.predictor.last_ms
    slider = window.overlay_panel.threshold
    slider.setValue(99)  # 0.99: nothing in the scene is that bright
    assert window.controller.options.threshold == pytest.approx(0.99)
    assert window.controller.current.counts[PREDICTION] == 0
    assert not layer._buffer[..., 3].any() and before[..., 3].any()
    slider.setValue(50)
    assert window.controller.current.counts[PREDICTION] == 3
    np.testing.assert_array_equal(layer._buffer, before)
    assert window.controller.predictor.last_ms == runs  # no new model run
    assert window.controller.catalog[0].n_pred == 3
    window.overlay_panel.min_size.setValue(100)  # the blobs are 36 px
    assert window.controller.current.counts[PREDICTION] == 0
    window.actions_["threshold_up"].trigger()
    assert window.overlay_panel.threshold.value() == 55


def test_overlay_toggles_opacity_and_outline(qtbot, make_window, model, blob_folder) -> None:
    window = make_window()
    window.start([str(blob_folder)], str(model))
    wait_for_model(qtbot, window)
    wait_for_current(qtbot, window, "a.png")
    layer = window.canvas.layers[PREDICTION]
    # The editable annotation (seeded from the prediction) is filled; the model's ships are outlined under it.
    qtbot.waitUntil(lambda: window.edit.doc is not None and window.edit.doc.n_ships == 2)
    assert layer.outline_only
    annotation = window.canvas.layers[ANNOTATION]
    window.activateWindow()
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, Qt.Key.Key_O)
    assert not window.controller.options.overlay_visible and not layer.isVisible()
    assert not window.overlay_panel.show_overlay.isChecked()
    window.actions_["toggle_overlay"].trigger()
    assert layer.isVisible() and annotation.isVisible()
    filled = int(annotation._buffer[..., 3].astype(bool).sum())
    window.actions_["outline_only"].trigger()
    assert window.overlay_panel.outline_only.isChecked()
    outlined = int(annotation._buffer[..., 3].astype(bool).sum())
    assert 0 < outlined < filled
    window.overlay_panel.opacity.setValue(100)
    assert window.controller.options.opacity == 1.0
    window.actions_["show_prediction"].trigger()
    assert not layer.isVisible()


def test_ground_truth_layer_from_a_csv(qtbot, make_window, model, blob_folder) -> None:
    csv = blob_folder / "labels.csv"
    csv.write_text("ImageId,EncodedPixels\na.png,1 5\na.png,200 4\nc.jpg,\nzzz.jpg,1 1\n")
    window = make_window()
    window.start([str(blob_folder), str(csv)], str(model))
    wait_for_model(qtbot, window)
    wait_for_current(qtbot, window, "a.png")
    qtbot.waitUntil(lambda: window.controller.current.counts[TRUTH] == 2)
    assert window.canvas.layers[TRUTH].labels is not None
    catalog = window.controller.catalog
    assert [e.n_truth for e in catalog.entries] == [2, None, 0, None]
    # Truth and prediction shown together: truth is outlined.
    assert window.canvas.layers[TRUTH].outline_only
    window.actions_["show_prediction"].trigger()
    # The editable annotation is filled, so the truth stays an outline over it.
    assert window.canvas.layers[TRUTH].outline_only
    window.actions_["show_truth"].trigger()
    assert not window.canvas.layers[TRUTH].isVisible()


def test_filters_and_search(qtbot, make_window, model, blob_folder) -> None:
    window = make_window()
    window.start([str(blob_folder)], str(model))
    wait_for_model(qtbot, window)
    wait_for_images(qtbot, window, 4)
    window.predict_all()
    qtbot.waitUntil(lambda: all(e.n_pred is not None for e in window.controller.catalog.entries))
    panel = window.image_list
    panel.set_filter(Filter.WITH_SHIPS)
    names = [panel.model.data(panel.model.index(r)) for r in range(panel.model.rowCount())]
    assert names == ["a.png", "b.png", "d.png"]
    panel.set_filter(Filter.WITHOUT_SHIPS)
    names = [panel.model.data(panel.model.index(r)) for r in range(panel.model.rowCount())]
    assert names == ["a.png", "c.jpg"]  # a.png is on screen, so it stays (pinned)
    panel.set_filter(Filter.ALL)
    window.actions_["search"].trigger()
    qtbot.keyClicks(panel.search, "d.p")
    # Search results never keep a non-matching image (issue #11): d.png is shown in place of a.png.
    assert panel.model.rowCount() == 1
    wait_for_current(qtbot, window, "d.png")
    qtbot.waitUntil(lambda: window.edit.image_id == "sub/d.png")
    window.actions_["accept"].trigger()
    assert window.controller.catalog[3].status is Status.ACCEPTED
    assert "ms/image" in window.status.model_label.text()


def test_canvas_fit_zoom_pan_and_cursor_readout(qtbot, make_window, model, blob_folder) -> None:
    window = make_window()
    window.start([str(blob_folder)], str(model))
    wait_for_model(qtbot, window)
    wait_for_current(qtbot, window, "a.png")
    canvas = window.canvas
    fit_scale = canvas.current_scale()
    assert canvas.fit_mode and fit_scale > 1  # 96 px image in a large view
    window.actions_["actual_size"].trigger()
    assert canvas.current_scale() == pytest.approx(1.0)
    window.actions_["fit"].trigger()
    assert canvas.current_scale() == pytest.approx(fit_scale)
    centre = canvas.viewport().rect().center()
    wheel = QWheelEvent(
        QPointF(centre),
        QPointF(canvas.viewport().mapToGlobal(centre)),
        QPoint(0, 0),
        QPoint(0, 120),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(canvas.viewport(), wheel)
    assert canvas.current_scale() == pytest.approx(fit_scale * 1.25)
    assert not canvas.fit_mode
    window.actions_["zoom_out"].trigger()
    assert canvas.current_scale() == pytest.approx(fit_scale)
    window.actions_["zoom_in"].trigger()
    window.actions_["zoom_in"].trigger()
    before = canvas.horizontalScrollBar().value()
    qtbot.mousePress(canvas.viewport(), Qt.MouseButton.MiddleButton, pos=centre)
    qtbot.mouseMove(canvas.viewport(), centre + QPoint(-40, 0))
    qtbot.mouseRelease(canvas.viewport(), Qt.MouseButton.MiddleButton, pos=centre + QPoint(-40, 0))
    assert canvas.horizontalScrollBar().value() == before + 40
    # The status bar names the pixel and the ship under the cursor: ship 1 of a.png is at rows 10..17.
    window.actions_["fit"].trigger()
    # The zoomed view's scroll bars go one event later; map the point once the fitted view has settled.
    qtbot.waitUntil(
        lambda: not canvas.horizontalScrollBar().isVisible() and not canvas.verticalScrollBar().isVisible()
    )
    point = canvas.mapFromScene(QPointF(15.5, 12.5))
    qtbot.mouseMove(canvas.viewport(), point)
    qtbot.waitUntil(lambda: "prediction ship 1" in window.status.cursor_label.text())
    assert window.status.cursor_label.text().startswith("x 15, y 12 · p 0.94")


def test_without_a_model_images_still_show(qtbot, make_window, blob_folder) -> None:
    window = make_window()
    window.start([str(blob_folder)], default_model=False)
    wait_for_images(qtbot, window, 4)
    wait_for_current(qtbot, window, "a.png", predicted=False)
    assert window.status.model_label.text() == NO_MODEL
    assert not window.actions_["predict_all"].isEnabled()
    window.go_next()
    wait_for_current(qtbot, window, "b.png", predicted=False)


def test_real_airbus_images_with_their_labels(qtbot, make_window, model, real_dir: Path) -> None:
    window = make_window()
    window.start([str(real_dir / "images"), str(real_dir / "labels.csv")], str(model))
    wait_for_model(qtbot, window)
    wait_for_images(qtbot, window, 6)
    qtbot.waitUntil(lambda: bool(window.controller.catalog.truth))
    catalog = window.controller.catalog
    truth = {e.name: e.n_truth for e in catalog.entries}
    assert truth["0a1a7f395.jpg"] == 14 and truth["00003e153.jpg"] == 0
    window.controller.show_index(catalog.index_of(str(real_dir / "images" / "0a1a7f395.jpg")))
    wait_for_current(qtbot, window, "0a1a7f395.jpg")
    assert window.controller.current.rgb.shape == (768, 768, 3)
    assert window.controller.current.counts[TRUTH] == 14
