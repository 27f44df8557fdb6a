"""Spare arrays (``model.spares``): reused only when nobody can see them, refilled, and never changing a result."""

from __future__ import annotations

import numpy as np

from model import Scenario, simulate, spares


def test_a_spare_comes_back_refilled_and_views_are_not_kept():
    spares.clear()
    a = spares.take((2, 50_000), np.int32, -1)
    a[:] = 7
    spares.give(a, a[0], np.zeros(10))  # a view and a small array are not kept
    b = spares.take((2, 50_000), np.int32, -1)
    assert b is a and (b == -1).all()
    assert spares.take((2, 50_000), np.int32, 0) is not a  # only one was given back
    c = spares.take(40_000, np.uint8, 0)
    assert c.shape == (40_000,) and not c.any()
    spares.clear()


def test_repeated_simulate_calls_give_the_runs_a_fresh_model_gives():
    """Runs that reuse earlier runs' arrays (any rule, sizes interleaved) match runs in a clean process state."""

    def scenario(rule: dict, n: int, seed: int) -> Scenario:
        return Scenario.model_validate(
            {"seed": seed, "steps": 30, "network": {"kind": "barabasi_albert", "n": n, "m": 3, "arrays": True},
             "behaviours": [{"name": "a", **rule}], "seeding": {"strategy": "random", "count": 40}}
        )  # fmt: skip

    rules = [{"rule": "threshold", "threshold": 0.2}, {"rule": "linear_threshold"}, {"rule": "independent_cascade", "p": 0.1},
             {"rule": "absolute_threshold", "k": 2}, {"rule": "sis", "beta": 0.1, "relapse": 0.2}]  # fmt: skip
    cases = [scenario(rule, n, seed) for rule in rules for n in (20_000, 30_000) for seed in (1, 2)]
    spares.clear()
    first = [simulate(sc).history for sc in cases]
    for sc, history in zip(reversed(cases), reversed(first), strict=True):  # now with spares from other runs
        np.testing.assert_array_equal(simulate(sc).history, history)
