"""Sweeps on real Dask clusters: exactly-once with a killed worker, resume, worker-count invariance,
failures recorded, nothing written for a bad spec, load_results columns, DuckDB while writing.

Tiny scenarios (200 people, up to 30 rounds) so the file stays well under three minutes on two cores.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from experiments import Experiment, load_results, run_sweep
from experiments.store import query

ROOT = Path(__file__).resolve().parent.parent

SPEC = {
    "name": "tiny",
    "seed": 5,
    "replicates": 12,
    "base": {
        "steps": 30,
        "stop_when_steady": False,
        "network": {"kind": "barabasi_albert", "n": 200, "m": 2},
        "behaviours": [{"name": "activity", "rule": "sis", "beta": 0.1, "relapse": 0.05}],
        "seeding": {"strategy": "random", "count": 5},
    },
    "vary": {"seeding.strategy": ["random", "degree"], "behaviours.0.beta": [0.05, 0.1]},
    "metrics": {"thresholds": [0.25, 0.5], "keep_timeseries": True},
}
N_RUNS = 2 * 2 * 12


def experiment(**changes) -> Experiment:
    return Experiment.from_dict({**SPEC, **changes}, source="tiny.toml")


def comparable(df: pd.DataFrame) -> pd.DataFrame:
    """Everything but diagnostics (``_`` columns), sorted by run id, lists as tuples."""
    df = df[[c for c in df.columns if not c.startswith("_")]].sort_values("run_id").reset_index(drop=True)
    for c in df.columns:
        if c.startswith("series."):
            df[c] = df[c].map(lambda a: tuple(float(x) for x in a))
    return df


def assert_identical(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(comparable(a), comparable(b), check_exact=True)


@pytest.fixture(scope="module")
def cluster():
    """A running 2-worker cluster the tests reach by address (the --scheduler path)."""
    from distributed import Client, LocalCluster

    from experiments.runner import WORKER_ENV

    lc = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, env=WORKER_ENV)
    client = Client(lc)
    client.wait_for_workers(2)
    yield lc, client
    client.close()
    lc.close()


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The sweep on a 1-worker local cluster that run_sweep starts and stops itself."""
    out = tmp_path_factory.mktemp("ref") / "out"
    seen = []
    res = run_sweep(experiment(), out, workers=1, progress=seen.append)
    assert res.ok == N_RUNS and res.failed == 0 and res.complete
    assert seen[-1].done == N_RUNS and seen[-1].failed == 0
    assert all(a.done <= b.done for a, b in zip(seen, seen[1:], strict=False))
    return out, load_results(out)


def test_load_results_columns(reference):
    out, df = reference
    assert len(df) == N_RUNS and df["run_id"].is_unique
    for col in (
        "run_id",
        "point",
        "seeding.strategy",
        "behaviours.0.beta",
        "replicate",
        "seed",
        "status",
        "error",
        "steps",
        "final.activity",
        "time.activity.0.25",
        "time.activity.0.5",
        "series.activity",
    ):
        assert col in df.columns, col
    assert list(df.columns[:4]) == ["run_id", "point", "seeding.strategy", "behaviours.0.beta"]
    assert (df["status"] == "ok").all() and df["error"].isna().all()
    assert set(df["replicate"]) == set(range(12))
    assert df["seed"].dtype == "int64" and (df["steps"] == 30).all()
    assert df["final.activity"].between(0, 1).all()
    assert df["series.activity"].map(len).eq(31).all()
    exp = experiment()
    plan = {r.run_id: r for r in exp.plan()}
    for row in df.itertuples():
        assert plan[row.run_id].seed == row.seed
    # a run re-created from its row alone (params + seed, on the shared network) gives the same number
    from experiments.experiment import network_seed
    from model import simulate

    row = df.iloc[17]
    sc = exp.scenario(int(row["point"]), seed=int(row["seed"]))
    graph = sc.network.build(seed=network_seed(exp.seed))
    assert simulate(sc, graph=graph).final["activity"] == row["final.activity"]
    for name in ("sweep.json", "design.parquet", "manifest.json"):
        assert (out / name).exists()


def test_two_workers_identical_to_one(reference, cluster, tmp_path):
    lc, _ = cluster
    res = run_sweep(experiment(), tmp_path / "two", scheduler=lc.scheduler_address, batch_size=3)
    assert res.ok == N_RUNS
    df = load_results(tmp_path / "two")
    assert df["_worker"].nunique() == 2  # both workers ran some
    assert_identical(reference[1], df)


def test_killed_worker_every_run_exactly_once(reference, cluster, tmp_path):
    lc, client = cluster
    killed = {}

    def kill_a_busy_worker(p):
        if killed or p.done < 4:
            return
        busy = {w: ts for w, ts in client.processing().items() if ts}
        if not busy:
            return
        addr = max(busy, key=lambda w: len(busy[w]))
        pid = client.run(os.getpid, workers=[addr])[addr]
        os.kill(pid, signal.SIGKILL)
        killed.update(pid=pid, tasks=len(busy[addr]))

    res = run_sweep(
        experiment(), tmp_path / "k", scheduler=lc.scheduler_address, batch_size=2, progress=kill_a_busy_worker
    )
    assert killed, "the test did not manage to kill a busy worker"
    assert res.ok == N_RUNS and res.failed == 0
    all_rows = query(tmp_path / "k", "select run_id from all_rows")
    assert len(all_rows) == N_RUNS and all_rows["run_id"].is_unique  # written exactly once
    df = load_results(tmp_path / "k")
    assert_identical(reference[1], df)
    client.wait_for_workers(2, timeout=60)  # the nanny restarted it


