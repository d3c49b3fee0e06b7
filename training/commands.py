"""Handlers of ``train`` and ``evaluate``: check the input, then import TensorFlow and do the work.

Like :mod:`training.cli`, only the standard library is imported at module level.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
from pathlib import Path
from typing import Any

EXIT_OK = 0
TF_LOG_LEVEL = "2"  # TensorFlow's C++ log: errors only


def _quiet_tensorflow() -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", TF_LOG_LEVEL)


# --- train --------------------------------------------------------------------------------------------
def _choose_backend(backend: str) -> None:
    """Keras picks its backend once, when it is first imported: set it before (KERAS_BACKEND). Where Keras
    runs already, :func:`training.train.train` refuses a run on another backend."""
    from .errors import ConfigError

    if backend != "tensorflow":
        import importlib.util

        if importlib.util.find_spec(backend) is None:  # the backend is named after its package
            raise ConfigError(f"--backend {backend}: {backend} is not installed (pip install {backend})")
    os.environ["KERAS_BACKEND"] = backend


def _train_overrides(args: argparse.Namespace) -> dict[str, Any]:
    from .config import TrainConfig

    overrides = {}
    for f in dataclasses.fields(TrainConfig):
        value = getattr(args, f.name, None)
        if value is not None:
            overrides[f.name] = str(Path(value).resolve()) if isinstance(value, Path) else value
    return overrides


def run_train(args: argparse.Namespace) -> int:
    """Handler of ``train``: check the settings, then import TensorFlow and train."""
    from .config import TrainConfig, read_tf_config
    from .data import locate
    from .errors import ConfigError

    overrides = _train_overrides(args)
    if args.resume:
        from .config import read_config

        saved = read_config(overrides["out"])[0].resumed(overrides).check()  # fail fast, before Keras
        _choose_backend(saved.backend)
        _quiet_tensorflow()
        from .train import resume

        resume(overrides.pop("out"), overrides)
        return EXIT_OK
    if "data" not in overrides:
        raise ConfigError("--data DIR is required (except with --resume)")
    config = TrainConfig(**overrides).check()
    if config.strategy == "multiworker":
        read_tf_config()
    locate(config.data, config.csv)  # the folder and the CSV exist: say so before the slow import
    _choose_backend(config.backend)
    _quiet_tensorflow()
    from .train import train

    train(config)
    return EXIT_OK


# --- evaluate -----------------------------------------------------------------------------------------
def _truth(args: argparse.Namespace) -> tuple[dict[str, list[str]], str, bool]:
    """The labelled images to score, where they come from, and whether they are the model's run's val.csv."""
    from .data import locate, read_ships
    from .errors import DataError
    from .split import VAL_CSV, read_split_file

    run_val = args.model.parent / VAL_CSV
    split = args.split
    if split is None and run_val.is_file():
        split = str(run_val)
    if split is None or split == "all":
        csv_path = locate(args.data, args.csv).csv_path
        return read_ships(csv_path), f"all images of {csv_path}", False
    is_run_val = Path(split).resolve() == run_val.resolve()
    ids = read_split_file(split)
    if not ids:
        raise DataError(f"--split {split}: lists no images")
    if args.csv is None:
        return ids, f"the images of {split}", is_run_val
    labels = read_ships(args.csv)
    missing = [i for i in ids if i not in labels]
    if missing:
        raise DataError(f"{len(missing)} image(s) of {split} are not in {args.csv}, e.g. {missing[0]}")
    return {i: labels[i] for i in ids}, f"the images of {split}, labels from {args.csv}", is_run_val


def run_evaluate(args: argparse.Namespace) -> int:
    """Handler of ``evaluate``: predict, write the CSV, print the scores (last line: the bare F2)."""
    from shipviewer.airbus.annotations import write_csv
    from shipviewer.cli.progress import ProgressBar

    from .data import images_folder
    from .errors import ConfigError
    from .evaluate import EvaluateOptions, evaluate

    bundled = args.model is None
    if bundled:
        from resources import default_model_path

        args.model = default_model_path("cpu")
        if not args.model.is_file():
            raise ConfigError(f"the bundled model is missing ({args.model}); pass --model MODEL")
        print(f"no --model: the bundled {args.model.name} (the int8 copy on this CPU)")
    images_dir = images_folder(args.data)
    truth, origin, is_run_val = _truth(args)
    if args.limit is not None:
        if args.limit < 1:
            raise ConfigError(f"--limit must be at least 1, got {args.limit}")
        truth = {i: truth[i] for i in sorted(truth)[: args.limit]}
    # The bundled model's folder is read-only in an install: its predictions go to the current folder.
    folder = Path.cwd() if bundled else args.model.parent
    out = args.out or folder / f"{args.model.stem}_predictions.csv"
    _quiet_tensorflow()
    from .predictors import load_predictor

    predictor = load_predictor(args.model, args.gate_threshold, args.tta, args.refine)
    print(f"model: {predictor.description}")
    _resolve_postprocessing(args, predictor.recommended)
    split = args.split_touching if args.split_touching is not None else bool(predictor.split_touching)
    if split:
        print("touching ships split by watershed")
    if predictor.seam:
        print(f"the gap the model leaves between touching ships ({predictor.seam} px) goes back to them")
    refine = args.refine if args.refine is not None else bool(predictor.refine_outlines)
    if refine:
        print("outlines redrawn from the image by GrabCut")
    options = EvaluateOptions(
        args.threshold,
        args.min_size,
        args.connectivity,
        args.batch,
        split,
        seam=predictor.seam,
        refine=refine,
    )
    print(f"scoring {len(truth)} images: {origin}; images from {images_dir}")
    with ProgressBar(len(truth), "evaluate") as bar:
        result = evaluate(predictor, images_dir, truth, options, progress=bar.update)
    write_csv(out, result.predictions)
    print(f"predictions: {out}")
    for reason, ids in sorted(result.skipped.items()):
        print(
            f"skipped {len(ids)} {reason} image(s), not scored: "
            f"{', '.join(ids[:3])}{', ...' if len(ids) > 3 else ''}"
        )
    if result.not_scored_other_size:
        print(f"not scored: {len(result.not_scored_other_size)} image(s) whose size is not {result.shape}")
    if is_run_val and args.limit is None:
        _record(args, result.report)
    print("\n".join(result.report.lines()))
    return EXIT_OK


def _resolve_postprocessing(args: argparse.Namespace, recommended: tuple[float, int] | None) -> None:
    """Fill in --threshold and --min-size left out: the model's recommendation (ONNX metadata), else the
    defaults; say which."""
    from shipviewer.model.postprocess import DEFAULT_MIN_SIZE, DEFAULT_THRESHOLD

    given = (args.threshold, args.min_size)
    advice = recommended or (DEFAULT_THRESHOLD, DEFAULT_MIN_SIZE)
    args.threshold = advice[0] if args.threshold is None else args.threshold
    args.min_size = advice[1] if args.min_size is None else args.min_size
    if None in given:
        source = "the model's metadata" if recommended else "the defaults"
        print(f"threshold {args.threshold}, minimum ship size {args.min_size} px (unless given: {source})")


def _record(args: argparse.Namespace, report: Any) -> None:
    """Scores on the run's own validation split go into its config.json (for the exporter's metadata)."""
    from .config import record_validation

    scores = {
        "model": args.model.name,
        "f2": report.score,
        "dice": report.dice,
        "iou": report.iou,
        "images": report.n_images,
        "threshold": args.threshold,
        "min_size": args.min_size,
    }
    if record_validation(args.model.parent, scores):
        print(f"recorded in {args.model.parent / 'config.json'} (validation)")
