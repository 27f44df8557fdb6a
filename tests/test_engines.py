"""The two engines and the kernels against each other, and one seed fixing a run bit for bit.

Every random draw is a pure function of (run key, round, person, neighbour) (``model.rng``), so the
Mesa reference agents, the numba full sweeps and the frontier kernels must give *identical* runs
for every rule, not merely the same distributions; and thread count cannot matter.
"""

from __future__ import annotations

import networkx as nx
import numba
import numpy as np
import pytest

import model.rules._kernel as kernels
import networks
from model import BehaviourModel, Scenario, simulate
from model.rules import RULES, absolute_threshold, independent_cascade, threshold

RULE_PARAMS = {
    "independent_cascade": {"p": 0.08},
    "linear_threshold": {},
    "threshold": {"threshold": 0.15},
    "absolute_threshold": {"k": 2},
    "sis": {"beta": 0.06, "relapse": 0.1},
    "logistic": {"intercept": -4.0, "peer": 5.0, "norm": 1.0, "relapse": 0.05},
    "information": {"q_adopter": 0.4, "q_non_adopter": 0.1, "intercept": -0.5, "endorsement": 1.0},
}


def make(rule: str, engine: str, seed: int = 5, n: int = 400, **extra) -> Scenario:
    return Scenario.model_validate(
        {
            "seed": seed,
            "steps": 40,
            "engine": engine,
            "network": {"kind": "watts_strogatz", "n": n, "k": 6, "p": 0.1},
            "behaviours": [{"name": "x", "rule": rule, "initial": 0.01, **RULE_PARAMS[rule], **extra}],
            "seeding": {"strategy": "degree", "count": 8},
        }
    )


@pytest.mark.parametrize("rule", list(RULES))
def test_engines_give_identical_runs(rule):
    a = simulate(make(rule, "numba"))
    b = simulate(make(rule, "python"))
    assert a.steps == b.steps
    np.testing.assert_array_equal(a.history, b.history)
    assert a.final == b.final
    assert a.final["x"] > 0.02  # something happened beyond the seeds


def test_engines_agree_with_several_coupled_behaviours():
    sc = Scenario.model_validate(
        {
            "seed": 3,
            "steps": 30,
            "network": {"kind": "erdos_renyi", "n": 300, "mean_degree": 6},
            "behaviours": [
                {"name": "activity", "rule": "threshold", "threshold": 0.2},
                {"name": "diet", "rule": "logistic", "intercept": -5, "peer": 4, "coupling": {"activity": 2.0}},
                {"name": "connection", "rule": "sis", "beta": 0.05, "relapse": 0.2},
            ],
            "seeding": {"strategy": "random", "count": 20},
        }
    )
    a = simulate(sc)
    b = simulate(sc.model_copy(update={"engine": "python"}))
    np.testing.assert_array_equal(a.history, b.history)


@pytest.mark.parametrize("rule", list(RULES))
def test_same_seed_same_run_and_other_seed_other_run(rule):
    a, b = simulate(make(rule, "numba", seed=9)), simulate(make(rule, "numba", seed=9))
    assert a.timeseries.equals(b.timeseries)
    c = simulate(make(rule, "numba", seed=10))
    assert not np.array_equal(a.history, c.history) or a.seeds.tolist() != c.seeds.tolist()


@pytest.mark.skipif(numba.config.NUMBA_NUM_THREADS < 2, reason="needs 2 numba threads")
@pytest.mark.parametrize("rule", ["sis", "logistic", "linear_threshold"])
def test_thread_count_does_not_change_the_run(rule):
    big = make(rule, "numba", n=20000)
    runs = []
    with kernels.parallel_from(0):  # the parallel forms, chosen in Python: no compiled value changes
        for threads in (1, 2):
            numba.set_num_threads(threads)
            runs.append(simulate(big).history)
    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    np.testing.assert_array_equal(runs[0], runs[1])
    serial = simulate(big).history
    np.testing.assert_array_equal(runs[0], serial)  # serial and parallel forms agree too


def test_full_sweep_and_frontier_kernels_agree_round_by_round():
    """Dense ``sweep`` kernels (reference layout) against the frontier steps the engine uses."""
    G = networks.generate("barabasi_albert", n=3000, seed=2, m=3)
    for rule, params in (("threshold", {"threshold": 0.2}), ("absolute_threshold", {"k": 2}), ("independent_cascade", {"p": 0.1})):
        sc = Scenario.model_validate(
            {"seed": 1, "steps": 50, "behaviours": [{"name": "x", "rule": rule, **params}], "seeding": {"strategy": "degree", "count": 60}}
        )
        m = BehaviourModel(sc, graph=G, agents=False)
        pop, csr = m.population, m.csr
        out = np.zeros(pop.n, dtype=np.uint8)
        while m.running and pop.t < sc.steps:
            t = pop.t + 1
            if rule == "threshold":
                threshold.sweep(csr.indptr, csr.indices, pop.adopted[0], pop.theta[0], out)
            elif rule == "absolute_threshold":
                absolute_threshold.sweep(csr.indptr, csr.indices, pop.adopted[0], pop.k[0], out)
            else:
                independent_cascade.sweep(csr.indptr, csr.indices, pop.adopted[0], pop.adopted_at[0], pop.keys[0], pop.p[0], t, out)
            expected = np.flatnonzero(out)
            before = pop.adopted[0].copy()
            m.step()
            np.testing.assert_array_equal(np.flatnonzero(pop.adopted[0] & ~before), expected)
        assert pop.t > 2


def test_agents_read_the_arrays_on_either_engine():
    for engine in ("numba", "python"):
        m = BehaviourModel(make("threshold", engine))
        m.run()
        adopting = {p.index for p in m.agents if p.is_adopting(0)}
        assert adopting == set(np.flatnonzero(m.population.adopted[0]))
        assert len(m.agents) == 400


def test_python_engine_with_relabelled_string_nodes():
    G = nx.relabel_nodes(nx.karate_club_graph(), {i: f"p{i}" for i in range(34)})
    sc = Scenario.model_validate(
        {"seed": 2, "behaviours": [{"name": "x", "rule": "independent_cascade", "p": 0.3}], "seeding": {"strategy": "given", "nodes": ["p0", "p33"]}}
    )
    a, b = simulate(sc, graph=G), simulate(sc.model_copy(update={"engine": "python"}), graph=G)
    np.testing.assert_array_equal(a.history, b.history)
    assert a.seeds.tolist() == ["p0", "p33"]
