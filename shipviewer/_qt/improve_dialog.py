"""Model ▸ Improve Model from Reviewed Images…: one round of fine-tuning, before and after, switch or keep.

The dialog shows what a round will use (the folder's reviewed work, with and without ships, the held-out
split, the base model, the settings) and runs ``python -m shipviewer.cli finetune FOLDER --events`` as a
child process: the viewer never imports TensorFlow, and stays usable while the child trains at a lower
priority. The child prints one JSON object per line (step, loss, held-out Dice per epoch, ETA, stages);
everything it prints goes to a log file the user can open. Cancel kills the child and removes what it was
writing — a round's files appear, and the model is listed, only when it finished. Then the old and the
new model are shown side by side on the held-out images, with each image's change, and the user picks
Use New Model (the folder is predicted again with it) or Keep Current.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections import deque
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QProcess, QProcessEnvironment, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QBrush, QColor, QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from shipviewer._qt.dialogs import show_message
from shipviewer._qt.model_switch import switch_model
from shipviewer.session import SessionStore, locate_store
from shipviewer.session.models import (
    FolderModels,
    HeldOutSplit,
    ModelEntry,
    ReviewedSet,
    base_for,
    reviewed_work,
)

TAIL_LINES = 15  # of the log, shown when a round fails
KILL_AFTER_MS = 2000  # after asking the child to stop
NICE = 15  # the child's priority below the viewer's
BETTER, WORSE = QColor("#1a7f37"), QColor("#cf222e")


def _eta(seconds: float | None) -> str:
    if seconds is None or seconds != seconds:  # nan
        return "…"
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}:{secs:02d}"


def _score(value: float | None, percent: bool = False) -> str:
    if value is None:
        return "—"
    return f"{value:.1%}" if percent else f"{value:.3f}"


class ImproveDialog(QDialog):
    """Non-modal: the viewer goes on while a round trains. ``window`` is the main window (its controller
    and its folder's session)."""

    event_received = Signal(object)  # each progress event of the child (a dict), after the dialog showed it

    def __init__(self, window: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent or window)
        self.main = window
        self.controller = window.controller
        self.setObjectName("improve-model-dialog")
        self.setWindowTitle("Improve the Model from Reviewed Images")
        self.setModal(False)
        self.state = "checking"
        self.folder: Path | None = None
        self.reviewed: ReviewedSet | None = None
        self.split: HeldOutSplit | None = None
        self.base: Path | None = None
        self.defaults: dict[str, Any] = {}
        self.missing_extra = ""
        self.model_id = ""
        self.out: Path | None = None
        self.log_path: Path | None = None
        self.report: dict[str, Any] | None = None
        self.entry: ModelEntry | None = None
        self.error_event: dict[str, Any] | None = None
        self.done_event: dict[str, Any] | None = None
        self.process: QProcess | None = None
        self._check: QProcess | None = None
        self._cancelled = False
        self._own_store: SessionStore | None = None
        self._pending = b""
        self._tail: deque[str] = deque(maxlen=200)
        self._val_dice: float | None = None
        self._build()
        self.refresh()
        self._start_check()

    # --- layout ----------------------------------------------------------------------------------------
    def _build(self) -> None:
        self.summary = QLabel(self)
        self.summary.setObjectName("summary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        base_box = QGroupBox("Base model", self)
        self.base_label = QLabel(base_box)
        self.base_label.setWordWrap(True)
        self.bundled_button = QPushButton("Use the Bundled Model", base_box)
        self.bundled_button.clicked.connect(self.use_bundled_base)
        self.pick_button = QPushButton("Choose a .keras File…", base_box)
        self.pick_button.clicked.connect(self.choose_base)
        base_buttons = QHBoxLayout()
        base_buttons.addWidget(self.bundled_button)
        base_buttons.addWidget(self.pick_button)
        base_buttons.addStretch(1)
        base_layout = QVBoxLayout(base_box)
        base_layout.addWidget(self.base_label)
        base_layout.addLayout(base_buttons)

        settings_box = QGroupBox("Settings", self)
        self.settings_label = QLabel(settings_box)
        self.settings_label.setWordWrap(True)
        self.advanced = QGroupBox("Advanced", settings_box)
        self.advanced.setCheckable(True)
        self.advanced.setChecked(False)
        body = QWidget(self.advanced)
        form = QFormLayout(body)
        self.epochs = QSpinBox(body, minimum=1, maximum=200)
        self.steps = QSpinBox(body, minimum=1, maximum=100_000)
        self.lr = QDoubleSpinBox(body, decimals=6, minimum=1e-6, maximum=0.1, singleStep=1e-5)
        self.crop = QSpinBox(body, minimum=32, maximum=768, singleStep=32)
        self.batch = QSpinBox(body, minimum=1, maximum=256)
        self.int8 = QCheckBox(
            "Make the int8 copy (faster on a CPU; kept only when it passes its check)", body
        )
        form.addRow("Epochs", self.epochs)
        form.addRow("Steps per epoch", self.steps)
        form.addRow("Learning rate", self.lr)
        form.addRow("Crop (px)", self.crop)
        form.addRow("Crops per step", self.batch)
        form.addRow(self.int8)
        advanced_layout = QVBoxLayout(self.advanced)
        advanced_layout.addWidget(body)
        body.setVisible(False)
        self.advanced.toggled.connect(body.setVisible)
        for box in (self.epochs, self.steps, self.crop, self.batch):
            box.valueChanged.connect(self._show_settings)
        self.lr.valueChanged.connect(self._show_settings)
        settings_layout = QVBoxLayout(settings_box)
        settings_layout.addWidget(self.settings_label)
        settings_layout.addWidget(self.advanced)

        progress_box = QGroupBox("Progress", self)
        self.stage_label = QLabel("", progress_box)
        self.stage_label.setObjectName("stage")
        self.stage_label.setWordWrap(True)
        self.progress_bar = QProgressBar(progress_box)
        self.progress_bar.setRange(0, 1)
        self.progress_bar.setValue(0)
        self.detail_label = QLabel("", progress_box)
        self.detail_label.setObjectName("detail")
        self.log_button = QPushButton("Open Log", progress_box)
        self.log_button.clicked.connect(self.open_log)
        self.log_button.setEnabled(False)
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress_bar, 1)
        progress_row.addWidget(self.log_button)
        progress_layout = QVBoxLayout(progress_box)
        progress_layout.addWidget(self.stage_label)
        progress_layout.addLayout(progress_row)
        progress_layout.addWidget(self.detail_label)

        self.results_box = QGroupBox("Before and after, on the held-out reviewed images", self)
        self.metrics = QTableWidget(3, 2, self.results_box)
        self.metrics.setObjectName("metrics")
        self.metrics.setHorizontalHeaderLabels(["Before: base model", "After: new model"])
        self.metrics.setVerticalHeaderLabels(
            ["Competition F2", "F2 at IoU 0.5", "False alarms (ship-free images with a ship)"]
        )
        self.metrics.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.metrics.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.metrics.setFixedHeight(self.metrics.horizontalHeader().height() + 3 * 30 + 4)
        self.changes_label = QLabel("", self.results_box)
        self.changes_label.setObjectName("changes")
        self.changes_label.setWordWrap(True)
        self.images = QTableWidget(0, 5, self.results_box)
        self.images.setObjectName("per-image")
        self.images.setHorizontalHeaderLabels(["Image", "Ships", "F2 before", "F2 after", "Change"])
        self.images.verticalHeader().setVisible(False)
        self.images.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.images.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.images.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.images.cellDoubleClicked.connect(self._show_image)
        self.images.setToolTip("Double-click an image to show it in the viewer")
        results_layout = QVBoxLayout(self.results_box)
        results_layout.addWidget(self.metrics)
        results_layout.addWidget(self.changes_label)
        results_layout.addWidget(self.images, 1)
        self.results_box.setVisible(False)

        self.start_button = QPushButton("Improve", self)
        self.start_button.setObjectName("start")
        self.start_button.setDefault(True)
        self.start_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("Cancel Training", self)
        self.cancel_button.clicked.connect(self.cancel)
        self.use_button = QPushButton("Use New Model", self)
        self.use_button.clicked.connect(self.use_new_model)
        self.keep_button = QPushButton("Keep Current", self)
        self.keep_button.clicked.connect(self.keep_current)
        self.close_button = QPushButton("Close", self)
        self.close_button.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in (
            self.start_button,
            self.cancel_button,
            self.use_button,
            self.keep_button,
            self.close_button,
        ):
            buttons.addWidget(button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(base_box)
        layout.addWidget(settings_box)
        layout.addWidget(progress_box)
        layout.addWidget(self.results_box, 1)
        layout.addLayout(buttons)
        self.resize(720, 560)
        self._update_buttons()

    # --- what a round will use ---------------------------------------------------------------------------
    def _folder_models(self) -> FolderModels | None:
        """The models of the dialog's folder: through the viewer's open session when it is that folder's,
        else through a connection of the dialog's own."""
        workspace = getattr(self.main.edit, "workspace", None)
        if workspace is not None and (self.folder is None or Path(workspace.folder) == self.folder):
            return FolderModels(workspace.store)
        if self.folder is None:
            return None
        if self._own_store is None:
            self._own_store = SessionStore(locate_store(self.folder), self.folder)
        return FolderModels(self._own_store)

    def refresh(self) -> None:
        """Count the reviewed work, place it in the held-out split, find the base model."""
        if self.state == "running":
            return
        workspace = getattr(self.main.edit, "workspace", None)
        if workspace is None:
            self.folder = None
            self.summary.setText(
                "<b>Open a folder first</b> (File ▸ Open Folder…): a round learns from the images you "
                "reviewed in it."
            )
            self.base_label.setText("")
            self._update_buttons()
            return
        self.folder = Path(workspace.folder)
        models = self._folder_models()
        assert models is not None
        self.reviewed = reviewed_work(workspace)
        self.split = models.plan_split(self.reviewed.ships)
        self._show_summary()
        if self.base is None or not self.base.is_file():
            self.base = base_for(self.controller.model_path or self._bundled_onnx(), models)
        self._show_base()
        self._update_buttons()

    def _show_summary(self) -> None:
        reviewed, split = self.reviewed, self.split
        assert reviewed is not None and split is not None and self.folder is not None
        text = (
            f"<b>{self.folder}</b><br>{reviewed.n_images} reviewed image(s) will be used: "
            f"<b>{reviewed.with_ships} with ships, {reviewed.without_ships} without</b> (edited, accepted, "
            "confirmed empty or imported — images only the model has seen are left out). "
            f"{len(split.train)} to train on, <b>{len(split.val)} held out</b> to score the current and the "
            f"new model"
        )
        if split.n_recorded:
            text += f" ({split.n_recorded} placed by earlier rounds, where they stay)"
        text += ". Images you review meanwhile wait for the next round."
        why = reviewed.shortfall()
        if why:
            text += f"<br><span style='color:#cf222e'><b>Not yet:</b> {why}.</span>"
        self.summary.setText(text)

    @staticmethod
    def _bundled_onnx() -> str:
        from resources import default_model_path

        return str(default_model_path())

    def _show_base(self) -> None:
        active = self.controller.model_path
        if self.base is not None:
            origin = (
                "the .keras file behind the active model" if active and self._base_is_active() else "chosen"
            )
            self.base_label.setText(f"{self.base} ({origin})")
        elif active:
            self.base_label.setText(
                f"<b>The active model {Path(active).name} has no known .keras source</b>, which fine-tuning "
                "starts from. Use the bundled model, or choose a .keras file."
            )
        else:
            self.base_label.setText(
                "<b>No model is open and the bundled .keras file is missing</b>: choose one."
            )
        from resources import default_keras_path

        self.bundled_button.setEnabled(default_keras_path().is_file())

    def _base_is_active(self) -> bool:
        models = self._folder_models()
        return self.base is not None and base_for(self.controller.model_path, models) == self.base

    def use_bundled_base(self) -> None:
        from resources import default_keras_path

        self.base = default_keras_path()
        self._show_base()
        self._update_buttons()

    def choose_base(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Base Model", str(self.folder or ""), "Keras models (*.keras)"
        )
        if path:
            self.set_base(path)

    def set_base(self, path: str | Path) -> None:
        self.base = Path(path)
        self._show_base()
        self._update_buttons()

    def _show_settings(self) -> None:
        self.settings_label.setText(
            f"{self.epochs.value()} epoch(s) × {self.steps.value()} steps of {self.batch.value()} crops of "
            f"{self.crop.value()} px, learning rate {self.lr.value():g}; then export to ONNX"
            + (" (and int8)" if self.int8.isChecked() else "")
            + " and scoring of both models on the held-out images."
        )

    # --- the `train` extra ---------------------------------------------------------------------------------
    def _child(self, args: list[str]) -> QProcess:
        process = QProcess(self)
        process.setProgram(sys.executable)
        process.setArguments(["-m", "shipviewer.cli", "finetune", *args])
        env = QProcessEnvironment.systemEnvironment()
        env.insert("PYTHONUNBUFFERED", "1")
        env.insert("TF_CPP_MIN_LOG_LEVEL", "2")
        process.setProcessEnvironment(env)
        return process

    def _start_check(self) -> None:
        self.stage_label.setText("Looking for the training packages…")
        self._check = self._child(["--check", "--events"])
        self._check.finished.connect(self._on_checked)
        self._check.errorOccurred.connect(lambda _error: self._on_checked(-1, None))
        self._check.start()

    def _on_checked(self, _code: int, _status: object) -> None:
        if self._check is None or self.state != "checking":
            return
        output = bytes(self._check.readAllStandardOutput().data()).decode("utf-8", "replace")
        self._check = None
        answer: dict[str, Any] = {}
        for line in output.splitlines():
            if line.startswith("{"):
                try:
                    answer = json.loads(line)
                except json.JSONDecodeError:
                    continue
        self.defaults = answer.get("defaults", {})
        self._set_defaults()
        if not answer.get("ok"):
            install = answer.get("install", "pip install 'shipviewer[train]'")
            self.missing_extra = install
            self.state = "blocked"
            missing = ", ".join(answer.get("missing", [])) or "the training packages"
            self.stage_label.setText(
                f"<b>Improving the model needs the <code>train</code> extra</b> ({missing} not installed). "
                f"Install it with:<br><code>{install}</code><br>then open this dialog again. Everything else "
                "in the viewer works without it."
            )
            self.stage_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        else:
            self.state = "ready"
            self.stage_label.setText("Ready.")
        self._update_buttons()

    def _set_defaults(self) -> None:
        d = self.defaults
        self.epochs.setValue(int(d.get("epochs", 4)))
        self.steps.setValue(int(d.get("steps_per_epoch", 40)))
        self.lr.setValue(float(d.get("lr", 5e-5)))
        self.crop.setValue(int(d.get("crop", 256)))
        self.batch.setValue(int(d.get("batch", 8)))
        self.int8.setChecked(bool(d.get("int8", True)))
        self._show_settings()

    # --- a round -------------------------------------------------------------------------------------------
    def can_start(self) -> bool:
        return (
            self.state in ("ready", "failed", "cancelled")
            and self.folder is not None
            and self.reviewed is not None
            and self.reviewed.shortfall() is None
            and self.base is not None
        )

    def start(self) -> None:
        self.refresh()
        if not self.can_start():
            return
        models = self._folder_models()
        assert models is not None and self.folder is not None and self.base is not None
        self.model_id = models.new_id()
        self.out = models.root / self.model_id
        self.log_path = models.root / "logs" / f"{self.model_id}.log"
        try:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            self.log_path.write_text("", encoding="utf-8")
        except OSError as exc:
            show_message(self, "Cannot start", f"Cannot write in {models.root}: {exc}")
            return
        args = [
            str(self.folder),
            "--out",
            str(self.out),
            "--base",
            str(self.base),
            "--epochs",
            str(self.epochs.value()),
            "--steps-per-epoch",
            str(self.steps.value()),
            "--lr",
            repr(self.lr.value()),
            "--crop",
            str(self.crop.value()),
            "--batch",
            str(self.batch.value()),
            "--events",
            "--nice",
            str(NICE),
            "--threads",
            str(max(1, (os.cpu_count() or 2) - 1)),  # a core stays with the viewer, as for its own model
        ]
        if not self.int8.isChecked():
            args.append("--no-int8")
        self.report = self.entry = self.error_event = self.done_event = None
        self._cancelled = False
        self._pending = b""
        self._tail.clear()
        self._val_dice = None
        self.results_box.setVisible(False)
        self.process = self._child(args)
        self.process.readyReadStandardOutput.connect(self._on_stdout)
        self.process.readyReadStandardError.connect(self._on_stderr)
        self.process.finished.connect(self._on_finished)
        self.process.errorOccurred.connect(self._on_process_error)
        self.state = "running"
        self.stage_label.setText("Starting the training process…")
        self.detail_label.setText("")
        self.progress_bar.setRange(0, 0)
        self.log_button.setEnabled(True)
        self._log(f"$ {sys.executable} -m shipviewer.cli finetune {' '.join(args)}\n")
        self.process.start()
        self._update_buttons()

    def _log(self, text: str) -> None:
        if self.log_path is None:
            return
        try:
            with self.log_path.open("a", encoding="utf-8") as handle:
                handle.write(text)
        except OSError:
            pass  # a full disk: the round will fail and say so
        self._tail.extend(line for line in text.splitlines() if line.strip())

    def _on_stderr(self) -> None:
        if self.process is not None:
            self._log(bytes(self.process.readAllStandardError().data()).decode("utf-8", "replace"))

    def _on_stdout(self) -> None:
        if self.process is None:
            return
        data = self._pending + bytes(self.process.readAllStandardOutput().data())
        *lines, self._pending = data.split(b"\n")
        for raw in lines:
            line = raw.decode("utf-8", "replace").rstrip("\r")
            if line.startswith("{"):
                try:
                    event = json.loads(line)
                except json.JSONDecodeError:
                    event = None
                if isinstance(event, dict):
                    self._log(line + "\n")
                    self._on_event(event)
                    continue
            self._log(line + "\n")

    def _on_event(self, event: dict[str, Any]) -> None:
        kind = event.get("event")
        if kind == "start":
            counts = event.get("counts", {})
            train, val = counts.get("train", {}), counts.get("val", {})
            self.stage_label.setText(
                f"Training on {train.get('images', '?')} images ({train.get('with_ships', '?')} with ships); "
                f"{val.get('images', '?')} held out."
            )
        elif kind == "stage":
            self.stage_label.setText(str(event.get("text", event.get("stage", ""))))
            if event.get("stage") != "training":
                self.progress_bar.setRange(0, 0)
        elif kind == "step":
            epochs, steps = int(event["epochs"]), int(event["steps"])
            self.progress_bar.setRange(0, epochs * steps)
            self.progress_bar.setValue((int(event["epoch"]) - 1) * steps + int(event["step"]))
            dice = "" if self._val_dice is None else f" · held-out Dice {self._val_dice:.3f}"
            self.detail_label.setText(
                f"Epoch {event['epoch']}/{epochs} · step {event['step']}/{steps} · loss {event['loss']:.4f}"
                f"{dice} · training ETA {_eta(event.get('eta_s'))}"
            )
        elif kind == "epoch":
            self._val_dice = event.get("val_dice")
            loss = event.get("loss")
            dice = "" if self._val_dice is None else f", held-out Dice {self._val_dice:.3f}"
            self.detail_label.setText(
                f"Epoch {event['epoch']}/{event['epochs']} done: loss {loss:.4f}{dice}"
                if loss is not None
                else ""
            )
        elif kind == "score":
            self.progress_bar.setRange(0, int(event["total"]))
            self.progress_bar.setValue(int(event["done"]))
        elif kind == "done":
            self.done_event = event
            self.model_id = str(event.get("model_id", self.model_id))
        elif kind == "error":
            self.error_event = event
        self.event_received.emit(event)

    def _on_process_error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart and self.state == "running":
            self._log(f"could not start {sys.executable}\n")
            self._on_finished(-1, QProcess.ExitStatus.CrashExit)

    def _on_finished(self, code: int, _status: QProcess.ExitStatus) -> None:
        if self.state != "running":
            return
        self._on_stdout()
        self._on_stderr()
        if self.process is not None:
            self.process.deleteLater()
        self.process = None
        self.progress_bar.setRange(0, 1)
        if self._cancelled:
            self._discard()
            self.state = "cancelled"
            self.progress_bar.setValue(0)
            self.stage_label.setText("Cancelled: nothing was kept, and the current model stays.")
            self.detail_label.setText("")
        elif code == 0 and self.done_event is not None and self._load_result():
            self.state = "done"
            self.progress_bar.setValue(1)
            self._show_results()
        else:
            self._discard()
            self.state = "failed"
            self.progress_bar.setValue(0)
            self._report_failure(code)
        self._update_buttons()

    def _load_result(self) -> bool:
        models = self._folder_models()
        assert self.out is not None
        try:
            self.report = json.loads((self.out / "report.json").read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            self.error_event = {"message": f"the round finished but its report cannot be read: {exc}"}
            return False
        self.entry = models.get(self.model_id) if models is not None else None
        if self.entry is None:
            self.error_event = {
                "message": "the round finished but the model could not be listed in the session"
            }
            return False
        return True

    def _discard(self) -> None:
        """Remove what a round that did not finish was writing (never a listed model's files)."""
        if self.out is None:
            return
        shutil.rmtree(self.out.with_name(self.out.name + ".partial"), ignore_errors=True)
        models = self._folder_models()
        if self.out.exists() and (models is None or models.get(self.model_id) is None):
            shutil.rmtree(self.out, ignore_errors=True)

    def _report_failure(self, code: int) -> None:
        message = (self.error_event or {}).get(
            "message"
        ) or f"the training process stopped (exit status {code})"
        if (self.error_event or {}).get("kind") == "missing-extra":
            message = str(message)
        tail = "\n".join(list(self._tail)[-TAIL_LINES:])
        self.stage_label.setText(f"<b>Failed:</b> {message}. The current model stays.")
        self.detail_label.setText("")
        show_message(
            self,
            "Improving the model failed",
            f"{message}.\n\nThe current model stays active. The log's last lines are below; the whole log "
            f"is {self.log_path}.",
            details=tail,
        )

    def cancel(self) -> None:
        """Stop the child (it writes only into a folder of its own, removed here)."""
        if self.process is None or self.state != "running":
            return
        self._cancelled = True
        self.stage_label.setText("Cancelling…")
        self.process.terminate()
        QTimer.singleShot(KILL_AFTER_MS, self.process, self.process.kill)  # dropped with the process

    def stop(self, msecs: int = 5000) -> None:
        """Cancel a running round and wait for the child to end (closing the dialog or the window)."""
        process = self.process
        if process is None:
            return
        self.cancel()
        if not process.waitForFinished(msecs):
            process.kill()
            process.waitForFinished(msecs)
        self._on_finished(-1, QProcess.ExitStatus.CrashExit)

    # --- before and after ----------------------------------------------------------------------------------
    def _show_results(self) -> None:
        report = self.report
        assert report is not None
        before, after = report["before"], report["after"]
        rows = (("f2", False), ("f2_iou50", False), ("false_alarm_share", True))
        for r, (key, percent) in enumerate(rows):
            for c, side in enumerate((before, after)):
                item = QTableWidgetItem(_score(side.get(key), percent))
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.metrics.setItem(r, c, item)
        changes = report["changes"]
        verdict = (
            "higher"
            if after["f2"] > before["f2"] + 1e-9
            else "lower"
            if after["f2"] < before["f2"] - 1e-9
            else "the same"
        )
        self.changes_label.setText(
            f"On {after['images']} held-out images (the same for both): the new model scores {verdict} — "
            f"{len(changes['better'])} image(s) better, {len(changes['worse'])} worse, "
            f"{changes['same']} unchanged. "
            "The held-out images also chose the epoch kept, so the new model's score is slightly optimistic."
        )
        truth = report.get("heldout_ships", {})
        if truth:
            nothing = sum(1 for n in truth.values() if not n) / len(truth)
            self.changes_label.setText(
                self.changes_label.text() + f" Predicting no ship at all would score {nothing:.3f} here."
            )
        ids = sorted(
            after["per_image"], key=lambda k: (before["per_image"].get(k, 0) - after["per_image"][k], k)
        )
        self.images.setRowCount(len(ids))
        for r, image_id in enumerate(ids):
            old, new = before["per_image"].get(image_id), after["per_image"][image_id]
            change = "better" if new > old + 1e-9 else "worse" if new < old - 1e-9 else "same"
            cells = [image_id, str(truth.get(image_id, "")), _score(old), _score(new), change]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c == 4 and change != "same":
                    item.setForeground(QBrush(BETTER if change == "better" else WORSE))
                self.images.setItem(r, c, item)
        self.results_box.setVisible(True)
        seconds = report.get("time", {}).get("seconds", 0)
        int8 = (
            "" if report["model"].get("int8") else f" No int8 copy: {report['export'].get('int8_note', '')}"
        )
        self.stage_label.setText(
            f"Done in {_eta(seconds)} (round {self.entry.round if self.entry else '?'}).{int8}"
        )
        self.detail_label.setText("")

    def _show_image(self, row: int, _column: int) -> None:
        item = self.images.item(row, 0)
        if item is None or self.folder is None:
            return
        index = self.controller.catalog.index_of(str(self.folder / item.text()))
        if index >= 0:
            self.controller.show_index(index)

    def use_new_model(self) -> None:
        """Switch the viewer to the new model (the folder is predicted again with it) and close."""
        entry = self.entry
        if entry is None or self.state != "done":
            return
        models = self._folder_models()
        if models is not None:
            models.set_active(entry.id)
        active = self.controller.model_path or ""
        path = entry.int8 if entry.int8 is not None and "int8" in Path(active).name else entry.onnx
        switch_model(self.controller, path)
        self.state = "switched"
        self.accept()

    def keep_current(self) -> None:
        """Close; the new model stays listed under Model ▸ Models of This Folder."""
        self.state = "kept"
        self.reject()

    # --- buttons, log, closing ------------------------------------------------------------------------------
    def _update_buttons(self) -> None:
        running = self.state == "running"
        done = self.state == "done"
        self.start_button.setVisible(not done)
        self.start_button.setEnabled(self.can_start())
        self.start_button.setText("Try Again" if self.state in ("failed", "cancelled") else "Improve")
        self.cancel_button.setVisible(running)
        self.use_button.setVisible(done)
        self.keep_button.setVisible(done)
        self.close_button.setVisible(not done)
        self.close_button.setText("Close")
        idle = not running and not done
        self.advanced.setVisible(idle)  # the settings in force stay readable above it
        self.bundled_button.setVisible(idle and (self.base is None or not self._base_is_active()))
        self.pick_button.setVisible(idle)

    def open_log(self) -> None:
        if self.log_path is not None and self.log_path.exists():
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.log_path)))

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.WindowActivate and self.state in ("ready", "failed", "cancelled"):
            self.refresh()  # back from reviewing in the main window: count again
        return super().event(event)

    def done(self, result: int) -> None:
        self.stop()
        if self._check is not None:
            self._check.kill()
            self._check.waitForFinished(2000)
            self._check = None
        if self._own_store is not None:
            self._own_store.close()
            self._own_store = None
        super().done(result)
