"""Sweep throughput on Dask against a plain loop: is the runner's overhead small?

2,000 runs of a 1,000-person scenario, run two ways:

* plain loop: one process, one numba thread, the network built once, ``simulate(scenario, graph=G)``
  per run (what a researcher writes by hand; nothing is stored);
* ``run_sweep(..., workers=2)``: a fresh ``LocalCluster`` with 2 single-threaded workers, the
  same runs with metrics, Parquet parts, manifest and a progress hook.

Acceptance (issue 4): sweep throughput on 2 workers >= 0.8 x 2 x the loop's throughput. Two ratios
are reported: ``ratio_total`` counts the whole wall time of ``run_sweep`` (cluster start, worker
imports of numba/Mesa, the first compile-cache loads, writing); ``ratio_steady`` counts from the first
finished task to the end (what a long sweep sees). ``cpu_efficiency`` = CPU seconds of the loop / CPU
seconds of every sweep process (driver with its in-process scheduler, and the workers) from the first
submit to the last result: on a machine shared with other jobs the wall-clock ratios measure the
other jobs as much as the sweep, while this one measures only the sweep's overhead (on 2 otherwise
idle cores the steady ratio approaches it). Two scenarios: ``short`` (independent cascade,
the contract's targeting example at n = 1,000: runs stop after a few rounds, a few ms each, the
worst case for overhead) and ``long`` (SIS for 100 rounds, no early stop, ~5x longer).

The in-process loop is warm (imports and numba's compile cache excluded), while ``ratio_total``
includes the sweep's whole start-up, so a third, cold comparison is made the way people run them:
``ratio_cold`` = wall time of two fresh ``python`` processes started together, each a plain loop over
half of the runs (reading the same experiment TOML, importing and loading everything itself: "a
plain loop on each core") / wall time of one fresh ``wellspread sweep EXP.toml --workers 2``
process. Both pay interpreter start, imports and compile-cache loads; the sweep also writes its
results. Every sweep here is the first of its process (the template process that local workers
are forked from is stopped before each in-process sweep).

``ratio_total_again`` repeats the in-process sweep once the template is running (a notebook's
second sweep): start-up is then the cluster's alone.

Per-run overheads, in CPU time (so other jobs on the machine do not count):
``worker_overhead_cpu_ms_per_run`` = (CPU of the workers - CPU of the warm loop) / runs: what a run
costs a worker beyond what it costs the loop (Dask's task handling, metrics, the table, the
network built once per worker); ``sweep_driver_cpu_ms_per_run`` = the driver process (client, the
in-process scheduler, nannies, writing Parquet). Start-up: ``startup_s`` = from calling
``run_sweep`` to the first tasks submitted (cluster up), ``first_result_s`` to the first finished
task. The 1-minute load average is reported before and after each scenario.

    python -m benchmarks.bench_sweep [--quick] [--no-cold]
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time

from .common import machine

RUNS = 2000
WORKERS = 2

SCENARIOS = {
    "short": {
        "steps": 100,
        "network": {"kind": "barabasi_albert", "n": 1000, "m": 3},
        "behaviours": [{"name": "activity", "rule": "independent_cascade", "p": 0.1}],
        "seeding": {"strategy": "random", "count": 10},
    },
    "long": {
        "steps": 100,
        "stop_when_steady": False,
        "network": {"kind": "barabasi_albert", "n": 1000, "m": 3},
        "behaviours": [{"name": "activity", "rule": "sis", "beta": 0.05, "relapse": 0.1}],
        "seeding": {"strategy": "random", "count": 10},
    },
}
VARY = {
    "short": {"seeding.strategy": ["random", "degree"], "behaviours.0.p": [0.05, 0.1, 0.15, 0.2]},
    "long": {"seeding.strategy": ["random", "degree"], "behaviours.0.beta": [0.03, 0.05, 0.07, 0.09]},
}


def _experiment(name: str, runs: int):
    from experiments.experiment import Experiment

    points = 8
    return Experiment.from_dict(
        {"seed": 1, "replicates": max(1, runs // points), "base": SCENARIOS[name], "vary": VARY[name]},
        source=f"bench_sweep:{name}",
        name=f"bench-{name}",
    )


def plain_loop(exp) -> tuple[float, float]:
    """(wall s, CPU s) for every run of ``exp`` in this process on one thread (network built once)."""
    import numba

    from experiments.experiment import network_seed
    from model import simulate

    numba.set_num_threads(1)
    plan = exp.plan()
    scenarios = {i: exp.scenario(i) for i in range(len(exp.points))}
    graph = scenarios[0].network.build(seed=network_seed(exp.seed))
    simulate(scenarios[0], graph=graph)  # warm: imports, compile cache
    start, cpu = time.perf_counter(), time.process_time()
    finals = []
    for run in plan:
        sc = scenarios[run.point].model_copy(update={"seed": run.seed})
        finals.append(simulate(sc, graph=graph).final)
    return time.perf_counter() - start, time.process_time() - cpu


def _worker_cpu() -> float:
    return time.process_time()


def _stop_worker_template() -> None:
    """Stop multiprocessing's forkserver (the template local workers fork from), so the next sweep
    starts it again like the first sweep of a process does."""
    import multiprocessing.forkserver as forkserver

    stop = getattr(getattr(forkserver, "_forkserver", None), "_stop", None)
    if stop is not None:
        stop()


COLD_LOOP = """
import sys, time
start = time.perf_counter()
import numba
from experiments.experiment import Experiment, network_seed
from model import simulate
numba.set_num_threads(1)
exp = Experiment.from_toml(sys.argv[1])
part, parts = int(sys.argv[2]), int(sys.argv[3])
plan = exp.plan()[part::parts]
scenarios = {i: exp.scenario(i) for i in range(len(exp.points))}
graph = scenarios[0].network.build(seed=network_seed(exp.seed))
finals = [simulate(scenarios[r.point].model_copy(update={"seed": r.seed}), graph=graph).final for r in plan]
print(time.perf_counter() - start, time.process_time())
"""


def _toml(exp, folder: str) -> str:
    import tomli_w

    path = os.path.join(folder, f"{exp.name}.toml")
    data = {"name": exp.name, "seed": exp.seed, "replicates": exp.replicates, "base": exp.base, "vary": exp.vary}
    with open(path, "wb") as fh:
        tomli_w.dump(data, fh)
    return path


def cold(exp, workers: int = WORKERS) -> dict:
    """Wall seconds of ``workers`` fresh plain-loop processes started together (each over its share of the
    runs) and of one fresh ``wellspread sweep`` process, both from the experiment's TOML."""
    import subprocess

    env = {**os.environ, "NUMBA_NUM_THREADS": "1"}
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with tempfile.TemporaryDirectory() as tmp:
        toml = _toml(exp, tmp)
        start = time.perf_counter()
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", COLD_LOOP, toml, str(i), str(workers)],
                cwd=root,
                env=env,
                stdout=subprocess.PIPE,
                text=True,
            )
            for i in range(workers)
        ]
        outs = [p.communicate()[0] for p in procs]
        loops_s = time.perf_counter() - start
        if any(p.returncode for p in procs):
            raise RuntimeError("a cold loop process failed")
        each = [float(o.split()[0]) for o in outs]
        cmd = [sys.executable, "-c", "from experiments.cli import app; app()"]  # what `wellspread` runs
        start = time.perf_counter()
        subprocess.run(
            [*cmd, "sweep", toml, "--out", os.path.join(tmp, "out"), "--workers", str(workers)],
            cwd=root,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        sweep_s = time.perf_counter() - start
    return {"loops_s": loops_s, "loop_each_s": each, "sweep_s": sweep_s}


def sweep(exp, workers: int = WORKERS, first_of_process: bool = True) -> dict:
    from experiments.runner import run_sweep

    first: dict = {}
    cpu: dict = {}
    if first_of_process:
        _stop_worker_template()

    def hook(p):
        # CPU of every process taking part (driver + in-process scheduler, and each worker), from
        # the first submit to the last result: what the sweep costs whatever else the machine runs
        if p.message == "running" and "start" not in cpu:
            from distributed import default_client

            first["running"] = time.perf_counter()

            cpu["client"] = client = default_client()
            cpu["start"] = (time.process_time(), client.run(_worker_cpu))
        if p.done and "t" not in first:
            first["t"] = time.perf_counter()
            first["done"] = p.done
        if p.done == p.total and p.message == "running" and "end" not in cpu:
            cpu["end"] = (time.process_time(), cpu["client"].run(_worker_cpu))

    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        res = run_sweep(exp, out=os.path.join(tmp, "out"), workers=workers, progress=hook)
        end = time.perf_counter()
    assert res.ok == exp.n_runs, res
    steady_runs = exp.n_runs - first.get("done", 0)
    steady_s = end - first.get("t", start)
    (d0, w0), (d1, w1) = cpu["start"], cpu["end"]
    workers_cpu = sum(w1[a] - w0[a] for a in w1 if a in w0)
    return {
        "startup_s": first["running"] - start,
        "first_result_s": first.get("t", end) - start,
        "total_s": end - start,
        "steady_s": steady_s,
        "steady_runs": steady_runs,
        "cpu_s": (d1 - d0) + workers_cpu,
        "driver_cpu_s": d1 - d0,
        "workers_cpu_s": workers_cpu,
    }


def run(quick: bool = False, cold_start: bool = True) -> dict:
    """Measure both scenarios; returns a dict of timings and ratios (also printed by ``main``)."""
    runs = 200 if quick else RUNS
    out: dict = {"runs": runs, "workers": WORKERS, "cores": os.cpu_count(), "scenarios": {}}
    out["load_before"] = round(os.getloadavg()[0], 2)
    for name in SCENARIOS:
        load_before = round(os.getloadavg()[0], 2)
        exp = _experiment(name, runs)
        # the loop runs before and after the sweep and the mean is used: on a shared machine the
        # load drifts, and this halves the bias it gives the ratio
        before, cpu_before = plain_loop(exp)
        s = sweep(exp)
        again = sweep(exp, first_of_process=False)
        after, cpu_after = plain_loop(exp)
        loop_s = (before + after) / 2
        loop_cpu = (cpu_before + cpu_after) / 2
        loop_tp = exp.n_runs / loop_s
        total_tp = exp.n_runs / s["total_s"]
        steady_tp = s["steady_runs"] / s["steady_s"] if s["steady_s"] > 0 else float("nan")
        out["scenarios"][name] = {
            "runs": exp.n_runs,
            "loop_s": round(loop_s, 3),
            "loop_s_before_after": [round(before, 3), round(after, 3)],
            "loop_ms_per_run": round(1e3 * loop_s / exp.n_runs, 3),
            "loop_runs_per_s": round(loop_tp, 1),
            "sweep_total_s": round(s["total_s"], 3),
            "sweep_runs_per_s": round(total_tp, 1),
            "sweep_steady_runs_per_s": round(steady_tp, 1),
            "ratio_total": round(total_tp / (WORKERS * loop_tp), 3),
            "ratio_steady": round(steady_tp / (WORKERS * loop_tp), 3),
            "loop_cpu_ms_per_run": round(1e3 * loop_cpu / exp.n_runs, 3),
            "sweep_cpu_ms_per_run": round(1e3 * s["cpu_s"] / exp.n_runs, 3),
            "sweep_driver_cpu_ms_per_run": round(1e3 * s["driver_cpu_s"] / exp.n_runs, 3),
            "worker_overhead_cpu_ms_per_run": round(1e3 * (s["workers_cpu_s"] - loop_cpu) / exp.n_runs, 3),
            "cpu_efficiency": round(loop_cpu / s["cpu_s"], 3),
            "startup_s": round(s["startup_s"], 3),
            "first_result_s": round(s["first_result_s"], 3),
            "again_total_s": round(again["total_s"], 3),
            "again_startup_s": round(again["startup_s"], 3),
            "ratio_total_again": round(exp.n_runs / again["total_s"] / (WORKERS * loop_tp), 3),
        }
        if cold_start:
            c = cold(exp)
            out["scenarios"][name].update(
                {
                    "cold_loops_s": round(c["loops_s"], 3),
                    "cold_loop_each_s": [round(x, 3) for x in c["loop_each_s"]],
                    "cold_sweep_s": round(c["sweep_s"], 3),
                    "ratio_cold": round(c["loops_s"] / c["sweep_s"], 3),
                }
            )
        out["scenarios"][name]["load"] = [load_before, round(os.getloadavg()[0], 2)]
    out["load_after"] = round(os.getloadavg()[0], 2)
    out["acceptance"] = "sweep on 2 workers >= 0.8 x 2 x plain-loop throughput"
    out["ratios"] = {
        "ratio_total": "in-process, warm loop vs whole run_sweep (cluster start included)",
        "ratio_steady": "in-process, warm loop vs run_sweep from its first finished task",
        "ratio_total_again": "in-process, warm loop vs a second whole run_sweep in the same process "
        "(the worker template already running, as for every sweep after the first in a notebook)",
        "ratio_cold": "fresh processes: 2 plain loops, each over half the runs, vs `wellspread sweep --workers 2`",
        "cpu_efficiency": "CPU of the warm loop / CPU of driver and workers while runs are in flight",
    }
    return out


def main() -> None:
    result = {"machine": machine(), "sweep": run(quick="--quick" in sys.argv, cold_start="--no-cold" not in sys.argv)}
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
