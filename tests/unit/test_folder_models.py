"""The held-out split and the folder's models (shipviewer.session.models): real stores, real folders."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import cv2
import numpy as np
import pytest

from shipviewer.airbus import rle
from shipviewer.airbus.annotations import write_csv
from shipviewer.session import Workspace, user_data_dir
from shipviewer.session.models import (
    MIN_IMAGES,
    FolderModels,
    base_for,
    grow_split,
    reviewed_work,
    stratum,
)
from shipviewer.session.review import Status

SHAPE = (64, 64)


def _ship(k: int) -> str:
    mask = np.zeros(SHAPE, bool)
    y, x = 4 + (k % 3) * 20, 4 + (k // 3) * 20
    mask[y : y + 10, x : x + 12] = True
    return rle.encode(mask)


def make_folder(root: Path, n: int) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(n)
    for i in range(n):
        cv2.imwrite(str(root / f"img{i:03d}.png"), rng.integers(0, 255, (*SHAPE, 3), dtype=np.uint8))
    return root


def ships_for(i: int) -> list[str]:
    """0 to 3 ships, by a fixed pattern (every stratum gets images)."""
    return [_ship(k) for k in range(i % 4)]


def import_reviewed(workspace: Workspace, ids: range, tmp: Path) -> None:
    path = tmp / f"labels-{ids.start}-{ids.stop}.csv"
    write_csv(path, {f"img{i:03d}.png": ships_for(i) for i in ids})
    report = workspace.import_csv(path)
    assert not report.problems


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    ws = Workspace.open(make_folder(tmp_path / "images", 60))
    yield ws
    ws.close()


def _register(models: FolderModels, split, tmp: Path, f2: float = 0.5):
    directory = models.root / models.new_id()
    directory.mkdir(parents=True)
    for name in ("model.onnx", "model.keras"):
        (directory / name).write_bytes(b"x")
    return models.register(
        model_id=directory.name,
        name=f"finetuned-{directory.name}",
        directory=directory,
        onnx=directory / "model.onnx",
        keras=directory / "model.keras",
        int8=None,
        base="base.keras",
        f2=f2,
        base_f2=0.4,
        card={"counts": {"train": len(split.train)}},
        split=split,
    )


def test_grow_split_is_stratified_deterministic_and_keeps_what_is_recorded() -> None:
    strata = {f"i{k}": stratum(k % 5) for k in range(100)}
    first = grow_split({}, strata)
    assert first == grow_split({}, dict(reversed(list(strata.items()))))  # order of the input: no matter
    val = [k for k, part in first.items() if part == "val"]
    assert len(val) == 20
    assert Counter(strata[k] for k in val) == {s: 4 for s in range(5)}  # 20 % of each stratum
    # Forty more images later: the recorded ones keep their parts; validation grows to 20 % of 140.
    more = {**strata, **{f"j{k}": stratum(k % 5) for k in range(40)}}
    second = grow_split(first, more)
    assert set(second) == {k for k in more if k.startswith("j")}
    assert sum(part == "val" for part in second.values()) == 28 - 20
    # Tiny sets still hold one image out.
    assert list(grow_split({}, {"a": 0, "b": 0}).values()).count("val") == 1


def test_a_model_only_image_is_not_in_the_training_set(workspace: Workspace, tmp_path: Path) -> None:
    import_reviewed(workspace, range(0, 12), tmp_path)
    workspace.set_prediction("img050.png", [_ship(0)], model="test [m.onnx]")  # seeds an untouched image
    workspace.set_prediction("img051.png", [_ship(1)], model="test [m.onnx]")
    workspace.accept("img051.png")  # ...which counts once a person signs it off
    assert workspace.record("img050.png").annotated == "predicted"
    reviewed = reviewed_work(workspace)
    assert "img050.png" not in reviewed.ships
    assert reviewed.ships["img051.png"] == [_ship(1)]
    assert set(reviewed.ships) == {f"img{i:03d}.png" for i in range(12)} | {"img051.png"}
    assert reviewed.with_ships == sum(1 for i in range(12) if i % 4) + 1


def test_too_few_reviewed_images_say_how_many_more(workspace: Workspace, tmp_path: Path) -> None:
    assert "review 10 more reviewed images" in (reviewed_work(workspace).shortfall() or "")
    import_reviewed(workspace, range(0, 6), tmp_path)
    assert f"review {MIN_IMAGES - 6} more" in (reviewed_work(workspace).shortfall() or "")
    import_reviewed(workspace, range(6, 12), tmp_path)
    assert reviewed_work(workspace).shortfall() is None


def test_the_held_out_split_holds_still_across_rounds(workspace: Workspace, tmp_path: Path) -> None:
    models = FolderModels(workspace.store)
    import_reviewed(workspace, range(0, 30), tmp_path)
    first = models.plan_split(reviewed_work(workspace).ships)
    assert models.plan_split(reviewed_work(workspace).ships) == first  # planning writes nothing
    assert models.recorded_split() == {}
    assert len(first.val) == 6 and len(first.train) == 24
    assert Counter(stratum(len(ships_for(int(k[3:6])))) for k in first.val) == {0: 2, 1: 2, 2: 1, 3: 1}
    _register(models, first, tmp_path)

    # New reviews between the rounds: 20 more images, one confirmed empty, one held-out image edited.
    import_reviewed(workspace, range(30, 49), tmp_path)
    workspace.confirm_empty("img049.png")
    edited = first.val[0]
    workspace.store.replace_ships(edited, [_ship(0), _ship(1), _ship(2), _ship(3)], source="edited")

    reopened = FolderModels(workspace.store)  # what the next round (another process) sees
    second = reopened.plan_split(reviewed_work(workspace).ships)
    assert set(first.val) <= set(second.val) and set(first.train) <= set(second.train)
    assert second.n_recorded == 30 and set(second.new) == {f"img{i:03d}.png" for i in range(30, 50)}
    assert len(second.val) == 10  # 20 % of 50, the newcomers filling what validation lacked
    _register(reopened, second, tmp_path)
    recorded = reopened.recorded_split()
    assert {k for k, (part, _) in recorded.items() if part == "val"} == set(second.val)
    assert {r for _, r in recorded.values()} == {1, 2}
    assert [m.round for m in reopened.models()] == [1, 2]


def test_models_are_listed_switched_and_deleted(workspace: Workspace, tmp_path: Path) -> None:
    import_reviewed(workspace, range(0, 12), tmp_path)
    models = FolderModels(workspace.store)
    split = models.plan_split(reviewed_work(workspace).ships)
    entry = _register(models, split, tmp_path, f2=0.61)
    assert entry.dir.parent == workspace.store.path.parent / "models"
    assert "Round 1 · held-out F2 0.610 (base 0.400)" in entry.label()
    assert models.find(entry.onnx) == entry and base_for(entry.onnx, models) == entry.keras
    models.set_active(entry.id)
    assert models.active() is not None and models.active().id == entry.id
    assert models.delete(entry.id) == []
    assert not entry.dir.exists() and models.models() == [] and models.active() is None
    # The split stays recorded: a later round's scores stay comparable with this one's.
    assert set(models.recorded_split()) == set(split.train) | set(split.val)


def test_a_read_only_folder_keeps_its_models_in_the_user_data_folder(tmp_path: Path) -> None:
    folder = make_folder(tmp_path / "shared", 3)
    os.chmod(folder, 0o555)
    try:
        with Workspace.open(folder) as ws:
            root = FolderModels(ws.store).root
        assert user_data_dir() in root.parents
        assert not (folder / ".shipviewer").exists()
    finally:
        os.chmod(folder, 0o755)


def test_the_base_of_an_onnx_model(tmp_path: Path) -> None:
    from resources import DEFAULT_MODEL_NAME, INT8_MODEL_NAME, default_keras_path, models_dir

    onnx = tmp_path / "mine.onnx"
    onnx.write_bytes(b"x")
    assert base_for(onnx, None) is None  # no known .keras source
    (tmp_path / "mine.keras").write_bytes(b"x")
    assert base_for(onnx, None) == tmp_path / "mine.keras"
    assert base_for(tmp_path / "mine-int8.onnx", None) == tmp_path / "mine.keras"
    bundled = default_keras_path() if default_keras_path().is_file() else None
    assert base_for(models_dir() / DEFAULT_MODEL_NAME, None) == bundled
    assert base_for(models_dir() / INT8_MODEL_NAME, None) == bundled


def test_status_counts_stay_with_the_store(workspace: Workspace, tmp_path: Path) -> None:
    """The tables of this module live beside the store's own and leave them alone."""
    import_reviewed(workspace, range(0, 12), tmp_path)
    before = workspace.store.status_counts()
    FolderModels(workspace.store)
    assert workspace.store.status_counts() == before
    assert workspace.status("img000.png") == Status.UNREVIEWED
