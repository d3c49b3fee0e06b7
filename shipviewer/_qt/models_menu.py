"""The Model menu's part of the loop: Improve Model from Reviewed Images… and Models of This Folder.

:func:`install_models_menu` adds both to the window's Model menu (one call from the main window). The
submenu is rebuilt each time it opens, from the folder's session: the bundled model and each model made
for the folder, with its held-out score, checked when it is the one in use; one click switches to it
(and predicts the folder again with it). Delete Model removes a model's files and its entry.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, QUrl
from PySide6.QtGui import QAction, QDesktopServices
from PySide6.QtWidgets import QMenu, QMenuBar, QMessageBox

from shipviewer._qt.dialogs import show_message
from shipviewer._qt.improve_dialog import ImproveDialog
from shipviewer._qt.model_switch import switch_model
from shipviewer.session.models import FolderModels, ModelEntry


def _model_menu(bar: QMenuBar) -> QMenu:
    for action in bar.actions():
        menu = action.menu()
        if isinstance(menu, QMenu) and action.text().replace("&", "") == "Model":
            return menu
    return bar.addMenu("&Model")


def _same(a: str | os.PathLike[str] | None, b: str | os.PathLike[str] | None) -> bool:
    return bool(a) and bool(b) and os.path.abspath(str(a)) == os.path.abspath(str(b))


class ModelsMenu(QObject):
    """Owns the Improve dialog and the folder's models submenu of one main window."""

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window = window
        self.controller = window.controller
        self.dialog: ImproveDialog | None = None
        model_menu = _model_menu(window.menuBar())
        model_menu.addSeparator()
        self.improve_action = QAction("&Improve Model from Reviewed Images…", window)
        self.improve_action.setObjectName("improve_model")
        self.improve_action.setToolTip(
            "Fine-tune the model on the images you reviewed, compare it with the current one on held-out "
            "reviewed images, and switch or keep"
        )
        self.improve_action.triggered.connect(self.open_improve)
        model_menu.addAction(self.improve_action)
        self.menu = model_menu.addMenu("Models of This &Folder")
        self.menu.setObjectName("folder_models")
        self.menu.aboutToShow.connect(self.rebuild)
        window.installEventFilter(self)
        self.rebuild()

    # --- the folder's models -------------------------------------------------------------------------------
    def folder_models(self) -> FolderModels | None:
        workspace = getattr(self.window.edit, "workspace", None)
        return None if workspace is None else FolderModels(workspace.store)

    def rebuild(self) -> None:
        from resources import default_model_path

        self.menu.clear()
        models = self.folder_models()
        if models is None:
            self.menu.addAction("Open a folder to see its models").setEnabled(False)
            return
        loaded = self.controller.model_path
        bundled = default_model_path()
        action = self.menu.addAction("Bundled model")
        action.setObjectName("model-bundled")
        action.setCheckable(True)
        action.setChecked(_same(loaded, bundled) or _same(loaded, default_model_path("cpu")))
        action.setEnabled(bundled.is_file())
        action.triggered.connect(self.use_bundled)
        entries = models.models()
        for entry in entries:
            action = self.menu.addAction(entry.label())
            action.setObjectName(f"model-{entry.id}")
            action.setCheckable(True)
            action.setChecked(any(_same(loaded, p) for p in entry.files()))
            action.setToolTip(str(entry.dir))
            action.triggered.connect(lambda _checked=False, k=entry.id: self.use(k))
        self.menu.addSeparator()
        delete = self.menu.addMenu("&Delete Model")
        delete.setObjectName("delete-model")
        delete.setEnabled(bool(entries))
        for entry in entries:
            action = delete.addAction(entry.label())
            action.setObjectName(f"delete-{entry.id}")
            in_use = any(_same(loaded, p) for p in entry.files())
            action.setEnabled(not in_use)
            if in_use:
                action.setText(entry.label() + " (in use)")
            action.triggered.connect(lambda _checked=False, k=entry.id: self.delete(k))
        self.menu.addAction("Open the Models Folder", lambda: self._open_folder(models.root))

    def use(self, model_id: str) -> None:
        """Switch to one of the folder's models (one click, from the submenu)."""
        models = self.folder_models()
        entry: ModelEntry | None = models.get(model_id) if models is not None else None
        if models is None or entry is None:
            return
        if not entry.onnx.is_file():
            show_message(self.window, "Model missing", f"{entry.onnx} is gone; delete the entry.")
            return
        models.set_active(model_id)
        switch_model(self.controller, entry.onnx)

    def use_bundled(self) -> None:
        from resources import default_model_path

        models = self.folder_models()
        if models is not None:
            models.set_active(None)
        switch_model(self.controller, default_model_path())

    def delete(self, model_id: str, *, confirm: bool = True) -> bool:
        """Remove a model of the folder and free its files (not the one in use)."""
        models = self.folder_models()
        entry = models.get(model_id) if models is not None else None
        if models is None or entry is None:
            return False
        if any(_same(self.controller.model_path, p) for p in entry.files()):
            show_message(self.window, "Model in use", "Switch to another model before deleting this one.")
            return False
        if confirm:
            answer = QMessageBox.question(
                self.window,
                "Delete Model",
                f"Delete {entry.label()} and its files in {entry.dir}?",
            )
            if answer != QMessageBox.StandardButton.Yes:
                return False
        left = models.delete(model_id)
        if left:
            show_message(self.window, "Some files remain", "Could not remove:\n" + "\n".join(map(str, left)))
        self.window.statusBar().showMessage(f"Deleted {entry.label()}", 8000)
        return True

    @staticmethod
    def _open_folder(path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

    # --- the dialog ----------------------------------------------------------------------------------------
    def open_improve(self) -> ImproveDialog:
        """Show the Improve dialog (the running one, if a round is under way)."""
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.raise_()
            self.dialog.activateWindow()
            return self.dialog
        if self.dialog is not None:
            self.dialog.deleteLater()
        self.dialog = ImproveDialog(self.window)
        self.dialog.show()
        return self.dialog

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if watched is self.window and event.type() == QEvent.Type.Close and self.dialog is not None:
            self.dialog.stop()  # a round under way ends with the window, leaving nothing half-written
        return False


def install_models_menu(window: Any) -> ModelsMenu:
    """Add Improve Model from Reviewed Images… and Models of This Folder to ``window``'s Model menu."""
    return ModelsMenu(window)
