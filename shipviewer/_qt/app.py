"""Starting the viewer: the QApplication, the main window, and ``run_viewer`` for the command line."""

from __future__ import annotations

import os
import sys

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication

from shipviewer import __version__
from shipviewer._qt.icons import icon
from shipviewer._qt.main_window import MainWindow

ORGANIZATION = "ShipViewer"
APPLICATION = "ShipViewer"


def create_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication (existing or new), named so QSettings and the cache folder are per application."""
    app = QApplication.instance()
    if app is None:
        app = QApplication(argv if argv is not None else [sys.argv[0]])
    QCoreApplication.setOrganizationName(ORGANIZATION)
    QCoreApplication.setApplicationName(APPLICATION)
    QCoreApplication.setApplicationVersion(__version__)
    app.setWindowIcon(icon("shipviewer"))
    return app  # type: ignore[return-value]


def run_viewer(paths: list[str], model: str | None = None, device: str = "auto") -> int:
    """Open the main window on ``paths`` (the bundled samples when empty) and run until it closes."""
    app = create_application()
    window = MainWindow(device=device)
    app.aboutToQuit.connect(window.shutdown)  # threads stop even when the loop ends another way
    window.show()
    window.start([os.fspath(p) for p in paths], model)
    return int(app.exec())
