"""A labeller's day, end to end, in the real window under Xvfb (issue #11).

Opens two folders of real Airbus images (and their truth CSV) with the bundled model, paints a ship with
the brush, erases part of it, accepts, confirms an image empty, exports through the export dialog, moves
on, is killed with ``kill -9``, reopens — driving the window with real X mouse and key events (xdotool)
and saving a screenshot of the screen (ImageMagick ``import``) at each step. The checks are printed; the
exit status is 1 when one fails.

    python scripts/e2e_labeller_day.py [--out DIR] [--real ../shared/airbus-real]

Needs Xvfb, xdotool and ImageMagick. The real images are linked, never copied, into a temporary folder.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DISPLAY = ":97"
SCREEN = "1400x900x24"


class Run:
    def __init__(self, out: Path, work: Path) -> None:
        self.out = out
        self.work = work
        self.env = dict(
            os.environ,
            DISPLAY=DISPLAY,
            QT_QPA_PLATFORM="xcb",
            SHIPVIEWER_DATA_DIR=str(work / "data"),
            XDG_CACHE_HOME=str(work / "cache"),
            XDG_CONFIG_HOME=str(work / "config"),
            PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""),
        )
        self.state_file = work / "state.json"
        self.app: subprocess.Popen[bytes] | None = None
        self.failures: list[str] = []
        self.shots = 0

    # --- the app -----------------------------------------------------------------------------------
    def launch(self, paths: list[Path], model: Path) -> None:
        self.state_file.unlink(missing_ok=True)
        command = [
            sys.executable,
            str(REPO / "scripts" / "e2e_harness.py"),
            "--state",
            str(self.state_file),
            "--settings",
            str(self.work / "viewer.ini"),
            "--model",
            str(model),
            *map(str, paths),
        ]
        log = (self.work / "app.log").open("ab")
        self.app = subprocess.Popen(command, env=self.env, stdout=log, stderr=log)

    def state(self) -> dict:
        try:
            return json.loads(self.state_file.read_text())
        except (OSError, ValueError):
            return {}

    def wait(self, what: str, test: Callable[[dict], bool], timeout: float = 60.0) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.state()
            if state and test(state):
                return state
            time.sleep(0.2)
        self.check(False, f"timed out waiting for {what} (state: {json.dumps(self.state())[:600]})")
        return self.state()

    def check(self, ok: bool, text: str) -> None:
        print(("  ok    " if ok else "  FAIL  ") + text, flush=True)
        if not ok:
            self.failures.append(text)

    # --- X input -----------------------------------------------------------------------------------
    def xdo(self, *args: str) -> None:
        subprocess.run(["xdotool", *args], env=self.env, check=True)

    def screen_point(self, x: float, y: float) -> tuple[int, int]:
        ox, oy, sx, sy = self.state()["scene_to_screen"]
        return round(ox + (x + 0.5) * sx), round(oy + (y + 0.5) * sy)

    def hover_canvas(self) -> None:
        """Keys go to the window under the pointer (no window manager): keep it over the image."""
        x, y, w, h = self.state()["canvas"]
        self.xdo("mousemove", str(x + w // 2), str(y + h // 2))
        time.sleep(0.2)

    def click(self, rect: list[int]) -> None:
        x, y, w, h = rect
        self.xdo("mousemove", str(x + w // 2), str(y + h // 2))
        time.sleep(0.2)
        self.xdo("click", "1")
        time.sleep(0.5)

    def activate(self) -> None:
        """Without a window manager nothing gives the new window the keyboard: a click on the dark
        margin beside the image (the Select tool: it selects nothing) does, as a user's first click."""
        x, y, _, h = self.state()["canvas"]
        self.xdo("mousemove", str(x + 8), str(y + h - 8))
        time.sleep(0.2)
        self.xdo("click", "1")
        time.sleep(0.5)

    def key(self, *keys: str) -> None:
        for k in keys:
            self.xdo("key", k)
            time.sleep(0.35)

    def drag(self, points: list[tuple[float, float]]) -> None:
        """A left-button drag through image points (pixel coordinates of the image on screen)."""
        self.xdo("mousemove", *map(str, self.screen_point(*points[0])))
        time.sleep(0.1)
        self.xdo("mousedown", "1")
        for (x0, y0), (x1, y1) in itertools.pairwise(points):
            for step in range(1, 5):  # a hand moves through the points in small steps
                t = step / 4
                self.xdo("mousemove", *map(str, self.screen_point(x0 + (x1 - x0) * t, y0 + (y1 - y0) * t)))
                time.sleep(0.03)
        self.xdo("mouseup", "1")
        time.sleep(0.5)

    def shot(self, name: str) -> Path:
        self.shots += 1
        path = self.out / f"{self.shots:02d}-{name}.png"
        subprocess.run(["import", "-window", "root", str(path)], env=self.env, check=True)
        print(f"  shot  {path}", flush=True)
        return path


