"""The synthetic data generator: Kaggle layout, determinism, and labels that behave like the real ones."""

from __future__ import annotations

import re
from pathlib import Path

import cv2
import numpy as np
import pytest

from shipviewer.airbus.annotations import read_csv
from shipviewer.airbus.rle import decode
from shipviewer.synth import (
    CSV_NAME,
    IMAGE_DIR,
    JPEG_QUALITY,
    SynthSummary,
    generate,
    image_ids,
    image_rng,
    render_image,
    write_samples,
)
from shipviewer.synth.land import Berth
from shipviewer.synth.placement import Fleet, place_moored

ID_PATTERN = re.compile(r"^[0-9a-f]{9}\.jpg$")
SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def default_scenes() -> list[tuple[np.ndarray, np.ndarray]]:
    """40 scenes with the default ship probability (what training data looks like)."""
    return [render_image(image_rng(11, i)) for i in range(40)]


@pytest.fixture(scope="module")
def ship_scenes() -> list[tuple[np.ndarray, np.ndarray]]:
    """Scenes that all have ships."""
    return [render_image(image_rng(12, i), ship_probability=1.0) for i in range(10)]


def _ships(scenes: list[tuple[np.ndarray, np.ndarray]]) -> list[tuple[np.ndarray, np.ndarray]]:
    """(image, bool mask) for every ship of every scene."""
    return [(img, labels == k) for img, labels in scenes for k in range(1, int(labels.max()) + 1)]


