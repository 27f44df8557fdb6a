"""Health economics: discounting, NPV, ICER, ROI and cost per adopter against hand-computed cases."""

import math

import numpy as np
import pytest
from pydantic import ValidationError

from model import simulate
from model.economics import (
    DEFAULTS,
    BehaviourEconomics,
    EconomicsSpec,
    ReinvestLedger,
    discount_factors,
    evaluate,
    from_result,
    savings_in_step,
)

ANNUAL = {"weeks_per_step": 52.0, "behaviours": {"x": {"qaly_gain": 0.1, "cost_avoided": 100.0}}}


def test_discount_factors_weekly_three_years():
    d = discount_factors(156, 0.035, 1.0)
    assert d.shape == (157,)
    assert d[0] == 1.0
    assert d[52] == pytest.approx(1 / 1.035)
    assert d[104] == pytest.approx(1 / 1.035**2)
    assert d[156] == pytest.approx(1 / 1.035**3)
    assert d[26] == pytest.approx(1.035**-0.5)  # within a year: fractional years
    assert np.all(np.diff(d) < 0)


def test_annual_case_by_hand():
    adopters = np.array([[10.0], [20.0], [30.0], [40.0]])  # rows 0..3, one a year
    baseline = np.array([[10.0], [10.0], [10.0], [10.0]])
    costs = np.array([8000.0, 0.0, 0.0, 0.0])
    r = evaluate(adopters, baseline, costs, ANNUAL, ["x"])
    # gained person-years 10, 20, 30 in years 1, 2, 3 (row 0 is an instant)
    q = 10 * 0.1 / 1.015 + 20 * 0.1 / 1.015**2 + 30 * 0.1 / 1.015**3
    s = 1000 / 1.035 + 2000 / 1.035**2 + 3000 / 1.035**3
    assert r.qalys == pytest.approx(q)
    assert r.savings == pytest.approx(s)
    assert r.cost == pytest.approx(8000.0)
    assert r.net_cost == pytest.approx(8000.0 - s)
    assert r.npv == pytest.approx(20_000 * q + s - 8000.0)
    assert r.icer == pytest.approx((8000.0 - s) / q)
    assert r.verdict == "cost-effective"
    assert r.roi == pytest.approx((s - 8000.0) / 8000.0)
    assert r.cost_per_adopter == pytest.approx(8000.0 / 30.0)
    assert r.undiscounted == pytest.approx({"qalys": 6.0, "savings": 6000.0, "cost": 8000.0})
    assert list(r.by_year["year"]) == [1, 2, 3]
    assert r.by_year["qalys"].tolist() == pytest.approx([1.0, 2.0, 3.0])
    assert r.by_year["cost"].tolist() == pytest.approx([8000.0, 0.0, 0.0])
    assert r.by_year["savings_discounted"].sum() == pytest.approx(s)
    assert r.by_behaviour.set_index("behaviour").loc["x", "qalys"] == pytest.approx(q)


def test_weekly_steps_equal_annual_sum():
    """156 weekly steps with 1 extra adopter: QALYs = sum over weeks of 0.1/52 x (1.015)^-(t/52)."""
    T = 156
    adopters = np.ones((T + 1, 1))
    r = evaluate(adopters, np.zeros((T + 1, 1)), None, {**ANNUAL, "weeks_per_step": 1.0}, ["x"])
    t = np.arange(1, T + 1)
    assert r.qalys == pytest.approx((0.1 / 52 * 1.015 ** (-t / 52)).sum())
    assert r.undiscounted["qalys"] == pytest.approx(0.3)
    assert list(r.by_year["year"]) == [1, 2, 3]
    assert r.by_year["qalys"].tolist() == pytest.approx([0.1, 0.1, 0.1])


def test_no_intervention_means_zero_cost():
    adopters = np.full((11, 1), 5.0)
    r = evaluate(adopters, adopters, None, ANNUAL, ["x"])
    assert r.cost == 0 and r.savings == 0 and r.qalys == 0 and r.npv == 0
    assert math.isnan(r.icer) and math.isnan(r.roi) and math.isnan(r.cost_per_adopter)
    assert r.verdict == "no effect"


def test_no_intervention_run_costs_nothing():
    sc = {
        "steps": 10,
        "network": {"kind": "erdos_renyi", "n": 300, "mean_degree": 4.0},
        "behaviours": [{"name": "activity", "rule": "sis", "beta": 0.05, "relapse": 0.05, "initial": 0.1}],
        "seeding": {"count": 0},
    }
    res = simulate(sc)
    r = from_result(res, res)
    assert r.cost == 0 and r.qalys == 0 and r.savings == 0


def test_from_result_uses_counts_and_defaults():
    sc = {
        "seed": 3,
        "steps": 20,
        "network": {"kind": "erdos_renyi", "n": 400, "mean_degree": 6.0},
        "behaviours": [{"name": "activity", "rule": "independent_cascade", "p": 0.3}],
        "seeding": {"count": 5, "cost": 100.0},
    }
    res = simulate(sc)
    r = from_result(res, spec={"weeks_per_step": 1.0})
    n = res.group_sizes["all"]
    counts = np.rint(res.history[:, 0, 0] * n)
    horizon = max(sc["steps"], len(counts) - 1)
    counts = np.concatenate([counts, np.repeat(counts[-1], horizon + 1 - len(counts))])
    d = discount_factors(horizon, 0.015, 1.0)
    expected = (counts[1:] * 0.03 / 52 * d[1:]).sum()  # baseline: 0 initial adopters
    assert r.qalys == pytest.approx(expected)
    spent = np.sum(res.costs) if getattr(res, "costs", None) is not None else res.cost
    assert r.undiscounted["cost"] == pytest.approx(spent) and spent == pytest.approx(500.0)
    assert r.adopters_gained["activity"] == counts[-1]


