"""Shared helpers for the statistical tests."""

from __future__ import annotations

import numpy as np
from scipy import stats

from model import Scenario, simulate


def scenario(rule: str, seeds=None, count: int = 1, steps: int = 100, engine: str = "numba", seed: int = 0, **params) -> Scenario:
    seeding = {"strategy": "given", "nodes": list(seeds)} if seeds is not None else {"strategy": "random", "count": count}
    return Scenario.model_validate(
        {
            "seed": seed,
            "steps": steps,
            "engine": engine,
            "behaviours": [{"name": "b", "rule": rule, **params}],
            "seeding": seeding,
        }
    )


def trajectories(sc: Scenario, graph, runs: int, first_seed: int = 0) -> np.ndarray:
    """(runs, steps+1) adopting counts of behaviour 0, held at the final value after an early stop."""
    n = graph.number_of_nodes()
    out = np.empty((runs, sc.steps + 1))
    for r in range(runs):
        res = simulate(sc.model_copy(update={"seed": first_seed + r}), graph=graph)
        counts = np.rint(res.history[:, 0, 0] * n)
        out[r, : len(counts)] = counts
        out[r, len(counts) :] = counts[-1]
    return out


def chi_square_pvalue(observed_counts: np.ndarray, expected_probs: np.ndarray, min_expected: float = 5.0) -> float:
    """Pearson chi-square goodness of fit, pooling adjacent bins until each expects >= min_expected."""
    total = observed_counts.sum()
    obs, exp = [], []
    o_acc = e_acc = 0.0
    for o, p in zip(observed_counts, expected_probs, strict=True):
        o_acc += o
        e_acc += p * total
        if e_acc >= min_expected:
            obs.append(o_acc)
            exp.append(e_acc)
            o_acc = e_acc = 0.0
    if e_acc > 0 or o_acc > 0:
        obs[-1] += o_acc
        exp[-1] += e_acc
    obs, exp = np.array(obs), np.array(exp)
    return float(stats.chisquare(obs, exp * obs.sum() / exp.sum()).pvalue)
