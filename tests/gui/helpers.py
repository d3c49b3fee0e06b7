"""Small waits and lookups shared by the GUI tests."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QMessageBox


def wait_for_model(qtbot, window, name: str | None = None, timeout: int = 10_000) -> None:
    def loaded() -> None:
        session = window.controller.session
        assert session is not None and not window.controller.predictor.loading
        if name is not None:
            assert session.info.name == name

    qtbot.waitUntil(loaded, timeout=timeout)


def wait_for_images(qtbot, window, count: int, timeout: int = 10_000) -> None:
    def found() -> None:
        assert len(window.controller.catalog) == count and not window.controller.scanning

    qtbot.waitUntil(found, timeout=timeout)


def wait_for_current(qtbot, window, name: str, predicted: bool = True, timeout: int = 10_000) -> None:
    def shown() -> None:
        current = window.controller.current
        assert Path(current.path).name == name and current.rgb is not None
        assert window.canvas.has_image()
        if predicted:
            assert current.levels is not None

    qtbot.waitUntil(shown, timeout=timeout)


def message_boxes(window) -> list[QMessageBox]:
    return [box for box in window.findChildren(QMessageBox) if box.isVisible()]


def wait_for_message(qtbot, window, timeout: int = 10_000) -> QMessageBox:
    qtbot.waitUntil(lambda: bool(message_boxes(window)), timeout=timeout)
    return message_boxes(window)[-1]


def drop(window, paths: list[Path]) -> bool:
    """Drag ``paths`` over the window and drop them, as a file manager would; returns whether accepted."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    pos = window.rect().center()
    enter = QDragEnterEvent(
        pos,  # PySide6 6.11 takes a QPoint here (and a QPointF for the drop)
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(window, enter)
    if not enter.isAccepted():
        return False
    event = QDropEvent(
        QPointF(pos),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(window, event)
    return event.isAccepted()
