"""Writing synthetic scenes in the Kaggle Airbus layout: train_v2/<id>.jpg plus the segmentation CSV."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from shipviewer.synth.scene import render_image

# The real Airbus JPEGs carry exactly the IJG quality-95 quantisation tables (luminance 02 01 01 01 01 01 02,
# checked on all 26 files in shared/airbus-real), with 4:2:0 chroma subsampling: cv2 writes the same.
JPEG_QUALITY = 95
IMAGE_DIR = "train_v2"
CSV_NAME = "train_ship_segmentations_v2.csv"
DEFAULT_SHIP_PROBABILITY = 0.22  # the real training set: about 22% of images have ships

# write_samples(): the bundled demo images (resources/samples) are these scenes of this seed, as
# (index, ship probability): 1.0 forces ships, 0.0 none. Picked by eye for variety: ships at sea, a harbour
# with ships moored side by side, ships under cloud, dark water with wakes, an island port, an empty coast.
SAMPLE_SEED = 31
SAMPLE_PICKS: tuple[tuple[int, float], ...] = ((24, 1.0), (3, 1.0), (23, 1.0), (5, 1.0), (32, 1.0), (11, 0.0))


@dataclass(frozen=True)
class SynthSummary:
    """What :func:`generate` wrote."""

    out_dir: Path
    n_images: int
    n_with_ships: int
    n_ships: int
    csv_path: Path


def image_rng(seed: int, index: int) -> np.random.Generator:
    """The generator of image `index`: independent of how many images are made."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(index,)))


def _raw_id(seed: int, index: int, attempt: int) -> str:
    words = np.random.SeedSequence(seed, spawn_key=(index, 1 + attempt)).generate_state(2, np.uint32)
    return f"{(int(words[0]) << 4 | int(words[1]) & 0xF) & 0xFFFFFFFFF:09x}.jpg"


def image_ids(seed: int, n_images: int) -> list[str]:
    """Kaggle-like ids (9 lowercase hex digits + '.jpg'), unique, a function of (seed, index) only (a clash,
    vanishingly rare, is resolved by trying again, in index order)."""
    ids: list[str] = []
    seen: set[str] = set()
    for index in range(n_images):
        attempt = 0
        image_id = _raw_id(seed, index, attempt)
        while image_id in seen:
            attempt += 1
            image_id = _raw_id(seed, index, attempt)
        seen.add(image_id)
        ids.append(image_id)
    return ids


def encode_jpeg(rgb: np.ndarray, quality: int = JPEG_QUALITY) -> bytes:
    """JPEG bytes of an RGB image, baseline with 4:2:0 chroma like the real files (deterministic)."""
    import cv2

    params = [
        cv2.IMWRITE_JPEG_QUALITY,
        int(quality),
        cv2.IMWRITE_JPEG_SAMPLING_FACTOR,
        cv2.IMWRITE_JPEG_SAMPLING_FACTOR_420,
    ]
    ok, buf = cv2.imencode(".jpg", np.ascontiguousarray(rgb[..., ::-1]), params)
    if not ok:
        raise RuntimeError("cv2 could not encode a JPEG")
    return buf.tobytes()


def _write(
    out_dir: Path,
    seed: int,
    scenes: Sequence[tuple[int, float]],
    ids: Sequence[str],
    *,
    jpeg_quality: int,
    progress: Callable[[int, int], None] | None,
    images_in: Path,
    csv_path: Path,
    hard: bool = False,
) -> SynthSummary:
    """Render scenes (index, ship probability) of `seed` as images_in/<id>.jpg, then write their CSV."""
    from shipviewer.airbus.annotations import write_csv
    from shipviewer.airbus.rle import ships_from_labels

    images_in.mkdir(parents=True, exist_ok=True)
    ships: dict[str, list[str]] = {}
    for done, ((index, ship_probability), image_id) in enumerate(zip(scenes, ids, strict=True), start=1):
        img, labels = render_image(image_rng(seed, index), ship_probability=ship_probability, hard=hard)
        (images_in / image_id).write_bytes(encode_jpeg(img, jpeg_quality))
        ships[image_id] = ships_from_labels(labels)
        if progress is not None:
            progress(done, len(scenes))
    write_csv(csv_path, ships)
    return SynthSummary(
        out_dir=out_dir,
        n_images=len(ids),
        n_with_ships=sum(1 for v in ships.values() if v),
        n_ships=sum(len(v) for v in ships.values()),
        csv_path=csv_path,
    )


def generate(
    out_dir: str | Path,
    n_images: int,
    seed: int = 0,
    *,
    ship_probability: float = DEFAULT_SHIP_PROBABILITY,
    jpeg_quality: int = JPEG_QUALITY,
    progress: Callable[[int, int], None] | None = None,
    hard: bool = False,
) -> SynthSummary:
    """Write `n_images` scenes as OUT_DIR/train_v2/<id>.jpg and OUT_DIR/train_ship_segmentations_v2.csv.

    The same (seed, n_images, hard) gives byte-identical files; image i is the same whatever n_images is.
    ``hard`` adds rocks and whitecaps (hard negatives, :mod:`shipviewer.synth.hazards`) to the same scenes.
    """
    if n_images < 0:
        raise ValueError(f"n_images must be >= 0, got {n_images}")
    if seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    if not 0.0 <= ship_probability <= 1.0:
        raise ValueError(f"ship_probability must be in [0, 1], got {ship_probability}")
    out = Path(out_dir)
    return _write(
        out,
        seed,
        [(index, ship_probability) for index in range(n_images)],
        image_ids(seed, n_images),
        jpeg_quality=jpeg_quality,
        progress=progress,
        images_in=out / IMAGE_DIR,
        csv_path=out / CSV_NAME,
        hard=hard,
    )


def write_samples(
    out_dir: str | Path = "resources/samples",
    seed: int = SAMPLE_SEED,
    picks: Sequence[tuple[int, float]] = SAMPLE_PICKS,
) -> SynthSummary:
    """Regenerate the bundled demo images: scene `index` of `seed` with ship probability `p` for each
    (index, p) in `picks`, written flat as OUT_DIR/<id>.jpg plus OUT_DIR/labels.csv (via ``write_csv``)."""
    out = Path(out_dir)
    all_ids = image_ids(seed, max(index for index, _ in picks) + 1)
    return _write(
        out,
        seed,
        picks,
        [all_ids[index] for index, _ in picks],
        jpeg_quality=JPEG_QUALITY,
        progress=None,
        images_in=out,
        csv_path=out / "labels.csv",
    )
