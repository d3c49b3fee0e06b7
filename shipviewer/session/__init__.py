"""The session of an image folder: every edit, status, prediction and truth, kept in SQLite (WAL).

- :class:`SessionStore` — the file itself (``FOLDER/.shipviewer/session.sqlite``, or in the user data
  directory for a read-only folder: :func:`locate_store`).
- :class:`Workspace` — a folder under review: documents to edit (saved at each committed step),
  review actions, predictions, truth, CSV import and export.
"""

from __future__ import annotations

from shipviewer.session.csvio import (
    LAYERS,
    ExportPlan,
    ExportReport,
    ImportReport,
    export_csv,
    export_plan,
    import_csv,
)
from shipviewer.session.location import STORE_DIR, STORE_FILE, locate_store, user_data_dir
from shipviewer.session.store import ImageRecord, Prediction, SessionStore, StoreError, SyncReport, file_hash
from shipviewer.session.workspace import ViewState, Workspace, WorkspaceError, predict_ships

__all__ = [
    "LAYERS",
    "STORE_DIR",
    "STORE_FILE",
    "ExportPlan",
    "ExportReport",
    "ImageRecord",
    "ImportReport",
    "Prediction",
    "SessionStore",
    "StoreError",
    "SyncReport",
    "ViewState",
    "Workspace",
    "WorkspaceError",
    "export_csv",
    "export_plan",
    "file_hash",
    "import_csv",
    "locate_store",
    "predict_ships",
    "user_data_dir",
]
