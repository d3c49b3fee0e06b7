"""Our tf.data input pipeline against the notebook's Python ``keras_generator``, measured in one run.

Usage: python benchmarks/bench_input_pipeline.py [--images 64] [--batches 20] [--rounds 3] [--batch 8]
           [--crop 256] [--data DIR] [--train-steps 3] [--train-batch 4] [--no-train]

Both produce batches of --crop×--crop RGB float32 crops in [0, 1] with their masks, from the same synthetic
set (written by ``shipviewer.synth``, or --data DIR in the Kaggle layout). The generator does what the
notebook did: one image at a time in Python, the notebook's RLE decoding, a random crop and flip. Ours also
favours ships, rotates and jitters colours. Target: >= 3x the generator's images/s (best of interleaved
rounds; CPU milliseconds per image are printed too, as other processes on the machine skew wall time).
Then, unless --no-train, the training speed of the default SegNet (full width) on --crop crops on this
machine, input excluded.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from training.data import ImageRecord, locate, read_ships, scan

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _notebook import canonical_masks_as_image

SHAPE = (768, 768)
TARGET_RATIO = 3.0


# --- the notebook's generator, re-written here as the reference -------------------------------------------
def keras_generator(
    records: list[ImageRecord], batch_size: int, crop: int, seed: int = 0
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(seed)
    while True:
        x_batch, y_batch = [], []
        for _ in range(batch_size):
            record = records[rng.integers(len(records))]
            img = cv2.cvtColor(cv2.imread(str(record.path)), cv2.COLOR_BGR2RGB)
            mask = canonical_masks_as_image(list(record.ships))
            top, left = rng.integers(0, SHAPE[0] - crop + 1, size=2)
            img = img[top : top + crop, left : left + crop]
            mask = mask[top : top + crop, left : left + crop]
            if rng.random() < 0.5:
                img, mask = img[:, ::-1], mask[:, ::-1]
            x_batch.append(img)
            y_batch.append(mask)
        yield np.stack(x_batch, 0) / 255.0, np.expand_dims(np.stack(y_batch, 0), -1)


# --- measuring ---------------------------------------------------------------------------------------------
def cpu_seconds() -> float:
    """CPU time of this process, all threads."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(batches: Iterator, n_batches: int, batch: int, warmup: int = 3) -> tuple[float, float]:
    """(images per second of wall time, CPU milliseconds per image) over ``n_batches`` batches."""
    for _ in range(warmup):
        next(batches)
    cpu, start = cpu_seconds(), time.perf_counter()
    for _ in range(n_batches):
        next(batches)
    images = n_batches * batch
    return images / (time.perf_counter() - start), (cpu_seconds() - cpu) / images * 1000


def load_records(data: Path | None, n_images: int, workdir: Path) -> list[ImageRecord]:
    if data is None:
        from shipviewer.synth import generate

        data = workdir / "synth"
        print(f"writing {n_images} synthetic images to {data} ...", flush=True)
        generate(data, n_images, seed=7)
    source = locate(data)
    return scan(source.images_dir, read_ships(source.csv_path)).records


def bench_segnet(records: list[ImageRecord], crop: int, batch: int, steps: int) -> None:
    import keras

    from training.losses import METRICS, bce_dice_loss
    from training.model import build_segnet
    from training.pipeline import PipelineOptions, make_dataset

    keras.utils.set_random_seed(0)
    model = build_segnet()
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss=bce_dice_loss, metrics=list(METRICS))
    data = iter(make_dataset(records, PipelineOptions(crop=crop, batch=batch, seed=1), training=True))
    batches = [next(data) for _ in range(steps + 1)]
    model.train_on_batch(*batches[0])  # trace and build
    start = time.perf_counter()
    for x, y in batches[1:]:
        model.train_on_batch(x, y)
    seconds = time.perf_counter() - start
    rate = steps * batch / seconds
    print(
        f"SegNet training (width 1.0, {model.count_params():,} parameters), {crop}x{crop} crops, "
        f"batch {batch}, "
        f"{steps} steps: {rate:.2f} images/s ({1 / rate:.2f} s per image, forward + backward)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--images", type=int, default=64)
    parser.add_argument("--data", type=Path, default=None, help="a data set in the Kaggle layout instead")
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--crop", type=int, default=256)
    parser.add_argument("--train-steps", type=int, default=3)
    parser.add_argument("--train-batch", type=int, default=4)
    parser.add_argument("--no-train", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench_input_") as tmp:
        records = load_records(args.data, args.images, Path(tmp))
        with_ships = sum(1 for r in records if r.ships)
        print(
            f"{len(records)} images ({with_ships} with ships); "
            f"batches of {args.batch} crops of {args.crop}x{args.crop}"
        )

        import tensorflow as tf

        from training.pipeline import PipelineOptions, make_dataset

        load = os.getloadavg()[0]
        print(f"CPU cores: {os.cpu_count()}; load average {load:.1f} (other processes skew the wall figures)")
        print(
            f"TensorFlow {tf.__version__}; best of {args.rounds} interleaved rounds of {args.batches} batches"
        )
        options = PipelineOptions(crop=args.crop, batch=args.batch, seed=0)
        ours_it = iter(make_dataset(records, options, training=True))
        reference_it = keras_generator(records, args.batch, args.crop)
        rounds = [
            (measure(reference_it, args.batches, args.batch), measure(ours_it, args.batches, args.batch))
            for _ in range(args.rounds)
        ]
        reference, ours = (max(r[i][0] for r in rounds) for i in (0, 1))
        reference_cpu, ours_cpu = (min(r[i][1] for r in rounds) for i in (0, 1))
        ratio = ours / reference
        verdict = "meets" if ratio >= TARGET_RATIO else "MISSES"
        print(f"notebook keras_generator:  {reference:8.1f} images/s   {reference_cpu:5.2f} ms CPU per image")
        print(f"tf.data pipeline:          {ours:8.1f} images/s   {ours_cpu:5.2f} ms CPU per image")
        print(
            f"ratio: {ratio:.1f}x ({verdict} the {TARGET_RATIO:.0f}x target); "
            f"CPU per image {reference_cpu / ours_cpu:.1f}x less"
        )
        if not args.no_train:
            bench_segnet(records, args.crop, args.train_batch, args.train_steps)
    return 0


if __name__ == "__main__":
    sys.exit(main())
