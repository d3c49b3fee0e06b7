"""The image view: fit, 1:1, wheel zoom around the cursor, pan with space-drag or the middle button.

It shows one image and three label layers (prediction, ground truth, the editable annotation) and
reports the pixel under the cursor; what the pixel means is the core's business
(:class:`shipviewer.viewer.current_image.CurrentImage`). With editing on, the left button is reported as
``tool_pressed``/``tool_moved``/``tool_released`` in image coordinates (floats) for the edit tools, and
the canvas draws what a tool sketches (a polygon, a split line) and a frame around selected ships.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QPoint, QPointF, QRectF, Qt, Signal
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
    QGraphicsPathItem,
    QGraphicsPixmapItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsView,
    QWidget,
)

from shipviewer._qt.layers import LabelLayerItem
from shipviewer.viewer.current_image import ANNOTATION, PREDICTION, TRUTH
from shipviewer.viewer.label_render import Box

MIN_SCALE, MAX_SCALE = 0.02, 64.0
WHEEL_STEP = 1.25  # zoom factor per wheel notch


class ImageCanvas(QGraphicsView):
    cursor_moved = Signal(int, int)  # image pixel under the cursor; (-1, -1) when outside the image
    zoom_changed = Signal(float)  # screen pixels per image pixel
    tool_pressed = Signal(QPointF, object)  # image position, Qt.KeyboardModifier: left button down
    tool_moved = Signal(QPointF)  # dragging with the left button
    tool_released = Signal(QPointF)
    tool_cancelled = Signal()  # Escape while a tool is busy

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
        self.editing = False  # the left button drives the edit tools
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

    def _overlay_path(self, colour: QColor, style: Qt.PenStyle, *, z: int) -> QGraphicsPathItem:
        item = QGraphicsPathItem()
        pen = QPen(colour, 1.5, style)
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
    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        if event.key() == Qt.Key.Key_Escape and self.editing:
            self._tool_down = False
            self.tool_cancelled.emit()
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
        super().mousePressEvent(event)

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
