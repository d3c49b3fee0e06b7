"""File ▸ Export: which folder, where to, which images — and the counts of each kind before anything is
written ("Writes 4 image(s): 3 reviewed, 1 imported. Not written: 154 model-only …").

The counts come from the session (:meth:`~shipviewer.session.Workspace.export_plan`); the dialog only
shows them and calls :meth:`~shipviewer._qt.editing.EditController.export_csv`. It opens window-modal
with ``open()``, so the event loop goes on and tests can fill it in.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from shipviewer._qt.editing import EditController
from shipviewer._qt.settings import ViewerSettings
from shipviewer.session import Workspace

CSV_FILTER = "Airbus CSV (*.csv);;All files (*)"
PREDICTIONS_HINT = "tick “Include model-only images” to write them"


def default_name(folder: str | os.PathLike[str], *, reviewed_only: bool) -> str:
    """The file name an export of ``folder`` starts with: ``<folder>_annotations.csv``."""
    stem = Path(folder).name or "images"
    return f"{stem}_{'reviewed' if reviewed_only else 'annotations'}.csv"


class ExportDialog(QDialog):
    def __init__(
        self,
        edit: EditController,
        settings: ViewerSettings,
        *,
        reviewed_only: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("export-dialog")
        self.setWindowTitle("Export Annotations (CSV)")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        self.edit = edit
        self.settings = settings
        self.workspaces = edit.export_workspaces()
        current = edit.workspace
        self.folder = QComboBox()
        for workspace in self.workspaces:
            self.folder.addItem(str(workspace.folder), workspace)
        if current is not None and current in self.workspaces:
            self.folder.setCurrentIndex(self.workspaces.index(current))
        self.path = QLineEdit()
        self.path.setMinimumWidth(420)
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        self.reviewed_only = QCheckBox("Reviewed only (accepted and confirmed empty)")
        self.reviewed_only.setChecked(reviewed_only)
        self.include_predictions = QCheckBox("Include model-only images (the model's untouched predictions)")
        self.include_predictions.setToolTip(
            "Images nobody edited, imported or reviewed hold the model's guesses, and so do the ships "
            "nobody touched on an image you edited: training on them teaches the model its own "
            "mistakes. Such images are left out unless you accept them (A) or tick this."
        )
        self.counts = QLabel()
        self.counts.setObjectName("export-counts")
        self.counts.setWordWrap(True)
        self.counts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.export_button = self.buttons.addButton("Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.export_button.setDefault(True)  # Enter exports
        self.buttons.accepted.connect(self.export)
        self.buttons.rejected.connect(self.reject)

        where = QHBoxLayout()
        where.addWidget(self.path, 1)
        where.addWidget(browse)
        form = QFormLayout()
        if len(self.workspaces) > 1:
            form.addRow("Folder", self.folder)
        form.addRow("File", where)
        form.addRow("", self.reviewed_only)
        form.addRow("", self.include_predictions)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.counts)
        layout.addWidget(self.buttons)

        self._named = ""  # the default name last filled in (replaced while the user has not typed one)
        self.folder.currentIndexChanged.connect(self._on_folder)
        self.reviewed_only.toggled.connect(self._on_options)
        self.include_predictions.toggled.connect(self._on_options)
        self._on_options()

    @property
    def workspace(self) -> Workspace | None:
        data = self.folder.currentData()
        return data if isinstance(data, Workspace) else None

    def _start_dir(self, workspace: Workspace) -> str:
        last = self.settings.last_export_dir
        return last if last and os.path.isdir(last) else str(workspace.folder)

    def _on_folder(self) -> None:
        workspace = self.workspace
        if workspace is None:
            return
        typed = self.path.text()
        if not typed or typed == self._named:
            name = default_name(workspace.folder, reviewed_only=self.reviewed_only.isChecked())
            self._named = os.path.join(self._start_dir(workspace), name)
            self.path.setText(self._named)
        self.update_counts()

    def _on_options(self) -> None:
        self.include_predictions.setEnabled(not self.reviewed_only.isChecked())
        self._on_folder()

    def update_counts(self) -> None:
        """Count each kind for the options ticked (nothing is written)."""
        workspace = self.workspace
        if workspace is None:
            self.counts.setText("No folder is open.")
            self.export_button.setEnabled(False)
            return
        plan = self.edit.export_plan(
            workspace,
            reviewed_only=self.reviewed_only.isChecked(),
            include_predictions=self.include_predictions.isChecked() and not self.reviewed_only.isChecked(),
        )
        self.plan = plan
        self.counts.setText(plan.text(predictions_hint=PREDICTIONS_HINT))
        self.export_button.setEnabled(plan.n_images > 0)

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export CSV", self.path.text(), CSV_FILTER)
        if path:
            self.path.setText(path)

    def export(self) -> bool:
        """Write the file; the dialog closes when it is written (a failure leaves it open, with a message)."""
        workspace, path = self.workspace, self.path.text().strip()
        if workspace is None or not path:
            return False
        done = self.edit.export_csv(
            path,
            reviewed_only=self.reviewed_only.isChecked(),
            include_predictions=self.include_predictions.isChecked() and not self.reviewed_only.isChecked(),
            workspace=workspace,
        )
        if done:
            self.settings.last_export_dir = str(Path(path).parent)
            self.accept()
        return done
