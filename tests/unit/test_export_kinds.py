"""What an export writes (issue #11): only what a person made or confirmed, unless the model's untouched
predictions are asked for by name; the counts of each kind before writing; images of other sizes."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from shipviewer.airbus import rle
from shipviewer.airbus.annotations import format_csv, read_csv, validate_csv
from shipviewer.session import Workspace
from shipviewer.session.review import Status


def box(shape: tuple[int, int], y0: int, y1: int, x0: int, x1: int) -> str:
    mask = np.zeros(shape, bool)
    mask[y0:y1, x0:x1] = True
    return rle.encode(mask)


def folder_of(root: Path, sizes: dict[str, tuple[int, int]]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, (h, w) in sizes.items():
        assert cv2.imwrite(str(root / name), np.full((h, w, 3), 30, np.uint8))
    return root


F = (768, 768)


@pytest.fixture
def mixed(tmp_path: Path) -> Workspace:
    """Nine 768² images: 2 reviewed, 1 edited, 1 imported, 3 model-only, 1 rejected, and i.jpg partly
    model (a ship drawn beside the model's, which nobody touched)."""
    names = [f"{c}.jpg" for c in "abcdefghi"]
    ws = Workspace.open(folder_of(tmp_path / "mixed", dict.fromkeys(names, F)))
    for name in names:
        ws.set_prediction(name, [box(F, 10, 30, 10, 40)], model="m")
    ws.accept("a.jpg")
    ws.confirm_empty("b.jpg")
    doc = ws.document("c.jpg")
    doc.paint((38.0, 20.0), (46.0, 20.0), 5, 1)  # the model's ship, touched up
    doc.end_stroke()
    doc.paint((300.0, 300.0), (320.0, 300.0), 9, doc.new_label())
    doc.end_stroke()
    doc = ws.document("i.jpg")
    doc.paint((300.0, 300.0), (320.0, 300.0), 9, doc.new_label())
    doc.end_stroke()
    source = tmp_path / "imported.csv"
    source.write_text(format_csv({"d.jpg": [box(F, 100, 120, 100, 130)]}))
    ws.import_csv(source)
    ws.reject("h.jpg")
    yield ws
    ws.close()


def test_the_plan_counts_each_kind_before_writing(mixed: Workspace, tmp_path: Path) -> None:
    plan = mixed.export_plan()
    assert plan.kinds == {
        "reviewed": 2,
        "edited": 1,
        "partly model": 1,
        "imported": 1,
        "model-only": 3,
        "rejected": 1,
        "not annotated": 0,
    }
    assert plan.n_images == 4
    text = plan.text()
    assert text.startswith("Writes 4 image(s): 2 reviewed, 1 edited, 1 imported.")
    assert "Not written: 3 model-only (the model's untouched predictions; --include-predictions" in text
    assert "1 edited but still holding ships the model proposed that nobody touched" in text
    assert "Partly model: i.jpg." in text  # which one to accept (a new-user trial had to hunt for it)
    assert "Partly model" not in mixed.export_plan(include_predictions=True).text()
    assert "1 rejected" in text
    assert not (tmp_path / "nothing-written.csv").exists()
    assert mixed.export_plan(include_predictions=True).n_images == 8
    assert mixed.export_plan(reviewed_only=True).text().startswith("Writes 2 image(s): 2 reviewed.")


def test_export_leaves_model_only_images_out_unless_asked(mixed: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    report = mixed.export_csv(out)
    assert sorted(read_csv(out).ships) == ["a.jpg", "b.jpg", "c.jpg", "d.jpg"]
    assert report.images == 4 and report.plan is not None and report.plan.kinds["model-only"] == 3
    mixed.export_csv(out, include_predictions=True)
    assert sorted(read_csv(out).ships) == [f"{c}.jpg" for c in "abcdefgi"]  # h.jpg: rejected, never
    assert validate_csv(out, images=mixed.folder).ok
    mixed.export_csv(out, reviewed_only=True)
    assert read_csv(out).ships == {"a.jpg": [box(F, 10, 30, 10, 40)], "b.jpg": []}


def test_an_edited_image_with_ships_nobody_touched_goes_out_once_accepted(
    mixed: Workspace, tmp_path: Path
) -> None:
    """i.jpg's annotation began as the model's ship; the user drew another beside it. The model's ship
    is not the user's, so the image is left out (a partial image would claim it has one ship) until it
    is accepted, or the model's ships are asked for; touching the model's ship makes it the user's."""
    out = tmp_path / "out.csv"
    mixed.export_csv(out)
    assert "i.jpg" not in read_csv(out).ships
    assert mixed.store.kind_counts()["partly model"] == 1
    # The reviewed set a round of Improve Model trains on leaves it out too.
    from shipviewer.session.models import reviewed_work

    assert "i.jpg" not in reviewed_work(mixed).ships
    mixed.accept("i.jpg", order=None)
    mixed.export_csv(out)
    assert read_csv(out).ships["i.jpg"] == list(mixed.store.ships("i.jpg").values())
    assert len(read_csv(out).ships["i.jpg"]) == 2
    # Reopened, the ships still know where they came from.
    mixed.set_status("i.jpg", Status.EDITED)
    folder = mixed.folder
    mixed.close()
    with Workspace.open(folder) as ws:
        assert ws.store.kind_counts()["partly model"] == 1
        doc = ws.document("i.jpg")
        doc.erase((20.0, 20.0), None, 3)  # a bite out of the model's ship: now the user's
        doc.end_stroke()
        assert ws.store.kind_counts()["partly model"] == 0
        assert "i.jpg" in ws.store.exportable()


def test_a_session_from_before_ships_knew_their_source_opens_and_exports_as_before(
    tmp_path: Path,
) -> None:
    """The ``source`` column is added to an older session file; its ships count as a person's."""
    import sqlite3

    folder = folder_of(tmp_path / "old", {"a.jpg": F})
    with Workspace.open(folder) as ws:
        doc = ws.document("a.jpg")
        doc.paint((50.0, 40.0), (80.0, 40.0), 9, doc.new_label())
        doc.end_stroke()
        path = ws.store.path
    db = sqlite3.connect(path)
    db.execute("ALTER TABLE ships DROP COLUMN source")  # the schema as it was
    db.commit()
    db.close()
    with Workspace.open(folder) as ws:
        assert ws.store.kind_counts()["edited"] == 1
        assert len(ws.store.exportable()["a.jpg"]) == 1
        columns = {row[1] for row in ws.store._db.execute("PRAGMA table_info(ships)")}
        assert "source" in columns


def test_nothing_but_model_guesses_is_nothing_to_export(tmp_path: Path) -> None:
    with Workspace.open(folder_of(tmp_path / "guesses", {"a.jpg": F, "b.jpg": F})) as ws:
        ws.set_prediction("a.jpg", [box(F, 1, 9, 1, 9)], model="m")
        ws.set_prediction("b.jpg", [], model="m")
        with pytest.raises(ValueError, match=r"nothing to export.*2 model-only image"):
            ws.export_csv(tmp_path / "none.csv")
        assert not (tmp_path / "none.csv").exists()
        assert ws.export_csv(tmp_path / "all.csv", include_predictions=True).images == 2


def test_other_sizes_are_written_at_their_own_size_and_named(tmp_path: Path) -> None:
    sizes = {"big.png": (2000, 3000), "small.png": (70, 100), "frame.jpg": F}
    with Workspace.open(folder_of(tmp_path / "sizes", sizes)) as ws:
        for name in sizes:
            doc = ws.document(name)
            doc.paint((50.0, 40.0), (80.0, 40.0), 9, doc.new_label())  # a ship the user drew
            doc.end_stroke()
        plan = ws.export_plan()
        assert plan.other_size == {"big.png": (2000, 3000), "small.png": (70, 100)}
        assert "2 image(s) are not 768×768 (big.png 3000×2000, small.png 100×70)" in plan.text()
        assert "--images" in plan.text()
        out = tmp_path / "sizes.csv"
        report = ws.export_csv(out)
    ships = read_csv(out).ships
    assert report.images == 3 and all(len(v) == 1 for v in ships.values())  # never a silent empty row
    assert rle.decode(ships["small.png"][0], (70, 100))[40, 50:80].all()
    assert rle.decode(ships["big.png"][0], (2000, 3000))[40, 50:80].all()
    with Workspace.open(tmp_path / "sizes") as ws:  # a ship far right in the big image: past 768²
        doc = ws.document("big.png")
        doc.paint((2900.0, 1900.0), None, 9, doc.new_label())
        doc.end_stroke()
        ws.export_csv(out)
    assert validate_csv(out, images=tmp_path / "sizes").ok
    assert not validate_csv(out).ok  # without the images, 768 × 768 is assumed and the big one fails


def test_an_image_whose_file_changed_size_is_left_out_with_the_reason(tmp_path: Path) -> None:
    folder = folder_of(tmp_path / "changed", {"a.png": (100, 100), "b.png": (100, 100)})
    with Workspace.open(folder) as ws:
        for name in ("a.png", "b.png"):
            doc = ws.document(name)
            doc.paint((90.0, 90.0), None, 9, doc.new_label())
            doc.end_stroke()
            ws.accept(name)
    folder_of(folder, {"a.png": (40, 40)})  # replaced by a smaller image
    with Workspace.open(folder) as ws:
        assert ws.status("a.png") == Status.UNREVIEWED
        out = tmp_path / "out.csv"
        report = ws.export_csv(out)
    assert sorted(read_csv(out).ships) == ["b.png"]
    assert report.plan is not None and "a.png" in report.plan.left_out
    assert "another size" in report.plan.text()
    assert validate_csv(out, images=folder).ok
