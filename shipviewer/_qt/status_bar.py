"""The status bar: pixel and ship under the cursor, review progress, the model, "predict all" progress."""

from __future__ import annotations

import math

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar, QToolButton, QWidget

from shipviewer._qt.icons import icon

NO_MODEL = "no model loaded — Model ▸ Open…"


def format_seconds(seconds: float) -> str:
    if math.isnan(seconds):
        return "…"
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


class ViewerStatusBar(QStatusBar):
    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.cursor_label = QLabel()
        self.cursor_label.setMinimumWidth(220)
        self.model_label = QLabel(NO_MODEL)
        self.review_label = QLabel()
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(180)
        self.progress.setTextVisible(True)
        self.eta_label = QLabel()
        self.cancel_button = QToolButton()
        self.cancel_button.setIcon(icon("cancel"))
        self.cancel_button.setToolTip("Cancel predict all (Esc)")
        self.cancel_button.setAutoRaise(True)
        self.cancel_button.clicked.connect(self.cancel_requested)
        self.addWidget(self.cursor_label)
        self.addPermanentWidget(self.review_label)
        for widget in (self.progress, self.eta_label, self.cancel_button, self.model_label):
            self.addPermanentWidget(widget)
        self.show_progress(None)

    def set_cursor_text(self, text: str) -> None:
        self.cursor_label.setText(text)

    def set_review_text(self, text: str) -> None:
        """Review progress, the image's status and scores, the selected ships."""
        self.review_label.setText(text)

    def set_model_text(self, text: str) -> None:
        self.model_label.setText(text)

    def show_progress(self, state: tuple[int, int, float] | None) -> None:
        """(done, total, seconds left) while predicting all; None hides the progress widgets."""
        visible = state is not None
        for widget in (self.progress, self.eta_label, self.cancel_button):
            widget.setVisible(visible)
        if state is None:
            return
        done, total, left = state
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.progress.setFormat(f"{done:,}/{total:,}")
        self.eta_label.setText(f"ETA {format_seconds(left)}")
