"""Drag and drop of folders, images, CSVs and models; model switching and the bad-model dialog."""

from __future__ import annotations

import sys

import pytest
from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent
from PySide6.QtWidgets import QApplication, QLabel

from shipviewer._qt.dialogs import model_rows
from shipviewer.viewer.current_image import PREDICTION, TRUTH

from .conftest import write_model
from .helpers import drop, wait_for_current, wait_for_images, wait_for_message, wait_for_model

pytestmark = pytest.mark.gui


def test_dropping_a_folder_opens_it(qtbot, make_window, model, blob_folder) -> None:
    window = make_window()
    window.controller.load_model(model)
    wait_for_model(qtbot, window)
    assert drop(window, [blob_folder])
    wait_for_images(qtbot, window, 4)
    wait_for_current(qtbot, window, "a.png")
    assert window.settings.recent_folders()[0] == str(blob_folder)
    recent = [a.text() for a in window.actions_.recent_menu.actions()]
    assert str(blob_folder) in recent


def test_dropping_single_images_and_a_csv(qtbot, make_window, model, blob_folder) -> None:
    window = make_window()
    window.controller.load_model(model)
    wait_for_model(qtbot, window)
    assert drop(window, [blob_folder / "b.png", blob_folder / "sub" / "d.png"])
    wait_for_images(qtbot, window, 2)
    wait_for_current(qtbot, window, "b.png")
    csv = blob_folder / "truth.csv"
    csv.write_text("ImageId,EncodedPixels\nb.png,3000 10\nd.png,\n")
    assert drop(window, [csv])
    qtbot.waitUntil(lambda: window.controller.current.counts[TRUTH] == 1)
    assert len(window.controller.catalog) == 2  # annotations do not replace the images
    assert [e.n_truth for e in window.controller.catalog.entries] == [1, 0]


def test_a_csv_alone_opens_its_folder(qtbot, make_window, model, blob_folder) -> None:
    csv = blob_folder / "labels.csv"
    csv.write_text("ImageId,EncodedPixels\nc.jpg,1 4\n")
    window = make_window()
    window.controller.load_model(model)
    wait_for_model(qtbot, window)
    assert drop(window, [csv])
    wait_for_images(qtbot, window, 4)
    qtbot.waitUntil(lambda: window.controller.catalog[2].n_truth == 1)


def test_drops_without_local_files_are_refused(qtbot, make_window) -> None:
    window = make_window()
    mime = QMimeData()
    mime.setUrls([QUrl("https://example.com/a.jpg")])
    enter = QDragEnterEvent(
        QPoint(5, 5),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(window, enter)
    assert not enter.isAccepted()


def test_dropping_a_model_switches_and_repredicts(qtbot, make_window, model, blob_folder, tmp_path) -> None:
    window = make_window()
    window.start([str(blob_folder)], str(model))
    wait_for_model(qtbot, window, "mean-test")
    wait_for_current(qtbot, window, "a.png")
    assert window.controller.options.threshold == 0.5
    strict = write_model(tmp_path / "other" / "strict.onnx", "strict-test", threshold=0.99, min_size=1)
    assert drop(window, [strict])
    wait_for_model(qtbot, window, "strict-test")
    assert window.controller.options.threshold == 0.99
    assert window.overlay_panel.threshold.value() == 99
    qtbot.waitUntil(lambda: window.controller.current.levels is not None)
    assert window.controller.current.counts[PREDICTION] == 0
    qtbot.waitUntil(lambda: window.status.model_label.text().startswith("strict-test · CPU"))
    assert window.settings.model_path == str(strict)
    # The model information dialog lists what the session read.
    window.actions_["model_info"].trigger()
    dialogs = [w for w in QApplication.topLevelWidgets() if w.windowTitle() == "Model — strict-test"]
    assert dialogs and dialogs[0].isVisible()
    rows = dict(model_rows(window.controller.session))
    assert rows["Threshold"] == "0.99" and rows["Provider"].startswith("CPUExecutionProvider")
    dialogs[0].close()


@pytest.mark.parametrize("content", [b"", b"this is not onnx at all", b"\x08\x07garbage" * 50])
def test_a_bad_model_gets_a_dialog_and_the_old_one_stays(
    qtbot, make_window, model, blob_folder, tmp_path, content
) -> None:
    window = make_window()
    window.start([str(blob_folder)], str(model))
    wait_for_model(qtbot, window, "mean-test")
    wait_for_current(qtbot, window, "a.png")
    bad = tmp_path / "broken.onnx"
    bad.write_bytes(content)
    assert drop(window, [bad])
    box = wait_for_message(qtbot, window)
    assert box.windowTitle() == "Cannot open the model"
    assert "broken.onnx" in box.text() and "not a usable ONNX model" in box.text()
    assert "The previous model (mean.onnx) stays active." in box.text()
    assert window.controller.session.info.name == "mean-test"
    qtbot.waitUntil(lambda: window.status.model_label.text().startswith("mean-test"))
    box.close()
    window.go_next()
    wait_for_current(qtbot, window, "b.png")  # predictions still work


def test_a_missing_model_without_a_previous_one(qtbot, make_window, blob_folder, tmp_path) -> None:
    window = make_window()
    window.start([str(blob_folder)], str(tmp_path / "nowhere.onnx"))
    box = wait_for_message(qtbot, window)
    assert "no such model file" in box.text() and "No model is loaded." in box.text()
    wait_for_current(qtbot, window, "a.png", predicted=False)
    box.close()


def test_model_menu_lists_devices(qtbot, make_window) -> None:
    window = make_window()
    names = [a.objectName() for a in window.actions_.device_group.actions()]
    assert names[0] == "device-auto" and "device-cpu" in names
    assert window.actions_.device_group.checkedAction().objectName() == "device-cpu"


def test_every_action_is_in_a_menu_with_its_shortcut(qtbot, make_window) -> None:
    window = make_window()
    in_menus = set()
    for menu_action in window.menuBar().actions():
        stack = [menu_action.menu()]
        while stack:
            menu = stack.pop()
            for action in menu.actions():
                if action.menu():
                    stack.append(action.menu())
                in_menus.add(action.objectName())
    missing = [name for name in window.actions_.by_name if name not in in_menus]
    assert missing == []
    for name in ("next", "previous", "fit", "toggle_overlay", "predict_all", "open_model"):
        assert not window.actions_[name].shortcut().isEmpty(), name


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal from Python 3.12")
def test_thousands_of_qt_calls_do_not_exhaust_none(qtbot) -> None:
    label = QLabel()
    for _ in range(20_000):
        label.setText("x")  # PySide6 6.12 drops a reference to None on each call on Python < 3.12
    assert sys.getrefcount(None) > 1 << 39
