"""model.spread: Monte-Carlo spread under a behaviour's own rule, as the model runs it.

The estimator must mean what a scenario run means: the same rule, rounds, step limit and stopping. The
strongest check is identity: given a BehaviourModel's run key, one trial reproduces that run exactly.
"""

from __future__ import annotations

import math

import networkx as nx
import numba
import numpy as np
import pytest

import networks
from model import BehaviourModel, Scenario
from model.spread import BehaviourSpecError, SpreadEstimator, behaviour_params, exact_ic_spread


@pytest.fixture(scope="module")
def ba():
    return networks.generate("barabasi_albert", n=400, seed=3, m=2)


def model_run(G, behaviour: dict, seeds: list, seed: int, steps: int) -> BehaviourModel:
    sc = Scenario.model_validate(
        {
            "seed": seed,
            "steps": steps,
            "network": {"kind": "barabasi_albert", "n": G.number_of_nodes()},
            "behaviours": [{"name": "b", **behaviour}],
            "seeding": {"strategy": "given", "nodes": seeds},
            "groups": [],
        }
    )
    return BehaviourModel(sc, graph=G, agents=False).run()


# rules whose only randomness is the run key (no per-person draws at set-up)
KEYED_RULES = [
    {"rule": "independent_cascade", "p": 0.12},
    {"rule": "sis", "beta": 0.1, "relapse": 0.2},
    {"rule": "logistic", "intercept": -4.0, "peer": 5.0, "relapse": 0.05},
    {"rule": "absolute_threshold", "k": 2},
    {"rule": "threshold", "threshold": 0.3},
]


@pytest.mark.parametrize("behaviour", KEYED_RULES, ids=lambda b: b["rule"])
def test_a_trial_with_the_models_key_is_the_models_run(behaviour, ba):
    seeds = [0, 1, 5, 17, 40]
    for seed in (1, 2, 3):
        m = model_run(ba, behaviour, seeds, seed=seed, steps=25)
        est = SpreadEstimator(ba, behaviour, steps=25, keys=m.population.keys[:1])
        assert est.trial_counts(est.positions(seeds))[0] == m.population.adopted[0].sum()


@pytest.mark.parametrize(
    "behaviour",
    [
        {"rule": "independent_cascade", "p": 0.1},
        {"rule": "linear_threshold"},
        {"rule": "threshold", "threshold": {"dist": "beta", "a": 2.0, "b": 6.0}},
        {"rule": "threshold", "threshold": 0.15},
        {"rule": "absolute_threshold", "k": 2},
    ],
    ids=lambda b: b["rule"],
)
def test_compiled_loops_equal_the_population_path_run_for_run(behaviour, ba):
    est = SpreadEstimator(ba, behaviour, trials=40, steps=30, seed=8)
    assert est.mode in ("ic", "counting")
    fast = est.trial_counts([0, 3, 9])
    fast_with = est.expected_with([0, 3], [9, 10, 200])
    est.mode = "general"  # the plain Population + numba_step loop, as BehaviourModel.step does
    assert fast.tolist() == est.trial_counts([0, 3, 9]).tolist()
    np.testing.assert_array_equal(fast_with, est.expected_with([0, 3], [9, 10, 200]))


def test_monte_carlo_ic_matches_the_exact_spread():
    """Kempe et al. (2003): the IC spread is the expected reach in live-edge graphs. 20,000 trials must be
    within 4 standard errors of the exact sum over all 2^12 live-edge graphs, with and without a step limit."""
    G = nx.Graph([(0, 1), (0, 4), (1, 3), (1, 4), (1, 8), (2, 3), (4, 5), (4, 6), (4, 8), (5, 7), (6, 8), (7, 8)])
    for seeds, steps in (([4], 100), ([0, 7], 100), ([4], 1), ([2, 5], 2)):
        est = SpreadEstimator(G, {"rule": "independent_cascade", "p": 0.3}, trials=20_000, steps=steps, seed=4)
        counts = est.trial_counts(est.positions(seeds))
        exact = exact_ic_spread(G, seeds, 0.3, steps=steps)
        assert abs(counts.mean() - exact) < 4 * counts.std() / math.sqrt(len(counts)), (seeds, steps)
    assert exact_ic_spread(nx.path_graph(3), [0], 0.3) == pytest.approx(1 + 0.3 + 0.09)


def test_common_random_numbers_make_estimates_deterministic_monotone_and_submodular(ba):
    # with fixed trial keys the IC estimate averages over fixed live-edge graphs: a coverage function, hence
    # monotone and submodular exactly (Kempe et al. 2003, Theorem 2.2), not just in expectation
    est = SpreadEstimator(ba, {"rule": "independent_cascade", "p": 0.15}, trials=300, seed=2)
    assert est.expected([1, 2, 3]) == est.expected([3, 2, 1, 1])
    rng = np.random.default_rng(0)
    for _ in range(20):
        small = rng.choice(400, size=3, replace=False)
        big = np.union1d(small, rng.choice(400, size=4, replace=False))
        v = int(rng.integers(400))
        gain_small = est.expected(np.append(small, v)) - est.expected(small)
        gain_big = est.expected(np.append(big, v)) - est.expected(big)
        assert est.expected(big) >= est.expected(small)
        assert gain_small >= gain_big - 1e-9
    other = SpreadEstimator(ba, {"rule": "independent_cascade", "p": 0.15}, trials=300, seed=3)
    assert other.keys.tolist() != est.keys.tolist()


