"""wellspread against its peers on the same graphs, seeds and rules, in one run.

What: on Barabasi-Albert (m=5) and Watts-Strogatz (k=10, p=0.1) graphs of 10,000, 100,000 and
1,000,000 people and on real data sets, with the same 1% random seed set everywhere, the time of one
full cascade for

* wellspread ``simulate`` (numba engine), end to end (model, seeding, CSR lookup, Result) as its
  replicates and sweeps call it: the scenario validated once, each run a copy with its own seed
  (and, as a second figure, a new dict validated every run: 0.1 ms more for 10,000 given seeds);
  and as the bare cascade (``BehaviourModel(...).run()``, construction excluded);
* wellspread's kernels without a model (``model.spread.SpreadEstimator``: many trials in one
  compiled loop, one thread), the path targeting and replicate studies take;
* wellspread's python (Mesa agent) engine, 10,000 people at most;
* a plain idiomatic Mesa 3.5 model (``benchmarks/plain_mesa.py``), 100,000 people at most;
* NDlib (ThresholdModel, IndependentCascadesModel, SISModel), cynetdiff (LinearThresholdModel,
  IndependentCascadeModel) and EoN (``basic_discrete_SIR`` = independent cascade,
  ``basic_discrete_SIS``), wherever they implement the same rule.

Rules (``CASES``): the fractional threshold with one fixed threshold (0.2: a small cascade on BA, a
global one on WS; 0.15: global on BA), deterministic, so every library's final count must equal
wellspread's exactly; the linear threshold model (U(0,1) thresholds drawn per run), the independent
cascade (p = 0.05) and discrete SIS (beta = 0.15, every adopter stops after one round, 100 rounds;
endemic on both graph kinds),
stochastic, so means over trials must agree (within 5% or three standard errors, whichever is
wider). ``matches_reference`` records the verdict.

How: every graph is built once (networkx up to 100,000 people, arrays at 1,000,000), saved, and each
(library, graph) pair runs in its own process (``python -m benchmarks.bench_peers --one LIB FILE``),
so its peak memory (``ru_maxrss``) is its own and a peer that hangs can be stopped. One cascade
longer than ``CAP_S`` stops that case; repeats stop once a case has used ``CASE_BUDGET_S``. Times
are medians of at least three runs after a warm-up (runs over 5 s get no warm-up; deterministic
cases repeat until 1 s is used, at most 25 runs), by
``time.perf_counter``; process CPU time is kept beside them because the 2-core machine is shared.

Peers are optional (``pip install -e .[bench]``): a missing one is skipped, never imported at the
top. ``run(quick=False) -> dict``; ``benchmarks/run.py`` writes the JSON.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .peers.compare import (
    CASCADE,
    CYNETDIFF_TARGETS,
    END_TO_END,
    KERNEL_TARGET,
    NOT_COMPARED,
    SLOW_PEER_TARGET,
    check_matches,
    check_targets,
    ratios,
)
from .peers.graphs import Graph, _parse_size, build_graph, graph_names, label, watts_strogatz_csr
from .peers.others import run_cynetdiff, run_eon, run_mesa, run_ndlib
from .peers.records import _json_default, _record
from .peers.report import print_tables
from .peers.settings import (
    CAP_S,
    CASE_BUDGET_S,
    CASES,
    DATASETS,
    DEFAULT_TRIALS,
    GRAPH_SEED,
    LIBRARIES,
    LIBRARY_CASES,
    MAX_N,
    MAX_REPEATS,
    PEER_MODULES,
    PROCESS_TIMEOUT_S,
    REPEAT_FOR_S,
    SEED,
    SEED_SHARE,
    SIS_WINDOW,
    SLOW_S,
    TRIALS,
)
from .peers.timing import CapExceeded, _peak_rss_mib, measure
from .peers.wellspread import kernel_memory, kernel_sweep_rates, run_wellspread

# the names other code reads from this module (the code itself lives in ``benchmarks/peers/``)
__all__ = [
    "CAP_S", "CASE_BUDGET_S", "CASES", "DATASETS", "DEFAULT_TRIALS", "GRAPH_SEED", "LIBRARIES", "LIBRARY_CASES", "MAX_N",
    "MAX_REPEATS", "PEER_MODULES", "PROCESS_TIMEOUT_S", "REPEAT_FOR_S", "SEED", "SEED_SHARE", "SIS_WINDOW", "SLOW_S", "TRIALS",
    "CapExceeded", "measure",
    "label", "graph_names", "watts_strogatz_csr", "build_graph", "Graph",
    "run_wellspread", "kernel_sweep_rates", "kernel_memory", "run_mesa", "run_cynetdiff", "run_ndlib", "run_eon",
    "RUNNERS", "available", "applies", "run_one",
    "check_matches", "END_TO_END", "CASCADE", "NOT_COMPARED", "ratios",
    "CYNETDIFF_TARGETS", "SLOW_PEER_TARGET", "KERNEL_TARGET", "check_targets",
    "run", "print_tables", "main",
]


# --------------------------------------------------------------------------- what each library runs


RUNNERS = {
    "wellspread": run_wellspread,
    "wellspread-python": lambda graph, out, cases=None, trials=None: run_wellspread(graph, out, cases, trials, python_engine=True),
    "mesa": run_mesa,
    "ndlib": run_ndlib,
    "cynetdiff": run_cynetdiff,
    "eon": run_eon,
}


def available(library: str) -> bool:
    """Is this library installed? (peers are optional benchmark extras)"""
    import importlib.util

    return all(importlib.util.find_spec(mod) is not None for mod in PEER_MODULES.get(library, ()))


def applies(library: str, n: int) -> str | None:
    """None when ``library`` runs on a graph of n people, else why not."""
    if not available(library):
        return f"not installed (pip install -e .[bench]: {', '.join(PEER_MODULES[library])})"
    if n > MAX_N.get(library, math.inf):
        return f"not run above {MAX_N[library]:,} people: one cascade would exceed the {CAP_S:.0f} s cap"
    return None


def run_one(library: str, path: Path, cases=None, trials: int | None = None) -> list[dict]:
    """One library on one saved graph, in this process; the rows it measured."""
    graph = Graph.load(Path(path))
    out: list[dict] = []
    load_start = os.getloadavg()[0]
    try:
        RUNNERS[library](graph, out, cases=cases, trials=trials)
    except Exception as exc:  # a peer failing is a result, not a crash of the suite
        _record(out, graph, library, "-", "error", error=f"{type(exc).__name__}: {exc}")
    _record(out, graph, library, "-", "peak memory", peak_rss_mib=_peak_rss_mib(), load_average=[load_start, os.getloadavg()[0]])
    return out


# --------------------------------------------------------------------------- the whole run


def _spawn(library: str, path: Path, timeout: float, trials: int | None, cases=None) -> list[dict]:
    cmd = [sys.executable, "-m", "benchmarks.bench_peers", "--one", library, str(path)]
    if trials:
        cmd += ["--trials", str(trials)]
    if cases:
        cmd += ["--cases", ",".join(cases)]
    env = dict(os.environ, _BENCH_PEERS_STREAM="1")
    root = Path(__file__).resolve().parent.parent
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, cwd=root)
        stdout, failed = proc.stdout, (proc.returncode != 0 and (proc.stderr.strip().splitlines() or ["failed"])[-1])
    except subprocess.TimeoutExpired as exc:
        raw = exc.stdout or b""
        stdout = raw.decode() if isinstance(raw, bytes) else raw
        failed = f"process stopped after {timeout:.0f} s"
    rows = [json.loads(line[2:]) for line in stdout.splitlines() if line.startswith("@@")]
    if failed:
        rows.append({"graph": Path(path).stem, "library": library, "case": "-", "variant": "error", "error": failed})
    return rows


def run(
    quick: bool = False,
    sizes=None,
    kinds=("ba", "ws"),
    datasets=None,
    libraries=LIBRARIES,
    isolate: bool = True,
    trials: int | None = None,
    cases=None,
    console=None,
) -> dict:
    """Measure every library on every graph; return the rows, ratios, targets and machine state.

    Args:
        quick: 10,000-person graphs only, no data sets.
        sizes, kinds, datasets: override the graphs (e.g. ``sizes=(2000,)`` for a smoke test).
        libraries: which to run (wellspread always runs first: it is the reference).
        isolate: one process per (library, graph), for peak memory and hard time limits; False runs
            everything here (memory then is not per library).
        trials: stochastic trials per library (default 50 for wellspread and cynetdiff, else 10).
        cases: restrict to these keys of ``CASES``.
    """
    from .common import machine

    if console is None:
        from rich.console import Console

        console = Console()
        if not console.is_terminal:
            console = Console(width=180)
    libraries = ["wellspread"] + [lib for lib in libraries if lib != "wellspread"]
    names = graph_names(quick, sizes, kinds, datasets)
    rows: list[dict] = []
    graphs: dict[str, dict] = {}
    loads = [os.getloadavg()]
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench_peers_") as folder:
        for name in names:
            try:
                built = build_graph(name)
            except Exception as exc:  # e.g. data sets absent
                graphs[name] = {"error": f"{type(exc).__name__}: {exc}"}
                console.print(f"[yellow]{name}: not built ({exc})")
                continue
            graph = Graph(name, built["indptr"], built["indices"], built["seeds"], Path(folder))
            path = Path(folder) / f"{name}.npz"
            graph.save(path)
            graphs[name] = {
                "n": graph.n, "ties": graph.entries // 2, "csr_entries": graph.entries, "seeds": len(graph.seeds),
                "built_with": built["how"], "build_s": built["build_s"],
            }
            for lib in libraries:
                why = applies(lib, graph.n)
                if why:
                    rows.append({"graph": name, "n": graph.n, "library": lib, "case": "-", "variant": "skipped", "skipped": why})
                    continue
                console.print(f"[dim]{name}: {lib} ...")
                if isolate:
                    got = _spawn(lib, path, PROCESS_TIMEOUT_S, trials, cases)
                else:
                    got = run_one(lib, path, cases=cases, trials=trials)
                    for r in got:
                        r.pop("peak_rss_mib", None)
                rows.extend(got)
            path.unlink()
            loads.append(os.getloadavg())
    check_matches(rows)
    ratio_rows = ratios(rows)
    kernel_rows = [r for r in rows if r["case"] == "kernel"]
    targets = check_targets(ratio_rows, kernel_rows)
    result = {
        "machine": machine(),
        "load_average": {"start": list(loads[0]), "end": list(os.getloadavg()), "per_graph": [list(x) for x in loads[1:]]},
        "wall_s": time.perf_counter() - started,
        "settings": {
            "cases": CASES, "seed_share": SEED_SHARE, "seed": SEED, "graph_seed": GRAPH_SEED, "cap_s": CAP_S,
            "case_budget_s": CASE_BUDGET_S, "isolated": isolate, "sis_window": SIS_WINDOW, "libraries": libraries,
        },
        "graphs": graphs,
        "kernel_memory": kernel_memory(min(100_000, max([g["n"] for g in graphs.values() if "n" in g] or [10_000]))),
        "rows": rows,
        "ratios": ratio_rows,
        "targets": targets,
    }
    print_tables(result, console)
    return result


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_peers", description=__doc__.splitlines()[0])
    parser.add_argument("--one", nargs=2, metavar=("LIBRARY", "GRAPH_FILE"), help="one library on one saved graph (internal)")
    parser.add_argument("--trials", type=int, default=None)
    parser.add_argument("--cases", default=None, help="comma-separated keys of CASES")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--sizes", default=None, help="comma-separated sizes, e.g. 10k,100k")
    parser.add_argument("--libraries", default=None, help="comma-separated libraries")
    parser.add_argument("--no-datasets", action="store_true")
    parser.add_argument("--out", default="benchmarks/results/peers.json")
    args = parser.parse_args(argv)
    if args.one:
        library, path = args.one
        cases = tuple(args.cases.split(",")) if args.cases else None
        for row in run_one(library, Path(path), cases=cases, trials=args.trials):
            if not os.environ.get("_BENCH_PEERS_STREAM"):
                print(json.dumps(row, default=_json_default))
        return
    sizes = tuple(_parse_size(s) for s in args.sizes.split(",")) if args.sizes else None
    libraries = tuple(args.libraries.split(",")) if args.libraries else LIBRARIES
    cases = tuple(args.cases.split(",")) if args.cases else None
    result = run(quick=args.quick, sizes=sizes, libraries=libraries, datasets=() if args.no_datasets else None, trials=args.trials, cases=cases)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, default=_json_default))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
