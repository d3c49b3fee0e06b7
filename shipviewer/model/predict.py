"""Batch prediction over files and folders: the notebook's ``predict.py IMAGE``, grown up."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from shipviewer.airbus.images import ImageError, find_images, read_image, write_image
from shipviewer.model.inference import InferenceSession
from shipviewer.model.overlay import draw_ships

__all__ = ["SEGMENTED_SUFFIX", "PredictRun", "predict_files", "segmented_path"]

SEGMENTED_SUFFIX = "_segmented.png"


def segmented_path(image: Path, out_dir: Path | None) -> Path:
    """Where the overlay of ``image`` goes: ``NAME_segmented.png`` beside it or in ``out_dir``."""
    return (out_dir or image.parent) / f"{image.stem}{SEGMENTED_SUFFIX}"


@dataclass
class PredictRun:
    """Ships found per image (keyed by file name, as an Airbus ImageId), and what was skipped."""

    ships: dict[str, list[str]] = field(default_factory=dict)
    written: list[Path] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    total_ms: float = 0.0


def collect_inputs(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Images named or found (recursively) under ``paths``, leaving out earlier ``*_segmented.png``."""
    return [p for p in find_images(paths) if not p.name.endswith(SEGMENTED_SUFFIX)]


def predict_files(
    session: InferenceSession,
    images: Sequence[Path],
    *,
    out_dir: Path | None = None,
    threshold: float | None = None,
    min_size: int | None = None,
    write_overlays: bool = True,
    progress: Callable[[int, int], None] | None = None,
    warn: Callable[[str], None] | None = None,
) -> PredictRun:
    """Predict each image; unreadable ones are skipped with a warning, never an exception."""
    run = PredictRun()
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
    for done, path in enumerate(images, start=1):
        try:
            rgb = read_image(path)
            ships = session.ships(rgb, threshold=threshold, min_size=min_size)
            run.total_ms += session.last_ms_per_image
            if write_overlays:
                target = segmented_path(path, out_dir)
                write_image(target, draw_ships(rgb, ships))
                run.written.append(target)
        except (ImageError, OSError) as exc:
            message = str(exc) if isinstance(exc, ImageError) else f"{path}: {exc}"
            run.skipped.append(message)
            if warn:
                warn(message)
        else:
            if path.name in run.ships and warn:
                warn(f"{path}: another image is also named {path.name}; the CSV keeps the last one")
            run.ships[path.name] = ships
        if progress:
            progress(done, len(images))
    return run
