"""The session store: one SQLite file (WAL) per image folder holding everything a user did to it.

Tables: ``images`` (path relative to the folder — the CSV's ImageId —, size, mtime, content hash
computed lazily, shape, review status), ``ships`` (the user's annotation: one row per ship, keyed by
its label, RLE text), ``predictions`` (the model's ships, apart from the annotation, with the model's
identity) and ``truth`` (an imported ground truth). Every write is its own transaction, committed
before the call returns: a stroke is saved the moment it ends.

Durability: ``journal_mode=WAL`` with ``synchronous=FULL``. A SIGKILL right after a commit loses
nothing even with NORMAL (the commit's frames are in the WAL file, in the OS's hands, before COMMIT
returns); FULL also fsyncs the WAL at each commit, so a power cut or OS crash keeps the latest stroke
too. It costs one fsync per stroke, a few milliseconds, at the pace of a hand.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shipviewer.session.review import Status

__all__ = [
    "KINDS",
    "SCHEMA_VERSION",
    "ImageRecord",
    "Prediction",
    "SessionStore",
    "StoreError",
    "SyncReport",
    "export_kinds",
    "file_hash",
]

SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS images (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    size INTEGER,
    mtime_ns INTEGER,
    hash TEXT,
    height INTEGER,
    width INTEGER,
    present INTEGER NOT NULL DEFAULT 1,
    status TEXT NOT NULL DEFAULT 'unreviewed',
    status_time REAL,
    annotated TEXT,
    updated REAL
);
CREATE TABLE IF NOT EXISTS ships (
    image INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    label INTEGER NOT NULL,
    rle TEXT NOT NULL,
    source TEXT,
    PRIMARY KEY (image, label)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS predictions (
    image INTEGER PRIMARY KEY REFERENCES images(id) ON DELETE CASCADE,
    model TEXT NOT NULL,
    created REAL NOT NULL,
    uncertainty REAL,
    rles TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS truth (
    image INTEGER PRIMARY KEY REFERENCES images(id) ON DELETE CASCADE,
    source TEXT NOT NULL,
    rles TEXT NOT NULL
);
"""
# Where an annotation came from: an imported CSV, the model's proposal, or the user's hand.
SOURCES = ("imported", "predicted", "edited")


class StoreError(RuntimeError):
    """The session file cannot be used (corrupt, from a newer version, or locked)."""


def file_hash(path: str | os.PathLike[str]) -> str:
    """blake2b-128 of a file's bytes, as hex."""
    digest = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _join(rles: Sequence[str]) -> str:
    return "\n".join(r.strip() for r in rles)


def _split(text: str) -> list[str]:
    return [r for r in text.split("\n") if r]


@dataclass(frozen=True)
class ImageRecord:
    """What the store knows of one image (``annotated``: None, or where its ships came from)."""

    image_id: str
    status: Status
    annotated: str | None
    n_ships: int
    height: int | None
    width: int | None
    present: bool
    has_prediction: bool
    uncertainty: float | None
    has_truth: bool
    updated: float | None

    @property
    def shape(self) -> tuple[int, int] | None:
        return None if self.height is None or self.width is None else (self.height, self.width)


@dataclass(frozen=True)
class Prediction:
    """The model's ships for one image, kept apart from the user's annotation."""

    rles: list[str]
    model: str
    created: float
    uncertainty: float | None


@dataclass
class SyncReport:
    """What changed in the folder since the store last looked."""

    added: int = 0
    missing: int = 0
    moved: int = 0
    changed: int = 0
    total: int = 0


