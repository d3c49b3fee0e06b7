"""Message boxes, the model-information dialog and the help (F1).

Message boxes are opened window-modal with ``open()``, not ``exec()``: the event loop (and background
work) goes on, and tests can find and close them.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from shipviewer.model.inference import InferenceSession


def show_message(
    parent: QWidget,
    title: str,
    text: str,
    *,
    details: str = "",
    icon: QMessageBox.Icon = QMessageBox.Icon.Warning,
) -> QMessageBox:
    """A window-modal message box that does not block the caller; returns it (already open)."""
    box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("shipviewer-message")
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
    if details:
        box.setDetailedText(details)
    box.setWindowModality(Qt.WindowModality.WindowModal)
    box.open()
    return box


def model_rows(session: InferenceSession) -> list[tuple[str, str]]:
    """What the model information dialog lists, as (field, value) pairs."""
    info, meta = session.info, session.metadata
    rows = [
        ("Name", info.name),
        ("File", str(info.path)),
        ("Provider", f"{session.provider} ({session.device_name})"),
        ("Threads", str(session.threads)),
        ("Input", f"{info.input_name} {list(info.input_shape)} {meta.input_layout}"),
        ("Output", f"{info.output_name} {list(info.output_shape)}"),
        ("Threshold", f"{meta.threshold:g}"),
        ("Minimum ship size", f"{meta.min_size} px"),
        ("Pixel scale / offset", f"{meta.pixel_scale:g} / {meta.pixel_offset:g}"),
        ("Precision", meta.precision),
        ("Version", meta.version or "—"),
        ("Training data", meta.training_data or "—"),
        ("Validation F2", "—" if meta.validation_f2 is None else f"{meta.validation_f2:.4f}"),
        ("Validation Dice", "—" if meta.validation_dice is None else f"{meta.validation_dice:.4f}"),
        ("Producer", info.producer or "—"),
    ]
    known = {f"shipviewer.{k}" for k in meta.__dataclass_fields__}
    rows += [(key, value) for key, value in sorted(info.raw_metadata.items()) if key not in known]
    return rows


class ModelInfoDialog(QDialog):
    def __init__(self, session: InferenceSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Model — {session.info.name}")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        rows = model_rows(session)
        self.table = QTableWidget(len(rows), 2, self)
        self.table.setHorizontalHeaderLabels(["Field", "Value"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for r, (name, value) in enumerate(rows):
            self.table.setItem(r, 0, QTableWidgetItem(name))
            self.table.setItem(r, 1, QTableWidgetItem(value))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(620, 460)


HELP_INTRO = (
    "<h3>ShipViewer</h3>"
    "<p><b>Layers.</b> Blue fill: your annotation — what you edit and what File ▸ Export writes. "
    "Yellow-black dashes: the model's prediction. Orange outline: the ground truth of an imported CSV. "
    "An image nobody touched shows the model's ships as its annotation, following the threshold, until "
    "your first edit; it is exported only when you ask for model-only images.</p>"
    "<p><b>Review.</b> <b>A</b> accept and next, <b>N</b> no ships and next, <b>X</b> reject and next, "
    "<b>U</b> next unreviewed. <b>Open</b> a folder with Ctrl+O or drop it on the window.</p>"
)


def help_html(rows: list[tuple[str, str]], extra: list[tuple[str, str]]) -> str:
    """The help text: what the layers are, the review keys, then every command with its keys."""
    table = "".join(f"<tr><td>{name}</td><td><b>{keys}</b></td></tr>" for name, keys in [*rows, *extra])
    return f"{HELP_INTRO}<h4>Keys</h4><table cellspacing=4>{table}</table>"


class HelpDialog(QDialog):
    """The help (F1): sized to fit inside the window, scrolling what does not fit."""

    def __init__(self, html: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("help-dialog")
        self.setWindowTitle("ShipViewer Help")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(False)
        self.browser.setHtml(html)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)
        layout.addWidget(buttons)
        width, height = 640, 620
        if parent is not None:
            width = min(width, max(parent.width() - 60, 320))
            height = min(height, max(parent.height() - 60, 240))
        self.resize(width, height)
