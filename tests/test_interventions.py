"""Interventions, coupling, stress, turnover and organisations: each tested for what it claims."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

import networks
from model import BehaviourModel, Scenario, simulate


def town(n=2000, seed=3):
    return networks.generate("town", n=n, seed=seed)


def logistic(**kw):
    return {"name": "activity", "rule": "logistic", "intercept": -6.0, "peer": 4.0, **kw}


def scenario(behaviours, interventions=(), steps=52, **extra) -> Scenario:
    return Scenario.model_validate(
        {
            "seed": 8,
            "steps": steps,
            "behaviours": behaviours,
            "seeding": {"strategy": "random", "count": 20},
            "interventions": list(interventions),
            **extra,
        }
    )


def runs(sc, G, k=8):
    return np.array([simulate(sc.model_copy(update={"seed": s}), graph=G).final["activity"] for s in range(k)])


def test_no_intervention_means_zero_cost():
    res = simulate(scenario([logistic()]), graph=town())
    assert res.costs[1:].sum() == 0.0
    assert res.costs[0] == 20.0  # 20 seeds at the default 1 unit each


def test_publicise_changes_nothing_when_norm_weight_is_zero():
    G = town()
    publicise = {"kind": "publicise", "start": 0, "reach": 1.0}
    a = simulate(scenario([logistic(norm=0.0)]), graph=G)
    b = simulate(scenario([logistic(norm=0.0)], [publicise]), graph=G)
    np.testing.assert_array_equal(a.history, b.history)
    c = simulate(scenario([logistic(norm=8.0)], [publicise]), graph=G)
    assert c.final["activity"] > a.final["activity"]


def test_publicise_by_area_shows_each_person_their_area():
    G = town()
    sc = scenario([logistic(norm=5.0)], [{"kind": "publicise", "scope": "area"}], steps=3)
    m = BehaviourModel(sc, graph=G, agents=False)
    m.run()
    pop = m.population
    area = m.attribute("area")
    for a in np.unique(area)[:3]:
        members = area == a
        # what they saw in round 3 was their area's share at the start of round 3 (state 2)
        assert np.allclose(pop.visible[0, members], pop.visible[0, members][0])


def test_bring_together_adds_the_stated_number_of_ties_and_they_fade():
    G = town()
    before = G.number_of_edges()
    sc = scenario(
        [logistic()],
        [{"kind": "bring_together", "scope": "local", "ties": 150, "every": 4, "start": 0, "end": 9, "lasts": 6, "cost_per_person": 2.0}],
        steps=20,
    )
    m = BehaviourModel(sc, graph=G, agents=False)
    ties = [m.indicators()["ties"]]
    for _ in range(20):
        m.step()
        ties.append(m.indicators()["ties"])
    assert G.number_of_edges() == before, "the caller's graph is not altered"
    # events at rounds 1, 5 and 9? start 0: events at rounds 4 and 8 (round 0 is the start state); each adds 150
    jumps = np.diff(ties)
    assert sorted(j for j in jumps if j > 0) == [150, 150]
    assert sorted(j for j in jumps if j < 0) == [-150, -150]  # each batch fades after 6 rounds
    assert ties[-1] == before
    assert m.timeline.spent["bring_together"] == pytest.approx(2.0 * 300)
    # the ties are real: same-area pairs in the graph while they last
    assert m.csr.n == G.number_of_nodes()


def test_bring_together_same_on_both_engines():
    G = town(n=600)
    sc = scenario([logistic(), {"name": "diet", "rule": "threshold", "threshold": 0.3}],
                  [{"kind": "bring_together", "scope": "online", "ties": 60, "every": 2, "lasts": 5}], steps=15)
    a = simulate(sc, graph=G)
    b = simulate(sc.model_copy(update={"engine": "python"}), graph=G)
    np.testing.assert_array_equal(a.history, b.history)


def test_campaign_raises_adoption_among_those_it_reaches_and_books_costs():
    G = town()
    camp = {"kind": "campaign", "reach": 0.5, "effect": 2.0, "start": 5, "end": 25, "cost_fixed": 1000, "cost_per_round": 10, "cost_per_person": 0.5}
    base = runs(scenario([logistic()]), G)
    with_campaign = runs(scenario([logistic()], [camp]), G)
    assert with_campaign.mean() > base.mean() + 0.02
    res = simulate(scenario([logistic()], [camp]), graph=G)
    reached = round(0.5 * G.number_of_nodes())
    assert res.costs[5] == pytest.approx(1000 + 10 + 0.5 * reached)
    assert res.costs[6] == pytest.approx(10 + 0.5 * reached)
    assert res.costs[25] == 0.0 and res.costs[4] == 0.0


def test_environment_in_the_most_deprived_quintile_helps_that_quintile():
    G = town()
    env = {"kind": "environment", "target": {"attribute": "deprivation", "values": [1]}, "effect": 1.5, "threshold_shift": 0.0}
    res = simulate(scenario([logistic()], [env]), graph=G)
    none = simulate(scenario([logistic()]), graph=G)
    gain = res.final_by_group().loc["activity"] - none.final_by_group().loc["activity"]
    assert gain["deprivation=1"] > 0.05
    assert gain["deprivation=1"] > 3 * abs(gain["deprivation=5"])


def test_environment_lowers_thresholds_for_threshold_rules_on_both_engines():
    G = town(n=800)
    env = {"kind": "environment", "target": {"attribute": "deprivation", "values": [1, 2]}, "threshold_shift": 0.1, "start": 3}
    sc = scenario([{"name": "activity", "rule": "threshold", "threshold": 0.35}], [env], steps=30)
    a, b = simulate(sc, graph=G), simulate(sc.model_copy(update={"engine": "python"}), graph=G)
    np.testing.assert_array_equal(a.history, b.history)
    plain = simulate(scenario([{"name": "activity", "rule": "threshold", "threshold": 0.35}], steps=30), graph=G)
    assert a.final["activity"] > plain.final["activity"]


def test_recruit_intervention_enrols_in_phases_within_its_target():
    G = town()
    rec = {
        "kind": "recruit", "start": 10, "target": {"attribute": "deprivation", "values": [1]},
        "seeding": {"strategy": "degree", "count": 40, "phases": [{"step": 0, "share": 0.5}, {"step": 10, "share": 0.5}]},
    }
    m = BehaviourModel(scenario([{"name": "activity", "rule": "threshold", "threshold": 1.0}], [rec], steps=30), graph=G, agents=False)
    m.run()
    recruits = m.timeline.recruited()
    assert len(recruits) == 40
    assert set(m.attribute("deprivation")[recruits]) == {1}
    assert (m.population.adopted_at[0, recruits] >= 10).all()
    assert sorted(np.unique(m.population.adopted_at[0, recruits])) == [10, 20]


def test_the_whole_can_beat_the_sum_of_the_parts_measured_with_intervals():
    """Interaction of campaign and publicise: measured, with a 95% interval (not assumed)."""
    from experiments.replicates import mean_interval

    G = town()
    camp = {"kind": "campaign", "reach": 0.6, "effect": 1.5}
    pub = {"kind": "publicise"}
    beh = [logistic(norm=6.0)]
    k = 10
    none, c, p, both = (runs(scenario(beh, ivs), G, k) for ivs in ([], [camp], [pub], [camp, pub]))
    interaction = both - c - p + none  # same seeds per replicate: paired
    mean, low, high = mean_interval(interaction)
    assert low <= mean <= high
    assert both.mean() > max(c.mean(), p.mean())


def test_coupling_and_peer_coupling_change_uptake():
    G = town()
    conn = {"name": "connection", "rule": "sis", "beta": 0.05, "relapse": 0.02}
    plain = scenario([conn, logistic()])
    coupled = scenario([conn, logistic(coupling={"connection": 1.5}, peer_coupling={"connection": 3.0})])
    assert runs(coupled, G).mean() > runs(plain, G).mean() + 0.02


def test_stress_raises_relapse_and_activity_protects():
    G = town()
    beh = [logistic(relapse=0.02, stress_relapse=2.5)]
    stress = {"initial": 0.5, "onset": 0.02, "recovery": 0.02, "protection": {"activity": 0.3}}
    calm = runs(scenario(beh, stress={**stress, "initial": 0.0, "onset": 0.0}), G)
    stressed = runs(scenario(beh, stress=stress), G)
    assert stressed.mean() < calm.mean()
    m = BehaviourModel(scenario(beh, stress=stress), graph=G, agents=False)
    m.run()
    adopting = m.population.adopted[0].astype(bool)
    assert m.population.stressed[adopting].mean() < m.population.stressed[~adopting].mean()


def test_turnover_replaces_people_at_the_stated_rate():
    G = town()
    sc = scenario([{"name": "activity", "rule": "sis", "beta": 0.0, "relapse": 0.0}], steps=104,
                  turnover={"rate_per_year": 0.1})
    sc = sc.model_copy(update={"seeding": sc.seeding.model_copy(update={"count": 2000})})
    res = simulate(sc, graph=G)
    # everyone starts adopting; leavers are replaced by non-adopters (initial 0): after two years ~ 0.9^2
    assert res.final["activity"] == pytest.approx(0.81, abs=0.03)


def test_stress_and_turnover_same_on_both_engines():
    G = town(n=500)
    sc = scenario([logistic(relapse=0.05, stress_relapse=1.0)], steps=30, stress={"protection": {"activity": 0.2}}, turnover={})
    a, b = simulate(sc, graph=G), simulate(sc.model_copy(update={"engine": "python"}), graph=G)
    np.testing.assert_array_equal(a.history, b.history)


def test_unknown_behaviour_in_an_intervention_names_the_field():
    with pytest.raises(Exception, match=r"interventions\.0\.behaviours names unknown behaviour 'diet'"):
        scenario([logistic()], [{"kind": "campaign", "behaviours": ["diet"]}])


def three_organisations() -> nx.Graph:
    """A - B - C: workplaces of two people each, tied in a chain through one tie between members."""
    G = nx.Graph([(0, 1), (2, 3), (4, 5), (1, 2), (3, 4)])
    for v in G:
        G.nodes[v]["workplace"] = v // 2
    return G


def org_scenario(engine="numba"):
    return Scenario.model_validate(
        {
            "seed": 1,
            "steps": 10,
            "engine": engine,
            "behaviours": [{"name": "activity", "rule": "threshold", "threshold": 0.6}],
            "seeding": {"strategy": "random", "count": 0},
            "organisations": {
                "attributes": ["workplace"], "threshold": 0.5, "threshold_shift": 0.6,
                "committed": {"order": "largest", "count": 1},
            },
        }
    )


@pytest.mark.parametrize("engine", ["numba", "python"])
def test_organisation_commitment_follows_its_rule_on_a_hand_built_case(engine):
    m = BehaviourModel(org_scenario(engine), graph=three_organisations())
    orgs = m.organisations.agents
    assert [(o.key, o.size) for o in orgs] == [(0, 2), (1, 2), (2, 2)]
    assert [o.committed for o in orgs] == [True, False, False]  # the programme signs up A
    assert sorted(orgs[1].partners.tolist()) == [0, 2] and orgs[1].weights.tolist() == [1.0, 1.0]
    m.step()  # B: half its partners (A) committed >= 0.5 -> commits; C: its only partner B was not yet
    assert [o.committed for o in orgs] == [True, True, False]
    m.step()
    assert [o.committed for o in orgs] == [True, True, True]
    # committed organisations lower members' thresholds to 0: A's members adopt in round 1,
    # B's in round 2 (B committed at the end of round 1), C's in round 3
    m.run()
    at = m.population.adopted_at[0]
    assert at.tolist() == [1, 1, 2, 2, 3, 3]
    assert m.indicators()["organisations committed"] == 3
    assert orgs[0] in m.agents  # organisations are Mesa agents of the model


def test_organisations_in_a_town_and_the_programme_targeting_them():
    G = town()
    sc = Scenario.model_validate(
        {
            "seed": 2, "steps": 52,
            "behaviours": [logistic()],
            "seeding": {"strategy": "random", "count": 10},
            "organisations": {"threshold": 0.2, "effect": 1.0, "committed": {"order": "most_connected", "count": 10}},
        }
    )
    res = simulate(sc, graph=G)
    committed = res.indicators["organisations committed"]
    assert committed.iloc[0] == 10 and committed.iloc[-1] > 10
    data = sc.model_dump()
    data["organisations"]["committed"]["count"] = 0
    none = Scenario.model_validate(data)
    assert simulate(none, graph=G).indicators["organisations committed"].iloc[-1] == 0
    assert res.final["activity"] > simulate(none, graph=G).final["activity"]


def test_vectorised_organisation_round_equals_the_agents_own_step():
    G = town()
    sc = Scenario.model_validate(
        {
            "seed": 2, "steps": 5, "behaviours": [logistic()], "seeding": {"count": 0},
            "organisations": {"threshold": 0.15, "committed": {"order": "random", "count": 15}},
        }
    )
    a, b = BehaviourModel(sc, graph=G, agents=False), BehaviourModel(sc, graph=G, agents=False)
    for _ in range(6):
        a.organisations.step()
        b.organisations.step_agents()
        assert [o.committed for o in a.organisations.agents] == [o.committed for o in b.organisations.agents]
    assert len(a.organisations.committed()) > 15
