"""What wellspread runs: ``simulate`` end to end and the bare cascade, the batched kernel path, the
linear-threshold draw cynetdiff replays, the sweep kernel's edge-visit rates and the kernel path's
memory per person."""

from __future__ import annotations

import statistics
import time

import numpy as np

from .graphs import Graph
from .records import _record
from .settings import CASES, DEFAULT_TRIALS, GRAPH_SEED, SIS_WINDOW, TRIALS, _cases
from .timing import _peak_rss_mib, measure


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
        ``experiments.sweep_worker``): the scenario validated once, each run a copy with its own seed.
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
