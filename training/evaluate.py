"""``shipviewer evaluate``: a model's ships on full-resolution images, written as a CSV and scored.

Images are read with OpenCV (RGB), brought to the 768×768 frame when they have another size, and given to a
:class:`training.predictors.Predictor` in batches; the probabilities go back to each image's own size and
become ship instances with :func:`shipviewer.model.postprocess.probability_to_ships`. Unreadable
images are skipped and counted, and left out of the score.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from shipviewer.airbus.metrics import ScoreReport, score_dataset
from shipviewer.model.postprocess import (
    DEFAULT_MIN_SIZE,
    DEFAULT_THRESHOLD,
    PostprocessOptions,
    probability_to_ships,
)

from .predictors import Predictor
from .sizes import FRAME

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class EvaluateOptions:
    """Post-processing (threshold, smallest ship in pixels, connectivity) and the batch size."""

    threshold: float = DEFAULT_THRESHOLD
    min_size: int = DEFAULT_MIN_SIZE
    connectivity: int = 8
    batch: int = 2
    split_touching: bool = False
    seam: int = 0  # see shipviewer.model.instances.fill_seams
    refine: bool = False  # outlines redrawn from the image: shipviewer.model.outlines

    def __post_init__(self) -> None:
        PostprocessOptions(self.threshold, self.min_size, self.connectivity)  # raises for bad values
        if self.batch < 1:
            raise ValueError(f"--batch must be at least 1, got {self.batch}")


@dataclass
class EvaluateResult:
    """Predicted ships per image, the score over the scored images, and what was left out and why."""

    predictions: dict[str, list[str]]
    report: ScoreReport
    shape: tuple[int, int]
    skipped: dict[str, list[str]] = field(default_factory=dict)
    not_scored_other_size: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class LoadedImage:
    image_id: str
    frame: np.ndarray  # uint8 RGB (FRAME, FRAME, 3)
    shape: tuple[int, int]  # the file's own (H, W)
    own: np.ndarray | None = None  # the file's own pixels (uint8 RGB) when the frame is a resized copy


def read_rgb(path: Path) -> LoadedImage | str:
    """The image as an RGB frame, or why it cannot be used."""
    if not path.is_file():
        return "missing"
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        return "unreadable"
    shape = (int(bgr.shape[0]), int(bgr.shape[1]))
    if shape == (FRAME, FRAME):
        return LoadedImage(path.name, cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), shape)
    own = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    frame = cv2.resize(own, (FRAME, FRAME), interpolation=cv2.INTER_AREA)
    return LoadedImage(path.name, frame, shape, own)


def _batches(paths: Sequence[Path], size: int) -> Iterator[list[LoadedImage | str]]:
    """Batches of loaded images, the next batch read by two threads while the current one is predicted."""
    chunks = [paths[i : i + size] for i in range(0, len(paths), size)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        pending: list[Future] = [pool.submit(read_rgb, p) for p in chunks[0]] if chunks else []
        for index in range(len(chunks)):
            current = pending
            pending = [pool.submit(read_rgb, p) for p in chunks[index + 1]] if index + 1 < len(chunks) else []
            yield [f.result() for f in current]


def predict_ships(
    predictor: Predictor,
    images_dir: Path,
    image_ids: Sequence[str],
    options: EvaluateOptions,
    progress: Progress | None = None,
) -> tuple[dict[str, list[str]], dict[str, list[str]], dict[str, tuple[int, int]]]:
    """(ships per image, skipped ids by reason, each image's own shape) for ``image_ids``."""
    predictions: dict[str, list[str]] = {}
    skipped: dict[str, list[str]] = {}
    shapes: dict[str, tuple[int, int]] = {}
    done = 0
    paths = [images_dir / i for i in image_ids]
    for batch_ids, loaded in zip(
        (image_ids[i : i + options.batch] for i in range(0, len(image_ids), options.batch)),
        _batches(paths, options.batch),
        strict=True,
    ):
        good = [item for item in loaded if isinstance(item, LoadedImage)]
        for image_id, item in zip(batch_ids, loaded, strict=True):
            if isinstance(item, str):
                skipped.setdefault(item, []).append(image_id)
        if good:
            probabilities = predictor(np.stack([item.frame for item in good]))
            for item, probability in zip(good, probabilities, strict=True):
                if item.shape != (FRAME, FRAME):
                    probability = cv2.resize(probability, item.shape[::-1], interpolation=cv2.INTER_LINEAR)
                predictions[item.image_id] = probability_to_ships(
                    probability,
                    options.threshold,
                    options.min_size,
                    options.connectivity,
                    split_touching=options.split_touching,
                    seam=options.seam,
                    refine=options.refine,
                    image=item.frame if item.own is None else item.own,
                )
                shapes[item.image_id] = item.shape
        done += len(batch_ids)
        if progress is not None:
            progress(done, len(image_ids))
    return predictions, skipped, shapes


def evaluate(
    predictor: Predictor,
    images_dir: Path,
    truth: Mapping[str, Sequence[str]],
    options: EvaluateOptions,
    progress: Progress | None = None,
) -> EvaluateResult:
    """Predict every image of ``truth`` and score the predictions against it.

    The score covers the images that could be read and share the most common size (768×768 for Airbus data;
    the competition metric needs one frame size).
    """
    predictions, skipped, shapes = predict_ships(predictor, images_dir, list(truth), options, progress)
    shape = Counter(shapes.values()).most_common(1)[0][0] if shapes else (FRAME, FRAME)
    other_size = sorted(i for i, s in shapes.items() if s != shape)
    scored = {i: list(truth[i]) for i in truth if i in shapes and shapes[i] == shape}
    report = score_dataset(scored, predictions, shape)
    return EvaluateResult(predictions, report, shape, skipped, other_size)
