"""``shipviewer finetune``: one round of improving a model from the reviewed images of a folder.

1. The training set comes from the folder's session through the same canonical CSV path as Export (what a
   person made or confirmed; model-only images never), split by the folder's recorded held-out split
   (:mod:`shipviewer.session.models`: stratified by ship count, fixed seed, only ever grown).
2. ``train --init BASE``: the base ``.keras`` (the folder's active model's, else the bundled one) is
   fine-tuned on the training part; the held-out part is its validation set (loss and Dice per epoch, and
   the epoch kept: the one with the lowest held-out loss).
3. Export to ONNX (both outputs of a gated model, parity-checked) and, on a CPU, the int8 copy when it
   passes its Dice check against fp32 (a failed check is noted, not fatal).
4. The base and the new model, both as ONNX run by the viewer's own inference core with their recommended
   post-processing, are scored on the held-out images: competition F2, F2 at IoU 0.5, the share of
   ship-free images with a false ship, and each image's F2 before and after.
5. Everything is written into ``OUT.partial`` and renamed to ``OUT`` last, then the model is listed in the
   folder's session with its split in one transaction — a failure, a full disk or a kill leaves no model
   listed and nothing at ``OUT``.

Progress goes to stdout: readable lines, or with ``events=True`` one JSON object per line (``{"event":
"step", ...}``), which the viewer's dialog reads from the child process it starts.
"""

from __future__ import annotations

import dataclasses
import errno
import json
import math
import os
import shutil
import sqlite3
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from shipviewer.airbus.annotations import atomic_write_text, write_csv

from .errors import TrainingError

__all__ = [
    "REPORT_JSON",
    "Events",
    "FinetuneError",
    "FinetuneResult",
    "FinetuneSettings",
    "ModelScore",
    "run_finetune",
]

REPORT_JSON = "report.json"
MODEL_KERAS, MODEL_ONNX, MODEL_INT8 = "model.keras", "model.onnx", "model-int8.onnx"
PARTIAL_SUFFIX = ".partial"
INT8_CHECK_IMAGES = 8
DISK_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


class FinetuneError(TrainingError):
    """A round cannot be made (too few reviewed images, no base model, no disk space...): the message
    says what to do; nothing was kept."""


@dataclass(frozen=True)
class FinetuneSettings:
    """The knobs of a round. The defaults fit a 2-core CPU: a round of a half-width SegNet takes a few
    minutes, of a full-width one about ten."""

    epochs: int = 4
    steps_per_epoch: int = 40
    # A twentieth of a fresh run's: the base is trained already, and its threshold and gate were tuned for
    # it. On the benchmark's folder 2e-4 and 1e-4 cost held-out F2 (0.825 → 0.784), 5e-5 kept it.
    lr: float = 5e-5
    crop: int = 256
    batch: int = 8
    int8: bool = True  # on a CPU; a GPU runs the fp32 model
    calibration_images: int = 32
    seed: int = 0
    threads: int = 0  # CPU threads for training and scoring; 0: TensorFlow's and onnxruntime's default

    def check(self) -> FinetuneSettings:
        for name in ("epochs", "steps_per_epoch", "batch", "calibration_images"):
            if getattr(self, name) < 1:
                raise FinetuneError(
                    f"--{name.replace('_', '-')} must be at least 1, got {getattr(self, name)}"
                )
        if not 0 < self.lr < 1:
            raise FinetuneError(f"--lr must be between 0 and 1, got {self.lr}")
        if self.threads < 0:
            raise FinetuneError(f"--threads must be at least 0, got {self.threads}")
        if self.crop % 32 or not 32 <= self.crop <= 768:
            raise FinetuneError(f"--crop must be a multiple of 32 from 32 to 768, got {self.crop}")
        return self


class Events:
    """Progress of a round: readable lines, or one JSON object per line (``json_lines``)."""

    def __init__(self, json_lines: bool = False, stream: TextIO | None = None) -> None:
        self.json_lines = json_lines
        self.stream = stream if stream is not None else sys.stdout
        self.started = time.monotonic()

    def __call__(self, event: str, **data: Any) -> None:
        if self.json_lines:
            stamp = round(time.monotonic() - self.started, 2)  # seconds since the round started
            print(json.dumps({"event": event, "t": stamp, **data}, default=str), file=self.stream, flush=True)
            return
        text = _readable(event, data)
        if text:
            print(text, file=self.stream, flush=True)


