"""ShipViewer: find, review and correct ship masks on Airbus Ship Detection images.

The rooms, each importing only from the ones listed after it (checked by import-linter in CI):

- ``_qt/`` — the desktop app; every PySide6 import lives here.
- ``cli/`` — ``shipviewer`` and its subcommands.
- ``session/`` — the SQLite store of a folder, review status, CSV import/export from the store.
- ``viewer/`` — the Qt-free state of the viewer (catalog, the image on screen, overlays, scans).
- ``edits/`` — editing tools on label images, with undo.
- ``synth/`` — synthetic Airbus scenes in the Kaggle layout.
- ``model/`` — ONNX inference, probability → ships, probability cache, batch predict.
- ``airbus/`` — the data format: RLE codec, CSV, the competition metric, image files.

``from shipviewer import rle`` (and ``annotations``, ``metrics``) and ``import shipviewer.rle`` keep working:
they are the modules in ``airbus/``.
"""

import sys
from importlib.metadata import PackageNotFoundError, version

from shipviewer.airbus import annotations, metrics, rle

try:
    __version__ = version("shipviewer")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"

for _module in (annotations, metrics, rle):
    sys.modules.setdefault(f"{__name__}.{_module.__name__.rsplit('.', 1)[1]}", _module)

__all__ = ["__version__", "annotations", "metrics", "rle"]
