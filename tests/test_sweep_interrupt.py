"""Stopping a sweep: Ctrl-C says in one line what was kept, workers stay quiet; SLURM that cannot run
fails in one line within a stated time and leaves no half-made results folder (issue 15)."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from experiments import Experiment, run_sweep
from experiments.runner import ClusterError

ROOT = Path(__file__).resolve().parent.parent

SPEC = """name = "slow"
seed = 1
replicates = 400
[base]
steps = 200
stop_when_steady = false
[base.network]
kind = "barabasi_albert"
n = 2000
m = 2
[[base.behaviours]]
name = "a"
rule = "sis"
beta = 0.05
relapse = 0.05
[base.seeding]
strategy = "random"
count = 5
"""


def test_ctrl_c_prints_one_line_and_workers_stay_quiet(tmp_path):
    spec = tmp_path / "slow.toml"
    spec.write_text(SPEC)
    out = tmp_path / "out"
    exe = Path(sys.executable).parent / "wellspread"
    proc = subprocess.Popen([str(exe), "sweep", str(spec), "--out", str(out), "--workers", "2", "--batch-size", "1"],
                            cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            if (out / "runs").is_dir() and list((out / "runs").glob("*.parquet")):
                break
            time.sleep(0.05)
        assert proc.poll() is None, proc.stderr.read()[-2000:]
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does: the whole group gets it
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    last = err.strip().splitlines()[-1]
    assert last.startswith("interrupted: ") and last.endswith(" of 400 runs kept; --resume continues"), err
    kept = int(last.split()[1])
    assert kept >= 1


def _fake_slurm(folder: Path, sbatch: bool) -> dict:
    """A PATH where ``sbatch`` (when asked for) accepts jobs that never start, and ``scancel`` does nothing."""
    folder.mkdir()
    scripts = {"scancel": "#!/bin/sh\nexit 0\n", "squeue": "#!/bin/sh\nexit 0\n"}
    if sbatch:
        scripts["sbatch"] = "#!/bin/sh\necho 'Submitted batch job 4242'\n"
    for name, text in scripts.items():
        path = folder / name
        path.write_text(text)
        path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return {"PATH": f"{folder}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}/usr/bin:/bin"}


SLURM = {"queue": "q", "cores": 1, "memory": "1GB", "walltime": "00:10:00", "jobs": 1}


def test_slurm_without_sbatch_fails_at_once_and_writes_nothing(tmp_path, monkeypatch):
    for k, v in _fake_slurm(tmp_path / "bin", sbatch=False).items():
        monkeypatch.setenv(k, v)
    exp = Experiment.from_toml(_spec(tmp_path))
    started = time.monotonic()
    with pytest.raises(ClusterError, match="no `sbatch`"):
        run_sweep(exp, tmp_path / "res", slurm=dict(SLURM))
    assert time.monotonic() - started < 10 and not (tmp_path / "res").exists()


def test_slurm_jobs_that_never_start_time_out_without_a_folder(tmp_path, monkeypatch):
    pytest.importorskip("dask_jobqueue")
    for k, v in _fake_slurm(tmp_path / "bin", sbatch=True).items():
        monkeypatch.setenv(k, v)
    monkeypatch.setenv("WELLSPREAD_SLURM_START_TIMEOUT", "5")
    exp = Experiment.from_toml(_spec(tmp_path))
    started = time.monotonic()
    with pytest.raises(ClusterError, match="within 5 s"):
        run_sweep(exp, tmp_path / "res", slurm=dict(SLURM))
    assert time.monotonic() - started < 60 and not (tmp_path / "res").exists()


def _spec(tmp_path) -> Path:
    path = tmp_path / "s.toml"
    path.write_text(SPEC.replace("replicates = 400", "replicates = 2").replace("steps = 200", "steps = 5"))
    return path
