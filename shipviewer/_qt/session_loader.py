"""The sessions of every folder the viewer shows, opened in the background, and the list rows they feed.

``shipviewer A B`` opens A's session and B's (a few loose images: their folder's); each image's work is
kept in its own folder's session (or, for a read-only folder, in the user data folder). Opening records
every image of a folder in its store, which takes seconds for 100,000 files, so each opens in a thread
and the images show at once. A folder whose session cannot be opened is remembered with the reason, for
the banner; the others edit normally.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from shipviewer.session import Workspace
from shipviewer.session.group import Located, Root, SessionGroup, session_roots
from shipviewer.session.review import Status as ReviewStatus
from shipviewer.session.store import ImageRecord, StoreError
from shipviewer.session.workspace import WorkspaceError
from shipviewer.viewer.catalog import Catalog, Status

OPEN_ERRORS = (StoreError, WorkspaceError, OSError, ValueError, sqlite3.Error)


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


class SessionLoader(QObject):
    opened = Signal(object)  # a Workspace, ready
    failed = Signal(str, str)  # folder, reason
    settled = Signal()  # every session asked for has opened or failed
    saved = Signal(str)  # the absolute path of an image whose work was just saved
    _done = Signal(int, object, object)  # generation, Root, (Workspace, records, truth) or the exception

    def __init__(self, catalog: Catalog, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.catalog = catalog
        self.group = SessionGroup()
        self.opening: dict[str, Root] = {}  # folder → root, while its session opens
        self.failures: dict[str, str] = {}  # folder → why its session cannot be opened
        self.records: dict[str, ImageRecord] = {}  # absolute image path → what its store knows
        self._generation = 0  # bumped by every open and close: a late background open is discarded
        self._done.connect(self._on_done)
        catalog.inserted.connect(self._on_inserted)

    @property
    def busy(self) -> bool:
        """Some session is still opening."""
        return bool(self.opening)

    # --- opening and closing --------------------------------------------------------------------------
    def open(self, paths: Sequence[str]) -> list[Root]:
        """Open the sessions of these paths (closing the ones open); returns the folders asked for."""
        self.close()
        generation = self._generation
        roots = session_roots(paths)
        for root in roots:
            self.opening[root.folder] = root
            threading.Thread(
                target=self._open_in_background, args=(generation, root), name="open-session", daemon=True
            ).start()
        if not roots:
            self.settled.emit()
        return roots

    def _open_in_background(self, generation: int, root: Root) -> None:
        """Open the store and read what the UI needs from it (records, truth) off the UI thread."""
        try:
            workspace = Workspace.open(root.folder, scope=root.scope)
            folder = str(workspace.folder)
            records = {os.path.join(folder, *r.image_id.split("/")): r for r in workspace.records()}
            result: object = (workspace, records, workspace.store.all_truth())
        except OPEN_ERRORS as exc:
            result = exc
        try:
            self._done.emit(generation, root, result)
        except RuntimeError:  # the window closed meanwhile (this object is gone): nobody wants it
            if isinstance(result, tuple):
                result[0].close()

    def _on_done(self, generation: int, root: Root, result: object) -> None:
        if generation != self._generation:  # closed or reopened meanwhile
            if isinstance(result, tuple):
                result[0].close()
            return
        self.opening.pop(root.folder, None)
        if not isinstance(result, tuple):
            self.failures[root.folder] = str(result)
            self.failed.emit(root.folder, str(result))
        else:
            workspace, records, truth = result
            self.group.add(root, workspace)
            workspace.connect(lambda image_id, ws=workspace: self._on_saved(ws, image_id))
            self.records.update(records)
            if truth:
                self.catalog.set_truth({Path(k).name: v for k, v in truth.items()})
            # Rows start as "not predicted"; only images with work or a prediction need their row updated
            # (a fresh 100,000-image folder touches none, so the UI thread never refreshes every row here).
            for path, record in records.items():
                if record.status != ReviewStatus.UNREVIEWED or record.has_prediction or record.annotated:
                    self.refresh(path)
            self.opened.emit(workspace)
        if not self.opening:
            self.settled.emit()

    def close(self) -> None:
        """Close every session (idempotent); a session still opening is discarded when it arrives."""
        self._generation += 1
        self.opening = {}
        self.failures = {}
        self.records = {}
        self.group.close()

    # --- which session holds an image ---------------------------------------------------------------
    def locate(self, path: str) -> Located | None:
        return self.group.locate(path)

    def failure_for(self, path: str) -> tuple[str, str] | None:
        """(folder, reason) when the session that would hold ``path`` could not be opened."""
        found = [(f, r) for f, r in self.failures.items() if _inside(path, f)]
        return max(found, key=lambda fr: len(fr[0])) if found else None

    def opening_for(self, path: str) -> str | None:
        """The folder whose session, still opening, will hold ``path``."""
        found = [f for f in self.opening if _inside(path, f)]
        return max(found, key=len) if found else None

    # --- list rows ----------------------------------------------------------------------------------
    def refresh(self, path: str) -> None:
        """Update the list row of an image from its record: status, and the annotation's ship count
        once a person worked on it (imported, edited or reviewed; the prediction's count otherwise)."""
        index = self.catalog.index_of(path)
        record = self.records.get(path)
        if index < 0 or record is None:
            return
        predicted = record.has_prediction or record.annotated is not None
        status = Status.from_review(record.status.value, predicted=predicted)
        worked = record.annotated in ("edited", "imported") or record.status != ReviewStatus.UNREVIEWED
        self.catalog.set_review(index, status, record.n_ships if worked else None)

    def reload(self) -> None:
        """Read every record again (after an import) and update every row."""
        self.records = {}
        for workspace in self.group:
            folder = str(workspace.folder)
            for record in workspace.records():
                self.records[os.path.join(folder, *record.image_id.split("/"))] = record
        for entry in self.catalog:
            if entry.path in self.records:
                self.refresh(entry.path)

    def _on_inserted(self, start: int, count: int) -> None:
        if not self.records:
            return
        catalog = self.catalog
        for index in range(start, start + count):
            path = catalog[index].path
            record = self.records.get(path)
            if record is not None and (
                record.status != ReviewStatus.UNREVIEWED or record.has_prediction or record.annotated
            ):
                self.refresh(path)

    def _on_saved(self, workspace: Workspace, image_id: str) -> None:
        try:
            record = workspace.record(image_id)
        except WorkspaceError:
            return
        path = os.path.join(str(workspace.folder), *image_id.split("/"))
        self.records[path] = record
        self.refresh(path)
        self.saved.emit(path)