def _readable(event: str, data: Mapping[str, Any]) -> str:
    if event == "stage":
        return f"== {data.get('text', data.get('stage'))}"
    if event == "info":
        return str(data.get("text", ""))
    if event == "epoch":
        val = "" if data.get("val_dice") is None else f", held-out Dice {data['val_dice']:.4f}"
        return f"epoch {data['epoch']}/{data['epochs']}: loss {data.get('loss', math.nan):.4f}{val}"
    if event == "done":
        return f"done in {data.get('seconds', 0):.0f} s: {data.get('dir')}"
    return ""


@dataclass(frozen=True)
class ModelScore:
    """A model on the held-out images."""

    f2: float  # competition F2: mean over images of the mean over IoU 0.50..0.95
    f2_iou50: float  # F2 at IoU 0.5 alone
    false_alarm_share: float | None  # ship-free images with any predicted ship / ship-free images
    images: int
    per_image: dict[str, float] = field(default_factory=dict)
    predicted_ships: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class FinetuneResult:
    out: Path
    model_id: str
    report: dict[str, Any]
    registered: bool

    @property
    def f2(self) -> float:
        return float(self.report["after"]["f2"])


# --- the pieces -------------------------------------------------------------------------------------------
def _disk_error(exc: OSError, where: Path) -> FinetuneError:
    return FinetuneError(
        f"not enough disk space in {where} ({exc.strerror or exc}); nothing was kept and no model was listed"
    )


def describe_base(path: Path) -> dict[str, Any]:
    """Width, batch norm and gate of a SegNet ``.keras`` file (what ``train --init`` needs to match it)."""
    import keras

    from .model import ENCODER_FILTERS, has_gate, has_unpool

    try:
        model = keras.models.load_model(path, compile=False)
    except Exception as exc:  # Keras raises many kinds for a file that is not a model
        raise FinetuneError(f"base model {path}: cannot load a Keras model ({exc})") from exc
    try:
        last = model.get_layer("enc5_conv")
    except ValueError:
        raise FinetuneError(
            f"base model {path}: not a ShipViewer SegNet (it has no layer enc5_conv); "
            "pick a .keras file made by `shipviewer train`"
        ) from None
    return {
        "width": float(last.filters) / ENCODER_FILTERS[-1],
        "batch_norm": any(isinstance(layer, keras.layers.BatchNormalization) for layer in model.layers),
        "gate": has_gate(model),
        "unpool": has_unpool(model),
        "parameters": int(model.count_params()),
    }


