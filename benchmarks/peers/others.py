"""What each peer runs on the same graph, seeds and rules: the plain Mesa model, cynetdiff, NDlib and
EoN (each imported only when it runs)."""

from __future__ import annotations

import statistics
import time

import numpy as np

from .graphs import Graph
from .records import _record
from .settings import CASES, DEFAULT_TRIALS, SEED, SIS_WINDOW, TRIALS, _cases
from .timing import measure
from .wellspread import _sis_metric


def run_mesa(graph: Graph, out: list, cases=None, **_) -> None:
    from ..plain_mesa import ThresholdModel

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
