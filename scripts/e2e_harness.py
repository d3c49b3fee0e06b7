"""The real ShipViewer window, for ``scripts/e2e_labeller_day.py``: it runs the app as ``shipviewer``
does and writes, a few times a second, where its widgets are on the screen and what it shows (a JSON
file), so that a driver outside the process can aim real X mouse and key events at it and check it.

    python scripts/e2e_harness.py --state STATE.json --settings S.ini [--model M.onnx] PATH...

It changes nothing in the app; it only looks.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from PySide6.QtCore import QPoint, QPointF, QSettings, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QWidget

from shipviewer._qt.app import create_application
from shipviewer._qt.export_dialog import ExportDialog
from shipviewer._qt.main_window import MainWindow


def _rect(widget: QWidget) -> list[int]:
    corner = widget.mapToGlobal(QPoint(0, 0))
    return [corner.x(), corner.y(), widget.width(), widget.height()]


def state_of(window: MainWindow) -> dict[str, object]:
    c, e, canvas = window.controller, window.edit, window.canvas
    viewport = canvas.viewport()
    p0 = viewport.mapToGlobal(canvas.mapFromScene(QPointF(0.0, 0.0)))
    p1 = viewport.mapToGlobal(canvas.mapFromScene(QPointF(100.0, 100.0)))
    dialogs = []
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, (QDialog, QMessageBox)) and widget.isVisible():
            entry: dict[str, object] = {"title": widget.windowTitle(), "rect": _rect(widget)}
            if isinstance(widget, ExportDialog):
                entry["counts"] = widget.counts.text()
                entry["path"] = widget.path.text()
                entry["export_button"] = _rect(widget.export_button)
            if isinstance(widget, QMessageBox):
                entry["text"] = widget.text()
                entry["details"] = widget.detailedText()
            dialogs.append(entry)
    focus = QApplication.focusWidget()
    return {
        "pid": os.getpid(),
        "image": Path(c.current.path).name if c.current.path else "",
        "predicted": c.current.levels is not None,
        "model": c.session is not None,
        "scanning": c.scanning,
        "images": len(c.catalog),
        "busy": e.sessions.busy,
        "editable": e.doc is not None,
        "image_id": e.image_id,
        "folder": str(e.workspace.folder) if e.workspace is not None else "",
        "n_ships": e.doc.n_ships if e.doc is not None else None,
        "brush": e.brush_size,
        "order": e.order,
        "tool": window.tools.tool.value,
        "review": window.status.review_label.text(),
        "message": window.status.currentMessage(),
        "banner": window.banner.text,
        "hint": window.hint.text,
        "hint_button": _rect(window.hint.button) if window.hint.button is not None else None,
        "focus": type(focus).__name__ if focus is not None else "",
        "window": _rect(window),
        "canvas": _rect(viewport),
        "overlay": _rect(window.overlay_dock),
        "review_bar": _rect(window.review_bar.toolbar),
        "scene_to_screen": [p0.x(), p0.y(), (p1.x() - p0.x()) / 100.0, (p1.y() - p0.y()) / 100.0],
        "dialogs": dialogs,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*")
    parser.add_argument("--state", type=Path, required=True)
    parser.add_argument("--settings", type=Path, required=True)
    parser.add_argument("--model", default=None)
    parser.add_argument("--size", default="1280x860")
    args = parser.parse_args(argv)
    app = create_application()
    settings = QSettings(str(args.settings), QSettings.Format.IniFormat)
    window = MainWindow(settings=settings, cache_dir=args.settings.parent / "cache", device="cpu")
    width, height = (int(v) for v in args.size.lower().split("x"))
    window.resize(width, height)
    window.move(0, 0)
    app.aboutToQuit.connect(window.shutdown)
    window.show()
    window.start(args.paths, args.model)

    def report() -> None:
        temp = args.state.with_suffix(".tmp")
        temp.write_text(json.dumps(state_of(window), indent=1))
        os.replace(temp, args.state)

    timer = QTimer()
    timer.timeout.connect(report)
    timer.start(150)
    return int(app.exec())


if __name__ == "__main__":
    sys.exit(main())