class SessionStore:
    """The SQLite session of one folder. Thread-safe (one lock); every method commits before returning."""

    def __init__(
        self, path: str | os.PathLike[str], folder: str | os.PathLike[str], *, synchronous: str = "FULL"
    ) -> None:
        self.path = Path(path)
        self.folder = Path(folder).absolute()
        self._lock = threading.RLock()
        self._depth = 0
        self._ids: dict[str, int] = {}
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
            self._db.execute("PRAGMA busy_timeout = 30000")
            mode = self._db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise StoreError(f"{self.path}: cannot switch the session file to WAL mode (got {mode})")
            self._db.execute(f"PRAGMA synchronous = {synchronous}")
            self._db.execute("PRAGMA foreign_keys = ON")
            self._init_schema()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: not a usable session file ({exc})") from exc

    # --- plumbing -------------------------------------------------------------------------------
    def _init_schema(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} was written by a newer ShipViewer "
                f"(schema {version}, this one reads {SCHEMA_VERSION})"
            )
        with self.transaction():
            for statement in _statements(_SCHEMA):
                self._db.execute(statement)
            columns = {row[1] for row in self._db.execute("PRAGMA table_info(ships)")}
            if "source" not in columns:
                # A session from before ships knew their source: its ships count as a person's (NULL), as
                # they were exported before. The column is additive, so the schema version stays.
                self._db.execute("ALTER TABLE ships ADD COLUMN source TEXT")
            self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            self._db.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('folder', ?)", (str(self.folder.resolve()),)
            )
        for image_id, path in self._db.execute("SELECT id, path FROM images"):
            self._ids[path] = image_id

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic write (nested calls join the outer one); committed on leaving."""
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self._db
                finally:
                    self._depth -= 1
                return
            self._db.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            else:
                self._db.execute("COMMIT")
            finally:
                self._depth = 0

    def close(self) -> None:
        with self._lock:
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("PRAGMA optimize")
            self._db.close()

    def __enter__(self) -> SessionStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run a query under the lock (the connection is shared between threads) and fetch every row."""
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    def _row(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        rows = self._rows(sql, params)
        return rows[0] if rows else None

    def _id(self, image_id: str) -> int:
        try:
            return self._ids[image_id]
        except KeyError:
            raise KeyError(f"{image_id!r} is not an image of {self.folder}") from None

    def __contains__(self, image_id: object) -> bool:
        return image_id in self._ids

    def meta(self, key: str) -> str | None:
        row = self._row("SELECT value FROM meta WHERE key = ?", (key,))
        return None if row is None else row[0]

    # --- the folder -----------------------------------------------------------------------------
    def sync(self, files: Iterable[str | os.PathLike[str]], *, complete: bool = True) -> SyncReport:
        """Record the image files now in the folder (absolute or folder-relative paths).

        New files are added; files gone are marked missing (their work is kept); a file gone whose
        content hash shows up under a new name is moved with its work; a file whose content changed
        goes back to ``unreviewed``. ``complete=False``: ``files`` are some of the folder's images only
        (a few opened on their own): nothing else is marked missing or moved.
        """
        disk: dict[str, tuple[int, int]] = {}
        for raw in files:
            given = Path(raw)
            absolute = given if given.is_absolute() else self.folder / given
            st = absolute.stat()
            disk[absolute.relative_to(self.folder).as_posix()] = (st.st_size, st.st_mtime_ns)
        report = SyncReport(total=len(disk))
        with self.transaction() as db:
            rows = {
                r[0]: r[1:]
                for r in db.execute("SELECT path, id, size, mtime_ns, hash, present, annotated FROM images")
            }
            new = [p for p in disk if p not in rows]
            gone = [p for p, r in rows.items() if p not in disk and r[4]] if complete else []
            moved_to = self._find_moves(gone, new, rows, disk)
            for old, target in moved_to.items():
                size, mtime = disk[target]
                db.execute(
                    "UPDATE images SET path = ?, size = ?, mtime_ns = ?, present = 1 WHERE path = ?",
                    (target, size, mtime, old),
                )
                self._ids[target] = self._ids.pop(old)
            report.moved = len(moved_to)
            moved_targets = set(moved_to.values())
            for path in new:
                if path in moved_targets:
                    continue
                size, mtime = disk[path]
                cursor = db.execute(
                    "INSERT INTO images (path, size, mtime_ns, present) VALUES (?, ?, ?, 1)",
                    (path, size, mtime),
                )
                self._ids[path] = int(cursor.lastrowid or 0)
                report.added += 1
            for path in gone:
                if path not in moved_to:
                    db.execute("UPDATE images SET present = 0 WHERE path = ?", (path,))
                    report.missing += 1
            for path, (size, mtime) in disk.items():
                row = rows.get(path)
                if row is None:
                    continue
                _, old_size, old_mtime, old_hash, present, _ = row
                if (old_size, old_mtime) == (size, mtime) and present:
                    continue
                new_hash = file_hash(self.folder / path) if old_hash is not None else None
                if old_hash is not None and new_hash != old_hash:
                    report.changed += 1
                    db.execute(
                        "UPDATE images SET hash = ?, height = NULL, width = NULL, status = ?, "
                        "status_time = ? WHERE path = ?",
                        (new_hash, Status.UNREVIEWED.value, time.time(), path),
                    )
                # The image size is probed again when next needed: the file may have been replaced.
                db.execute(
                    "UPDATE images SET size = ?, mtime_ns = ?, present = 1, height = NULL, width = NULL "
                    "WHERE path = ?",
                    (size, mtime, path),
                )
        return report

    def _find_moves(
        self,
        gone: list[str],
        new: list[str],
        rows: Mapping[str, tuple[Any, ...]],
        disk: Mapping[str, tuple[int, int]],
    ) -> dict[str, str]:
        """Gone files whose content (same size, then same hash) appears under a new path."""
        moves: dict[str, str] = {}
        if not gone or not new:
            return moves
        by_size: dict[int, list[str]] = {}
        for path in new:
            by_size.setdefault(disk[path][0], []).append(path)
        hashes: dict[str, str] = {}
        for old in gone:
            _, size, _, old_hash, _, _ = rows[old]
            if old_hash is None:
                continue
            for candidate in by_size.get(size, []):
                if candidate in moves.values():
                    continue
                if candidate not in hashes:
                    hashes[candidate] = file_hash(self.folder / candidate)
                if hashes[candidate] == old_hash:
                    moves[old] = candidate
                    break
        return moves

    def image_ids(self, *, present_only: bool = True) -> list[str]:
        """Every image's id (its folder-relative path), sorted."""
        query = "SELECT path FROM images" + (" WHERE present = 1" if present_only else "")
        return sorted(r[0] for r in self._rows(query))

    def records(self, image_ids: Iterable[str] | None = None) -> list[ImageRecord]:
        """The records of the present images (or of ``image_ids``), sorted by id."""
        query = (
            "SELECT i.path, i.status, i.annotated, (SELECT COUNT(*) FROM ships s WHERE s.image = i.id), "
            "i.height, i.width, i.present, p.image IS NOT NULL, p.uncertainty, t.image IS NOT NULL, "
            "i.updated "
            "FROM images i LEFT JOIN predictions p ON p.image = i.id LEFT JOIN truth t ON t.image = i.id"
        )
        with self._lock:
            if image_ids is None:
                rows = self._db.execute(query + " WHERE i.present = 1").fetchall()
            else:
                rows = [
                    r for k in image_ids for r in self._db.execute(query + " WHERE i.id = ?", (self._id(k),))
                ]
        records = [
            ImageRecord(
                r[0], Status(r[1]), r[2], r[3], r[4], r[5], bool(r[6]), bool(r[7]), r[8], bool(r[9]), r[10]
            )
            for r in rows
        ]
        return sorted(records, key=lambda rec: rec.image_id)

    def record(self, image_id: str) -> ImageRecord:
        return self.records([image_id])[0]

    def absolute(self, image_id: str) -> Path:
        self._id(image_id)
        return self.folder / image_id

    def shape(self, image_id: str) -> tuple[int, int] | None:
        row = self._row("SELECT height, width FROM images WHERE id = ?", (self._id(image_id),))
        return None if row is None or row[0] is None else (int(row[0]), int(row[1]))

    def set_shape(self, image_id: str, shape: Sequence[int]) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE images SET height = ?, width = ? WHERE id = ?",
                (int(shape[0]), int(shape[1]), self._id(image_id)),
            )

    def set_shapes(self, shapes: Mapping[str, Sequence[int]]) -> None:
        """Remember the sizes of many images in one transaction (one fsync)."""
        with self.transaction() as db:
            db.executemany(
                "UPDATE images SET height = ?, width = ? WHERE id = ?",
                [(int(hw[0]), int(hw[1]), self._id(image_id)) for image_id, hw in shapes.items()],
            )

    def content_hash(self, image_id: str) -> str:
        """The image file's hash, computed (and stored) on first use."""
        key = self._id(image_id)
        row = self._row("SELECT hash FROM images WHERE id = ?", (key,))
        assert row is not None
        if row[0] is not None:
            return str(row[0])
        digest = file_hash(self.folder / image_id)
        with self.transaction() as db:
            db.execute("UPDATE images SET hash = ? WHERE id = ?", (digest, key))
        return digest

    def _ensure_hash(self, db: sqlite3.Connection, key: int, image_id: str) -> None:
        """Hash the file the first time the user's work is attached to it (so a move keeps the work)."""
        if db.execute("SELECT hash IS NULL FROM images WHERE id = ?", (key,)).fetchone()[0]:
            with contextlib.suppress(OSError):
                db.execute(
                    "UPDATE images SET hash = ? WHERE id = ?", (file_hash(self.folder / image_id), key)
                )

    # --- the annotation -------------------------------------------------------------------------
    def ships(self, image_id: str) -> dict[int, str]:
        """The annotation as label → RLE, in label (= export) order."""
        rows = self._rows(
            "SELECT label, rle FROM ships WHERE image = ? ORDER BY label", (self._id(image_id),)
        )
        return {int(label): rle for label, rle in rows}

    def save_ships(
        self,
        image_id: str,
        changes: Mapping[int, str],
        *,
        source: str = "edited",
        status: Status | None = None,
    ) -> None:
        """Write the ships that changed (label → RLE; '' deletes the ship) in one transaction.

        ``source="edited"`` marks the image as edited by hand (status ``edited`` unless ``status``).
        Each ship written keeps ``source`` too, so an edited image knows which of its ships are still the
        model's untouched proposal (see :data:`KINDS`).
        """
        key = self._id(image_id)
        now = time.time()
        with self.transaction() as db:
            gone = [(key, label) for label, rle in changes.items() if not rle]
            kept = [(key, label, rle, source) for label, rle in changes.items() if rle]
            db.executemany("DELETE FROM ships WHERE image = ? AND label = ?", gone)
            db.executemany(
                "INSERT OR REPLACE INTO ships (image, label, rle, source) VALUES (?, ?, ?, ?)", kept
            )
            self._mark(db, key, image_id, source, status, now)

    def replace_ships(
        self, image_id: str, rles: Sequence[str], *, source: str, status: Status | None = None
    ) -> None:
        """Replace the whole annotation by ``rles`` (labels 1, 2, ... in order)."""
        self.replace_many({image_id: rles}, source=source, status=status)

    def replace_many(
        self, annotations: Mapping[str, Sequence[str]], *, source: str, status: Status | None = None
    ) -> None:
        """Replace the annotations of many images at once (an import): one transaction, bulk statements."""
        keys = {image_id: self._id(image_id) for image_id in annotations}
        now = time.time()
        with self.transaction() as db:
            db.executemany("DELETE FROM ships WHERE image = ?", [(k,) for k in keys.values()])
            db.executemany(
                "INSERT INTO ships (image, label, rle, source) VALUES (?, ?, ?, ?)",
                [
                    (keys[image_id], label, rle, source)
                    for image_id, rles in annotations.items()
                    for label, rle in enumerate(rles, start=1)
                    if rle
                ],
            )
            if len(keys) == 1:
                ((image_id, key),) = keys.items()
                self._mark(db, key, image_id, source, status, now)
                return
            if source not in SOURCES or source == "edited":
                raise ValueError(f"bulk replacement is for imports and predictions, not {source!r}")
            db.executemany(
                "UPDATE images SET annotated = ?, updated = ? WHERE id = ?",
                [(source, now, k) for k in keys.values()],
            )
            if status is not None:
                db.executemany(
                    "UPDATE images SET status = ?, status_time = ? WHERE id = ?",
                    [(Status(status).value, now, k) for k in keys.values()],
                )

    def shapes(self) -> dict[str, tuple[int, int]]:
        """(height, width) of every image whose size is known."""
        rows = self._rows("SELECT path, height, width FROM images WHERE height IS NOT NULL")
        return {path: (int(h), int(w)) for path, h, w in rows}

    def _mark(
        self, db: sqlite3.Connection, key: int, image_id: str, source: str, status: Status | None, now: float
    ) -> None:
        if source not in SOURCES:
            raise ValueError(f"unknown annotation source {source!r}")
        if status is None and source == "edited":
            status = Status.EDITED
        db.execute("UPDATE images SET annotated = ?, updated = ? WHERE id = ?", (source, now, key))
        if status is not None:
            db.execute(
                "UPDATE images SET status = ?, status_time = ? WHERE id = ?", (Status(status).value, now, key)
            )
        if source == "edited" or (status is not None and status != Status.UNREVIEWED):
            self._ensure_hash(db, key, image_id)

    def set_status(self, image_id: str, status: Status | str) -> None:
        status = Status.parse(status)
        key = self._id(image_id)
        with self.transaction() as db:
            db.execute(
                "UPDATE images SET status = ?, status_time = ? WHERE id = ?", (status.value, time.time(), key)
            )
            self._ensure_hash(db, key, image_id)

    def status(self, image_id: str) -> Status:
        row = self._row("SELECT status FROM images WHERE id = ?", (self._id(image_id),))
        assert row is not None
        return Status(row[0])

    def status_counts(self) -> dict[Status, int]:
        """How many present images are in each status, counted by SQLite (no row per image)."""
        rows = self._rows("SELECT status, COUNT(*) FROM images WHERE present = 1 GROUP BY status")
        return {Status(s): int(n) for s, n in rows}

    def statuses(self) -> dict[str, Status]:
        """Status of every present image."""
        return {p: Status(s) for p, s in self._rows("SELECT path, status FROM images WHERE present = 1")}

    # --- predictions and truth ------------------------------------------------------------------
    def set_prediction(
        self, image_id: str, rles: Sequence[str], *, model: str, uncertainty: float | None = None
    ) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO predictions (image, model, created, uncertainty, rles) "
                "VALUES (?, ?, ?, ?, ?)",
                (self._id(image_id), model, time.time(), uncertainty, _join(rles)),
            )

    def prediction(self, image_id: str) -> Prediction | None:
        row = self._row(
            "SELECT rles, model, created, uncertainty FROM predictions WHERE image = ?", (self._id(image_id),)
        )
        return None if row is None else Prediction(_split(row[0]), row[1], row[2], row[3])

    def set_truth(self, image_id: str, rles: Sequence[str], *, source: str) -> None:
        self.set_truth_many({image_id: rles}, source=source)

    def set_truth_many(self, truth: Mapping[str, Sequence[str]], *, source: str) -> None:
        with self.transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO truth (image, source, rles) VALUES (?, ?, ?)",
                [(self._id(image_id), source, _join(rles)) for image_id, rles in truth.items()],
            )

    def truth(self, image_id: str) -> list[str] | None:
        """The imported ground truth of an image; None when no truth CSV named it."""
        row = self._row("SELECT rles FROM truth WHERE image = ?", (self._id(image_id),))
        return None if row is None else _split(row[0])

    def all_truth(self) -> dict[str, list[str]]:
        rows = self._rows(
            "SELECT i.path, t.rles FROM truth t JOIN images i ON i.id = t.image WHERE i.present = 1"
        )
        return {path: _split(text) for path, text in rows}

    def all_predictions(self) -> dict[str, list[str]]:
        rows = self._rows(
            "SELECT i.path, p.rles FROM predictions p JOIN images i ON i.id = p.image WHERE i.present = 1"
        )
        return {path: _split(text) for path, text in rows}

    # --- export ---------------------------------------------------------------------------------
    def kind_counts(self) -> dict[str, int]:
        """How many present images are of each export kind (see :data:`KINDS`), counted by SQLite."""
        rows = self._rows(
            f"SELECT {_KIND_SQL} AS kind, COUNT(*) FROM images i WHERE i.present = 1 GROUP BY kind"
        )
        counts = dict.fromkeys(KINDS, 0)
        counts.update({str(k): int(n) for k, n in rows})
        return counts

    def exportable(
        self, *, reviewed_only: bool = False, include_predictions: bool = False
    ) -> dict[str, list[str]]:
        """Ships per image for the CSV, in label order: what a person made or confirmed.

        Accepted and confirmed-empty images; unless ``reviewed_only``, also images edited by hand (whose
        ships all are a person's) and imported annotations nobody changed; the model's untouched
        predictions, and edited images still holding some of them, only with ``include_predictions``.
        Rejected images never.
        """
        return self.ships_of_kinds(
            export_kinds(reviewed_only=reviewed_only, include_predictions=include_predictions)
        )

    def ids_of_kinds(self, kinds: Iterable[str]) -> list[str]:
        """The present images of the given export kinds, sorted."""
        chosen = sorted(set(kinds))
        if not chosen:
            return []
        marks = ",".join("?" * len(chosen))
        rows = self._rows(
            f"SELECT i.path FROM images i WHERE i.present = 1 AND {_KIND_SQL} IN ({marks}) ORDER BY i.path",
            chosen,
        )
        return [r[0] for r in rows]

    def ships_of_kinds(self, kinds: Iterable[str]) -> dict[str, list[str]]:
        """Ships per present image of the given export kinds (confirmed-empty images: none), sorted by id."""
        chosen = sorted(set(kinds))
        unknown = set(chosen) - set(KINDS)
        if unknown:
            raise ValueError(f"unknown export kind(s): {', '.join(sorted(unknown))}")
        marks = ",".join("?" * len(chosen))
        query = (
            f"SELECT i.path, s.rle FROM images i LEFT JOIN ships s ON s.image = i.id AND i.status != ? "
            f"WHERE i.present = 1 AND {_KIND_SQL} IN ({marks}) ORDER BY i.path, s.label"
        )
        out: dict[str, list[str]] = {}
        if not chosen:
            return out
        with self._lock:
            for path, rle in self._db.execute(query, (Status.CONFIRMED_EMPTY.value, *chosen)):
                bucket = out.setdefault(path, [])
                if rle:
                    bucket.append(rle)
        return out

    # --- what the viewer remembers of the folder --------------------------------------------------
    def set_meta(self, key: str, value: str) -> None:
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, str(value)))


