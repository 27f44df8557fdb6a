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
import contextlib
import json
import math
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

CAP_S = 60.0  # one cascade longer than this stops the case
CASE_BUDGET_S = 60.0  # repeats / trials of one case stop once it has used this long
REPEAT_FOR_S = 1.0  # a deterministic case repeats (up to MAX_REPEATS) until it has used this long
MAX_REPEATS = 25
SLOW_S = 5.0  # a first run longer than this is a timed run, not a warm-up
PROCESS_TIMEOUT_S = 900  # one (library, graph) process
SEED_SHARE = 0.01
SEED = 42  # the seed set
GRAPH_SEED = 1

CASES: dict[str, dict] = {
    "threshold 0.2": {"behaviour": {"rule": "threshold", "threshold": 0.2}, "kind": "exact"},
    "threshold 0.15": {"behaviour": {"rule": "threshold", "threshold": 0.15}, "kind": "exact"},
    "linear_threshold": {"behaviour": {"rule": "linear_threshold"}, "kind": "mean"},
    "independent_cascade 0.05": {"behaviour": {"rule": "independent_cascade", "p": 0.05}, "kind": "mean"},
    "sis 0.15": {"behaviour": {"rule": "sis", "beta": 0.15, "relapse": 1.0}, "kind": "mean", "steps": 100},
}
SIS_WINDOW = (51, 101)  # SIS metric: mean adopting share over rounds 51..100

LIBRARIES = ("wellspread", "wellspread-python", "mesa", "ndlib", "cynetdiff", "eon")
PEER_MODULES = {"ndlib": ("ndlib", "six"), "cynetdiff": ("cynetdiff",), "eon": ("EoN",)}
MAX_N = {"wellspread-python": 10_000, "mesa": 100_000, "ndlib": 100_000}  # beyond: one cascade exceeds the cap
LIBRARY_CASES = {
    "wellspread": tuple(CASES),
    "wellspread-python": ("threshold 0.2", "threshold 0.15", "linear_threshold", "independent_cascade 0.05"),
    "mesa": ("threshold 0.2", "threshold 0.15"),
    "ndlib": tuple(CASES),
    "cynetdiff": ("threshold 0.2", "threshold 0.15", "linear_threshold", "independent_cascade 0.05"),
    "eon": ("independent_cascade 0.05", "sis 0.15"),
}
TRIALS = {"wellspread": 50, "cynetdiff": 50, "wellspread-python": 3}  # stochastic trials; others: 10, within the budget
DEFAULT_TRIALS = 10
DATASETS = ("highschool_2013", "facebook_ego")


# --------------------------------------------------------------------------- timing


class CapExceeded(Exception):
    """One cascade ran past the cap."""


@contextlib.contextmanager
def _capped(seconds: float | None):
    """Raise ``CapExceeded`` in Python code running past ``seconds`` (main thread, POSIX only)."""
    if not seconds or not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def _alarm(signum, frame):
        raise CapExceeded

    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def measure(
    fn, *, trials: int | None = None, repeats: int = MAX_REPEATS, cap: float = CAP_S, budget: float = CASE_BUDGET_S, warmup: bool = True
) -> dict:
    """Time ``fn(seed)``.

    Deterministic cases (``trials is None``): a warm-up, then timed runs until three have run and
    ``REPEAT_FOR_S`` is used, at most ``repeats`` (the same rule for every library: sub-millisecond
    cases get enough runs for a stable median, three runs of one were too few). Stochastic
    cases: a warm-up (seed 0), then trials with seeds 1..trials. A warm-up over ``SLOW_S`` counts
    as the first timed run (seed 1); runs stop once ``budget`` is used (at least three, unless one
    run alone takes more than a third of the budget). Returns the median wall and CPU times, all
    times, the values ``fn`` returned for the timed runs, and whether the cap stopped it.
    """
    seeds = [1] * repeats if trials is None else list(range(1, trials + 1))
    times: list[float] = []
    cpu: list[float] = []
    values: list = []
    used_seeds: list[int] = []
    capped = False
    started = time.perf_counter()

    def once(seed):
        w, c = time.perf_counter(), time.process_time()
        with _capped(cap):
            value = fn(seed)
        return value, time.perf_counter() - w, time.process_time() - c

    try:
        if warmup:
            first = 0 if trials is not None else 1
            value, wall, c = once(first)
            if wall > SLOW_S:  # too slow to waste on a warm-up: it is the first run
                times, cpu, values, used_seeds = [wall], [c], [value], [first]
                seeds = seeds[1:]
        for seed in seeds:
            used = time.perf_counter() - started
            enough = len(times) >= 3 or (times and times[-1] > budget / 3)
            if times and enough and used + times[-1] > budget:
                break
            if trials is None and len(times) >= 3 and used >= REPEAT_FOR_S:
                break
            value, wall, c = once(seed)
            times.append(wall)
            cpu.append(c)
            values.append(value)
            used_seeds.append(seed)
    except CapExceeded:
        capped = True
    return {
        "time_s": statistics.median(times) if times else None,
        "cpu_s": statistics.median(cpu) if cpu else None,
        "times": times,
        "repeats": len(times),
        "values": values,
        "seeds": used_seeds,
        "capped": capped,
    }


# --------------------------------------------------------------------------- graphs


def label(n: int) -> str:
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}m"
    if n >= 1000 and n % 1000 == 0:
        return f"{n // 1000}k"
    return str(n)


