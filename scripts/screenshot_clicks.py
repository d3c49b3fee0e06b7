"""The README's click-to-segment screenshot: the real window, the bundled model, clicks through the tool.

    shipviewer synth /tmp/clicks-synth --images 100 --seed 7 --ship-fraction 1
    mkdir -p /tmp/shot && cp /tmp/clicks-synth/train_v2/09dd297ac.jpg /tmp/shot/
    xvfb-run -a -s "-screen 0 1400x900x24" python scripts/screenshot_clicks.py /tmp/shot \\
        docs/screenshots/viewer-clicks.png
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QEventLoop, QPointF, QSettings, Qt, QTimer
from PySide6.QtGui import QGuiApplication, QImage

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from resources import default_model_path
from shipviewer._qt.app import create_application
from shipviewer._qt.main_window import MainWindow

# (x, y, positive): one click on the white ship, then four on the container ship (one of them negative).
CLICKS = [[(501, 226, True)], [(207, 125, True), (221, 88, True), (186, 225, True), (158, 212, False)]]


def wait(predicate: object, seconds: float) -> None:
    end = time.monotonic() + seconds
    loop = QEventLoop()
    while not predicate() and time.monotonic() < end:  # type: ignore[operator]
        QTimer.singleShot(20, loop.quit)
        loop.exec()


def main(folder: str, out: str) -> int:
    app = create_application()
    work = Path(tempfile.mkdtemp(prefix="shipviewer-shot-"))
    window = MainWindow(settings=QSettings(str(work / "s.ini"), QSettings.Format.IniFormat), cache_dir=work)
    window.resize(1280, 820)
    window.show()
    window.start([folder], str(default_model_path()))
    wait(lambda: window.edit.doc is not None and window.controller.current.levels is not None, 120)
    window.edit.clear()
    tools = window.tools
    tools.set_tool("click")
    for ship in CLICKS:
        tools.finish()
        for x, y, positive in ship:
            modifier = Qt.KeyboardModifier.NoModifier if positive else Qt.KeyboardModifier.ShiftModifier
            tools.press(QPointF(x + 0.5, y + 0.5), modifier)
            tools.release(QPointF(x + 0.5, y + 0.5))
    window.canvas.zoom_by(1.7)
    window.canvas.centerOn(330, 170)
    wait(lambda: False, 0.8)
    screen = QGuiApplication.primaryScreen()
    if QGuiApplication.platformName() == "xcb" and screen is not None:
        image = screen.grabWindow(window.winId()).toImage()
    else:
        image = window.grab().toImage()
    image.save(out, "PNG", 9)
    if Path(out).stat().st_size > 300_000:
        image.convertToFormat(QImage.Format.Format_Indexed8, Qt.ImageConversionFlag.DiffuseDither).save(
            out, "PNG", 9
        )
    print(out, f"{Path(out).stat().st_size // 1000} KB")
    window.close()
    app.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
