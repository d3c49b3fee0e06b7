"""Message boxes and the model-information dialog.

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
