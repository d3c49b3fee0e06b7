"""Clicks per ship: click-to-segment measured as the interactive-segmentation literature does (NoC@IoU).

Usage: python benchmarks/bench_clicks.py --data DIR [--model M.onnx] [--real DIR] [--max-clicks 20]
       [--limit-images N] [--no-image-only] [--no-brush] [--no-qt] [--tta] [--truth-map]

DIR is a data set in the Kaggle layout (``DIR/train_v2/*.jpg`` + ``DIR/train_ship_segmentations_v2.csv``, or
``--csv FILE``), e.g. ``shipviewer synth /tmp/clicks-synth --images 100 --seed 7 --ship-fraction 1``.

The simulated labeller works on every ship of the set, each on an empty annotation (the standard protocol:
ships are measured one by one). Each click goes to the centre of the largest remaining error — the pixel
farthest from the error's edge (image borders count as edges) — positive where the mask misses the ship,
negative where it spills; every click reruns :func:`shipviewer.edits.click_segment.click_segment` with all
clicks so far through a :class:`shipviewer.edits.click_session.ClickSession` on an
:class:`shipviewer.edits.AnnotationDoc`, exactly as the viewer's click tool does. NoC@85 (@90) is the
number of clicks until the ship's IoU with the truth reaches 0.85 (0.90); a ship that never does counts
``--max-clicks`` (20). Runs:

- model-guided: with the model's probability map of the image (``--model``, else the bundled one);
- image only: no map (the GrabCut fallback, and the colour flood fill fallback beside it);
- with ``--truth-map``: the ground truth as the map (1 on every true ship, touching ships merged): what the
  click tool makes of a perfect model, its own ceiling;
- brush only: the same labeller with the brush and eraser of the viewer's default size (8 px): each stroke
  paints (or erases) along the skeleton of the largest error region — the saving is shown as a ratio;
- the same on the real ships of ``--real`` (default ``../shared/airbus-real``: 19 ships in 6 images);
- one click through the real canvas (offscreen main window, model loaded, click tool): press and release on
  the viewport until the repaint is done, median and p99, at 768² and 4096² (``--no-qt`` skips it).

Targets (issue 14): mean NoC@85 ≤ 2 and NoC@90 ≤ 3 with the model's map on ≥ 200 synthetic ships; one click
< 50 ms at 768² and < 150 ms at 4096². The last line printed is ``NoC@85 <x> NoC@90 <y>`` of the
model-guided run on DIR. Nothing is written into the working tree (the canvas part uses a temporary folder).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from shipviewer.airbus import rle
from shipviewer.airbus.annotations import read_csv
from shipviewer.airbus.images import read_image
from shipviewer.edits import AnnotationDoc, Box, EditError
from shipviewer.edits.click_segment import Click, SegmentOptions
from shipviewer.edits.click_session import ClickSession

REAL = Path(__file__).resolve().parents[2] / "shared" / "airbus-real"
BRUSH = 8  # the viewer's default brush size (EditController.brush_size)
TARGETS = {"noc85": 2.0, "noc90": 3.0, 768: 50.0, 4096: 150.0}
_CROSS = cv2.getStructuringElement(cv2.MORPH_CROSS, (3, 3))


# --- data -----------------------------------------------------------------------------------------------
@dataclass
class Scene:
    name: str
    rgb: np.ndarray
    ships: list[np.ndarray]  # one bool mask per ship
    probability: np.ndarray | None = None  # uint8 levels


def load_scenes(images: Path, csv: Path, limit: int | None) -> list[Scene]:
    rows = read_csv(csv).ships
    scenes = []
    for name in sorted(rows):
        if not rows[name]:
            continue
        path = images / name
        if not path.is_file():
            continue
        rgb = read_image(path)
        scenes.append(Scene(name, rgb, [rle.decode(r, rgb.shape[:2]) for r in rows[name]]))
        if limit and len(scenes) >= limit:
            break
    return scenes


def add_probabilities(scenes: list[Scene], model: Path, tta: bool = False) -> float:
    """The model's map of every image (uint8 levels, as the viewer caches them); returns ms per image.
    ``tta``: the flip-TTA map (the viewer's Model ▸ Flip Test-Time Augmentation)."""
    from shipviewer.model.inference import InferenceSession
    from shipviewer.model.prob_cache import quantize

    session = InferenceSession(model, "cpu", tta=tta)
    t0 = time.perf_counter()
    for scene in scenes:
        scene.probability = quantize(session.probabilities(scene.rgb))
    return (time.perf_counter() - t0) * 1000 / max(len(scenes), 1)


# --- the simulated labeller -------------------------------------------------------------------------------
def _farthest(mask: np.ndarray) -> tuple[float, int, int]:
    """(distance to the edge, x, y) of the pixel of ``mask`` farthest inside it (image borders are edges)."""
    if not mask.any():
        return 0.0, -1, -1
    padded = np.pad(mask, 1).view(np.uint8)
    dist = cv2.distanceTransform(padded, cv2.DIST_L2, 5)[1:-1, 1:-1]
    index = int(dist.argmax())
    y, x = divmod(index, mask.shape[1])
    return float(dist.flat[index]), x, y


def next_click(truth: np.ndarray, pred: np.ndarray) -> tuple[int, int, bool]:
    """The click at the centre of the largest error: (x, y, positive)."""
    d_miss, xm, ym = _farthest(truth & ~pred)
    d_spill, xs, ys = _farthest(pred & ~truth)
    return (xm, ym, True) if d_miss >= d_spill else (xs, ys, False)


def iou(a: np.ndarray, b: np.ndarray) -> float:
    union = np.count_nonzero(a | b)
    return np.count_nonzero(a & b) / union if union else 1.0


@dataclass
class ShipResult:
    area: int
    noc85: int
    noc90: int
    first_iou: float
    reached85: bool = False
    reached90: bool = False
    ms: list[float] = field(default_factory=list)


def _crop(truth_box: Box, doc: AnnotationDoc, label: int, pad: int) -> Box:
    """The part of the frame errors can be in: the truth's box and the ship's, widened."""
    box = truth_box
    own = doc.ship_box(label)
    return (box.union(own) if own is not None else box).grow(pad, doc.shape)


def _truth_box(mask: np.ndarray) -> Box:
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    return Box(int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1)


def clicks_for_ship(
    scene: Scene, truth: np.ndarray, probability: np.ndarray | None, options: SegmentOptions, max_clicks: int
) -> ShipResult:
    doc = AnnotationDoc.empty(truth.shape)
    session = ClickSession(doc)
    label = session.label
    truth_box = _truth_box(truth)
    result = ShipResult(int(truth.sum()), max_clicks, max_clicks, 0.0)
    for k in range(1, max_clicks + 1):
        crop = _crop(truth_box, doc, label, 8)
        gt, pred = truth[crop.slices], doc.labels[crop.slices] == label
        x, y, positive = next_click(gt, pred)
        click = Click(x + crop.x0, y + crop.y0, positive)
        t0 = time.perf_counter()
        with contextlib.suppress(EditError):  # nothing found: the click is spent all the same
            session.add(scene.rgb, click, probability=probability, options=options)
        result.ms.append((time.perf_counter() - t0) * 1000)
        crop = _crop(truth_box, doc, label, 0)
        score = iou(truth[crop.slices], doc.labels[crop.slices] == label)
        if k == 1:
            result.first_iou = score
        if score >= 0.85 and not result.reached85:
            result.noc85, result.reached85 = k, True
        if score >= 0.90:
            result.noc90, result.reached90 = k, True
            break
    return result


def skeleton(mask: np.ndarray) -> np.ndarray:
    """Lantuéjoul's morphological skeleton (OpenCV erosions and openings): where a stroke runs."""
    image = mask.view(np.uint8).copy()
    out = np.zeros_like(image)
    while image.any():
        eroded = cv2.erode(image, _CROSS)
        out |= image & ~cv2.dilate(eroded, _CROSS)
        image = eroded
    return out.view(bool)


def strokes_for_ship(truth: np.ndarray, max_strokes: int) -> tuple[int, int, bool]:
    """Brush strokes (size 8) until IoU 0.85 and 0.90: paint or erase along the largest error's skeleton."""
    doc = AnnotationDoc.empty(truth.shape)
    label = doc.new_label()
    truth_box = _truth_box(truth)
    n85 = n90 = max_strokes
    reached85 = False
    for k in range(1, max_strokes + 1):
        crop = _crop(truth_box, doc, label, 8)
        gt, pred = truth[crop.slices], doc.labels[crop.slices] == label
        _, _, positive = next_click(gt, pred)
        error = gt & ~pred if positive else pred & ~gt
        _, blobs = cv2.connectedComponents(error.view(np.uint8), connectivity=8)
        _, x, y = _farthest(error)
        region = blobs == blobs[y, x]
        ys, xs = np.nonzero(skeleton(region))
        doc.begin_stroke("brush" if positive else "eraser")
        for px, py in zip(xs + crop.x0, ys + crop.y0):
            if positive:
                doc.paint((px, py), None, BRUSH, label)
            else:
                doc.erase((px, py), None, BRUSH, label=label)
        doc.end_stroke()
        crop = _crop(truth_box, doc, label, 0)
        score = iou(truth[crop.slices], doc.labels[crop.slices] == label)
        if score >= 0.85 and not reached85:
            n85, reached85 = k, True
        if score >= 0.90:
            n90 = k
            break
    return n85, n90, reached85


# --- reporting ----------------------------------------------------------------------------------------------
@dataclass
class Summary:
    name: str
    noc85: float
    noc90: float
    never85: float
    never90: float
    first_iou: float
    ms_median: float
    ms_p99: float
    n: int


def run_clicks(
    scenes: list[Scene], *, use_model: bool, options: SegmentOptions, max_clicks: int, name: str
) -> tuple[Summary, list[ShipResult]]:
    results = []
    for scene in scenes:
        probability = scene.probability if use_model else None
        for truth in scene.ships:
            results.append(clicks_for_ship(scene, truth, probability, options, max_clicks))
    return summarise(name, results, max_clicks), results


def summarise(name: str, results: list[ShipResult], max_clicks: int) -> Summary:
    n85 = np.array([r.noc85 for r in results], float)
    n90 = np.array([r.noc90 for r in results], float)
    ms = np.concatenate([r.ms for r in results]) if results else np.zeros(1)
    reached85 = np.array([r.reached85 for r in results])
    reached90 = np.array([r.reached90 for r in results])
    return Summary(
        name,
        float(n85.mean()),
        float(n90.mean()),
        float(1 - reached85.mean()),
        float(1 - reached90.mean()),
        float(np.mean([r.first_iou for r in results])),
        float(np.median(ms)),
        float(np.percentile(ms, 99)),
        len(results),
    )


def print_row(s: Summary) -> None:
    print(
        f"  {s.name:<34} {s.n:>5} {s.noc85:>7.2f} {s.noc90:>7.2f} {s.never85:>8.1%} {s.never90:>8.1%} "
        f"{s.first_iou:>9.3f} {s.ms_median:>8.1f} {s.ms_p99:>7.1f}"
    )


def print_header() -> None:
    print(
        f"  {'run':<34} {'ships':>5} {'NoC@85':>7} {'NoC@90':>7} {'never85':>8} {'never90':>8} "
        f"{'1st IoU':>9} {'ms med':>8} {'ms p99':>7}"
    )


def by_size(results: list[ShipResult]) -> Iterator[str]:
    for low, high in ((0, 100), (100, 500), (500, 2000), (2000, 10**9)):
        part = [r for r in results if low <= r.area < high]
        if part:
            label = f"{low}-{high if high < 10**9 else '…'} px"
            yield (
                f"    {label:<12} {len(part):>4} ships: NoC@85 {np.mean([r.noc85 for r in part]):5.2f}  "
                f"NoC@90 {np.mean([r.noc90 for r in part]):5.2f}  "
                f"first IoU {np.mean([r.first_iou for r in part]):.3f}"
            )


def brush_baseline(scenes: list[Scene], max_strokes: int) -> tuple[float, float, float]:
    counts = [strokes_for_ship(truth, max_strokes) for scene in scenes for truth in scene.ships]
    n85 = np.array([c[0] for c in counts], float)
    n90 = np.array([c[1] for c in counts], float)
    never = np.array([not c[2] for c in counts])
    return float(n85.mean()), float(n90.mean()), float(never.mean())


def truth_maps(scenes: list[Scene]) -> list[Scene]:
    """The same scenes with a perfect map: probability 1 on every true ship's pixels, 0 elsewhere (touching
    ships merge, as in any one-channel map). The click tool's ceiling, whatever the model."""
    out = []
    for scene in scenes:
        union = np.zeros(scene.rgb.shape[:2], np.uint8)
        for ship in scene.ships:
            union[ship] = 255
        out.append(Scene(scene.name, scene.rgb, scene.ships, union))
    return out


def evaluate(
    title: str,
    scenes: list[Scene],
    args: argparse.Namespace,
) -> Summary | None:
    n_ships = sum(len(s.ships) for s in scenes)
    print(f"\n{title}: {n_ships} ships in {len(scenes)} images, at most {args.max_clicks} clicks per ship")
    print_header()
    guided, results = run_clicks(
        scenes, use_model=True, options=SegmentOptions(), max_clicks=args.max_clicks, name="model-guided"
    )
    print_row(guided)
    for line in by_size(results):
        print(line)
    if args.truth_map:
        ceiling, _ = run_clicks(
            truth_maps(scenes),
            use_model=True,
            options=SegmentOptions(),
            max_clicks=args.max_clicks,
            name="truth as the map (ceiling)",
        )
        print_row(ceiling)
    if args.image_only:
        for fallback in ("grabcut", "flood"):
            alone, _ = run_clicks(
                scenes,
                use_model=False,
                options=SegmentOptions(fallback=fallback),
                max_clicks=args.max_clicks,
                name=f"image only ({fallback})",
            )
            print_row(alone)
    if args.brush:
        b85, b90, never = brush_baseline(scenes, args.max_clicks)
        print(f"  {'brush strokes, 8 px (baseline)':<34} {n_ships:>5} {b85:>7.2f} {b90:>7.2f} {never:>8.1%}")
        print(
            f"  brush strokes per model-guided click: {b85 / guided.noc85:.1f}× at 85 %, "
            f"{b90 / guided.noc90:.1f}× at 90 %"
        )
    return guided


# --- through the real canvas ------------------------------------------------------------------------------
def canvas_latency(
    rgb: np.ndarray, model: Path, sides: tuple[int, ...], clicks: int
) -> dict[int, np.ndarray]:
    """ms per click through the real window: viewport press + release → segmentation → repainted."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from _event_loop import wait_until
    from PySide6.QtCore import QCoreApplication, QPointF, QSettings, QStandardPaths, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from shipviewer._qt.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    QStandardPaths.setTestModeEnabled(True)
    QCoreApplication.setApplicationName("ShipViewerBench")
    out: dict[int, np.ndarray] = {}
    for side in sides:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "images"
            folder.mkdir()
            tiles = -(-side // rgb.shape[0])
            big = np.tile(rgb, (tiles, tiles, 1))[:side, :side]
            cv2.imwrite(str(folder / "scene.png"), cv2.cvtColor(big, cv2.COLOR_RGB2BGR))
            settings = QSettings(str(Path(tmp) / "bench.ini"), QSettings.Format.IniFormat)
            window = MainWindow(settings=settings, cache_dir=Path(tmp) / "cache", device="cpu")
            window.resize(1280, 860)
            window.show()
            window.start([str(folder)], str(model))
            # the viewer opened the image with its prediction
            wait_until(
                lambda w=window: w.edit.doc is not None and w.controller.current.levels is not None,
                timeout=300,
            )
            window.tools.set_tool("click")
            levels = window.controller.current.levels
            ys, xs = np.nonzero(levels > 127)
            rng = np.random.default_rng(side)
            viewport = window.canvas.viewport()
            times = []
            for i in range(clicks):
                j = int(rng.integers(len(ys))) if len(ys) else 0
                x, y = (int(xs[j]), int(ys[j])) if len(ys) else (side // 2, side // 2)
                pos = window.canvas.mapFromScene(QPointF(x + 0.5, y + 0.5))
                app.processEvents()
                t0 = time.perf_counter()
                QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pos)
                QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pos)
                app.processEvents()  # the repaint of the changed rectangle happens here
                times.append((time.perf_counter() - t0) * 1000)
                if i % 3 == 2:
                    window.tools.finish()  # the next clicks start another ship
            out[side] = np.array(times[2:])
            window.close()
            window.shutdown()
            app.processEvents()
    return out


# --- main --------------------------------------------------------------------------------------------------
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="a data set in the Kaggle layout")
    parser.add_argument("--csv", type=Path, help="its labels (default DATA/train_ship_segmentations_v2.csv)")
    parser.add_argument("--model", type=Path, help="ONNX model (default: the bundled one)")
    parser.add_argument("--real", type=Path, default=REAL, help="real ships: DIR/images + DIR/labels.csv")
    parser.add_argument("--max-clicks", type=int, default=20)
    parser.add_argument("--limit-images", type=int, help="only the first N images with ships")
    parser.add_argument("--latency-clicks", type=int, default=40)
    parser.add_argument("--no-image-only", dest="image_only", action="store_false")
    parser.add_argument("--no-brush", dest="brush", action="store_false")
    parser.add_argument("--no-qt", dest="qt", action="store_false", help="skip the real-canvas latency")
    parser.add_argument(
        "--tta", action="store_true", help="the model's flip-TTA map (as the viewer's option)"
    )
    parser.add_argument(
        "--truth-map",
        action="store_true",
        help="also run with the ground truth as the map: what the click tool makes of a perfect model",
    )
    args = parser.parse_args()
    from resources import default_model_path

    model = args.model or default_model_path()
    images = args.data / "train_v2" if (args.data / "train_v2").is_dir() else args.data
    csv = args.csv or args.data / "train_ship_segmentations_v2.csv"
    scenes = load_scenes(images, csv, args.limit_images)
    if not scenes:
        sys.exit(f"no images with ships in {images} (labels {csv})")
    ms_model = add_probabilities(scenes, model, args.tta)
    print(f"model {model.name}: {ms_model:.0f} ms per image (maps made once, as the viewer caches them)")
    guided = evaluate(f"synthetic/Kaggle-layout set {args.data}", scenes, args)

    real_csv = args.real / "labels.csv"
    if real_csv.is_file():
        real = load_scenes(args.real / "images", real_csv, None)
        add_probabilities(real, model, args.tta)
        evaluate(f"real Airbus ships {args.real}", real, args)
    else:
        print(f"\n(no real ships: {real_csv} not found)")

    if args.qt:
        print("\none click through the real canvas (offscreen window, bundled model, click tool):")
        print(f"  {'image':>10} {'median ms':>10} {'p99 ms':>8} {'target':>8}")
        for side, times in canvas_latency(scenes[0].rgb, model, (768, 4096), args.latency_clicks).items():
            p99 = float(np.percentile(times, 99))
            median = float(np.median(times))
            verdict = "OK" if median < TARGETS[side] and p99 < TARGETS[side] else "SLOW"
            target = f"<{TARGETS[side]:.0f} ms"
            print(f"  {side:>4}×{side:<5} {median:>10.1f} {p99:>8.1f} {target:>8} {verdict}")

    assert guided is not None
    met = guided.noc85 <= TARGETS["noc85"] and guided.noc90 <= TARGETS["noc90"]
    print(f"\ntargets NoC@85 ≤ 2, NoC@90 ≤ 3 (model-guided, synthetic): {'met' if met else 'NOT met'}")
    print(f"NoC@85 {guided.noc85:.2f} NoC@90 {guided.noc90:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
