"""The image view: fit, 1:1, wheel zoom around the cursor, pan with space-drag or the middle button.

It shows one image and three label layers (prediction, ground truth, the editable annotation) and
reports the pixel under the cursor; what the pixel means is the core's business
(:class:`shipviewer.viewer.current_image.CurrentImage`). With editing on, the left button is reported as
``tool_pressed``/``tool_moved``/``tool_released`` in image coordinates (floats) for the edit tools (the
right button, Enter, a double click and the hovering mouse have their own signals), and the canvas draws
what a tool sketches (a polygon, a split line, a box), the clicks of click-to-segment (positive and
negative differently, in both colour and shape), the brush's footprint under the cursor, and a frame
around selected ships.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QFrame,
    QGraphicsItem,
    QGraphicsItemGroup,
    QGraphicsPathItem,
    QGraphicsPixmapItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsView,
    QWidget,
)

from shipviewer._qt.layers import LabelLayerItem
from shipviewer.edits.brush import brush_footprint
from shipviewer.viewer.current_image import ANNOTATION, PREDICTION, TRUTH
from shipviewer.viewer.label_render import Box

MIN_SCALE, MAX_SCALE = 0.02, 64.0
WHEEL_STEP = 1.25  # zoom factor per wheel notch
MARKER_RADIUS = 6.0  # screen pixels
# Marker kinds: fill colour and sign. Positive and negative differ in shape as well as colour.
MARKER_STYLE = {"positive": ("#00c853", "+"), "negative": ("#ff1744", "-"), "seed": ("#00b0ff", "o")}
EXACT_FOOTPRINT = 96  # brushes up to this size show their exact pixels; larger ones a circle


@functools.lru_cache(maxsize=32)
def footprint_path(size: int) -> QPainterPath:
    """The outline of the brush's footprint (its exact pixels) around the pixel (0, 0), in scene units."""
    path = QPainterPath()
    radius = (size - 1) // 2
    if size > EXACT_FOOTPRINT:
        path.addEllipse(QPointF(0.5, 0.5), radius + 0.5, radius + 0.5)
        return path
    pad = radius + 2
    found = brush_footprint((2 * pad + 1, 2 * pad + 1), (pad, pad), None, size)
    assert found is not None
    box, mask = found
    for row in range(mask.shape[0]):
        cols = np.flatnonzero(mask[row])
        if cols.size:
            x0 = box.x0 + int(cols[0]) - pad
            y = box.y0 + row - pad
            path.addRect(QRectF(x0, y, int(cols[-1]) - int(cols[0]) + 1, 1))
    return path.simplified()


def _marker(kind: str) -> QGraphicsItemGroup:
    """A click marker of fixed screen size: a see-through disc with a dark rim and a white sign."""
    colour, sign = MARKER_STYLE[kind]
    group = QGraphicsItemGroup()
    disc = QPainterPath()
    disc.addEllipse(QPointF(0, 0), MARKER_RADIUS, MARKER_RADIUS)
    body = QGraphicsPathItem(disc)
    fill = QColor(colour)
    fill.setAlpha(150)  # see-through: on a small boat an opaque disc hid the ship being made
    body.setBrush(QBrush(fill))
    body.setPen(QPen(QColor("#101010"), 1.5))
    group.addToGroup(body)
    mark = QPainterPath()
    r = MARKER_RADIUS * 0.55
    if sign in "+-":
        mark.moveTo(-r, 0)
        mark.lineTo(r, 0)
    if sign == "+":
        mark.moveTo(0, -r)
        mark.lineTo(0, r)
    if sign == "o":
        mark.addEllipse(QPointF(0, 0), r * 0.5, r * 0.5)
    glyph = QGraphicsPathItem(mark)
    glyph.setPen(QPen(QColor("#ffffff"), 2.0))
    group.addToGroup(glyph)
    group.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations, True)
    group.setZValue(9)
    return group