def test_from_result_takes_the_scenarios_step_length():
    from model import Scenario

    if "weeks_per_step" not in Scenario.model_fields:
        pytest.skip("scenarios have no weeks_per_step")
    sc = {
        "steps": 13,
        "weeks_per_step": 4.0,
        "network": {"kind": "erdos_renyi", "n": 100},
        "behaviours": [{"name": "activity", "rule": "sis", "beta": 0.0, "relapse": 0.0}],
        "seeding": {"count": 10},
        "stop_when_steady": False,
    }
    r = from_result(simulate(sc))
    assert r.undiscounted["qalys"] == pytest.approx(10 * 0.03 * 13 * 4 / 52)  # 10 adopters for 52 weeks
    assert list(r.by_year["year"]) == [1]
    r = from_result(simulate(sc), spec={"weeks_per_step": 1.0})
    assert r.undiscounted["qalys"] == pytest.approx(10 * 0.03 * 13 / 52)


@pytest.mark.parametrize(
    "adopters, costs, verdict",
    [
        ([[0.0], [10.0], [10.0]], [10.0, 0, 0], "dominant"),  # savings beat a tiny cost
        ([[0.0], [1.0], [1.0]], [1e7, 0, 0], "not cost-effective"),
        ([[0.0], [0.0], [0.0]], [100.0, 0, 0], "dominated"),
        ([[0.0], [-1.0], [-1.0]], [0.0, 0, 0], "dominated"),
    ],
)
def test_verdicts(adopters, costs, verdict):
    r = evaluate(np.array(adopters), 0.0, np.array(costs), ANNUAL, ["x"])
    assert r.verdict == verdict
    if verdict == "dominant":
        assert r.icer < 0 and r.net_cost < 0 and r.roi > 0
    if verdict == "dominated":
        assert math.isnan(r.icer)


def test_defaults_from_the_spec():
    spec = EconomicsSpec()
    assert spec.discount_costs == 0.035 and spec.discount_effects == 0.015 and spec.qaly_value == 20_000
    assert spec.reinvest.share == 0 and spec.reinvest.lag_steps == 52 and spec.reinvest.max_budget is None
    for name in ("activity", "diet", "alcohol", "smoking", "connection"):
        assert spec.for_behaviour(name) == DEFAULTS[name]
        assert DEFAULTS[name].source
    assert spec.for_behaviour("smoking").cost_avoided == 380.0
    assert spec.for_behaviour("knitting").qaly_gain == 0.0
    custom = EconomicsSpec(behaviours={"smoking": {"qaly_gain": 0.05, "cost_avoided": 620.0}})
    assert custom.for_behaviour("smoking") == BehaviourEconomics(qaly_gain=0.05, cost_avoided=620.0)
    gb = EconomicsSpec.preset("green_book")
    assert (gb.qaly_value, gb.discount_costs, gb.discount_effects) == (70_000, 0.035, 0.015)
    assert EconomicsSpec.preset("nice").discount_effects == 0.035


@pytest.mark.parametrize(
    "data, field",
    [
        ({"discount_costs": -0.01}, "discount_costs"),
        ({"discount_effects": 2.0}, "discount_effects"),
        ({"weeks_per_step": 0}, "weeks_per_step"),
        ({"qaly_value": -1}, "qaly_value"),
        ({"reinvest": {"share": 1.5}}, "share"),
        ({"reinvest": {"lag_steps": -1}}, "lag_steps"),
        ({"behaviours": {"activity": {"qaly_gain": 3}}}, "qaly_gain"),
        ({"behaviours": {"activity": {"cost_avoided": float("nan")}}}, "cost_avoided"),
        ({"discount": 0.03}, "discount"),
    ],
)
def test_bad_spec_names_the_field(data, field):
    with pytest.raises(ValidationError) as exc:
        EconomicsSpec.model_validate(data)
    assert field in str(exc.value)


def test_bad_arguments():
    with pytest.raises(ValidationError, match="rate"):
        discount_factors(10, -0.5)
    with pytest.raises(ValidationError, match="steps"):
        discount_factors(-1, 0.035)
    with pytest.raises(ValidationError, match="weeks_per_step"):
        discount_factors(10, 0.035, 0.0)
    with pytest.raises(ValueError, match="costs"):
        evaluate(np.zeros((3, 1)), 0.0, np.zeros(2), None, ["x"])
    with pytest.raises(ValueError, match="names"):
        evaluate(np.zeros((3, 2)), 0.0, None, None, ["x"])


def test_savings_in_step_and_reinvestment():
    saved = savings_in_step(np.array([100.0, 50.0]), np.array([0.0, 10.0]), None, ["activity", "smoking"])
    assert saved == pytest.approx((100 * 75.0 + 40 * 380.0) / 52)
    ledger = ReinvestLedger({"reinvest": {"share": 0.5, "lag_steps": 2, "max_budget": 60.0}})
    released = [ledger.step(s) for s in (100.0, 200.0, 300.0, -50.0, 400.0)]
    assert released == pytest.approx([0.0, 0.0, 50.0, 10.0, 0.0])  # 50, then capped at 60 in all
    assert ReinvestLedger().step(1e6) == 0.0  # share 0 by default
