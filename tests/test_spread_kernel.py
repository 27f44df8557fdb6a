"""model.spread's compiled independent-cascade trials against the rule's own kernel, on bigger graphs."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest

import networks
from model.rng import pair_cut
from model.spread import SpreadEstimator


@pytest.fixture(scope="module")
def ws():
    return networks.to_csr(nx.watts_strogatz_graph(3000, 10, 0.1, seed=2))


@pytest.mark.parametrize("p", [0.03, 0.1, 0.5, 0.9])
@pytest.mark.parametrize("steps", [1, 3, 100])
def test_ic_trials_equal_the_population_path(ws, p, steps):
    # many sources per round, so the rows prefetched ahead are the ones walked
    est = SpreadEstimator(ws, {"rule": "independent_cascade", "p": p}, trials=6, steps=steps, seed=5)
    seeds = np.random.default_rng(1).choice(ws.n, 60, replace=False)
    fast = est.trial_counts(seeds)
    fast_with = est.expected_with(seeds[:50], [seeds[55], 7, 2999])
    est.mode = "general"
    assert fast.tolist() == est.trial_counts(seeds).tolist()
    np.testing.assert_array_equal(fast_with, est.expected_with(seeds[:50], [seeds[55], 7, 2999]))


def test_certain_and_impossible_attempts():
    G = nx.path_graph(10)
    G.add_edge(20, 21)  # another component
    assert SpreadEstimator(G, {"rule": "independent_cascade", "p": 1.0}, steps=4).trial_counts([0]).tolist() == [5]
    assert SpreadEstimator(G, {"rule": "independent_cascade", "p": 1.0}).expected_with([], [0, 10]).tolist() == [10, 2]
    assert SpreadEstimator(G, {"rule": "independent_cascade", "p": 0.0}).trial_counts([0, 3]).tolist() == [2]
    assert SpreadEstimator(G, {"rule": "independent_cascade", "p": 0.5}, trials=3).trial_counts([]).tolist() == [0] * 3


@pytest.mark.parametrize("p", [0.5, 0.1, 1 / 3, 2.0**-53, 1e-300, 1 - 2.0**-53, 1.0, 0.0, math.nextafter(0.25, 1)])
def test_the_integer_cut_is_the_float_comparison(p):
    # u = (h >> 11) * 2**-53 < p  exactly when  h >> 11 < ceil(p * 2**53), at the boundary and beside it
    cut = math.ceil(p * 2.0**53)
    assert int(pair_cut(p)) == cut  # the kernels' cut (model.rng.pair_cut) is this number
    for x in (cut - 2, cut - 1, cut, cut + 1):
        if 0 <= x < 2**53:
            assert (float(x) * 2.0**-53 < p) == (x < cut), (p, x)
