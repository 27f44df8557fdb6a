"""Degree discount: the highest-degree heuristic, discounted for ties to people already chosen.

Chen, Wang & Yang (2009), "Efficient influence maximization in social networks", *KDD '09*, 199-208,
algorithm DegreeDiscountIC. Under independent cascade with a small probability p, a neighbour v of
t_v already chosen seeds is worth about dd_v = d_v - 2 t_v - (d_v - t_v) t_v p: its tie to each chosen
seed is spent, and it is already reached with probability about t_v p. Greedy on dd_v, which is
recomputed for the neighbours of each new seed, matches greedy Monte-Carlo on spread at a tiny cost.
Ties are broken at random.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ._common import csr_of, ids, no_params, number
from .registry import strategy


@strategy("degree_discount")
def degree_discount(G, count, rng, p=0.01, **params):
    """DegreeDiscountIC with propagation probability ``p`` (default 0.01, as in Chen et al.'s experiments)."""
    no_params("degree_discount", params)
    p = number("degree_discount", "p", p, 0.0, 1.0)
    csr = csr_of(G)
    priority = rng.permutation(csr.n).astype(np.int64)  # random tie-break order
    return ids(csr, degree_discount_positions(csr.indptr, csr.indices, count, p, priority))


@njit(cache=True)
def degree_discount_positions(indptr, indices, k, p, priority):
    """The k positions chosen by DegreeDiscountIC; among equal dd_v the highest ``priority`` wins.

    A binary max-heap of (dd, priority) with lazy deletion: a popped entry whose value is stale is
    skipped, so each pick costs O(d log n) rather than a scan of everyone.
    """
    n = len(indptr) - 1
    d = np.empty(n, dtype=np.float64)
    for v in range(n):
        d[v] = indptr[v + 1] - indptr[v]
    dd = d.copy()
    t = np.zeros(n, dtype=np.float64)
    chosen = np.zeros(n, dtype=np.bool_)
    cap = n + 16
    hv = np.empty(cap, dtype=np.float64)
    hp = np.empty(cap, dtype=np.int64)
    hn = np.empty(cap, dtype=np.int64)
    size = 0
    for v in range(n):
        size = _push(hv, hp, hn, size, dd[v], priority[v], v)
    out = np.empty(k, dtype=np.int64)
    got = 0
    while got < k and size > 0:
        val, pr, u, size = _pop(hv, hp, hn, size)
        if chosen[u] or val != dd[u]:
            continue
        chosen[u] = True
        out[got] = u
        got += 1
        for e in range(indptr[u], indptr[u + 1]):
            v = indices[e]
            if chosen[v]:
                continue
            t[v] += 1.0
            dd[v] = d[v] - 2.0 * t[v] - (d[v] - t[v]) * t[v] * p
            if size == len(hv):
                hv = np.concatenate((hv, np.empty(size, dtype=np.float64)))
                hp = np.concatenate((hp, np.empty(size, dtype=np.int64)))
                hn = np.concatenate((hn, np.empty(size, dtype=np.int64)))
            size = _push(hv, hp, hn, size, dd[v], priority[v], v)
    return out[:got]


@njit(cache=True, inline="always")
def _above(hv, hp, i, j):
    return hv[i] > hv[j] or (hv[i] == hv[j] and hp[i] > hp[j])


@njit(cache=True)
def _push(hv, hp, hn, size, val, pr, node):
    i = size
    hv[i], hp[i], hn[i] = val, pr, node
    while i > 0:
        parent = (i - 1) // 2
        if _above(hv, hp, i, parent):
            hv[i], hv[parent] = hv[parent], hv[i]
            hp[i], hp[parent] = hp[parent], hp[i]
            hn[i], hn[parent] = hn[parent], hn[i]
            i = parent
        else:
            break
    return size + 1


@njit(cache=True)
def _pop(hv, hp, hn, size):
    val, pr, node = hv[0], hp[0], hn[0]
    size -= 1
    hv[0], hp[0], hn[0] = hv[size], hp[size], hn[size]
    i = 0
    while True:
        left, right, best = 2 * i + 1, 2 * i + 2, i
        if left < size and _above(hv, hp, left, best):
            best = left
        if right < size and _above(hv, hp, right, best):
            best = right
        if best == i:
            break
        hv[i], hv[best] = hv[best], hv[i]
        hp[i], hp[best] = hp[best], hp[i]
        hn[i], hn[best] = hn[best], hn[i]
        i = best
    return val, pr, node, size
