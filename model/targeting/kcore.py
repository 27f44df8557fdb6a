"""k-core (k-shell) targeting: recruit from the innermost core of the network.

Kitsak, Gallos, Havlin, Liljeros, Muchnik, Stanley & Makse (2010), "Identification of influential
spreaders in complex networks", *Nature Physics* 6:888. People in the innermost k-shell spread an
epidemic furthest, better than the highest-degree people when hubs sit at the periphery. Ranked by
k-shell index (core number), then by degree, then at random.

The core numbers come from the O(m) bucket algorithm of Batagelj & Zaversnik (2003), "An O(m)
algorithm for cores decomposition of networks", arXiv:cs/0310049, compiled with numba (networkx takes
30 s at a million people; this takes under a second).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ._common import csr_of, ids, no_params, top_positions
from .registry import strategy


@strategy("kcore")
def kcore(G, count, rng, **params):
    """The ``count`` people with the highest k-shell index; ties by degree, then at random."""
    csr = csr_of(G)
    return ids(csr, top_positions(centrality(csr, rng, **params), count, rng, csr.degree))


def centrality(G, rng=None, **params) -> np.ndarray:
    """Core number (k-shell index) per person, in CSR order."""
    no_params("kcore", params)
    csr = csr_of(G)
    return core_numbers(csr.indptr, csr.indices)


@njit(cache=True)
def core_numbers(indptr, indices):
    """Core number of every node of a simple undirected CSR graph (Batagelj & Zaversnik 2003)."""
    n = len(indptr) - 1
    deg = np.empty(n, dtype=np.int64)
    md = 0
    for v in range(n):
        deg[v] = indptr[v + 1] - indptr[v]
        if deg[v] > md:
            md = deg[v]
    bins = np.zeros(md + 2, dtype=np.int64)
    for v in range(n):
        bins[deg[v]] += 1
    start = 0
    for d in range(md + 1):
        num = bins[d]
        bins[d] = start
        start += num
    pos = np.empty(n, dtype=np.int64)
    vert = np.empty(n, dtype=np.int64)
    for v in range(n):
        pos[v] = bins[deg[v]]
        vert[pos[v]] = v
        bins[deg[v]] += 1
    for d in range(md, 0, -1):
        bins[d] = bins[d - 1]
    bins[0] = 0
    for i in range(n):
        v = vert[i]
        for e in range(indptr[v], indptr[v + 1]):
            u = indices[e]
            if deg[u] > deg[v]:
                du = deg[u]
                pu = pos[u]
                pw = bins[du]
                w = vert[pw]
                if u != w:
                    pos[u] = pw
                    vert[pu] = w
                    pos[w] = pu
                    vert[pw] = u
                bins[du] += 1
                deg[u] -= 1
    return deg