class ImageCanvas(QGraphicsView):
    cursor_moved = Signal(int, int)  # image pixel under the cursor; (-1, -1) when outside the image
    zoom_changed = Signal(float)  # screen pixels per image pixel
    tool_pressed = Signal(QPointF, object)  # image position, Qt.KeyboardModifier: left button down
    tool_moved = Signal(QPointF)  # dragging with the left button
    tool_released = Signal(QPointF)
    tool_cancelled = Signal()  # Escape while a tool is busy
    tool_alt_pressed = Signal(QPointF)  # the right button (a negative click)
    tool_finished = Signal()  # Enter: the tool's work is done (a ship, a polygon, the seeds)
    tool_double_clicked = Signal(QPointF)
    hover_moved = Signal(QPointF)  # the mouse over the view with no button down (image position)
    hover_left = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self._image_item = QGraphicsPixmapItem()
        self._image_item.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self._image_item.setShapeMode(QGraphicsPixmapItem.ShapeMode.BoundingRectShape)
        self.scene().addItem(self._image_item)
        self.layers = {
            PREDICTION: LabelLayerItem(truth=False),
            ANNOTATION: LabelLayerItem(truth=False),
            TRUTH: LabelLayerItem(truth=True),
        }
        for z, item in enumerate(self.layers.values(), start=1):
            item.setZValue(z)
            self.scene().addItem(item)
        self._sketch = self._overlay_path(QColor("#ffeb3b"), Qt.PenStyle.SolidLine, z=6)
        self._selection = self._overlay_path(QColor("#ffffff"), Qt.PenStyle.DashLine, z=7)
        self._box = self._overlay_path(QColor("#ffeb3b"), Qt.PenStyle.DashLine, z=6)
        # The brush footprint: a white outline over a dark one, readable on sea and on hulls alike.
        self._brush_under = self._overlay_path(QColor(0, 0, 0, 170), Qt.PenStyle.SolidLine, z=8, width=3.0)
        self._brush_over = self._overlay_path(QColor("#ffffff"), Qt.PenStyle.SolidLine, z=8, width=1.2)
        self._brush_size: int | None = None
        self._markers: list[QGraphicsItemGroup] = []
        self.editing = False  # the left button drives the edit tools
        # Set by the tools: whether something is in progress that Escape or Enter ends (a clicked ship,
        # an outline, seeds, a stroke). Then those keys go to the tool, not to a window shortcut such
        # as Esc = Cancel Predict All.
        self.tool_busy: Callable[[], bool] = lambda: False
        self._tool_down = False
        self._message = QGraphicsSimpleTextItem()
        self._message.setBrush(QBrush(QColor("#cfd8dc")))
        font = QFont()
        font.setPointSize(13)
        self._message.setFont(font)
        self._message.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations, True)
        self._message.setZValue(10)
        self.scene().addItem(self._message)

        self.setBackgroundBrush(QColor("#263238"))
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        # Drops go to the main window, which knows what to do with folders, CSVs and models.
        self.setAcceptDrops(False)
        self.viewport().setAcceptDrops(False)
        self._fit_mode = True
        self._space_down = False
        self._pan_from: QPoint | None = None
        self._last_pixel = (-1, -1)

    def _overlay_path(
        self, colour: QColor, style: Qt.PenStyle, *, z: int, width: float = 1.5
    ) -> QGraphicsPathItem:
        item = QGraphicsPathItem()
        pen = QPen(colour, width, style)
        pen.setCosmetic(True)  # the same width at any zoom
        item.setPen(pen)
        item.setZValue(z)
        self.scene().addItem(item)
        return item

    # --- content -----------------------------------------------------------------------------------------
    def set_pixmap(self, pixmap: QPixmap | None) -> None:
        """Show an image (None: none); the view fits it when in fit mode or when its size changed."""
        old = self._image_item.pixmap().size()
        self._image_item.setPixmap(pixmap if pixmap is not None else QPixmap())
        self._message.setVisible(False)
        if pixmap is not None:
            self.scene().setSceneRect(QRectF(pixmap.rect()))
            if self._fit_mode or pixmap.size() != old:
                self.fit()

    def show_message(self, text: str) -> None:
        """A line of text in the middle of the view, in place of the image (empty text: hide it)."""
        if text:
            self._image_item.setPixmap(QPixmap())
            for item in self.layers.values():
                item.set_labels(None)
        self._message.setText(text)
        self._message.setVisible(bool(text))
        self._center_message()

    def _center_message(self) -> None:
        if not self._message.isVisible():
            return
        rect = self._message.boundingRect()
        centre = self.mapToScene(self.viewport().rect().center())
        scale = self.current_scale()
        self._message.setPos(centre - QPointF(rect.width() / 2 / scale, rect.height() / 2 / scale))

    @property
    def message(self) -> str:
        return self._message.text() if self._message.isVisible() else ""

    def has_image(self) -> bool:
        return not self._image_item.pixmap().isNull()

    def set_layer(self, layer: str, labels: np.ndarray | None) -> None:
        self.layers[layer].set_labels(labels)

    def redraw_layer(self, layer: str, box: Box | None = None) -> None:
        self.layers[layer].redraw(box)

    def set_layer_visible(self, layer: str, visible: bool) -> None:
        self.layers[layer].setVisible(visible)

    def set_layer_style(self, layer: str, opacity: float, outline_only: bool) -> None:
        self.layers[layer].set_style(opacity, outline_only)

    def set_sketch(self, points: list[tuple[float, float]], *, closed: bool = False) -> None:
        """Draw what a tool is sketching: a polyline through image points (closed: a polygon)."""
        path = QPainterPath()
        if points:
            path.moveTo(*points[0])
            for x, y in points[1:]:
                path.lineTo(x, y)
            if closed and len(points) > 2:
                path.closeSubpath()
        self._sketch.setPath(path)

    @property
    def sketch_path(self) -> QPainterPath:
        return self._sketch.path()

    def set_box(self, box: tuple[float, float, float, float] | None) -> None:
        """Draw a tool's box (x0, y0, x1, y1 in image points, pixel centres at integers); None: none."""
        path = QPainterPath()
        if box is not None:
            x0, y0, x1, y1 = box
            path.addRect(QRectF(QPointF(min(x0, x1), min(y0, y1)), QPointF(max(x0, x1) + 1, max(y0, y1) + 1)))
        self._box.setPath(path)

    def set_markers(self, markers: list[tuple[float, float, str]]) -> None:
        """Show clicks: (x, y, kind) in image points (pixel centres at integers); kind is "positive",
        "negative" or "seed". An empty list removes them."""
        while len(self._markers) > len(markers):
            self.scene().removeItem(self._markers.pop())
        for i, (x, y, kind) in enumerate(markers):
            if i < len(self._markers) and self._markers[i].data(0) != kind:
                self.scene().removeItem(self._markers.pop(i))
                self._markers.insert(i, self._new_marker(kind))
            elif i >= len(self._markers):
                self._markers.append(self._new_marker(kind))
            self._markers[i].setPos(QPointF(x + 0.5, y + 0.5))

    def _new_marker(self, kind: str) -> QGraphicsItemGroup:
        item = _marker(kind)
        item.setData(0, kind)
        self.scene().addItem(item)
        return item

    @property
    def markers(self) -> list[tuple[float, float, str]]:
        return [(m.pos().x() - 0.5, m.pos().y() - 0.5, str(m.data(0))) for m in self._markers]

    def set_brush_cursor(self, size: int | None, pos: QPointF | None = None) -> None:
        """Show the brush's footprint (``size`` px) on the pixel under scene position ``pos`` (None: hide)."""
        if size is None or pos is None or not self.has_image():
            self._brush_under.setVisible(False)
            self._brush_over.setVisible(False)
            return
        if size != self._brush_size:
            self._brush_size = size
            path = footprint_path(int(size))
            self._brush_under.setPath(path)
            self._brush_over.setPath(path)
        # The brush centres on the rounded edit point (pixel centres at integers): the pixel under the cursor.
        corner = QPointF(math.floor(pos.x()), math.floor(pos.y()))
        for item in (self._brush_under, self._brush_over):
            item.setPos(corner)
            item.setVisible(True)

    @property
    def brush_cursor(self) -> tuple[int, QRectF] | None:
        """The footprint shown (its size and scene rectangle), or None."""
        if not self._brush_over.isVisible() or self._brush_size is None:
            return None
        item = self._brush_over
        return self._brush_size, item.mapRectToScene(item.path().boundingRect())

    def set_selection(self, boxes: list[Box]) -> None:
        """Frame the selected ships (boxes y0, y1, x0, x1); an empty list clears the frames."""
        path = QPainterPath()
        for y0, y1, x0, x1 in boxes:
            path.addRect(QRectF(x0 - 0.5, y0 - 0.5, x1 - x0 + 1, y1 - y0 + 1))
        self._selection.setPath(path)

    # --- zoom --------------------------------------------------------------------------------------------
    def current_scale(self) -> float:
        return float(self.transform().m11()) or 1.0

    @property
    def fit_mode(self) -> bool:
        return self._fit_mode

    def fit(self) -> None:
        self._fit_mode = True
        if self.has_image():
            self.fitInView(self._image_item, Qt.AspectRatioMode.KeepAspectRatio)
        self._after_zoom()

    def zoom_1to1(self) -> None:
        self._fit_mode = False
        self.zoom_by(1.0 / self.current_scale())

    def zoom_by(self, factor: float, *, under_mouse: bool = False) -> None:
        """Zoom by ``factor`` around the view centre, or around the cursor when ``under_mouse``."""
        scale = self.current_scale()
        factor = min(max(scale * factor, MIN_SCALE), MAX_SCALE) / scale
        if math.isclose(factor, 1.0):
            return
        self._fit_mode = False
        anchor = self.transformationAnchor()
        if not under_mouse:
            self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.scale(factor, factor)
        self.setTransformationAnchor(anchor)
        self._after_zoom()

    def _after_zoom(self) -> None:
        # Smooth scaling looks right zoomed out; zoomed in, the user wants to see the pixels.
        smooth = self.current_scale() < 2.0
        mode = (
            Qt.TransformationMode.SmoothTransformation if smooth else Qt.TransformationMode.FastTransformation
        )
        self._image_item.setTransformationMode(mode)
        self._center_message()
        self.zoom_changed.emit(self.current_scale())

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 (Qt override)
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.zoom_by(WHEEL_STEP**steps, under_mouse=True)
        event.accept()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        if self._fit_mode:
            self.fit()
        self._center_message()

    # --- pan and cursor ----------------------------------------------------------------------------------
    def event(self, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Escape, Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and self.editing
            and self.tool_busy()
        ):
            event.accept()  # delivered as a key press to keyPressEvent below
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        if event.key() == Qt.Key.Key_Escape and self.editing:
            self._tool_down = False
            self.tool_cancelled.emit()
            event.accept()
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.editing:
            self.tool_finished.emit()
            event.accept()
            return
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space_down = True
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
            event.accept()
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space_down = False
            if self._pan_from is None:
                self.viewport().unsetCursor()
            event.accept()
            return
        super().keyReleaseEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        button = event.button()
        if button == Qt.MouseButton.MiddleButton or (
            button == Qt.MouseButton.LeftButton and self._space_down
        ):
            self._pan_from = event.position().toPoint()
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        if button == Qt.MouseButton.LeftButton and self.editing and self.has_image():
            self._tool_down = True
            self.tool_pressed.emit(self.mapToScene(event.position().toPoint()), event.modifiers())
            event.accept()
            return
        if button == Qt.MouseButton.RightButton and self.editing and self.has_image():
            self.tool_alt_pressed.emit(self.mapToScene(event.position().toPoint()))
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        if event.button() == Qt.MouseButton.LeftButton and self.editing and self.has_image():
            self.tool_double_clicked.emit(self.mapToScene(event.position().toPoint()))
            event.accept()
            return
        super().mouseDoubleClickEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        pos = event.position().toPoint()
        if self._pan_from is not None:
            delta = pos - self._pan_from
            self._pan_from = pos
            self.pan_by(delta.x(), delta.y())
            event.accept()
        elif self._tool_down:
            self.tool_moved.emit(self.mapToScene(pos))
            event.accept()
        else:
            if self.editing:
                self.hover_moved.emit(self.mapToScene(pos))
            super().mouseMoveEvent(event)
        self._report_cursor(pos)

    def pan_by(self, dx: int, dy: int) -> None:
        """Move the image by (dx, dy) screen pixels, as dragging it would."""
        self._fit_mode = False
        self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - dx)
        self.verticalScrollBar().setValue(self.verticalScrollBar().value() - dy)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        if self._pan_from is not None and event.button() in (
            Qt.MouseButton.MiddleButton,
            Qt.MouseButton.LeftButton,
        ):
            self._pan_from = None
            if self._space_down:
                self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
            else:
                self.viewport().unsetCursor()
            event.accept()
            return
        if self._tool_down and event.button() == Qt.MouseButton.LeftButton:
            self._tool_down = False
            self.tool_released.emit(self.mapToScene(event.position().toPoint()))
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def leaveEvent(self, event: object) -> None:  # noqa: N802 (Qt override)
        self._emit_pixel(-1, -1)
        self.hover_left.emit()
        super().leaveEvent(event)  # type: ignore[arg-type]

    def image_pixel(self, view_pos: QPoint) -> tuple[int, int]:
        """Image pixel (x, y) at a viewport position, or (-1, -1) outside the image."""
        if not self.has_image():
            return -1, -1
        scene = self.mapToScene(view_pos)
        x, y = math.floor(scene.x()), math.floor(scene.y())
        size = self._image_item.pixmap().size()
        if 0 <= x < size.width() and 0 <= y < size.height():
            return x, y
        return -1, -1

    def _report_cursor(self, view_pos: QPoint) -> None:
        self._emit_pixel(*self.image_pixel(view_pos))

    def _emit_pixel(self, x: int, y: int) -> None:
        if (x, y) != self._last_pixel:
            self._last_pixel = (x, y)
            self.cursor_moved.emit(x, y)
