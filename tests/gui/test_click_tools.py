"""Click-to-segment, taking one predicted ship, watershed split, polygon corners, snapping and the brush
cursor, driven through the real canvas (real window, real SQLite session, a real tiny ONNX model)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt

from shipviewer.airbus.annotations import read_csv, validate_csv
from shipviewer.airbus.rle import decode

from .helpers import wait_for_current, wait_for_images, wait_for_model

pytestmark = pytest.mark.gui

SIZE = 128
NONE = Qt.KeyboardModifier.NoModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
# (x0, y0, x1, y1) inclusive, and the grey level: A and B alone, C and D touching (one predicted blob).
HULLS = {
    "A": ((10, 10, 49, 21), 240),
    "B": ((70, 60, 110, 75), 225),
    "C": ((10, 88, 50, 98), 240),
    "D": ((10, 99, 50, 112), 165),
}


def hull_mask(name: str) -> np.ndarray:
    (x0, y0, x1, y1), _ = HULLS[name]
    mask = np.zeros((SIZE, SIZE), bool)
    mask[y0 : y1 + 1, x0 : x1 + 1] = True
    return mask


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "harbour"
    root.mkdir()
    image = np.full((SIZE, SIZE, 3), 20, np.uint8)
    for (x0, y0, x1, y1), level in HULLS.values():
        cv2.rectangle(image, (x0, y0), (x1, y1), (level, level, level), thickness=-1)
    assert cv2.imwrite(str(root / "sea.png"), image)
    return root


def at(window, x: float, y: float) -> QPoint:
    """The viewport position of image point (x, y) (pixel centres at integers)."""
    return window.canvas.mapFromScene(QPointF(x + 0.5, y + 0.5))


def click(qtbot, window, x: float, y: float, modifier=NONE, button=Qt.MouseButton.LeftButton) -> None:
    qtbot.mouseClick(window.canvas.viewport(), button, modifier, at(window, x, y))


def drag(qtbot, window, points: list[tuple[float, float]]) -> None:
    viewport = window.canvas.viewport()
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, NONE, at(window, *points[0]))
    for point in points[1:]:
        qtbot.mouseMove(viewport, at(window, *point))
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, NONE, at(window, *points[-1]))


def key(qtbot, window, k: Qt.Key, modifier=NONE) -> None:
    qtbot.keyClick(window.canvas, k, modifier)


def iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / max((a | b).sum(), 1))


def kinds(window) -> list[str]:
    return [kind for _, _, kind in window.canvas.markers]


def open_folder(qtbot, make_window, model: Path, folder: Path):
    window = make_window()
    window.start([str(folder)], str(model))
    wait_for_model(qtbot, window, "mean-test")
    wait_for_images(qtbot, window, 1)
    wait_for_current(qtbot, window, "sea.png")
    qtbot.waitUntil(lambda: window.edit.doc is not None and window.edit.doc.n_ships == 3)
    window.activateWindow()
    window.canvas.setFocus()
    return window


def test_click_to_segment_through_the_canvas_undo_and_export(qtbot, make_window, model, folder, tmp_path):
    window = open_folder(qtbot, make_window, model, folder)
    doc, edit = window.edit.doc, window.edit
    key(qtbot, window, Qt.Key.Key_Delete, SHIFT)  # clear the model's seeded ships
    assert doc.n_ships == 0

    # W: one click on hull A makes it a ship; the click shows as a positive marker.
    key(qtbot, window, Qt.Key.Key_W)
    assert window.tools.tool.value == "click"
    assert window.actions_["tool_click"].isChecked()
    click(qtbot, window, 30, 15)
    assert doc.n_ships == 1
    label = doc.ship_labels()[0]
    assert iou(doc.labels == label, hull_mask("A")) >= 0.85
    assert kinds(window) == ["positive"]
    assert edit.selected == [label]
    one_click = doc.labels.copy()

    # Shift+click on its right end: "not this" takes the region around it off the ship.
    click(qtbot, window, 46, 15, SHIFT)
    assert kinds(window) == ["positive", "negative"]
    assert (doc.labels == label).sum() < (one_click == label).sum()
    assert doc.labels[15, 46] == 0

    # Ctrl+Z takes the negative click back (its marker too); the right button gives it again.
    key(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    np.testing.assert_array_equal(doc.labels, one_click)
    assert kinds(window) == ["positive"]
    click(qtbot, window, 46, 15, button=Qt.MouseButton.RightButton)
    assert kinds(window) == ["positive", "negative"] and doc.labels[15, 46] == 0
    key(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)

    # Enter finishes the ship (the markers go). A click just outside it corrects it, as a click on it
    # would, rather than starting a ship of its own alongside.
    key(qtbot, window, Qt.Key.Key_Return)
    assert window.canvas.markers == []
    right = int(np.flatnonzero((doc.labels == label).any(axis=0)).max())
    click(qtbot, window, right + 2, 15)
    assert doc.n_ships == 1 and doc.ship_labels() == [label]
    assert window.tools.clicks.session is not None and window.tools.clicks.session.label == label
    key(qtbot, window, Qt.Key.Key_Return)
    # The next click, on another hull, makes another ship.
    click(qtbot, window, 90, 67)
    assert doc.n_ships == 2
    second = max(doc.ship_labels())
    assert second != label and iou(doc.labels == second, hull_mask("B")) >= 0.85
    # A click on open sea, far away, with a ship in the making: nothing found there, a message.
    click(qtbot, window, 100, 20)
    assert "no ship found" in window.status.currentMessage()
    assert doc.n_ships == 2

    # A drag gives a box: hull C (and the part of D inside the box) — never the pixels of another ship.
    key(qtbot, window, Qt.Key.Key_Escape)
    drag(qtbot, window, [(6, 85), (30, 92), (54, 98.4)])
    third = max(doc.ship_labels())
    assert third not in (label, second), window.status.currentMessage()
    assert iou(doc.labels == third, hull_mask("C")) >= 0.8
    assert not (doc.labels[:, :] == third)[hull_mask("A") | hull_mask("B")].any()
    key(qtbot, window, Qt.Key.Key_Return)

    # Every click was one saved step: export writes what the document holds.
    out = tmp_path / "clicks.csv"
    assert edit.export_csv(str(out))
    rows = read_csv(out).ships["sea.png"]
    assert len(rows) == 3
    for rle, k in zip(rows, doc.ship_labels(), strict=True):
        np.testing.assert_array_equal(decode(rle, (SIZE, SIZE)), doc.labels == k)
    assert validate_csv(out, shape=(SIZE, SIZE), images=folder).ok


def test_take_a_predicted_ship_and_split_touching_ships(qtbot, make_window, model, folder) -> None:
    window = open_folder(qtbot, make_window, model, folder)
    doc, edit = window.edit.doc, window.edit
    predicted = window.controller.current.labels["prediction"]
    key(qtbot, window, Qt.Key.Key_Delete, SHIFT)

    # T, then a click just outside hull B's outline: that predicted ship alone joins the annotation.
    key(qtbot, window, Qt.Key.Key_T)
    click(qtbot, window, 111, 67)
    assert doc.n_ships == 1
    taken = doc.ship_labels()[0]
    np.testing.assert_array_equal(doc.labels == taken, predicted == predicted[67, 90])
    click(qtbot, window, 100, 20)  # open sea: nothing, a message
    assert doc.n_ships == 1 and "Take ship" in window.status.currentMessage()

    # The merged C+D blob: take it, then J, one click in each hull, Enter: two ships, no pixel lost.
    click(qtbot, window, 30, 95)
    blob = doc.labels == doc.labels[95, 30]
    assert blob.sum() == (hull_mask("C") | hull_mask("D")).sum()
    key(qtbot, window, Qt.Key.Key_J)
    click(qtbot, window, 30, 92)
    click(qtbot, window, 30, 106)
    assert kinds(window) == ["seed", "seed"]
    key(qtbot, window, Qt.Key.Key_Return)
    assert window.canvas.markers == []
    assert doc.n_ships == 3
    assert (doc.labels[blob] != 0).all() and not (doc.labels[~blob & ~(doc.labels == taken)]).any()
    assert iou(doc.labels == doc.labels[92, 30], hull_mask("C")) >= 0.9
    assert iou(doc.labels == doc.labels[106, 30], hull_mask("D")) >= 0.9

    # Undo, select the blob, Shift+J: the seeds are found automatically (here the edge between the two).
    key(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert doc.n_ships == 2
    edit.select([int(doc.labels[95, 30])])
    key(qtbot, window, Qt.Key.Key_J, SHIFT)
    assert doc.n_ships == 3
    assert (doc.labels[blob] != 0).all()
    assert doc.labels[92, 30] != doc.labels[106, 30]


def test_polygon_by_corners_snapping_degenerate_and_the_brush_cursor(
    qtbot, make_window, model, folder
) -> None:
    window = open_folder(qtbot, make_window, model, folder)
    doc = window.edit.doc
    key(qtbot, window, Qt.Key.Key_Delete, SHIFT)

    # L, then a click per corner; a click on the first corner closes the polygon.
    key(qtbot, window, Qt.Key.Key_L)
    for x, y in ((60, 20), (100, 20), (100, 40)):
        click(qtbot, window, x, y)
    assert doc.n_ships == 0  # still being drawn: the sketch shows it
    qtbot.mouseMove(window.canvas.viewport(), at(window, 60, 40))
    assert not window.canvas.sketch_path.isEmpty()
    click(qtbot, window, 60, 40)
    click(qtbot, window, 60.5, 20)
    assert doc.n_ships == 1
    corners = doc.labels == doc.ship_labels()[0]
    assert corners[30, 80] and corners.sum() == 41 * 21

    # A straight drag is no polygon: refused with a message, nothing added.
    drag(qtbot, window, [(20, 50), (40, 50), (60, 50.4)])
    assert doc.n_ships == 1
    assert "encloses no area" in window.status.currentMessage()

    # I: snapping on. Corners clicked a few pixels off hull B's corners, closed by a double click: the
    # sides follow the hull's edges (a new ship: nothing selected, else polygon add grows the selected one).
    window.edit.select([])
    key(qtbot, window, Qt.Key.Key_I)
    assert window.tools.snap and window.actions_["snap_outlines"].isChecked()
    for x, y in ((68, 58), (112, 61), (109, 77)):
        click(qtbot, window, x, y)
    qtbot.mouseDClick(window.canvas.viewport(), Qt.MouseButton.LeftButton, NONE, at(window, 71, 74))
    assert doc.n_ships == 2, window.status.currentMessage()
    snapped = doc.labels == max(doc.ship_labels())
    assert iou(snapped, hull_mask("B")) >= 0.85

    # B: the brush's footprint follows the cursor, at the brush's size and the view's zoom.
    key(qtbot, window, Qt.Key.Key_B)
    window.edit.brush_size = 9
    qtbot.mouseMove(window.canvas.viewport(), at(window, 30, 60))
    shown = window.canvas.brush_cursor
    assert shown is not None
    size, rect = shown
    assert size == 9
    assert rect.width() == pytest.approx(9, abs=0.01) and rect.center().x() == pytest.approx(30.5, abs=0.01)
    on_screen = window.canvas.mapFromScene(rect).boundingRect().width()
    assert on_screen == pytest.approx(9 * window.canvas.current_scale(), rel=0.15)
    key(qtbot, window, Qt.Key.Key_BracketRight)  # a bigger brush, a bigger footprint at the next move
    qtbot.mouseMove(window.canvas.viewport(), at(window, 31, 60))
    assert window.canvas.brush_cursor[0] == window.edit.brush_size > 9
    window.canvas.zoom_by(2.0)
    qtbot.mouseMove(window.canvas.viewport(), window.canvas.viewport().rect().center())
    _, rect = window.canvas.brush_cursor
    assert window.canvas.mapFromScene(rect).boundingRect().width() == pytest.approx(
        rect.width() * window.canvas.current_scale(), rel=0.15
    )
    key(qtbot, window, Qt.Key.Key_S)  # another tool: no footprint
    assert window.canvas.brush_cursor is None


def test_escape_finishes_the_clicked_ship_even_while_predict_all_runs(qtbot, make_window, model, folder):
    """Esc is also the window's shortcut for Cancel Predict All (enabled while a run goes on): with a
    ship being clicked, Esc belongs to the tool, and a run is cancelled only when nothing is."""
    window = open_folder(qtbot, make_window, model, folder)
    key(qtbot, window, Qt.Key.Key_Delete, SHIFT)
    cancel = window.actions_["cancel"]
    fired: list[bool] = []
    cancel.triggered.connect(lambda *_: fired.append(True))
    key(qtbot, window, Qt.Key.Key_W)
    click(qtbot, window, 30, 15)
    assert kinds(window) == ["positive"]
    window.canvas.setFocus()
    cancel.setEnabled(True)  # as while Predict All runs (a one-image folder finishes too soon to catch)
    qtbot.keyClick(window.canvas.viewport(), Qt.Key.Key_Escape)
    assert window.canvas.markers == [] and not fired
    assert window.edit.doc.n_ships == 1  # Escape finished the ship, it did not drop it
    cancel.setEnabled(True)
    qtbot.keyClick(window.canvas.viewport(), Qt.Key.Key_Escape)
    assert fired  # nothing in progress: the shortcut has it
