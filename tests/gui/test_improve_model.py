"""Model ▸ Improve Model from Reviewed Images…: the real dialog, a real child process training a tiny real
SegNet, the real session store; switching, cancelling, failing, and the `train` extra missing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from shipviewer.session.models import FolderModels
from tests.finetune_helpers import N_REVIEWED, blocker_dir, reviewed_folder, tiny_base
from tests.gui.helpers import message_boxes, wait_for_images, wait_for_model

pytestmark = pytest.mark.gui
ROUND = 180_000  # ms: a round of a tiny model (TensorFlow's start-up, two steps, export, scoring)


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("tensorflow")
    return tiny_base(tmp_path_factory.mktemp("base") / "tiny.keras")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return reviewed_folder(tmp_path / "synth")[0]


def open_window(qtbot, make_window, folder: Path, model: Path, **kwargs):
    window = make_window(**kwargs)
    window.start([str(folder)], model=str(model))
    wait_for_model(qtbot, window)
    wait_for_images(qtbot, window, 14)
    qtbot.waitUntil(lambda: window.edit.workspace is not None, timeout=10_000)
    return window


def open_dialog(qtbot, window, base: Path | None, *, epochs: int = 1, steps: int = 2):
    dialog = window.models_menu.open_improve()
    qtbot.waitUntil(lambda: dialog.state != "checking", timeout=30_000)
    if base is not None:
        dialog.set_base(base)
    dialog.advanced.setChecked(True)
    dialog.epochs.setValue(epochs)
    dialog.steps.setValue(steps)
    dialog.crop.setValue(64)
    dialog.batch.setValue(2)
    dialog.int8.setChecked(False)
    return dialog


def menu_ids(window) -> list[str]:
    window.models_menu.rebuild()
    return [a.objectName() for a in window.models_menu.menu.actions() if a.objectName().startswith("model-")]


@pytest.mark.slow
def test_a_round_shows_before_and_after_switches_and_stays_listed(
    qtbot, make_window, folder: Path, model: Path, base: Path, settings
) -> None:
    window = open_window(qtbot, make_window, folder, model)
    dialog = open_dialog(qtbot, window, None)
    assert dialog.state == "ready"
    text = dialog.summary.text()
    assert f"{N_REVIEWED} reviewed image(s) will be used" in text and "with ships" in text
    # The viewer's model is an ONNX file without a known .keras source: the dialog says so.
    assert "no known .keras source" in dialog.base_label.text()
    assert not dialog.start_button.isEnabled()
    dialog.set_base(base)
    assert dialog.start_button.isEnabled()

    dialog.start_button.click()
    assert dialog.state == "running" and dialog.process is not None
    qtbot.waitUntil(lambda: dialog.detail_label.text().startswith("Epoch"), timeout=ROUND)
    window.go_next()  # the viewer stays usable meanwhile
    qtbot.waitUntil(lambda: dialog.state != "running", timeout=ROUND)
    assert dialog.state == "done", dialog.stage_label.text() + "\n" + "\n".join(dialog._tail)
    assert dialog.results_box.isVisible()
    for row in range(3):
        assert dialog.metrics.item(row, 0).text() and dialog.metrics.item(row, 1).text()
    n_val = dialog.report["after"]["images"]
    assert dialog.images.rowCount() == n_val >= 2
    assert {dialog.images.item(r, 4).text() for r in range(n_val)} <= {"better", "worse", "same"}
    assert dialog.use_button.isVisible() and dialog.keep_button.isVisible()
    entry = dialog.entry
    assert entry is not None and entry.onnx.is_file()
    assert entry.dir.parent == folder / ".shipviewer" / "models"

    dialog.use_button.click()
    wait_for_model(qtbot, window, name=f"finetuned-{entry.id}", timeout=30_000)
    assert Path(window.controller.model_path) == entry.onnx
    models = FolderModels(window.edit.workspace.store)
    assert models.active() is not None and models.active().id == entry.id
    # The folder is predicted again with the new model, and each prediction says which model made it.
    split = dialog.report["split"]
    untouched = next(i for i in window.edit.workspace.image_ids() if i not in split["train"] + split["val"])

    def stored_by(image_id: str) -> str | None:
        prediction = window.edit.workspace.prediction(image_id)
        return None if prediction is None else prediction.model

    qtbot.waitUntil(lambda: stored_by(untouched) == f"finetuned-{entry.id} [model.onnx]", timeout=60_000)
    assert f"model-{entry.id}" in menu_ids(window)
    window.close()

    again = open_window(qtbot, make_window, folder, model)  # a restarted viewer lists the model
    qtbot.waitUntil(lambda: f"model-{entry.id}" in menu_ids(again), timeout=10_000)
    action = next(a for a in again.models_menu.menu.actions() if a.objectName() == f"model-{entry.id}")
    assert "held-out F2" in action.text() and not action.isChecked()
    action.trigger()  # one click switches to it
    wait_for_model(qtbot, again, name=f"finetuned-{entry.id}", timeout=30_000)
    menu_ids(again)
    checked = [a.objectName() for a in again.models_menu.menu.actions() if a.isChecked()]
    assert checked == [f"model-{entry.id}"]


@pytest.mark.slow
def test_cancel_kills_the_child_and_lists_nothing(
    qtbot, make_window, folder: Path, model: Path, base: Path
) -> None:
    window = open_window(qtbot, make_window, folder, model)
    dialog = open_dialog(qtbot, window, base, epochs=50, steps=1000)
    dialog.start()
    qtbot.waitUntil(lambda: dialog.detail_label.text().startswith("Epoch"), timeout=ROUND)
    pid = dialog.process.processId()
    out = dialog.out
    assert out.with_name(out.name + ".partial").is_dir()  # it was writing
    dialog.cancel_button.click()
    qtbot.waitUntil(lambda: dialog.state == "cancelled", timeout=30_000)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert not out.exists() and not out.with_name(out.name + ".partial").exists()
    models = FolderModels(window.edit.workspace.store)
    assert models.models() == [] and models.recorded_split() == {}
    assert menu_ids(window) == ["model-bundled"]
    assert dialog.start_button.isEnabled() and dialog.start_button.text() == "Try Again"
    assert Path(window.controller.model_path) == model
    assert dialog.log_path.is_file() and dialog.log_path.read_text()  # the log stays, to be opened


@pytest.mark.slow
def test_a_failing_round_keeps_the_current_model(
    qtbot, make_window, folder: Path, model: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "broken.keras"
    bad.write_bytes(b"this is not a Keras file")
    window = open_window(qtbot, make_window, folder, model)
    dialog = open_dialog(qtbot, window, bad)
    dialog.start()
    qtbot.waitUntil(lambda: dialog.state != "running", timeout=ROUND)
    assert dialog.state == "failed"
    assert "cannot load a Keras model" in dialog.stage_label.text()
    box = message_boxes(dialog)[-1]
    assert "current model stays active" in box.text()
    assert "broken.keras" in box.detailedText()  # the log's last lines
    box.close()
    assert Path(window.controller.model_path) == model
    assert FolderModels(window.edit.workspace.store).models() == []
    assert not any(dialog.out.parent.glob(f"{dialog.out.name}*"))


def test_without_the_train_extra_the_dialog_explains_the_install(
    qtbot, make_window, folder: Path, model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = blocker_dir(tmp_path / "no-tensorflow")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(blocker), os.environ.get("PYTHONPATH", "")]))
    window = open_window(qtbot, make_window, folder, model)
    dialog = window.models_menu.open_improve()
    qtbot.waitUntil(lambda: dialog.state != "checking", timeout=30_000)
    assert dialog.state == "blocked"
    text = dialog.stage_label.text()
    assert "pip install" in text and "[train]" in text and "tensorflow" in text
    assert not dialog.start_button.isEnabled()
    window.go_next()  # nothing else breaks
    assert window.controller.session is not None