def test_counts_do_not_depend_on_the_thread_count(ba):
    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("one numba thread only")
    before = numba.get_num_threads()
    results = []
    for threads in (1, 2):
        numba.set_num_threads(threads)
        try:
            for behaviour in ({"rule": "independent_cascade", "p": 0.1}, {"rule": "linear_threshold"}):
                est = SpreadEstimator(ba, behaviour, trials=50, seed=1)
                results.append(est.expected_with([0], np.arange(1, 30)).tolist())
        finally:
            numba.set_num_threads(before)
    assert results[:2] == results[2:]


def test_deterministic_rules_need_one_trial(ba):
    assert SpreadEstimator(ba, {"rule": "absolute_threshold", "k": 2}, trials=500).trials == 1
    assert SpreadEstimator(ba, {"rule": "threshold", "threshold": 0.2}, trials=500).trials == 1
    assert SpreadEstimator(ba, {"rule": "threshold", "threshold": {"dist": "uniform"}}, trials=50).trials == 50
    assert SpreadEstimator(ba, {"rule": "independent_cascade", "p": 0.1}, trials=50).trials == 50


def test_initial_adopters_are_added_in_every_trial(ba):
    est = SpreadEstimator(ba, {"rule": "independent_cascade", "p": 0.0, "initial": 0.05}, trials=10, seed=1)
    assert est.mode == "general"
    counts = est.trial_counts([0, 1])
    assert (counts == 2 + 20).all()  # p = 0: seeds plus round(0.05 x 400) initial adopters, nobody else


def test_weighted_linear_threshold_uses_the_edge_weights():
    G = nx.path_graph(3)
    nx.set_edge_attributes(G, 1.0, "w")  # full weight: a neighbour's adoption always suffices
    est = SpreadEstimator(G, {"rule": "linear_threshold", "weight": "w"}, trials=20, seed=0)
    assert est.mode == "general" and est.expected([0]) == 3


@pytest.mark.parametrize(
    "behaviour, field",
    [
        ({"rule": "no_such_rule"}, "behaviour.rule"),
        ({"rule": "independent_cascade", "p": 1.5}, "behaviour.p"),
        ({"rule": "absolute_threshold", "k": 0}, "behaviour.k"),
        ({"rule": "independent_cascade", "beta": 0.1}, "behaviour.beta"),
        ("independent_cascade", "behaviour must be a table"),
    ],
)
def test_bad_behaviours_are_named(behaviour, field):
    with pytest.raises(BehaviourSpecError, match=field.replace(".", r"\.")):
        behaviour_params(behaviour)


def test_bad_arguments(ba):
    ic = {"rule": "independent_cascade", "p": 0.1}
    with pytest.raises(ValueError):
        SpreadEstimator(ba, ic, trials=0)
    with pytest.raises(ValueError):
        SpreadEstimator(ba, ic, steps=-1)
    with pytest.raises(ValueError):
        SpreadEstimator(ba, ic).expected([400])
    with pytest.raises(TypeError):
        SpreadEstimator([(0, 1)], ic)


@pytest.mark.parametrize("seed", range(12))
def test_live_edge_counts_are_the_cascade_runs_trial_by_trial(seed):
    """Independent cascade's estimates walk each trial's sampled live ties (``model.live_edges``):
    every (candidate, trial) count equals the rule's own cascade run (``_ic_batch``), for one and
    many candidates, candidates already in the base, step limits that cut cascades short, and after
    the base changes (its distances are kept between calls)."""
    from model.spread import _ic_batch

    rng = np.random.default_rng(seed)
    n = int(rng.integers(40, 300))
    G = [nx.erdos_renyi_graph(n, 6 / n, seed=seed), nx.barabasi_albert_graph(n, 3, seed=seed), nx.watts_strogatz_graph(n, 4, 0.2, seed=seed)][seed % 3]
    p, steps = [0.02, 0.1, 0.3, 0.6][seed % 4], [0, 1, 2, 3, 100][seed % 5]
    if seed >= 8:  # long live paths on a ring, limits near their lengths: groups shared only in part
        G, p, steps = nx.watts_strogatz_graph(n, 4, 0.02, seed=seed), 0.7, [4, 6, 9, 14][seed - 8]
    est = SpreadEstimator(G, {"rule": "independent_cascade", "p": p}, trials=25, steps=steps, seed=seed)
    csr = est.csr
    for size in (0, 3, 6):  # three bases in turn: the kept distances must follow
        base = np.unique(rng.choice(n, size=size, replace=False)).astype(np.int64)
        for candidates in (1, 3, 40):  # serial and parallel walks
            extra = np.concatenate([[-1], rng.choice(n, size=candidates), base[:2]]).astype(np.int64)
            live, runs = (np.zeros((len(extra), est.trials), np.int64) for _ in range(2))
            est._compiled(base, extra, live)
            _ic_batch(csr.indptr, csr.indices, base, extra, est.keys, p, steps, numba.get_num_threads(), runs)
            assert est._live is not None and np.array_equal(live, runs)