def graph_names(quick: bool = False, sizes=None, kinds=("ba", "ws"), datasets=None) -> list[str]:
    """Graph names in run order: ``ba10k``, ``ws10k``, ..., then data sets by name."""
    sizes = sizes or ((10_000,) if quick else (10_000, 100_000, 1_000_000))
    datasets = datasets if datasets is not None else (() if quick else DATASETS)
    return [f"{kind}{label(n)}" for n in sizes for kind in kinds] + list(datasets)


def _parse_size(text: str) -> int:
    if text.endswith("m"):
        return int(text[:-1]) * 1_000_000
    if text.endswith("k"):
        return int(text[:-1]) * 1000
    return int(text)


try:
    from numba import njit
except ImportError:  # pragma: no cover - numba is a runtime dependency
    njit = None


def _ws_edges_py(n, k, p, seed):
    """Watts-Strogatz as networkx draws it: the ring lattice (each node to its k/2 next), then each
    lattice edge (u, u+j) rewired with probability p to (u, w), w uniform and not u. A rewired edge
    that duplicates another is dropped below (networkx redraws it; at 10^6 nodes that is a handful)."""
    np.random.seed(seed)
    half = k // 2
    src = np.empty(n * half, dtype=np.int64)
    dst = np.empty(n * half, dtype=np.int64)
    e = 0
    for j in range(1, half + 1):
        for u in range(n):
            v = (u + j) % n
            if np.random.random() < p:
                w = np.random.randint(0, n)
                while w == u:
                    w = np.random.randint(0, n)
                v = w
            src[e] = u
            dst[e] = v
            e += 1
    return src, dst


_ws_edges = njit(cache=True)(_ws_edges_py) if njit is not None else _ws_edges_py


def watts_strogatz_csr(n: int, k: int = 10, p: float = 0.1, seed: int = GRAPH_SEED):
    """A Watts-Strogatz graph straight into CSR arrays (for 10^6 people, where networkx is slow)."""
    src, dst = _ws_edges(n, k, p, seed)
    lo, hi = np.minimum(src, dst), np.maximum(src, dst)
    key = np.unique(lo * n + hi)
    lo, hi = key // n, key % n
    return _csr_from_pairs(n, lo, hi)


def _csr_from_pairs(n: int, lo: np.ndarray, hi: np.ndarray):
    a = np.concatenate([lo, hi])
    b = np.concatenate([hi, lo])
    order = np.argsort(a, kind="stable")
    indices = b[order].astype(np.uint32)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(a, minlength=n), out=indptr[1:])
    return indptr, indices


def build_graph(name: str) -> dict:
    """CSR arrays of a named graph, how it was built and how long that took."""
    import networkx as nx

    import networks

    start = time.perf_counter()
    if name[:2] in ("ba", "ws") and name[2:3].isdigit():
        kind, n = name[:2], _parse_size(name[2:])
        if n <= 100_000:
            G = nx.barabasi_albert_graph(n, 5, seed=GRAPH_SEED) if kind == "ba" else nx.watts_strogatz_graph(n, 10, 0.1, seed=GRAPH_SEED)
            csr = networks.to_csr(G)
            indptr, indices, how = csr.indptr, csr.indices, f"networkx {'barabasi_albert_graph(m=5)' if kind == 'ba' else 'watts_strogatz_graph(k=10, p=0.1)'}"
        elif kind == "ba":
            from networks.arrays import barabasi_albert_csr

            csr = barabasi_albert_csr(n, seed=GRAPH_SEED, m=5)
            indptr, indices, how = csr.indptr, csr.indices, "networks.arrays.barabasi_albert_csr(m=5)"
        else:
            indptr, indices = watts_strogatz_csr(n, 10, 0.1, seed=GRAPH_SEED)
            how = "arrays, Watts-Strogatz k=10 p=0.1 (benchmarks.bench_peers.watts_strogatz_csr)"
    else:
        G = networks.dataset(name)
        csr = networks.to_csr(nx.Graph(G))  # ties only: weights, directions and multi-edges dropped
        indptr, indices, how = csr.indptr, csr.indices, f"networks.dataset({name!r}), unweighted"
    built = time.perf_counter() - start
    n = len(indptr) - 1
    seeds = np.sort(np.random.default_rng(SEED).choice(n, size=max(1, round(SEED_SHARE * n)), replace=False))
    return {"name": name, "n": n, "indptr": indptr, "indices": indices, "seeds": seeds, "how": how, "build_s": built}


@dataclass
class Graph:
    """A benchmark graph as every library reads it: positions 0..n-1, the CSR arrays, the seeds."""

    name: str
    indptr: np.ndarray
    indices: np.ndarray
    seeds: np.ndarray
    folder: Path

    @property
    def n(self) -> int:
        return len(self.indptr) - 1

    @property
    def entries(self) -> int:
        return len(self.indices)

    @cached_property
    def seed_list(self) -> list[int]:
        return [int(s) for s in self.seeds]

    @cached_property
    def csr(self):
        import networks

        return networks.CSR(indptr=self.indptr, indices=self.indices, nodes=range(self.n))

    @cached_property
    def nx(self):
        """networkx form (nodes 0..n-1 in order, the same ties)."""
        import networkx as nx

        G = nx.Graph()
        G.add_nodes_from(range(self.n))
        src = np.repeat(np.arange(self.n), np.diff(self.indptr))
        keep = src < self.indices
        G.add_edges_from(zip(src[keep].tolist(), self.indices[keep].tolist(), strict=True))
        return G

    @classmethod
    def load(cls, path: Path) -> Graph:
        with np.load(path) as z:
            return cls(str(z["name"]), z["indptr"], z["indices"], z["seeds"], path.parent)

    def save(self, path: Path) -> None:
        np.savez(path, name=self.name, indptr=self.indptr, indices=self.indices, seeds=self.seeds)


