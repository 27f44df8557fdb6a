"""independent_cascade: each new adopter gets one chance to convert each neighbour.

The Independent Cascade model (Goldenberg, Libai & Muller 2001; Kempe, Kleinberg & Tardos 2003).
A person who adopted in round t-1 (seeds: round 0) makes exactly one attempt on each non-adopting
neighbour in round t, succeeding with probability p. Each attempt's draw is a pure function of the
run key and the ordered pair (source, target), so the push (frontier) kernel, the pull (full-sweep)
kernel and the Mesa agents all see the same coin flips. The source's part of the hash is computed
once per source, so an attempt costs one mix (a few multiplies) and the target's state is read only
when the attempt succeeds: the inner loop touches memory only for the rare successes.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numba import njit, prange
from pydantic import Field

from ..groups import tally
from ..rng import pair_below, pair_cut, pair_key, pair_uniform_of
from ._counting import volume_of
from ._kernel import kernel, prefetch_row, tie_blocks
from ._params import BehaviourBase, Probability, steady_when_unchanged
from ._protocol import Array, MeanField

HELP = "each new adopter gets one chance p to convince each neighbour"
ARRAYS = {"p": Array(np.float64)}  # per behaviour: the chance one attempt succeeds
PROGRESSIVE = True
steady = steady_when_unchanged  # a progressive round that changed nothing is a fixed point
ATTEMPT = 1  # stream id for attempt draws


class Params(BehaviourBase):
    rule: Literal["independent_cascade"]
    p: Probability = Field(0.05, description="chance that one attempt on a neighbour succeeds")


def prepare(pop, b: int, params: Params, rng: np.random.Generator) -> None:
    pop.p[b] = params.p


def mean_field(params: Params, field: MeanField) -> float:
    """On K_n everyone who adopted last round tries everyone: P = 1 - (1 - p)^(n x new), the
    expected-value (Reed-Frost) recursion of the chain-binomial epidemic (Abbey 1952)."""
    return 1.0 - (1.0 - params.p) ** (field.n * field.new)


def decide(person, b: int, t: int) -> bool:
    """Adopting next round? (reference form): any last-round adopter next to me succeeds."""
    if person.is_adopting(b):
        return True
    pop = person.model.population
    key, p = pop.keys[b], pop.p[b]
    return any(
        other.adopted_at(b) == t - 1 and pair_uniform_of(key, ATTEMPT, other.index, person.index) < p
        for other in person.neighbours
    )


@kernel
def sweep(indptr, indices, adopted, adopted_at, key, p, t, out):
    """Pull form: each non-adopter checks its neighbours that adopted last round."""
    cut = pair_cut(p)
    bounds = tie_blocks(indptr)  # equal ties per block, so threads share the work evenly
    for block in prange(len(bounds) - 1):
        for i in range(bounds[block], bounds[block + 1]):
            out[i] = 0
            if adopted[i]:
                continue
            for e in range(indptr[i], indptr[i + 1]):
                j = indices[e]
                if adopted_at[j] == t - 1 and adopted[j] and pair_below(pair_key(key, ATTEMPT, j), i, cut):
                    out[i] = 1
                    break


@njit(cache=True)
def frontier(indptr, indices, sources, adopted, key, p, mark, stamp):
    """Push form: last round's adopters try each neighbour; draw first, read state only on success."""
    hits = np.empty(volume_of(indptr, sources), dtype=np.int64)  # sized once: see ``push_counts``
    m = 0
    cut = pair_cut(p)
    k = len(sources)
    for i in range(k):
        prefetch_row(indptr, indices, sources, i, k)
        s = sources[i]
        prefix = pair_key(key, ATTEMPT, s)
        for e in range(indptr[s], indptr[s + 1]):
            j = indices[e]
            if pair_below(prefix, j, cut) and adopted[j] == 0 and mark[j] != stamp:
                mark[j] = stamp
                hits[m] = j
                m += 1
    return hits[:m]  # the order of hits never changes who adopts


@njit(cache=True)
def cascade(indptr, indices, order, lo, hi, adopted, key, cut, flags, hits):
    """One round of pushes from the sources ``order[lo:hi]``; new adopters go to ``order[hi:]``.

    The compiled runs' form of ``frontier``: the same attempts and draws, but a hit is marked
    adopted at once (within a round that does what the stamps do: nobody is counted twice, and who
    adopts never depends on the order) and adopters queue in one buffer, so a round allocates
    nothing. A source's row is done in three short loops: every attempt's draw (branch-free, so it
    compiles to vector code: eight draws per instruction on AVX-512), the successes gathered
    without branches, then only those checked against the state. ``flags`` and ``hits`` are
    scratch rows of at least the largest degree (``scratch_rows``). Returns the new end of ``order``.
    """
    m = hi
    for i in range(lo, hi):
        prefetch_row(indptr, indices, order, i, hi)
        s = order[i]
        prefix = pair_key(key, ATTEMPT, s)
        row = indices[indptr[s] : indptr[s + 1]]
        for e in range(len(row)):
            flags[e] = pair_below(prefix, row[e], cut)
        c = 0
        for e in range(len(row)):
            hits[c] = row[e]
            c += flags[e]
        for q in range(c):
            j = hits[q]
            if adopted[j] == 0:
                adopted[j] = 1
                order[m] = j
                m += 1
    return m


