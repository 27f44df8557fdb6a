"""Health economics: discounting, net monetary benefit, ICER, ROI and cost per adopter against hand-computed cases."""

import math

import numpy as np
import pytest
from pydantic import ValidationError

from model import simulate
from model.economics import (
    DEFAULTS,
    EconomicsSpec,
    ReinvestLedger,
    discount_factors,
    evaluate,
    from_result,
    savings_in_step,
)

ANNUAL = {"weeks_per_step": 52.0, "behaviours": {"x": {"qaly_gain": 0.1, "cost_avoided": 100.0, "healthy_state": "adopting"}}}
ACTIVE = {"behaviours": {"activity": {"values": "physically_active", "healthy_state": "adopting"}}}


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
    assert r.net_monetary_benefit == pytest.approx(20_000 * q + s - 8000.0)
    assert r.npv == r.net_monetary_benefit  # the old name is an alias
    assert r.net_health_benefit == pytest.approx(q - (8000.0 - s) / 20_000)
    assert r.icer == pytest.approx((8000.0 - s) / q)
    assert r.verdict == "cost-effective" and r.quadrant == "NE trade-off"
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
    r = from_result(res, res, ACTIVE)
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
    r = from_result(res, spec={"weeks_per_step": 1.0, **ACTIVE})
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
    r = from_result(simulate(sc), spec=ACTIVE)
    assert r.undiscounted["qalys"] == pytest.approx(10 * 0.03 * 13 * 4 / 52)  # 10 adopters for 52 weeks
    assert list(r.by_year["year"]) == [1]
    r = from_result(simulate(sc), spec={"weeks_per_step": 1.0, **ACTIVE})
    assert r.undiscounted["qalys"] == pytest.approx(10 * 0.03 * 13 / 52)


@pytest.mark.parametrize(
    "adopters, costs, verdict, where",
    [
        ([[0.0], [10.0], [10.0]], [10.0, 0, 0], "dominant", "dominant"),  # savings beat a tiny cost
        ([[0.0], [1.0], [1.0]], [1e7, 0, 0], "not cost-effective", "NE trade-off"),
        ([[0.0], [0.0], [0.0]], [100.0, 0, 0], "dominated", "dominated"),
        ([[0.0], [-1.0], [-1.0]], [1.0, 0, 0], "dominated", "dominated"),
        # withdrawing a GBP 10,000 service loses 0.1 QALY: saves about GBP 100,000 per QALY forgone
        ([[0.0], [-1.0], [-1.0]], [-10_000.0, 0, 0], "cost-effective", "SW trade-off"),
        ([[0.0], [-1.0], [-1.0]], [-1_000.0, 0, 0], "not cost-effective", "SW trade-off"),
    ],
)
def test_verdicts_never_print_a_misleading_negative_icer(adopters, costs, verdict, where):
    r = evaluate(np.array(adopters), 0.0, np.array(costs), ANNUAL, ["x"])
    assert (r.verdict, r.quadrant) == (verdict, where)
    if where in ("dominant", "dominated"):
        assert math.isnan(r.icer)
    else:
        assert r.icer > 0
    if verdict == "dominant":
        assert r.net_cost < 0 and r.roi > 0


