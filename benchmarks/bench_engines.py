"""numba engine against the python (Mesa agent) engine, on the same graphs, in one run.

The issue-2 figure: a 100,000-node Barabasi-Albert graph (m=5), threshold 0.2, the top 1% by
degree as seeds; ``m.run()`` of a built ``BehaviourModel`` on each engine, same final state.
Also per-step throughput (edge visits per second) of a full synchronous sweep on both engines.
"""

from __future__ import annotations

import time

import numpy as np

import networks
from model import BehaviourModel, Scenario
from model.rules import threshold

from .common import timed


def scenario(n: int, engine: str) -> Scenario:
    return Scenario.model_validate(
        {
            "seed": 1,
            "steps": 200,
            "engine": engine,
            "network": {"kind": "barabasi_albert", "n": n, "m": 5},
            "behaviours": [{"name": "activity", "rule": "threshold", "threshold": 0.2}],
            "seeding": {"strategy": "degree", "count": n // 100},
        }
    )


def run_cascade(G, n: int, engine: str) -> tuple[float, BehaviourModel]:
    """Time ``m.run()`` only (the model is built first, outside the timing)."""
    m = BehaviourModel(scenario(n, engine), graph=G)
    start = time.perf_counter()
    m.run()
    return time.perf_counter() - start, m


def sweep_rate(G) -> dict:
    """Edge visits per second of one dense synchronous threshold step, numba kernel vs Mesa agents."""
    m = BehaviourModel(scenario(G.number_of_nodes(), "python"), graph=G)
    csr, pop = m.csr, m.population
    out = np.zeros(pop.n, dtype=np.uint8)
    edges = len(csr.indices)
    numba_s = timed(lambda: threshold.sweep(csr.indptr, csr.indices, pop.adopted[0], pop.theta[0], out), repeats=5)
    python_s = timed(lambda: m.agents.do("step"), repeats=1, warmup=False)
    return {
        "edge_visits": edges,
        "numba_step_s": numba_s,
        "python_step_s": python_s,
        "numba_edge_visits_per_s": edges / numba_s,
        "python_edge_visits_per_s": edges / python_s,
        "step_ratio": python_s / numba_s,
    }


def run(quick: bool = False) -> dict:
    sizes = [10_000] if quick else [10_000, 100_000]
    results = {}
    for n in sizes:
        G = networks.generate("barabasi_albert", n=n, seed=1, m=5)
        run_cascade(G, n, "numba")  # compile outside the timing
        numba_times = [run_cascade(G, n, "numba") for _ in range(3)]
        numba_s = sorted(t for t, _ in numba_times)[1]
        python_s, mp = run_cascade(G, n, "python")
        mn = numba_times[0][1]
        same = bool(np.array_equal(mn.population.adopted, mp.population.adopted)) and mn.population.t == mp.population.t
        results[f"ba{n // 1000}k_threshold0.2_top1pct"] = {
            "n": n,
            "rounds": mn.population.t,
            "final": mn.adoption()["activity"],
            "numba_run_s": numba_s,
            "python_run_s": python_s,
            "ratio": python_s / numba_s,
            "same_final_state": same,
            **{f"sweep_{k}": v for k, v in sweep_rate(G).items()},
        }
    return results
