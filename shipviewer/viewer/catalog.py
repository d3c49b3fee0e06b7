"""The list of open images with their review status, ship counts and problems; Qt-free.

A :class:`Catalog` grows while a folder is scanned and tells observers what changed through small
:class:`Event` objects (napari style: the model never knows the view). A :class:`CatalogView` is a
filtered, searched window onto it with its own row numbering, which a list widget can show as is.
"""

from __future__ import annotations

import bisect
import enum
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple

__all__ = ["Catalog", "CatalogView", "Entry", "Event", "Filter", "Status"]


class Event:
    """A list of callbacks; ``emit`` calls each one in the order they were connected."""

    def __init__(self) -> None:
        self._callbacks: list[Callable[..., Any]] = []

    def connect(self, callback: Callable[..., Any]) -> None:
        self._callbacks.append(callback)

    def disconnect(self, callback: Callable[..., Any]) -> None:
        self._callbacks.remove(callback)

    def emit(self, *args: Any) -> None:
        for callback in list(self._callbacks):
            callback(*args)


class Status(enum.IntEnum):
    """Where an image stands, as the list shows it: the review statuses of the session store
    (:class:`shipviewer.session.review.Status`) plus "not predicted" for an unreviewed image with no ships
    proposed yet."""

    NOT_PREDICTED = 0
    UNREVIEWED = 1
    EDITED = 2
    ACCEPTED = 3
    REJECTED = 4
    CONFIRMED_EMPTY = 5

    @property
    def label(self) -> str:
        return self.name.lower().replace("_", " ")

    @property
    def reviewed(self) -> bool:
        return self >= Status.ACCEPTED

    @classmethod
    def from_review(cls, review: str, *, predicted: bool) -> Status:
        """The list's status for a store status (``review``: its value, e.g. ``"confirmed_empty"``)."""
        status = cls[str(review).upper()]
        if status is cls.UNREVIEWED and not predicted:
            return cls.NOT_PREDICTED
        return status


class Filter(enum.Enum):
    ALL = "all images"
    WITH_SHIPS = "with ships"
    WITHOUT_SHIPS = "without ships"
    UNREVIEWED = "unreviewed"
    PROBLEMS = "with problems"


class Entry(NamedTuple):
    """One image file. ``n_pred``/``n_truth`` are None until predicted / until a CSV names the image;
    ``n_annot`` is the annotation's ship count once a person worked on the image (None before).

    A snapshot: the catalog keeps its rows as plain tuples, which the garbage collector stops
    tracking, so 100,000 entries add nothing to its full passes (which would stall the UI).
    """

    path: str
    name: str
    status_code: int = 0  # a Status value; an enum member here would keep the tuple tracked
    n_pred: int | None = None
    n_truth: int | None = None
    problem: str | None = None
    n_annot: int | None = None

    @property
    def status(self) -> Status:
        return Status(self.status_code)

    @property
    def n_ships(self) -> int | None:
        """The ship count a row shows: the annotation's once a person worked on the image, else the
        prediction's (None when neither is known)."""
        return self.n_annot if self.n_annot is not None else self.n_pred

    def has_ships(self) -> bool | None:
        """True if the shown ships or the ground truth have a ship, False if both known ones have none."""
        known = [n for n in (self.n_ships, self.n_truth) if n is not None]
        return None if not known else any(n > 0 for n in known)

    def matches(self, kind: Filter, search: str = "") -> bool:
        if search and search not in self.name.lower():
            return False
        if kind is Filter.ALL:
            return True
        if kind is Filter.PROBLEMS:
            return self.problem is not None
        if kind is Filter.UNREVIEWED:
            return self.status_code < Status.ACCEPTED and self.problem is None
        ships = self.has_ships()
        return ships is (kind is Filter.WITH_SHIPS) and self.problem is None


