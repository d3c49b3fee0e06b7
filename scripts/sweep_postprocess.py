"""Choose a model's recommended threshold and minimum ship size: run it once over a labelled split, then
score every (threshold, min size) pair.

Usage: python scripts/sweep_postprocess.py MODEL.onnx --data DIR [--split RUN/val.csv]
           [--thresholds 0.5 0.6 ...] [--min-sizes 20 50 ...] [--refine] [--tta]

For each pair it prints the competition F2 (mean over all images), F2 at IoU 0.5, pixel Dice, the number of
predicted ships, the mean F2 over the images with ships ("ships"), the share of ship-free images left empty
("empty"), and their mean ("balanced"). The pair with the best balanced F2 is chosen (last line), not the
pair with the best competition F2: on a set where most images have no ship (78 % here, as in the Kaggle data)
the competition F2 of a weak model is highest when it predicts almost nothing, which scores like predicting
nothing and shows a viewer user no candidates; the balanced F2 weighs finding ships and staying silent on
empty images equally, whatever a folder's share of empty images. A model with the ship/no-ship gate is swept
over gate thresholds too, and chosen by the competition F2: the gate keeps empty images silent, so the
F2 no longer rewards predicting nothing (the "ships@0.5" column, F2 at IoU 0.5 over the images with ships,
shows what is found); among the gate thresholds within 0.005 of the best F2 (noise on a few hundred images)
the lowest is taken, as it rejects the fewest images with ships. Probabilities are kept as float16 in memory
(~0.6 MB per 768x768 image). With ``--refine`` every outline is redrawn from the image by GrabCut
(``shipviewer.model.outlines``, as ``evaluate --refine``), so the images are kept too (~1.7 MB each) and each
(threshold, min size) pair is refined once for all gate thresholds.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from shipviewer.airbus.annotations import atomic_write_text
from shipviewer.airbus.images import read_image
from shipviewer.airbus.metrics import score_dataset
from shipviewer.model.inference import InferenceSession
from shipviewer.model.postprocess import probability_to_ships
from training.data import locate, read_ships
from training.split import read_split_file

F2_TIE = 0.005  # competition F2 differences below this are noise on a few hundred images


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", type=Path, help="an .onnx model")
    parser.add_argument("--data", type=Path, required=True, help="data folder (Kaggle layout)")
    parser.add_argument("--split", type=Path, default=None, help="Airbus CSV of the images to score")
    parser.add_argument("--thresholds", type=float, nargs="+", default=[0.5, 0.7, 0.8, 0.9, 0.95, 0.98])
    parser.add_argument("--min-sizes", type=int, nargs="+", default=[20, 50, 100, 200, 300])
    parser.add_argument("--limit", type=int, default=None, help="only the first N images")
    parser.add_argument(
        "--gate-thresholds",
        type=float,
        nargs="+",
        default=[0.3, 0.4, 0.5, 0.6, 0.7, 0.8],
        help="a model with the ship/no-ship gate: the gate thresholds to try",
    )
    parser.add_argument(
        "--choose",
        choices=["auto", "f2", "balanced"],
        default="auto",
        help="what picks the best row: the competition F2 or the balanced F2 (auto: F2 with a gate, "
        "balanced without; see above)",
    )
    parser.add_argument(
        "--tta", action="store_true", help="flip test-time augmentation (as `evaluate --tta`)"
    )
    parser.add_argument(
        "--refine",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="redraw outlines from the image by GrabCut (default: as the model's metadata says)",
    )
    parser.add_argument(
        "--record",
        type=Path,
        default=None,
        metavar="CONFIG.json",
        help="write the chosen settings and their validation scores into this run config (what "
        "`shipviewer export` reads its metadata from)",
    )
    args = parser.parse_args()

    located = locate(args.data, None)
    truth = read_split_file(args.split) if args.split else read_ships(located.csv_path)
    ids = sorted(truth)[: args.limit] if args.limit else sorted(truth)
    truth = {i: truth[i] for i in ids}
    session = InferenceSession(args.model, tta=args.tta, refine=args.refine)
    started = time.perf_counter()
    probabilities: dict[str, np.ndarray] = {}
    ship_probability: dict[str, float] = {}
    images: dict[str, np.ndarray] = {}
    for n, image_id in enumerate(ids, 1):
        image = read_image(located.images_dir / image_id)
        analysis = session.analyse(image, gated=False)
        probabilities[image_id] = analysis.probability.astype(np.float16)
        if session.refine:
            images[image_id] = image
        ship_probability[image_id] = 1.0 if analysis.ship_probability is None else analysis.ship_probability
        if n % 50 == 0:
            print(f"  {n}/{len(ids)} images, {time.perf_counter() - started:.0f} s", file=sys.stderr)
    empty = [i for i in ids if not truth[i]]
    print(f"{args.model}: {len(ids)} images ({len(ids) - len(empty)} with ships), {session.describe()}")
    with_ships = [i for i in ids if truth[i]]
    gates: list[float | None] = list(args.gate_thresholds) if session.has_gate else [None]
    print(
        f"{'gate':>5} {'threshold':>9} {'min px':>6} {'F2':>7} {'F2@0.5':>7} {'Dice':>6} {'pred':>5} "
        f"{'ships':>6} {'empty':>6} {'balanced':>8} {'ships@0.5':>9}"
    )
    rows = []
    ungated: dict[tuple[float, int], dict[str, list[str]]] = {}  # the ships of every image, gate aside
    for gate in gates:
        for threshold in args.thresholds:
            for min_size in args.min_sizes:
                if (threshold, min_size) not in ungated:
                    ungated[threshold, min_size] = {
                        i: probability_to_ships(
                            p.astype(np.float32),
                            threshold,
                            min_size,
                            split_touching=session.metadata.split_touching,
                            seam=session.metadata.seam,
                            refine=session.refine,
                            image=images.get(i),
                        )
                        for i, p in probabilities.items()
                    }
                pred = {
                    i: []
                    # float32, as the runtime compares (InferenceSession.run_gated, the graph's If)
                    if gate is not None and np.float32(ship_probability[i]) < np.float32(gate)
                    else ships
                    for i, ships in ungated[threshold, min_size].items()
                }
                report = score_dataset(truth, pred)
                ships_f2 = float(np.mean([report.per_image[i] for i in with_ships])) if with_ships else 0.0
                ships_at_half = (
                    score_dataset({i: truth[i] for i in with_ships}, pred).f2_per_threshold[0.5]
                    if with_ships
                    else 0.0
                )
                empty_kept = sum(1 for i in empty if not pred[i]) / len(empty) if empty else 1.0
                balanced = (ships_f2 + empty_kept) / 2
                n_pred = sum(len(v) for v in pred.values())
                print(
                    f"{'-' if gate is None else f'{gate:.2f}':>5} {threshold:9.2f} {min_size:6d} "
                    f"{report.score:7.4f} {report.f2_per_threshold[0.5]:7.4f} "
                    f"{report.dice:6.3f} {n_pred:5d} {ships_f2:6.3f} {empty_kept:6.3f} {balanced:8.4f} "
                    f"{ships_at_half:9.4f}"
                )
                rows.append((balanced, report.score, threshold, min_size, gate, report.dice))
    baseline = score_dataset(truth, {}).score
    top_f2 = max(rows, key=lambda r: r[1])
    print(
        f"competition F2 best: threshold {top_f2[2]}, min size {top_f2[3]} px -> F2 {top_f2[1]:.4f} "
        f"(predicting nothing: {baseline:.4f}, balanced 0.5000)"
    )
    by_f2 = args.choose == "f2" or (args.choose == "auto" and session.has_gate)
    best = max(rows, key=lambda r: r[1] if by_f2 else r[0])
    if by_f2 and best[4] is not None:
        # Gate thresholds whose F2 is the best within noise: the lowest, which keeps the most ship images.
        near = [r for r in rows if r[1] >= best[1] - F2_TIE]
        lowest_gate = min(r[4] for r in near)
        best = max((r for r in near if r[4] == lowest_gate), key=lambda r: r[1])
    gate_text = "" if best[4] is None else f", gate {best[4]}"
    print(
        f"best: threshold {best[2]}, min size {best[3]} px{gate_text} -> balanced F2 {best[0]:.4f}, "
        f"F2 {best[1]:.4f} (chosen by {'competition' if by_f2 else 'balanced'} F2)"
    )
    if args.record is not None:
        import json

        config = json.loads(args.record.read_text()) if args.record.is_file() else {}
        validation = dict(config.get("validation", {}))
        validation.update(f2=best[1], dice=best[5], threshold=best[2], min_size=best[3], images=len(ids))
        if best[4] is not None:
            validation["gate_threshold"] = best[4]
        validation["refine_outlines"] = session.refine
        config["validation"] = validation
        atomic_write_text(args.record, json.dumps(config, indent=2))
        print(f"recorded in {args.record}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
