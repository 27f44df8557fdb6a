"""Compressed sparse row (CSR) form of a graph, the array layout the numba kernels walk.

Why: a kernel step reads each person's neighbours as one contiguous slice of ``indices``, which is
what makes compiled sweeps cache-friendly. The mapping between CSR positions (0..n-1) and the graph's
own node ids is kept in ``nodes`` / ``position`` so every result can be reported in the user's ids.

Indices are ``uint32`` (numba then skips its negative-index check: about +50% gather speed, see
``docs/performance.md``) and ``indptr`` is ``int64`` so graphs with more than
2**31 adjacency entries still fit.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from itertools import chain

import networkx as nx
import numpy as np
from numba import njit

from .errors import NetworkError

__all__ = ["CSR", "to_csr", "from_edges", "csr_of", "fingerprint", "forget"]


@dataclass(frozen=True, eq=False)
class CSR:
    """Undirected adjacency as CSR arrays plus the node-id mapping.

    Attributes:
        indptr: int64 array of length n+1; neighbours of position i are ``indices[indptr[i]:indptr[i+1]]``.
        indices: uint32 array of neighbour positions, in the graph's own adjacency order.
        nodes: the graph's node ids, ``nodes[i]`` is the id at position i (graph iteration order).
        weights: optional float64 edge weights aligned with ``indices`` (None when unweighted).
        ordinal: the node ids are exactly 0..n-1 in order (ids are positions), as in every
            generated network; ``nodes`` is then a list (networkx ids) or a range (built as arrays).
        loops: positions whose self-loop the conversion dropped (None when not made from a graph);
            networkx counts a self-loop twice in a degree, so ``graph_degree`` adds them back.
    """

    indptr: np.ndarray
    indices: np.ndarray
    nodes: list
    weights: np.ndarray | None = None
    _position: dict = field(default=None, repr=False)
    loops: np.ndarray | None = field(default=None, repr=False)
    ordinal: bool = field(default=False, repr=False)  # nodes are 0..n-1 in order: ids are positions

    @property
    def n(self) -> int:
        return len(self.indptr) - 1

    @property
    def degree(self) -> np.ndarray:
        return np.diff(self.indptr).astype(np.int64)

    def graph_degree(self) -> np.ndarray:
        """Degrees as networkx counts them (``dict(G.degree)`` in node order: a self-loop counts
        twice), from the arrays: a degree ranking on a networkx graph needs no walk of its dicts."""
        degree = self.degree
        if self.loops is not None and len(self.loops):
            np.add.at(degree, self.loops, 2)
        return degree

    @property
    def max_degree(self) -> int:
        """The largest degree (0 with nobody), without allocating a degree array."""
        return int(_max_degree(self.indptr))

    def position(self, node) -> int:
        """CSR position of a graph node id."""
        if isinstance(self.nodes, range):  # array-built networks: ids are positions
            if isinstance(node, (int, np.integer)) and 0 <= node < self.n:
                return int(node)
            raise NetworkError(f"node {node!r} is not in the graph")
        if self._position is None:
            object.__setattr__(self, "_position", {v: i for i, v in enumerate(self.nodes)})
        try:
            return self._position[node]
        except KeyError:
            raise NetworkError(f"node {node!r} is not in the graph") from None

    def positions(self, nodes) -> np.ndarray:
        """CSR positions of graph node ids, in order (int64); NetworkError names the first id missing.

        Vectorised, as ``position`` for each id: on array-built networks (``nodes`` is a range) an
        integer array needs only a bounds check; otherwise one pass of lookups in the id-to-position
        dict (built once per CSR). 10,000 seeds at 10^6 people: 0.2 ms instead of 4 ms.
        """
        if not isinstance(nodes, (list, tuple, np.ndarray)):
            nodes = list(nodes)
        if isinstance(self.nodes, range):
            try:
                ids = np.asarray(nodes)
            except (ValueError, TypeError):  # ragged: not ids anyway, let position() name one
                ids = np.zeros((0, 0))
            if ids.ndim == 1 and ids.dtype.kind in "iu":
                outside = (ids < 0) | (ids >= self.n)
                if outside.any():
                    node = ids[np.argmax(outside)].item()
                    raise NetworkError(f"node {node!r} is not in the graph")
                return ids.astype(np.int64)
            return np.fromiter((self.position(v) for v in nodes), dtype=np.int64, count=len(nodes))
        if isinstance(nodes, np.ndarray):
            nodes = nodes.tolist()  # Python scalars hash faster than numpy's
        if self._position is None:
            object.__setattr__(self, "_position", {v: i for i, v in enumerate(self.nodes)})
        try:
            return np.fromiter(map(self._position.__getitem__, nodes), dtype=np.int64, count=len(nodes))
        except KeyError as missing:
            raise NetworkError(f"node {missing.args[0]!r} is not in the graph") from None

    def ids(self, positions) -> list:
        """Graph node ids for an iterable of CSR positions."""
        return [self.nodes[int(i)] for i in positions]

    def to_networkx(self) -> nx.Graph:
        """A networkx graph of the same ties (for agents and drawing; costly for millions of people)."""
        G = nx.Graph()
        G.add_nodes_from(self.nodes)
        src = np.repeat(np.arange(self.n), np.diff(self.indptr))
        keep = src < self.indices
        G.add_edges_from(zip(self.ids(src[keep]), self.ids(self.indices[keep]), strict=True))
        return G


def _integer_csr(G: nx.Graph) -> CSR | None:
    """Fast path for unweighted graphs whose nodes are exactly 0..n-1 in order (every generated kind):
    networkx's adjacency dicts are read by C iterators, about 8x faster than the general loop at 1e6
    people, giving the same arrays. None when the graph does not qualify."""
    if G.is_directed() or G.is_multigraph():
        return None
    n = G.number_of_nodes()
    adj = G._adj
    try:
        if n and not all(type(v) is int for v in (next(iter(adj)), next(reversed(adj)))):
            return None
        nodes = np.fromiter(adj, dtype=np.int64, count=n)
        if n and not np.array_equal(nodes, np.arange(n)):
            return None
        degree = np.fromiter(map(len, adj.values()), dtype=np.int64, count=n)
        flat = np.fromiter(chain.from_iterable(adj.values()), dtype=np.int64, count=int(degree.sum()))
    except (TypeError, ValueError, OverflowError):
        return None
    rows = np.repeat(np.arange(n, dtype=np.int64), degree)
    loops = flat == rows
    looped = rows[loops]
    if len(looped):  # self-loops dropped, as below
        flat = flat[~loops]
        degree = degree - np.bincount(looped, minlength=n)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(degree, out=indptr[1:])
    return CSR(indptr=indptr, indices=flat.astype(np.uint32), nodes=list(range(n)), loops=looped, ordinal=True)


def to_csr(G: nx.Graph, weight: str | None = None) -> CSR:
    """Convert a networkx graph to CSR arrays, keeping the graph's node order and adjacency order.

    Directed graphs are read as undirected (influence flows both ways along a social tie);
    self-loops are dropped because nobody influences themselves.
    """
    if weight is None:
        fast = _integer_csr(G)
        if fast is not None:
            return fast
    if G.is_directed():
        G = G.to_undirected(as_view=True)
    nodes = list(G.nodes)
    index = {v: i for i, v in enumerate(nodes)}
    n = len(nodes)
    indptr = np.zeros(n + 1, dtype=np.int64)
    nbrs: list[int] = []
    wts: list[float] = []
    looped: list[int] = []
    adj = G.adj
    for i, v in enumerate(nodes):
        count = 0
        for u, attrs in adj[v].items():
            if u == v:
                looped.append(i)
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
    return CSR(indptr=indptr, indices=indices, nodes=nodes, weights=weights, loops=np.array(looped, dtype=np.int64))


def from_edges(source, target, weights=None) -> CSR:
    """The CSR of the undirected graph made by adding the ties ``source[k] - target[k]`` in order.

    What: exactly ``to_csr(G, weight)`` for ``G = nx.Graph(); G.add_edges_from(zip(source, target))``
    (``add_weighted_edges_from`` with ``weights``, ``weight="weight"``): people numbered in the order
    they first appear, each person's neighbours in the order their tie first appears (either way
    round), repeated ties kept once with the last weight, self-loops dropped (kept in ``loops``).
    Integer ids 0..n-1 appearing in that order give an ``ordinal`` CSR, as ``to_csr`` does unweighted.

    Why: an edge list of millions of ties read through networkx (a dict per person and per tie) took
    over 30 s and gigabytes before a run could start; here it is two compiled O(ties) passes over
    flat arrays (``networks.io.load_arrays`` reads a file this way).

    Parameters
    ----------
    source, target : array_like of int
        The two ends of each tie, as int64 node ids.
    weights : array_like of float, optional
        A weight per tie: the CSR then carries ``weights`` (the last given for a repeated tie).

    Examples
    --------
    >>> csr = from_edges([5, 7, 7, 9], [7, 5, 9, 9])     # 5-7 twice, and a self-loop on 9
    >>> csr.nodes, csr.indptr.tolist(), csr.indices.tolist(), csr.loops.tolist()
    ([5, 7, 9], [0, 1, 3, 4], [1, 0, 2, 1], [2])
    """
    source = np.ascontiguousarray(source, dtype=np.int64)
    target = np.ascontiguousarray(target, dtype=np.int64)
    if source.shape != target.shape or source.ndim != 1:
        raise ValueError("source and target must be 1-d arrays of the same length")
    ends = np.empty(2 * len(source), dtype=np.int64)
    ends[0::2], ends[1::2] = source, target  # u before v, tie after tie: networkx's order of first sight
    positions, nodes = _first_seen(ends)
    del ends
    n = len(nodes)
    if n >= 2**32:
        raise ValueError(f"{n:,} people: more than CSR positions (uint32) can number")
    weighted = weights is not None
    w = np.ascontiguousarray(weights, dtype=np.float64) if weighted else np.zeros(0)
    if weighted and w.shape != source.shape:
        raise ValueError("weights must have one value per tie")
    indptr, indices, kept_weights, looped = _adjacency_in_order(positions[0::2], positions[1::2], n, w, weighted)
    loops = np.flatnonzero(looped).astype(np.int64)
    ordinal = not weighted and (n == 0 or (nodes[0] == 0 and nodes[-1] == n - 1 and bool((np.diff(nodes) == 1).all())))
    return CSR(
        indptr=indptr,
        indices=indices,
        nodes=nodes.tolist(),
        weights=kept_weights if weighted else None,
        loops=loops,
        ordinal=ordinal,
    )


def _first_seen(ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(position of each id, ids in order of first appearance). A dense table when the ids span
    little more than their count (any file numbered from 0 or 1), else a sort."""
    if not len(ends):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    lo, hi = int(ends.min()), int(ends.max())
    if hi - lo < 4 * len(ends) + 1024:
        return _first_seen_dense(ends, lo, hi - lo + 1)
    ids, first, inverse = np.unique(ends, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty(len(ids), dtype=np.int64)
    rank[order] = np.arange(len(ids))
    return rank[inverse.reshape(-1)], ids[order]


@njit(cache=True)
def _first_seen_dense(ends, lo, span):
    table = np.full(span, -1, dtype=np.int64)
    positions = np.empty(len(ends), dtype=np.int64)
    order = np.empty(len(ends), dtype=np.int64)
    n = 0
    for k in range(len(ends)):
        j = ends[k] - lo
        p = table[j]
        if p < 0:
            p = n
            table[j] = n
            order[n] = ends[k]
            n += 1
        positions[k] = p
    return positions, order[:n].copy()


@njit(cache=True)
def _adjacency_in_order(a, b, n, w, weighted):
    """Rows in tie order (a stable counting sort), then each row's repeats dropped, keeping the first
    place and the last weight; returns (indptr, indices, weights, has_self_loop)."""
    looped = np.zeros(n, dtype=np.bool_)
    start = np.zeros(n + 1, dtype=np.int64)
    for k in range(len(a)):
        if a[k] == b[k]:
            looped[a[k]] = True
        else:
            start[a[k] + 1] += 1
            start[b[k] + 1] += 1
    for u in range(n):
        start[u + 1] += start[u]
    total = start[n]
    neighbour = np.empty(total, dtype=np.uint32)
    tie = np.empty(total if weighted else 0, dtype=np.int64)
    fill = start[:-1].copy()
    for k in range(len(a)):
        u, v = a[k], b[k]
        if u == v:
            continue
        neighbour[fill[u]] = v
        neighbour[fill[v]] = u
        if weighted:
            tie[fill[u]] = k
            tie[fill[v]] = k
        fill[u] += 1
        fill[v] += 1
    mark = np.full(n, -1, dtype=np.int64)  # mark[v] == u: v already in u's row, at slot[v]
    slot = np.zeros(n, dtype=np.int64)
    indptr = np.zeros(n + 1, dtype=np.int64)
    weights = np.empty(total if weighted else 0, dtype=np.float64)
    out = 0
    for u in range(n):
        for e in range(start[u], start[u + 1]):
            v = neighbour[e]
            if mark[v] == u:
                if weighted:
                    weights[slot[v]] = w[tie[e]]  # a later repeat: its weight replaces the earlier one
                continue
            mark[v] = u
            slot[v] = out
            neighbour[out] = v  # out <= e: compacted in place
            if weighted:
                weights[out] = w[tie[e]]
            out += 1
        indptr[u + 1] = out
    return indptr, neighbour[:out].copy(), weights[:out].copy(), looped


@njit(cache=True)
def _tied(indptr, indices, a, b):
    """For each pair k, is b[k] among a[k]'s neighbours? (scans the shorter row)"""
    out = np.zeros(len(a), dtype=np.bool_)
    for k in range(len(a)):
        u, v = a[k], b[k]
        if indptr[u + 1] - indptr[u] > indptr[v + 1] - indptr[v]:
            u, v = v, u
        for e in range(indptr[u], indptr[u + 1]):
            if indices[e] == v:
                out[k] = True
                break
    return out


@njit(cache=True)
def _rebuild(indptr, indices, add_a, add_b, drop_a, drop_b):
    """New CSR arrays: each row keeps its order minus dropped ties, then gains its new ties."""
    n = len(indptr) - 1
    drop = np.zeros(len(indices), dtype=np.bool_)
    for k in range(len(drop_a)):
        for u, v in ((drop_a[k], drop_b[k]), (drop_b[k], drop_a[k])):
            for e in range(indptr[u], indptr[u + 1]):
                if indices[e] == v:
                    drop[e] = True
                    break
    degree = np.zeros(n, dtype=np.int64)
    for u in range(n):
        for e in range(indptr[u], indptr[u + 1]):
            if not drop[e]:
                degree[u] += 1
    for k in range(len(add_a)):
        degree[add_a[k]] += 1
        degree[add_b[k]] += 1
    new_indptr = np.zeros(n + 1, dtype=np.int64)
    for u in range(n):
        new_indptr[u + 1] = new_indptr[u] + degree[u]
    new_indices = np.empty(new_indptr[n], dtype=np.uint32)
    fill = new_indptr[:-1].copy()
    for u in range(n):
        for e in range(indptr[u], indptr[u + 1]):
            if not drop[e]:
                new_indices[fill[u]] = indices[e]
                fill[u] += 1
    for k in range(len(add_a)):
        a, b = add_a[k], add_b[k]
        new_indices[fill[a]] = b
        fill[a] += 1
        new_indices[fill[b]] = a
        fill[b] += 1
    return new_indptr, new_indices


def new_ties(csr: CSR, pairs: np.ndarray) -> np.ndarray:
    """The pairs (k, 2) not yet tied, without self-ties or repeats (each once, as given first)."""
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    lo, hi = np.minimum(pairs[:, 0], pairs[:, 1]), np.maximum(pairs[:, 0], pairs[:, 1])
    _, first = np.unique(lo * csr.n + hi, return_index=True)
    pairs = pairs[np.sort(first)]
    return pairs[~_tied(csr.indptr, csr.indices, pairs[:, 0], pairs[:, 1])]


def rewire(csr: CSR, add: np.ndarray | None = None, remove: np.ndarray | None = None) -> CSR:
    """A new CSR with undirected ties added and removed, given as (k, 2) arrays of positions.

    Why arrays: networks change during a run (events that bring people together), and rebuilding
    from networkx would cost Python time per tie; this keeps each person's neighbours in their order,
    drops the removed ties and appends the new ones in one compiled O(ties) pass. ``add`` must hold
    ties not yet present (see ``new_ties``). Edge weights are not carried over.
    """
    empty = np.zeros((0, 2), dtype=np.int64)
    add = empty if add is None else np.asarray(add, dtype=np.int64).reshape(-1, 2)
    remove = empty if remove is None else np.asarray(remove, dtype=np.int64).reshape(-1, 2)
    indptr, indices = _rebuild(csr.indptr, csr.indices, add[:, 0], add[:, 1], remove[:, 0], remove[:, 1])
    return CSR(indptr=indptr, indices=indices, nodes=csr.nodes, weights=None, _position=csr._position)


_CACHE: weakref.WeakKeyDictionary[nx.Graph, tuple[int | None, CSR]] = weakref.WeakKeyDictionary()


@njit(cache=True)
def _max_degree(indptr):
    best = 0
    for i in range(len(indptr) - 1):
        best = max(best, indptr[i + 1] - indptr[i])
    return best


def fingerprint(G: nx.Graph) -> int:
    """A hash of the node order and every adjacency list, in order.

    Each list is made into a tuple and hashed by C code (``map(hash, map(tuple, ...))`` over the raw
    adjacency dicts, no Python step per node or per tie): about half of ``to_csr``'s time, 2-3 times
    less than walking networkx's adjacency views. Any change to the ties or their order changes it (up
    to hash collisions). A directed graph is hashed through its successor and predecessor dicts,
    which determine the undirected view that ``to_csr`` reads.
    """
    stores = (G._succ, G._pred) if G.is_directed() else (G._adj,)
    return hash(tuple((tuple(adj), tuple(map(hash, map(tuple, adj.values())))) for adj in stores))


def _immutable(G: nx.Graph) -> bool:
    """Frozen by ``nx.freeze`` and holding its own adjacency dicts, so its ties cannot change.

    networkx's views (``subgraph``, ``copy(as_view=True)``, ``to_undirected(as_view=True)``, ...)
    are frozen too but follow the graph they view, which may change: they carry ``_graph`` and are
    not trusted.
    """
    if not nx.is_frozen(G) or hasattr(G, "_graph"):
        return False
    stores = (G._succ, G._pred) if G.is_directed() else (G._adj,)
    return all(type(adj) is dict for adj in stores)


def csr_of(G: nx.Graph, weight: str | None = None) -> CSR:
    """``to_csr(G)``, reused while G is unchanged: replicates on one graph convert it once.

    How "unchanged" is checked, cheapest first:

    * **Frozen graphs** (``nx.freeze(G)``) cannot change: once converted while frozen, later calls
      return the same CSR at once.
    * **Ordinary graphs** are checked by identity plus networkx's own change signal: every method
      that adds or removes nodes or ties (``add_edge``, ``remove_nodes_from``, ``clear``, ...)
      empties the graph's ``__networkx_cache__`` (networkx >= 3.3), where the conversion leaves a
      token; the token still there and the same number of people means the ties are as converted.
      O(1) instead of a pass over every tie (the full ``fingerprint`` took 60-70 ms at 10^5 people,
      more than the run). Editing networkx's private adjacency dicts (``G._adj``) directly bypasses
      that signal: call ``forget(G)`` afterwards (or pass ``G.copy()``) to force a rebuild.
    * **Graph views** (``subgraph``, ``to_undirected(as_view=True)``, ...) follow a graph that may
      change without telling the view: they are fingerprinted every call, as are graphs without a
      ``__networkx_cache__``.

    Weighted conversions are not cached (weights are not fingerprinted).
    """
    if weight is not None:
        return to_csr(G, weight=weight)
    frozen = _immutable(G)
    cached = _CACHE.get(G)
    store = None if hasattr(G, "_graph") else getattr(G, "__networkx_cache__", None)
    if cached is not None:
        mark, csr = cached
        if mark is None:  # converted while frozen
            if frozen:
                return csr
        elif (
            store is not None and store.get(_TOKEN_KEY) is mark and len(G) == csr.n
            if isinstance(mark, _Token)
            else fingerprint(G) == mark
        ):
            if frozen:  # frozen since: no more checks needed
                _CACHE[G] = (None, csr)
            return csr
    csr = to_csr(G)
    if frozen:
        mark = None
    elif isinstance(store, dict):
        mark = store[_TOKEN_KEY] = _Token()
    else:
        mark = fingerprint(G)
    _CACHE[G] = (mark, csr)
    return csr


class _Token:
    """Left in a graph's ``__networkx_cache__`` by a conversion; networkx drops it on any change."""


_TOKEN_KEY = "wellspread.csr"


def forget(G: nx.Graph) -> None:
    """Drop G's cached CSR so the next ``csr_of(G)`` converts it again.

    Needed only after changing G's ties without networkx's methods (writing to ``G._adj`` directly);
    every networkx method that changes a graph already invalidates the cached arrays.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.path_graph(3)
    >>> csr_of(G) is csr_of(G)
    True
    >>> forget(G)
    >>> G._adj[0][2] = G._adj[2][0] = {}  # behind networkx's back
    >>> csr_of(G).degree.tolist()
    [2, 2, 2]
    """
    _CACHE.pop(G, None)
    store = getattr(G, "__networkx_cache__", None)
    if isinstance(store, dict):
        store.pop(_TOKEN_KEY, None)