def progress_callback(events: Events, epochs: int, steps: int) -> Any:
    """A Keras callback that reports each step (loss, ETA of the training) and each epoch (held-out
    loss and Dice)."""
    import keras

    class Progress(keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.started = 0.0
            self.epoch = 0
            self.done = 0

        def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
            self.started = time.monotonic()

        def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
            self.epoch = epoch

        def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
            self.done += 1
            elapsed = time.monotonic() - self.started
            left = epochs * steps - self.done
            events(
                "step",
                epoch=self.epoch + 1,
                epochs=epochs,
                step=batch + 1,
                steps=steps,
                loss=float((logs or {}).get("loss", math.nan)),
                eta_s=elapsed / self.done * left,
            )

        def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
            logs = {k: float(v) for k, v in (logs or {}).items()}
            val_dice = next((v for k, v in logs.items() if k.startswith("val_") and k.endswith("dice")), None)
            events(
                "epoch",
                epoch=epoch + 1,
                epochs=epochs,
                loss=logs.get("loss"),
                val_loss=logs.get("val_loss"),
                val_dice=val_dice,
            )

    return Progress()


def score_model(
    onnx_path: Path,
    folder: Path,
    truth: Mapping[str, Sequence[str]],
    progress: Callable[[int], None],
    threads: int = 0,
) -> ModelScore:
    """Run an ONNX model as the viewer does (its gate, threshold, minimum size, touching-ship split) on the
    held-out images and score it against the reviewed ships."""
    from shipviewer.airbus import metrics
    from shipviewer.airbus.images import read_image
    from shipviewer.model.inference import InferenceSession

    session = InferenceSession(onnx_path, device="cpu", threads=threads or None)
    per_image: dict[str, float] = {}
    at_50: list[float] = []
    counts: dict[str, int] = {}
    empty = alarms = 0
    for done, (image_id, rles) in enumerate(sorted(truth.items()), start=1):
        image = read_image(folder / image_id)
        ships = session.ships(image)
        score = metrics.f2_per_threshold(metrics.iou_matrix(list(rles), ships, image.shape[:2]))
        per_image[image_id] = score.score
        at_50.append(float(score.f2[0]))
        counts[image_id] = len(ships)
        if not rles:
            empty += 1
            alarms += bool(ships)
        progress(done)
    n = len(per_image)
    return ModelScore(
        f2=float(np.mean(list(per_image.values()))) if n else math.nan,
        f2_iou50=float(np.mean(at_50)) if n else math.nan,
        false_alarm_share=alarms / empty if empty else None,
        images=n,
        per_image=per_image,
        predicted_ships=counts,
    )


def _calibration_images(folder: Path, ids: Sequence[str], limit: int) -> list[np.ndarray]:
    """Up to ``limit`` reviewed images as 768×768 RGB, spread over the sorted list."""
    import cv2

    ids = sorted(ids)
    if len(ids) > limit:
        ids = [ids[i] for i in np.linspace(0, len(ids) - 1, limit).round().astype(int)]
    images = []
    for image_id in ids:
        bgr = cv2.imread(str(folder / image_id), cv2.IMREAD_COLOR)
        if bgr is None:
            continue
        if bgr.shape[:2] != (768, 768):
            bgr = cv2.resize(bgr, (768, 768), interpolation=cv2.INTER_AREA)
        images.append(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    return images


def _on_gpu() -> bool:
    import onnxruntime

    return bool(
        {"CUDAExecutionProvider", "TensorrtExecutionProvider"} & set(onnxruntime.get_available_providers())
    )


def _changes(before: ModelScore, after: ModelScore) -> dict[str, Any]:
    better = sorted(k for k, v in after.per_image.items() if v > before.per_image.get(k, v) + 1e-9)
    worse = sorted(k for k, v in after.per_image.items() if v < before.per_image.get(k, v) - 1e-9)
    return {"better": better, "worse": worse, "same": after.images - len(better) - len(worse)}


def _counts(ships: Mapping[str, Sequence[str]], ids: Sequence[str]) -> dict[str, int]:
    with_ships = sum(1 for i in ids if ships[i])
    return {"images": len(ids), "with_ships": with_ships, "without_ships": len(ids) - with_ships}


# --- the round --------------------------------------------------------------------------------------------
def resolve_base(folder_models: Any, base: Path | None) -> Path:
    """The base ``.keras``: the one given, else the folder's active model's, else the bundled one."""
    if base is not None:
        if not base.is_file():
            raise FinetuneError(f"--base {base}: no such file")
        return base
    active = folder_models.active()
    if active is not None and active.keras.is_file():
        return Path(active.keras)
    from resources import default_keras_path

    bundled = default_keras_path()
    if not bundled.is_file():
        raise FinetuneError(f"the bundled model's Keras file is missing ({bundled}); pass --base MODEL.keras")
    return bundled


def resolve_base_onnx(folder_models: Any, base: Path, base_onnx: Path | None) -> Path | None:
    """The ONNX model scored as "before": the one given, else the folder model or bundled model whose
    Keras file ``base`` is, else ``NAME.onnx`` beside it; None (the base is exported for scoring)."""
    if base_onnx is not None:
        if not base_onnx.is_file():
            raise FinetuneError(f"--base-onnx {base_onnx}: no such file")
        return base_onnx
    entry = folder_models.find(base)
    if entry is not None and Path(entry.onnx).is_file():
        return Path(entry.onnx)
    from resources import default_keras_path, default_model_path

    if base.resolve() == default_keras_path().resolve() and default_model_path().is_file():
        return default_model_path()
    beside = base.with_suffix(".onnx")
    return beside if beside.is_file() else None


def run_finetune(
    folder: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    base: str | os.PathLike[str] | None = None,
    base_onnx: str | os.PathLike[str] | None = None,
    settings: FinetuneSettings | None = None,
    events: Events | None = None,
) -> FinetuneResult:
    """Make one round for ``folder`` into ``out`` (see the module's docstring) and list it in the folder's
    session. Raises :class:`FinetuneError` with a plain message when the round cannot be made."""
    from shipviewer.session import Workspace
    from shipviewer.session.models import FolderModels, reviewed_work

    settings = (settings or FinetuneSettings()).check()
    events = events or Events()
    started, wall = time.monotonic(), time.time()
    folder, out = Path(folder).absolute(), Path(out).absolute()
    if not folder.is_dir():
        raise FinetuneError(f"{folder}: no such folder")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise FinetuneError(f"--out {out} already holds files: choose a new folder")

    events("stage", stage="data", text=f"reading the reviewed images of {folder}")
    with Workspace.open(folder) as workspace:
        reviewed = reviewed_work(workspace)
        folder_models = FolderModels(workspace.store)
        why = reviewed.shortfall()
        if why:
            raise FinetuneError(why)
        split = folder_models.plan_split(reviewed.ships)
        base_path = resolve_base(folder_models, Path(base) if base else None)
        before_path = resolve_base_onnx(folder_models, base_path, Path(base_onnx) if base_onnx else None)
        # The model's id in the folder: its folder's name (the viewer names it so), unless taken already.
        model_id = out.name if folder_models.get(out.name) is None else f"{out.name}-{folder_models.new_id()}"
    ships = reviewed.ships
    counts = {
        "reviewed": _counts(ships, sorted(ships)),
        "train": _counts(ships, split.train),
        "val": _counts(ships, split.val),
        "model_only_left_out": reviewed.model_only_left_out,
    }
    events(
        "start",
        model_id=model_id,
        folder=str(folder),
        base=str(base_path),
        base_onnx=None if before_path is None else str(before_path),
        counts=counts,
        settings=dataclasses.asdict(settings),
        split={"train": len(split.train), "val": len(split.val), "from_earlier_rounds": split.n_recorded},
    )
    events(
        "info",
        text=f"{counts['reviewed']['images']} reviewed images "
        f"({counts['reviewed']['with_ships']} with ships): {len(split.train)} to train on, "
        f"{len(split.val)} held out ({split.n_recorded} placed by earlier rounds); base {base_path}",
    )
    staging = out.with_name(out.name + PARTIAL_SUFFIX)
    shutil.rmtree(staging, ignore_errors=True)
    try:
        report = _make(
            folder, staging, out, model_id, base_path, before_path, split, ships, counts, settings, events
        )
        report["time"] = {
            "started": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(wall)),
            "seconds": round(time.monotonic() - started, 1),
        }
        atomic_write_text(staging / REPORT_JSON, json.dumps(report, indent=2) + "\n")
        if out.exists():
            out.rmdir()  # empty (checked above): the rename takes its place
        out.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging, out)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if exc.errno in DISK_FULL:
            raise _disk_error(exc, staging.parent) from exc
        raise
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    try:
        entry = _register(folder, out, model_id, base_path, split, report)
    except (OSError, RuntimeError, sqlite3.Error) as exc:
        events("info", text=f"the model is in {out} but could not be listed in the folder's session: {exc}")
        entry = None
    events(
        "done",
        model_id=model_id,
        dir=str(out),
        registered=entry is not None,
        f2_before=report["before"]["f2"],
        f2_after=report["after"]["f2"],
        seconds=report["time"]["seconds"],
    )
    return FinetuneResult(out, model_id, report, entry is not None)


