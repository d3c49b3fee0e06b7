"""``shipviewer train``: one training run, from the data folder to a run folder.

RUN_DIR receives config.json (every setting), train.csv / val.csv (the split), train.log (our messages and the
model summary), best.keras / last.keras, log.csv, tensorboard/, curves.png and state.json. ``--resume``
continues from last.keras at the epoch after the last one finished; Ctrl+C saves last.keras first.
"""

from __future__ import annotations

import math
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import keras
import numpy as np

from shipviewer.model.postprocess import DEFAULT_MIN_SIZE, DEFAULT_THRESHOLD

from . import callbacks as cb
from .augment import Jitter
from .backends import LocalCluster, backend_version
from .config import TrainConfig, config_path, read_config, write_config
from .errors import ConfigError
from .input_options import PipelineOptions
from .losses import LOSSES, METRICS
from .model import (
    DECODER_FILTERS,
    ENCODER_FILTERS,
    INPUT_NAME,
    OUTPUT_NAME,
    UNPOOL_PREFIX,
    build_segnet,
    has_gate,
    has_unpool,
    scaled,
    summary_text,
)
from .preprocess import CONVENTION
from .run_data import RunData, prepare
from .runlog import TRAIN_LOG, RunLog
from .sizes import SIZE_MULTIPLE

if TYPE_CHECKING:
    from .distribute import Cluster

# What evaluate uses unless told otherwise (recorded for the exporter and the viewer).
POSTPROCESS_DEFAULTS = {"threshold": DEFAULT_THRESHOLD, "min_size": DEFAULT_MIN_SIZE, "connectivity": 8}


@dataclass
class TrainResult:
    """Where the run is and how far it got."""

    run_dir: Path
    epochs_done: int
    best: float | None
    monitor: str
    history: dict[str, list[float]]


def _check_run_dir(run_dir: Path, resume: bool) -> None:
    if resume:
        if not (run_dir / cb.LAST).exists():
            raise ConfigError(
                f"nothing to resume: {run_dir / cb.LAST} does not exist (start without --resume)"
            )
    elif config_path(run_dir).exists():
        raise ConfigError(
            f"{run_dir} already holds a training run: pass --resume to continue it, or choose another --out"
        )


def _model_info(model: keras.Model, config: TrainConfig) -> dict[str, Any]:
    return {
        "architecture": "SegNet (seed notebook)",
        "input_name": INPUT_NAME,
        "output_name": OUTPUT_NAME,
        "input_shape": [None, None, None, 3],
        "output": "sigmoid ship probability, (N, H, W, 1) float32",
        "size_multiple": SIZE_MULTIPLE,
        "encoder_filters": [scaled(f, config.width) for f in ENCODER_FILTERS],
        "decoder_filters": [scaled(f, config.width) for f in DECODER_FILTERS],
        "upsampling": "max-unpooling" if config.unpool else "nearest",
        "parameters": int(model.count_params()),
    }


def _environment() -> dict[str, str]:
    return {
        "python": platform.python_version(),
        "keras_backend": keras.backend.backend(),
        keras.backend.backend(): backend_version(),
        "keras": keras.__version__,
        "numpy": np.__version__,
        "platform": platform.platform(),
    }


def _build_model(
    config: TrainConfig, cluster: Cluster | LocalCluster, resume_from: Path | None
) -> keras.Model:
    with cluster.strategy.scope():
        if resume_from is not None:
            model = keras.models.load_model(resume_from)
        else:
            keras.utils.set_random_seed(config.seed)
            model = build_segnet(
                width=config.width, batch_norm=config.batch_norm, gate=config.gate, unpool=config.unpool
            )
            if config.init is not None:
                _load_initial_weights(model, Path(config.init))
            if config.decoder_only:
                freeze_all_but_decoder(model)
            _compile(model, config)
    if cluster.n_workers > 1:
        from .multiworker_fix import patch_model

        patch_model(model)
    return model


