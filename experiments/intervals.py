"""The one place the project computes 95% intervals: shares stay in [0, 1], everything else gets a t-interval.

Every table, chart and report (``wellspread run``, ``compare``, ``report``, the dashboard) calls these
functions, so a number printed in one place matches the same number drawn in another.

Which interval for which quantity
---------------------------------
* **A mean of per-replicate shares** (final adoption, adoption per round, adoption in a group): values
  in [0, 1] whose mean is itself a share. A t-interval ``mean +- t * sd / sqrt(n)`` leaves [0, 1] when the
  mean is near 0 or 1 or when replicates are few and spread (cascades that tip in some runs and not in
  others); cutting it at 0 and 1 hides that. :func:`share_interval` uses the **Wilson score interval
  with an effective sample size** (Korn & Graubard 1998): the replicate-to-replicate variance of the
  mean, ``s^2 / n``, is matched by a binomial proportion with ``n_eff = mean (1 - mean) / (s^2 / n)``
  trials, and the Wilson interval (Wilson 1927) is taken for that proportion with the t quantile on
  ``n - 1`` degrees of freedom. It always lies in [0, 1], always contains the mean, is asymmetric near
  the bounds as it should be, and tends to the t-interval when ``n`` is large and the mean is away from
  the bounds. Measured coverage (tests/test_intervals.py, 4,000 experiments each): 0.949 for 10
  Beta(2, 18) replicates, 0.950 for 5 Beta(30, 10), 0.957 for 20 uniform; it falls to about 0.88 for
  5 replicates of a very skewed share (Beta(0.3, 3)): use more replicates there. (A logit-t interval, the other usual choice, is undefined when a replicate is exactly 0
  or 1, which happens all the time here, and its back-transformed centre need not contain the mean.)
* **A pooled proportion** (k of n runs tipped into a cascade): :func:`wilson_interval` on (k, n).
* **A time** (rounds or weeks to reach 25% or 50%, ``time.*`` columns): :func:`time_interval`, the
  t-interval with its lower limit raised to 0. A mean time cannot be negative, so the part of the
  t-interval below 0 can never hold it: cutting it away (restricting the interval to the parameter
  space, Mandelkern 2002) leaves the coverage exactly as it was, and no table shows "-3 weeks".
  (A t-interval on log times is undefined when a run reaches the level at round 0, which happens
  whenever the first adopters alone make 25%; a percentile bootstrap under-covers with 5 replicates.)
* **Anything else unbounded** (costs, QALYs, differences between arms):
  :func:`t_interval`, the usual mean +- t_{n-1, 0.975} sd / sqrt(n).
* **Functions of several means** (an ICER, a net benefit, a cost per person: the economics tables,
  ``experiments.cea``): a paired percentile bootstrap over replicates, :func:`bootstrap_means` then
  :func:`percentile_interval`.

Conventions
-----------
* One replicate gives **no interval**: ``low`` and ``high`` are NaN and callers print
  :data:`NO_INTERVAL` ("no interval (1 replicate)"); :func:`format_interval` does this for you.
* Replicates that all agree give a zero-width interval at the mean (there is no spread to show).
* NaN values (e.g. "never reached 50%") are left out; ``n`` counts the values used.

References
----------
E. B. Wilson (1927), Probable inference, the law of succession, and statistical inference.
JASA 22(158): 209-212. doi:10.1080/01621459.1927.10502953

E. L. Korn and B. I. Graubard (1998), Confidence intervals for proportions with small expected number
of positive counts estimated from survey data. Survey Methodology 24(2): 193-201.

M. Mandelkern (2002), Setting confidence intervals for bounded parameters. Statistical Science
17(2): 149-172 (an interval for a bounded parameter restricted to its allowed range).

L. D. Brown, T. T. Cai and A. DasGupta (2001), Interval estimation for a binomial proportion.
Statistical Science 16(2): 101-133 (why Wilson rather than the Wald interval near 0 and 1).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from scipy import stats

__all__ = [
    "LEVEL", "NO_INTERVAL", "Interval", "t_interval", "time_interval", "is_time", "share_interval", "wilson_interval", "interval",
    "band", "is_share", "format_interval", "bootstrap_means", "percentile_interval",
]

#: the confidence level used everywhere
LEVEL = 0.95
#: what a table prints instead of an interval when there is only one replicate
NO_INTERVAL = "no interval (1 replicate)"


class Interval(NamedTuple):
    """A mean and its 95% interval over ``n`` values (``low``/``high`` NaN when ``n < 2``)."""

    mean: float
    low: float
    high: float
    n: int

    @property
    def defined(self) -> bool:
        return not (math.isnan(self.low) or math.isnan(self.high))


def _clean(values) -> np.ndarray:
    x = np.asarray(values, dtype=float).ravel()
    return x[np.isfinite(x)]


def _no_interval(x: np.ndarray) -> Interval:
    """Fewer than two values: the mean (NaN for none) and no interval."""
    return Interval(float(x.mean()) if len(x) else math.nan, math.nan, math.nan, len(x))


def _quantile(df, level: float):
    return stats.t.ppf(0.5 + level / 2, df)


def t_interval(values, level: float = LEVEL) -> Interval:
    """Mean and t-interval of the mean, for unbounded quantities.

    Examples
    --------
    >>> iv = t_interval([1.0, 2.0, 3.0])
    >>> round(iv.mean, 3), round(iv.low, 3), round(iv.high, 3), iv.n
    (2.0, -0.484, 4.484, 3)
    >>> t_interval([5.0]).defined
    False
    """
    x = _clean(values)
    if len(x) < 2:
        return _no_interval(x)
    n, mean = len(x), float(x.mean())
    half = float(_quantile(n - 1, level) * x.std(ddof=1) / math.sqrt(n))
    return Interval(mean, mean - half, mean + half, n)


def time_interval(values, level: float = LEVEL) -> Interval:
    """Mean and interval of a non-negative quantity (a time): the t-interval cut at 0 (never below 0).

    Examples
    --------
    >>> iv = time_interval([0.0, 0.0, 1.0])   # the t-interval would start at -1.1 rounds
    >>> iv.low, round(iv.high, 3), iv.n
    (0.0, 1.768, 3)
    >>> time_interval([4.0, 5.0, 6.0]).low == t_interval([4.0, 5.0, 6.0]).low   # away from 0: the t-interval
    True
    """
    iv = t_interval(values, level)
    if len(x := _clean(values)) and x.min() < 0:
        raise ValueError(f"time_interval: values must be non-negative times, got {x.min():g}")
    if not iv.defined:
        return iv
    return Interval(iv.mean, max(iv.low, 0.0), iv.high, iv.n)


def is_time(metric: str) -> bool:
    """Whether a results column holds a time to reach a level (``time.*``, ``t25``, ``t50``): never negative."""
    return metric.startswith("time.") or metric in ("t25", "t50")


def _wilson(p, n_eff, z):
    """Vectorised Wilson bounds for proportion ``p`` with ``n_eff`` trials and quantile ``z``."""
    p = np.asarray(p, dtype=float)
    n_eff = np.asarray(n_eff, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        z2n = np.where(np.isinf(n_eff), 0.0, z * z / n_eff)
        centre = (p + z2n / 2) / (1 + z2n)
        half = z * np.sqrt(p * (1 - p) / n_eff + z2n / n_eff / 4) / (1 + z2n)
        half = np.where(np.isinf(n_eff), 0.0, half)
    low = np.clip(centre - half, 0.0, 1.0)
    high = np.clip(centre + half, 0.0, 1.0)
    # rounding must never leave the mean outside its own interval
    return np.minimum(low, p), np.maximum(high, p)


def wilson_interval(successes: int, trials: int, level: float = LEVEL) -> Interval:
    """Wilson score interval of a pooled proportion ``successes / trials`` (e.g. runs that tipped).

    Examples
    --------
    >>> iv = wilson_interval(0, 10)
    >>> iv.low, round(iv.high, 3)
    (0.0, 0.278)
    """
    if trials <= 0:
        return Interval(math.nan, math.nan, math.nan, 0)
    p = successes / trials
    if trials < 2:
        return Interval(p, math.nan, math.nan, trials)
    z = float(stats.norm.ppf(0.5 + level / 2))
    low, high = _wilson(p, trials, z)
    return Interval(p, float(low), float(high), trials)


def share_interval(values, level: float = LEVEL) -> Interval:
    """Mean of per-replicate shares with a Wilson interval on the effective sample size (stays in [0, 1]).

    Examples
    --------
    >>> iv = share_interval([0.0, 0.0, 0.02, 0.9])   # three runs fizzle, one tips
    >>> 0.0 <= iv.low <= iv.mean <= iv.high <= 1.0
    True
    >>> t = t_interval([0.0, 0.0, 0.02, 0.9])
    >>> t.low < 0 < iv.low or t.low < 0 == iv.low
    True
    """
    x = _clean(values)
    if len(x) and (x.min() < -1e-12 or x.max() > 1 + 1e-12):
        raise ValueError(f"share_interval: values must be shares in [0, 1], got {x.min():g} .. {x.max():g}")
    x = np.clip(x, 0.0, 1.0)
    if len(x) < 2:
        return _no_interval(x)
    n, mean = len(x), float(x.mean())
    low, high = _share_bounds(np.array([mean]), np.array([x.var(ddof=1)]), n, level)
    return Interval(mean, float(low[0]), float(high[0]), n)


def _share_bounds(mean: np.ndarray, var: np.ndarray, n: int, level: float):
    with np.errstate(divide="ignore", invalid="ignore"):
        n_eff = np.where(var > 0, mean * (1 - mean) / (var / n), np.inf)
    n_eff = np.maximum(n_eff, 1.0)
    return _wilson(mean, n_eff, float(_quantile(n - 1, level)))


def is_share(metric: str) -> bool:
    """Whether a results column holds a share in [0, 1] (``final.*``, ``peak.*``, ``tipped``)."""
    return metric.startswith(("final.", "peak.", "adopted", "share")) or metric in ("tipped", "final")


def interval(values, share: bool, level: float = LEVEL, time: bool = False) -> Interval:
    """:func:`share_interval` for shares, :func:`time_interval` for times, :func:`t_interval` otherwise."""
    if share:
        return share_interval(values, level)
    return time_interval(values, level) if time else t_interval(values, level)


def band(matrix, share: bool = True, level: float = LEVEL) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-column mean and interval of a (replicates x rounds) matrix: the band around a curve.

    With one row the bounds are NaN (no band: draw the curve alone).

    Examples
    --------
    >>> m = np.array([[0.0, 0.1, 0.9], [0.0, 0.3, 1.0]])
    >>> mean, low, high = band(m)
    >>> bool(((0 <= low) & (low <= mean) & (mean <= high) & (high <= 1)).all())
    True
    """
    m = np.asarray(matrix, dtype=float)
    if m.ndim == 1:
        m = m[None, :]
    n = m.shape[0]
    mean = m.mean(axis=0)
    if n < 2:
        nan = np.full_like(mean, np.nan)
        return mean, nan, nan.copy()
    var = m.var(axis=0, ddof=1)
    if share:
        mean = np.clip(mean, 0.0, 1.0)
        low, high = _share_bounds(mean, var, n, level)
        return mean, low, high
    half = _quantile(n - 1, level) * np.sqrt(var / n)
    return mean, mean - half, mean + half