# --- files and determinism ---------------------------------------------------------------------------
def test_generate_writes_kaggle_layout(tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []
    summary = generate(tmp_path, 4, seed=1, ship_probability=0.5, progress=lambda d, n: calls.append((d, n)))
    assert isinstance(summary, SynthSummary)
    assert summary.csv_path == tmp_path / CSV_NAME
    assert summary.n_images == 4
    assert calls == [(1, 4), (2, 4), (3, 4), (4, 4)]
    names = sorted(p.name for p in (tmp_path / IMAGE_DIR).iterdir())
    assert len(names) == 4
    assert all(ID_PATTERN.match(n) for n in names)
    read = read_csv(summary.csv_path)
    assert sorted(read.ships) == names
    assert summary.n_with_ships == sum(1 for v in read.ships.values() if v)
    assert summary.n_ships == sum(len(v) for v in read.ships.values())
    for name in names:
        img = cv2.imread(str(tmp_path / IMAGE_DIR / name))
        assert img.shape == (768, 768, 3)
        masks = [decode(r, (768, 768)) for r in read.ships[name]]
        if masks:
            assert np.sum(masks, axis=0).max() == 1  # ships never overlap


def test_same_seed_gives_identical_files_and_other_seed_differs(tmp_path: Path) -> None:
    generate(tmp_path / "a", 3, seed=5)
    generate(tmp_path / "b", 3, seed=5)
    generate(tmp_path / "c", 3, seed=6)
    a, b, c = (_files(tmp_path / x) for x in "abc")
    assert a == b
    assert set(a) != set(c)
    assert a[CSV_NAME] != c[CSV_NAME]


def test_image_does_not_depend_on_how_many_are_made(tmp_path: Path) -> None:
    generate(tmp_path / "two", 2, seed=7)
    generate(tmp_path / "three", 3, seed=7)
    two, three = _files(tmp_path / "two" / IMAGE_DIR), _files(tmp_path / "three" / IMAGE_DIR)
    assert set(two) < set(three)
    assert all(three[name] == data for name, data in two.items())


def test_ids_are_unique_kaggle_like_and_seeded() -> None:
    ids = image_ids(0, 3000)
    assert len(set(ids)) == 3000
    assert all(ID_PATTERN.match(i) for i in ids)
    assert image_ids(0, 10) == ids[:10]
    assert not set(image_ids(1, 100)) & set(ids[:100])


def test_jpeg_uses_the_real_quality() -> None:
    assert JPEG_QUALITY == 95


def test_bad_arguments_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        generate(tmp_path, 1, seed=-1)
    with pytest.raises(ValueError):
        generate(tmp_path, 1, ship_probability=1.5)


# --- scenes ------------------------------------------------------------------------------------------
def test_render_image_types(ship_scenes: list[tuple[np.ndarray, np.ndarray]]) -> None:
    for img, labels in ship_scenes:
        assert img.dtype == np.uint8 and img.shape == (768, 768, 3)
        assert labels.dtype == np.int32 and labels.shape == (768, 768)
        present = np.unique(labels)
        assert present[0] == 0 and list(present) == list(range(len(present)))  # labels 1..n, no gaps
        assert labels.max() >= 1


def test_about_three_quarters_have_no_ship(default_scenes: list[tuple[np.ndarray, np.ndarray]]) -> None:
    empty = sum(1 for _, labels in default_scenes if labels.max() == 0)
    assert 24 <= empty <= 38  # 40 draws at 78% empty: mean 31


def test_ship_probability_bounds() -> None:
    assert all(render_image(image_rng(3, i), ship_probability=0.0)[1].max() == 0 for i in range(3))


def test_images_vary(default_scenes: list[tuple[np.ndarray, np.ndarray]]) -> None:
    means = np.array([img.reshape(-1, 3).mean(axis=0) for img, _ in default_scenes])
    assert means.std(axis=0).min() > 8  # not one colour of sea
    assert len({img.tobytes()[:4096] for img, _ in default_scenes}) == len(default_scenes)


def test_each_ship_is_one_connected_blob(ship_scenes: list[tuple[np.ndarray, np.ndarray]]) -> None:
    for _, mask in _ships(ship_scenes):
        n, _ = cv2.connectedComponents(mask.astype(np.uint8), connectivity=4)
        assert n == 2


def test_ship_lengths_are_10_to_300_px(ship_scenes: list[tuple[np.ndarray, np.ndarray]]) -> None:
    lengths = []
    for _, mask in _ships(ship_scenes):
        ys, xs = np.nonzero(mask)
        (_, _), (a, b), _ = cv2.minAreaRect(np.stack([xs, ys], axis=1).astype(np.float32))
        length = max(a, b) + 1
        assert length <= 302
        clipped = ys.min() == 0 or xs.min() == 0 or ys.max() == 767 or xs.max() == 767
        if not clipped:
            assert length >= 9
            lengths.append(length)
    assert len(lengths) >= 10
    assert min(lengths) < 40  # small boats ...
    assert max(lengths) > 80  # ... and big ships


def test_ship_pixels_stand_out(ship_scenes: list[tuple[np.ndarray, np.ndarray]]) -> None:
    """The mask sits on something that looks different from the water right around it."""
    kernel = np.ones((9, 9), np.uint8)
    contrasts = []
    for img, mask in _ships(ship_scenes):
        ring = cv2.dilate(mask.astype(np.uint8), kernel).astype(bool) & ~cv2.dilate(
            mask.astype(np.uint8), np.ones((3, 3), np.uint8)
        ).astype(bool)
        inside = img[mask].astype(float).mean(axis=0)
        around = img[ring].astype(float).mean(axis=0)
        contrasts.append(np.abs(inside - around).max())
    contrasts = np.array(contrasts)
    assert np.median(contrasts) > 20
    assert (contrasts > 6).mean() > 0.85


def test_wakes_and_shadows_are_not_in_the_mask(ship_scenes: list[tuple[np.ndarray, np.ndarray]]) -> None:
    """Masks are compact hulls: a filled, nearly convex outline (no wake tails, no shadow fringes)."""
    for _, mask in _ships(ship_scenes):
        contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
        hull_area = cv2.contourArea(cv2.convexHull(contours[0]))
        assert mask.sum() >= 0.8 * hull_area


def test_moored_ships_touch_but_stay_separate() -> None:
    """Ships rafted alongside a quay: adjacent masks, each its own label and blob, all on water."""
    water = np.ones((768, 768), np.float32)
    water[:, :100] = 0.0  # quay face along x = 100, water to the right
    fleet = Fleet(water, np.zeros((768, 768), np.int32))
    place_moored(np.random.default_rng(0), fleet, [Berth((100.0, 0.0), (0.0, 1.0), (1.0, 0.0), 768.0)], 8)
    labels = fleet.labels
    assert labels.max() >= 5
    assert not labels[:, :100].any()
    touching = 0
    for k in range(1, int(labels.max()) + 1):
        mask = (labels == k).astype(np.uint8)
        assert cv2.connectedComponents(mask, connectivity=4)[0] == 2
        near = cv2.dilate(mask, np.ones((3, 3), np.uint8)).astype(bool)
        touching += bool(set(np.unique(labels[near])) - {0, k})
    assert touching >= 2


def test_bundled_samples_match_write_samples(tmp_path: Path) -> None:
    if not (SAMPLES / "labels.csv").exists():
        pytest.skip("resources/samples not generated")
    write_samples(tmp_path)
    fresh, bundled = read_csv(tmp_path / "labels.csv").ships, read_csv(SAMPLES / "labels.csv").ships
    assert fresh == bundled
    assert sum(1 for v in bundled.values() if v) >= 4
    for name in bundled:
        a = cv2.imread(str(tmp_path / name)).astype(float)
        b = cv2.imread(str(SAMPLES / name)).astype(float)
        assert np.abs(a - b).mean() < 2.0  # same picture (libjpeg builds may differ in the last bits)


# --- hard negatives (synth --hard) -----------------------------------------------------------------------
def test_hard_scenes_are_deterministic_and_the_default_is_unchanged(tmp_path: Path) -> None:
    generate(tmp_path / "a", 6, seed=5, hard=True)
    generate(tmp_path / "b", 6, seed=5, hard=True)
    generate(tmp_path / "plain", 6, seed=5)
    generate(tmp_path / "plain2", 6, seed=5, hard=False)
    a, b = _files(tmp_path / "a"), _files(tmp_path / "b")
    plain = _files(tmp_path / "plain")
    assert a == b and plain == _files(tmp_path / "plain2")
    assert set(a) == set(plain)  # the same scenes (ids), with hard negatives drawn into some
    assert sum(a[name] != plain[name] for name in a if name.endswith(".jpg")) >= 3


def test_hard_scenes_keep_the_rest_of_the_scene() -> None:
    """The hazards come from a side stream: a hard scene is the plain one plus rocks and whitecaps."""
    for index in range(8):
        soft, soft_labels = render_image(image_rng(3, index))
        hard, hard_labels = render_image(image_rng(3, index), hard=True)
        changed = np.abs(hard.astype(int) - soft.astype(int)).max(axis=2) > 40
        assert changed.mean() < 0.2  # most of the frame is untouched
        if not soft_labels.any():
            assert not hard_labels.any()


def test_rocks_and_whitecaps_stay_on_water_and_ships_keep_off_the_rocks() -> None:
    from shipviewer.synth.hazards import add_hazards
    from shipviewer.synth.placement import place_free

    found_rocks = found_caps = 0
    for seed in range(12):
        rng = np.random.default_rng(seed)
        water = np.ones((256, 256), np.float32)
        water[:, :60] = 0.0  # land on the left
        img = np.full((256, 256, 3), (20.0, 40.0, 70.0), np.float32)
        out, hazards = add_hazards(rng, img, water, (1.0, 0.0))
        assert out.shape == img.shape and out.dtype == np.float32
        assert not hazards.rocks[:, :60].any() and not hazards.whitecaps[:, :60].any()
        assert not (hazards.whitecaps[hazards.rocks] > 0).any()
        changed = np.abs(out - img).max(axis=2) > 1.0
        assert not changed[:, :50].any()  # nothing drawn on land (a foam fringe may touch the shore)
        found_rocks += hazards.rocks.any()
        found_caps += hazards.whitecaps.any()
        fleet = Fleet(water * (1.0 - hazards.rocks), np.zeros((256, 256), np.int32))
        place_free(rng, fleet, 8, tries=60)
        assert not (fleet.labels[hazards.rocks] != 0).any()
    assert found_rocks >= 3 and found_caps >= 2
