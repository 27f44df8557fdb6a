"""Betweenness targeting: recruit the people on most shortest paths between others (brokers).

Freeman (1977), "A set of measures of centrality based on betweenness", *Sociometry* 40:35; computed
with Brandes' algorithm (2001), "A faster algorithm for betweenness centrality", *J. Math. Sociol.*
25:163. On large networks the sums run over a random sample of ``samples`` source people, the
estimator of Brandes & Pich (2007), "Centrality estimation in large networks", *Int. J. Bifurcation
and Chaos* 17:2303 (networkx's ``betweenness_centrality(k=...)``).

Compiled with numba on the CSR arrays and run in parallel over sources: about 30x faster than
networkx per source; the exact values equal networkx's (``tests/test_targeting.py``).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ._common import csr_of, ids, no_params, number, top_positions
from .registry import strategy

EXACT_UP_TO = 2000  # people; above this the default is a sample of sources
WORK = 2e8  # default sample: about this many adjacency entries walked in all ...
MIN_SAMPLES, MAX_SAMPLES = 64, 500  # ... but at least 64 and at most 500 sources
CHUNKS = 8  # partial sums over sources (threads share them out)


@strategy("betweenness")
def betweenness(G, count, rng, samples=None, **params):
    """Highest betweenness first (ties at random).

    Params:
        samples: number of random source people for the estimate; default all people when
            n <= 2000 (exact), else about 2e8 / (2 x ties), between 64 and 500 (500 at 100,000 people
            with 3 ties each, 64 at a million with 5; hubs are found from few sources).
    """
    csr = csr_of(G)
    return ids(csr, top_positions(centrality(csr, rng, samples, **params), count, rng))


def centrality(G, rng=None, samples=None, **params) -> np.ndarray:
    """Betweenness per person, in CSR order: exact, or estimated from ``samples`` random sources drawn from rng."""
    no_params("betweenness", params)
    csr = csr_of(G)
    n = csr.n
    if samples is None:
        samples = n if n <= EXACT_UP_TO else int(np.clip(WORK / max(len(csr.indices), 1), MIN_SAMPLES, MAX_SAMPLES))
    samples = min(number("betweenness", "samples", samples, 1, integer=True), n)
    if samples >= n:
        sources = np.arange(n)
    else:
        sources = np.sort(np.random.default_rng(rng).choice(n, size=samples, replace=False))
    return betweenness_scores(csr.indptr, csr.indices, sources.astype(np.int64))


def betweenness_scores(indptr, indices, sources) -> np.ndarray:
    """Sum over ``sources`` of each node's pair dependencies (undirected: halved, as networkx's
    ``normalized=False`` when every node is a source)."""
    # a fixed number of partial sums, whatever the thread count: the sum's rounding, and so the
    # ranking of near-equal people, must not depend on how many threads (or workers) ran it
    chunks = max(1, min(len(sources), CHUNKS))
    parts = _brandes(indptr, indices, sources, chunks)
    return parts.sum(axis=0) / 2.0


@njit(parallel=True, cache=True)
def _brandes(indptr, indices, sources, chunks):
    n = len(indptr) - 1
    out = np.zeros((chunks, n))
    S = len(sources)
    for c in prange(chunks):
        dist = np.full(n, -1, dtype=np.int64)
        sigma = np.zeros(n)
        delta = np.zeros(n)
        order = np.empty(n, dtype=np.int64)
        acc = out[c]
        for si in range(c * S // chunks, (c + 1) * S // chunks):
            s = sources[si]
            dist[s] = 0
            sigma[s] = 1.0
            order[0] = s
            head, tail = 0, 1
            while head < tail:  # BFS; order is the BFS order (non-decreasing distance)
                v = order[head]
                head += 1
                for e in range(indptr[v], indptr[v + 1]):
                    w = indices[e]
                    if dist[w] < 0:
                        dist[w] = dist[v] + 1
                        order[tail] = w
                        tail += 1
                    if dist[w] == dist[v] + 1:
                        sigma[w] += sigma[v]
            for i in range(tail - 1, -1, -1):  # dependencies, farthest first
                w = order[i]
                coeff = (1.0 + delta[w]) / sigma[w]
                for e in range(indptr[w], indptr[w + 1]):
                    v = indices[e]
                    if dist[v] == dist[w] - 1:
                        delta[v] += sigma[v] * coeff
                if w != s:
                    acc[w] += delta[w]
            for i in range(tail):
                w = order[i]
                dist[w] = -1
                sigma[w] = 0.0
                delta[w] = 0.0
    return out
