"""Incremental neighbour counts shared by the progressive counting rules.

Why: a progressive cascade only changes the counts of people next to the last step's adopters, so
after one full sweep the kernels do work proportional to what changes (a frontier), not to the
population (``docs/performance.md``: 15-55x on the small cascades typical of
targeted seeding). The result is identical to a full synchronous sweep: the same counts feed the
same comparison.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from networks._prefetch import prefetch

from .. import spares
from ..groups import tally
from ._kernel import AHEAD, IN_PARALLEL_FORM, calls_kernels, kernel, prefetch_row, running_adopters, tie_blocks
from ._params import threshold_of


@kernel
def full_counts(indptr, indices, adopted, count):
    """count[i] = number of adopting neighbours of each non-adopter i (one full sweep).

    Adopters' counts are not needed by progressive rules (they stay adopters). A block whose
    non-adopters hold most of its ties is counted in one flat pass (``running_adopters``, about
    twice as fast per tie); one where adopters hold most is counted row by row, skipping theirs.
    """
    bounds = tie_blocks(indptr)  # equal ties per block, so threads share the work evenly
    for block in prange(len(bounds) - 1):
        lo, hi = bounds[block], bounds[block + 1]
        open_ties = 0
        for i in range(lo, hi):
            if not adopted[i]:
                open_ties += indptr[i + 1] - indptr[i]
        if 2 * open_ties >= indptr[hi] - indptr[lo]:
            running, e0 = running_adopters(indptr, indices, adopted, lo, hi)
            for i in range(lo, hi):
                if not adopted[i]:
                    count[i] = running[indptr[i + 1] - e0] - running[indptr[i] - e0]
            continue
        for i in range(lo, hi):
            if adopted[i]:
                continue
            c = 0
            for e in range(indptr[i], indptr[i + 1]):
                c += adopted[indices[e]]
            count[i] = c


@njit(cache=True, inline="always")
def volume_of(indptr, sources):
    """Adjacency entries of ``sources``: what a push over them visits, and the most it can touch."""
    volume = 0
    for s in sources:
        volume += indptr[s + 1] - indptr[s]
    return volume


@njit(cache=True)
def push_counts(indptr, indices, frontier, adopted, count, mark, stamp):
    """Add the frontier's adoptions to its neighbours' counts; return the non-adopters touched.

    The buffer is sized once to the frontier's ties: growing it inside the loop rebinds an array
    each time, and numba's reference counting of that made pushes 5x slower (44 against 235 us for
    2,000 sources on ws100k).
    """
    touched = np.empty(volume_of(indptr, frontier), dtype=np.int64)
    m = 0
    k = len(frontier)
    for i in range(k):
        prefetch_row(indptr, indices, frontier, i, k)
        f = frontier[i]
        for e in range(indptr[f], indptr[f + 1]):
            j = indices[e]
            count[j] += 1
            if adopted[j] == 0 and mark[j] != stamp:
                mark[j] = stamp
                touched[m] = j
                m += 1
    return touched[:m]


# Recount everything when the frontier holds more than 1/DENSE_SHARE of the adjacency entries. A push
# is a random write per tie; the flat recount streams every tie, twice as fast on two threads, so
# the parallel form (10^6 people and more) goes dense sooner (measured: docs/performance.md section 5).
DENSE_SHARE = 8
DENSE_SHARE_PARALLEL = 24


@calls_kernels
def recounted(indptr, indices, sources, adopted, count, valid, fresh):
    """Bring the counts up to date for last round's adopters ``sources`` by a full recount (True),
    or make them ready for a push of ``sources`` (False).

    A recount when ``sources`` touch more than 1/DENSE_SHARE of the adjacency entries (then every
    non-adopter is to be evaluated), else a push. ``valid``: the counts matched the state before
    ``sources`` adopted; ``fresh`` (see ``CountCache.fresh``): they are stale but ``sources`` are
    all the adopters there are, so zeroed counts plus one push are exact, which spares the first
    round of a run its full recount. Neither: recount. In both forms (``calls_kernels``): the
    parallel one recounts with the parallel ``full_counts``.
    """
    share = DENSE_SHARE_PARALLEL if IN_PARALLEL_FORM else DENSE_SHARE
    if (not valid and not fresh) or volume_of(indptr, sources) * share > len(indices):
        full_counts(indptr, indices, adopted, count)
        return True
    if not valid:
        count[:] = 0
    return False


@calls_kernels
def round_candidates(indptr, indices, sources, adopted, count, mark, t, valid, fresh):
    """Counts brought up to date for ``sources`` (``recounted``); the non-adopters to evaluate:
    everyone after a recount, else those the push touched (the stepped form, ``CountCache``)."""
    if recounted(indptr, indices, sources, adopted, count, valid, fresh):
        return np.flatnonzero(adopted == 0)
    return push_counts(indptr, indices, sources, adopted, count, mark, t)


@njit(cache=True)
def push_share_crossings(indptr, indices, sources, adopted, count, theta, tkey):
    """Push ``sources`` into their neighbours' counts; return the non-adopters whose adopting share
    reaches their threshold with this push (the fused threshold run with keyed thresholds; written
    ones take ``push_need_crossings``).

    Counts rise one at a time, so ``count / degree >= theta`` turns true at exactly one push, the
    one where ``(count - 1) / degree`` is still below: testing that crossing as the push lands finds
    the same adopters as evaluating everyone touched afterwards, without marks or a second pass
    over the candidates. Valid only on exact counts (``recounted`` False). ``theta`` empty: the
    thresholds are ``keyed_threshold(tkey, j)``. The test has no branch: keyed thresholds make its
    outcome random, and each wrong guess of a branch costs about 20 cycles (docs/performance.md,
    section 5, item 15).
    """
    hits = np.empty(volume_of(indptr, sources), dtype=np.int64)
    m = 0
    k = len(sources)
    for i in range(k):
        prefetch_row(indptr, indices, sources, i, k)
        if i + AHEAD < k:  # neighbours often live near their source (lattices, towns): their lines too
            prefetch(count, sources[i + AHEAD])
            if len(theta):
                prefetch(theta, sources[i + AHEAD])
        s = sources[i]
        for e in range(indptr[s], indptr[s + 1]):
            j = indices[e]
            c = count[j] + 1
            count[j] = c
            deg = indptr[j + 1] - indptr[j]
            th = threshold_of(theta, tkey, j)
            hits[m] = j
            m += (c / deg >= th) & ((c - 1) / deg < th) & (adopted[j] == 0)
    return hits[:m]


@njit(cache=True)
def needed_counts(indptr, theta, adopted):
    """need[i]: the fewest adopting neighbours with which i's share reaches its threshold, found by
    the very comparison the rule makes (``c / degree >= theta[i]``), so ``count >= need`` and
    ``count == need`` are that comparison and its crossing exactly; 0 for adopters (and thresholds
    at or below 0, which no push crosses); 1 for people with no ties (never reached).

    Why: a push then reads one small array per tie instead of the degree, the threshold and the
    adopter mark, and divides nothing (``push_need_crossings``)."""
    n = len(indptr) - 1
    need = np.empty(n, dtype=np.int32)
    for i in range(n):
        deg = indptr[i + 1] - indptr[i]
        th = theta[i]
        if deg == 0:
            need[i] = 1
            continue
        if adopted[i] or th <= 0.0:
            need[i] = 0
            continue
        c = deg + 1 if th > 1.0 else max(int(np.ceil(th * deg)), 1)
        while c > 1 and (c - 1) / deg >= th:  # the rounding of th * deg, corrected by the rule's own test
            c -= 1
        while c <= deg and c / deg < th:
            c += 1
        need[i] = c
    return need


@njit(cache=True)
def push_need_crossings(indptr, indices, sources, count, need):
    """``push_share_crossings`` with written-out thresholds, as needed counts (``needed_counts``):
    the people whose count reaches their need with this push. Adopters have need 0 and counts only
    rise, so nobody is found twice and no adopter mark is read."""
    hits = np.empty(volume_of(indptr, sources), dtype=np.int64)
    m = 0
    k = len(sources)
    for i in range(k):
        prefetch_row(indptr, indices, sources, i, k)
        if i + AHEAD < k:
            prefetch(count, sources[i + AHEAD])
            prefetch(need, sources[i + AHEAD])
        s = sources[i]
        for e in range(indptr[s], indptr[s + 1]):
            j = indices[e]
            c = count[j] + 1
            count[j] = c
            if c == need[j]:
                hits[m] = j
                m += 1
    return hits[:m]


@njit(cache=True)
def push_count_crossings(indptr, indices, sources, adopted, count, k):
    """As ``push_share_crossings`` for a count threshold: who reaches k adopting neighbours now."""
    hits = np.empty(volume_of(indptr, sources), dtype=np.int64)
    m = 0
    n_sources = len(sources)
    for i in range(n_sources):
        prefetch_row(indptr, indices, sources, i, n_sources)
        s = sources[i]
        for e in range(indptr[s], indptr[s + 1]):
            j = indices[e]
            c = count[j] + 1
            count[j] = c
            if c == k and adopted[j] == 0:
                hits[m] = j
                m += 1
    return hits[:m]


@njit(cache=True, inline="always")
def adopt(hits, adopted, adopted_at, t, codes, counts):
    """``Population.apply`` for new adopters inside a compiled run: state, round, group counts."""
    for h in hits:
        adopted[h] = 1
        adopted_at[h] = t
        tally(codes, counts, h, 1)


class CountCache:
    """Adopting-neighbour counts for one behaviour, kept valid between progressive steps."""

    def __init__(self, n: int):
        self.n = n
        self.count = spares.take(n, np.int32, 0)
        self._mark = None  # round stamps, for the stepped form only (fused runs test crossings instead)
        self.valid = False

    @property
    def mark(self) -> np.ndarray:
        if self._mark is None:
            self._mark = spares.take(self.n, np.int32, -1)
        return self._mark

    def fresh(self, adopted_row, frontier, untouched_adopt: bool) -> bool:
        """Stale counts that zeroing plus a push of ``frontier`` makes exact, with nobody else to check.

        True at the start of a run: seeds and initial adopters all enter the frontier through
        ``Population.seed``. ``untouched_adopt``: someone with no adopting neighbour could adopt
        (a threshold of 0), so every non-adopter must be evaluated once.
        """
        return not self.valid and not untouched_adopt and len(frontier) == np.count_nonzero(adopted_row)

    def candidates(
        self, csr, adopted_row, frontier, t, everyone: bool = False, untouched_adopt: bool = True
    ) -> np.ndarray | None:
        """Non-adopters whose count may have changed (``round_candidates``); None: 'evaluate everyone'.

        A push costs a random write per frontier edge, a full recount a streamed read per edge on
        every core; past about an eighth of all edges the recount is cheaper (measured on BA graphs
        of 1e5-1e6 nodes), so big rounds of a global cascade go dense and small ones stay local.
        """
        fresh = self.fresh(adopted_row, frontier, untouched_adopt)
        found = round_candidates(
            csr.indptr, csr.indices, frontier, adopted_row, self.count, self.mark, t, self.valid, fresh
        )
        self.valid = True
        return None if everyone else found  # everyone: thresholds moved, so anyone may now pass
