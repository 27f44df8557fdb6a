"""Independent-cascade spread on sampled live-edge graphs: what greedy seed selection evaluates.

Under independent cascade a trial's outcome is fixed by which attempts would succeed: the tie i -> j
is *live* when i's one attempt on j succeeds. The rule's draws are pure functions of (run key,
source, target) (``model.rules.independent_cascade``), so each trial has one live-edge graph, and a
cascade seeded with S reaches exactly the people within ``steps`` live ties of S, person j adopting
in the round equal to its live-edge distance (Kempe, Kleinberg & Tardos 2003, "Maximizing the spread
of influence through a social network", *KDD '03*, Claim 2.3).

Why: CELF evaluates thousands of seed sets on the same trials. Running each cascade walks every tie
of every adopter (at p = 0.05 twenty tries per live tie); sampling each trial's live ties once and
walking only those is about 1/p times less work, and a candidate's marginal gain over the chosen set
is found by a walk that stops where the chosen set already arrives as early (Chen, Wang & Yang 2009,
"Efficient influence maximization in social networks", *KDD '09*, use the same live-edge view). The
counts are those of ``model.spread``'s cascade runs, trial by trial (``tests/test_spread.py``).
"""

from __future__ import annotations

import numpy as np
from numba import get_num_threads, njit, prange

from .rng import pair_below, pair_cut, pair_key
from .rules.independent_cascade import ATTEMPT

__all__ = ["LiveEdges", "fits"]

MAX_OFFSETS = 25_000_000  # trials x people: row starts (8 B) and base distances (4 B) stay under 300 MB
UNREACHED = np.iinfo(np.int32).max
SERIAL_BELOW = 8  # candidates per call: fewer are walked on this thread


def fits(trials: int, n: int) -> bool:
    """Can ``LiveEdges`` hold this many trials of a network this large?"""
    return trials * (n + 1) <= MAX_OFFSETS


class LiveEdges:
    """The live ties of each independent-cascade trial (one run key per trial), sampled once.

    ``counts(base, extra, steps, out)`` gives, for each candidate and trial, the people a cascade from
    ``base`` plus that candidate reaches within ``steps`` rounds: ``SpreadEstimator``'s numbers. The
    base's distances are kept between calls, so CELF's re-evaluations against one chosen set walk
    only from each candidate.
    """

    def __init__(self, indptr, indices, keys, p: float):
        self.starts, self.heads = _sample(indptr, indices, np.asarray(keys, dtype=np.int64), pair_cut(p))
        self.n, self.trials = len(indptr) - 1, len(keys)
        self._base = None  # (base, steps) whose distances ``_near`` holds
        self._near = np.empty((self.trials, self.n), dtype=np.int32)
        self._reached = np.empty(self.trials, dtype=np.int64)
        self._closed = np.empty(self.trials, dtype=np.bool_)
        self._own = np.full(self.n, UNREACHED, dtype=np.int32)  # scratch of the serial walks
        self._queue = np.empty(self.n, dtype=np.int64)

    def counts(self, base: np.ndarray, extra: np.ndarray, steps: int, out: np.ndarray) -> None:
        """out[c, r]: people within ``steps`` live ties of base + extra[c] in trial r (extra[c] < 0: base only)."""
        key = (base.tobytes(), int(steps))
        if self._base != key:
            _distances(self.starts, self.heads, base, steps, self._near, self._reached, self._closed)
            self._base = key
        if len(extra) < SERIAL_BELOW:  # CELF's one-candidate re-evaluations: starting threads costs more
            _gains_of(self.starts, self.heads, self._near, self._reached, self._closed, extra, steps, out, 0, self.trials, self._own, self._queue)
        else:
            chunks = max(1, min(self.trials, 4 * get_num_threads()))
            _gains(self.starts, self.heads, self._near, self._reached, self._closed, extra, steps, chunks, len(base) == 0, out)


@njit(parallel=True, cache=True)
def _sample(indptr, indices, keys, cut):
    """Each trial's live ties as one CSR over all trials: row i of trial r is heads[starts[r, i]:starts[r, i + 1]]."""
    T, n = len(keys), len(indptr) - 1
    sizes = np.zeros(T + 1, dtype=np.int64)
    for r in prange(T):
        live = 0
        for i in range(n):
            prefix = pair_key(keys[r], ATTEMPT, i)
            for e in range(indptr[i], indptr[i + 1]):
                live += pair_below(prefix, indices[e], cut)
        sizes[r + 1] = live
    offsets = np.cumsum(sizes)
    starts = np.empty((T, n + 1), dtype=np.int64)
    heads = np.empty(offsets[-1], dtype=np.int32)
    for r in prange(T):
        at = offsets[r]
        for i in range(n):
            starts[r, i] = at
            prefix = pair_key(keys[r], ATTEMPT, i)
            for e in range(indptr[i], indptr[i + 1]):
                j = indices[e]
                if pair_below(prefix, j, cut):
                    heads[at] = j
                    at += 1
        starts[r, n] = at
    return starts, heads


@njit(parallel=True, cache=True)
def _distances(starts, heads, base, steps, near, reached, closed):
    """near[r]: each person's live-edge distance from base in trial r (UNREACHED beyond ``steps``); reached[r]: how many are within."""
    T, n = near.shape
    for r in prange(T):
        row, dist = starts[r], near[r]
        dist[:] = UNREACHED
        queue = np.empty(n, dtype=np.int64)
        tail = 0
        for s in base:
            dist[s] = 0
            queue[tail] = s
            tail += 1
        head = 0
        cut_short = False
        while head < tail:
            v = queue[head]
            head += 1
            for e in range(row[v], row[v + 1]):
                w = heads[e]
                if dist[w] == UNREACHED:
                    if dist[v] >= steps:  # someone beyond the last round: the reach is cut short
                        cut_short = True
                        continue
                    dist[w] = dist[v] + 1
                    queue[tail] = w
                    tail += 1
        reached[r] = tail
        # a reach not cut short is closed (whatever base reaches reaches nothing more), so a
        # candidate's walk may stop at anyone base reaches; else only at those base reaches as early
        closed[r] = not cut_short


