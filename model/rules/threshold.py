"""threshold: adopt once the adopting share of one's neighbours reaches one's threshold.

The fractional-threshold model of collective behaviour (Granovetter 1978, *Am. J. Sociol.* 83:1420)
on networks (Watts 2002, *PNAS* 99:5766). ``threshold`` is one number for everyone or a
distribution drawn once per person per run. Progressive: adopters stay adopters. A person with no
neighbours never adopts unless seeded.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numba import njit, prange
from pydantic import Field

from ._counting import (
    CountCache,
    adopt,
    needed_counts,
    push_need_crossings,
    push_share_crossings,
    recounted,
)
from ._kernel import calls_kernels, kernel, running_adopters, tie_blocks
from ._params import (
    BehaviourBase,
    Probability,
    ThresholdDistribution,
    draw_thresholds,
    steady_when_unchanged,
    threshold_key,
    threshold_of,
)
from ._protocol import MeanField

HELP = "adopt when the share of adopting neighbours reaches the threshold"
ARRAYS = {}  # thresholds are per person: ``Population.theta``
MEAN_FIELD_REMEMBERS = True  # the law needs the highest share already tested (MeanField.seen)
PROGRESSIVE = True
steady = steady_when_unchanged  # a progressive round that changed nothing is a fixed point


class Params(BehaviourBase):
    rule: Literal["threshold"]
    threshold: Probability | ThresholdDistribution = Field(
        0.18, description="adopt when adopting neighbours / degree >= threshold"
    )


def prepare(pop, b: int, params: Params, rng: np.random.Generator) -> None:
    pop.theta[b] = draw_thresholds(params.threshold, pop.n, rng)


def mean_field(params: Params, field: MeanField) -> float:
    """On K_n, with thresholds drawn once (CDF F), the non-adopters are those whose threshold
    exceeded every share seen so far, m: the round's hazard is (F(s) - F(m)) / (1 - F(m)) with s the
    share of neighbours adopting (Granovetter 1978). One threshold for all makes it deterministic."""
    return tested_hazard(threshold_cdf(params.threshold), field)


def tested_hazard(F, field: MeanField) -> float:
    """(F(share + shift) - F(seen)) / (1 - F(seen)): the chance a threshold not yet crossed is crossed now."""
    before = float(F(field.seen)) if field.seen >= 0 else 0.0
    if before >= 1.0:
        return 0.0
    return max((float(F(field.share + field.shift)) - before) / (1.0 - before), 0.0)


def threshold_cdf(spec):
    """F(s) = P(threshold <= s) for the ``threshold`` field (a number or a distribution)."""
    if isinstance(spec, (int, float)):
        theta = float(spec)
        return lambda s: np.where(np.asarray(s) >= theta, 1.0, 0.0)
    dist = spec.dist
    if dist == "uniform":
        low, high = spec.low, spec.high
        if high <= low:
            return lambda s: np.where(np.asarray(s) >= low, 1.0, 0.0)
        return lambda s: np.clip((np.asarray(s) - low) / (high - low), 0.0, 1.0)
    from scipy import stats  # only the twin needs it

    if dist == "normal":  # drawn then clipped to [0, 1]
        mean, sd = spec.mean, spec.sd
        if sd == 0:
            theta = min(max(mean, 0.0), 1.0)
            return lambda s: np.where(np.asarray(s) >= theta, 1.0, 0.0)
        return lambda s: np.where(
            np.asarray(s) < 0, 0.0, np.where(np.asarray(s) >= 1, 1.0, stats.norm.cdf(np.asarray(s), mean, sd))
        )
    if dist == "beta":
        return lambda s: stats.beta.cdf(np.asarray(s), spec.a, spec.b)
    raise ValueError(f"unknown threshold distribution {dist!r}")


# --- the readable Mesa step -------------------------------------------------------------------
def decide(person, b: int, t: int) -> bool:
    """Adopting next round? (reference form, read by the python engine)."""
    if person.is_adopting(b):
        return True
    degree = person.degree
    return degree > 0 and person.adopting_neighbours(b) / degree >= person.threshold(b)


# --- the numba kernel ---------------------------------------------------------------------------
@kernel
def sweep(indptr, indices, adopted, theta, out):
    """Full synchronous sweep: out[i] = 1 for each non-adopter that adopts this round."""
    bounds = tie_blocks(indptr)  # equal ties per block, so threads share the work evenly
    for block in prange(len(bounds) - 1):
        lo, hi = bounds[block], bounds[block + 1]
        running, e0 = running_adopters(indptr, indices, adopted, lo, hi)
        for i in range(lo, hi):
            out[i] = 0
            if adopted[i]:
                continue
            deg = indptr[i + 1] - indptr[i]
            if deg == 0:
                continue
            c = running[indptr[i + 1] - e0] - running[indptr[i] - e0]
            if c / deg >= theta[i]:
                out[i] = 1


@njit(cache=True)
def frontier(indptr, candidates, count, theta, tkey):
    """Which candidates adopt, from the incrementally kept counts (same comparison as ``sweep``;
    ``theta`` empty: keyed thresholds, ``_params.threshold_of``, with ``tkey``)."""
    out = np.empty(len(candidates), dtype=np.int64)
    m = 0
    for i in candidates:
        deg = indptr[i + 1] - indptr[i]
        if deg > 0 and count[i] / deg >= threshold_of(theta, tkey, i):
            out[m] = i
            m += 1
    return out[:m]


@njit(cache=True)
def reaching(candidates, count, need):
    """``frontier`` by needed counts (``_counting.needed_counts``): the same people, no division."""
    out = np.empty(len(candidates), dtype=np.int64)
    m = 0
    for i in candidates:
        if count[i] >= need[i]:
            out[m] = i
            m += 1
    return out[:m]


def numba_step(pop, b: int, t: int):
    """New adopters of behaviour b this round, from the compiled kernels."""
    cache = pop.cache(b, CountCache)
    row = pop.adopted[b]
    untouched = not cache.valid and untouched_adopt(pop, b)
    candidates = cache.candidates(
        pop.csr, row, pop.frontier[b], t, everyone=pop.full_round[b], untouched_adopt=untouched
    )
    if candidates is None:
        candidates = np.flatnonzero(row == 0)
    return frontier(pop.csr.indptr, candidates, cache.count, pop.theta[b], NO_KEY), None  # written out


_UNWRITTEN = np.zeros(0, dtype=np.float64)  # "thresholds not written out": kernels draw them from the key
NO_KEY = np.uint64(0)  # the threshold key where thresholds are written out (unused)


def untouched_adopt(pop, b: int) -> bool:
    """Could someone with no adopting neighbour adopt? Only with a threshold of 0 (or below);
    never with keyed thresholds (``_params.keyed_threshold``), which are above 0."""
    if pop.keyed_thresholds(b):
        return False
    return bool(pop.theta[b].min() <= 0.0) if pop.n else False


@calls_kernels  # recounts with the parallel full_counts from PARALLEL_FROM people up
def run(
    indptr,
    indices,
    adopted,
    adopted_at,
    sources,
    count,
    valid,
    fresh,
    theta,
    tkey,
    t,
    limit,
    stop,
    codes,
    counts,
    record,
):
    """Rounds t+1.. of ``numba_step`` and ``Population.apply`` fused in one compiled loop.

    ``valid``: the counts match ``adopted``; ``fresh``: see ``CountCache.fresh``. Stops after round
    ``limit`` or, with ``stop``, after the first round nobody adopts; row r of ``record`` gets the
    per-group adopter counts after round t+1+r. ``theta`` empty: keyed thresholds
    (``_params.keyed_threshold`` with ``tkey``), computed only for the people the cascade reaches. Returns (last
    round, its adopters).
    """
    r = 0
    written = len(theta) > 0
    need = needed_counts(indptr, theta, adopted) if written else np.zeros(0, dtype=np.int32)
    while t < limit:
        t += 1
        if recounted(indptr, indices, sources, adopted, count, valid, fresh):
            candidates = np.flatnonzero(adopted == 0)
            sources = reaching(candidates, count, need) if written else frontier(indptr, candidates, count, theta, tkey)
        elif written:  # one small array per tie, no division (needed_counts)
            sources = push_need_crossings(indptr, indices, sources, count, need)
        else:  # keyed thresholds: drawn as the cascade reaches people, their outcomes random
            sources = push_share_crossings(indptr, indices, sources, adopted, count, theta, tkey)
        valid = True
        adopt(sources, adopted, adopted_at, t, codes, counts)
        record[r] = counts
        r += 1
        if stop and len(sources) == 0:
            break
    return t, sources


def numba_run(pop, b: int, limit: int, stop: bool, codes, counts, record):
    """The compiled run of behaviour b from round ``pop.t`` (see ``run``); returns (last round, steady)."""
    cache = pop.cache(b, CountCache)
    row = pop.adopted[b]
    fresh = cache.fresh(row, pop.frontier[b], not cache.valid and untouched_adopt(pop, b))
    theta = _UNWRITTEN if pop.keyed_thresholds(b) else pop.theta[b]  # keyed: drawn as the cascade reaches people
    t, pop.frontier[b] = run(
        pop.csr.indptr, pop.csr.indices, row, pop.adopted_at[b], pop.frontier[b], cache.count,
        cache.valid, fresh, theta, threshold_key(pop.keys[b]), pop.t, limit, stop, codes, counts, record,
    )  # fmt: skip
    cache.valid = cache.valid or t > pop.t  # after a round the counts hold all but the last adopters, as in numba_step
    return t, len(pop.frontier[b]) == 0
