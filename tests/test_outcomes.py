"""Outcomes: prevalence by group, SII/RII and gap, tipping points, isolation."""

import math

import networkx as nx
import numpy as np
import pytest

from model import simulate
from model.outcomes import (
    inequality,
    isolated_by_degree,
    isolated_share,
    panel,
    prevalence,
    slope_index,
    tipping_point,
    tipping_points,
)

GROUPS = ["all"] + [f"deprivation={q}" for q in range(1, 6)]
SIZES = {"all": 500, **{f"deprivation={q}": 100 for q in range(1, 6)}}


def table(steps):
    """Two behaviours; 'activity' has prevalence 0.1..0.5 from most to least deprived at step 0."""
    h = np.zeros((steps, 2, 6))
    for t in range(steps):
        by_q = np.array([0.1, 0.2, 0.3, 0.4, 0.5]) + 0.1 * t * np.array([1.0, 0.5, 0.0, -0.5, -1.0]) / 2
        h[t, 0, 1:] = by_q
        h[t, 0, 0] = by_q.mean()
        h[t, 1, :] = 0.25
    return panel(h, ["activity", "connection"], GROUPS, SIZES)


def test_sii_equal_quintiles_by_hand():
    # ridits 0.1, 0.3, 0.5, 0.7, 0.9; prevalence rises 0.1 per 0.2 of population: slope 0.5
    sii, rii = slope_index([0.1, 0.2, 0.3, 0.4, 0.5], [1, 1, 1, 1, 1])
    assert sii == pytest.approx(0.5)
    assert rii == pytest.approx(0.5 / 0.3)
    sii_rev, _ = slope_index([0.1, 0.2, 0.3, 0.4, 0.5], [1, 1, 1, 1, 1], most_deprived_first=False)
    assert sii_rev == pytest.approx(-0.5)


def test_sii_unequal_groups_by_hand():
    # shares 1/4, 3/4 -> ridits 0.125, 0.625: two points, slope = 0.4 / 0.5
    sii, rii = slope_index([0.2, 0.6], [100, 300])
    assert sii == pytest.approx(0.8)
    assert rii == pytest.approx(0.8 / 0.5)
    assert all(math.isnan(v) for v in slope_index([0.3], [10]))
    with pytest.raises(ValueError):
        slope_index([0.1, 0.2], [1])


def test_inequality_and_gap_over_time():
    df = inequality(table(3))
    act = df[df["behaviour"] == "activity"].set_index("step")
    # gap = least (Q5) - most deprived (Q1): 0.4, then 0.4 - 0.1 t
    assert act["gap"].tolist() == pytest.approx([0.4, 0.3, 0.2])
    assert act.loc[0, "sii"] == pytest.approx(0.5)
    assert act.loc[2, "sii"] == pytest.approx(0.25)  # slope halves as the gradient halves
    flat = df[df["behaviour"] == "connection"]
    assert flat["sii"].tolist() == pytest.approx([0, 0, 0]) and flat["gap"].tolist() == pytest.approx([0, 0, 0])


def test_prevalence_long_table():
    df = prevalence(table(2))
    assert list(df.columns) == ["step", "behaviour", "deprivation", "prevalence"]
    assert len(df) == 2 * 2 * 5
    row = df[(df.step == 0) & (df.behaviour == "activity") & (df.deprivation == 5)]
    assert row["prevalence"].item() == pytest.approx(0.5)
    with pytest.raises(ValueError, match="age_band"):
        prevalence(table(2), "age_band")


def test_prevalence_by_age_band_from_a_town_run():
    sc = {
        "seed": 1,
        "steps": 5,
        "network": {"kind": "town", "n": 1500},
        "groups": ["deprivation", "age_band"],
        "behaviours": [{"name": "activity", "rule": "sis", "beta": 0.1, "relapse": 0.05, "initial": 0.1}],
    }
    res = simulate(sc)
    df = prevalence(res, "age_band")
    bands = list(dict.fromkeys(df["age_band"]))
    assert bands[-1] == "65+" and len(bands) >= 3
    assert set(inequality(res)["step"]) == set(range(res.steps + 1))


def logistic(t, mid, rate=0.3, top=0.9):
    return top / (1 + np.exp(-rate * (t - mid)))


def test_tipping_on_a_logistic_curve():
    t = np.arange(120)
    a = np.where(t <= 10, 0.05, 0.05 + logistic(t, 40))
    assert tipping_point(a, 10) == 10  # grows from the end of recruitment on
    # a dip after recruitment, then take-off: the tipping point is the bottom of the dip
    dip = a.copy()
    dip[11:20] = 0.05 - 0.002 * np.arange(1, 10)
    dip[20:] = np.maximum(dip[20:], 0.033)
    assert tipping_point(dip, 10, window=1) == 19  # the lowest point, 0.032 at step 19
    assert tipping_point(dip, 10) == 16  # from 16 on every 4-step window grows (16 -> 20, ...)


def test_no_tipping_when_adoption_stalls():
    t = np.arange(120)
    stall = 0.05 + 0.03 * (1 - np.exp(-t / 10))  # rises 60%, never doubles
    assert tipping_point(stall, 0) is None
    falls = 0.3 * np.exp(-t / 30)
    assert tipping_point(falls, 0) is None
    noisy = 0.05 + 0.004 * np.sin(t)  # noise without take-off
    assert tipping_point(noisy, 0) is None
    with pytest.raises(ValueError):
        tipping_point(stall, 500)


def test_tipping_points_of_a_run():
    sc = {
        "seed": 2,
        "steps": 60,
        "network": {"kind": "erdos_renyi", "n": 1000, "mean_degree": 6.0},
        "behaviours": [{"name": "activity", "rule": "sis", "beta": 0.08, "relapse": 0.02}],
        "seeding": {"count": 10},
    }
    tips = tipping_points(simulate(sc))
    assert tips["activity"] is not None and tips["activity"] <= 5


def test_isolation():
    df = isolated_share(table(2), attribute="deprivation")
    assert df["isolated"].tolist() == pytest.approx([0.75, 0.75])
    assert df["deprivation=1"].tolist() == pytest.approx([0.75, 0.75])
    with pytest.raises(ValueError, match="no behaviour"):
        isolated_share(table(2), "walking")
    G = nx.Graph([(0, 1), (1, 2)])
    G.add_node(3)
    assert isolated_by_degree(G) == pytest.approx(0.25)
    assert isolated_by_degree(G, k=1) == pytest.approx(0.75)
    assert isolated_by_degree([0, 0, 5, 2]) == pytest.approx(0.5)