def _make(
    folder: Path,
    staging: Path,
    final: Path,
    model_id: str,
    base: Path,
    before_path: Path | None,
    split: Any,
    ships: Mapping[str, Sequence[str]],
    counts: dict[str, Any],
    settings: FinetuneSettings,
    events: Events,
) -> dict[str, Any]:
    """Train, export and score into ``staging``; returns the report (written by the caller)."""
    from shipviewer.model.inference import InferenceSession

    from .config import TrainConfig
    from .data import images_folder
    from .predictors import recorded_seam
    from .train import train

    data_dir = staging / "data"
    data_dir.mkdir(parents=True)
    images_dir = images_folder(folder)
    prefix = images_dir.relative_to(folder).as_posix() + "/" if images_dir != folder else ""

    def local(ids: Sequence[str]) -> dict[str, list[str]]:
        return {i[len(prefix) :]: list(ships[i]) for i in ids if i.startswith(prefix)}

    write_csv(data_dir / "train.csv", local(split.train))
    write_csv(data_dir / "heldout.csv", local(split.val))
    # Training reads the images folder (``train_v2/`` in the Kaggle layout); reviewed images elsewhere in the
    # session's folder are scored but cannot be trained or validated on: say so, and count them.
    outside = [i for i in (*split.train, *split.val) if not i.startswith(prefix)]
    counts["outside_images_folder"] = len(outside)
    if outside:
        events(
            "info",
            text=f"{len(outside)} reviewed image(s) outside {images_dir} are not trained on "
            f"(e.g. {outside[0]}); they are still scored",
        )

    events("stage", stage="base", text=f"reading the base model {base.name}")
    if settings.threads:  # before TensorFlow does anything: the viewer keeps the other cores
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(settings.threads)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    architecture = describe_base(base)
    from export.onnx_export import export_onnx, metadata_from_run

    # The base's post-processing, kept by the fine-tuned model: its ONNX copy's metadata, else its run's.
    base_meta = InferenceSession(before_path, device="cpu").metadata if before_path is not None else None
    config = TrainConfig(
        data=str(folder),
        out=str(staging / "run"),
        csv=str(data_dir / "train.csv"),
        val_csv=str(data_dir / "heldout.csv"),
        epochs=settings.epochs,
        steps_per_epoch=settings.steps_per_epoch,
        batch=settings.batch,
        crop=settings.crop,
        lr=settings.lr,
        seed=settings.seed,
        empty_fraction=1.0,  # a reviewed ship-free image is a lesson (often a false alarm put right)
        width=architecture["width"],
        batch_norm=architecture["batch_norm"],
        gate=architecture["gate"],
        unpool=architecture["unpool"],
        init=str(base),
        # A base trained to leave gaps between touching ships keeps doing so (see train --seam).
        seam=base_meta.seam if base_meta is not None else recorded_seam(base),
    )
    events(
        "stage",
        stage="training",
        text=f"fine-tuning {base.name} ({architecture['parameters']:,} parameters, width "
        f"{architecture['width']:g}{', batch norm' if architecture['batch_norm'] else ''}"
        f"{', ship/no-ship gate' if architecture['gate'] else ''}) for {settings.epochs} × "
        f"{settings.steps_per_epoch} steps of {settings.batch} crops of {settings.crop} px",
    )
    result = train(config, [progress_callback(events, settings.epochs, settings.steps_per_epoch)])
    run = staging / "run"
    best = run / "best.keras" if (run / "best.keras").is_file() else run / "last.keras"

    events("stage", stage="export", text="exporting to ONNX (parity checked)")
    scratch = staging / "scratch"
    scratch.mkdir()
    if before_path is None:
        events("info", text=f"no ONNX copy of {base.name} is known: exporting it to score it")
        before_path = scratch / "base.onnx"
        export_onnx(base, before_path)
    metadata = metadata_from_run(best)
    if base_meta is not None:
        metadata = dataclasses.replace(
            metadata,
            threshold=base_meta.threshold,
            min_size=base_meta.min_size,
            split_touching=base_meta.split_touching,
            seam=base_meta.seam,
            gate_threshold=base_meta.gate_threshold,
            refine_outlines=base_meta.refine_outlines,
        )
    metadata = dataclasses.replace(
        metadata,
        name=f"finetuned-{model_id}",
        training_data=f"{len(split.train)} reviewed images of {folder} (held out: {len(split.val)})",
    )
    os.replace(best, staging / MODEL_KERAS)
    (run / "last.keras").unlink(missing_ok=True)  # model.keras is the run's result; no second copy
    fp32 = export_onnx(staging / MODEL_KERAS, staging / MODEL_ONNX, metadata=metadata)
    metadata = InferenceSession(staging / MODEL_ONNX, device="cpu").metadata  # as exported (gate threshold)
    export_info: dict[str, Any] = {"fp32": fp32.summary(), "int8": None, "int8_note": ""}
    if settings.int8 and not _on_gpu():
        events("stage", stage="int8", text="making the int8 copy (checked against fp32)")
        export_info.update(_int8(folder, staging, sorted(ships), settings))
    elif settings.int8:
        export_info["int8_note"] = "not made: a GPU runs the fp32 model"
    else:
        export_info["int8_note"] = "not made (--no-int8)"

    truth = {i: list(ships[i]) for i in split.val}
    scores = {}
    for key, path, what in (
        ("before", before_path, "the base model"),
        ("after", staging / MODEL_ONNX, "the new model"),
    ):
        events("stage", stage=f"score-{key}", text=f"scoring {what} on {len(truth)} held-out images")
        scores[key] = score_model(
            path,
            folder,
            truth,
            lambda done, key=key: events("score", which=key, done=done, total=len(truth)),
            settings.threads,
        )
    shutil.rmtree(scratch)
    for key in ("fp32", "int8"):  # the files' final place, not the staging folder's
        if export_info[key]:
            export_info[key] = export_info[key].replace(str(staging), str(final))
    before, after = scores["before"], scores["after"]
    return {
        "model": {
            "id": model_id,
            "name": metadata.name,
            "keras": MODEL_KERAS,
            "onnx": MODEL_ONNX,
            "int8": MODEL_INT8 if (staging / MODEL_INT8).is_file() else None,
        },
        "folder": str(folder),
        "base": {"keras": str(base), "onnx": str(before_path) if before_path.parent != scratch else None},
        "architecture": architecture,
        "counts": counts,
        "split": split.as_dict(),
        "settings": dataclasses.asdict(settings),
        "training": {
            "epochs_done": result.epochs_done,
            "monitor": result.monitor,
            "best": result.best,
            "history": result.history,
        },
        "export": export_info,
        "postprocessing": {
            "threshold": metadata.threshold,
            "min_size": metadata.min_size,
            "gate_threshold": metadata.gate_threshold,
            "split_touching": metadata.split_touching,
            "seam": metadata.seam,
            "refine_outlines": metadata.refine_outlines,
        },
        "heldout_ships": {i: len(truth[i]) for i in sorted(truth)},
        "before": before.as_dict(),
        "after": after.as_dict(),
        "changes": _changes(before, after),
    }


