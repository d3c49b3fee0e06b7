"""Several folders open at once: each image's work is kept in its own folder's session.

``shipviewer A B`` (or a folder and a few loose images) opens one :class:`~.workspace.Workspace` per
folder; :class:`SessionGroup` finds the one that holds an image, adds up the review progress, and
walks the review queue across all of them. Qt-free: the viewer's edit controller drives it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from shipviewer.session.csvio import ImportReport
from shipviewer.session.location import has_session
from shipviewer.session.review import NEEDS_REVIEW, ORDERS, Progress, Status, progress_from_counts
from shipviewer.session.workspace import ViewState, Workspace

__all__ = ["Located", "Root", "SessionGroup", "session_roots"]


@dataclass(frozen=True)
class Root:
    """A folder whose session the viewer opens. ``scope``: the files and subfolders opened from it,
    relative to it (None: the whole folder, its subfolders included, was opened)."""

    folder: str
    scope: tuple[str, ...] | None = None

    def holds(self, image_id: str) -> bool:
        """Whether an image of the session is one of those opened."""
        if self.scope is None:
            return True
        return any(image_id == part or image_id.startswith(part + "/") for part in self.scope)


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _session_folder(path: str, opened: Sequence[str]) -> str:
    """The folder whose session holds ``path``: the outermost opened folder around it; else the nearest
    folder around it (itself, for a folder) that has a session store already — so an image opened on
    its own keeps the work done on it while its whole folder was open —; else its own folder."""
    outer = [f for f in opened if f != path and _inside(path, f)]
    if outer:
        return min(outer, key=len)
    start = path if os.path.isdir(path) else os.path.dirname(path)
    candidate = start
    while True:
        if has_session(candidate):
            return candidate
        parent = os.path.dirname(candidate)
        if parent == candidate:
            return start
        candidate = parent


def session_roots(paths: Sequence[str | os.PathLike[str]]) -> list[Root]:
    """The sessions that hold the images of these paths, one per folder: each folder opened, and for an
    image (or subfolder) the session around it (see :func:`_session_folder`). Paths that do not exist
    are left out (the folder scan reports them)."""
    existing = [os.path.abspath(os.fspath(p)) for p in paths]
    existing = [p for p in dict.fromkeys(existing) if os.path.exists(p)]
    opened = [p for p in existing if os.path.isdir(p)]
    scopes: dict[str, set[str] | None] = {}
    for path in existing:
        folder = _session_folder(path, opened)
        if path == folder:
            scopes[folder] = None
            continue
        part = Path(path).relative_to(folder).as_posix()
        known = scopes.setdefault(folder, set())
        if known is not None:
            known.add(part)
    return [Root(f, None if parts is None else tuple(sorted(parts))) for f, parts in scopes.items()]


@dataclass(frozen=True)
class Located:
    """Where an image's work lives: its folder's workspace and its id there (the CSV's ImageId)."""

    workspace: Workspace
    image_id: str

    @property
    def path(self) -> str:
        return os.path.join(str(self.workspace.folder), *self.image_id.split("/"))


class SessionGroup:
    """The open sessions, in the order their folders were opened."""

    def __init__(self) -> None:
        self._members: list[tuple[Root, Workspace]] = []

    def __len__(self) -> int:
        return len(self._members)

    def __iter__(self) -> Iterator[Workspace]:
        return (ws for _, ws in self._members)

    @property
    def workspaces(self) -> list[Workspace]:
        return [ws for _, ws in self._members]

    def add(self, root: Root, workspace: Workspace) -> None:
        self._members.append((root, workspace))

    def close(self) -> None:
        for _, workspace in self._members:
            workspace.close()
        self._members = []

    def root_of(self, workspace: Workspace) -> Root:
        return next(root for root, ws in self._members if ws is workspace)

    # --- which session holds an image ---------------------------------------------------------------
    def locate(self, path: str | os.PathLike[str]) -> Located | None:
        """The session that holds the image at ``path`` (the deepest folder that does), or None."""
        path = os.path.abspath(os.fspath(path))
        best: Located | None = None
        depth = -1
        for root, workspace in self._members:
            folder = str(workspace.folder)
            if not _inside(path, folder) or len(folder) <= depth:
                continue
            image_id = Path(path).relative_to(folder).as_posix()
            if image_id in workspace.store and root.holds(image_id):
                best, depth = Located(workspace, image_id), len(folder)
        return best

    def _ids(self, root: Root, workspace: Workspace) -> list[str]:
        ids = workspace.image_ids()
        return ids if root.scope is None else [k for k in ids if root.holds(k)]

    # --- review -------------------------------------------------------------------------------------
    def progress(self) -> Progress:
        """N of M reviewed over every open session (of a folder opened for a few images: those)."""
        counts: dict[Status, int] = {}
        for root, workspace in self._members:
            if root.scope is None:
                part = workspace.store.status_counts()
            else:
                part = {}
                for image_id, status in workspace.store.statuses().items():
                    if root.holds(image_id):
                        part[status] = part.get(status, 0) + 1
            for status, n in part.items():
                counts[status] = counts.get(status, 0) + n
        return progress_from_counts(counts)

    def queue(self, order: str = "path") -> list[Located]:
        """Every open image in review order: ``path`` (folder by folder, by id), ``uncertainty`` (of the
        prediction, most uncertain first) or ``disagreement`` (with the truth, largest first); images
        without a value come last, in path order."""
        return [Located(ws, k) for ws, k in self._ordered(order)]

    def _ordered(self, order: str) -> list[tuple[Workspace, str]]:
        if order not in ORDERS:
            raise ValueError(f"unknown review order {order!r}: use one of {', '.join(ORDERS)}")
        scored: list[tuple[float, int, str, Workspace]] = []
        rest: list[tuple[Workspace, str]] = []
        for position, (root, workspace) in enumerate(self._members):
            ids = self._ids(root, workspace)
            if order == "path":
                rest += [(workspace, k) for k in ids]
                continue
            if order == "uncertainty":
                values = {r.image_id: r.uncertainty for r in workspace.records()}
            else:
                values = dict(workspace.disagreements())
            for image_id in ids:
                value = values.get(image_id)
                if value is None:
                    rest.append((workspace, image_id))
                else:
                    scored.append((-value, position, image_id, workspace))
        scored.sort(key=lambda t: t[:3])
        return [(ws, k) for _, _, k, ws in scored] + rest

    def next_unreviewed(self, after: Located | None = None, *, order: str = "path") -> Located | None:
        """The first image needing review after ``after`` in the queue, wrapping around; None if none."""
        queue = self._ordered(order)
        statuses = {id(ws): ws.store.statuses() for ws in self}
        start = 0
        key = None if after is None else (after.workspace, after.image_id)
        if key is not None:
            start = next((i + 1 for i, item in enumerate(queue) if item == key), 0)
        for workspace, image_id in queue[start:] + queue[:start]:
            if (workspace, image_id) != key and statuses[id(workspace)].get(image_id) in NEEDS_REVIEW:
                return Located(workspace, image_id)
        return None

    # --- where the user was -------------------------------------------------------------------------
    def last_view(self) -> tuple[Located, ViewState] | None:
        """The image the viewer showed last in any of these folders, with the brush and order then."""
        latest: tuple[Located, ViewState] | None = None
        for workspace in self:
            state = workspace.view_state()
            if state is None or state.image_id not in workspace.store:
                continue
            if latest is None or state.time > latest[1].time:
                latest = (Located(workspace, state.image_id), state)
        return latest

    # --- CSV ----------------------------------------------------------------------------------------
    def import_csv(self, path: str | os.PathLike[str], *, layer: str = "annotations") -> ImportReport:
        """Import an Airbus CSV into every open session (each takes the rows of its own images, checked
        against each image's size): one report, each bad row once, the ids no open folder holds."""
        merged = ImportReport(str(path), layer)
        seen: set[tuple[int, str]] = set()
        missing: set[str] | None = None
        for workspace in self:
            report = workspace.import_csv(path, layer=layer)
            merged.n_rows = report.n_rows
            merged.images += report.images
            merged.ships += report.ships
            merged.kept += report.kept
            merged.changed += report.changed
            for problem in report.problems:
                if (problem.line, problem.message) not in seen:
                    seen.add((problem.line, problem.message))
                    merged.problems.append(problem)
            names = set(report.not_in_folder)
            missing = names if missing is None else missing & names
        merged.not_in_folder = sorted(missing or ())
        merged.problems.sort(key=lambda p: p.line)
        return merged