class Stop(Exception):
    pass


def test_interrupted_then_resumed_equals_uninterrupted(reference, cluster, tmp_path):
    lc, _ = cluster
    out = tmp_path / "r"
    counts = []

    def stop_midway(p):
        counts.append(int(query(out, "select count(*) as n from runs")["n"].iloc[0]))  # DuckDB while writing
        if p.done >= 14:
            raise Stop

    with pytest.raises(Stop):
        run_sweep(
            experiment(), out, scheduler=lc.scheduler_address, batch_size=2, progress=stop_midway, flush_seconds=0
        )
    assert counts == sorted(counts) and counts[-1] > 0  # the count only grows while the sweep writes
    partial = load_results(out)
    assert 14 <= len(partial) < N_RUNS
    with pytest.raises(ValueError, match="--resume"):
        run_sweep(experiment(), out, scheduler=lc.scheduler_address)
    res = run_sweep(experiment(), out, scheduler=lc.scheduler_address, resume=True)
    assert res.skipped == len(partial) and res.ran == N_RUNS - len(partial)
    assert_identical(reference[1], load_results(out))
    # resuming a finished sweep does nothing and starts no cluster
    again = run_sweep(experiment(), out, resume=True)
    assert again.ran == 0 and again.skipped == N_RUNS
    # a different experiment may not write into this folder
    with pytest.raises(ValueError, match="different experiment"):
        run_sweep(experiment(seed=6), out, scheduler=lc.scheduler_address, resume=True)


def test_sigkilled_cli_sweep_resumes(reference, cluster, tmp_path):
    """A whole `wellspread sweep` process group SIGKILLed mid-way, then resumed: same table."""
    import tomli_w

    lc, _ = cluster
    spec = tmp_path / "tiny.toml"
    spec.write_text(tomli_w.dumps(SPEC))
    out = tmp_path / "cli"
    exe = Path(sys.executable).parent / "wellspread"
    proc = subprocess.Popen(
        [str(exe), "sweep", str(spec), "--out", str(out), "--workers", "2", "--batch-size", "1"],
        cwd=ROOT,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and proc.poll() is None:
            if list((out / "runs").glob("*.parquet")) if (out / "runs").is_dir() else []:
                break
            time.sleep(0.01)
        assert proc.poll() is None, f"the sweep ended before it could be killed: {proc.stderr.read().decode()[-500:]}"
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    partial = load_results(out)
    assert 0 < len(partial) < N_RUNS
    res = run_sweep(Experiment.from_toml(spec), out, scheduler=lc.scheduler_address, resume=True)
    assert res.skipped == len(partial)
    assert_identical(reference[1], load_results(out))
    assert not list(out.rglob("*.tmp"))


def test_failing_runs_recorded_and_rest_finish(cluster, tmp_path):
    """network.n = 2 cannot hold a Barabasi-Albert graph with m = 2: valid spec, fails at run time."""
    lc, _ = cluster
    exp = experiment(replicates=3, vary={"network.n": [200, 2], "seeding.strategy": ["random", "degree"]})
    res = run_sweep(exp, tmp_path / "f", scheduler=lc.scheduler_address, retries=1, batch_size=2)
    assert res.ok == 6 and res.failed == 6 and res.complete
    df = load_results(tmp_path / "f")
    bad = df[df["network.n"] == 2]
    good = df[df["network.n"] == 200]
    assert (bad["status"] == "failed").all() and bad["error"].str.contains("NetworkError").all()
    assert (bad["attempts"] == 2).all() and bad["final.activity"].isna().all()
    assert (good["status"] == "ok").all() and good["final.activity"].notna().all()
    failed = query(tmp_path / "f", "select count(*) as n from runs where status = 'failed'")
    assert int(failed["n"].iloc[0]) == 6
    assert len(load_results(tmp_path / "f", include_failed=False)) == 6


def test_malformed_spec_fails_before_anything_runs(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(
        'seed = 1\nreplicates = 2\n[base]\nsteps = 5\n[[base.behaviours]]\nname = "a"\nrule = "sis"\n'
        '[vary]\n"behaviours.0.beta" = [0.1, 7.0]\n'
    )
    out = tmp_path / "never"
    exe = Path(sys.executable).parent / "wellspread"
    proc = subprocess.run([str(exe), "sweep", str(bad), "--out", str(out)], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr
    assert str(bad) in lines[0] and 'vary."behaviours.0.beta" = 7.0' in lines[0]
    assert not out.exists()
    with pytest.raises(ValueError, match="behaviours.0.beta"):
        run_sweep(bad, tmp_path / "never2")
    assert not (tmp_path / "never2").exists()


def test_cli_query_and_report(reference, tmp_path):
    out, _ = reference
    exe = Path(sys.executable).parent / "wellspread"
    proc = subprocess.run(
        [
            str(exe),
            "query",
            str(out),
            'select "seeding.strategy" s, count(*) n from runs group by s order by s',
            "--csv",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["s,n", "degree,24", "random,24"]
    proc = subprocess.run(
        [str(exe), "report", str(out), "--out", str(tmp_path / "rep")], cwd=ROOT, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().endswith("report.html")
    assert '<img src="data:image/png;base64,' in (tmp_path / "rep" / "report.html").read_text()