@njit(cache=True)
def scratch_rows(indptr):
    """The ``flags`` and ``hits`` rows ``cascade`` needs (sized to n, at least any degree; not filled)."""
    n = len(indptr) - 1
    return np.empty(n, dtype=np.uint8), np.empty(n, dtype=np.uint32)


def numba_step(pop, b: int, t: int):
    mark = pop.marks(b)
    return frontier(
        pop.csr.indptr, pop.csr.indices, pop.frontier[b], pop.adopted[b], pop.keys[b], pop.p[b], mark, t
    ), None


@njit(cache=True)
def run(indptr, indices, adopted, adopted_at, sources, key, p, t, limit, stop, codes, counts, record):
    """Rounds t+1.. of ``numba_step`` and ``Population.apply`` fused in one compiled loop (``cascade``).

    Stops after round ``limit`` or, with ``stop``, after the first round nobody adopts. Row r of
    ``record`` gets the per-group adopter counts after round t+1+r. Returns (last round, its adopters).
    """
    order = np.empty(len(sources) + len(indptr), dtype=np.uint32)  # sources, then each round's adopters
    hi = len(sources)
    order[:hi] = sources
    lo, r, cut = 0, 0, pair_cut(p)
    flags, hits = scratch_rows(indptr)
    while t < limit:
        t += 1
        m = cascade(indptr, indices, order, lo, hi, adopted, key, cut, flags, hits)
        for i in range(hi, m):
            adopted_at[order[i]] = t
            tally(codes, counts, order[i], 1)
        record[r] = counts
        r += 1
        lo, hi = hi, m
        if stop and lo == hi:
            break
    return t, order[lo:hi].astype(np.int64)


@njit(cache=True)
def runs(indptr, indices, adopted, sources, keys, p, t, limit, stop, codes, counts):
    """``run`` once per key in ``keys``, each from the same state: what replicates that differ only
    in their attempt draws cost, without a model per run.

    Each run starts from ``adopted`` with ``sources`` (the seeds) as its first frontier and, when it
    ends, un-marks only the people it reached, so the next run finds the same state at a cost
    proportional to the cascade (cynetdiff resets the same way). The draws, rounds and counts are
    those of ``run`` with that key. Returns the last round of each run, the per-group counts after
    each of its rounds (runs one after another) and where each run's rows start (R + 1 offsets).
    """
    R, G, k = len(keys), len(counts), len(sources)
    ends = np.empty(R, dtype=np.int64)
    offsets = np.empty(R + 1, dtype=np.int64)
    rows = np.empty((max(16, 4 * R), G), dtype=np.int64)
    used = 0
    order = np.empty(k + len(indptr), dtype=np.uint32)
    order[:k] = sources
    flags, hits = scratch_rows(indptr)
    cut = pair_cut(p)
    for r in range(R):
        offsets[r] = used
        now = counts.copy()
        lo, hi, s = 0, k, t
        while s < limit:
            s += 1
            m = cascade(indptr, indices, order, lo, hi, adopted, keys[r], cut, flags, hits)
            for i in range(hi, m):
                tally(codes, now, order[i], 1)
            if used == len(rows):  # grow the shared buffer of rows
                grown = np.empty((2 * len(rows), G), dtype=np.int64)
                grown[:used] = rows[:used]
                rows = grown
            rows[used] = now
            used += 1
            lo, hi = hi, m
            if stop and lo == hi:
                break
        ends[r] = s
        for i in range(k, hi):  # back to the starting state: only the people this run reached
            adopted[order[i]] = 0
    offsets[R] = used
    return ends, rows[:used].copy(), offsets


def numba_runs(pop, b: int, keys: np.ndarray, limit: int, stop: bool, codes, counts):
    """Runs of behaviour b from round ``pop.t``, one per attempt key (see ``runs``); ``pop`` is left
    as found. ``model.Replicates`` uses it when replicates differ only in this behaviour's key."""
    return runs(
        pop.csr.indptr, pop.csr.indices, pop.adopted[b], pop.frontier[b], np.asarray(keys, dtype=np.int64),
        pop.p[b], pop.t, limit, stop, codes, counts,
    )  # fmt: skip


def numba_run(pop, b: int, limit: int, stop: bool, codes, counts, record):
    """The compiled run of behaviour b from round ``pop.t`` (see ``run``); returns (last round, steady)."""
    t, pop.frontier[b] = run(
        pop.csr.indptr, pop.csr.indices, pop.adopted[b], pop.adopted_at[b], pop.frontier[b],
        pop.keys[b], pop.p[b], pop.t, limit, stop, codes, counts, record,
    )  # fmt: skip
    return t, len(pop.frontier[b]) == 0