class Catalog:
    """Images in the order found; ground truth from CSVs is matched to them by file name (ImageId)."""

    def __init__(self) -> None:
        self._rows: list[tuple[Any, ...]] = []  # plain tuples in Entry's field order
        self.truth: dict[str, list[str]] = {}
        self._by_path: dict[str, int] = {}
        self.inserted = Event()  # (start, count)
        self.changed = Event()  # (index)
        self.about_to_reset = Event()  # ()
        self.reset = Event()  # ()

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, index: int) -> Entry:
        return Entry._make(self._rows[index])

    def __iter__(self) -> Iterator[Entry]:
        return map(Entry._make, self._rows)

    @property
    def entries(self) -> list[Entry]:
        """Every entry, as a new list of snapshots."""
        return list(self)

    def _replace(self, index: int, **changes: Any) -> None:
        self._rows[index] = tuple(Entry._make(self._rows[index])._replace(**changes))

    def clear(self) -> None:
        self.about_to_reset.emit()
        self._rows = []
        self._by_path = {}
        self.truth = {}
        self.reset.emit()

    def extend(self, paths: Iterable[str | os.PathLike[str]]) -> range:
        """Append images not already listed; returns the indices of the new entries."""
        start = len(self._rows)
        rows, by_path, truth = self._rows, self._by_path, self.truth
        for raw in paths:
            path = raw if isinstance(raw, str) else os.fspath(raw)
            if path in by_path:
                continue
            # Cheaper than os.path.basename, which matters at 100,000 entries.
            name = os.path.basename(path) if os.altsep else path[path.rfind(os.sep) + 1 :]
            ships = truth.get(name) if truth else None
            by_path[path] = len(rows)
            rows.append((path, name, 0, None, None if ships is None else len(ships), None, None))
        added = range(start, len(rows))
        if added:
            self.inserted.emit(start, len(added))
        return added

    def index_of(self, path: str | os.PathLike[str]) -> int:
        """The index of ``path``, or -1."""
        return self._by_path.get(os.fspath(path), -1)

    def truth_for(self, index: int) -> list[str] | None:
        return self.truth.get(self._rows[index][1])

    def set_truth(self, ships: Mapping[str, list[str]]) -> int:
        """Add ground truth (ImageId → RLE strings); returns how many open images it names."""
        self.truth.update(ships)
        matched = 0
        for i, row in enumerate(self._rows):
            found = ships.get(row[1])
            if found is not None:
                matched += 1
                self._replace(i, n_truth=len(found))
                self.changed.emit(i)
        return matched

    def set_prediction(self, index: int, n_ships: int) -> None:
        entry = self[index]
        status = Status.UNREVIEWED if entry.status_code == Status.NOT_PREDICTED else entry.status_code
        if (status, n_ships) != (entry.status_code, entry.n_pred):
            self._replace(index, status_code=int(status), n_pred=n_ships)
            self.changed.emit(index)

    def forget_predictions(self) -> None:
        """After a model switch: unreviewed (not edited or reviewed) images go back to 'not predicted'."""
        self.about_to_reset.emit()
        for i, row in enumerate(self._rows):
            if row[2] == Status.UNREVIEWED:
                self._replace(i, status_code=int(Status.NOT_PREDICTED), n_pred=None)
        self.reset.emit()

    def set_status(self, index: int, status: Status) -> None:
        if self._rows[index][2] != status:
            self._replace(index, status_code=int(status))
            self.changed.emit(index)

    def set_review(self, index: int, status: Status, n_annot: int | None) -> None:
        """The image's review status and, once a person worked on it, its annotation's ship count."""
        entry = self[index]
        if (entry.status_code, entry.n_annot) != (status, n_annot):
            self._replace(index, status_code=int(status), n_annot=n_annot)
            self.changed.emit(index)

    def set_problem(self, index: int, reason: str | None, *, definitive: bool = False) -> None:
        """Mark a row unusable (``None`` clears it).

        The folder scan's content check and a failed decode can both report one file, in either order:
        a ``definitive`` reason (the content check's, which says what the file is) replaces another; any
        other reason only fills an empty slot.
        """
        current = self._rows[index][5]
        if reason is not None and current is not None and not definitive:
            return
        if current != reason:
            self._replace(index, problem=reason)
            self.changed.emit(index)

    def unpredicted(self) -> list[tuple[int, str]]:
        """(index, path) of every usable image not predicted yet, in order."""
        code = Status.NOT_PREDICTED
        return [(i, row[0]) for i, row in enumerate(self._rows) if row[2] == code and row[5] is None]

    def problem_count(self) -> int:
        return sum(1 for row in self._rows if row[5] is not None)

    def counts(self) -> dict[str, int]:
        """How many images are in each status, plus problems and images with ships."""
        out = {s.label: 0 for s in Status}
        out["problems"] = 0
        out["with ships"] = 0
        for entry in self:
            out[Status(entry.status_code).label] += 1
            out["problems"] += entry.problem is not None
            out["with ships"] += bool(entry.has_ships())
        return out


