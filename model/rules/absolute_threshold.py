"""absolute_threshold: adopt once at least k neighbours adopt.

The complex-contagion rule of Centola & Macy (2007), *Am. J. Sociol.* 113:702: a behaviour needs
reinforcement from k distinct contacts. Progressive.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numba import njit, prange
from pydantic import Field

from ._counting import CountCache, adopt, push_count_crossings, recounted
from ._kernel import calls_kernels, kernel, running_adopters, tie_blocks
from ._params import BehaviourBase, steady_when_unchanged
from ._protocol import Array, MeanField

HELP = "adopt when at least k neighbours adopt"
ARRAYS = {"k": Array(np.int64)}
PROGRESSIVE = True
steady = steady_when_unchanged  # a progressive round that changed nothing is a fixed point


class Params(BehaviourBase):
    rule: Literal["absolute_threshold"]
    k: int = Field(2, ge=1, description="adopt when at least k neighbours adopt")


def prepare(pop, b: int, params: Params, rng: np.random.Generator) -> None:
    pop.k[b] = params.k


def mean_field(params: Params, field: MeanField) -> float:
    """On K_n everyone adopts in the round after at least k people adopt (deterministic)."""
    return 1.0 if field.count >= params.k - 1e-9 else 0.0


def decide(person, b: int, t: int) -> bool:
    """Adopting next round? (reference form)"""
    return person.is_adopting(b) or person.adopting_neighbours(b) >= person.model.population.k[b]


@kernel
def sweep(indptr, indices, adopted, k, out):
    """Full synchronous sweep: out[i] = 1 for each non-adopter with at least k adopting neighbours."""
    bounds = tie_blocks(indptr)  # equal ties per block, so threads share the work evenly
    for block in prange(len(bounds) - 1):
        lo, hi = bounds[block], bounds[block + 1]
        running, e0 = running_adopters(indptr, indices, adopted, lo, hi)
        for i in range(lo, hi):
            out[i] = 0
            if not adopted[i] and running[indptr[i + 1] - e0] - running[indptr[i] - e0] >= k:
                out[i] = 1


@njit(cache=True)
def frontier(candidates, count, k):
    """Which candidates adopt: at least k adopting neighbours."""
    out = np.empty(len(candidates), dtype=np.int64)
    m = 0
    for i in candidates:
        if count[i] >= k:
            out[m] = i
            m += 1
    return out[:m]


def numba_step(pop, b: int, t: int):
    cache = pop.cache(b, CountCache)
    row = pop.adopted[b]
    candidates = cache.candidates(pop.csr, row, pop.frontier[b], t, untouched_adopt=False)  # k >= 1
    if candidates is None:
        candidates = np.flatnonzero(row == 0)
    return frontier(candidates, cache.count, pop.k[b]), None


@calls_kernels  # recounts with the parallel full_counts from PARALLEL_FROM people up
def run(indptr, indices, adopted, adopted_at, sources, count, valid, fresh, k, t, limit, stop, codes, counts, record):
    """Rounds t+1.. of ``numba_step`` and ``Population.apply`` fused in one compiled loop (as in
    ``threshold.run``). Returns (last round, its adopters)."""
    r = 0
    while t < limit:
        t += 1
        if recounted(indptr, indices, sources, adopted, count, valid, fresh):
            sources = frontier(np.flatnonzero(adopted == 0), count, k)
        else:
            sources = push_count_crossings(indptr, indices, sources, adopted, count, k)
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
    fresh = cache.fresh(row, pop.frontier[b], untouched_adopt=False)
    t, pop.frontier[b] = run(
        pop.csr.indptr, pop.csr.indices, row, pop.adopted_at[b], pop.frontier[b], cache.count,
        cache.valid, fresh, pop.k[b], pop.t, limit, stop, codes, counts, record,
    )  # fmt: skip
    cache.valid = cache.valid or t > pop.t
    return t, len(pop.frontier[b]) == 0