def format_interval(iv: Interval, digits: int = 3, percent: bool = False, with_mean: bool = True) -> str:
    """``"0.412 [0.380, 0.445]"`` (or ``"41.2% [38.0, 44.5]"``); one replicate: ``NO_INTERVAL``.

    Examples
    --------
    >>> format_interval(Interval(0.5, 0.4, 0.6, 10))
    '0.500 [0.400, 0.600]'
    >>> format_interval(Interval(0.5, float("nan"), float("nan"), 1), percent=True, digits=1)
    '50.0% (no interval (1 replicate))'
    >>> format_interval(Interval(0.5, float("nan"), float("nan"), 1), with_mean=False)
    'no interval (1 replicate)'
    """
    if math.isnan(iv.mean):
        return "-"
    scale, unit = (100.0, "%") if percent else (1.0, "")
    head = f"{iv.mean * scale:.{digits}f}{unit}" if with_mean else ""
    if not iv.defined:
        text = NO_INTERVAL if iv.n <= 1 else "no interval"
        return f"{head} ({text})" if with_mean else text
    lo, hi = f"{iv.low * scale:.{digits}f}", f"{iv.high * scale:.{digits}f}"
    if with_mean:
        return f"{head} [{lo}, {hi}]"
    return f"{lo}{unit} - {hi}{unit}"


