"""Polish a labeller notices within the hour (issue #11, points 10-12 and 15-17): keys back on the canvas
after a search, a queue order that visibly reorders the list, the review tool bar whole at 1280 px,
reopening where the user left, two minimum-size controls named apart, a first-launch hint and an F1
help that fits and scrolls."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QFormLayout, QLabel, QToolButton

from shipviewer._qt.dialogs import HelpDialog

from .conftest import save, scene
from .helpers import wait_for_current, wait_for_images, wait_for_model

pytestmark = pytest.mark.gui


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Five images, each less certain for the model than the one before it in reverse name order:
    e.png is mostly grey (probability ≈ 0.5 everywhere), a.png mostly dark sea."""
    root = tmp_path / "queue"
    for i, name in enumerate("abcde"):
        image = scene(blobs=((10, 10, 8, 20),))
        image[30 : 30 + 12 * i, :] = 128
        save(root / f"{name}.png", image)
    return root


def opened(qtbot, make_window, model: Path, folder: Path, store: QSettings | None = None, **kwargs: object):
    window = make_window(store, **kwargs)
    window.start([str(folder)], str(model))
    wait_for_model(qtbot, window)
    wait_for_images(qtbot, window, 5)
    qtbot.waitUntil(lambda: window.edit.doc is not None and not window.edit.sessions.busy)
    window.activateWindow()
    window.canvas.setFocus()
    return window


def names(window) -> list[str]:
    model = window.image_list.model
    return [model.data(model.index(r)) for r in range(model.rowCount())]


def test_keys_go_back_to_the_canvas_after_a_search(qtbot, make_window, model, folder) -> None:
    window = opened(qtbot, make_window, model, folder)
    window.actions_["search"].trigger()
    panel = window.image_list
    assert panel.search.hasFocus() or QApplication.focusWidget() is panel.search
    qtbot.keyClicks(panel.search, "c.")
    wait_for_current(qtbot, window, "c.png")  # the image on screen always matches the search
    assert names(window) == ["c.png"]
    qtbot.keyClick(panel.search, Qt.Key.Key_Return)
    assert QApplication.focusWidget() is window.canvas
    qtbot.keyClick(window.canvas, Qt.Key.Key_B)
    assert window.tools.tool.value == "brush"
    window.actions_["search"].trigger()
    qtbot.keyClicks(panel.search, "x")
    assert names(window) == [] and window.controller.current.index >= 0
    qtbot.keyClick(panel.search, Qt.Key.Key_Escape)
    assert QApplication.focusWidget() is window.canvas
    qtbot.keyClick(window.canvas, Qt.Key.Key_E)
    assert window.tools.tool.value == "eraser"


def test_the_uncertainty_order_reorders_the_list(qtbot, make_window, model, folder) -> None:
    window = opened(qtbot, make_window, model, folder)
    order = window.review_bar.order
    assert [order.itemText(i) for i in range(order.count())] == [
        "file name",
        "model uncertainty",
        "disagreement with truth",
    ]
    with qtbot.waitSignal(window.controller.predictor.run_finished, timeout=20_000):
        window.predict_all()
    qtbot.waitUntil(lambda: all(r.uncertainty is not None for r in window.edit.workspace.records()))
    assert names(window) == ["a.png", "b.png", "c.png", "d.png", "e.png"]
    order.setCurrentIndex(order.findData("uncertainty"))
    assert window.edit.order == "uncertainty"
    assert names(window) == ["e.png", "d.png", "c.png", "b.png", "a.png"]
    assert "ordered by model uncertainty" in window.status.currentMessage()
    window.actions_["first"].trigger()
    wait_for_current(qtbot, window, "e.png")
    qtbot.keyClick(window.canvas, Qt.Key.Key_Right)  # next follows the list
    wait_for_current(qtbot, window, "d.png")
    order.setCurrentIndex(order.findData("path"))
    assert names(window) == ["a.png", "b.png", "c.png", "d.png", "e.png"]


