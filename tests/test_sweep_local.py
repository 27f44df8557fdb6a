"""run_sweep's own local cluster: workers forked from a warmed-up template, restarted from it after a
crash, the same rows as running the batches in this process; the template's warm-up spec.

Same tiny experiment as test_sweeps.py (200 people, 30 rounds).
"""

from __future__ import annotations

import gc
import os
import pickle
import signal

from experiments import load_results, run_sweep
from experiments.store import Store, query

from .test_sweeps import N_RUNS, assert_identical, experiment


def _serial(exp, out):
    """The sweep's rows written by calling the worker function in this process (no Dask)."""
    from experiments.runner import run_batch

    store = Store(out)
    store.prepare(exp)
    plan = exp.plan()
    payload = exp.payload(retries=0)
    for i in range(0, len(plan), 7):
        store.write_part(run_batch(payload, [tuple(r) for r in plan[i : i + 7]]))
    store.unlock()
    return load_results(out)


def _worker_state():
    import experiments.runner as runner

    return {"frozen": gc.get_freeze_count(), "graphs": len(runner._GRAPHS), "pid": os.getpid()}


def test_local_workers_forked_warm_and_restarted_after_a_kill(tmp_path):
    from distributed import default_client

    exp = experiment()
    serial = _serial(exp, tmp_path / "serial")
    seen: dict = {}

    def hook(p):
        if p.message != "running":
            return
        client = default_client()
        if "state" not in seen:
            seen["state"] = client.run(_worker_state)
        if "killed" in seen or p.done < 4:
            return
        busy = {w: ts for w, ts in client.processing().items() if ts}
        if busy:
            addr = max(busy, key=lambda w: len(busy[w]))
            pid = client.run(os.getpid, workers=[addr])[addr]
            os.kill(pid, signal.SIGKILL)
            seen["killed"] = pid

    res = run_sweep(exp, tmp_path / "local", workers=2, batch_size=2, progress=hook)
    assert res.ok == N_RUNS and res.failed == 0
    # forked from the template: its imported objects are frozen for the GC. Its network is inherited
    # only when the template's warm-up ran, which is best effort (start_worker_template) and was missed
    # once in a full CI run where an earlier test had started the template: not asserted here.
    assert all(s["frozen"] > 10_000 for s in seen["state"].values()), seen["state"]
    assert "killed" in seen, "the test did not manage to kill a busy worker"
    all_rows = query(tmp_path / "local", "select run_id from all_rows")
    assert len(all_rows) == N_RUNS and all_rows["run_id"].is_unique  # written exactly once
    df = load_results(tmp_path / "local")
    assert_identical(serial, df)


def test_template_warm_spec_from_a_toml(tmp_path):
    import tomli_w

    from experiments.experiment import first_point_of_toml
    from experiments.runner import _warm_file

    (tmp_path / "town.toml").write_text(
        tomli_w.dumps({"seed": 3, "steps": 5, "network": {"kind": "file", "path": "edges.csv"}})
    )
    spec = tmp_path / "exp.toml"
    spec.write_text(
        tomli_w.dumps(
            {
                "seed": 11,
                "base": "town.toml",
                "vary": {"behaviours.0.p": [0.2, 0.3], "seeding.count": {"start": 4, "stop": 8, "step": 2}},
            }
        )
    )
    warm = first_point_of_toml(spec)
    assert warm["root_seed"] == 11 and warm["network_policy"] == "shared"
    assert warm["params"] == {"behaviours.0.p": 0.2, "seeding.count": 4}
    assert "seed" not in warm["base"] and warm["base"]["steps"] == 5
    assert warm["base"]["network"]["path"] == str((tmp_path / "edges.csv").resolve())
    path = _warm_file(spec)
    try:
        assert oct(os.stat(path).st_mode & 0o777) == "0o600"
        with open(path, "rb") as fh:
            assert pickle.load(fh) == {"toml": str(spec.resolve())}
    finally:
        os.unlink(path)


def test_task_wrapper_round_trips():
    from experiments.runner import _Batch, run_batch, run_task

    exp = experiment(replicates=1)
    payload = exp.payload(retries=0)
    runs = [tuple(r) for r in exp.plan()]
    batch = pickle.loads(pickle.dumps(_Batch(payload, runs)))
    a, b = run_task(batch), run_batch(payload, runs)
    assert a.drop_columns(["_wall_s"]).equals(b.drop_columns(["_wall_s"]))
