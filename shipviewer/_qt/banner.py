"""Lines across the top of the image view that stay until their reason goes: why editing is off, and the
first-launch hint (dismissed with its button, never shown again).

A status-bar message scrolls away after a few seconds; what a user must see to understand why a brush
paints nothing belongs here. The banners float over the top of the view rather than take room from it,
so showing one never resizes the image or the window.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPointF, Qt, Signal
from PySide6.QtGui import QMouseEvent, QWheelEvent
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

STYLES = {
    "info": "background: #e3f2fd; color: #0d2a4a; border-bottom: 1px solid #90caf9;",
    "warning": "background: #fff3cd; color: #4a3400; border-bottom: 1px solid #e0b400;",
}

FIRST_LAUNCH_HINT = (
    "<b>Welcome to ShipViewer.</b> Layers: <b>blue fill</b> = your annotation (what you edit and export), "
    "<b>yellow-black dashes</b> = the model's prediction, <b>orange outline</b> = ground truth (legend in "
    "the Overlay panel). Review with one key: <b>A</b> accept, <b>N</b> no ships, <b>X</b> reject. "
    "Open a folder with <b>Ctrl+O</b> or drop it on the window; <b>F1</b> lists every key."
)


class Banner(QFrame):
    """A word-wrapped message with an optional dismiss button; hidden while it has no text."""

    dismissed = Signal()
    changed = Signal()  # shown, hidden or new text

    def __init__(self, name: str, *, dismiss_text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.kind = ""
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        # The mouse goes through to the image under the text (only the button takes clicks): see _forward.
        self.label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        self.setMouseTracking(True)
        self.forward_to: QWidget | None = None
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 6, 10, 6)
        row.addWidget(self.label, 1)
        self.button: QPushButton | None = None
        if dismiss_text:
            self.button = QPushButton(dismiss_text)
            self.button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys stay with the canvas
            self.button.clicked.connect(self._dismiss)
            row.addWidget(self.button, 0, Qt.AlignmentFlag.AlignTop)
        self.setVisible(False)

    @property
    def text(self) -> str:
        """The text shown ('' while hidden)."""
        return self.label.text() if not self.isHidden() else ""

    def show_text(self, kind: str, text: str) -> None:
        """Show ``text`` styled as ``kind`` ("info" or "warning"); an empty text hides the banner."""
        if not text:
            if self.kind or not self.isHidden():
                self.kind = ""
                self.setVisible(False)
                self.changed.emit()
            return
        if (kind, text) != (self.kind, self.label.text()) or self.isHidden():
            self.kind = kind
            self.setStyleSheet(f"QFrame#{self.objectName()} {{ {STYLES.get(kind, STYLES['info'])} }}")
            self.label.setText(text)
            self.setVisible(True)
            self.changed.emit()

    def _forward(self, event: QMouseEvent) -> None:
        """Hand a mouse event over the banner to the image view under it, so painting and the cursor
        readout work under the text as anywhere else."""
        target = self.forward_to
        if target is None:
            event.ignore()
            return
        position = QPointF(target.mapFromGlobal(event.globalPosition().toPoint()))
        clone = QMouseEvent(
            event.type(), position, event.globalPosition(), event.button(), event.buttons(), event.modifiers()
        )
        QApplication.sendEvent(target, clone)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        self._forward(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        self._forward(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        self._forward(event)

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 (Qt override)
        target = self.forward_to
        if target is None:
            event.ignore()
            return
        position = QPointF(target.mapFromGlobal(event.globalPosition().toPoint()))
        clone = QWheelEvent(
            position,
            event.globalPosition(),
            event.pixelDelta(),
            event.angleDelta(),
            event.buttons(),
            event.modifiers(),
            event.phase(),
            event.inverted(),
        )
        QApplication.sendEvent(target, clone)

    def _dismiss(self) -> None:
        self.show_text("", "")
        self.dismissed.emit()


class BannerStack(QWidget):
    """The first-launch hint above the editing banner, floating over the top of ``host``."""

    def __init__(self, host: QWidget) -> None:
        super().__init__(host)
        self.host = host
        self.hint = Banner("first-launch-hint", dismiss_text="Got it", parent=self)
        self.editing = Banner("editing-banner", parent=self)
        viewport = host.viewport() if isinstance(host, QAbstractScrollArea) else host
        for banner in (self.hint, self.editing):
            banner.forward_to = viewport
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        for banner in (self.hint, self.editing):
            column.addWidget(banner)
            banner.changed.connect(self.place)
        host.installEventFilter(self)
        self.place()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if watched is self.host and event.type() == QEvent.Type.Resize:
            self.place()
        return False

    def place(self) -> None:
        """Span the host's width, as tall as the banners shown need."""
        shown = not self.hint.isHidden() or not self.editing.isHidden()
        self.setVisible(shown)
        if not shown:
            return
        width = max(self.host.width(), 200)
        layout = self.layout()
        height = layout.heightForWidth(width) if layout.hasHeightForWidth() else layout.sizeHint().height()
        self.setGeometry(0, 0, width, max(height, 1))
        self.raise_()
