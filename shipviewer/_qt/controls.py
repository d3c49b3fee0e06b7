"""The overlay panel: threshold, minimum predicted ship size, opacity, outline-only, which layers to show,
and the legend of the layers.

A thin observer of :class:`shipviewer.viewer.view_options.ViewOptions`: user input sets the options, option
changes update the widgets with their signals blocked.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import QCheckBox, QFormLayout, QHBoxLayout, QLabel, QSlider, QSpinBox, QWidget

from shipviewer._qt.legend import LayerLegend
from shipviewer.viewer.view_options import ViewOptions

STEPS = 100  # slider positions for 0..1


class OverlayPanel(QWidget):
    def __init__(self, options: ViewOptions, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.options = options
        self.threshold = self._slider(1, STEPS - 1)
        self.threshold_label = QLabel()
        self.min_size = QSpinBox()
        self.min_size.setRange(0, 100_000)
        self.min_size.setSuffix(" px")
        self.min_size.setObjectName("min-predicted-ship")
        self.min_size.setToolTip(
            "The model's blobs smaller than this are not counted as predicted ships (the prediction layer; "
            "an untouched annotation follows it). Not the editor's Remove Ships Under (R)."
        )
        self.opacity = self._slider(0, STEPS)
        self.opacity_label = QLabel()
        self.outline_only = QCheckBox("Outline only")
        self.show_prediction = QCheckBox("Prediction")
        self.show_truth = QCheckBox("Ground truth")
        self.show_overlay = QCheckBox("Show overlay")
        self.threshold.setToolTip("Probability above which a pixel is ship ([ and ] step it)")

        form = QFormLayout(self)
        form.addRow("Threshold", self._pair(self.threshold, self.threshold_label))
        form.addRow("Min. predicted ship", self.min_size)
        form.addRow("Opacity", self._pair(self.opacity, self.opacity_label))
        layers = QHBoxLayout()
        layers.addWidget(self.show_prediction)
        layers.addWidget(self.show_truth)
        form.addRow("Layers", layers)
        form.addRow("", self.outline_only)
        form.addRow("", self.show_overlay)
        self.legend = LayerLegend()
        form.addRow(self.legend)

        self.threshold.valueChanged.connect(lambda v: setattr(options, "threshold", v / STEPS))
        self.min_size.valueChanged.connect(lambda v: setattr(options, "min_size", v))
        self.opacity.valueChanged.connect(lambda v: setattr(options, "opacity", v / STEPS))
        self.outline_only.toggled.connect(lambda v: setattr(options, "outline_only", v))
        self.show_prediction.toggled.connect(lambda v: setattr(options, "show_prediction", v))
        self.show_truth.toggled.connect(lambda v: setattr(options, "show_truth", v))
        self.show_overlay.toggled.connect(lambda v: setattr(options, "overlay_visible", v))
        options.changed.connect(self._on_option)
        for name, value in options.as_dict().items():
            self._on_option(name, value)

    @staticmethod
    def _slider(low: int, high: int) -> QSlider:
        slider = QSlider(Qt.Orientation.Horizontal)
        slider.setRange(low, high)
        slider.setPageStep(5)
        return slider

    @staticmethod
    def _pair(slider: QSlider, label: QLabel) -> QWidget:
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(slider, 1)
        label.setMinimumWidth(36)
        row.addWidget(label)
        return box

    def _on_option(self, name: str, value: Any) -> None:
        widgets = {
            "threshold": self.threshold,
            "min_size": self.min_size,
            "opacity": self.opacity,
            "outline_only": self.outline_only,
            "show_prediction": self.show_prediction,
            "show_truth": self.show_truth,
            "overlay_visible": self.show_overlay,
        }
        widget = widgets.get(name)
        if widget is None:
            return
        with QSignalBlocker(widget):
            if isinstance(widget, QSlider):
                widget.setValue(round(value * STEPS))
            elif isinstance(widget, QSpinBox):
                widget.setValue(int(value))
            else:
                widget.setChecked(bool(value))
        self.threshold_label.setText(f"{self.options.threshold:.2f}")
        self.opacity_label.setText(f"{round(self.options.opacity * 100)}%")
