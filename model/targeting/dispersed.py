"""Dispersed seeding: seeds as far apart as possible, each opening its own region.

The contrast to ``clustered`` in Centola (2010), *Science* 329:1194: simple contagions (independent
cascade) spread furthest from scattered seeds, whose neighbourhoods do not overlap, while complex
contagions die out from them. Chosen by greedy farthest-point traversal (Gonzalez 1985, "Clustering
to minimize the maximum intercluster distance", *Theor. Comput. Sci.* 38:293): after a first seed
(random, or a highest-degree person), each next seed is a person farthest in hops from every seed
so far. People in components no seed reaches yet count as farthest (larger components first), so
every sizeable component is seeded before any gets a second seed; remaining ties are broken at random.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from scipy.sparse.csgraph import connected_components

from ._common import choice, csr_of, ids, no_params
from .eigenvector import adjacency
from .registry import strategy


@strategy("dispersed")
def dispersed(G, count, rng, start="random", **params):
    """``count`` people spread out by farthest-point traversal.

    Params:
        start: "random" (default) or "degree": the first seed.
    """
    no_params("dispersed", params)
    start = choice("dispersed", "start", start, ("random", "degree"))
    csr = csr_of(G)
    n = csr.n
    _, label = connected_components(adjacency(csr), directed=False)
    comp_size = np.bincount(label)[label].astype(np.int64)
    priority = rng.permutation(n).astype(np.int64)
    if start == "degree":
        first = int(np.lexsort((priority, -csr.degree))[0])
    else:
        first = int(np.lexsort((priority, -comp_size))[0])  # random, in a largest component
    return ids(csr, farthest_points(csr.indptr, csr.indices, first, count, comp_size, priority))


@njit(cache=True)
def farthest_points(indptr, indices, first, k, comp_size, priority):
    """Greedy farthest-point traversal from ``first``: k positions."""
    n = len(indptr) - 1
    far = n + 1  # distance of the unreached
    dist = np.full(n, far, dtype=np.int64)
    chosen = np.zeros(n, dtype=np.bool_)
    queue = np.empty(max(n, 1), dtype=np.int64)
    out = np.empty(k, dtype=np.int64)
    s = first
    for c in range(k):
        out[c] = s
        chosen[s] = True
        dist[s] = 0
        queue[0] = s
        head, tail = 0, 1
        while head < tail:  # BFS that only goes where it shortens the distance to the seeds
            v = queue[head]
            head += 1
            for e in range(indptr[v], indptr[v + 1]):
                w = indices[e]
                if dist[v] + 1 < dist[w]:
                    dist[w] = dist[v] + 1
                    queue[tail] = w
                    tail += 1
        if c + 1 == k:
            break
        best = -1
        for v in range(n):
            if chosen[v]:
                continue
            if best < 0:
                best = v
                continue
            if dist[v] > dist[best] or (
                dist[v] == dist[best]
                and (
                    comp_size[v] > comp_size[best] or (comp_size[v] == comp_size[best] and priority[v] > priority[best])
                )
            ):
                best = v
        s = best
    return out