def bootstrap_means(table, samples: int = 2000, seed: int = 0) -> dict:
    """Paired bootstrap means of every numeric column of ``table`` (a DataFrame of replicates).

    Whole rows are resampled with replacement, the same resamples for every column, so costs and
    effects of one replicate stay together (Efron & Tibshirani 1993, ch. 6; Briggs, Wonderling &
    Mooney 1997 for cost-effectiveness ratios). Fewer than two rows: empty arrays.

    Examples
    --------
    >>> import pandas as pd
    >>> m = bootstrap_means(pd.DataFrame({"x": [1.0, 3.0]}), samples=4, seed=0)
    >>> sorted(set(m["x"].tolist()) - {1.0, 2.0, 3.0})
    []
    """
    import pandas as pd

    n = len(table)
    idx = np.random.default_rng(seed).integers(0, n, size=(samples, n)) if n >= 2 else np.zeros((0, n), dtype=int)
    return {c: table[c].to_numpy(dtype=float)[idx].mean(axis=1) for c in table.columns
            if pd.api.types.is_numeric_dtype(table[c])}


def percentile_interval(estimate: float, boot, n: int, level: float = LEVEL) -> Interval:
    """The percentile bootstrap interval of ``estimate`` from its bootstrap values ``boot`` (NaN ones left
    out); ``n`` replicates, no interval when ``n < 2``.

    Examples
    --------
    >>> iv = percentile_interval(2.0, np.arange(101.0) / 25, 10)
    >>> round(iv.low, 6), round(iv.high, 6), iv.n
    (0.1, 3.9, 10)
    """
    boot = _clean(boot)
    if n < 2 or len(boot) == 0:
        return Interval(float(estimate), math.nan, math.nan, n)
    low, high = np.quantile(boot, [0.5 - level / 2, 0.5 + level / 2])
    return Interval(float(estimate), float(low), float(high), n)
