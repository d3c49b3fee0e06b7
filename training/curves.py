"""curves.png: loss and Dice per epoch, training and validation, drawn with OpenCV (no matplotlib).

Two panels side by side, each with axes, "nice" ticks, gridlines, a legend and a title.
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import cv2
import numpy as np

PANEL_W, PANEL_H = 640, 440
MARGIN_L, MARGIN_R, MARGIN_T, MARGIN_B = 78, 24, 66, 56
FONT = cv2.FONT_HERSHEY_SIMPLEX
WHITE, BLACK, GRID, AXIS = (255, 255, 255), (0, 0, 0), (225, 225, 225), (60, 60, 60)
TRAIN_COLOUR, VAL_COLOUR = (180, 105, 30), (20, 120, 240)  # BGR: blue, orange
PANELS = (("loss", "Loss (lower is better)", None), ("dice", "Dice (higher is better)", (0.0, 1.0)))


def read_log(path: str | os.PathLike[str]) -> dict[str, list[float]]:
    """The Keras CSVLogger file as columns of floats (missing cells become NaN)."""
    columns: dict[str, list[float]] = {}
    with Path(path).open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            for key, value in row.items():
                if key is None or isinstance(value, list):
                    continue  # a row longer than the header (a log appended after its columns changed)
                try:
                    number = float(value) if value not in (None, "") else math.nan
                except ValueError:
                    number = math.nan
                columns.setdefault(key, []).append(number)
    return columns


def nice_ticks(low: float, high: float, target: int = 6) -> list[float]:
    """Round tick values (1, 2 or 5 × 10^k apart) covering [low, high]."""
    span = high - low
    raw = span / max(target - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    first = math.floor(low / step) * step
    count = math.ceil((high - first) / step - 1e-9) + 1
    return [round(first + i * step, 10) for i in range(count)]


def _label(value: float) -> str:
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"


def _text(
    img: np.ndarray,
    text: str,
    origin: tuple[int, int],
    scale: float = 0.45,
    colour: tuple = AXIS,
    thickness: int = 1,
    align: str = "left",
) -> None:
    (w, h), _ = cv2.getTextSize(text, FONT, scale, thickness)
    x, y = origin
    x = x - w if align == "right" else x - w // 2 if align == "center" else x
    cv2.putText(img, text, (x, y + h // 2), FONT, scale, colour, thickness, cv2.LINE_AA)


def _y_range(series: Sequence[Sequence[float]]) -> tuple[float, float]:
    values = [v for s in series for v in s if math.isfinite(v)]
    if not values:
        return 0.0, 1.0
    low, high = min(values), max(values)
    pad = (high - low) * 0.08 or max(abs(high) * 0.1, 0.05)
    return low - pad, high + pad


def _panel(
    epochs: Sequence[float],
    lines: Sequence[tuple[str, Sequence[float], tuple]],
    title: str,
    fixed: tuple[float, float] | None,
) -> np.ndarray:
    img = np.full((PANEL_H, PANEL_W, 3), WHITE, np.uint8)
    x0, x1, y0, y1 = MARGIN_L, PANEL_W - MARGIN_R, PANEL_H - MARGIN_B, MARGIN_T
    e_low, e_high = (min(epochs), max(epochs)) if epochs else (1, 1)
    e_low, e_high = (e_low - 0.5, e_high + 0.5) if e_low == e_high else (e_low, e_high)
    ticks_y = nice_ticks(*(fixed or _y_range([values for _, values, _ in lines])))
    v_low, v_high = ticks_y[0], ticks_y[-1]

    def px(epoch: float, value: float) -> tuple[int, int]:
        x = x0 + (epoch - e_low) / (e_high - e_low) * (x1 - x0)
        y = y0 - (value - v_low) / (v_high - v_low) * (y0 - y1)
        return round(x), round(y)

    for value in ticks_y:
        _, y = px(e_low, value)
        cv2.line(img, (x0, y), (x1, y), GRID, 1, cv2.LINE_AA)
        _text(img, _label(value), (x0 - 8, y), align="right")
    step = max(1, math.ceil((e_high - e_low) / 10))
    for epoch in range(math.ceil(e_low), math.floor(e_high) + 1, step):
        x, _ = px(epoch, v_low)
        cv2.line(img, (x, y0), (x, y0 + 5), AXIS, 1)
        _text(img, str(epoch), (x, y0 + 16), align="center")
    cv2.line(img, (x0, y0), (x1, y0), AXIS, 1)
    cv2.line(img, (x0, y0), (x0, y1), AXIS, 1)
    _text(img, "epoch", ((x0 + x1) // 2, PANEL_H - 14), scale=0.5, align="center")
    _text(img, title, ((x0 + x1) // 2, 16), scale=0.6, colour=BLACK, align="center")
    for _, values, colour in lines:
        points = [px(e, v) for e, v in zip(epochs, values) if math.isfinite(v)]
        if len(points) > 1:
            cv2.polylines(img, [np.array(points, np.int32)], False, colour, 2, cv2.LINE_AA)
        for point in points:
            cv2.circle(img, point, 4, colour, -1, cv2.LINE_AA)
    x = x0
    for name, _, colour in lines:  # legend: one row above the plot
        cv2.line(img, (x, 42), (x + 28, 42), colour, 2, cv2.LINE_AA)
        cv2.circle(img, (x + 14, 42), 4, colour, -1, cv2.LINE_AA)
        _text(img, name, (x + 36, 42), colour=BLACK)
        x += 48 + cv2.getTextSize(name, FONT, 0.45, 1)[0][0] + 24
    return img


def draw_curves(log: Mapping[str, Sequence[float]], path: str | os.PathLike[str]) -> Path:
    """Write the two-panel PNG of a CSVLogger log (columns ``epoch``, ``loss``, ``val_loss``, ``dice``...)."""
    epochs = [e + 1 for e in log.get("epoch", [])]  # CSVLogger counts from 0; people count from 1
    panels = []
    for key, title, fixed in PANELS:
        lines = [
            (name, log[column], colour)
            for name, column, colour in (
                ("training", key, TRAIN_COLOUR),
                ("validation", f"val_{key}", VAL_COLOUR),
            )
            if column in log
        ]
        panels.append(_panel(epochs, lines, title, fixed))
    image = np.concatenate(panels, axis=1)
    path = Path(path)
    partial = path.with_name(path.stem + ".partial.png")
    if not cv2.imwrite(str(partial), image):
        raise OSError(f"cannot write {partial}")
    os.replace(partial, path)
    return path
