"""--strategy mirrored on two logical CPU devices, and multiworker with two worker processes on 127.0.0.1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from training.config import read_tf_config
from training.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]
TINY = [
    "--epochs",
    "1",
    "--steps-per-epoch",
    "2",
    "--val-steps",
    "1",
    "--crop",
    "64",
    "--batch",
    "2",
    "--width",
    "0.125",
]


def test_tf_config_is_checked() -> None:
    config = {"cluster": {"worker": ["127.0.0.1:1", "127.0.0.1:2"]}, "task": {"type": "worker", "index": 1}}
    assert read_tf_config({"TF_CONFIG": json.dumps(config)}) == (2, 1)
    with pytest.raises(ConfigError, match="needs the TF_CONFIG"):
        read_tf_config({})
    with pytest.raises(ConfigError, match="not valid"):
        read_tf_config({"TF_CONFIG": "{"})
    config["task"]["index"] = 2
    with pytest.raises(ConfigError, match="index below 2"):
        read_tf_config({"TF_CONFIG": json.dumps(config)})


@pytest.mark.slow
def test_mirrored_on_two_cpu_devices(bright_data: Path, tmp_path: Path, cli) -> None:
    out = tmp_path / "mirrored"
    result = cli(
        "train",
        "--data",
        str(bright_data),
        "--out",
        str(out),
        "--strategy",
        "mirrored",
        "--cpu-devices",
        "2",
        *TINY,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    config = json.loads((out / "config.json").read_text())
    assert config["training"]["replicas"] == 2 and config["training"]["global_batch"] == 4
    assert (out / "best.keras").is_file() and (out / "last.keras").is_file()


@pytest.mark.slow
def test_multiworker_with_two_processes(bright_data: Path, tmp_path: Path, port) -> None:
    out = tmp_path / "multiworker"
    workers = [f"127.0.0.1:{port()}", f"127.0.0.1:{port()}"]
    processes = []
    for index in range(2):
        tf_config = {"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}}
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "TF_CONFIG": json.dumps(tf_config)}
        command = [
            sys.executable,
            "-m",
            "training.cli",
            "train",
            "--data",
            str(bright_data),
            "--out",
            str(out),
            "--strategy",
            "multiworker",
            *TINY,
        ]
        processes.append(
            subprocess.Popen(
                command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
            )
        )
    try:
        outputs = [p.communicate(timeout=180) for p in processes]
    finally:
        for p in processes:
            p.kill()
    for p, (_, stderr) in zip(processes, outputs, strict=True):
        assert p.returncode == 0, stderr[-3000:]
    assert "worker 0 of 2" in outputs[0][0] and "worker 1 of 2" in outputs[1][0]
    config = json.loads((out / "config.json").read_text())
    assert config["training"]["workers"] == 2 and config["training"]["replicas"] == 2
    assert (out / "best.keras").is_file() and len((out / "log.csv").read_text().splitlines()) == 2
    assert not list(out.parent.glob("shipviewer-worker*"))