# What an image is to an export. "reviewed": accepted or confirmed empty; "edited": changed by hand and
# not signed off yet; "partly model": edited, but some of its ships are still the model's proposal that
# nobody touched (the annotation starts as the model's ships, and a first edit on one ship leaves the
# others as they were: false alarms too); "imported": an imported annotation nobody changed;
# "model-only": the model's prediction nobody touched; "rejected": never exported; "not annotated":
# nothing to write.
KINDS = ("reviewed", "edited", "partly model", "imported", "model-only", "rejected", "not annotated")
_KIND_SQL = (
    "CASE WHEN i.status = 'rejected' THEN 'rejected' "
    "WHEN i.status IN ('accepted', 'confirmed_empty') THEN 'reviewed' "
    "WHEN (i.status = 'edited' OR i.annotated = 'edited') AND EXISTS "
    "(SELECT 1 FROM ships m WHERE m.image = i.id AND m.source = 'predicted') THEN 'partly model' "
    "WHEN i.status = 'edited' OR i.annotated = 'edited' THEN 'edited' "
    "WHEN i.annotated = 'imported' THEN 'imported' "
    "WHEN i.annotated = 'predicted' THEN 'model-only' "
    "ELSE 'not annotated' END"
)


def export_kinds(*, reviewed_only: bool = False, include_predictions: bool = False) -> tuple[str, ...]:
    """The kinds of image an export writes with these options."""
    if reviewed_only:
        return ("reviewed",)
    model = ("partly model", "model-only") if include_predictions else ()
    return ("reviewed", "edited", "imported", *model)


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]
