"""Networks built straight into CSR arrays, for populations of millions.

Why: networkx spends about 24 s and several GB building a 10^6-node Barabasi-Albert graph, one
Python object per tie (``docs/performance.md``); ten million people would not
fit. These builders draw the same models with compiled loops into flat arrays; a networkx view can
still be made for small graphs (``CSR.to_networkx``). People built this way carry no attributes.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .csr import CSR, _rebuild
from .errors import NetworkError

__all__ = ["barabasi_albert_csr", "ARRAY_KINDS", "generate_arrays"]


@njit(cache=True)
def _ba_edges(n, m, seed):
    """Preferential attachment as in networkx: a star on m+1 nodes, then each newcomer links to m
    distinct existing nodes drawn with probability proportional to degree (from the list of edge ends)."""
    np.random.seed(seed)  # numba's own generator, seeded inside the kernel: reproducible
    edges = m * (n - m)
    src = np.empty(edges, dtype=np.uint32)
    dst = np.empty(edges, dtype=np.uint32)
    ends = np.empty(2 * edges, dtype=np.uint32)  # every edge end once: degree-proportional sampling
    k = 0
    for j in range(1, m + 1):  # the initial star, centre 0
        src[k], dst[k] = j, 0
        ends[2 * k], ends[2 * k + 1] = j, 0
        k += 1
    chosen = np.empty(m, dtype=np.uint32)
    for v in range(m + 1, n):
        c = 0
        while c < m:
            t = ends[np.random.randint(0, 2 * k)]
            fresh = True
            for q in range(c):
                if chosen[q] == t:
                    fresh = False
                    break
            if fresh:
                chosen[c] = t
                c += 1
        for q in range(m):
            src[k], dst[k] = v, chosen[q]
            ends[2 * k], ends[2 * k + 1] = v, chosen[q]
            k += 1
    return src[:k], dst[:k]


def barabasi_albert_csr(n: int, seed: int, m: int = 3) -> CSR:
    """Barabasi & Albert (1999) preferential attachment, as CSR arrays (nodes 0..n-1)."""
    if not isinstance(m, int) or not 1 <= m < n:
        raise NetworkError(f"network kind 'barabasi_albert': m must be an integer in [1, n), got {m if isinstance(m, int) else repr(m)}")
    src, dst = _ba_edges(n, m, seed % (2**32))
    none = np.zeros(0, dtype=np.uint32)
    indptr, indices = _rebuild(np.zeros(n + 1, dtype=np.int64), none, src, dst, none, none)  # ties into an empty CSR
    return CSR(indptr=indptr, indices=indices, nodes=range(n), ordinal=True)


ARRAY_KINDS = {"barabasi_albert": barabasi_albert_csr}


def generate_arrays(kind: str, n: int, seed: int, **params) -> CSR:
    """Build ``kind`` straight into arrays (kinds in ``ARRAY_KINDS``)."""
    try:
        builder = ARRAY_KINDS[kind]
    except KeyError:
        raise NetworkError(
            f"network kind {kind!r} cannot be built as arrays; array kinds: {', '.join(ARRAY_KINDS)}"
        ) from None
    return builder(n, seed, **params)
