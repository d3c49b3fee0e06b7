"""Editing whatever was opened (issue #11, point 4): two folders, a folder and a missing path, loose
images of two folders — each image's work goes to its own folder's session; where editing truly is
impossible, the tools are off and a banner says why."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from shipviewer.session import STORE_DIR, STORE_FILE, Workspace
from shipviewer.viewer.catalog import Status

from .conftest import save, scene
from .helpers import wait_for_current, wait_for_images, wait_for_message, wait_for_model

pytestmark = pytest.mark.gui


@pytest.fixture
def two(tmp_path: Path) -> tuple[Path, Path]:
    a, b = tmp_path / "A", tmp_path / "B"
    save(a / "a1.png", scene(blobs=((10, 10, 8, 20),)))
    save(a / "a2.png", scene())
    save(b / "b1.png", scene(blobs=((40, 40, 12, 12),)))
    save(b / "b2.png", scene())
    return a, b


def paint(window, y: float = 70.0) -> None:
    edit = window.edit
    edit.brush_size = 5
    edit.begin_stroke((70.0, y))
    edit.stroke_to((80.0, y))
    edit.end_stroke()


def test_two_folders_each_keep_their_own_work(qtbot, make_window, model, two) -> None:
    a, b = two
    window = make_window()
    window.start([str(a), str(b)], str(model))
    wait_for_model(qtbot, window)
    wait_for_images(qtbot, window, 4)
    wait_for_current(qtbot, window, "a1.png")
    qtbot.waitUntil(lambda: window.edit.doc is not None and not window.edit.sessions.busy)
    assert window.banner.text == "" and window.actions_["tool_brush"].isEnabled()
    assert "0 of 4 reviewed" in window.status.review_label.text()
    window.activateWindow()
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, Qt.Key.Key_A)  # accept a1, next: a2
    qtbot.waitUntil(lambda: window.edit.image_id == "a2.png")
    qtbot.keyClick(window.canvas, Qt.Key.Key_N)  # a2 has no ships; next: b1, in the other folder
    qtbot.waitUntil(lambda: window.edit.image_id == "b1.png")
    assert window.edit.workspace.folder == b
    paint(window)
    qtbot.keyClick(window.canvas, Qt.Key.Key_X)  # b1 rejected; b2 comes next
    qtbot.waitUntil(lambda: window.edit.image_id == "b2.png")
    assert "3 of 4 reviewed" in window.status.review_label.text()
    statuses = [e.status for e in window.controller.catalog.entries]
    assert statuses[:3] == [Status.ACCEPTED, Status.CONFIRMED_EMPTY, Status.REJECTED]
    window.close()
    assert (a / STORE_DIR / STORE_FILE).is_file() and (b / STORE_DIR / STORE_FILE).is_file()
    with Workspace.open(a) as ws:
        assert ws.status("a1.png").value == "accepted" and ws.status("a2.png").value == "confirmed_empty"
        assert "b1.png" not in ws.store
    with Workspace.open(b) as ws:
        assert ws.status("b1.png").value == "rejected" and ws.record("b1.png").annotated == "edited"


def test_a_missing_path_is_reported_and_the_rest_edits(qtbot, make_window, model, two, tmp_path) -> None:
    a, _ = two
    window = make_window()
    window.start([str(a), str(tmp_path / "no-such-folder")], str(model))
    box = wait_for_message(qtbot, window)
    assert "could not be read" in box.text() and "no-such-folder" in box.detailedText()
    box.close()
    wait_for_current(qtbot, window, "a1.png")
    qtbot.waitUntil(lambda: window.edit.doc is not None)
    paint(window)
    assert window.edit.workspace.record("a1.png").annotated == "edited"
    assert window.banner.text == ""


def test_loose_images_of_two_folders_and_an_unusable_session(qtbot, make_window, model, two) -> None:
    a, b = two
    (b / STORE_DIR).mkdir()
    (b / STORE_DIR / STORE_FILE).write_bytes(b"this is not an SQLite file" * 100)
    window = make_window()
    window.start([str(a / "a1.png"), str(b / "b1.png")], str(model))
    wait_for_model(qtbot, window)
    wait_for_images(qtbot, window, 2)
    wait_for_current(qtbot, window, "a1.png")
    qtbot.waitUntil(lambda: window.edit.doc is not None and not window.edit.sessions.busy)
    paint(window)
    assert window.edit.workspace.folder == a and window.edit.workspace.record("a1.png").annotated == "edited"
    assert "0 of 1 reviewed" in window.status.review_label.text()  # only the image opened from A
    window.go_next()
    wait_for_current(qtbot, window, "b1.png")
    qtbot.waitUntil(lambda: window.banner.text != "")
    assert window.banner.kind == "warning"
    assert f"Editing is off for the images of {b}" in window.banner.text
    assert "not a usable session file" in window.banner.text
    assert not window.actions_["tool_brush"].isEnabled() and not window.actions_["accept"].isEnabled()
    window.go_previous()
    wait_for_current(qtbot, window, "a1.png")
    qtbot.waitUntil(lambda: window.banner.text == "" and window.actions_["tool_brush"].isEnabled())


def test_a_read_only_folder_edits_into_the_user_data_folder(qtbot, make_window, model, blob_folder) -> None:
    for path in [blob_folder, *blob_folder.rglob("*")]:
        path.chmod(0o555 if path.is_dir() else 0o444)
    try:
        window = make_window()
        window.start([str(blob_folder)], str(model))
        wait_for_model(qtbot, window)
        wait_for_current(qtbot, window, "a.png")
        qtbot.waitUntil(lambda: window.edit.doc is not None)
        paint(window)
        store = window.edit.workspace.store.path
        assert blob_folder not in store.parents and store.is_file()
        assert not (blob_folder / STORE_DIR).exists()
    finally:
        for path in [blob_folder, *blob_folder.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
