"""File ▸ Export (issue #11, points 1, 2, 14): only what a person made or confirmed is written unless
model-only images are asked for; the counts of each kind before writing; other image sizes named and
written so that `validate --images` passes; the dialog starts in the folder with a name derived from it."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from shipviewer._qt.export_dialog import ExportDialog
from shipviewer.airbus.annotations import format_csv, read_csv, validate_csv
from shipviewer.viewer.catalog import Status

from .helpers import wait_for_current, wait_for_images, wait_for_message, wait_for_model

pytestmark = pytest.mark.gui


def sea(path: Path, shape: tuple[int, int], boxes: list[tuple[int, int, int, int]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    image = np.full((*shape, 3), 20, np.uint8)
    for x0, y0, x1, y1 in boxes:
        cv2.rectangle(image, (x0, y0), (x1, y1), (240, 240, 240), thickness=-1)
    assert cv2.imwrite(str(path), image)


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    """Eight 96² images, each with one bright ship the model finds."""
    root = tmp_path / "harbour"
    for i, name in enumerate("abcdefgh"):
        sea(root / f"{name}.png", (96, 96), [(10 + i, 10, 30 + i, 18)])
    return root


def open_window(qtbot, make_window, model: Path, folder: Path, n: int, first: str):
    window = make_window()
    window.start([str(folder)], str(model))
    wait_for_model(qtbot, window, "mean-test")
    wait_for_images(qtbot, window, n)
    wait_for_current(qtbot, window, first)
    qtbot.waitUntil(lambda: window.edit.doc is not None)
    return window


def export_dialog(qtbot, window, action: str = "export") -> ExportDialog:
    window.actions_[action].trigger()
    qtbot.waitUntil(
        lambda: any(isinstance(w, ExportDialog) and w.isVisible() for w in QApplication.topLevelWidgets())
    )
    return next(w for w in QApplication.topLevelWidgets() if isinstance(w, ExportDialog) and w.isVisible())


def test_export_writes_what_a_person_made_and_counts_each_kind(
    qtbot, make_window, model, mixed, tmp_path
) -> None:
    window = open_window(qtbot, make_window, model, mixed, 8, "a.png")
    edit = window.edit
    with qtbot.waitSignal(window.controller.predictor.run_finished, timeout=20_000):
        window.predict_all()
    qtbot.waitUntil(lambda: edit.workspace.store.kind_counts()["model-only"] == 8)
    edit.accept()  # a.png: reviewed (accepted)
    qtbot.waitUntil(lambda: edit.image_id == "b.png")
    edit.confirm_empty()  # b.png: reviewed (confirmed empty)
    qtbot.waitUntil(lambda: edit.image_id == "c.png")
    edit.brush_size = 5
    edit.begin_stroke((60.0, 60.0))
    edit.stroke_to((70.0, 60.0))
    edit.end_stroke()  # c.png: edited, beside the model's ships nobody touched: partly model
    source = tmp_path / "d.csv"
    source.write_text("ImageId,EncodedPixels\nd.png,1 5\n")
    edit.import_csv(str(source))  # d.png: imported
    dialog = export_dialog(qtbot, window)
    # Starts in the folder, with a name derived from it (point 14).
    assert dialog.path.text() == str(mixed / "harbour_annotations.csv")
    counts = dialog.counts.text()
    assert counts.startswith("Writes 3 image(s): 2 reviewed, 1 imported.")
    assert "Not written: 4 model-only (the model's untouched predictions; tick" in counts
    assert "1 edited but still holding ships the model proposed that nobody touched" in counts
    out = tmp_path / "exports" / "reviewed.csv"
    out.parent.mkdir()
    dialog.path.setText(str(out))
    dialog.export_button.click()
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert sorted(read_csv(out).ships) == ["a.png", "b.png", "d.png"]
    assert read_csv(out).ships["b.png"] == [] and read_csv(out).ships["d.png"] == ["1 5"]
    assert validate_csv(out, images=mixed).ok
    # Asked for by name, the model-only images go out too; the dialog now starts in the last export folder.
    dialog = export_dialog(qtbot, window)
    assert dialog.path.text() == str(out.parent / "harbour_annotations.csv")
    dialog.include_predictions.setChecked(True)
    assert dialog.counts.text().startswith(
        "Writes 8 image(s): 2 reviewed, 1 imported, 1 partly model, 4 model-only."
    )
    dialog.export()
    assert len(read_csv(out.parent / "harbour_annotations.csv").ships) == 8
    # Reviewed only: the two signed-off images.
    dialog = export_dialog(qtbot, window, "export_reviewed")
    assert dialog.reviewed_only.isChecked() and not dialog.include_predictions.isEnabled()
    assert dialog.path.text().endswith("harbour_reviewed.csv")
    assert dialog.counts.text().startswith("Writes 2 image(s): 2 reviewed.")
    dialog.close()


def test_import_then_export_through_the_dialog_is_byte_identical(
    qtbot, make_window, model, mixed, tmp_path
) -> None:
    window = open_window(qtbot, make_window, model, mixed, 8, "a.png")
    rng = np.random.default_rng(3)
    ships = {}
    for name in "abcdefgh":
        mask = np.zeros((96, 96), bool)
        y, x = rng.integers(0, 80, 2)
        mask[y : y + 9, x : x + 13] = True
        from shipviewer.airbus import rle

        ships[f"{name}.png"] = [rle.encode(mask)] if name != "c" else []
    source = tmp_path / "canonical.csv"
    source.write_text(format_csv(ships))
    window.edit.import_csv(str(source))
    dialog = export_dialog(qtbot, window)
    assert dialog.counts.text().startswith("Writes 8 image(s): 8 imported.")
    dialog.path.setText(str(tmp_path / "again.csv"))
    assert dialog.export()
    assert (tmp_path / "again.csv").read_bytes() == source.read_bytes()


def test_images_of_other_sizes_are_named_and_validate_with_their_folder(
    qtbot, make_window, model, tmp_path
) -> None:
    folder = tmp_path / "sizes"
    sea(folder / "a_big.png", (2000, 3000), [(2800, 1800, 2900, 1830)])
    sea(folder / "b_small.png", (70, 100), [])
    window = open_window(qtbot, make_window, model, folder, 2, "a_big.png")
    edit = window.edit
    qtbot.waitUntil(lambda: edit.doc.n_ships == 1)  # the model's ship, far past pixel 768²
    edit.accept()
    qtbot.waitUntil(lambda: edit.image_id == "b_small.png")
    edit.brush_size = 7
    edit.begin_stroke((40.0, 30.0))
    edit.stroke_to((60.0, 30.0))
    edit.end_stroke()  # a ship the user drew on a 100 × 70 image
    dialog = export_dialog(qtbot, window)
    counts = dialog.counts.text()
    assert "2 image(s) are not 768×768 (a_big.png 3000×2000, b_small.png 100×70)" in counts
    assert f"--images {folder}" in counts
    out = tmp_path / "sizes.csv"
    dialog.path.setText(str(out))
    assert dialog.export()
    box = wait_for_message(qtbot, window)  # the note comes with the file
    assert "not 768×768" in box.detailedText()
    box.close()
    ships = read_csv(out).ships
    assert len(ships["b_small.png"]) == 1 and len(ships["a_big.png"]) == 1  # never a silent empty row
    assert validate_csv(out, images=folder).ok


def test_after_a_restart_the_list_keeps_the_stored_predictions(qtbot, make_window, model, mixed) -> None:
    """A new-user trial restarted the viewer (kill -9) and saw images predicted before listed as 'not
    predicted' until each was visited: the model, opening after the session, reset every row."""
    window = open_window(qtbot, make_window, model, mixed, 8, "a.png")
    with qtbot.waitSignal(window.controller.predictor.run_finished, timeout=20_000):
        window.predict_all()
    qtbot.waitUntil(lambda: window.edit.workspace.store.kind_counts()["model-only"] == 8)
    window.close()
    window.shutdown()
    again = make_window()
    again.start([str(mixed)], default_model=False)  # the session first...
    wait_for_images(qtbot, again, 8)
    catalog = again.controller.catalog
    qtbot.waitUntil(lambda: [e.status for e in catalog].count(Status.UNREVIEWED) == 8)
    again.controller.load_model(str(model))  # ...then the model, as when it takes longer to open
    wait_for_model(qtbot, again)
    qtbot.wait(200)
    assert [e.status for e in catalog].count(Status.NOT_PREDICTED) == 0
