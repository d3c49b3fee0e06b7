"""ShipViewer: find, review and correct ship masks on Airbus Ship Detection images.

The package root and its plain modules (rle, annotations, metrics, synth, ...) import neither Qt nor
TensorFlow; every PySide6 import lives in ``shipviewer._qt``.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("shipviewer")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"
