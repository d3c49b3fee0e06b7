"""Predict all with progress and cancel; what the viewer remembers; the bundled samples at start."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, QThreadPool

from shipviewer.viewer.catalog import Status

from .conftest import save, scene
from .helpers import wait_for_current, wait_for_images, wait_for_model

pytestmark = pytest.mark.gui


@pytest.fixture
def many(tmp_path: Path) -> Path:
    folder = tmp_path / "many"
    for i in range(24):
        save(folder / f"{i:03d}.png", scene(128, 128, blobs=((i * 4, i * 4, 8, 8),) if i % 3 else ()))
    return folder


def test_predict_all_reports_progress_and_finishes(qtbot, make_window, model, many) -> None:
    window = make_window()
    window.start([str(many)], str(model))
    wait_for_model(qtbot, window)
    wait_for_images(qtbot, window, 24)
    progress: list[tuple[int, int, float]] = []
    window.controller.predictor.run_progress.connect(lambda d, t, left: progress.append((d, t, left)))
    with qtbot.waitSignal(window.controller.predictor.run_finished, timeout=20_000) as finished:
        window.actions_["predict_all"].trigger()
        assert window.status.progress.isVisibleTo(window)
        assert window.actions_["cancel"].isEnabled() and not window.actions_["predict_all"].isEnabled()
    done, total, cancelled = finished.args
    assert not cancelled and done == total
    entries = window.controller.catalog.entries
    assert all(e.status is Status.UNREVIEWED for e in entries)
    assert [e.n_pred for e in entries] == [0 if i % 3 == 0 else 1 for i in range(24)]
    assert progress and progress[-1][0] == total - 1 and progress[-1][2] >= 0
    assert not window.status.progress.isVisibleTo(window)
    assert "Predict all done" in window.status.currentMessage()
    # A second run has nothing left to do.
    with qtbot.waitSignal(window.controller.predictor.run_finished, timeout=5000) as again:
        window.predict_all()
    assert again.args == [0, 0, False]


def test_predict_all_can_be_cancelled(qtbot, make_window, model, many) -> None:
    window = make_window()
    window.open_paths([str(many)])
    wait_for_images(qtbot, window, 24)
    window.controller.load_model(model)
    wait_for_model(qtbot, window)
    with qtbot.waitSignal(window.controller.predictor.run_finished, timeout=5000) as finished:
        window.predict_all()
        window.actions_["cancel"].trigger()
    done, total, cancelled = finished.args
    assert cancelled and done < total <= 24  # the image on screen and the next ones may be done already
    qtbot.wait(200)
    predicted = sum(e.n_pred is not None for e in window.controller.catalog.entries)
    assert predicted < 24
    assert "cancelled" in window.status.currentMessage()


def test_options_recent_folders_and_window_state_are_remembered(
    qtbot, make_window, model, blob_folder, tmp_path
) -> None:
    store = QSettings(str(tmp_path / "remember.ini"), QSettings.Format.IniFormat)
    window = make_window(store)
    window.start([str(blob_folder)], str(model))
    wait_for_model(qtbot, window)
    wait_for_current(qtbot, window, "a.png")
    window.overlay_panel.opacity.setValue(70)
    window.actions_["outline_only"].trigger()
    window.actions_["show_truth"].trigger()
    window.resize(700, 500)
    window.close()
    again = make_window(QSettings(str(tmp_path / "remember.ini"), QSettings.Format.IniFormat), resize=False)
    options = again.controller.options
    assert options.opacity == pytest.approx(0.7)
    assert options.outline_only and not options.show_truth
    assert again.actions_["outline_only"].isChecked()
    assert again.settings.recent_folders() == [str(blob_folder)]
    assert again.settings.model_path == str(model)
    assert (again.size().width(), again.size().height()) == (700, 500)


def test_no_path_opens_the_bundled_samples_with_the_bundled_model(qtbot, make_window) -> None:
    from resources import default_model_path, samples_dir

    if not any(samples_dir().glob("*.jpg")):
        pytest.skip("the bundled samples are not there yet")
    window = make_window()
    window.start([])
    names = sorted(p.name for p in samples_dir().glob("*.jpg"))
    wait_for_images(qtbot, window, len(names))
    qtbot.waitUntil(lambda: window.controller.current.rgb is not None)
    if (samples_dir() / "labels.csv").is_file():
        qtbot.waitUntil(lambda: bool(window.controller.catalog.truth))
    if default_model_path().is_file():
        from shipviewer.model.inference import InferenceSession

        # On a CPU the viewer opens the bundled model's int8 copy.
        name = InferenceSession(default_model_path("cpu"), device="cpu").metadata.name
        assert name.endswith("-int8")
        wait_for_model(qtbot, window, name, timeout=30_000)
        wait_for_current(qtbot, window, names[0], predicted=True, timeout=30_000)


def test_closing_leaves_no_thread_running(qtbot, make_window, model, many) -> None:
    window = make_window()
    window.start([str(many)], str(model))
    wait_for_model(qtbot, window)
    wait_for_images(qtbot, window, 24)
    window.predict_all()
    window.close()
    controller = window.controller
    assert not controller.predictor._thread.isRunning()
    assert controller.loader.pool.activeThreadCount() == 0
    assert controller.thumbnails._runner.pool.activeThreadCount() == 0
    assert QThreadPool.globalInstance().activeThreadCount() == 0
