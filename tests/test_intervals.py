"""experiments.intervals (the project's one interval helper) and experiments.palette."""

from __future__ import annotations

import math

import numpy as np
import pytest

from experiments.intervals import (
    NO_INTERVAL,
    Interval,
    band,
    format_interval,
    is_time,
    share_interval,
    t_interval,
    time_interval,
    wilson_interval,
)
from experiments.palette import STRATEGY_STYLES, style, styles


def test_wilson_matches_the_published_example():
    # Brown, Cai & DasGupta (2001), Statistical Science 16(2), and Wilson (1927): 0 of 10 -> [0, 0.278];
    # 5 of 10 -> [0.237, 0.763]
    assert wilson_interval(0, 10)[1:3] == pytest.approx((0.0, 0.2775), abs=5e-4)
    assert wilson_interval(5, 10)[1:3] == pytest.approx((0.2366, 0.7634), abs=5e-4)


def test_one_replicate_gives_no_interval():
    for iv in (t_interval([0.4]), share_interval([0.4])):
        assert iv.mean == 0.4 and iv.n == 1 and not iv.defined
        assert math.isnan(iv.low) and math.isnan(iv.high)
    assert format_interval(share_interval([0.4]), with_mean=False) == NO_INTERVAL
    mean, low, high = band(np.array([[0.1, 0.2]]))
    assert np.isnan(low).all() and np.isnan(high).all()


def test_share_interval_stays_in_unit_range_where_the_t_interval_does_not():
    values = [0.0, 0.0, 0.0, 0.01, 0.97]  # four runs fizzle, one tips: the case of issue 20
    t = t_interval(values)
    s = share_interval(values)
    assert t.low < 0
    assert 0.0 <= s.low <= s.mean <= s.high <= 1.0
    rng = np.random.default_rng(3)
    for _ in range(500):
        n = int(rng.integers(2, 12))
        x = np.where(rng.random(n) < 0.2, rng.uniform(0.8, 1.0, n), rng.uniform(0.0, 0.05, n))
        iv = share_interval(x)
        assert 0.0 <= iv.low <= iv.mean <= iv.high <= 1.0
    m = rng.random((7, 40)) ** 4
    mean, low, high = band(m)
    assert ((0 <= low) & (low <= mean) & (mean <= high) & (high <= 1)).all()


@pytest.mark.parametrize(("a", "b", "n"), [(2.0, 18.0, 10), (30.0, 10.0, 5), (1.0, 1.0, 20)])
def test_share_interval_covers_the_true_mean_95_percent_of_the_time(a, b, n):
    """Coverage over 4,000 simulated experiments of n Beta(a, b) replicates: 0.95 within +-0.02
    (binomial sd of the coverage estimate is 0.0034; the Wilson-with-effective-n interval is
    approximate, Korn & Graubard 1998 report coverage close to nominal for moderate n_eff)."""
    rng = np.random.default_rng(20)
    truth = a / (a + b)
    x = rng.beta(a, b, size=(4000, n))
    mean, low, high = band(x.T)  # columns are experiments: one call for all of them
    coverage = float(np.mean((low <= truth) & (truth <= high)))
    assert coverage == pytest.approx(0.95, abs=0.02)


def test_t_interval_is_the_textbook_one():
    iv = t_interval([1.0, 2.0, 3.0, 4.0])
    # mean 2.5, sd 1.291, t_{3, 0.975} = 3.182: half width 2.054
    assert (iv.low, iv.high) == pytest.approx((2.5 - 2.0541, 2.5 + 2.0541), abs=1e-3)
    assert t_interval([2.0, 2.0]) == Interval(2.0, 2.0, 2.0, 2)


def test_time_interval_never_goes_below_zero_and_keeps_the_t_intervals_coverage():
    """Weeks to reach 25%: skewed, often 0 (the first adopters alone make 25%). Over 4,000 experiments
    of 5 exponential(mean 2) times with a third set to 0, the t-interval's lower limit is below 0 in
    many of them; ``time_interval`` never is, and its coverage of the true mean (2/3 x 2) is the
    t-interval's exactly (the removed part holds no possible mean: Mandelkern 2002)."""
    rng = np.random.default_rng(25)
    x = rng.exponential(2.0, size=(4000, 5)) * (rng.random((4000, 5)) > 1 / 3)
    truth = 2.0 * 2 / 3
    ts = [t_interval(row) for row in x]
    times = [time_interval(row) for row in x]
    assert sum(t.low < 0 for t in ts) > 400
    assert all(iv.low >= 0 and iv.low <= iv.mean <= iv.high for iv in times)
    assert all(iv.low == max(t.low, 0.0) and iv.high == t.high for iv, t in zip(times, ts, strict=True))
    cover_t = np.mean([t.low <= truth <= t.high for t in ts])
    cover = np.mean([iv.low <= truth <= iv.high for iv in times])
    assert cover == cover_t
    assert not time_interval([3.0]).defined
    with pytest.raises(ValueError, match="non-negative"):
        time_interval([1.0, -2.0])
    assert is_time("time.activity.0.5") and is_time("t25") and not is_time("final.activity")


def test_format_interval_percent():
    assert format_interval(Interval(0.25, 0.2, 0.3, 5), digits=1, percent=True) == "25.0% [20.0, 30.0]"
    assert format_interval(Interval(0.25, 0.2, 0.3, 5), digits=1, percent=True, with_mean=False) == "20.0% - 30.0%"


def test_every_strategy_has_its_own_colour_and_marker():
    from model.targeting import STRATEGIES

    assert set(STRATEGIES) <= set(STRATEGY_STYLES)
    looks = [STRATEGY_STYLES[s] for s in STRATEGIES]
    assert len({s.colour for s in looks}) == len(looks)
    assert len({s.marker for s in looks}) == len(looks)
    assert style("degree") == styles(["A", "degree"])["degree"]
    other = styles(["degree", "A", "B"])
    assert len({other[k].colour for k in other}) == 3