def prepare(work: Path, real: Path) -> tuple[Path, Path, Path]:
    """Folder A: the six labelled real images; folder B: six unlabelled ones; the truth CSV of A."""
    a, b = work / "harbour-A", work / "offshore-B"
    a.mkdir()
    b.mkdir()
    for image in sorted((real / "images").glob("*.jpg")):
        (a / image.name).symlink_to(image)
    for image in sorted((real / "unlabelled").glob("*.jpg"))[:6]:
        (b / image.name).symlink_to(image)
    truth = work / "labels.csv"
    shutil.copyfile(real / "labels.csv", truth)
    return a, b, truth


def day(run: Run, a: Path, b: Path, truth: Path, model: Path) -> None:
    print("1. open two folders and their truth: shipviewer A B labels.csv", flush=True)
    run.launch([a, b, truth], model)
    state = run.wait(
        "the first image predicted and editable",
        lambda s: s.get("predicted") and s.get("editable") and not s.get("busy") and not s.get("scanning"),
        120,
    )
    if not state:
        raise SystemExit(f"the window did not start: see {run.work / 'app.log'}")
    run.check(state.get("images") == 12, f"12 images listed from the two folders (got {state.get('images')})")
    run.check(
        "0 of 12 reviewed" in state.get("review", ""), f"review counter over both: {state.get('review')}"
    )
    run.check(
        "F2 " in state.get("review", ""), "the truth given on the command line scores the image at once"
    )
    run.check(not state.get("banner"), "no banner: editing is on")
    run.check("A</b> accept" in state.get("hint", ""), "the first-launch hint names the review keys")
    time.sleep(1.0)
    run.shot("opened-two-folders")
    run.click(state["hint_button"])  # "Got it"
    run.wait("the hint dismissed", lambda s: not s.get("hint"), 5)
    run.activate()

    print("2. paint a ship with the brush (B), in open sea", flush=True)
    run.hover_canvas()
    before = run.state()["n_ships"]
    run.key("b")
    run.key("bracketright", "bracketright", "bracketright")
    brush = run.state()["brush"]
    run.drag([(560.0, 640.0), (600.0, 650.0), (640.0, 660.0), (680.0, 670.0)])
    state = run.wait("the painted ship", lambda s: s.get("n_ships") == before + 1, 10)
    run.check(state.get("tool") == "brush", "B picked the brush")
    run.check("edited" in state.get("review", ""), f"the image is edited: {state.get('review')}")
    run.shot("painted")

    print("3. erase the middle of it (E)", flush=True)
    run.key("e")
    run.drag([(620.0, 630.0), (620.0, 660.0), (620.0, 690.0)])
    state = run.wait("the erased stroke", lambda s: s.get("tool") == "eraser", 5)
    run.check(
        state.get("n_ships", 0) >= before + 1,
        f"erasing split or trimmed the ship ({state.get('n_ships')} ships)",
    )
    run.shot("erased")

    print("4. accept (A): the next image comes", flush=True)
    first = state["image"]
    run.key("a")
    state = run.wait("the next image", lambda s: s.get("image") != first and s.get("editable"), 30)
    run.check("1 of 12 reviewed" in state.get("review", ""), f"accepted: {state.get('review')}")
    second = state["image"]
    run.hover_canvas()
    print("5. confirm it empty (N)", flush=True)
    run.key("n")
    state = run.wait("the image after", lambda s: s.get("image") != second and s.get("editable"), 30)
    run.check("2 of 12 reviewed" in state.get("review", ""), f"confirmed empty: {state.get('review')}")
    run.shot("reviewed")

    print("6. export (Ctrl+E): the dialog counts each kind before writing", flush=True)
    run.hover_canvas()
    run.key("ctrl+e")
    state = run.wait("the export dialog", lambda s: any("counts" in d for d in s.get("dialogs", [])), 10)
    dialog = next((d for d in state.get("dialogs", []) if "counts" in d), {})
    counts = dialog.get("counts", "")
    print("     counts: " + counts.replace("\n", "\n             "), flush=True)
    run.check(counts.startswith("Writes 2 image(s): 2 reviewed."), "only the two reviewed images are written")
    run.check("model-only" in counts, "the model-only images are counted and left out")
    export_path = Path(dialog.get("path", ""))
    run.check(
        export_path.name == f"{a.name}_annotations.csv", f"a name derived from the folder: {export_path}"
    )
    run.shot("export-dialog")
    run.click(dialog.get("export_button", [0, 0, 1, 1]))
    run.wait("the dialog closed", lambda s: not any("counts" in d for d in s.get("dialogs", [])), 10)
    run.check(export_path.is_file(), f"exported {export_path}")
    if export_path.is_file():
        rows = export_path.read_text().splitlines()
        run.check(
            len({r.split(",")[0] for r in rows[1:]}) == 2, f"two images in the file ({len(rows) - 1} rows)"
        )
        check = subprocess.run(
            [sys.executable, "-m", "shipviewer.cli", "validate", str(export_path), "--images", str(a)],
            env=run.env,
            capture_output=True,
            text=True,
        )
        run.check(
            check.returncode == 0, f"shipviewer validate --images: {check.stdout.strip().splitlines()[-1:]}"
        )

    print("7. on to an image of the other folder, paint there, then kill -9", flush=True)
    run.activate()  # the keyboard comes back to the main window after the dialog
    for _ in range(8):
        if run.state().get("folder") == str(b):
            break
        run.key("Right")
        time.sleep(0.5)
    state = run.wait("an image of B, editable", lambda s: s.get("folder") == str(b) and s.get("editable"), 60)
    run.key("b", "bracketleft")
    brush = run.state()["brush"]
    run.drag([(100.0, 100.0), (140.0, 110.0)])
    state = run.wait("the second painted ship", lambda s: "edited" in s.get("review", ""), 10)
    last_image = state["image"]
    run.shot("other-folder-painted")
    assert run.app is not None
    os.kill(run.app.pid, signal.SIGKILL)
    run.app.wait()
    run.check(True, f"killed with SIGKILL on {last_image} (brush {brush} px)")

    print("8. reopen: the same image, the same brush; the work of both folders is there", flush=True)
    run.launch([a, b, truth], model)
    state = run.wait(
        "the reopened window back on the last image",
        lambda s: s.get("image") == last_image and s.get("editable") and not s.get("busy"),
        120,
    )
    run.check(state.get("brush") == brush, f"brush {state.get('brush')} px as before")
    run.check(
        "3 of 12 reviewed" not in state.get("review", "") and "2 of 12 reviewed" in state.get("review", ""),
        f"progress kept: {state.get('review')}",
    )
    run.check("edited" in state.get("review", ""), "the stroke made just before the kill is there")
    run.check(not state.get("hint"), "the first-launch hint is not shown twice")
    time.sleep(1.0)
    run.activate()
    run.shot("reopened")
    overlay = state["overlay"]
    legend = run.out / "legend.png"
    x, y, w, h = overlay
    subprocess.run(
        ["import", "-window", "root", "-crop", f"{w}x{h}+{x}+{y}", "+repage", str(legend)],
        env=run.env,
        check=True,
    )
    print(f"  shot  {legend}", flush=True)
    run.hover_canvas()
    run.key("F1")
    run.wait("the help", lambda s: any(d["title"] == "ShipViewer Help" for d in s.get("dialogs", [])), 10)
    run.shot("help")
    os.kill(run.app.pid, signal.SIGTERM)
    run.app.wait(timeout=30)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None, help="screenshots go here (default: a temp folder)")
    parser.add_argument("--real", type=Path, default=REPO.parent / "shared" / "airbus-real")
    parser.add_argument(
        "--model", type=Path, default=REPO / "resources" / "models" / "shipviewer-segnet.onnx"
    )
    args = parser.parse_args(argv)
    for tool in ("Xvfb", "xdotool", "import"):
        if shutil.which(tool) is None:
            print(f"{tool} is needed (apt-get install xvfb xdotool imagemagick)", file=sys.stderr)
            return 2
    work = Path(tempfile.mkdtemp(prefix="shipviewer-e2e-"))
    out = args.out or work / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    xvfb = subprocess.Popen(["Xvfb", DISPLAY, "-screen", "0", SCREEN, "-nolisten", "tcp"])
    time.sleep(1.5)
    run = Run(out, work)
    try:
        a, b, truth = prepare(work, args.real)
        day(run, a, b, truth, args.model)
    finally:
        if run.app is not None and run.app.poll() is None:
            run.app.kill()
        xvfb.terminate()
        xvfb.wait()
    print(f"\nscreenshots: {out}\napp log: {work / 'app.log'}")
    print(f"{len(run.failures)} check(s) failed" if run.failures else "every check passed")
    return 1 if run.failures else 0


if __name__ == "__main__":
    sys.exit(main())
