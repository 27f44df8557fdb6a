"""The fused compiled run (each rule's ``run``) against stepping round by round (``numba_step``).

Both must leave the same state, history, DataCollector rows, round count and steady flag: the fused
loop is only a faster way to do the same rounds, so the tests ask for exact equality.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

import networks
from model import Scenario, simulate
from model.behaviour_model import BehaviourModel

RULES = {
    "independent_cascade": {"rule": "independent_cascade", "p": 0.06},
    "threshold": {"rule": "threshold", "threshold": 0.2},
    "threshold_drawn": {"rule": "threshold", "threshold": {"dist": "uniform", "low": 0.0, "high": 0.4}},
    "linear_threshold": {"rule": "linear_threshold"},
    "absolute_threshold": {"rule": "absolute_threshold", "k": 2},
    "sis": {"rule": "sis", "beta": 0.06, "relapse": 0.15},
    "si": {"rule": "sis", "beta": 0.03},
}


def _scenario(behaviours, **extra) -> Scenario:
    data = {
        "seed": 11,
        "steps": 40,
        "network": {"kind": "town", "n": 1500},
        "behaviours": behaviours,
        "seeding": {"strategy": "degree", "count": 15},
        **extra,
    }
    return Scenario.model_validate(data)


def _pair(sc: Scenario, graph):
    stepped = BehaviourModel(sc, graph, agents=False).run(fused=False)
    fused = BehaviourModel(sc, graph, agents=False)
    assert fused.can_fuse(), fused._fuse_obstacle()
    fused.run(fused=True)
    return stepped, fused


def _assert_same(a: BehaviourModel, b: BehaviourModel) -> None:
    np.testing.assert_array_equal(np.stack(a.history), np.stack(b.history))
    np.testing.assert_array_equal(a.population.adopted, b.population.adopted)
    np.testing.assert_array_equal(a.population.adopted_at, b.population.adopted_at)
    for fa, fb in zip(a.population.frontier, b.population.frontier, strict=True):
        np.testing.assert_array_equal(np.sort(fa), np.sort(fb))
    assert (a.population.t, a.steps, a.time, a.running) == (b.population.t, b.steps, b.time, b.running)
    assert a.costs == b.costs and a.indicator_history == b.indicator_history
    assert a.datacollector.get_model_vars_dataframe().equals(b.datacollector.get_model_vars_dataframe())


@pytest.fixture(scope="module")
def town():
    return _scenario([RULES["threshold"] | {"name": "x"}]).network.build(seed=3)


@pytest.mark.parametrize("name", sorted(RULES))
@pytest.mark.parametrize("stop", [True, False])
def test_fused_run_equals_stepping(name, stop, town):
    sc = _scenario([RULES[name] | {"name": "walking", "initial": 0.01}], stop_when_steady=stop)
    a, b = _pair(sc, town)
    _assert_same(a, b)
    assert len(a.groups.labels) > 1  # the town reports deprivation and age groups: their counts are kept too


def test_several_behaviours_stop_at_the_last_steady_one(town):
    # IC settles within a few rounds, SIS runs on: the fused run must pad the settled one
    behaviours = [RULES["independent_cascade"] | {"name": "a"}, RULES["sis"] | {"name": "b"}, RULES["threshold"] | {"name": "c"}]
    a, b = _pair(_scenario(behaviours), town)
    _assert_same(a, b)
    assert a.population.t == 40


def test_fused_run_continues_a_stepped_model_and_steps_on_after(town):
    sc = _scenario([RULES["linear_threshold"] | {"name": "x"}], steps=30)
    a = BehaviourModel(sc, town, agents=False)
    b = BehaviourModel(sc, town, agents=False)
    for m in (a, b):
        m.step()
        m.step()
    a.run(5, fused=False)
    b.run(5, fused=True)
    _assert_same(a, b)
    a.step()
    b.step()  # counts left by the fused loop feed the next stepped round
    _assert_same(a, b)


def test_zero_thresholds_adopt_in_the_first_round_without_adopting_neighbours():
    # a threshold of 0 adopts with no adopting neighbour: the first round cannot just push the seeds
    G = nx.path_graph(6)
    sc = Scenario.model_validate(
        {"seed": 1, "steps": 5, "network": {"kind": "ring_lattice", "n": 6, "k": 2},
         "behaviours": [{"name": "x", "rule": "threshold", "threshold": 0.0}],
         "seeding": {"strategy": "given", "nodes": [0]}}
    )  # fmt: skip
    a, b = _pair(sc, G)
    _assert_same(a, b)
    assert a.population.adopted[0].all() and a.history[1][0, 0] == 1.0


def test_arrays_network_and_simulate_use_the_fused_run():
    sc = _scenario([RULES["independent_cascade"] | {"name": "x"}], network={"kind": "barabasi_albert", "n": 5000, "m": 3, "arrays": True})
    csr = sc.network.build(seed=1)
    assert isinstance(csr, networks.CSR)
    a, b = _pair(sc, csr)
    _assert_same(a, b)
    res = simulate(sc, graph=csr)
    np.testing.assert_array_equal(res.history, np.stack(a.history))
    assert res.indicators["ties"].iloc[-1] == len(csr.indices) // 2


def test_what_cannot_fuse_steps_round_by_round(town):
    sc = _scenario(
        [RULES["threshold"] | {"name": "x"}],
        interventions=[{"kind": "publicise", "start": 2, "end": 6}],
    )
    m = BehaviourModel(sc, town, agents=False)
    assert not m.can_fuse() and "interventions" in m._fuse_obstacle()
    with pytest.raises(ValueError, match="cannot run fused: interventions"):
        m.run(fused=True)
    assert BehaviourModel(sc.model_copy(update={"engine": "python"}), town).can_fuse() is False


@pytest.mark.parametrize("name", ["independent_cascade", "sis"])
def test_simulate_gives_the_stepped_result(name, town):
    from model.simulate import result_of

    sc = _scenario([RULES[name] | {"name": "x"}])
    stepped = result_of(BehaviourModel(sc, town, agents=False).run(fused=False))
    fast = simulate(sc, graph=town)
    np.testing.assert_array_equal(fast.history, stepped.history)
    np.testing.assert_array_equal(fast.costs, stepped.costs)
    assert fast.steps == stepped.steps and fast.final == stepped.final and fast.group_sizes == stepped.group_sizes
    assert fast.indicators.equals(stepped.indicators)


def test_sis_exposure_table_grows_with_new_ties():
    # the SIS table holds 1-(1-beta)^A up to the largest degree; events that add ties must extend it
    sc = Scenario.model_validate(
        {"seed": 2, "steps": 12, "engine": "numba", "network": {"kind": "ring_lattice", "n": 60, "k": 2},
         "behaviours": [{"name": "x", "rule": "sis", "beta": 0.3, "relapse": 0.1}],
         "seeding": {"strategy": "random", "count": 10},
         "interventions": [{"kind": "bring_together", "scope": "online", "ties": 400, "every": 2}]}
    )  # fmt: skip
    m = BehaviourModel(sc, agents=False).run()
    table = m.population.tables[0]
    assert len(table) > m.csr.max_degree > 2  # ring degree 2 at the start
    np.testing.assert_array_equal(table, 1.0 - (1.0 - 0.3) ** np.arange(len(table)))
    python = BehaviourModel(sc.model_copy(update={"engine": "python"})).run()
    np.testing.assert_array_equal(np.stack(python.history), np.stack(m.history))
