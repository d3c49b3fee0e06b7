"""Screenshots of the real main window, for the docs: ``python -m shipviewer._qt.screenshot``.

Opens the window on PATHs (and a model), waits until the chosen image and its prediction are on screen,
then grabs the window from the screen (under X or Xvfb) or renders it (offscreen) into a PNG.

    xvfb-run -s "-screen 0 1400x900x24" python -m shipviewer._qt.screenshot \\
        ../shared/airbus-real/images ../shared/airbus-real/labels.csv --select 0a1a7f395.jpg --out shot.png
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QEventLoop, QPointF, QSettings, Qt, QTimer
from PySide6.QtGui import QGuiApplication, QImage

from shipviewer._qt.app import create_application
from shipviewer._qt.main_window import MainWindow
from shipviewer.viewer.catalog import Filter


def _wait(predicate: object, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    loop = QEventLoop()
    while not predicate() and time.monotonic() < deadline:  # type: ignore[operator]
        QTimer.singleShot(20, loop.quit)
        loop.exec()
    return bool(predicate())  # type: ignore[operator]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Screenshot of the ShipViewer window")
    parser.add_argument("paths", nargs="*")
    parser.add_argument("--model", default=None)
    parser.add_argument("--select", default=None, help="file name of the image to show")
    parser.add_argument("--size", default="1280x820", help="window size WxH")
    parser.add_argument("--threshold", type=float, default=None)
    parser.add_argument("--min-size", type=int, default=None)
    parser.add_argument("--opacity", type=float, default=None)
    parser.add_argument("--outline-only", action="store_true")
    parser.add_argument("--zoom", type=float, default=None, help="zoom factor after fitting")
    parser.add_argument("--center", default=None, help="X,Y image pixel to centre the view on")
    parser.add_argument("--max-kb", type=int, default=300, help="dither to 256 colours above this size")
    parser.add_argument("--predict-all", action="store_true", help="predict every image first")
    parser.add_argument("--running", type=float, default=None, help="grab while predict all runs, after S s")
    parser.add_argument("--cursor", default=None, help="X,Y image pixel to report in the status bar")
    parser.add_argument("--filter", default=None, choices=[f.name.lower() for f in Filter])
    parser.add_argument("--import-annotations", default=None, help="CSV to import as the annotations")
    parser.add_argument("--import-truth", default=None, help="CSV to import as the ground truth")
    parser.add_argument(
        "--edit",
        action="append",
        default=[],
        help="TOOL:X,Y X,Y ... a drag with an edit tool (brush, eraser, polygon_add, split, select...)",
    )
    parser.add_argument("--brush", type=int, default=None, help="brush diameter for --edit")
    parser.add_argument("--sketch", default=None, help="X,Y X,Y ... a polygon being drawn (not released)")
    parser.add_argument("--hint", action="store_true", help="show the first-launch hint")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)

    app = create_application()
    work = Path(tempfile.mkdtemp(prefix="shipviewer-shot-"))
    settings = QSettings(str(work / "s.ini"), QSettings.Format.IniFormat)
    if not args.hint:
        settings.setValue("hints/first_launch_done", "true")
    window = MainWindow(settings=settings, cache_dir=work)
    width, height = (int(v) for v in args.size.lower().split("x"))
    window.resize(width, height)
    window.show()
    window.start(args.paths, args.model)
    c = window.controller
    if args.model and not _wait(lambda: c.session is not None, 60):
        print("the model did not load", file=sys.stderr)
    _wait(lambda: len(c.catalog) > 0 and not c.scanning, 60)
    if args.select:
        index = next((i for i, e in enumerate(c.catalog) if e.name == args.select), -1)
        if index < 0:
            print(f"{args.select} is not among the open images", file=sys.stderr)
            window.close()
            return 1
        c.show_index(index)
    for name, value in (
        ("threshold", args.threshold),
        ("min_size", args.min_size),
        ("opacity", args.opacity),
    ):
        if value is not None:
            setattr(c.options, name, value)
    if args.outline_only:
        c.options.outline_only = True
    if args.predict_all:
        c.predict_all()
        _wait(lambda: not c.predictor.running, 300)
    _wait(
        lambda: (
            (c.current.index >= 0 and c.catalog[c.current.index].problem is not None)
            or (c.current.rgb is not None and (c.session is None or c.current.levels is not None))
        ),
        60,
    )
    _wait(lambda: c.thumbnails.cache.nbytes > 0 and not c.thumbnails._wanted, 10)
    if args.running:
        c.predict_all()
        _wait(lambda: False, args.running)
    if args.import_annotations:
        window.edit.import_csv(args.import_annotations, "annotations")
    if args.import_truth:
        window.edit.import_csv(args.import_truth, "truth")
    _edit(window, args.edit, args.brush, args.sketch)
    if args.filter:
        window.image_list.set_filter(Filter[args.filter.upper()])
    if args.zoom:
        window.canvas.zoom_by(args.zoom)
    if args.center:
        x, y = (float(v) for v in args.center.split(","))
        window.canvas.centerOn(x, y)
    if args.cursor:
        x, y = (int(v) for v in args.cursor.split(","))
        window._on_cursor(x, y)
    _wait(lambda: False, 0.5)  # let the last paints land
    screen = QGuiApplication.primaryScreen()
    if QGuiApplication.platformName() == "xcb" and screen is not None:
        image: QImage = screen.grabWindow(window.winId()).toImage()
    else:
        image = window.grab().toImage()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    image.save(str(args.out), "PNG", 9)
    for dither in (Qt.ImageConversionFlag.DiffuseDither, Qt.ImageConversionFlag.OrderedDither):
        if args.out.stat().st_size <= args.max_kb * 1000:
            break
        # 256 colours: satellite noise makes true-colour PNGs of a window several hundred kilobytes.
        image.convertToFormat(QImage.Format.Format_Indexed8, dither).save(str(args.out), "PNG", 9)
    print(f"{args.out}: {image.width()}×{image.height()}, {args.out.stat().st_size // 1000} KB")
    window.close()
    app.quit()
    return 0


def _points(text: str) -> list[QPointF]:
    """'X,Y X,Y ...' image pixels as scene points (pixel centres)."""
    return [QPointF(float(x) + 0.5, float(y) + 0.5) for x, y in (p.split(",") for p in text.split())]


def _edit(window: MainWindow, edits: list[str], brush: int | None, sketch: str | None) -> None:
    """Replay drags with the edit tools, then leave a polygon outline half drawn (editing in progress)."""
    tools = window.tools
    if brush is not None:
        window.edit.brush_size = brush
    for spec in edits:
        tool, _, points = spec.partition(":")
        drag = _points(points)
        tools.set_tool(tool)
        tools.press(drag[0])
        for point in drag[1:]:
            tools.move(point)
        tools.release(drag[-1])
    if sketch:
        drag = _points(sketch)
        tools.set_tool("polygon_add")
        tools.press(drag[0])
        for point in drag[1:]:
            tools.move(point)


if __name__ == "__main__":
    sys.exit(main())
