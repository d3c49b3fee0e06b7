"""The image list: a lazy QAbstractListModel over a :class:`CatalogView`, its delegate and its panel.

Nothing here holds a row of its own: the model answers from the catalog, thumbnails come from the
loader's cache, and 100,000 rows cost no more than the dozen on screen.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QKeyEvent, QPainter, QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from shipviewer._qt.icons import pixmap
from shipviewer._qt.thumbnails import ThumbnailLoader
from shipviewer.viewer.catalog import CatalogView, Entry, Filter, Status

ENTRY_ROLE = Qt.ItemDataRole.UserRole + 1
INDEX_ROLE = Qt.ItemDataRole.UserRole + 2
SUMMARY_ROLE = Qt.ItemDataRole.UserRole + 3

STATUS_COLOURS = {
    Status.NOT_PREDICTED: QColor("#90a4ae"),
    Status.UNREVIEWED: QColor("#1e88e5"),
    Status.EDITED: QColor("#fb8c00"),
    Status.ACCEPTED: QColor("#2e7d32"),
    Status.REJECTED: QColor("#6d4c41"),
    Status.CONFIRMED_EMPTY: QColor("#00897b"),
}

Index = QModelIndex | QPersistentModelIndex


def summary(entry: Entry) -> str:
    """The second line of a row: status and ship counts, or the problem."""
    if entry.problem:
        return f"skipped: {entry.problem}"
    parts = [entry.status.label]
    ships = entry.n_ships  # the annotation's once a person worked on the image, else the prediction's
    if ships is not None:
        parts.append(f"{ships} ship{'s' if ships != 1 else ''}")
    if entry.n_truth is not None:
        parts.append(f"truth {entry.n_truth}")
    return " · ".join(parts)


class CatalogListModel(QAbstractListModel):
    def __init__(self, view: CatalogView, thumbnails: ThumbnailLoader, parent: Any = None) -> None:
        super().__init__(parent)
        self.view = view
        self.thumbnails = thumbnails
        # Qt asks for the row count once per row when it lays the list out: keep it a plain number.
        self._count = len(view)
        view.about_to_insert.connect(lambda row, n: self.beginInsertRows(QModelIndex(), row, row + n - 1))
        view.inserted.connect(lambda row, n: self._end(self.endInsertRows))
        view.about_to_remove.connect(lambda row, n: self.beginRemoveRows(QModelIndex(), row, row + n - 1))
        view.removed.connect(lambda row, n: self._end(self.endRemoveRows))
        view.about_to_reset.connect(self.beginResetModel)
        view.reset.connect(lambda: self._end(self.endResetModel))
        view.changed.connect(self._row_changed)
        thumbnails.ready.connect(self._thumbnail_ready)

    def _end(self, end: Callable[[], None]) -> None:
        self._count = len(self.view)
        end()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 (Qt override)
        return 0 if parent.isValid() else self._count

    def entry(self, row: int) -> Entry:
        return self.view.catalog[self.view.index_at(row)]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= self._count:
            return None
        entry = self.entry(index.row())
        if role == Qt.ItemDataRole.DisplayRole:
            return entry.name
        if role == SUMMARY_ROLE:
            return summary(entry)
        if role == Qt.ItemDataRole.DecorationRole:
            if entry.problem:
                return pixmap("warning", self.thumbnails.size)
            return self.thumbnails.get(entry.path)
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{entry.path}\n{summary(entry)}"
        if role == ENTRY_ROLE:
            return entry
        if role == INDEX_ROLE:
            return self.view.index_at(index.row())
        return None

    def _row_changed(self, row: int) -> None:
        index = self.index(row)
        self.dataChanged.emit(index, index)

    def _thumbnail_ready(self, path: str) -> None:
        row = self.view.row_of(self.view.catalog.index_of(path))
        if row >= 0:
            index = self.index(row)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])


class EntryDelegate(QStyledItemDelegate):
    """Thumbnail, name, and a status line with a coloured dot; rows of one fixed height."""

    def __init__(self, thumb_size: int, parent: Any = None) -> None:
        super().__init__(parent)
        self.thumb = thumb_size

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:  # noqa: N802 (Qt override)
        return QSize(240, self.thumb + 8)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        entry: Entry | None = index.data(ENTRY_ROLE)
        if entry is None:
            return
        painter.save()
        style = option.widget.style() if option.widget else None
        if style is not None:
            style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, option, painter, option.widget)
        rect: QRect = option.rect
        thumb_rect = QRect(rect.left() + 4, rect.top() + 4, self.thumb, self.thumb)
        picture = index.data(Qt.ItemDataRole.DecorationRole)
        if picture is not None and not picture.isNull():
            scaled = picture.size().scaled(thumb_rect.size(), Qt.AspectRatioMode.KeepAspectRatio)
            target = QRect(0, 0, scaled.width(), scaled.height())
            target.moveCenter(thumb_rect.center())
            painter.drawPixmap(target, picture)
        else:
            painter.fillRect(thumb_rect, QColor("#cfd8dc"))
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        painter.setPen(option.palette.color(role))
        text_left = thumb_rect.right() + 8
        line_h = option.fontMetrics.height()
        name_rect = QRect(text_left, rect.top() + 6, rect.right() - text_left - 4, line_h)
        font = QFont(option.font)
        font.setBold(True)
        painter.setFont(font)
        painter.drawText(name_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, entry.name)
        dot = QRect(text_left, name_rect.bottom() + 6 + line_h // 2 - 4, 8, 8)
        colour = QColor("#d32f2f") if entry.problem else STATUS_COLOURS[entry.status]
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(QColor("white") if selected else Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        painter.drawEllipse(dot)
        painter.setFont(option.font)
        painter.setPen(option.palette.color(role))
        status_rect = QRect(dot.right() + 6, name_rect.bottom() + 4, rect.right() - dot.right() - 10, line_h)
        text = painter.fontMetrics().elidedText(
            summary(entry), Qt.TextElideMode.ElideRight, status_rect.width()
        )
        painter.drawText(status_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text)
        painter.restore()


class EntryListView(QListView):
    """A list whose rows all have one height: a change of a row's data never moves any row.

    QListView answers every ``dataChanged`` with a full relayout, which asks the model for each of
    100,000 rows; here a change only repaints the rows it touched.
    """

    def dataChanged(  # noqa: N802 (Qt override)
        self, top_left: Index, bottom_right: Index, roles: Sequence[int] = ()
    ) -> None:
        if top_left.row() == bottom_right.row():
            rect = self.visualRect(top_left)
            if rect.isValid() and rect.intersects(self.viewport().rect()):
                self.viewport().update(rect)
        else:
            self.viewport().update()


class ImageListPanel(QWidget):
    """Filter, search, the list, and a count line. ``current_changed`` gives catalog indices;
    ``search_done`` says the user finished typing a search (Enter or Escape): keys go back to the canvas."""

    current_changed = Signal(int)
    search_done = Signal()

    def __init__(self, view: CatalogView, thumbnails: ThumbnailLoader, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = view
        self.model = CatalogListModel(view, thumbnails, self)
        self.filter_box = QComboBox()
        for kind in Filter:
            self.filter_box.addItem(kind.value.capitalize(), kind)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search names…")
        self.search.setClearButtonEnabled(True)
        self.list = EntryListView()
        self.list.setModel(self.model)
        self.list.setUniformItemSizes(True)  # the view never measures 100,000 rows
        # Laid out a slice per event-loop pass: a full layout of 100,000 rows would freeze the window.
        self.list.setLayoutMode(QListView.LayoutMode.Batched)
        self.list.setBatchSize(2000)
        self.list.setItemDelegate(EntryDelegate(thumbnails.size, self.list))
        self.list.setSelectionMode(QListView.SelectionMode.SingleSelection)
        self.list.setAcceptDrops(False)
        self.count_label = QLabel()

        top = QHBoxLayout()
        top.addWidget(self.filter_box)
        top.addWidget(self.search, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.count_label)

        self._quiet = False
        self._scroll_tries = 0
        self.current_index = -1  # catalog index of the current row, kept across filter changes
        view.reset.connect(lambda: self.select(self.current_index))
        self.list.selectionModel().currentChanged.connect(self._on_current)
        self.filter_box.currentIndexChanged.connect(self._on_filter)
        self.search.textChanged.connect(self._on_search)
        self.search.returnPressed.connect(self.search_done)
        self.search.installEventFilter(self)
        # Counting 100,000 entries on every change would cost; count at most twice a second.
        self._count_timer = QTimer(self)
        self._count_timer.setSingleShot(True)
        self._count_timer.setInterval(500)
        self._count_timer.timeout.connect(self._update_count)
        for event in (view.inserted, view.removed, view.reset, view.changed):
            event.connect(lambda *_: self._count_timer.start() if not self._count_timer.isActive() else None)
        self._update_count()

    def select(self, catalog_index: int) -> None:
        """Make ``catalog_index`` the current row without announcing it back."""
        self.current_index = catalog_index
        row = self.view.row_of(catalog_index)
        self._quiet = True
        try:
            if row < 0:
                self.list.selectionModel().clearCurrentIndex()
                self.list.clearSelection()
                return
            index = self.model.index(row)
            self.list.selectionModel().setCurrentIndex(
                index, QItemSelectionModel.SelectionFlag.ClearAndSelect
            )
            self._scroll_tries = 50
            self._scroll_to_current()
        finally:
            self._quiet = False

    def _scroll_to_current(self) -> None:
        """Scroll to the current row; while the batched layout has not reached it yet, try again later."""
        index = self.list.currentIndex()
        if not index.isValid():
            return
        self.list.scrollTo(index)
        if self.list.viewport().rect().intersects(self.list.visualRect(index)) or self._scroll_tries <= 0:
            return
        self._scroll_tries -= 1
        QTimer.singleShot(50, self._scroll_to_current)

    def set_filter(self, kind: Filter) -> None:
        self.filter_box.setCurrentIndex(list(Filter).index(kind))

    def _on_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not self._quiet and current.isValid():
            self.current_index = self.view.index_at(current.row())
            self.current_changed.emit(self.current_index)

    def _on_filter(self, position: int) -> None:
        self.view.set_filter(list(Filter)[position])

    def _on_search(self, text: str) -> None:
        """Filter by name; the image on screen stays only if it matches (else the first match is shown)."""
        self.view.set_search(text)
        if self.view.row_of(self.current_index) < 0 and len(self.view):
            self.current_index = self.view.index_at(0)
            self.current_changed.emit(self.current_index)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if (
            watched is self.search
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Escape
        ):
            self.search_done.emit()
            return True
        return super().eventFilter(watched, event)

    def _update_count(self) -> None:
        total = len(self.view.catalog)
        shown = len(self.view)
        problems = self.view.catalog.problem_count()
        text = f"{total:,} images" if shown == total else f"{shown:,} of {total:,} images"
        if problems:
            text += f" · {problems:,} skipped"
        self.count_label.setText(text)