class CatalogView:
    """The rows of a catalog that pass a filter and a name search, in catalog order.

    The entry shown in the viewer can be *pinned*: it keeps its row even when a change makes it fail
    the filter (so marking an image reviewed does not pull it from under the user); it is re-checked
    when another entry is pinned.
    """

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.filter = Filter.ALL
        self.search = ""
        self._rows: list[int] | None = None  # None: every catalog entry, in order
        self._identity_len = len(catalog)  # rows announced while _rows is None
        self._pinned = -1
        self._rank: dict[int, int] | None = None  # a sort order: catalog index → position
        # Qt-style pairs: "about to" before the rows change, then the change itself.
        self.about_to_insert = Event()  # (row, count)
        self.inserted = Event()  # (row, count)
        self.about_to_remove = Event()  # (row, count)
        self.removed = Event()  # (row, count)
        self.about_to_reset = Event()  # ()
        self.reset = Event()  # ()
        self.changed = Event()  # (row)
        catalog.inserted.connect(self._on_inserted)
        catalog.changed.connect(self._on_changed)
        catalog.about_to_reset.connect(self.about_to_reset.emit)
        catalog.reset.connect(self._rebuild)

    # --- queries ---------------------------------------------------------------------------------------
    def __len__(self) -> int:
        return self._identity_len if self._rows is None else len(self._rows)

    def index_at(self, row: int) -> int:
        """Catalog index of a view row."""
        return row if self._rows is None else self._rows[row]

    def row_of(self, index: int) -> int:
        """View row of a catalog index, or -1 when filtered out."""
        if self._rows is None:
            return index if 0 <= index < self._identity_len else -1
        row = self._position(index)
        return row if row < len(self._rows) and self._rows[row] == index else -1

    def _key(self, index: int) -> tuple[int, int]:
        """Where an index sorts: by its rank when an order is set (unranked ones last), else by itself."""
        rank = self._rank
        if rank is None:
            return (0, index)
        position = rank.get(index)
        return (0, position) if position is not None else (1, index)

    def _position(self, index: int) -> int:
        """The row where ``index`` is, or would be, in ``_rows``."""
        assert self._rows is not None
        if self._rank is None:
            return bisect.bisect_left(self._rows, index)
        return bisect.bisect_left(self._rows, self._key(index), key=self._key)

    def neighbour(self, index: int, step: int) -> int:
        """Catalog index ``step`` rows from ``index`` in this view (clamped); -1 if the view is empty."""
        if not len(self):
            return -1
        row = self.row_of(index)
        if row >= 0:
            target = row + step
        else:  # not in the view: count from where it would be
            after = self._position(index) if self._rows is not None else max(index, 0)
            target = after + step - 1 if step > 0 else after + step
        return self.index_at(min(max(target, 0), len(self) - 1))

    def _accepts(self, index: int) -> bool:
        entry = self.catalog[index]
        if index == self._pinned:  # the image on screen keeps its row through a filter, not a search
            return entry.matches(Filter.ALL, self.search)
        return entry.matches(self.filter, self.search)

    @property
    def is_identity(self) -> bool:
        return self.filter is Filter.ALL and not self.search and self._rank is None

    # --- changes -----------------------------------------------------------------------------------------
    def set_filter(self, kind: Filter, search: str | None = None) -> None:
        self.filter = kind
        if search is not None:
            self.search = search.strip().lower()
        self._refilter()

    def set_search(self, text: str) -> None:
        self.set_filter(self.filter, text)

    def set_order(self, order: Sequence[int] | None) -> None:
        """Show the rows in this order of catalog indices (indices not in it come last, in catalog
        order), or in catalog order (None). Rows added later go after them."""
        self._rank = None if order is None else {index: position for position, index in enumerate(order)}
        self._refilter()

    @property
    def ordered(self) -> bool:
        return self._rank is not None

    def pin(self, index: int) -> None:
        old, self._pinned = self._pinned, index
        if old >= 0 and old != index and old < len(self.catalog):
            self._on_changed(old)

    def _refilter(self) -> None:
        self.about_to_reset.emit()
        self._rebuild()

    def _rebuild(self) -> None:
        if self._pinned >= len(self.catalog):
            self._pinned = -1
        if not len(self.catalog):
            self._rank = None  # the order was of the images closed
        if self.is_identity:
            self._rows = None
            self._identity_len = len(self.catalog)
        else:
            rows = [i for i in range(len(self.catalog)) if self._accepts(i)]
            self._rows = rows if self._rank is None else sorted(rows, key=self._key)
        self.reset.emit()

    def _on_inserted(self, start: int, count: int) -> None:
        if self._rows is None:
            self.about_to_insert.emit(start, count)
            self._identity_len = start + count
            self.inserted.emit(start, count)
            return
        new = [i for i in range(start, start + count) if self._accepts(i)]
        if new:
            row = len(self._rows)
            self.about_to_insert.emit(row, len(new))
            self._rows.extend(new)
            self.inserted.emit(row, len(new))

    def _on_changed(self, index: int) -> None:
        row = self.row_of(index)
        if self._rows is None:
            if row >= 0:
                self.changed.emit(row)
            return
        keep = self._accepts(index)
        if row >= 0 and keep:
            self.changed.emit(row)
        elif row >= 0:
            self.about_to_remove.emit(row, 1)
            del self._rows[row]
            self.removed.emit(row, 1)
        elif keep:
            row = self._position(index)
            self.about_to_insert.emit(row, 1)
            self._rows.insert(row, index)
            self.inserted.emit(row, 1)
