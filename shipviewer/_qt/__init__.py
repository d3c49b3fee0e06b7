"""The desktop viewer: every PySide6 import of ShipViewer lives in this subpackage.

Widgets observe the Qt-free core (:mod:`shipviewer.viewer.catalog`, :mod:`shipviewer.viewer.current_image`,
:mod:`shipviewer.viewer.view_options`) and call it; they hold no state of their own that the core lacks.
"""

from shipviewer._qt.compat import protect_singletons

protect_singletons()  # before any Qt call: see compat.py (PySide6 6.12 on Python < 3.12)
