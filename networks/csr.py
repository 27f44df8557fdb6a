"""Compressed sparse row (CSR) form of a graph, the array layout the numba kernels walk.

Why: a kernel step reads each person's neighbours as one contiguous slice of ``indices``, which is
what makes compiled sweeps cache-friendly. The mapping between CSR positions (0..n-1) and the graph's
own node ids is kept in ``nodes`` / ``position`` so every result can be reported in the user's ids.

Indices are ``uint32`` (numba then skips its negative-index check: about +50% gather speed, see
``../shared/notes/performance.md`` section 2.2) and ``indptr`` is ``int64`` so graphs with more than
2**31 adjacency entries still fit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx
import numpy as np

from .errors import NetworkError

__all__ = ["CSR", "to_csr"]


@dataclass(frozen=True, eq=False)
class CSR:
    """Undirected adjacency as CSR arrays plus the node-id mapping.

    Attributes:
        indptr: int64 array of length n+1; neighbours of position i are ``indices[indptr[i]:indptr[i+1]]``.
        indices: uint32 array of neighbour positions, in the graph's own adjacency order.
        nodes: the graph's node ids, ``nodes[i]`` is the id at position i (graph iteration order).
        weights: optional float64 edge weights aligned with ``indices`` (None when unweighted).
    """

    indptr: np.ndarray
    indices: np.ndarray
    nodes: list
    weights: np.ndarray | None = None
    _position: dict = field(default=None, repr=False)

    @property
    def n(self) -> int:
        return len(self.indptr) - 1

    @property
    def degree(self) -> np.ndarray:
        return np.diff(self.indptr).astype(np.int64)

    def position(self, node) -> int:
        """CSR position of a graph node id."""
        if self._position is None:
            object.__setattr__(self, "_position", {v: i for i, v in enumerate(self.nodes)})
        try:
            return self._position[node]
        except KeyError:
            raise NetworkError(f"node {node!r} is not in the graph") from None

    def positions(self, nodes) -> np.ndarray:
        return np.fromiter((self.position(v) for v in nodes), dtype=np.int64)

    def ids(self, positions) -> list:
        """Graph node ids for an iterable of CSR positions."""
        return [self.nodes[int(i)] for i in positions]


def to_csr(G: nx.Graph, weight: str | None = None) -> CSR:
    """Convert a networkx graph to CSR arrays, keeping the graph's node order and adjacency order.

    Directed graphs are read as undirected (influence flows both ways along a social tie);
    self-loops are dropped because nobody influences themselves.
    """
    if G.is_directed():
        G = G.to_undirected(as_view=True)
    nodes = list(G.nodes)
    index = {v: i for i, v in enumerate(nodes)}
    n = len(nodes)
    indptr = np.zeros(n + 1, dtype=np.int64)
    nbrs: list[int] = []
    wts: list[float] = []
    adj = G.adj
    for i, v in enumerate(nodes):
        count = 0
        for u, attrs in adj[v].items():
            if u == v:
                continue
            nbrs.append(index[u])
            if weight is not None:
                w = attrs.get(weight, 1.0)
                try:
                    w = float(w)
                except (TypeError, ValueError):
                    raise NetworkError(f"edge ({v!r}, {u!r}): weight {w!r} is not a number") from None
                wts.append(w)
            count += 1
        indptr[i + 1] = indptr[i] + count
    indices = np.asarray(nbrs, dtype=np.uint32) if nbrs else np.zeros(0, dtype=np.uint32)
    weights = np.asarray(wts, dtype=np.float64) if weight is not None else None
    return CSR(indptr=indptr, indices=indices, nodes=nodes, weights=weights)