def _compile(model: keras.Model, config: TrainConfig) -> None:
    """Adam on the mask loss; a gated model adds binary cross-entropy on its ship/no-ship output."""
    optimizer = keras.optimizers.Adam(config.lr)
    if not has_gate(model):
        model.compile(optimizer=optimizer, loss=LOSSES[config.loss], metrics=list(METRICS))
        return
    model.compile(
        optimizer=optimizer,
        loss=[LOSSES[config.loss], keras.losses.BinaryCrossentropy()],
        loss_weights=[1.0, config.gate_weight],
        metrics=[list(METRICS), [keras.metrics.BinaryAccuracy(name="accuracy")]],
    )


def _load_initial_weights(model: keras.Model, path: Path) -> None:
    """Copy the weights of the model in ``path`` into ``model``; a clear error when the two differ.

    A model without the ship/no-ship head initialises a gated one: every layer it has is copied by name
    and the gate's layers start from random weights. Nearest-upsampling and max-unpooling models share
    their trained layers, so either initialises the other (by name too).
    """
    try:
        source = keras.models.load_model(path, compile=False)
    except Exception as exc:  # Keras raises many kinds for a file that is not a model
        raise ConfigError(f"--init {path}: cannot load a Keras model ({exc})") from exc
    if (has_gate(model) and not has_gate(source)) or has_unpool(model) != has_unpool(source):
        copy_by_layer_name(source, model, path)
        return
    ours = [tuple(w.shape) for w in model.weights]
    theirs = [tuple(w.shape) for w in source.weights]
    if ours != theirs:
        first = next(
            (i for i, (a, b) in enumerate(zip(ours, theirs, strict=False)) if a != b),
            min(len(ours), len(theirs)),
        )
        raise ConfigError(
            f"--init {path}: its weights do not fit this model ({len(theirs)} tensors vs {len(ours)}; "
            f"first difference at tensor {first}); pass the --width and --batch-norm it was trained with"
        )
    model.set_weights(source.get_weights())


def freeze_all_but_decoder(model: keras.Model) -> list[str]:
    """Make every layer but the decoder's (``dec*``) and the mask head untrainable; returns the names of
    those left trainable. The encoder's features, and so a fitted ship/no-ship gate, stay as they were."""
    trainable = []
    for layer in model.layers:
        keep = layer.name.startswith("dec") or layer.name == OUTPUT_NAME
        layer.trainable = keep
        if keep and layer.weights:
            trainable.append(layer.name)
    return trainable


def copy_by_layer_name(source: keras.Model, model: keras.Model, path: Path) -> None:
    """Copy every weighted layer of ``source`` into the layer of ``model`` with the same name (a gated model
    from an ungated one); a layer missing or of another shape is a :class:`ConfigError` naming ``path``."""
    targets = {layer.name: layer for layer in model.layers}
    for layer in source.layers:
        if not layer.weights or layer.name.startswith(UNPOOL_PREFIX):
            continue  # max-unpooling's channel mean is fixed, not learned
        target = targets.get(layer.name)
        shapes = [tuple(w.shape) for w in layer.weights]
        if target is None or [tuple(w.shape) for w in target.weights] != shapes:
            raise ConfigError(
                f"--init {path}: layer {layer.name} does not fit this model; "
                "pass the --width and --batch-norm it was trained with"
            )
        target.set_weights(layer.get_weights())


def train(config: TrainConfig, extra_callbacks: Sequence[keras.callbacks.Callback] = ()) -> TrainResult:
    """Start a training run with ``config``; ``extra_callbacks`` run after the run's own (progress reports).

    Raises :class:`training.errors.TrainingError` for bad input; KeyboardInterrupt after saving last.keras.
    """
    return _start(config.check(), {}, resuming=False, extra_callbacks=extra_callbacks)


def resume(run_dir: str | Path, overrides: dict[str, Any] | None = None) -> TrainResult:
    """Continue the run in ``run_dir``; ``overrides`` are options given again (only some may change)."""
    saved, document = read_config(run_dir)
    config = saved.resumed({**(overrides or {}), "out": str(run_dir)}).check()
    return _start(config, document, resuming=True)


