"""Friend nomination: ask random people to name a friend, and recruit the friends.

Kim, Hwong, Stafford, Hughes, O'Malley, Fowler & Christakis (2015), "Social network targeting to
maximise population behaviour change: a cluster randomised controlled trial", *Lancet* 386:145-153.
In Honduran villages, recruiting the friends named by random residents spread a public-health
intervention further than recruiting random residents or the best-connected ones (the friendship
paradox: a random friend has more friends than a random person; Feld 1991, *Am. J. Sociol.* 96:1464).

It needs no map of the network, only each asked person's own ties, which is why programmes can use
it. Here random people are asked in turn; each names one friend uniformly at random, and the friend
is recruited unless already named (then the next person is asked). People with no friends cannot
name anyone. If everyone has been asked before ``count`` distinct friends are named (tiny or sparse
networks), the rest are random people.
"""

from __future__ import annotations

import numpy as np

from ._common import csr_of, fill_random, ids, no_params
from .registry import strategy


@strategy("nomination")
def nomination(G, count, rng, **params):
    """The friends named by random people, ``count`` distinct ones."""
    no_params("nomination", params)
    csr = csr_of(G)
    n = csr.n
    indptr, indices = csr.indptr, csr.indices
    named = np.zeros(n, dtype=bool)
    chosen: list[int] = []
    batch = max(64, 4 * count)
    asked = 0
    order = rng.permutation(n)
    while len(chosen) < count and asked < n:
        people = order[asked : asked + batch]
        asked += len(people)
        deg = indptr[people + 1] - indptr[people]
        pick = rng.random(len(people))
        for person, d, u in zip(people, deg, pick, strict=True):
            if d == 0:
                continue
            friend = int(indices[indptr[person] + int(u * d)])
            if not named[friend]:
                named[friend] = True
                chosen.append(friend)
                if len(chosen) == count:
                    break
    return ids(csr, fill_random(chosen, n, count, rng))
