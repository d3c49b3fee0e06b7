"""The session store and the workspace: real SQLite files in real folders."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import cv2
import numpy as np
import pytest

from shipviewer.airbus import rle
from shipviewer.airbus.annotations import format_csv, read_csv, validate_csv
from shipviewer.session import (
    STORE_DIR,
    STORE_FILE,
    SessionStore,
    StoreError,
    Workspace,
    WorkspaceError,
    locate_store,
    user_data_dir,
)
from shipviewer.session import location as location_module
from shipviewer.session.review import Status

SHAPE = (48, 64)


def make_folder(root: Path, names: list[str], shape: tuple[int, int] = SHAPE) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(len(names))
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(path), rng.integers(0, 255, (*shape, 3), dtype=np.uint8))
    return root


def ship(y0: int, y1: int, x0: int, x1: int, shape: tuple[int, int] = SHAPE) -> str:
    mask = np.zeros(shape, bool)
    mask[y0:y1, x0:x1] = True
    return rle.encode(mask)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return make_folder(tmp_path / "images", ["a.jpg", "b.jpg", "c.png", "sub/d.jpg"])


@pytest.fixture
def workspace(folder: Path) -> Workspace:
    ws = Workspace.open(folder)
    yield ws
    ws.close()


# --- the store file ---------------------------------------------------------------------------------
def test_store_lives_in_the_folder_in_wal_mode(folder: Path, workspace: Workspace) -> None:
    path = folder / STORE_DIR / STORE_FILE
    assert workspace.store.path == path and path.exists()
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert workspace.store._db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert workspace.image_ids() == ["a.jpg", "b.jpg", "c.png", "sub/d.jpg"]
    assert workspace.shape("a.jpg") == SHAPE and workspace.shape("c.png") == SHAPE


def test_read_only_folder_uses_the_user_data_dir(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHIPVIEWER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(location_module, "_can_write", lambda directory: False)
    path = locate_store(folder)
    assert path.parent.parent == tmp_path / "data" / "sessions" and path.name == STORE_FILE
    assert (path.parent / "folder.txt").read_text().strip() == str(folder.resolve())
    assert locate_store(folder) == path  # stable
    with Workspace.open(folder) as ws:
        ws.document("a.jpg").paint((5, 5), None, 5, 1)
        ws.document("a.jpg").end_stroke()
    with Workspace.open(folder) as ws:
        assert ws.store.path == path and list(ws.store.ships("a.jpg")) == [1]


def test_a_store_left_in_a_now_read_only_folder_is_carried_over(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Workspace.open(folder) as ws:
        ws.set_status("b.jpg", Status.REJECTED)
    monkeypatch.setenv("SHIPVIEWER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(location_module, "_can_write", lambda directory: False)
    with Workspace.open(folder) as ws:
        assert ws.store.path.is_relative_to(tmp_path / "data")
        assert ws.status("b.jpg") == Status.REJECTED


def test_really_read_only_folder(folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # r-xr-xr-x means read-only, for root too (who could write there): nothing is left in the folder.
    monkeypatch.setenv("SHIPVIEWER_DATA_DIR", str(tmp_path / "data"))
    folder.chmod(0o555)
    try:
        assert locate_store(folder).is_relative_to(tmp_path / "data")
        assert not (folder / ".shipviewer").exists()
    finally:
        folder.chmod(0o755)


def test_the_shared_real_images_are_never_written_to(real_dir: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SHIPVIEWER_DATA_DIR", str(tmp_path / "data"))
    images = real_dir / "images"
    if images.stat().st_mode & 0o222:
        pytest.skip("the shared images folder is writable here")
    with Workspace.open(images) as ws:
        assert ws.store.path.is_relative_to(tmp_path / "data")
    assert not (images / ".shipviewer").exists()


def test_user_data_dir_per_platform(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("SHIPVIEWER_DATA_DIR", raising=False)
    monkeypatch.setattr(location_module.sys, "platform", "linux")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert user_data_dir() == tmp_path / "xdg" / "shipviewer"
    monkeypatch.delenv("XDG_DATA_HOME")
    assert user_data_dir() == Path.home() / ".local" / "share" / "shipviewer"
    monkeypatch.setattr(location_module.sys, "platform", "darwin")
    assert user_data_dir() == Path.home() / "Library" / "Application Support" / "shipviewer"
    monkeypatch.setattr(location_module.sys, "platform", "win32")
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "local"))
    assert user_data_dir() == tmp_path / "local" / "shipviewer"


def test_a_newer_or_broken_store_is_refused(tmp_path: Path, folder: Path) -> None:
    newer = tmp_path / "newer.sqlite"
    db = sqlite3.connect(newer)
    db.execute("PRAGMA user_version = 99")
    db.close()
    with pytest.raises(StoreError, match="newer"):
        SessionStore(newer, folder)
    broken = tmp_path / "broken.sqlite"
    broken.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="not a usable session file"):
        SessionStore(broken, folder)


# --- saving and restoring ---------------------------------------------------------------------------
def test_every_committed_step_is_saved_and_reopening_restores_it(folder: Path) -> None:
    with Workspace.open(folder) as ws:
        doc = ws.document("a.jpg")
        doc.paint((10, 10), (30, 12), 7, doc.new_label())
        assert ws.store.ships("a.jpg") == {}  # a stroke in progress is not saved
        doc.end_stroke()
        assert list(ws.store.ships("a.jpg")) == [1]
        doc.polygon_add([(40, 5), (60, 5), (60, 30)])
        doc.split([(20, 0), (20, 47)], 1)
        doc.delete_ship(2)
        expected = doc.labels.copy()
        assert ws.status("a.jpg") == Status.EDITED
        assert ws.record("a.jpg").annotated == "edited"
    with Workspace.open(folder) as ws:
        doc = ws.document("a.jpg")
        assert np.array_equal(doc.labels, expected)  # labels (ship identities) survive, gaps included
        assert doc.ship_labels() == [1, 3] and doc.new_label() == 4
        assert ws.status("a.jpg") == Status.EDITED


def test_only_the_ships_a_step_touched_are_rewritten(workspace: Workspace) -> None:
    doc = workspace.document("a.jpg")
    for x in (10, 30, 50):
        doc.paint((x, 20), None, 5, doc.new_label())
        doc.end_stroke()
    writes: list[dict[int, str]] = []
    original = workspace.store.save_ships

    def recording(image_id: str, changes: dict[int, str], **kwargs: object) -> None:
        writes.append(dict(changes))
        original(image_id, changes, **kwargs)

    workspace.store.save_ships = recording
    doc.erase((30, 20), None, 3)
    doc.end_stroke()
    assert list(writes[-1]) == [2]
    doc.undo()
    assert list(writes[-1]) == [2]


def test_sync_finds_new_missing_moved_and_changed_images(folder: Path) -> None:
    with Workspace.open(folder) as ws:
        doc = ws.document("a.jpg")
        doc.paint((10, 10), None, 5, 1)
        doc.end_stroke()
        ws.set_status("b.jpg", Status.ACCEPTED)
    (folder / "a.jpg").rename(folder / "renamed.jpg")
    make_folder(folder, ["new.jpg"])
    cv2.imwrite(str(folder / "b.jpg"), np.full((*SHAPE, 3), 7, np.uint8))
    (folder / "c.png").unlink()
    with Workspace.open(folder) as ws:
        report = ws.rescan()
        assert report.total == 4
        assert ws.image_ids() == ["b.jpg", "new.jpg", "renamed.jpg", "sub/d.jpg"]
        assert list(ws.store.ships("renamed.jpg")) == [1]  # the work followed the file
        assert ws.status("b.jpg") == Status.UNREVIEWED  # new content: review again
    with Workspace.open(folder) as ws:
        assert "c.png" not in ws.image_ids() and "c.png" in ws.store.image_ids(present_only=False)


# --- review -----------------------------------------------------------------------------------------
def test_review_flow_statuses_next_and_progress(workspace: Workspace) -> None:
    assert str(workspace.progress()) == "0 of 4 reviewed"
    assert workspace.next_unreviewed() == "a.jpg"
    assert workspace.accept("a.jpg") == "b.jpg"
    assert workspace.reject("b.jpg") == "c.png"
    doc = workspace.document("c.png")
    doc.paint((10, 10), None, 5, 1)
    doc.end_stroke()
    assert workspace.confirm_empty("c.png") == "sub/d.jpg"
    assert workspace.document("c.png").n_ships == 0 and workspace.status("c.png") == Status.CONFIRMED_EMPTY
    assert workspace.accept("sub/d.jpg") is None
    progress = workspace.progress()
    assert (progress.reviewed, progress.total) == (4, 4) and progress.by_status[Status.ACCEPTED] == 2
    doc = workspace.document("a.jpg")
    doc.paint((10, 10), None, 5, 1)
    doc.end_stroke()
    assert workspace.status("a.jpg") == Status.EDITED and workspace.next_unreviewed() == "a.jpg"
    with pytest.raises(WorkspaceError):
        workspace.set_status("nope.jpg", Status.ACCEPTED)
    with pytest.raises(ValueError, match="unknown review status"):
        workspace.set_status("a.jpg", "fine")


def test_prediction_is_kept_apart_and_seeds_an_unannotated_image(workspace: Workspace) -> None:
    pred = [ship(5, 15, 5, 25), ship(30, 40, 30, 60)]
    workspace.set_prediction("a.jpg", pred, model="m1", uncertainty=0.3)
    record = workspace.record("a.jpg")
    assert record.annotated == "predicted" and record.status == Status.UNREVIEWED and record.n_ships == 2
    doc = workspace.document("a.jpg")
    doc.delete_ship(1)
    assert workspace.prediction("a.jpg").rles == pred and workspace.prediction("a.jpg").model == "m1"
    workspace.set_prediction("a.jpg", pred[:1], model="m2")  # annotated by hand now: no seeding
    assert workspace.annotation("a.jpg") == pred[1:]
    change = workspace.accept_prediction("a.jpg")
    assert change is not None and workspace.annotation("a.jpg") == pred[:1]
    assert workspace.store.ships("a.jpg") == {1: pred[0]}
    doc.undo()
    assert workspace.annotation("a.jpg") == pred[1:]
    with pytest.raises(WorkspaceError, match="no prediction"):
        workspace.accept_prediction("b.jpg")


def test_accepting_an_open_document_seeded_later(workspace: Workspace) -> None:
    doc = workspace.document("b.jpg")  # open before any prediction
    workspace.set_prediction("b.jpg", [ship(5, 15, 5, 25)], model="m")
    assert doc.n_ships == 1 and workspace.status("b.jpg") == Status.UNREVIEWED
    assert workspace.accept("b.jpg") == "c.png"
    assert workspace.store.exportable(reviewed_only=True) == {"b.jpg": [ship(5, 15, 5, 25)]}


def test_queue_orders(workspace: Workspace) -> None:
    workspace.set_prediction("a.jpg", [], model="m", uncertainty=0.1)
    workspace.set_prediction("c.png", [], model="m", uncertainty=0.5)
    assert workspace.queue("uncertainty") == ["c.png", "a.jpg", "b.jpg", "sub/d.jpg"]
    truth = {"b.jpg": [ship(5, 15, 5, 25)], "sub/d.jpg": [ship(5, 15, 5, 25)]}
    for image_id, rles in truth.items():
        workspace.store.set_truth(image_id, rles, source="t")
    doc = workspace.document("sub/d.jpg")
    doc.paint((10, 10), None, 3, 1)
    doc.end_stroke()
    assert workspace.queue("disagreement")[:2] == ["b.jpg", "sub/d.jpg"]
    assert workspace.metrics("b.jpg").f2 == 0.0 and workspace.metrics("a.jpg") is None
    workspace.document("b.jpg").set_ships(truth["b.jpg"])
    metrics = workspace.metrics("b.jpg")
    assert metrics.f2 == 1.0 and metrics.iou == 1.0 and metrics.n_true == metrics.n_pred == 1
    assert workspace.queue("path", needs_review_only=True) == ["a.jpg", "b.jpg", "c.png", "sub/d.jpg"]


# --- CSV in and out ---------------------------------------------------------------------------------
def test_import_then_export_of_a_canonical_csv_is_byte_identical(folder: Path, tmp_path: Path) -> None:
    ships = {
        "a.jpg": [ship(30, 40, 30, 60), ship(5, 15, 5, 25)],  # stored order is kept, not re-sorted
        "b.jpg": [],
        "sub/d.jpg": [ship(0, 48, 10, 12)],  # whole columns: runs merged across columns
    }
    source = tmp_path / "in.csv"
    source.write_text(format_csv(ships))
    with Workspace.open(folder) as ws:
        report = ws.import_csv(source)
        assert not report.problems and report.images == 3 and report.ships == 3
        ws.export_csv(tmp_path / "out.csv")
    assert (tmp_path / "out.csv").read_bytes() == source.read_bytes()


def test_import_reports_bad_rows_with_line_numbers_and_imports_the_rest(folder: Path, tmp_path: Path) -> None:
    good, other = ship(5, 15, 5, 25), ship(10, 20, 20, 40)  # other overlaps good
    lines = [
        "ImageId,EncodedPixels",
        f"a.jpg,{good}",
        "a.jpg,1 2 3",  # odd count
        f"a.jpg,{other}",  # overlaps line 2
        "b.jpg,99999 5",  # past the image's last pixel (48 × 64)
        "zzz.jpg,1 1",  # not in the folder
        f"a.jpg,{good}",  # duplicate
        "d.jpg,1 3",  # bare name of sub/d.jpg
        "onlyonefield",
    ]
    source = tmp_path / "bad.csv"
    source.write_text("\n".join(lines) + "\n")
    with Workspace.open(folder) as ws:
        report = ws.import_csv(source)
        assert [p.line for p in report.problems] == [3, 4, 5, 7, 9]
        assert "overlaps the ship on line 2" in report.problems[1].message
        assert report.not_in_folder == ["zzz.jpg"]
        ships = ws.annotation("a.jpg")
        assert ships[0] == good and len(ships) == 2
        assert not rle.find_overlaps(ships, SHAPE)
        assert ws.annotation("b.jpg") == [] and ws.annotation("sub/d.jpg") == ["1 3"]
        assert "row problem" in report.summary()


def test_import_keeps_the_users_work_unless_overwrite(workspace: Workspace, tmp_path: Path) -> None:
    doc = workspace.document("a.jpg")
    doc.paint((10, 10), None, 5, 1)
    doc.end_stroke()
    workspace.set_status("b.jpg", Status.ACCEPTED)
    source = tmp_path / "in.csv"
    source.write_text(format_csv({"a.jpg": [ship(0, 2, 0, 2)], "b.jpg": [], "c.png": []}))
    report = workspace.import_csv(source)
    assert report.kept == ["a.jpg", "b.jpg"] and report.images == 1
    assert workspace.annotation("a.jpg") != [ship(0, 2, 0, 2)]
    report = workspace.import_csv(source, overwrite=True)
    assert report.kept == [] and workspace.annotation("a.jpg") == [ship(0, 2, 0, 2)]
    assert workspace.document("a.jpg").ships() == [ship(0, 2, 0, 2)]  # the open document was reloaded
    assert workspace.status("a.jpg") == Status.UNREVIEWED


def test_import_as_truth_and_as_predictions(workspace: Workspace, tmp_path: Path) -> None:
    source = tmp_path / "t.csv"
    source.write_text(format_csv({"a.jpg": [ship(0, 5, 0, 5)], "b.jpg": []}))
    workspace.import_csv(source, layer="truth")
    assert workspace.truth("a.jpg") == [ship(0, 5, 0, 5)] and workspace.truth("b.jpg") == []
    assert workspace.truth("c.png") is None and workspace.annotation("a.jpg") == []
    workspace.import_csv(source, layer="predictions")
    assert workspace.prediction("a.jpg").model == "csv:t.csv"
    assert workspace.annotation("a.jpg") == [ship(0, 5, 0, 5)]  # seeded
    with pytest.raises(ValueError, match="unknown layer"):
        workspace.import_csv(source, layer="masks")


def test_export_all_or_reviewed_only(workspace: Workspace, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="nothing to export"):
        workspace.export_csv(tmp_path / "none.csv")
    workspace.set_prediction("a.jpg", [ship(5, 15, 5, 25)], model="m")
    workspace.set_prediction("b.jpg", [ship(5, 15, 5, 25)], model="m")
    workspace.reject("b.jpg")
    workspace.confirm_empty("c.png")
    out = tmp_path / "all.csv"
    # a.jpg holds the model's untouched prediction: written only when asked for (issue #11).
    report = workspace.export_csv(out)
    assert read_csv(out).ships == {"c.png": []}
    assert (report.images, report.ships, report.empty) == (1, 0, 1)
    report = workspace.export_csv(out, include_predictions=True)
    assert read_csv(out).ships == {"a.jpg": [ship(5, 15, 5, 25)], "c.png": []}
    assert (report.images, report.ships, report.empty) == (2, 1, 1)
    assert validate_csv(out, shape=SHAPE, images=workspace.folder).ok
    workspace.export_csv(out, reviewed_only=True)
    assert read_csv(out).ships == {"c.png": []}
    workspace.accept("a.jpg")
    workspace.accept("sub/d.jpg")  # accepted with no ships: an empty row
    workspace.export_csv(out, reviewed_only=True)
    assert out.read_text() == f"ImageId,EncodedPixels\na.jpg,{ship(5, 15, 5, 25)}\nc.png,\nsub/d.jpg,\n"


def test_events_and_documents_closed_by_an_import(workspace: Workspace, tmp_path: Path) -> None:
    events: list[str] = []
    workspace.connect(events.append)
    old = workspace.document("a.jpg")
    old.paint((10, 10), None, 5, 1)
    old.end_stroke()
    workspace.set_status("b.jpg", Status.REJECTED)
    assert events == ["a.jpg", "b.jpg"]
    source = tmp_path / "in.csv"
    source.write_text(format_csv({"a.jpg": [ship(0, 2, 0, 2)]}))
    workspace.import_csv(source, overwrite=True)
    assert events[-1] == "a.jpg"
    old.paint((40, 40), None, 5, 2)
    old.end_stroke()  # a closed document no longer writes: the view must ask for the new one
    assert workspace.annotation("a.jpg") == [ship(0, 2, 0, 2)]
    assert workspace.document("a.jpg") is not old
    workspace.disconnect(events.append)


def test_documents_beyond_the_memory_budget_are_closed_but_saved(folder: Path) -> None:
    one_doc = SHAPE[0] * SHAPE[1] * 4
    with Workspace.open(folder, max_document_bytes=int(2.5 * one_doc)) as ws:
        docs = {}
        for image_id in ["a.jpg", "b.jpg", "c.png"]:
            docs[image_id] = ws.document(image_id)
            docs[image_id].paint((10, 10), None, 5, 1)
            docs[image_id].end_stroke()
        assert ws.document("c.png") is docs["c.png"] and ws.document("a.jpg") is not docs["a.jpg"]
        assert ws.document("a.jpg").ships() == docs["a.jpg"].ships()


def test_the_bundled_samples_are_never_written_to(tmp_path, monkeypatch) -> None:
    from resources import samples_dir
    from shipviewer.session.location import STORE_DIR, locate_store

    monkeypatch.setenv("SHIPVIEWER_DATA_DIR", str(tmp_path / "data"))
    before = sorted(p.name for p in samples_dir().iterdir())
    store = locate_store(samples_dir())
    assert store.is_relative_to(tmp_path / "data")
    assert not (samples_dir() / STORE_DIR).exists()
    assert sorted(p.name for p in samples_dir().iterdir()) == before


def test_an_image_whose_rows_are_all_bad_is_not_imported_as_no_ships(
    workspace: Workspace, tmp_path: Path
) -> None:
    """Bad rows are skipped with their line numbers; an image left with no usable row is not "no ships"
    (as truth, 0 ships would score a perfect F2 for predicting nothing)."""
    good, second = ship(0, 5, 0, 5), ship(10, 15, 10, 15)
    source = tmp_path / "t.csv"
    source.write_text(
        "ImageId,EncodedPixels\n"
        f"a.jpg,{good}\n"
        "a.jpg,1 abc\n"  # a.jpg: one good row, one bad
        "b.jpg,99999999 5\n"  # b.jpg: its only ship row is bad...
        "b.jpg,\n"  # ...and an empty row beside it says no more (the file contradicts itself)
        f"c.png,{good}\n"
        f"c.png,{second}\n"
    )
    for layer in ("truth", "annotations"):
        report = workspace.import_csv(source, layer=layer)
        assert [p.line for p in report.problems] == [3, 4]
        assert report.unusable == ["b.jpg"] and "b.jpg" not in report.changed
        assert "1 image(s) with no usable row left as they were" in report.summary()
    assert workspace.truth("a.jpg") == [good] and workspace.truth("b.jpg") is None
    assert workspace.truth("c.png") == [good, second]
    assert workspace.annotation("a.jpg") == [good]  # the usable row; the bad one was named
