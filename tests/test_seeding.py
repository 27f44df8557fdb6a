"""Seeding plans: counts, budgets with costs, phased recruitment (issue 3, part 2)."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from model import BehaviourModel, Scenario, ScenarioError, simulate


def sc(seeding: dict, steps: int = 20, rule=None) -> Scenario:
    return Scenario.model_validate(
        {
            "seed": 1,
            "steps": steps,
            "behaviours": [rule or {"name": "a", "rule": "threshold", "threshold": 1.0}],
            "seeding": seeding,
        }
    )


def star_with_tail() -> nx.Graph:
    G = nx.star_graph(6)  # hub 0 with degree 6
    nx.add_path(G, [6, 7, 8, 9])
    for v in G:
        G.nodes[v]["price"] = 10.0 if v == 0 else 1.0
    return G


def test_budget_fills_in_strategy_order_with_degree_costs():
    G = star_with_tail()
    # cost = 1 + 1 x degree: the hub costs 7, degree-2 people cost 3, leaves cost 2
    m = BehaviourModel(sc({"strategy": "degree", "budget": 10, "cost": {"base": 1, "per_degree": 1}}), graph=G)
    costs = 1 + np.array([G.degree(v) for v in m.seeds])
    assert m.seeds[0] == 0 and costs.sum() <= 10 and m.seed_plan.cost == costs.sum()
    # in rank order after the hub (7), one degree-2 person (3) fits exactly; nothing else does
    assert m.seed_plan.cost == 10


def test_budget_skips_people_too_dear_and_uses_attribute_costs():
    G = star_with_tail()
    m = BehaviourModel(sc({"strategy": "degree", "budget": 5, "cost": "price"}), graph=G)
    assert 0 not in m.seeds.tolist()  # the hub's price (10) exceeds the budget; the next 5 people fit
    assert len(m.seeds) == 5 and m.seed_plan.cost == 5


def test_missing_cost_attribute_is_a_clear_error():
    with pytest.raises(ScenarioError, match="seeding.cost: node attribute 'fee'"):
        BehaviourModel(sc({"strategy": "random", "budget": 3, "cost": "fee"}), graph=star_with_tail())


def test_phased_recruitment_starts_seeds_at_their_rounds():
    G = nx.path_graph(30)
    plan = {"strategy": "random", "count": 10, "phases": [{"step": 0, "share": 0.5}, {"step": 5, "share": 0.3}, {"step": 9, "share": 0.2}]}
    res = simulate(sc(plan), graph=G)
    counts = np.rint(res.history[:, 0, 0] * 30)
    # threshold 1.0 on a path: a person adopts only when all neighbours do, so almost nothing
    # spreads; the count jumps by each phase's share of the 10 seeds at its round
    assert counts[0] >= 5 and counts[5] - counts[4] >= 3 and counts[9] - counts[8] >= 2
    assert sorted(np.unique(res.seed_rounds).tolist()) == [0, 5, 9]
    assert res.steps >= 9, "the run waits for the last phase before stopping"


def test_phases_must_sum_to_one():
    with pytest.raises(Exception, match="shares must sum to 1"):
        sc({"strategy": "random", "count": 4, "phases": [{"step": 0, "share": 0.5}]})


def test_cost_per_seed_in_results_and_comparison():
    from experiments.compare import compare_strategies, comparison_table

    base = sc({"strategy": "random", "count": 5, "cost": 2.0}, rule={"name": "a", "rule": "independent_cascade", "p": 0.1})
    G = nx.barabasi_albert_graph(1000, 2, seed=1)
    runs = compare_strategies(base, ["random", "degree"], 20, graph=G)
    table = comparison_table(runs).set_index("strategy")
    assert runs["random"][0].cost == 10.0
    np.testing.assert_allclose(table["adopters_per_budget"] * 2, table["adopters_per_seed"])
    assert table.loc["degree", "final"] > table.loc["random", "final"]
