"""The tf.data input pipeline: files → (image crop, mask crop) batches, reproducible for a seed.

1. The crop windows and their masks come from the RLE alone (:func:`training.crops.sample_group`, NumPy and
   the codec, one Python call per group of a batch), favouring ships.
2. Each JPEG is decoded *only inside its window* (``decode_and_crop_jpeg``), element by element, in parallel
   threads and without the GIL. Images that are not 768×768 JPEGs take a slower path: full decode, resize to
   the frame, crop. A file that still fails to decode is dropped (TensorFlow logs a warning).
3. Each batch is augmented on its uint8 crops (:func:`training.augment.augment_batch`, OpenCV: symmetries and
   colour jitter), then scaled to the model's float32 input (:mod:`training.preprocess`).

Every random choice is drawn from ``(seed, element index)``, so a run sees the same batches whatever the
parallelism.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import tensorflow as tf

from . import crops
from .augment import augment_batch
from .data import ImageRecord
from .input_options import PipelineOptions
from .preprocess import preprocess
from .sizes import FRAME, check_size


def _columns(records: Sequence[ImageRecord]) -> dict[str, tf.Tensor]:
    return {
        "path": tf.constant([str(r.path) for r in records], tf.string),
        "ships": tf.constant([crops.join_ships(r.ships) for r in records], tf.string),
        "height": tf.constant([r.height for r in records], tf.int32),
        "width": tf.constant([r.width for r in records], tf.int32),
        "fast": tf.constant([r.kind == "jpeg" and (r.height, r.width) == (FRAME, FRAME) for r in records]),
    }


def _decode_window(item: dict[str, tf.Tensor], top: tf.Tensor, left: tf.Tensor, crop: int) -> tf.Tensor:
    data = tf.io.read_file(item["path"])

    def window_only() -> tf.Tensor:
        window = tf.stack([top, left, crop, crop])
        return tf.io.decode_and_crop_jpeg(data, window, channels=3, dct_method="INTEGER_ACCURATE")

    def whole_then_crop() -> tf.Tensor:
        image = tf.io.decode_image(data, channels=3, expand_animations=False)
        image = tf.image.resize(image, [FRAME, FRAME], antialias=True)
        image = tf.cast(tf.clip_by_value(tf.round(image), 0, 255), tf.uint8)
        return tf.image.crop_to_bounding_box(image, top, left, crop, crop)

    return tf.cond(item["fast"], window_only, whole_then_crop)


def _windows(
    items: dict[str, tf.Tensor], indices: tf.Tensor, options: PipelineOptions
) -> dict[str, tf.Tensor]:
    """A group's crop windows and masks, from the RLE, in one Python call (see :func:`crops.sample_group`)."""
    sample = functools.partial(
        crops.sample_group,
        seed=options.seed,
        crop=options.crop,
        ship_bias=options.ship_bias,
        seam=options.seam,
    )
    tops, lefts, masks = tf.numpy_function(
        sample,
        [items["ships"], items["height"], items["width"], indices],
        [tf.int32, tf.int32, tf.uint8],
        stateful=False,
    )
    return {
        "path": items["path"],
        "fast": items["fast"],
        "top": tops,
        "left": lefts,
        "mask": masks,
        "index": indices,
    }


def _decode(item: dict[str, tf.Tensor], crop: int) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
    """One element's window pixels (pure TensorFlow: runs in parallel without the GIL)."""
    image = tf.ensure_shape(_decode_window(item, item["top"], item["left"], crop), [crop, crop, 3])
    return image, tf.ensure_shape(item["mask"], [crop, crop]), item["index"]


def _finish(
    images: tf.Tensor, masks: tf.Tensor, indices: tf.Tensor, options: PipelineOptions, training: bool
) -> tuple[tf.Tensor, tf.Tensor]:
    """A uint8 batch → augmented (training) → the model's float32 input (:mod:`training.preprocess`)."""
    if training:
        jitter = functools.partial(augment_batch, seed=options.seed, jitter=options.jitter)
        images, masks = tf.numpy_function(
            jitter, [images, masks, indices], [tf.uint8, tf.uint8], stateful=False
        )
    size = [options.crop, options.crop]
    images, masks = tf.ensure_shape(images, [None, *size, 3]), tf.ensure_shape(masks, [None, *size])
    return preprocess(images), tf.cast(masks, tf.float32)[..., None]


def make_dataset(
    records: Sequence[ImageRecord],
    options: PipelineOptions,
    *,
    training: bool,
    shard: tuple[int, int] = (1, 0),
    first_index: int = 0,
) -> tf.data.Dataset:
    """Batches of (image (B, crop, crop, 3) float32, mask (B, crop, crop, 1) float32).

    ``training``: shuffle, repeat forever, augment, drop the last partial batch. Otherwise one pass in order
    with the same crops every time (validation). ``shard``: (number of workers, this worker's index), each
    worker reading its own images. ``first_index`` offsets the element seeds (a resumed run sees new crops).
    """
    check_size(options.crop, "--crop")
    if options.crop > FRAME:
        raise ValueError(f"--crop {options.crop} is larger than the {FRAME}×{FRAME} frame")
    ds = tf.data.Dataset.from_tensor_slices(_columns(records))
    n_workers, worker = shard
    if n_workers > 1:
        ds = ds.shard(n_workers, worker)
    if training:
        ds = ds.shuffle(len(records), seed=options.seed, reshuffle_each_iteration=True).repeat()
    ds = tf.data.Dataset.zip(ds, tf.data.Dataset.counter(first_index))
    # Python steps work on groups of a batch (one call each); decoding works per element, in parallel.
    autotune = tf.data.AUTOTUNE
    ds = ds.batch(options.batch).map(
        lambda items, idx: _windows(items, idx, options), num_parallel_calls=autotune
    )
    ds = ds.unbatch().map(lambda item: _decode(item, options.crop), num_parallel_calls=autotune)
    ds = ds.ignore_errors(log_warning=True).batch(options.batch, drop_remainder=training)
    ds = ds.map(lambda x, y, i: _finish(x, y, i, options, training), num_parallel_calls=autotune)
    ds = ds.prefetch(autotune)
    no_autoshard = tf.data.Options()
    no_autoshard.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.OFF
    return ds.with_options(no_autoshard)


def with_ship_label(images: tf.Tensor, masks: tf.Tensor) -> tuple[tf.Tensor, tuple[tf.Tensor, tf.Tensor]]:
    """(images, masks) → (images, (masks, ship)): the ship/no-ship target of each crop, (B, 1), is 1 when
    its mask has any ship pixel."""
    ship = tf.cast(tf.reduce_max(masks, axis=[1, 2, 3]) > 0.5, tf.float32)[:, None]
    return images, (masks, ship)
