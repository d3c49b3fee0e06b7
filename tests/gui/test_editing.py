"""Editing and review in the real window: open a folder, predict, paint, erase, split, undo, accept,
export, reopen — with real widgets, a real SQLite session store and a real ONNX model."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt

from shipviewer.airbus.annotations import read_csv, validate_csv
from shipviewer.airbus.rle import decode
from shipviewer.viewer.catalog import Status
from shipviewer.viewer.current_image import ANNOTATION

from .helpers import wait_for_current, wait_for_images, wait_for_message, wait_for_model

pytestmark = pytest.mark.gui

SIZE = 96


def sea(path: Path, boxes: list[tuple[int, int, int, int]]) -> None:
    """A dark sea with bright rectangles (x0, y0, x1, y1, inclusive) drawn with cv2."""
    path.parent.mkdir(parents=True, exist_ok=True)
    image = np.full((SIZE, SIZE, 3), 20, np.uint8)
    for x0, y0, x1, y1 in boxes:
        cv2.rectangle(image, (x0, y0), (x1, y1), (240, 240, 240), thickness=-1)
    assert cv2.imwrite(str(path), image)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """a.png: 2 ships, b.png: 1 ship, c.png: none."""
    root = tmp_path / "review"
    sea(root / "a.png", [(10, 10, 29, 17), (50, 60, 59, 69)])
    sea(root / "b.png", [(40, 40, 51, 51)])
    sea(root / "c.png", [])
    return root


def at(window, x: float, y: float) -> QPoint:
    """The viewport position of image point (x, y) (pixel centres at integers)."""
    return window.canvas.mapFromScene(QPointF(x + 0.5, y + 0.5))


def drag(qtbot, window, points: list[tuple[float, float]], modifier=Qt.KeyboardModifier.NoModifier) -> None:
    viewport = window.canvas.viewport()
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, modifier, at(window, *points[0]))
    for point in points[1:]:
        qtbot.mouseMove(viewport, at(window, *point))
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, modifier, at(window, *points[-1]))


def key(qtbot, window, k: Qt.Key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.keyClick(window.canvas, k, modifier)


def open_folder(qtbot, make_window, model: Path, folder: Path):
    window = make_window()
    window.start([str(folder)], str(model))
    wait_for_model(qtbot, window, "mean-test")
    wait_for_images(qtbot, window, 3)
    wait_for_current(qtbot, window, "a.png")
    qtbot.waitUntil(lambda: window.edit.doc is not None and window.edit.doc.n_ships == 2)
    window.activateWindow()
    window.canvas.setFocus()
    return window


def decoded(rows: list[str], shape: tuple[int, int]) -> list[np.ndarray]:
    return [decode(rle, shape) for rle in rows]


def test_predict_paint_erase_split_undo_accept_export_and_reopen(
    qtbot, make_window, model, folder, tmp_path
) -> None:
    window = open_folder(qtbot, make_window, model, folder)
    edit = window.edit
    doc = edit.doc
    # The annotation layer on the canvas is the document's own label image; the model's stays apart.
    assert window.canvas.layers[ANNOTATION].labels is doc.labels
    assert window.controller.current.labels[ANNOTATION] is doc.labels
    assert edit.workspace.prediction("a.png") is not None
    assert len(edit.workspace.prediction("a.png").rles) == 2
    assert "0 of 3 reviewed" in window.status.review_label.text()

    # Brush (B) in open sea: a new ship, selected afterwards.
    key(qtbot, window, Qt.Key.Key_B)
    assert window.tools.tool.value == "brush"
    edit.brush_size = 5
    drag(qtbot, window, [(75.0, 20.0), (80.0, 20.0), (85.0, 22.0)])
    assert doc.n_ships == 3
    new_label = max(doc.ship_labels())
    assert edit.selected == [new_label]
    assert doc.labels[20, 80] == new_label
    assert "selected" in window.status.review_label.text()

    # Eraser (E): the right end of the first ship goes.
    key(qtbot, window, Qt.Key.Key_E)
    edit.brush_size = 3
    drag(qtbot, window, [(28.0, 8.0), (28.0, 14.0), (28.0, 19.0)])
    assert doc.labels[12, 28] == 0 and doc.labels[12, 20] == 1

    # Split (C) the second ship along a vertical line: two ships.
    key(qtbot, window, Qt.Key.Key_C)
    drag(qtbot, window, [(54.0, 55.0), (54.0, 62.0), (54.0, 68.0), (54.0, 74.0)])
    assert doc.n_ships == 4
    assert doc.labels[65, 51] != doc.labels[65, 57] and doc.labels[65, 51] and doc.labels[65, 57]
    after_split = doc.labels.copy()

    # Undo (Ctrl+Z) and redo (Ctrl+Shift+Z, Ctrl+Y) by shortcut; the canvas shows the same array.
    key(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert doc.n_ships == 3
    key(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    np.testing.assert_array_equal(doc.labels, after_split)
    key(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    key(qtbot, window, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    np.testing.assert_array_equal(doc.labels, after_split)
    assert window.canvas.layers[ANNOTATION].labels is doc.labels
    assert window.controller.catalog[0].status is Status.EDITED

    # Accept (A): signed off, and the next unreviewed image is shown.
    key(qtbot, window, Qt.Key.Key_A)
    assert edit.workspace.status("a.png").value == "accepted"
    wait_for_current(qtbot, window, "b.png")
    assert window.controller.catalog[0].status is Status.ACCEPTED
    # Confirm empty (N) on b.png, which had a ship: removed, and c.png comes next.
    qtbot.waitUntil(lambda: edit.image_id == "b.png")
    key(qtbot, window, Qt.Key.Key_N)
    wait_for_current(qtbot, window, "c.png")
    assert edit.workspace.status("b.png").value == "confirmed_empty"
    assert "2 of 3 reviewed" in window.status.review_label.text()

    # Export: the CSV decodes to exactly the edited masks, in label order; it validates.
    out = tmp_path / "out.csv"
    assert edit.export_csv(str(out))
    ships = read_csv(out).ships
    expected = [after_split == k for k in sorted(np.unique(after_split)) if k]
    got = decoded(ships["a.png"], (SIZE, SIZE))
    assert len(got) == len(expected) == 4
    for mask, want in zip(got, expected, strict=True):
        np.testing.assert_array_equal(mask, want)
    assert ships["b.png"] == []
    assert validate_csv(out, shape=(SIZE, SIZE), images=folder).ok
    reviewed = tmp_path / "reviewed.csv"
    assert edit.export_csv(str(reviewed), reviewed_only=True)
    assert set(read_csv(reviewed).ships) == {"a.png", "b.png"}

    # Close and reopen: every edit and status is back.
    window.close()
    window = make_window()
    window.start([str(folder)], str(model))
    wait_for_images(qtbot, window, 3)
    wait_for_current(qtbot, window, "c.png")  # back where the user left off (issue #11)
    window.controller.show_index(0)
    wait_for_current(qtbot, window, "a.png")
    qtbot.waitUntil(lambda: window.edit.doc is not None)
    np.testing.assert_array_equal(window.edit.doc.labels, after_split)
    statuses = [e.status for e in window.controller.catalog.entries]
    assert statuses[:2] == [Status.ACCEPTED, Status.CONFIRMED_EMPTY]


def test_select_merge_delete_and_tools_report_errors(qtbot, make_window, model, folder) -> None:
    window = open_folder(qtbot, make_window, model, folder)
    edit, doc = window.edit, window.edit.doc
    # Click selects; Ctrl+click adds; M merges.
    key(qtbot, window, Qt.Key.Key_S)
    drag(qtbot, window, [(15.0, 12.0)])
    assert edit.selected == [1]
    drag(qtbot, window, [(55.0, 65.0)], Qt.KeyboardModifier.ControlModifier)
    assert edit.selected == [1, 2]
    key(qtbot, window, Qt.Key.Key_M)
    assert doc.n_ships == 1 and edit.selected == [1]
    # Merge with one ship selected: a message, no traceback.
    key(qtbot, window, Qt.Key.Key_M)
    assert "Merge" in window.status.currentMessage()
    # Split where there is no ship: a message.
    key(qtbot, window, Qt.Key.Key_C)
    drag(qtbot, window, [(80.0, 80.0), (90.0, 90.0)])
    assert "crosses no ship" in window.status.currentMessage()
    # Delete tool (D): click the ship away; Fill holes and friends on nothing are harmless.
    key(qtbot, window, Qt.Key.Key_D)
    drag(qtbot, window, [(15.0, 12.0)])
    assert doc.n_ships == 0
    window.actions_["fill_holes"].trigger()
    # Accept the model's prediction (Shift+A): the model's ships are the annotation again.
    key(qtbot, window, Qt.Key.Key_A, Qt.KeyboardModifier.ShiftModifier)
    assert doc.n_ships == 2
    # Polygon add (L) in open sea: a new ship; brush size keys.
    key(qtbot, window, Qt.Key.Key_L)
    drag(qtbot, window, [(70.0, 70.0), (85.0, 70.0), (85.0, 85.0), (70.0, 85.0)])
    assert doc.n_ships == 3 and doc.labels[78, 78] == edit.selected[0]
    size = edit.brush_size
    key(qtbot, window, Qt.Key.Key_BracketRight)
    assert edit.brush_size > size
    assert window.edit_widgets.brush.value() == edit.brush_size


def test_truth_import_scores_queue_order_reject_and_bad_rows(
    qtbot, make_window, model, folder, tmp_path
) -> None:
    window = open_folder(qtbot, make_window, model, folder)
    edit = window.edit
    # Truth for a.png: only its first ship (so the annotation, seeded from the model, scores below 1);
    # b.png's truth has no ship, c.png's one; a malformed row is reported with its line number.
    first = edit.workspace.prediction("a.png").rles[0]
    truth = tmp_path / "truth.csv"
    truth.write_text(f"ImageId,EncodedPixels\na.png,{first}\nb.png,\nc.png,1 5\nc.png,not an rle\n")
    edit.import_csv(str(truth), "truth")
    box = wait_for_message(qtbot, window)
    assert "truth.csv:5: c.png" in box.detailedText()
    box.close()
    text = window.status.review_label.text()
    assert "F2 " in text and "IoU " in text and "F2 1.00" not in text
    assert window.controller.catalog[0].n_truth == 1
    # Order by disagreement with the truth: the worst image comes first after a.png is rejected.
    window.review_bar.order.setCurrentIndex(window.review_bar.order.findData("disagreement"))
    assert edit.order == "disagreement"
    key(qtbot, window, Qt.Key.Key_X)
    assert edit.workspace.status("a.png").value == "rejected"
    qtbot.waitUntil(lambda: edit.image_id is not None and edit.image_id != "a.png")
    assert window.controller.catalog[0].status is Status.REJECTED
    # Rejected images never go out; an import of annotations replaces unedited ones.
    annotations = tmp_path / "annotations.csv"
    annotations.write_text("ImageId,EncodedPixels\nc.png,1 5\n")
    edit.import_csv(str(annotations), "annotations")
    out = tmp_path / "out.csv"
    assert edit.export_csv(str(out))
    ships = read_csv(out).ships
    assert "a.png" not in ships and ships["c.png"] == ["1 5"]
    # Export into a folder that does not exist: a dialog, no traceback.
    assert not edit.export_csv(str(tmp_path / "missing" / "x.csv"))
