"""The review tool bar: the queue order and Accept / No ships / Reject / Next unreviewed.

It sits on the first tool-bar row beside the main tool bar, with short button texts, so that the whole
of it shows at the default 1280-px window width instead of hiding behind "»".
"""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import QComboBox, QLabel, QMainWindow, QToolBar

from shipviewer._qt.actions import Actions
from shipviewer._qt.editing import ORDER_NAMES, EditController
from shipviewer.session.review import ORDERS

BUTTONS = (
    ("accept", "Accept (A)"),
    ("confirm_empty", "No ships (N)"),
    ("reject", "Reject (X)"),
    ("next_unreviewed", "Next unreviewed (U)"),
)


class ReviewBar:
    """The tool bar and its order box, kept in step with the controller's order."""

    def __init__(self, window: QMainWindow, actions: Actions, edit: EditController) -> None:
        self.toolbar = QToolBar("Review", window)
        self.toolbar.setObjectName("review-toolbar")
        self.toolbar.setMovable(False)
        self.toolbar.addWidget(QLabel(" Queue "))
        self.order = QComboBox()
        self.order.setObjectName("review-order")
        for order in ORDERS:
            self.order.addItem(ORDER_NAMES[order], order)
        self.order.setToolTip(
            "The order of the image list, and of Accept and Next Unreviewed through the images"
        )
        self.order.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.toolbar.addWidget(self.order)
        self.toolbar.addSeparator()
        for name, short in BUTTONS:
            action = actions[name]
            action.setIconText(short)
            self.toolbar.addAction(action)
        self.order.currentIndexChanged.connect(lambda i: edit.set_order(self.order.itemData(i)))
        edit.order_changed.connect(self.show_order)
        window.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.toolbar)

    def show_order(self, order: str) -> None:
        with QSignalBlocker(self.order):
            self.order.setCurrentIndex(self.order.findData(order))
