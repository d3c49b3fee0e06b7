"""Switching the viewer to another model and predicting the folder again with it.

The controller opens the model in the background; once it is the active one, "predict all" runs behind
the interactive work (the controller's own mechanism). Each stored prediction records the model that made
it, and only untouched images take the new model's ships as their annotation: reviewed work stays as it
is. The uncertainty queue follows, as it orders by the stored predictions.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QObject

from shipviewer._qt.controller import ViewerController


class _PredictWhenLoaded(QObject):
    """Runs "predict all" once ``path`` is the controller's model; gives up if another model is loaded
    (or this one fails to open)."""

    def __init__(self, controller: ViewerController, path: str) -> None:
        super().__init__(controller)
        self.controller = controller
        self.path = os.path.abspath(path)
        controller.model_changed.connect(self._on_loaded)
        controller.predictor.model_failed.connect(self._on_failed)

    def _on_loaded(self) -> None:
        loaded = os.path.abspath(self.controller.model_path)
        self._finish()
        if loaded == self.path:
            self.controller.predict_all()

    def _on_failed(self, path: str, _message: str) -> None:
        if os.path.abspath(path) == self.path:
            self._finish()

    def _finish(self) -> None:
        self.controller.model_changed.disconnect(self._on_loaded)
        self.controller.predictor.model_failed.disconnect(self._on_failed)
        self.deleteLater()


def switch_model(controller: ViewerController, path: str | os.PathLike[str], *, predict: bool = True) -> None:
    """Make ``path`` the viewer's model (the current one stays if it fails to open); with ``predict``, then
    predict every image with it in the background."""
    if predict:
        _PredictWhenLoaded(controller, str(Path(path)))
    controller.load_model(path)
