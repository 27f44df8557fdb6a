"""Who is valued at what: age bands, eligibility, children, associational values, PSA draws."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from experiments.programme import appraise
from model import Scenario
from model.economic_values import ADULT_BANDS, CHILD_BANDS, VALUES
from model.economics import CLASS_ATTRIBUTE, EconomicsSpec, evaluate, person_values

ACTIVE = {"values": "physically_active", "healthy_state": "adopting"}


def test_children_are_never_valued_at_adult_values():
    spec = EconomicsSpec(weeks_per_step=52.0, behaviours={"activity": {"qaly_gain": 0.1, "cost_avoided": 100.0, "healthy_state": "adopting"}})
    classes = [("0-4", (True,)), ("5-15", (True,)), ("25-44", (True,))]
    adopters = np.array([[[0.0, 0.0, 0.0]], [[50.0, 50.0, 10.0]]])  # 100 children and 10 adults start adopting
    r = evaluate(adopters, 0.0, None, spec, ["activity"], classes)
    assert r.qalys == pytest.approx(10 * 0.1 / 1.015)  # the adults only
    assert r.savings == pytest.approx(10 * 100.0 / 1.035)
    # children are valued only at values of their own
    own = {"activity": {"qaly_gain": 0.1, "cost_avoided": 100.0, "healthy_state": "adopting",
                        "by_age_band": {"5-15": {"qaly_gain": 0.02, "cost_avoided": 10.0}}}}
    r = evaluate(adopters, 0.0, None, EconomicsSpec(weeks_per_step=52.0, behaviours=own), ["activity"], classes)
    assert r.qalys == pytest.approx((10 * 0.1 + 50 * 0.02) / 1.015)
    # every library value is for adults
    for state, value in VALUES.items():
        assert value.eligible.values == list(ADULT_BANDS), state
        for band in CHILD_BANDS:
            assert value.band(band) == (0.0, 0.0)


def test_children_are_not_valued_in_a_town_run():
    """End to end on the town: only children adopt (given seeds), so nothing is valued."""
    sc = Scenario.model_validate(
        {"seed": 2, "steps": 8, "network": {"kind": "town", "n": 1200},
         "behaviours": [{"name": "activity", "rule": "sis", "beta": 0.0, "relapse": 0.0}],
         "seeding": {"strategy": "random", "count": 0},
         "economics": {"behaviours": {"activity": ACTIVE}}}
    )
    from experiments.replicates import build_graph

    graph = build_graph(sc)
    children = [v for v, d in graph.nodes(data=True) if d["age_band"] in CHILD_BANDS][:40]
    adults = [v for v, d in graph.nodes(data=True) if d["age_band"] == "25-44"][:10]
    for nodes, expected in ((children, 0.0), (adults, 10 * 0.03 * 8 / 52)):
        seeded = sc.model_copy(update={"seeding": sc.seeding.model_copy(update={"strategy": "given", "nodes": nodes, "count": len(nodes)})})
        a = appraise(seeded, 1, graph=graph)
        assert a.valued[0].undiscounted["qalys"] == pytest.approx(expected, rel=1e-9, abs=1e-12)
        assert not any(g.startswith(CLASS_ATTRIBUTE) for g in a.runs[0].groups)  # classes do not leak out


def test_eligibility_by_another_attribute():
    sc = Scenario.model_validate(
        {"seed": 4, "steps": 6, "network": {"kind": "town", "n": 1200},
         "behaviours": [{"name": "activity", "rule": "sis", "beta": 0.0, "relapse": 0.0}],
         "seeding": {"strategy": "random", "count": 200, "cost": 10.0},
         "economics": {"behaviours": {"activity": {**ACTIVE, "eligible": {"attribute": "deprivation", "values": [1]}}}}}
    )
    a = appraise(sc, 1)
    run = a.runs[0]
    n1 = run.group_sizes["deprivation=1"]
    adopters_q1 = round(run.history[-1, 0, run.groups.index("deprivation=1")] * n1)
    adults_q1 = adopters_q1  # upper bound; adults among them are valued
    assert 0 < a.valued[0].undiscounted["qalys"] <= adults_q1 * 0.03 * 6 / 52 + 1e-12
    everyone = appraise(sc.model_copy(update={"economics": EconomicsSpec(behaviours={"activity": ACTIVE})}), 1)
    assert everyone.valued[0].qalys > a.valued[0].qalys


def test_associational_values_are_left_out_and_reported_apart():
    behaviours = {"connection": {"values": "socially_connected", "healthy_state": "adopting"}}
    adopters = np.array([[0.0], [10.0]])
    off = evaluate(adopters, 0.0, None, EconomicsSpec(weeks_per_step=52.0, behaviours=behaviours), ["connection"])
    on = evaluate(adopters, 0.0, None, EconomicsSpec(weeks_per_step=52.0, behaviours=behaviours, include_associational=True), ["connection"])
    assert off.qalys == 0.0 and off.savings == 0.0
    assert off.associational["qalys"] == pytest.approx(on.qalys) == pytest.approx(10 * 0.05 / 1.015)
    assert off.associational["savings"] == pytest.approx(on.savings) == pytest.approx(10 * 885 / 1.035)
    assert not bool(off.by_behaviour["counted"].iloc[0])


def test_psa_draws_follow_the_seed_and_the_distributions():
    spec = EconomicsSpec(probabilistic=True, behaviours={"activity": ACTIVE})
    assert spec.draw(7) == spec.draw(7) and spec.draw(7) != spec.draw(8)
    assert EconomicsSpec(behaviours={"activity": ACTIVE}).draw(7).behaviours["activity"] == EconomicsSpec(behaviours={"activity": ACTIVE}).behaviours["activity"]
    draws = [spec.draw(s).for_behaviour("activity") for s in range(4000)]
    q = np.array([d.qaly_gain for d in draws])
    c = np.array([d.cost_avoided for d in draws])
    # beta(mean 0.03, sd 0.01) and gamma(mean 75, sd 20): sample moments within 4 standard errors
    assert q.mean() == pytest.approx(0.03, abs=4 * 0.01 / np.sqrt(4000)) and q.std() == pytest.approx(0.01, rel=0.06)
    assert c.mean() == pytest.approx(75.0, abs=4 * 20 / np.sqrt(4000)) and c.std() == pytest.approx(20.0, rel=0.06)
    assert (q > 0).all() and (c > 0).all()
    with pytest.raises(ValueError, match="beta"):
        EconomicsSpec(probabilistic=True, behaviours={"x": {"qaly_gain": 0.01, "qaly_gain_sd": 0.5, "healthy_state": "adopting"}}).draw(1)


def test_person_values_follow_band_eligibility_and_state():
    spec = EconomicsSpec(behaviours={"activity": ACTIVE, "smoking": {"values": "not_smoking", "healthy_state": "not_adopting"}})
    bands = np.array(["0-4", "25-44", "65+"], dtype=object)
    q, s = person_values(spec, ["activity", "smoking"], lambda a: bands if a == "age_band" else None, 3)
    assert q[0].tolist() == [0.0, 0.03, 0.03] and q[1].tolist() == [0.0, -0.03, -0.03]
    assert s[1].tolist() == [0.0, -380.0, -380.0]


def test_cost_per_person_counts_people_once():
    """Seeds adopt three behaviours each: cost per person reached divides by people, not behaviours."""
    sc = Scenario.model_validate(
        {"seed": 1, "steps": 4, "network": {"kind": "erdos_renyi", "n": 500, "mean_degree": 4.0},
         "behaviours": [{"name": nm, "rule": "sis", "beta": 0.0, "relapse": 0.0} for nm in ("a", "b", "c")],
         "seeding": {"strategy": "random", "count": 20, "cost": 50.0},
         "economics": {"behaviours": {nm: {"qaly_gain": 0.01, "healthy_state": "adopting"} for nm in ("a", "b", "c")}}}
    )
    a = appraise(sc, 2)
    assert a.table["people_reached"].tolist() == [20.0, 20.0]
    assert a.economics.set_index("metric").loc["cost_per_person_reached", "mean"] == pytest.approx(50.0)


def test_bad_eligibility_names_the_field():
    with pytest.raises(ValidationError, match="values"):
        EconomicsSpec(behaviours={"a": {"qaly_gain": 0.1, "healthy_state": "adopting", "eligible": {"attribute": "age_band", "values": []}}})