@njit(cache=True)
def _walk(row, heads, dist, own, queue, x, steps, closed):
    """People candidate x reaches within ``steps`` that base (distances ``dist``) does not.

    A person base reaches no later than the walk does adds nothing beyond (everyone further on is
    as near to base), so the walk stops there; when base's reach is ``closed`` it stops at anyone
    base reaches. ``own`` must be UNREACHED everywhere; it is left so.
    """
    own[x] = 0
    queue[0] = x
    head, tail, gained = 0, 1, 0
    while head < tail:
        v = queue[head]
        head += 1
        d = own[v]
        if dist[v] > steps:
            gained += 1
        if dist[v] <= (steps if closed else d) or d >= steps:
            continue
        for e in range(row[v], row[v + 1]):
            w = heads[e]
            if own[w] == UNREACHED:
                own[w] = d + 1
                queue[tail] = w
                tail += 1
    for i in range(tail):
        own[queue[i]] = UNREACHED
    return gained


@njit(cache=True)
def _gains_of(starts, heads, near, reached, closed, extra, steps, out, lo, hi, own, queue):
    for r in range(lo, hi):
        row, dist = starts[r], near[r]
        for c in range(len(extra)):
            x = extra[c]
            gained = 0 if x < 0 or dist[x] == 0 else _walk(row, heads, dist, own, queue, x, steps, closed[r])
            out[c, r] = reached[r] + gained


@njit(cache=True)
def _reverse(row, heads, rstart, rheads):
    """A trial's live ties reversed (counting sort): rheads[rstart[j]:rstart[j + 1]] tie into j."""
    n = len(rstart) - 1
    rstart[:] = 0
    for e in range(row[0], row[n]):
        rstart[heads[e] + 1] += 1
    for j in range(n):
        rstart[j + 1] += rstart[j]
    fill = rstart[:n].copy()
    for v in range(n):
        for e in range(row[v], row[v + 1]):
            j = heads[e]
            rheads[fill[j]] = v
            fill[j] += 1


@njit(cache=True)
def _alone_of(starts, heads, extra, steps, out, r, own, queue, back, ring, rstart, rheads, memo):
    """out[c, r] for an empty base: each candidate's reach, shared within a strongly connected group.

    Everyone in x's strongly connected group reaches what x reaches; within ``steps`` rounds too when
    x's walk was not cut short and its depth D plus that member's distance to x, E, is at most
    ``steps`` (the member reaches anyone within E + D). The group is found by walking the reversed
    ties from x among the people x reaches; each member is judged by its own E, so a step limit
    short of the group's widest E + D still shares x's walk with the members near x.
    """
    row = starts[r]
    _reverse(row, heads, rstart, rheads)
    memo[:] = -1
    for c in range(len(extra)):
        x = extra[c]
        if x < 0:
            out[c, r] = 0
            continue
        if memo[x] >= 0:
            out[c, r] = memo[x]
            continue
        own[x] = 0
        queue[0] = x
        head, tail, depth, cut_short = 0, 1, 0, False
        while head < tail:
            v = queue[head]
            head += 1
            d = own[v]
            depth = max(depth, d)
            for e in range(row[v], row[v + 1]):
                w = heads[e]
                if own[w] == UNREACHED:
                    if d >= steps:
                        cut_short = True
                        continue
                    own[w] = d + 1
                    queue[tail] = w
                    tail += 1
        out[c, r] = tail
        if not cut_short and tail > 1:
            back[x] = 0
            ring[0] = x
            h, t = 0, 1
            while h < t:
                v = ring[h]
                h += 1
                if back[v] + depth > steps:  # ring is in order of distance: nobody further shares
                    break
                memo[v] = tail
                for e in range(rstart[v], rstart[v + 1]):
                    u = rheads[e]
                    if own[u] != UNREACHED and back[u] == UNREACHED:
                        back[u] = back[v] + 1
                        ring[t] = u
                        t += 1
            for i in range(t):
                back[ring[i]] = UNREACHED
        for i in range(tail):
            own[queue[i]] = UNREACHED


@njit(parallel=True, cache=True)
def _gains(starts, heads, near, reached, closed, extra, steps, chunks, alone, out):
    """out[c, r] = reached[r] + what candidate extra[c]'s walk adds in trial r, trials split over threads
    (``alone``: the base is empty, so candidates in one strongly connected group share a walk)."""
    T, n = near.shape
    for ch in prange(chunks):
        own = np.full(n, UNREACHED, dtype=np.int32)
        queue = np.empty(n, dtype=np.int64)
        lo, hi = ch * T // chunks, (ch + 1) * T // chunks
        if not alone:
            _gains_of(starts, heads, near, reached, closed, extra, steps, out, lo, hi, own, queue)
            continue
        back = np.full(n, UNREACHED, dtype=np.int32)
        ring = np.empty(n, dtype=np.int64)
        rstart = np.empty(n + 1, dtype=np.int64)
        memo = np.empty(n, dtype=np.int64)
        for r in range(lo, hi):
            rheads = np.empty(starts[r, n] - starts[r, 0], dtype=np.int32)
            _alone_of(starts, heads, extra, steps, out, r, own, queue, back, ring, rstart, rheads, memo)
