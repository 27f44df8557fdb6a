"""Cost-effectiveness estimators against a textbook case, hand cases and analytic values.

* Briggs, Claxton & Sculpher (2006), *Decision Modelling for Health Economic Evaluation*, exercise 2.5
  (the Chancellor et al. 1997 HIV Markov model: zidovudine monotherapy against zidovudine + lamivudine,
  20 annual cycles, costs discounted at 6%, life-years undiscounted) reports an ICER of GBP 6,276 per
  life-year gained.
* Ratio of means against mean of ratios: a hand case where they differ (40 against 62.5).
* CEAC: for normal incremental costs and effects the share with positive net monetary benefit is
  Phi(E[NMB] / sd[NMB]) (Fenwick, Claxton & Sculpher 2001).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from experiments import cea
from model.economics import discount_factors


def _briggs_hiv_arm(combination: bool) -> tuple[float, float]:
    """Discounted costs and life-years of one arm of the Briggs et al. (2006) exercise 2.5 HIV model."""
    P = np.array([[0.721, 0.202, 0.067, 0.010], [0, 0.581, 0.407, 0.012], [0, 0, 0.750, 0.250], [0, 0, 0, 1.0]])
    rr = 0.509  # relative risk of progression on combination therapy, first 2 years
    combo = P.copy()
    for i in range(3):
        for j in range(4):
            if j != i:
                combo[i, j] = P[i, j] * rr
        combo[i, i] = 1 - (combo[i].sum() - combo[i, i])
    state_costs = np.array([1701 + 1055, 1774 + 1278, 6948 + 2059])  # direct medical + community, states A-C
    d = discount_factors(20, 0.06, 52.0)  # annual cycles: end-of-year factors 1 / 1.06^t
    s = np.array([1.0, 0, 0, 0])
    cost = years = 0.0
    for t in range(1, 21):
        s = s @ (combo if combination and t <= 2 else P)
        drug = 2278 + (2086 if combination and t <= 2 else 0)
        cost += (s[:3] * (state_costs + drug)).sum() * d[t]
        years += s[:3].sum()
    return cost, years


def test_icer_of_the_briggs_hiv_exercise():
    mono, combo = _briggs_hiv_arm(False), _briggs_hiv_arm(True)
    table = pd.DataFrame({"incremental_cost": [combo[0] - mono[0]], "incremental_qalys": [combo[1] - mono[1]]})
    value, where = cea.icer(table)
    assert where == "NE trade-off"
    assert value == pytest.approx(6276, abs=1.0)  # Briggs et al. 2006: GBP 6,276 per life-year gained
    # at a willingness to pay equal to the ICER the net monetary benefit is zero
    nmb = value * table["incremental_qalys"] - table["incremental_cost"]
    assert float(nmb.iloc[0]) == pytest.approx(0.0, abs=1e-6)


def test_ratio_of_means_not_mean_of_ratios():
    table = pd.DataFrame({"incremental_cost": [100.0, 100.0], "incremental_qalys": [1.0, 4.0]})
    mean_of_ratios = (table["incremental_cost"] / table["incremental_qalys"]).mean()
    assert mean_of_ratios == 62.5
    assert cea.icer(table) == (40.0, "NE trade-off")


def test_quadrants_are_named_not_given_negative_ratios():
    dominant = pd.DataFrame({"incremental_cost": [-50.0, -10.0], "incremental_qalys": [1.0, 2.0]})
    dominated = pd.DataFrame({"incremental_cost": [50.0, 10.0], "incremental_qalys": [-1.0, -2.0]})
    sw = pd.DataFrame({"incremental_cost": [-50_000.0], "incremental_qalys": [-1.0]})
    value, where = cea.icer(dominant)
    assert math.isnan(value) and where == "dominant"
    value, where = cea.icer(dominated)
    assert math.isnan(value) and where == "dominated"
    assert cea.icer(sw) == (50_000.0, "SW trade-off")


def _table(dq, dc):
    dq, dc = np.asarray(dq, float), np.asarray(dc, float)
    return pd.DataFrame({"replicate": np.arange(len(dq)), "seed": np.arange(len(dq)), "incremental_cost": dc,
                         "incremental_qalys": dq, "costs_avoided": np.zeros(len(dq)), "net_monetary_benefit": 20_000 * dq - dc})


def test_bootstrap_interval_of_a_mean_matches_the_t_interval():
    x = np.random.default_rng(3).normal(10.0, 2.0, size=200)
    est, low, high, boot = cea.bootstrap(pd.DataFrame({"x": x}), lambda d: d["x"].mean(), seed=1)
    half = stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x))
    assert est == pytest.approx(x.mean())
    assert low == pytest.approx(x.mean() - half, abs=0.15 * half)  # percentile vs t: within 15% of the half-width
    assert high == pytest.approx(x.mean() + half, abs=0.15 * half)
    assert len(boot) == cea.BOOTSTRAP_SAMPLES


def test_icer_interval_given_only_inside_one_quadrant():
    rng = np.random.default_rng(0)
    clear = _table(rng.normal(1.0, 0.1, 40), rng.normal(10_000, 1_000, 40))
    row = cea.summarise(clear).set_index("metric").loc["icer"]
    assert row["mean"] == pytest.approx(clear["incremental_cost"].mean() / clear["incremental_qalys"].mean(), rel=1e-12)
    assert row["ci_low"] < row["mean"] < row["ci_high"]
    vague = _table(rng.normal(0.05, 1.0, 40), rng.normal(10_000, 1_000, 40))  # QALYs straddle zero
    row = cea.summarise(vague).set_index("metric").loc["icer"]
    assert math.isnan(row["ci_low"]) and "interval not defined" in row["note"]


def test_one_replicate_has_no_interval():
    summary = cea.summarise(_table([1.0], [5_000.0]))
    assert summary[["ci_low", "ci_high"]].isna().all().all()
    assert summary.attrs["replicates"] == 1


def test_net_benefit_at_stated_thresholds():
    summary = cea.summarise(_table([1.0, 3.0], [10_000.0, 30_000.0]), thresholds=(20_000.0, 30_000.0)).set_index("metric")
    assert summary.loc["net_monetary_benefit@20000", "mean"] == pytest.approx(20_000 * 2.0 - 20_000)
    assert summary.loc["net_monetary_benefit@30000", "mean"] == pytest.approx(30_000 * 2.0 - 20_000)
    assert summary.loc["net_health_benefit@20000", "mean"] == pytest.approx(2.0 - 20_000 / 20_000)


def test_ceac_matches_the_normal_theory_value():
    rng = np.random.default_rng(11)
    n = 20_000
    dq, dc = rng.normal(0.5, 0.4, n), rng.normal(8_000, 4_000, n)
    curve = cea.ceac(_table(dq, dc), [10_000.0, 20_000.0, 30_000.0])
    for wtp, p in zip(curve["wtp"], curve["probability"], strict=True):
        expected = stats.norm.cdf((wtp * 0.5 - 8_000) / math.hypot(wtp * 0.4, 4_000))
        assert p == pytest.approx(expected, abs=0.01)  # Monte-Carlo sd < 0.004 at n = 20,000


def test_ceac_options_sum_to_one_and_pick_the_best():
    a = _table([1.0, 1.0, 1.0], [10_000.0, 10_000.0, 10_000.0])
    b = _table([2.0, 2.0, 2.0], [50_000.0, 50_000.0, 50_000.0])
    best = cea.ceac_options({"a": a, "b": b}, [5_000.0, 20_000.0, 60_000.0]).set_index("wtp")
    assert np.allclose(best.sum(axis=1), 1.0)
    assert best.loc[5_000.0, "doing nothing"] == 1.0  # NMB a = -5,000, b = -40,000
    assert best.loc[20_000.0, "a"] == 1.0  # a 10,000, b -10,000
    assert best.loc[60_000.0, "b"] == 1.0  # a 50,000, b 70,000


def test_parquet_round_trip_keeps_the_metadata(tmp_path):
    table = _table([1.0, 4.0], [100.0, 100.0])
    path = cea.write_economics(table, tmp_path / "economics.parquet", {"horizon_years": "5", "currency": "GBP"})
    back, meta = cea.read_economics(path)
    pd.testing.assert_frame_equal(back, table)
    assert meta == {"horizon_years": "5", "currency": "GBP"}
    with pytest.raises(ValueError, match="incremental_cost"):
        cea.write_economics(table.drop(columns="incremental_cost"), tmp_path / "x.parquet", {})
