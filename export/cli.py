"""``shipviewer export``: argument parsing only; TensorFlow is imported when the command runs."""

from __future__ import annotations

import argparse
from pathlib import Path

CHECK_IMAGES = 8  # images after the calibration ones, used only to check int8 against fp32


def add_export_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "export",
        help="convert a trained .keras model to ONNX and verify it",
        description="Convert MODEL.keras to ONNX (tf2onnx; NCHW float32 input scaled as in training, dynamic "
        "batch/height/width, no Transpose nodes), store metadata (layout, scaling, threshold, minimum ship "
        "size, training data, validation scores, version) and verify: Keras and onnxruntime must agree to "
        "1e-4. A model trained with --gate gets its ship/no-ship output too (checked the same way) and a "
        "decoder that runs only for images the gate lets through. With --quantize int8 the output is a "
        "statically quantized int8 model calibrated on "
        "--calibration images (the fp32 model is kept beside it as NAME-fp32.onnx); it must reach a "
        "thresholded-mask Dice of 0.98 against fp32 on up to 8 further images of that folder (the "
        "input convolution stays fp32 when full int8 misses that).",
    )
    p.add_argument("model", type=Path, metavar="MODEL.keras")
    p.add_argument("--out", type=Path, required=True, metavar="MODEL.onnx")
    p.add_argument("--opset", type=int, default=17, metavar="N")
    p.add_argument("--quantize", choices=["int8"], default=None)
    p.add_argument("--calibration", type=Path, metavar="DIR", help="images to calibrate int8 on (and check)")
    p.add_argument(
        "--calibration-images", type=int, default=64, metavar="N", help="images to calibrate on (default 64)"
    )
    p.add_argument("--name", default=None, help="model name stored in the metadata")
    p.add_argument(
        "--training-data",
        default=None,
        metavar="TEXT",
        help="what the model was trained on, for the metadata (default: the run's data folder)",
    )
    p.add_argument("--threshold", type=float, default=None, help="recommended threshold (default: the run's)")
    p.add_argument("--min-size", type=int, default=None, metavar="PX", help="recommended minimum ship size")
    p.add_argument(
        "--gate-threshold",
        type=float,
        default=None,
        metavar="P",
        help="a model with the ship/no-ship output: images under P yield no ships and skip the decoder "
        "(default: the run's, else 0.5)",
    )
    p.add_argument(
        "--split-touching",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="recommend splitting touching ships by watershed (stored in the metadata)",
    )
    p.add_argument(
        "--refine-outlines",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="recommend redrawing each ship's outline from the image by GrabCut (stored in the metadata)",
    )
    p.set_defaults(handler=run_export)


def run_export(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from .onnx_export import export_onnx, metadata_from_run

    if args.quantize and not args.calibration:
        raise ValueError("--quantize int8 needs --calibration DIR (a folder of representative images)")
    if args.calibration_images < 1:
        raise ValueError(f"--calibration-images must be at least 1, got {args.calibration_images}")
    if args.out.suffix.lower() != ".onnx":
        raise ValueError(f"--out must end in .onnx, got {args.out}")
    metadata = metadata_from_run(args.model)
    if args.name:
        metadata = replace(metadata, name=args.name)
    if args.training_data:
        metadata = replace(metadata, training_data=args.training_data)
    if args.threshold is not None:
        metadata = replace(metadata, threshold=args.threshold)
    if args.min_size is not None:
        metadata = replace(metadata, min_size=args.min_size)
    if args.split_touching is not None:
        metadata = replace(metadata, split_touching=args.split_touching)
    if args.refine_outlines is not None:
        metadata = replace(metadata, refine_outlines=args.refine_outlines)
    fp32_out = args.out.with_name(f"{args.out.stem}-fp32.onnx") if args.quantize else args.out
    report = export_onnx(
        args.model, fp32_out, opset=args.opset, metadata=metadata, gate_threshold=args.gate_threshold
    )
    print(report.summary())
    if args.quantize:
        from .quantize import load_calibration_images, quantize_int8

        images = load_calibration_images(args.calibration, limit=args.calibration_images + CHECK_IMAGES)
        # Check on images the calibration did not see (every 9th), when the folder has enough.
        held_out = len(images) > args.calibration_images
        check_at = set(range(8, len(images), 9)[:CHECK_IMAGES]) if held_out else set()
        check = [images[i] for i in sorted(check_at)] or images
        calibration = [image for i, image in enumerate(images) if i not in check_at]
        q = quantize_int8(fp32_out, args.out, calibration, check_images=check)
        print(q.summary() + ("" if held_out else " (the calibration images themselves)"))
    return 0
