"""curves.png: loss and Dice per epoch, training and validation, drawn with matplotlib (Agg, no display).

Two panels side by side: the loss on a log scale (it falls by orders of magnitude early on), the Dice on
0..1 (a gated model's mask Dice, ``probability_dice``); each with a legend, gridlines and whole-epoch
ticks. 1280×440 px.
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

PANELS = (("loss", "Loss (lower is better)", None), ("dice", "Dice (higher is better)", (0.0, 1.0)))
SIZE_PX, DPI = (1280, 440), 100


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


def draw_curves(log: Mapping[str, Sequence[float]], path: str | os.PathLike[str]) -> Path:
    """Write the two-panel PNG of a CSVLogger log (columns ``epoch``, ``loss``, ``val_loss``, ``dice``...)."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    epochs = [e + 1 for e in log.get("epoch", [])]  # CSVLogger counts from 0; people count from 1
    figure = Figure(figsize=(SIZE_PX[0] / DPI, SIZE_PX[1] / DPI), dpi=DPI, layout="constrained")
    for axes, (key, title, fixed) in zip(figure.subplots(1, 2), PANELS):
        drawn = False
        if key not in log and f"probability_{key}" in log:  # a gated model names its mask metrics so
            key = f"probability_{key}"
        for name, column in (("training", key), ("validation", f"val_{key}")):
            values = list(log.get(column, []))[: len(epochs)]
            points = [(e, v) for e, v in zip(epochs, values) if math.isfinite(v)]
            if points:
                axes.plot(*zip(*points), marker="o", markersize=4, linewidth=2, label=name)
                drawn = True
        if fixed is not None:
            axes.set_ylim(*fixed)
        elif drawn and all(v > 0 for line in axes.get_lines() for v in line.get_ydata()):
            axes.set_yscale("log")
        axes.set_title(title)
        axes.set_xlabel("epoch")
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.grid(True, which="major", alpha=0.35)
        if drawn:
            axes.legend(loc="best")
    path = Path(path)
    partial = path.with_name(path.stem + ".partial.png")
    figure.savefig(partial, dpi=DPI, format="png")
    os.replace(partial, path)
    return path