def test_defaults_from_the_spec():
    spec = EconomicsSpec()
    assert spec.discount_costs == 0.035 and spec.discount_effects == 0.015 and spec.qaly_value == 20_000
    assert spec.thresholds == [20_000, 30_000] and not spec.include_associational and not spec.probabilistic
    assert spec.reinvest.share == 0 and spec.reinvest.lag_steps == 52 and spec.reinvest.max_budget is None
    assert set(DEFAULTS) == {"physically_active", "eating_well", "drinking_within_guidelines", "not_smoking", "socially_connected"}
    for state, value in DEFAULTS.items():
        assert value.source and value.evidence in ("causal", "associational"), state
    assert DEFAULTS["socially_connected"].evidence == "associational"
    # nothing is read from a behaviour's name: an unlisted behaviour is not valued
    assert spec.for_behaviour("smoking") is None and spec.for_behaviour("activity") is None
    smokers = EconomicsSpec(behaviours={"smoking": {"values": "not_smoking", "healthy_state": "not_adopting"}})
    v = smokers.for_behaviour("smoking")
    assert v.cost_avoided == 380.0 and v.healthy_state == "not_adopting"
    custom = EconomicsSpec(behaviours={"smoking": {"values": "not_smoking", "healthy_state": "not_adopting", "cost_avoided": 620.0}})
    assert custom.for_behaviour("smoking").cost_avoided == 620.0 and custom.for_behaviour("smoking").qaly_gain == 0.03
    gb = EconomicsSpec.preset("green_book")
    assert (gb.qaly_value, gb.discount_costs, gb.discount_effects) == (70_000, 0.035, 0.015)
    assert EconomicsSpec.preset("nice").discount_effects == 0.035


def test_healthy_state_is_required_and_flips_the_sign():
    with pytest.raises(ValidationError, match="healthy_state"):
        EconomicsSpec(behaviours={"smoking": {"values": "not_smoking"}})
    with pytest.raises(ValidationError, match="not a valued state"):
        EconomicsSpec(behaviours={"smoking": {"values": "smoking", "healthy_state": "adopting"}})
    # modelling smokers as adopters of 'smoking': more smokers lose QALYs, fewer gain them
    spec = {"weeks_per_step": 52.0, "behaviours": {"smoking": {"values": "not_smoking", "healthy_state": "not_adopting"}}}
    more_smokers = evaluate(np.array([[10.0], [20.0]]), 10.0, None, spec, ["smoking"])
    fewer_smokers = evaluate(np.array([[10.0], [0.0]]), 10.0, None, spec, ["smoking"])
    assert more_smokers.qalys == pytest.approx(-10 * 0.03 / 1.015) and more_smokers.savings < 0
    assert fewer_smokers.qalys == pytest.approx(10 * 0.03 / 1.015) and fewer_smokers.savings > 0


@pytest.mark.parametrize(
    "data, field",
    [
        ({"discount_costs": -0.01}, "discount_costs"),
        ({"discount_effects": 2.0}, "discount_effects"),
        ({"weeks_per_step": 0}, "weeks_per_step"),
        ({"qaly_value": -1}, "qaly_value"),
        ({"reinvest": {"share": 1.5}}, "share"),
        ({"reinvest": {"lag_steps": -1}}, "lag_steps"),
        ({"behaviours": {"activity": {"qaly_gain": 3, "healthy_state": "adopting"}}}, "qaly_gain"),
        ({"behaviours": {"activity": {"cost_avoided": float("nan"), "healthy_state": "adopting"}}}, "cost_avoided"),
        ({"behaviours": {"activity": {"qaly_gain": 0.1, "healthy_state": "healthy"}}}, "healthy_state"),
        ({"thresholds": [0.0]}, "thresholds"),
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
    spec = {"behaviours": {"activity": {"values": "physically_active", "healthy_state": "adopting"},
                           "smoking": {"values": "not_smoking", "healthy_state": "not_adopting"}}}
    saved = savings_in_step(np.array([100.0, 50.0]), np.array([0.0, 10.0]), spec, ["activity", "smoking"])
    assert saved == pytest.approx((100 * 75.0 - 40 * 380.0) / 52)  # 40 more smokers cost money
    ledger = ReinvestLedger({"reinvest": {"share": 0.5, "lag_steps": 2, "max_budget": 60.0}})
    released = [ledger.step(s) for s in (100.0, 200.0, 300.0, -50.0, 400.0)]
    assert released == pytest.approx([0.0, 0.0, 50.0, 10.0, 0.0])  # 50, then capped at 60 in all
    assert ReinvestLedger().step(1e6) == 0.0  # share 0 by default
