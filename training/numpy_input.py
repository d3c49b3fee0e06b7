"""Training batches as NumPy arrays, for Keras on any backend (JAX, PyTorch, TensorFlow): a
``keras.utils.PyDataset`` that Keras runs in its own worker threads.

The same crops as the tf.data pipeline (:mod:`.pipeline`) would make, from the same pieces: windows and masks
from the RLE (:func:`training.crops.sample`), the same augmentation (:func:`training.augment.augment_batch`)
and the model's pixel convention (:mod:`training.preprocess`). Two differences: an image is decoded whole
(OpenCV) and cropped, where TensorFlow decodes only the window of a JPEG; and the training images are drawn at
random for each element, seeded by ``(seed, element index)``, instead of a shuffled pass. Every choice follows
from the seed, so a run sees the same batches whatever the number of workers. A file that cannot be read is
replaced by another image, as the tf.data pipeline drops it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import cv2
import keras
import numpy as np

from . import crops
from .augment import augment_batch
from .data import ImageRecord
from .input_options import PipelineOptions
from .preprocess import preprocess
from .sizes import FRAME

__all__ = ["CropBatches"]

_PICK = 0x5049434B  # a second stream of the element seed: which image an element crops


class CropBatches(keras.utils.PyDataset):
    """Batches of (image (B, crop, crop, 3) float32, mask (B, crop, crop, 1) float32), or with ``gate`` of
    (image, (mask, ship (B, 1))), where ship is 1 when the crop holds any ship pixel.

    ``training``: ``steps`` batches of random crops, augmented, element seeds from ``first_index`` on (a
    resumed run sees new crops). Otherwise validation: the images in order, the same crops every pass,
    ``steps`` batches (wrapping round the images).
    """

    def __init__(
        self,
        records: Sequence[ImageRecord],
        options: PipelineOptions,
        *,
        training: bool,
        steps: int,
        first_index: int = 0,
        gate: bool = False,
        workers: int = 1,
    ) -> None:
        super().__init__(workers=workers, use_multiprocessing=False)
        if not records:
            raise ValueError("no images to make batches from")
        self.records = list(records)
        self.options = options
        self.training = training
        self.steps = steps
        self.first_index = first_index
        self.gate = gate

    def __len__(self) -> int:
        return self.steps

    def __getitem__(self, index: int) -> tuple[np.ndarray, Any]:
        o = self.options
        images = np.empty((o.batch, o.crop, o.crop, 3), np.uint8)
        masks = np.empty((o.batch, o.crop, o.crop), np.uint8)
        elements = [self.first_index + index * o.batch + k for k in range(o.batch)]
        for k, element in enumerate(elements):
            images[k], masks[k] = self._element(element)
        if self.training:
            images, masks = augment_batch(images, masks, elements, o.seed, o.jitter)
        x = preprocess(images)
        y = masks.astype(np.float32)[..., None]
        if not self.gate:
            return x, y
        ship = (masks.reshape(o.batch, -1).max(axis=1) > 0).astype(np.float32)[:, None]
        return x, (y, ship)

    def _element(self, element: int) -> tuple[np.ndarray, np.ndarray]:
        """One crop and its mask; an unreadable file gives way to the next image (three tries)."""
        n = len(self.records)
        if self.training:
            rng = np.random.default_rng([self.options.seed, element, _PICK])
            start = int(rng.integers(n))
        else:
            start = element % n
        for attempt in range(3):
            record = self.records[(start + attempt) % n]
            crop = self._crop(record, element)
            if crop is not None:
                return crop
        raise OSError(f"cannot read {record.path} nor the two images after it")

    def _crop(self, record: ImageRecord, element: int) -> tuple[np.ndarray, np.ndarray] | None:
        o = self.options
        top, left, mask = crops.sample(
            crops.join_ships(record.ships),
            record.height,
            record.width,
            (o.seed, element),
            o.crop,
            o.ship_bias,
            seam=o.seam,
        )
        bgr = cv2.imread(str(record.path), cv2.IMREAD_COLOR)
        if bgr is None:
            return None
        if bgr.shape[:2] != (FRAME, FRAME):
            bgr = cv2.resize(bgr, (FRAME, FRAME), interpolation=cv2.INTER_AREA)
        window = bgr[top : top + o.crop, left : left + o.crop]
        return cv2.cvtColor(window, cv2.COLOR_BGR2RGB), mask
