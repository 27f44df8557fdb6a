"""Likelihood components for calibration: the deviance of observed counts given simulated shares.

Where the data are counts (adopters out of the people counted in each cell: a unit, a group within
a unit, a step of a time series), the simulated share of a cell is read as the probability of
adopting and the data's log-likelihood under it measures the fit. ABC then uses the deviance,
``2 (log L(saturated) - log L(simulated))``, as its distance (a likelihood-derived distance, as
in Starsim's Binomial and BetaBinomial components, but inside ABC-SMC so the result is a posterior,
not a point). Cells are treated as independent (a composite likelihood over a time series).

- ``binomial``: adopters ~ Binomial(eligible, p) per cell.
- ``beta_binomial``: adopters ~ BetaBinomial(eligible, p, rho): people in one cell share unobserved
  circumstances (intra-cell correlation ``rho``, ``overdispersion``), so large cells count for less
  than independence would say (Williams 1975, "The analysis of binary responses from toxicological
  experiments involving reproduction and teratogenicity", *Biometrics* 31:949).
"""

from __future__ import annotations

import numpy as np
from scipy.special import betaln, xlogy

__all__ = ["binomial_deviance", "beta_binomial_deviance", "LikelihoodDistance"]


def _clip(p, n):
    """Shares kept off 0 and 1 by half a person: a simulated 0 must not make observed adopters impossible."""
    half = 0.5 / np.maximum(n, 1.0)
    return np.clip(p, half, 1.0 - half)


def binomial_deviance(simulated, adopters, eligible) -> float:
    """Binomial deviance of ``adopters`` out of ``eligible`` per cell at the ``simulated`` shares.

    Examples
    --------
    >>> binomial_deviance([0.3], [3.0], [10.0])  # the saturated fit: nothing to explain
    0.0
    >>> round(binomial_deviance([0.5], [3.0], [10.0]), 4)  # 2 (3 log(0.3/0.5) + 7 log(0.7/0.5))
    1.6457
    """
    k, n = np.asarray(adopters, float), np.asarray(eligible, float)
    p, seen = _clip(np.asarray(simulated, float), n), k / n
    return float(max(0.0, 2.0 * np.sum(xlogy(k, seen) - xlogy(k, p) + xlogy(n - k, 1.0 - seen) - xlogy(n - k, 1.0 - p))))


def beta_binomial_deviance(simulated, adopters, eligible, rho: float) -> float:
    """Beta-binomial deviance per cell (mean share ``simulated``, intra-cell correlation ``rho``) against
    the same law at the observed shares; as ``rho`` -> 0 it becomes the binomial deviance.

    Examples
    --------
    >>> beta_binomial_deviance([0.3], [3.0], [10.0], 0.1)
    0.0
    >>> d = beta_binomial_deviance([0.5], [3.0], [10.0], 0.1)
    >>> 0 < d < binomial_deviance([0.5], [3.0], [10.0])  # overdispersion: the same miss counts for less
    True
    """
    k, n = np.asarray(adopters, float), np.asarray(eligible, float)

    def log_likelihood(p):
        a, b = p * (1.0 - rho) / rho, (1.0 - p) * (1.0 - rho) / rho
        return betaln(k + a, n - k + b) - betaln(a, b)  # the binomial coefficient cancels in the deviance

    saturated = log_likelihood(_clip(k / n, n))
    return float(max(0.0, 2.0 * np.sum(saturated - log_likelihood(_clip(np.asarray(simulated, float), n)))))


class LikelihoodDistance:
    """pyabc distance ``(simulated, observed) -> deviance`` on the per-cell shares under key ``s``.

    ``eligible``: people counted per cell (the observed counts are share x eligible).
    """

    def __init__(self, kind: str, eligible, rho: float = 0.02):
        self.kind, self.eligible, self.rho = kind, np.asarray(eligible, float), rho

    def __call__(self, x: dict, x_0: dict) -> float:
        simulated, adopters = np.asarray(x["s"], float), np.asarray(x_0["s"], float) * self.eligible
        if self.kind == "binomial":
            return binomial_deviance(simulated, adopters, self.eligible)
        return beta_binomial_deviance(simulated, adopters, self.eligible, self.rho)
