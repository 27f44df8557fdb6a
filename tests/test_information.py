"""The information rule (Banerjee, Chandrasekhar, Duflo & Jackson 2013): hear, then decide once.

The readable Mesa form and the compiled kernels give identical runs; on 2- and 3-person graphs the
adoption chances match the ones worked out by hand; with certain telling and certain adoption the
rule is a breadth-first search, adopting at the graph distance from the seeds.
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest
from scipy import stats

from model import Scenario, simulate
from model.behaviour_model import BehaviourModel
from model.rules import information


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def scenario(seeds, engine="numba", seed=0, steps=10, **params) -> Scenario:
    return Scenario.model_validate(
        {
            "seed": seed, "steps": steps, "engine": engine,
            "behaviours": [{"name": "loan", "rule": "information", **params}],
            "seeding": {"strategy": "given", "nodes": list(seeds)},
        }
    )  # fmt: skip


def adopted_after(G, sc, runs: int) -> np.ndarray:
    """(runs, people) adoption at the end of each run, one run seed after another."""
    out = np.empty((runs, len(G)), dtype=bool)
    for r in range(runs):
        model = BehaviourModel(sc.model_copy(update={"seed": r}), graph=G, agents=False, collect=False)
        model.run()
        out[r] = model.population.adopted[0].astype(bool)
    return out


PARAMS = {"q_adopter": 0.6, "q_non_adopter": 0.2, "intercept": -0.3, "endorsement": 1.2}


def test_two_people_one_round_matches_the_hand_calculation():
    """Seed 0 decides at the start (no informed neighbours: F = 0); in round 1 it tells 1 with
    q^P or q^N, and 1 decides with F = 1 or 0. P(1 adopts) = p0 q^P s(a + l) + (1 - p0) q^N s(a)."""
    G = nx.path_graph(2)
    runs = 6000
    a, lam, qp, qn = PARAMS["intercept"], PARAMS["endorsement"], PARAMS["q_adopter"], PARAMS["q_non_adopter"]
    p0 = sigmoid(a)
    outcome = adopted_after(G, scenario([0], steps=1, **PARAMS), runs)
    joint = np.array([(~outcome[:, 0] & ~outcome[:, 1]).sum(), (outcome[:, 0] & ~outcome[:, 1]).sum(),
                      (~outcome[:, 0] & outcome[:, 1]).sum(), (outcome[:, 0] & outcome[:, 1]).sum()])  # fmt: skip
    both = p0 * qp * sigmoid(a + lam)
    only_one = (1 - p0) * qn * sigmoid(a)
    expected = np.array([(1 - p0) * (1 - qn * sigmoid(a)), p0 * (1 - qp * sigmoid(a + lam)), only_one, both])
    assert stats.chisquare(joint, expected * runs).pvalue > 1e-3


def test_three_people_in_a_line_two_rounds_matches_the_hand_calculation():
    """0 - 1 - 2, seed 0: 2 can adopt only in round 2, told by 1, who was told in round 1."""
    G = nx.path_graph(3)
    runs = 8000
    a, lam, qp, qn = PARAMS["intercept"], PARAMS["endorsement"], PARAMS["q_adopter"], PARAMS["q_non_adopter"]
    p0 = sigmoid(a)
    by_round_2 = 0.0
    for seed_adopts, p_seed in ((True, p0), (False, 1 - p0)):
        q0, r1 = (qp, sigmoid(a + lam)) if seed_adopts else (qn, sigmoid(a))  # 1 told in round 1, adopts
        by_round_2 += p_seed * q0 * (r1 * qp * sigmoid(a + lam) + (1 - r1) * qn * sigmoid(a))
    outcome = adopted_after(G, scenario([0], steps=2, **PARAMS), runs)
    k = int(outcome[:, 2].sum())
    assert stats.binomtest(k, runs, by_round_2).pvalue > 1e-3, (k / runs, by_round_2)


def test_a_triangle_draws_each_listener_independently_given_the_seed():
    G = nx.complete_graph(3)
    runs = 8000
    a, lam, qp, qn = PARAMS["intercept"], PARAMS["endorsement"], PARAMS["q_adopter"], PARAMS["q_non_adopter"]
    p0 = sigmoid(a)
    both = p0 * (qp * sigmoid(a + lam)) ** 2 + (1 - p0) * (qn * sigmoid(a)) ** 2
    outcome = adopted_after(G, scenario([0], steps=1, **PARAMS), runs)
    k = int((outcome[:, 1] & outcome[:, 2]).sum())
    assert stats.binomtest(k, runs, both).pvalue > 1e-3


def test_certain_telling_and_adoption_is_a_breadth_first_search():
    G = nx.connected_watts_strogatz_graph(200, 4, 0.1, seed=2)
    sc = scenario([0, 50], steps=100, q_adopter=1.0, q_non_adopter=0.0, intercept=60.0)
    model = BehaviourModel(sc, graph=G)
    model.run()
    distance = nx.multi_source_dijkstra_path_length(G, {0, 50})
    expected = np.array([distance[v] for v in model.csr.nodes])
    np.testing.assert_array_equal(model.population.adopted_at[0], expected)
    assert model.population.t == expected.max() + 1  # one more round finds nobody left to tell


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_python_agents_numba_steps_and_the_fused_run_are_identical(seed):
    G = nx.watts_strogatz_graph(300, 6, 0.2, seed=seed)
    rng = np.random.default_rng(seed)
    for v in G:
        G.nodes[v].update(rooms=int(rng.integers(1, 5)), roof=str(rng.choice(["tile", "thatch"])), leader=int(rng.random() < 0.1))
    params = dict(PARAMS, q_non_adopter=0.05, covariates={"rooms": 0.3}, by_attribute={"roof": {"thatch": -0.8}},
                  initial={"attribute": "leader", "values": [1]})  # fmt: skip
    seeds = [v for v in G if G.nodes[v]["leader"] == 0][:5]
    histories, informed = [], []
    for engine, fused in (("python", False), ("numba", False), ("numba", True)):
        model = BehaviourModel(scenario(seeds, engine, seed=seed, steps=40, **params), graph=G, collect=False)
        model.run(fused=fused)
        histories.append(np.stack(model.history))
        informed.append(information.state(model.population, 0).informed_at.copy())
    for h, i in zip(histories[1:], informed[1:], strict=True):
        np.testing.assert_array_equal(h, histories[0])
        np.testing.assert_array_equal(i, informed[0])
    assert 0 < histories[0][-1, 0, 0] < 1


def test_heard_people_decide_once_and_a_silent_village_is_steady():
    G = nx.complete_graph(30)
    sc = scenario([0], steps=50, q_adopter=0.9, q_non_adopter=0.0, intercept=-60.0)  # the seed declines; tells nobody
    res = simulate(sc, graph=G)
    assert res.final["loan"] == 0.0 and res.steps == 1
    sc = scenario([0], steps=50, q_adopter=0.0, q_non_adopter=1.0, intercept=-60.0)  # everyone hears, nobody adopts
    model = BehaviourModel(sc, graph=G)
    model.run()
    assert (information.state(model.population, 0).informed_at == np.r_[0, np.ones(29)]).all()
    assert model.population.adopted.sum() == 0 and model.population.t == 2


def test_seeds_adopt_outright_on_request_and_cost_either_way():
    G = nx.path_graph(5)
    heard = simulate(scenario([2], steps=0, intercept=-60.0), graph=G)
    forced = simulate(scenario([2], steps=0, intercept=-60.0, seeds_adopt=True), graph=G)
    assert heard.final["loan"] == 0.0 and forced.final["loan"] == pytest.approx(0.2)
    assert heard.cost == forced.cost == 1.0


def test_a_covariate_must_be_a_number():
    G = nx.path_graph(4)
    nx.set_node_attributes(G, "x", "roof")
    with pytest.raises(ValueError, match="behaviours.0.covariates.roof"):
        BehaviourModel(scenario([0], covariates={"roof": 1.0}), graph=G)