def test_the_review_tool_bar_is_whole_at_1280_px(qtbot, make_window, model, folder) -> None:
    window = opened(qtbot, make_window, model, folder, resize=False)
    window.resize(1280, 860)
    qtbot.waitUntil(lambda: window.width() == 1280)
    qtbot.wait(50)
    bar = window.review_bar.toolbar
    assert bar.isVisible() and window.toolBarArea(bar) == Qt.ToolBarArea.TopToolBarArea
    for name in ("accept", "confirm_empty", "reject", "next_unreviewed"):
        button = bar.widgetForAction(window.actions_[name])
        assert button is not None and button.isVisible(), name
        assert bar.rect().contains(button.geometry()), name
    assert window.review_bar.order.isVisible()
    extension = [b for b in bar.findChildren(QToolButton) if b.objectName() == "qt_toolbar_ext_button"]
    assert not extension or not extension[0].isVisible()


def test_the_edit_tool_bar_is_whole_at_1280_px(qtbot, make_window, model, folder) -> None:
    from PySide6.QtWidgets import QToolBar

    window = opened(qtbot, make_window, model, folder, resize=False)
    window.resize(1280, 860)
    qtbot.waitUntil(lambda: window.width() == 1280)
    qtbot.wait(50)
    bar = window.findChild(QToolBar, "edit-toolbar")
    assert bar is not None and bar.isVisible()
    extension = [b for b in bar.findChildren(QToolButton) if b.objectName() == "qt_toolbar_ext_button"]
    assert not extension or not extension[0].isVisible()  # nothing hidden behind "»"


def test_reopening_returns_to_the_image_brush_and_order_of_last_time(
    qtbot, make_window, model, folder, tmp_path
) -> None:
    window = opened(qtbot, make_window, model, folder)
    window.controller.show_index(3)
    qtbot.waitUntil(lambda: window.edit.image_id == "d.png")
    qtbot.keyClick(window.canvas, Qt.Key.Key_BracketRight)
    qtbot.keyClick(window.canvas, Qt.Key.Key_BracketRight)
    brush = window.edit.brush_size
    assert brush != 8
    window.review_bar.order.setCurrentIndex(window.review_bar.order.findData("uncertainty"))
    window.shutdown()  # as if killed: no close event, nothing written on the way out
    again = opened(
        qtbot, make_window, model, folder, QSettings(str(tmp_path / "other.ini"), QSettings.Format.IniFormat)
    )
    wait_for_current(qtbot, again, "d.png")
    assert again.edit.brush_size == brush and again.edit_widgets.brush.value() == brush
    assert again.edit.order == "uncertainty"
    assert again.review_bar.order.currentData() == "uncertainty"


def test_the_two_minimum_sizes_are_named_apart(qtbot, make_window) -> None:
    window = make_window()
    form = window.overlay_panel.layout()
    assert isinstance(form, QFormLayout)
    label = form.labelForField(window.overlay_panel.min_size)
    assert label.text() == "Min. predicted ship"
    toolbar_labels = [
        w.text().strip()
        for w in window.findChild(type(window.review_bar.toolbar), "edit-toolbar").findChildren(QLabel)
    ]
    assert "Remove under" in toolbar_labels and "Smallest ship" not in toolbar_labels
    assert "Remove Ships Under" in window.overlay_panel.min_size.toolTip()
    assert window.edit_widgets.min_ship.toolTip().startswith("Remove Ships Under N px (R)")


def test_first_launch_hint_and_a_help_that_fits_and_scrolls(qtbot, make_window, settings, tmp_path) -> None:
    window = make_window()
    hint = window.hint.text
    for words in (
        "blue fill",
        "yellow-black dashes",
        "orange outline",
        "<b>A</b> accept",
        "<b>N</b> no ships",
        "<b>X</b> reject",
        "Ctrl+O",
    ):
        assert words in hint, words
    assert window.canvas.message.startswith("Open a folder of images: Ctrl+O")
    assert window.hint.isVisible() and window.hint.geometry().top() == 0
    window.hint.button.click()
    assert window.hint.text == "" and window.settings.hint_dismissed
    window.close()
    again = make_window(resize=False)
    assert again.hint.text == ""  # shown once
    again.resize(700, 420)
    qtbot.waitUntil(lambda: again.height() <= 460)
    again.actions_["shortcuts"].trigger()
    dialogs = [w for w in QApplication.topLevelWidgets() if isinstance(w, HelpDialog) and w.isVisible()]
    assert dialogs
    dialog = dialogs[0]
    assert dialog.width() <= again.width() and dialog.height() <= again.height()
    bar = dialog.browser.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0)
    text = dialog.browser.toPlainText()
    assert "Accept and Next" in text and "Blue fill: your annotation" in text
    dialog.close()
    assert np.isfinite(bar.maximum())
