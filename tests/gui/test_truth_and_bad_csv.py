"""A truth CSV given on the command line or dropped (issue #11, points 3 and 13): every bad row is
reported when the file is loaded, with its line number and reason; a binary file gets a plain sentence;
the good rows score the annotation at once (F2/IoU), as File ▸ Import Ground Truth does."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import save, scene
from .helpers import drop, message_boxes, wait_for_current, wait_for_images, wait_for_message, wait_for_model

pytestmark = pytest.mark.gui

# Five bad rows: an unterminated quote, and four rows whose runs cannot be (96 × 96 images).
FIVE_BAD = (
    "ImageId,EncodedPixels\n"
    "a.png,971 8 1067 8\n"  # 2: good
    "a.png,5 0\n"  # 3: length 0
    'b.png,"10 5\n'  # 4: a quote that never closes
    "b.png,9999 20\n"  # 5: past the last pixel of a 96 × 96 image
    "c.jpg,3 x\n"  # 6: not a number
    "d.png,40 2 41 2\n"  # 7: overlapping runs
    "c.jpg,\n"  # 8: good
)


NOT_TEXT = "not a text CSV file (it holds binary data; expected the header 'ImageId,EncodedPixels')"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "images"
    save(root / "a.png", scene(blobs=((10, 10, 8, 20),)))
    save(root / "b.png", scene(blobs=((40, 40, 12, 12),)))
    save(root / "c.jpg", scene())
    save(root / "d.png", scene())
    return root


def test_every_bad_row_is_listed_when_the_truth_is_loaded(
    qtbot, make_window, model, folder, tmp_path
) -> None:
    csv = tmp_path / "truth.csv"
    csv.write_text(FIVE_BAD)
    window = make_window()
    window.start([str(folder), str(csv)], str(model))  # as `shipviewer FOLDER truth.csv`
    wait_for_model(qtbot, window)
    box = wait_for_message(qtbot, window)
    assert box.windowTitle() == "Some rows were skipped"
    assert "5 row(s) of truth.csv could not be used" in box.text()
    details = box.detailedText().splitlines()
    assert [line.split(":")[1] for line in details] == ["3", "4", "5", "6", "7"]
    assert "quote" in details[1] and "past" in details[2]
    box.close()
    # The good rows are the truth, and the image on screen is scored at once.
    wait_for_current(qtbot, window, "a.png")
    qtbot.waitUntil(lambda: "F2 " in window.status.review_label.text())
    assert "IoU " in window.status.review_label.text()
    assert window.controller.catalog[0].n_truth == 1
    # Opening the images with bad rows shows nothing more: they were all reported.
    messages: list[str] = []
    window.controller.message.connect(messages.append)
    for index in range(1, 4):
        window.controller.show_index(index)
    assert not [m for m in messages if "invalid" in m]
    assert not message_boxes(window)


def test_a_dropped_truth_scores_the_image_on_screen(qtbot, make_window, model, folder, tmp_path) -> None:
    window = make_window()
    window.start([str(folder)], str(model))
    wait_for_model(qtbot, window)
    wait_for_current(qtbot, window, "a.png")
    qtbot.waitUntil(lambda: window.edit.doc is not None)
    assert "F2" not in window.status.review_label.text()
    qtbot.waitUntil(lambda: window.edit.workspace.prediction("a.png") is not None)
    first = window.edit.workspace.prediction("a.png").rles[0]
    csv = tmp_path / "dropped.csv"
    csv.write_text(f"ImageId,EncodedPixels\na.png,{first}\nb.png,\n")
    assert drop(window, [csv])
    qtbot.waitUntil(lambda: "F2 1.00 · IoU 1.00" in window.status.review_label.text())
    assert window.edit.workspace.truth("b.png") == []


@pytest.mark.parametrize(
    "content", [b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(100), bytes(range(256)) * 8]
)
def test_a_binary_file_gets_a_plain_sentence(qtbot, make_window, folder, tmp_path, content) -> None:
    window = make_window()
    window.open_paths([str(folder)])
    wait_for_images(qtbot, window, 4)
    qtbot.waitUntil(lambda: not window.edit.sessions.busy)
    csv = tmp_path / "photo.csv"
    csv.write_bytes(content)
    assert drop(window, [csv])
    box = wait_for_message(qtbot, window)
    assert box.windowTitle() == "Cannot import the CSV"
    assert (
        box.text()
        == f"{csv}: not a text CSV file (it holds binary data; expected the header 'ImageId,EncodedPixels')"
    )
    assert "codec" not in box.text() and "Error" not in box.text()
    box.close()


def test_the_cli_reports_every_bad_row_and_a_binary_file_in_one_line(folder, tmp_path) -> None:
    csv = tmp_path / "truth.csv"
    csv.write_text(FIVE_BAD)
    run = [sys.executable, "-m", "shipviewer.cli"]
    out = subprocess.run(
        [*run, "validate", csv, "--images", folder], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 1
    assert [line.split(":")[1] for line in out.stdout.splitlines()[:-1]] == ["3", "4", "5", "6", "7"]
    out = subprocess.run(
        [*run, "annotations", "import", folder, csv, "--as", "truth"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 1 and out.stdout.count(f"{csv}:") == 5
    binary = tmp_path / "binary.csv"
    binary.write_bytes(bytes(range(256)) * 8)
    for command in (["validate", binary], ["annotations", "import", folder, binary]):
        out = subprocess.run([*run, *command], capture_output=True, text=True, timeout=120)
        assert out.returncode != 0 and "Traceback" not in out.stderr
        assert out.stderr.strip().endswith(f"{binary}: {NOT_TEXT}")
