"""Clustered seeding: one tight clump of seeds, so that people near it hear from several adopters.

Centola (2010), "The spread of behavior in an online social network experiment", *Science* 329:1194,
and Centola & Macy (2007), *Am. J. Sociol.* 113:702: a behaviour that needs reinforcement from
several contacts (complex contagion, e.g. ``absolute_threshold`` with k >= 2) spreads from a clump
of neighbouring adopters and dies out from scattered ones, the reverse of simple contagion.

The clump grows from a centre (the best-connected person by default, or a random one): each new seed
is the person with most ties to the seeds already chosen (ties: nearer the centre, then at random),
a greedy densest ball. If the centre's component runs out, a new clump starts in another component.
"""

from __future__ import annotations

import heapq

import numpy as np

from ._common import choice, csr_of, ids, no_params
from .registry import strategy


@strategy("clustered")
def clustered(G, count, rng, centre="degree", **params):
    """A clump of ``count`` neighbouring people around a centre.

    Params:
        centre: "degree" (default: a highest-degree person, ties at random) or "random".
    """
    no_params("clustered", params)
    centre = choice("clustered", "centre", centre, ("degree", "random"))
    csr = csr_of(G)
    return ids(csr, clump(csr, count, rng, centre))


def clump(csr, count: int, rng, centre: str = "degree") -> list[int]:
    n = csr.n
    indptr, indices = csr.indptr, csr.indices
    degree = csr.degree
    priority = rng.permutation(n)
    # centres in order of preference: by degree (ties at random) or a random order
    centres = np.lexsort((priority, -degree)) if centre == "degree" else priority.argsort()
    chosen = np.zeros(n, dtype=bool)
    ties = np.zeros(n, dtype=np.int64)
    dist = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    out: list[int] = []
    heap: list = []
    next_centre = 0

    def add(v):
        chosen[v] = True
        out.append(int(v))
        for w in indices[indptr[v] : indptr[v + 1]]:
            w = int(w)
            if chosen[w]:
                continue
            ties[w] += 1
            dist[w] = min(dist[w], dist[v] + 1)
            heapq.heappush(heap, (-ties[w], dist[w], priority[w], w))

    while len(out) < count:
        while heap and len(out) < count:
            neg_ties, d, _, v = heapq.heappop(heap)
            if not chosen[v] and -neg_ties == ties[v] and d == dist[v]:
                add(v)
        if len(out) >= count:
            break
        while chosen[centres[next_centre]]:  # component exhausted: start a new clump
            next_centre += 1
        c = int(centres[next_centre])
        dist[c] = 0
        add(c)
    return out
