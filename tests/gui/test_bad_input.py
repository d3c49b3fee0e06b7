"""Corrupt, empty, non-image, odd-format and vanished files: marked and skipped, never a traceback."""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np
import pytest
from PySide6.QtCore import Qt

from shipviewer.viewer.current_image import PREDICTION

from .conftest import save, scene
from .helpers import wait_for_current, wait_for_images, wait_for_message, wait_for_model

pytestmark = pytest.mark.gui


@pytest.fixture
def messy_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "messy"
    save(folder / "a_good.png", scene(blobs=((10, 10, 10, 10),)))
    (folder / "b_empty.jpg").write_bytes(b"")
    (folder / "c_text.jpg").write_text("I am a text file with a .jpg name")
    good = cv2.imencode(".jpg", np.full((64, 64, 3), 128, np.uint8))[1].tobytes()
    (folder / "d_corrupt.jpg").write_bytes(good[:20] + b"\x00garbage" * 40)
    save(folder / "e_good.png", scene(blobs=((50, 50, 10, 10),)))
    (folder / "notes.txt").write_text("ignored: not an image name")
    return folder


def test_bad_files_are_marked_with_the_reason_and_skipped(qtbot, make_window, model, messy_folder) -> None:
    window = make_window()
    window.start([str(messy_folder)], str(model))
    wait_for_model(qtbot, window)
    wait_for_images(qtbot, window, 5)
    catalog = window.controller.catalog
    qtbot.waitUntil(lambda: all(catalog[i].problem for i in (1, 2)))
    assert catalog[1].problem == "empty file (0 bytes)"
    assert catalog[2].problem.startswith("not an image")
    wait_for_current(qtbot, window, "a_good.png")
    # Next skips the files known to be bad; the corrupt one is found when decoded.
    window.go_next()
    qtbot.waitUntil(lambda: catalog[3].problem is not None or window.controller.current.index == 4)
    if catalog[3].problem is not None:
        window.go_next()
    wait_for_current(qtbot, window, "e_good.png")
    assert catalog[3].problem is not None and "corrupt" in catalog[3].problem
    model_ = window.image_list.model
    tooltip = model_.data(model_.index(1), Qt.ItemDataRole.ToolTipRole)
    assert "empty file (0 bytes)" in tooltip
    decoration = model_.data(model_.index(2), Qt.ItemDataRole.DecorationRole)
    assert decoration is not None and not decoration.isNull()
    # Predict all leaves the bad files out.
    window.predict_all()
    qtbot.waitUntil(lambda: not window.controller.predictor.running)
    assert [e.n_pred is not None for e in catalog.entries] == [True, False, False, False, True]
    # Clicking a bad file shows why it is skipped.
    window.controller.show_index(1)
    assert window.canvas.message == "b_empty.jpg: empty file (0 bytes)"


@pytest.mark.parametrize(
    ("name", "image"),
    [
        ("gray.png", scene()[:, :, 0]),
        ("rgba.png", np.dstack([scene(blobs=((20, 20, 10, 10),)), np.full((96, 96), 200, np.uint8)])),
        ("deep.png", (scene(blobs=((20, 20, 10, 10),)).astype(np.uint16) * 257)),
        ("deep.tif", (scene(blobs=((20, 20, 10, 10),)).astype(np.uint16) * 257)),
        ("wide.jpg", scene(300, 500, blobs=((100, 200, 20, 40),))),
    ],
)
def test_odd_images_display_and_predict(qtbot, make_window, model, tmp_path, name, image) -> None:
    path = tmp_path / "odd" / name
    path.parent.mkdir()
    ok, data = cv2.imencode(
        path.suffix, image if image.ndim == 2 else image[..., [2, 1, 0, 3][: image.shape[2]]]
    )
    assert ok
    data.tofile(path)
    window = make_window()
    window.start([str(path.parent)], str(model))
    wait_for_model(qtbot, window)
    wait_for_current(qtbot, window, name)
    current = window.controller.current
    assert current.rgb.shape == (*image.shape[:2], 3) and current.rgb.dtype == np.uint8
    assert current.labels[PREDICTION].shape == image.shape[:2]
    assert current.counts[PREDICTION] == (0 if name == "gray.png" else 1)
    assert window.controller.catalog[0].problem is None


def test_a_file_deleted_while_open_is_marked(qtbot, make_window, model, blob_folder) -> None:
    window = make_window()
    window.start([str(blob_folder)], str(model))
    wait_for_model(qtbot, window)
    wait_for_images(qtbot, window, 4)
    wait_for_current(qtbot, window, "a.png")
    (blob_folder / "c.jpg").unlink()
    window.controller.show_index(2)
    catalog = window.controller.catalog
    qtbot.waitUntil(lambda: catalog[2].problem is not None)
    assert "no such file" in catalog[2].problem
    assert window.canvas.message.startswith("c.jpg: ")
    window.go_next()
    wait_for_current(qtbot, window, "d.png")


def test_a_missing_folder_gets_a_message(qtbot, make_window, tmp_path) -> None:
    window = make_window()
    window.open_paths([str(tmp_path / "no-such-folder")])
    box = wait_for_message(qtbot, window)
    assert "could not be read" in box.text()
    assert "no such file or folder" in box.detailedText()
    assert window.canvas.message.startswith("No images found")
    box.close()


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any folder")
def test_an_unreadable_subfolder_gets_a_message_and_the_rest_opens(qtbot, make_window, blob_folder) -> None:
    locked = blob_folder / "sub"
    locked.chmod(0)
    try:
        window = make_window()
        window.open_paths([str(blob_folder)])
        box = wait_for_message(qtbot, window)
        assert "permission denied" in box.detailedText()
        assert len(window.controller.catalog) == 3
        box.close()
    finally:
        locked.chmod(0o755)


def test_a_read_only_folder_opens_and_predicts(qtbot, make_window, model, blob_folder) -> None:
    for path in [blob_folder, *blob_folder.rglob("*")]:
        path.chmod(0o555 if path.is_dir() else 0o444)
    try:
        window = make_window()
        window.start([str(blob_folder)], str(model))
        wait_for_model(qtbot, window)
        wait_for_current(qtbot, window, "a.png")
        assert window.controller.current.counts[PREDICTION] == 2
    finally:
        for path in [blob_folder, *blob_folder.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("Image,Pixels\na.png,1 2\n", "lacks the column(s) ImageId, EncodedPixels"),
        ("", "the file is empty"),
    ],
)
def test_a_csv_with_a_wrong_header_gets_a_message(qtbot, make_window, blob_folder, content, expected) -> None:
    window = make_window()
    window.open_paths([str(blob_folder)])
    wait_for_images(qtbot, window, 4)
    csv = blob_folder / "bad.csv"
    csv.write_text(content)
    window.controller.load_annotations(csv)
    box = wait_for_message(qtbot, window)
    assert box.windowTitle() == "Cannot read annotations" and expected in box.text()
    box.close()


def test_bad_rows_are_reported_and_good_ones_loaded(qtbot, make_window, blob_folder) -> None:
    window = make_window()
    window.open_paths([str(blob_folder)])
    wait_for_images(qtbot, window, 4)
    csv = blob_folder / "rows.csv"
    csv.write_text("ImageId,EncodedPixels\na.png,1 5\nb.png\n")
    window.controller.load_annotations(csv)
    box = wait_for_message(qtbot, window)
    assert box.windowTitle() == "Some annotation rows were skipped"
    assert "rows.csv:3" in box.detailedText()
    assert window.controller.catalog[0].n_truth == 1
    box.close()
