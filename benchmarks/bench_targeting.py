"""Targeting at scale: time to choose 50 seeds, the spread they buy, and IC Monte-Carlo speed vs cynetdiff.

On Barabasi-Albert graphs (m=5) of 100,000 and 1,000,000 people: the time each strategy takes to
choose 50 seeds; for ``celf`` (100k only: it simulates) and ``imm``, the resulting independent-
cascade spread (p = 0.01) beside ``degree``, ``degree_discount`` and ``random``, all scored by the
same Monte-Carlo estimator. Then independent-cascade trials per second on the numba engine against
cynetdiff's ``IndependentCascadeModel`` on the same 100,000-node graph and seeds, in the same run.
"""

from __future__ import annotations

import time

import numpy as np

from model.spread import SpreadEstimator
from model.targeting import STRATEGIES, select_seeds
from networks.arrays import barabasi_albert_csr

IC = {"rule": "independent_cascade", "p": 0.01}
NEEDS_ATTRIBUTES = ("given", "group", "organisation", "community")  # community: Louvain needs a networkx graph
SLOW_AT_1M = ("betweenness", "celf")


def choose_times(csr, strategies, count: int = 50) -> dict:
    times, seeds = {}, {}
    for name in strategies:
        extra = {"behaviour": IC} if name in ("celf", "ris", "imm") else {}
        if name == "celf":
            extra.update(trials=100, candidates=200)
        start = time.perf_counter()
        chosen = select_seeds(csr, name, count, seed=0, **extra)
        times[name] = time.perf_counter() - start
        seeds[name] = csr.positions(chosen.tolist())
    return {"seconds": times, "seeds": seeds}


def ic_trials_per_second(csr, seeds, trials: int = 2000) -> dict:
    est = SpreadEstimator(csr, IC, trials=trials, seed=1)
    est.expected(seeds)  # compile
    start = time.perf_counter()
    mean = est.expected(seeds)
    ours = trials / (time.perf_counter() - start)
    out = {"wellspread_trials_per_s": ours, "wellspread_mean": mean}
    try:
        from cynetdiff.models import IndependentCascadeModel
    except ImportError:
        out["cynetdiff"] = "not installed (pip install '.[bench]')"
        return out
    ic = IndependentCascadeModel(csr.indptr[:-1].astype(np.uint32), csr.indices, activation_prob=IC["p"], rng=1)
    ic.set_seeds(set(int(s) for s in seeds))
    sizes = []
    start = time.perf_counter()
    for _ in range(trials):
        ic.reset_model()
        ic.advance_until_completion()
        sizes.append(ic.get_num_activated_nodes())
    theirs = trials / (time.perf_counter() - start)
    out.update(cynetdiff_trials_per_s=theirs, cynetdiff_mean=float(np.mean(sizes)), ratio=ours / theirs)
    return out


def run(quick: bool = False) -> dict:
    results = {}
    sizes = [10_000] if quick else [100_000, 1_000_000]
    for n in sizes:
        csr = barabasi_albert_csr(n, seed=1, m=5)
        strategies = [s for s in STRATEGIES if s not in NEEDS_ATTRIBUTES and not (n >= 1_000_000 and s in SLOW_AT_1M)]
        chosen = choose_times(csr, strategies)
        scorer = SpreadEstimator(csr, IC, trials=300 if quick else 1000, seed=7)
        spread = {s: scorer.expected(chosen["seeds"][s]) for s in ("random", "degree", "degree_discount", "celf", "imm") if s in chosen["seeds"]}
        results[f"ba{n // 1000}k"] = {"choose_s": chosen["seconds"], "ic_spread_p0.01": spread}
        if n == sizes[0]:
            results[f"ba{n // 1000}k"]["ic_trials"] = ic_trials_per_second(csr, chosen["seeds"]["random"], trials=300 if quick else 2000)
    return results


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=1, default=float))