# --------------------------------------------------------------------------- what each library runs


def _record(out: list, graph: Graph, library: str, case: str, variant: str, m: dict | None = None, **extra) -> dict:
    row = {"graph": graph.name, "n": graph.n, "library": library, "case": case, "variant": variant}
    if m is not None:
        row.update(m)
    row.update(extra)
    out.append(row)
    if os.environ.get("_BENCH_PEERS_STREAM"):
        print("@@" + json.dumps(row, default=_json_default), flush=True)
    return row


def _json_default(x):
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.floating):
        return float(x)
    if isinstance(x, np.ndarray):
        return x.tolist()
    raise TypeError(type(x))


def _scenario(case: str, graph: Graph, seed: int, engine: str = "numba") -> dict:
    spec = CASES[case]
    return {
        "seed": seed,
        "steps": spec.get("steps", 1_000_000),
        "engine": engine,
        "behaviours": [{"name": "b", **spec["behaviour"]}],
        "seeding": {"strategy": "given", "nodes": graph.seed_list},
    }


def _sis_metric(shares) -> float:
    """Mean adopting share over rounds 51..100 (rounds after an early extinction count as 0)."""
    lo, hi = SIS_WINDOW
    shares = np.asarray(shares, dtype=float)
    padded = np.zeros(hi)
    padded[: min(len(shares), hi)] = shares[:hi]
    return float(padded[lo:hi].mean())


def _ws_value(case: str, history: np.ndarray, n: int):
    if case.startswith("sis"):
        return _sis_metric(history)
    return int(round(history[-1] * n))


def run_wellspread(graph: Graph, out: list, cases=None, trials: int | None = None, python_engine: bool = False) -> None:
    """wellspread: ``simulate`` on arrays and on networkx, and the bare cascade; kernel rates."""
    from model import BehaviourModel, Scenario, simulate

    library = "wellspread-python" if python_engine else "wellspread"
    engine = "python" if python_engine else "numba"
    cases = _cases(library, cases)
    trials = trials or TRIALS.get(library, DEFAULT_TRIALS)
    n = graph.n
    warm = not python_engine  # the python engine compiles nothing; its runs take seconds

    def via_simulate(case, g, validate_each_run: bool = False):
        """``simulate`` as wellspread's replicates and sweeps call it (``experiments.replicates``,
        ``experiments.runner``): the scenario validated once, each run a copy with its own seed.
        ``validate_each_run``: a new dict validated every run (kept as a second figure)."""
        validated = Scenario.model_validate(_scenario(case, graph, 1, engine))

        def fn(seed):
            seed = seed if CASES[case]["kind"] == "mean" else 1
            if validate_each_run:
                r = simulate(_scenario(case, graph, seed, engine), graph=g)
            else:
                r = simulate(validated.model_copy(update={"seed": seed}), graph=g)
            return _ws_value(case, r.history[:, 0, 0], n)

        return fn

    def bare(case, g):
        def fn(seed):
            seed = seed if CASES[case]["kind"] == "mean" else 1
            m = BehaviourModel(_scenario(case, graph, seed, engine), graph=g, agents=python_engine)
            start = time.perf_counter()
            m.run()
            elapsed = time.perf_counter() - start
            return _ws_value(case, np.stack(m.history)[:, 0, 0], n), elapsed

        return fn

    def measure_bare(case, g, k):
        fn = bare(case, g)
        rows = measure(fn, trials=k, warmup=warm)
        values = [v for v, _ in rows["values"]]
        inner = [e for _, e in rows["values"]]
        rows.update(values=values, time_s=statistics.median(inner) if inner else None, times=inner, cpu_s=None)
        return rows

    if not python_engine:
        g = graph.csr
        baseline = _peak_rss_mib()
        simulate(_scenario(cases[0], graph, 1), graph=g)
        _record(out, graph, library, "-", "peak memory, imports + graph", peak_rss_mib=baseline)
        _record(out, graph, library, "-", f"peak memory, one cascade ({cases[0]})", peak_rss_mib=_peak_rss_mib())
        for case in cases:
            k = trials if CASES[case]["kind"] == "mean" else None
            _record(out, graph, library, case, "simulate(arrays)", measure(via_simulate(case, g), trials=k), reference=True)
            _record(
                out, graph, library, case, "simulate(arrays), dict validated each run",
                measure(via_simulate(case, g, validate_each_run=True), trials=k), reference=False,
            )
            _record(out, graph, library, case, "run only", measure_bare(case, g, min(k, 5) if k else None))
        for case in cases:
            _batched(graph, out, case, trials)
        if "linear_threshold" in cases:
            _linear_threshold_draw(graph, out)
        _kernel_rates(graph, out)
        _record(out, graph, library, "-", "peak memory, all cases on arrays", peak_rss_mib=_peak_rss_mib())
    if graph.n <= 100_000 or python_engine:
        G = graph.nx
        for case in cases:
            k = trials if CASES[case]["kind"] == "mean" else None
            if python_engine:
                _record(out, graph, library, case, "run only", measure_bare(case, G, k), reference=False)
            _record(out, graph, library, case, "simulate(networkx)", measure(via_simulate(case, G), trials=k, warmup=warm))