def _start(
    config: TrainConfig,
    document: dict[str, Any],
    *,
    resuming: bool,
    extra_callbacks: Sequence[keras.callbacks.Callback] = (),
) -> TrainResult:
    run_dir = Path(config.out)
    if keras.backend.backend() != config.backend:
        raise ConfigError(
            f"Keras runs on {keras.backend.backend()}, the run asks for {config.backend}: set KERAS_BACKEND "
            "before Keras is imported (`shipviewer train --backend` does)"
        )
    cluster: Cluster | LocalCluster
    if config.backend == "tensorflow":
        from .distribute import make_cluster

        cluster = make_cluster(config.strategy, config.cpu_devices)  # before any other TensorFlow work
    else:
        cluster = LocalCluster()
    if cluster.is_chief or resuming:
        _check_run_dir(run_dir, resuming)
    out_dir = (
        run_dir
        if cluster.is_chief
        else Path(tempfile.mkdtemp(prefix=f"shipviewer-worker{cluster.worker_index}-"))
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    log = RunLog(out_dir / TRAIN_LOG)
    try:
        return _run(config, document, cluster, run_dir, out_dir, log, resuming, extra_callbacks)
    finally:
        if out_dir != run_dir:
            shutil.rmtree(out_dir, ignore_errors=True)


@dataclass(frozen=True)
class Plan:
    """How the epochs of this run are cut: where they start, batch sizes, steps, what is monitored."""

    initial_epoch: int
    global_batch: int
    steps: int
    val_steps: int
    monitor: str


def _plan(config: TrainConfig, data: RunData, cluster: Cluster | LocalCluster, epochs_done: int) -> Plan:
    global_batch = config.batch * cluster.replicas
    steps = config.steps_per_epoch or max(1, math.ceil(len(data.train) / global_batch))
    val_steps = (config.val_steps or math.ceil(len(data.val) / global_batch)) if data.val else 0
    return Plan(epochs_done, global_batch, steps, val_steps, "val_loss" if val_steps else "loss")


def _config_sections(
    config: TrainConfig,
    plan: Plan,
    model: keras.Model,
    data: RunData,
    cluster: Cluster | LocalCluster,
    document: dict[str, Any],
) -> dict[str, Any]:
    """Everything config.json holds besides the settings (``document``: the resumed run's config.json)."""
    run_dir = Path(config.out)
    return {
        "name": run_dir.name,
        "data": config.data,  # read by the ONNX exporter as the model's training data
        "preprocessing": CONVENTION,
        "postprocessing": POSTPROCESS_DEFAULTS,
        "model": _model_info(model, config),
        "dataset": document.get("dataset", data.info),
        "training": {
            "replicas": cluster.replicas,
            "workers": cluster.n_workers,
            "global_batch": plan.global_batch,
            "steps_per_epoch": plan.steps,
            "val_steps": plan.val_steps,
            "monitor": plan.monitor,
            "jitter": asdict(Jitter()),
            "optimizer": "Adam",
        },
        "environment": _environment(),
        "resumed_at_epochs": [*document.get("resumed_at_epochs", []), plan.initial_epoch] if document else [],
    }


def _run(
    config: TrainConfig,
    document: dict[str, Any],
    cluster: Cluster | LocalCluster,
    run_dir: Path,
    out_dir: Path,
    log: RunLog,
    resuming: bool,
    extra_callbacks: Sequence[keras.callbacks.Callback] = (),
) -> TrainResult:
    log.stamp(("resuming" if resuming else "starting") + f" training run {run_dir}")
    log(cluster.describe())
    data = prepare(config, run_dir, resume=resuming, write=cluster.is_chief, log=log)
    state = cb.read_state(run_dir) if resuming else {"epochs_done": 0}
    plan = _plan(config, data, cluster, int(state.get("epochs_done", 0)))
    if plan.initial_epoch >= config.epochs:
        log(
            f"the run has trained {plan.initial_epoch} epochs (--epochs {config.epochs}); "
            "raise --epochs to go on"
        )
        return TrainResult(run_dir, plan.initial_epoch, state.get("best"), plan.monitor, {})
    if not plan.val_steps:
        log(
            "note: no validation images (--val-fraction 0?); "
            "checkpoints and schedules follow the training loss"
        )

    cb.discard_partials(out_dir)
    model = _build_model(config, cluster, run_dir / cb.LAST if resuming else None)
    log(summary_text(model))
    if cluster.is_chief:
        sections = _config_sections(config, plan, model, data, cluster, document)
        log(f"settings: {write_config(run_dir, config, sections)}")
    log(
        f"training epochs {plan.initial_epoch + 1}..{config.epochs}: "
        f"{plan.steps} steps of {plan.global_batch} crops of {config.crop}×{config.crop}"
        + (f", validation {plan.val_steps} steps" if plan.val_steps else "")
    )
    callbacks = cb.make_callbacks(
        out_dir,
        monitor=plan.monitor,
        patience=config.patience,
        lr_patience=config.lr_patience,
        resumed_best=state.get("best") if resuming else None,
    ) + list(extra_callbacks)
    started = time.monotonic()
    history = _fit(model, config, plan, data, cluster, callbacks, out_dir, log)
    final = cb.read_state(out_dir)
    where = (
        f"models {run_dir / cb.BEST} and {run_dir / cb.LAST}; curves {run_dir / cb.CURVES_PNG}"
        if cluster.is_chief
        else "worker 0 wrote the run folder"
    )
    epochs_done = int(final.get("epochs_done", plan.initial_epoch))
    log.stamp(
        f"done in {time.monotonic() - started:.0f} s: {epochs_done} epochs; best {plan.monitor} "
        f"{final.get('best')}; {where}"
    )
    return TrainResult(run_dir, epochs_done, final.get("best"), plan.monitor, history)


def _fit(
    model: keras.Model,
    config: TrainConfig,
    plan: Plan,
    data: RunData,
    cluster: Cluster | LocalCluster,
    callbacks: list[keras.callbacks.Callback],
    out_dir: Path,
    log: RunLog,
) -> dict[str, list[float]]:
    """Keras ``fit`` on the pipeline's datasets; on Ctrl+C, save last.keras before giving up."""
    options = PipelineOptions(
        crop=config.crop,
        batch=plan.global_batch,
        seed=config.seed,
        ship_bias=config.ship_bias,
        seam=config.seam,
    )
    first_index = plan.initial_epoch * plan.steps * plan.global_batch  # a resumed run sees new crops
    train_ds: Any
    val_ds: Any
    if config.backend == "tensorflow":
        from .pipeline import make_dataset, with_ship_label

        train_ds = make_dataset(
            data.train,
            options,
            training=True,
            shard=(cluster.n_workers, cluster.worker_index),
            first_index=first_index,
        )
        val_ds = make_dataset(data.val, options, training=False).repeat() if plan.val_steps else None
        if has_gate(model):
            train_ds = train_ds.map(with_ship_label)
            val_ds = val_ds.map(with_ship_label) if val_ds is not None else None
    else:
        from .numpy_input import CropBatches

        gate, workers = has_gate(model), LocalCluster.input_workers()
        train_ds = CropBatches(
            data.train,
            options,
            training=True,
            steps=plan.steps,
            first_index=first_index,
            gate=gate,
            workers=workers,
        )
        val_ds = (
            CropBatches(data.val, options, training=False, steps=plan.val_steps, gate=gate, workers=workers)
            if plan.val_steps
            else None
        )
    try:
        with cb.interruptible() as stop:
            history = model.fit(
                train_ds,
                epochs=config.epochs,
                initial_epoch=plan.initial_epoch,
                steps_per_epoch=plan.steps,
                validation_data=val_ds,
                validation_steps=plan.val_steps or None,
                callbacks=[*callbacks, stop],
                shuffle=False,  # the pipeline shuffles
                verbose=1 if sys.stdout.isatty() else 2,
            )
    except KeyboardInterrupt:
        _save_interrupted(model, out_dir, log)
        raise
    return {k: [float(v) for v in values] for k, values in history.history.items()}


def _save_interrupted(model: keras.Model, out_dir: Path, log: RunLog) -> None:
    """Ctrl+C: keep the weights reached so far in last.keras; ``--resume`` repeats the unfinished epoch."""
    state = cb.read_state(out_dir)
    cb.discard_partials(out_dir)  # a checkpoint cut short, or not yet published for its epoch
    cb.save_atomically(model, out_dir / cb.LAST)
    cb.write_state(out_dir, **{**state, "interrupted": True})
    epoch = int(state.get("epochs_done", 0)) + 1
    log.stamp(
        f"interrupted during epoch {epoch}: {out_dir / cb.LAST} holds the latest weights; "
        "continue with --resume"
    )