def _int8(folder: Path, staging: Path, ids: Sequence[str], settings: FinetuneSettings) -> dict[str, Any]:
    from export.onnx_export import ParityError
    from export.quantize import quantize_int8

    images = _calibration_images(folder, ids, settings.calibration_images + INT8_CHECK_IMAGES)
    # Checked on images the calibration did not see, when there are enough; else on the calibration ones.
    n_check = min(INT8_CHECK_IMAGES, len(images) // 5)
    check_at = (
        set(np.linspace(0, len(images) - 1, n_check).round().astype(int).tolist()) if n_check else set()
    )
    check = [images[i] for i in sorted(check_at)] or images
    calibration = [image for i, image in enumerate(images) if i not in check_at]
    try:
        report = quantize_int8(staging / MODEL_ONNX, staging / MODEL_INT8, calibration, check_images=check)
    except ParityError as exc:
        return {"int8": None, "int8_note": f"not kept: {exc}"}
    return {"int8": report.summary(), "int8_note": ""}


def _register(folder: Path, out: Path, model_id: str, base: Path, split: Any, report: dict[str, Any]) -> Any:
    """List the model in the folder's session (with its split); None when the session cannot be written."""
    from shipviewer.session import SessionStore, locate_store
    from shipviewer.session.models import FolderModels

    store = SessionStore(locate_store(folder), folder)
    try:
        card = {
            "base": report["base"],
            "counts": report["counts"],
            "settings": report["settings"],
            "architecture": report["architecture"],
            "time": report["time"],
            "scores": {
                key: {k: report[key][k] for k in ("f2", "f2_iou50", "false_alarm_share", "images")}
                for key in ("before", "after")
            },
            "changes": {k: (len(v) if isinstance(v, list) else v) for k, v in report["changes"].items()},
            "export": report["export"],
        }
        int8 = out / MODEL_INT8
        return FolderModels(store).register(
            model_id=model_id,
            name=report["model"]["name"],
            directory=out,
            onnx=out / MODEL_ONNX,
            keras=out / MODEL_KERAS,
            int8=int8 if int8.is_file() else None,
            base=str(base),
            f2=report["after"]["f2"],
            base_f2=report["before"]["f2"],
            card=card,
            split=split,
        )
    finally:
        store.close()