def _batched(graph: Graph, out: list, case: str, trials: int, threads: int = 1) -> None:
    """The kernel path without a model: ``model.spread.SpreadEstimator`` runs the rule's own kernels
    over many trials in one compiled loop (what targeting and replicate studies use). One thread, so
    it faces the single-threaded peers like for like; time per trial (thresholds for linear_threshold
    are drawn when the estimator is built, outside the timing)."""
    import numba

    from model.spread import SpreadEstimator

    spec = CASES[case]["behaviour"]
    if spec["rule"] not in ("threshold", "linear_threshold", "independent_cascade"):
        return
    k = 1 if CASES[case]["kind"] == "exact" else trials
    if spec["rule"] == "linear_threshold":
        k = max(1, min(k, 25_000_000 // graph.n))  # the compiled path keeps trials x n thresholds
    before = numba.get_num_threads()
    numba.set_num_threads(threads)
    try:
        est = SpreadEstimator(graph.csr, spec, trials=k, steps=1_000_000, seed=1)
        counts = est.trial_counts(graph.seeds)  # compiles or loads, warms the pages
        m = measure(lambda seed: None if est.trial_counts(graph.seeds) is None else k)
    finally:
        numba.set_num_threads(before)
    per = {key: (m[key] / k if m[key] is not None else None) for key in ("time_s", "cpu_s")}
    m.update(per, times=[t / k for t in m["times"]], values=[int(c) for c in counts], seeds=[], trials=k, threads=threads)
    _record(out, graph, "wellspread", case, f"batched trials ({threads} thread)", m, mode=est.mode)


def _linear_threshold_draw(graph: Graph, out: list) -> None:
    """Thresholds wellspread drew for linear_threshold with seed 1, and the count they give, so
    cynetdiff can run the same draw (``_assign_thresholds``) and must match exactly."""
    from model import BehaviourModel

    m = BehaviourModel(_scenario("linear_threshold", graph, 1), graph=graph.csr, agents=False)
    np.save(graph.folder / f"{graph.name}.lt_theta.npy", m.population.theta[0].astype(np.float32))
    m.run()
    _record(out, graph, "wellspread", "linear_threshold", "seed 1", values=[int(m.population.adopted[0].sum())], repeats=1)


def _kernel_rates(graph: Graph, out: list) -> None:
    """Edge visits per second of one synchronous full sweep (``threshold.sweep``) from the seeded
    state, threshold 0.2: CSR entries / time, serial (1 thread) and parallel (2 threads)."""
    import numba

    rates = kernel_sweep_rates(graph.indptr, graph.indices, graph.seeds)
    _record(out, graph, "wellspread", "kernel", "threshold.sweep", **rates, threads_available=numba.config.NUMBA_NUM_THREADS)


def kernel_sweep_rates(indptr, indices, seeds, repeats: int = 21, threads=(1, 2)) -> dict:
    """Median time of ``threshold.sweep`` (serial form, and parallel form on each thread count)."""
    import numba

    from model.rules import threshold

    n = len(indptr) - 1
    adopted = np.zeros(n, dtype=np.uint8)
    adopted[seeds] = 1
    theta = np.full(n, 0.2)
    out = np.zeros(n, dtype=np.uint8)
    entries = len(indices)
    result = {"edge_visits": entries}
    forms = [("serial", threshold.sweep.serial, 1)] + [
        (f"parallel_{k}t", threshold.sweep.parallel, k) for k in threads if k <= numba.config.NUMBA_NUM_THREADS
    ]
    before = numba.get_num_threads()
    try:
        for name, fn, k in forms:
            numba.set_num_threads(k)
            fn(indptr, indices, adopted, theta, out)
            wall, cpu = [], []
            for _ in range(repeats):
                w, c = time.perf_counter(), time.process_time()
                fn(indptr, indices, adopted, theta, out)
                wall.append(time.perf_counter() - w)
                cpu.append(time.process_time() - c)
            med, best, cpu_med = statistics.median(wall), min(wall), statistics.median(cpu)
            result[name] = {
                "threads": k,
                "time_s": med,
                "best_s": best,
                "cpu_s": cpu_med,
                "edge_visits_per_s": entries / med,
                "best_edge_visits_per_s": entries / best,
                "per_cpu_second": entries / cpu_med if cpu_med > 0 else None,
            }
    finally:
        numba.set_num_threads(before)
    return result


def run_mesa(graph: Graph, out: list, cases=None, **_) -> None:
    from .plain_mesa import ThresholdModel

    G = graph.nx
    for case in _cases("mesa", cases):
        theta = CASES[case]["behaviour"]["threshold"]

        def end_to_end(seed, theta=theta):
            start = time.perf_counter()
            m = ThresholdModel(G, theta, graph.seed_list, rng=1)
            built = time.perf_counter() - start
            start = time.perf_counter()
            count = m.run()
            return count, built, time.perf_counter() - start

        rows = measure(end_to_end)
        built = [b for _, b, _ in rows["values"]]
        ran = [r for _, _, r in rows["values"]]
        values = [v for v, _, _ in rows["values"]]
        _record(out, graph, "mesa", case, "build + run", dict(rows, values=values), build_s=statistics.median(built) if built else None)
        _record(
            out, graph, "mesa", case, "run only",
            {"time_s": statistics.median(ran) if ran else None, "times": ran, "repeats": len(ran), "values": values, "capped": rows["capped"]},
        )


def run_cynetdiff(graph: Graph, out: list, cases=None, trials: int | None = None) -> None:
    from cynetdiff.models import IndependentCascadeModel, LinearThresholdModel

    trials = trials or TRIALS["cynetdiff"]
    starts = np.ascontiguousarray(graph.indptr[:-1], dtype=np.uint32)
    edges = np.ascontiguousarray(graph.indices, dtype=np.uint32)
    cases = _cases("cynetdiff", cases)
    lt = None
    if any(c.startswith("threshold") or c == "linear_threshold" for c in cases):
        start = time.perf_counter()
        lt = LinearThresholdModel(starts, edges, rng=SEED)  # influence 1/degree: the fractional threshold
        lt.set_seeds(graph.seed_list)
        setup = time.perf_counter() - start
    for case in cases:
        spec = CASES[case]["behaviour"]
        if spec["rule"] == "threshold":
            theta = np.full(graph.n, spec["threshold"], dtype=np.float32)

            def fixed(seed, theta=theta):
                lt.reset_model()  # clears thresholds: fixed ones go back in each cascade
                lt._assign_thresholds(theta)
                lt.advance_until_completion()
                return lt.get_num_activated_nodes()

            m = measure(fixed)
            start = time.perf_counter()
            lt._assign_thresholds(theta)
            assign = time.perf_counter() - start
            _record(out, graph, "cynetdiff", case, "LT, fixed thresholds (_assign_thresholds)", m, setup_s=setup, assign_s=assign)
        elif spec["rule"] == "linear_threshold":

            def native(seed):
                lt.reset_model()  # thresholds drawn lazily, U(0,1), inside cynetdiff
                lt.advance_until_completion()
                return lt.get_num_activated_nodes()

            _record(out, graph, "cynetdiff", case, "LT, lazy U(0,1) thresholds", measure(native, trials=trials), setup_s=setup)
            path = graph.folder / f"{graph.name}.lt_theta.npy"
            if path.exists():
                theta = np.load(path)

                def same(seed, theta=theta):
                    lt.reset_model()
                    lt._assign_thresholds(theta)
                    lt.advance_until_completion()
                    return lt.get_num_activated_nodes()

                _record(out, graph, "cynetdiff", case, "LT, wellspread's seed-1 thresholds", measure(same))
        elif spec["rule"] == "independent_cascade":
            start = time.perf_counter()
            ic = IndependentCascadeModel(starts, edges, activation_prob=spec["p"], rng=SEED)
            ic.set_seeds(graph.seed_list)
            setup = time.perf_counter() - start

            def cascade(seed, ic=ic):
                ic.reset_model()
                ic.advance_until_completion()
                return ic.get_num_activated_nodes()

            _record(out, graph, "cynetdiff", case, "IndependentCascadeModel", measure(cascade, trials=trials), setup_s=setup)


def run_ndlib(graph: Graph, out: list, cases=None, trials: int | None = None) -> None:
    import ndlib.models.epidemics as ep
    from ndlib.models import ModelConfig as mc

    trials = trials or DEFAULT_TRIALS
    G = graph.nx
    seeds = graph.seed_list
    n = graph.n

    def progressive(model, infected_done: bool) -> int:
        """Iterate to a fixed point; the final count of adopters (infected, plus removed for IC)."""
        model.reset(infected_nodes=seeds)
        model.iteration(node_status=False)  # iteration 0: the initial state
        while True:
            r = model.iteration(node_status=False)
            counts = r["node_count"]
            if infected_done:
                if counts.get(1, 0) == 0:
                    return counts.get(1, 0) + counts.get(2, 0)
            elif r["status_delta"].get(1, 0) == 0:
                return counts.get(1, 0)

    for case in _cases("ndlib", cases):
        spec = CASES[case]["behaviour"]
        start = time.perf_counter()
        cfg = mc.Configuration()
        cfg.add_model_initial_configuration("Infected", seeds)
        if spec["rule"] in ("threshold", "linear_threshold"):
            model = ep.ThresholdModel(G, seed=SEED)
            theta = spec.get("threshold", 0.5)
            cfg.add_node_set_configuration("threshold", {v: theta for v in range(n)})
        elif spec["rule"] == "independent_cascade":
            model = ep.IndependentCascadesModel(G, seed=SEED)
            cfg.add_edge_set_configuration("threshold", {e: spec["p"] for e in G.edges})
        else:
            model = ep.SISModel(G, seed=SEED)
            cfg.add_model_parameter("beta", spec["beta"])
            cfg.add_model_parameter("lambda", spec["relapse"])
            cfg.add_model_parameter("tp_rate", 1)  # 1-(1-beta)^A, as wellspread and EoN
        model.set_initial_status(cfg)
        setup = time.perf_counter() - start
        if spec["rule"] == "threshold":
            m = measure(lambda seed, model=model: progressive(model, False))
            variant = "ThresholdModel"
        elif spec["rule"] == "linear_threshold":

            def fn(seed, model=model):
                np.random.seed(seed)
                draw = np.random.default_rng(seed).uniform(0.0, 1.0, n)
                model.params["nodes"]["threshold"] = dict(enumerate(draw.tolist()))
                return progressive(model, False)

            m = measure(fn, trials=trials)
            variant = "ThresholdModel, U(0,1) thresholds"
        elif spec["rule"] == "independent_cascade":

            def fn(seed, model=model):
                np.random.seed(seed)
                return progressive(model, True)

            m = measure(fn, trials=trials)
            variant = "IndependentCascadesModel"
        else:

            def fn(seed, model=model):
                np.random.seed(seed)
                model.reset(infected_nodes=seeds)
                shares = [len(seeds) / n]
                model.iteration(node_status=False)
                for _ in range(SIS_WINDOW[1] - 1):
                    shares.append(model.iteration(node_status=False)["node_count"].get(1, 0) / n)
                    if shares[-1] == 0:
                        break
                return _sis_metric(shares)

            m = measure(fn, trials=trials)
            variant = "SISModel (tp_rate=1, lambda=1)"
        _record(out, graph, "ndlib", case, variant, m, setup_s=setup)


def run_eon(graph: Graph, out: list, cases=None, trials: int | None = None) -> None:
    import EoN

    trials = trials or DEFAULT_TRIALS
    start = time.perf_counter()
    G = graph.nx
    setup = time.perf_counter() - start
    seeds = graph.seed_list
    n = graph.n
    for case in _cases("eon", cases):
        spec = CASES[case]["behaviour"]
        if spec["rule"] == "independent_cascade":

            def fn(seed, spec=spec):
                _, _, infected, removed = EoN.basic_discrete_SIR(G, spec["p"], initial_infecteds=seeds, rng=np.random.default_rng(seed))
                return int(infected[-1] + removed[-1])

            _record(out, graph, "eon", case, "basic_discrete_SIR", measure(fn, trials=trials), setup_s=setup)
        elif spec["rule"] == "sis":

            def fn(seed, spec=spec):
                _, _, infected = EoN.basic_discrete_SIS(
                    G, spec["beta"], initial_infecteds=seeds, tmax=SIS_WINDOW[1] - 1, rng=np.random.default_rng(seed)
                )
                return _sis_metric(np.asarray(infected) / n)

            _record(out, graph, "eon", case, "basic_discrete_SIS", measure(fn, trials=trials), setup_s=setup)


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


def _peak_rss_mib() -> float:
    """This process's peak resident memory, MiB.

    Linux's ``VmHWM`` (``/proc/self/status``) where there is one: ``ru_maxrss`` is carried across
    fork and exec, so a child of a large parent would report the parent's peak (seen here: every
    process after the 10^6-person graphs read 839 MiB). ``ru_maxrss`` elsewhere.
    """
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cases(library: str, cases=None) -> tuple[str, ...]:
    """The cases a library runs: its own, restricted to ``cases`` when given."""
    return tuple(c for c in LIBRARY_CASES[library] if cases is None or c in cases)


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


def kernel_memory(n: int = 100_000) -> dict:
    """Bytes per person and per tie that a run holds on the kernel path (arrays-built BA, m=5),
    for each rule: every numpy array the population and its caches own, after a run."""
    from model import BehaviourModel
    from networks.arrays import barabasi_albert_csr

    csr = barabasi_albert_csr(n, seed=GRAPH_SEED, m=5)
    ties = len(csr.indices) // 2
    seeds = list(range(0, n, 100))
    out = {"n": n, "ties": ties, "csr": {"indptr_bytes_per_person": csr.indptr.nbytes / n, "indices_bytes_per_tie": csr.indices.nbytes / ties}}
    for case in ("threshold 0.2", "linear_threshold", "independent_cascade 0.05", "sis 0.15"):
        sc = {"seed": 1, "steps": 20, "behaviours": [{"name": "b", **CASES[case]["behaviour"]}], "seeding": {"strategy": "given", "nodes": seeds}}
        m = BehaviourModel(sc, graph=csr, agents=False)
        m.run()
        arrays: dict[int, np.ndarray] = {}
        _arrays_of(m.population, arrays, set(), 0)
        person = {k: a for k, a in arrays.items() if a is not csr.indices and a is not csr.indptr and a.size >= n}
        out[CASES[case]["behaviour"]["rule"]] = {
            "population_bytes_per_person": sum(a.nbytes for a in person.values()) / n,
            "arrays": sorted(f"{a.dtype.name}{list(a.shape)}" for a in person.values()),
            "total_bytes_per_person_with_csr": (sum(a.nbytes for a in person.values()) + csr.indptr.nbytes + csr.indices.nbytes) / n,
        }
    return out


def _arrays_of(obj, found: dict, seen: set, depth: int) -> None:
    if id(obj) in seen or depth > 4:
        return
    seen.add(id(obj))
    if isinstance(obj, np.ndarray):
        found[id(obj)] = obj
    elif isinstance(obj, dict):
        for v in obj.values():
            _arrays_of(v, found, seen, depth + 1)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            _arrays_of(v, found, seen, depth + 1)
    elif hasattr(obj, "__dict__"):
        for v in vars(obj).values():
            _arrays_of(v, found, seen, depth + 1)


# --------------------------------------------------------------------------- comparing


def _mean_se(values) -> tuple[float, float]:
    values = [float(v) for v in values]
    if not values:
        return math.nan, math.nan
    mean = statistics.fmean(values)
    se = statistics.stdev(values) / math.sqrt(len(values)) if len(values) > 1 else math.nan
    return mean, se


def check_matches(rows: list[dict]) -> None:
    """Set ``matches_reference`` on every timed row: exact for deterministic cases, means for stochastic."""
    ref = {(r["graph"], r["case"]): r for r in rows if r.get("reference")}
    same_draws = ("wellspread", "wellspread-python")  # counter-based draws: the same seed gives the same run
    seed1 = {r["graph"]: r["values"][0] for r in rows if r["variant"] == "seed 1"}
    for r in rows:
        if r["case"] not in CASES or not r.get("values"):
            continue
        base = ref.get((r["graph"], r["case"]))
        if base is None or not base.get("values"):
            continue
        if r["variant"] == "seed 1":
            continue
        if r["variant"] == "LT, wellspread's seed-1 thresholds":
            if r["graph"] in seed1:
                r["reference_value"] = seed1[r["graph"]]
                r["matches_reference"] = all(v == seed1[r["graph"]] for v in r["values"])
            continue
        if CASES[r["case"]]["kind"] == "exact":
            r["reference_value"] = base["values"][0]
            r["matches_reference"] = all(v == base["values"][0] for v in r["values"])
        elif r["library"] in same_draws and r.get("seeds") and base.get("seeds"):
            by_seed = dict(zip(base["seeds"], base["values"], strict=True))
            pairs = [(v, by_seed[s]) for s, v in zip(r["seeds"], r["values"], strict=True) if s in by_seed]
            r["compared"] = "exactly, seed by seed"
            r["matches_reference"] = bool(pairs) and all(a == b for a, b in pairs)
        else:
            m_ref, se_ref = _mean_se(base["values"])
            m, se = _mean_se(r["values"])
            spread = math.sqrt(np.nan_to_num(se_ref) ** 2 + np.nan_to_num(se) ** 2)
            tolerance = max(0.05 * abs(m_ref), 3 * spread)
            r["reference_mean"], r["mean"] = m_ref, m
            r["relative_difference"] = (m - m_ref) / m_ref if m_ref else math.nan
            r["matches_reference"] = bool(abs(m - m_ref) <= tolerance) if not math.isnan(m) else None


# the times compared: (library, variant) -> which wellspread variant it faces
END_TO_END = {
    "wellspread-python": "simulate(networkx)",
    "mesa": "build + run",
}
CASCADE = {"wellspread-python": "run only", "mesa": "run only"}
NOT_COMPARED = {"LT, wellspread's seed-1 thresholds"}


def ratios(rows: list[dict]) -> list[dict]:
    """peer time / wellspread time for every peer on every case: end to end against ``simulate``
    (arrays), and cascade against cascade (wellspread's bare ``run()``)."""
    ws = {(r["graph"], r["case"], r["variant"]): r for r in rows if r["library"] == "wellspread"}
    out = []
    for r in rows:
        lib = r["library"]
        if lib == "wellspread" or r["case"] not in CASES or r.get("time_s") is None and not r.get("capped"):
            continue
        if r["variant"] in NOT_COMPARED:
            continue
        if lib in END_TO_END and r["variant"] not in (END_TO_END[lib], CASCADE[lib]):
            continue
        key = (r["graph"], r["case"])
        sim, bare = ws.get(key + ("simulate(arrays)",)), ws.get(key + ("run only",))
        batched = ws.get(key + ("batched trials (1 thread)",))
        sim_nx = ws.get(key + ("simulate(networkx)",))
        sim_dict = ws.get(key + ("simulate(arrays), dict validated each run",))
        end_to_end = lib not in CASCADE or r["variant"] == END_TO_END[lib]
        cascade = lib not in CASCADE or r["variant"] == CASCADE[lib]
        row = {
            "graph": r["graph"], "n": r["n"], "case": r["case"], "peer": lib, "variant": r["variant"],
            "peer_s": r.get("time_s"), "capped": r.get("capped", False), "matches_reference": r.get("matches_reference"),
        }
        if end_to_end and sim and sim.get("time_s"):
            row["simulate_s"] = sim["time_s"]
            row["ratio"] = r["time_s"] / sim["time_s"] if r.get("time_s") else None
            if sim_nx and sim_nx.get("time_s") and r.get("time_s"):
                row["ratio_simulate_networkx"] = r["time_s"] / sim_nx["time_s"]
            if sim_dict and sim_dict.get("time_s") and r.get("time_s"):
                row["ratio_validated_each_run"] = r["time_s"] / sim_dict["time_s"]
        if cascade and bare and bare.get("time_s"):
            row["cascade_s"] = bare["time_s"]
            row["cascade_ratio"] = r["time_s"] / bare["time_s"] if r.get("time_s") else None
        if cascade and batched and batched.get("time_s") and r.get("time_s"):
            row["batched_s"] = batched["time_s"]
            row["batched_ratio"] = r["time_s"] / batched["time_s"]
        if r.get("capped") and end_to_end and sim and sim.get("time_s"):
            row["ratio_at_least"] = CAP_S / sim["time_s"]
        out.append(row)
    return out


CYNETDIFF_TARGETS = {"threshold": 5.0, "linear_threshold": 5.0, "independent_cascade": 1.5}
SLOW_PEER_TARGET = 100.0  # NDlib and the plain Mesa model, every rule
KERNEL_TARGET = 1.0e9


def check_targets(ratio_rows: list[dict], kernel_rows: list[dict]) -> list[dict]:
    """The issue's acceptance figures, each with the measured value and whether it was met."""
    out = []
    for r in ratio_rows:
        if r["n"] < 100_000 or r.get("ratio") is None and not r.get("capped"):
            continue
        family = CASES[r["case"]]["behaviour"]["rule"]
        if r["peer"] in ("ndlib", "mesa"):
            need = SLOW_PEER_TARGET
        elif r["peer"] == "cynetdiff":
            need = CYNETDIFF_TARGETS.get(family, 1.0)
        else:
            need = 1.0  # faster than every peer on the same rule
        value = r.get("ratio") if r.get("ratio") is not None else r.get("ratio_at_least")
        out.append({
            "target": f"simulate >= {need:g}x {r['peer']} ({r['case']}, {r['graph']})",
            "graph": r["graph"], "case": r["case"], "peer": r["peer"], "need": need, "ratio": value,
            "cascade_ratio": r.get("cascade_ratio"), "batched_ratio": r.get("batched_ratio"), "lower_bound": bool(r.get("capped")),
            "ratio_validated_each_run": r.get("ratio_validated_each_run"),
            "met": bool(value is not None and value >= need),
        })
    for k in kernel_rows:
        if k["n"] < 100_000:
            continue
        best = k.get("parallel_2t") or k.get("serial")
        out.append({
            "target": f"threshold.sweep >= 1.0e9 edge visits/s on 2 cores ({k['graph']})",
            "graph": k["graph"], "need": KERNEL_TARGET, "value": best["edge_visits_per_s"],
            "best_value": best["best_edge_visits_per_s"], "met": best["edge_visits_per_s"] >= KERNEL_TARGET,
        })
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


# --------------------------------------------------------------------------- printing


def _ms(seconds) -> str:
    if seconds is None:
        return "-"
    return f"{seconds:.2f} s" if seconds >= 1 else f"{seconds * 1e3:.2f} ms"


def print_tables(result: dict, console) -> None:
    from rich.table import Table

    rows = result["rows"]
    times = Table(title="Time per cascade (median; wellspread simulate end to end on arrays, and its bare run)")
    for col in ("graph", "case", "library", "variant", "time", "runs", "result", "matches"):
        times.add_column(col, justify="right" if col in ("time", "runs") else "left")
    for r in rows:
        if r["case"] not in CASES:
            continue
        value = r.get("values") or []
        if CASES[r["case"]]["kind"] == "mean" and "mean" in r:
            shown = f"mean {r['mean']:.4g} ({r.get('relative_difference', 0):+.1%})"
        elif value:
            shown = f"{statistics.fmean(value):.4g}" if CASES[r["case"]]["kind"] == "mean" else str(value[0])
        else:
            shown = "-"
        t = "> cap" if r.get("capped") and r.get("time_s") is None else _ms(r.get("time_s"))
        matches = r.get("matches_reference")
        times.add_row(r["graph"], r["case"], r["library"], r["variant"], t, str(r.get("repeats", "")), shown,
                      "ref" if r.get("reference") else ("-" if matches is None else "yes" if matches else "[red]NO"))
    console.print(times)

    ratio = Table(title="Ratios: peer time / wellspread time (end to end vs simulate on arrays; cascade vs bare run; vs batched trials)")
    for col in ("graph", "case", "peer", "peer time", "simulate", "ratio", "bare run", "cascade ratio", "batched ratio", "same result"):
        ratio.add_column(col, justify="left" if col in ("graph", "case", "peer") else "right")
    for r in result["ratios"]:
        value = r.get("ratio")
        shown = f"{value:.1f}x" if value is not None else (f">= {r['ratio_at_least']:.0f}x" if r.get("ratio_at_least") else "-")
        cr = r.get("cascade_ratio")
        m = r.get("matches_reference")
        br = r.get("batched_ratio")
        ratio.add_row(r["graph"], r["case"], f"{r['peer']} ({r['variant']})", _ms(r.get("peer_s")), _ms(r.get("simulate_s")), shown,
                      _ms(r.get("cascade_s")), f"{cr:.1f}x" if cr is not None else "-", f"{br:.1f}x" if br is not None else "-",
                      "-" if m is None else "yes" if m else "[red]NO")
    console.print(ratio)

    kern = Table(title="Full synchronous sweep (threshold.sweep): CSR entries per second")
    for col in ("graph", "entries", "1 thread", "2 threads", "2 threads (best run)", "per CPU-second (1 thread)"):
        kern.add_column(col, justify="right")
    for r in rows:
        if r["case"] != "kernel":
            continue
        two = r.get("parallel_2t") or {}
        kern.add_row(r["graph"], f"{r['edge_visits']:,}", f"{r['serial']['edge_visits_per_s']:.3g}",
                     f"{two.get('edge_visits_per_s', 0):.3g}", f"{two.get('best_edge_visits_per_s', 0):.3g}",
                     f"{(r['serial'].get('per_cpu_second') or 0):.3g}")
    console.print(kern)

    mem = Table(title="Peak memory per (library, graph) process (ru_maxrss)")
    for col in ("graph", "library", "peak MiB", "note"):
        mem.add_column(col)
    for r in rows:
        if r.get("peak_rss_mib") is not None:
            mem.add_row(r["graph"], r["library"], f"{r['peak_rss_mib']:.0f}", r["variant"])
        elif r["variant"] in ("skipped", "error"):
            mem.add_row(r["graph"], r["library"], "-", r.get("skipped") or r.get("error", ""))
    console.print(mem)

    tgt = Table(title="Acceptance targets (100,000 and 1,000,000 people)")
    for col in ("target", "measured", "met"):
        tgt.add_column(col)
    for t in result["targets"]:
        if "ratio" in t:
            measured = "-" if t["ratio"] is None else f"{'>= ' if t['lower_bound'] else ''}{t['ratio']:.1f}x"
            if t.get("ratio_validated_each_run"):
                measured += f" (dict each run {t['ratio_validated_each_run']:.1f}x)"
            if t.get("cascade_ratio"):
                measured += f" (bare run {t['cascade_ratio']:.1f}x)"
            if t.get("batched_ratio"):
                measured += f" (batched trials {t['batched_ratio']:.1f}x)"
        else:
            measured = f"{t['value']:.3g}/s (best run {t['best_value']:.3g}/s)"
        tgt.add_row(t["target"], measured, "yes" if t["met"] else "[red]no")
    console.print(tgt)
    la = result["load_average"]
    from .common import describe

    console.print(f"machine: {describe(result['machine'])}")
    console.print(f"load average: start {la['start'][0]:.2f}, end {la['end'][0]:.2f} ({result['machine'].get('cores')} cores)")


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
