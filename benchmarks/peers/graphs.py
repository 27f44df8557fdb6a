"""The benchmark graphs: their names, the Watts-Strogatz and CSR builders, ``build_graph`` and the
``Graph`` every library reads (saved to and loaded from ``.npz``)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from .settings import DATASETS, GRAPH_SEED, SEED, SEED_SHARE


def label(n: int) -> str:
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}m"
    if n >= 1000 and n % 1000 == 0:
        return f"{n // 1000}k"
    return str(n)


def graph_names(quick: bool = False, sizes=None, kinds=("ba", "ws"), datasets=None) -> list[str]:
    """Graph names in run order: ``ba10k``, ``ws10k``, ..., then data sets by name."""
    sizes = sizes or ((10_000,) if quick else (10_000, 100_000, 1_000_000))
    datasets = datasets if datasets is not None else (() if quick else DATASETS)
    return [f"{kind}{label(n)}" for n in sizes for kind in kinds] + list(datasets)


def _parse_size(text: str) -> int:
    if text.endswith("m"):
        return int(text[:-1]) * 1_000_000
    if text.endswith("k"):
        return int(text[:-1]) * 1000
    return int(text)


try:
    from numba import njit
except ImportError:  # pragma: no cover - numba is a runtime dependency
    njit = None


def _ws_edges_py(n, k, p, seed):
    """Watts-Strogatz as networkx draws it: the ring lattice (each node to its k/2 next), then each
    lattice edge (u, u+j) rewired with probability p to (u, w), w uniform and not u. A rewired edge
    that duplicates another is dropped below (networkx redraws it; at 10^6 nodes that is a handful)."""
    np.random.seed(seed)
    half = k // 2
    src = np.empty(n * half, dtype=np.int64)
    dst = np.empty(n * half, dtype=np.int64)
    e = 0
    for j in range(1, half + 1):
        for u in range(n):
            v = (u + j) % n
            if np.random.random() < p:
                w = np.random.randint(0, n)
                while w == u:
                    w = np.random.randint(0, n)
                v = w
            src[e] = u
            dst[e] = v
            e += 1
    return src, dst


_ws_edges = njit(cache=True)(_ws_edges_py) if njit is not None else _ws_edges_py


def watts_strogatz_csr(n: int, k: int = 10, p: float = 0.1, seed: int = GRAPH_SEED):
    """A Watts-Strogatz graph straight into CSR arrays (for 10^6 people, where networkx is slow)."""
    src, dst = _ws_edges(n, k, p, seed)
    lo, hi = np.minimum(src, dst), np.maximum(src, dst)
    key = np.unique(lo * n + hi)
    lo, hi = key // n, key % n
    return _csr_from_pairs(n, lo, hi)


def _csr_from_pairs(n: int, lo: np.ndarray, hi: np.ndarray):
    a = np.concatenate([lo, hi])
    b = np.concatenate([hi, lo])
    order = np.argsort(a, kind="stable")
    indices = b[order].astype(np.uint32)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(a, minlength=n), out=indptr[1:])
    return indptr, indices


def build_graph(name: str) -> dict:
    """CSR arrays of a named graph, how it was built and how long that took."""
    import networkx as nx

    import networks

    start = time.perf_counter()
    if name[:2] in ("ba", "ws") and name[2:3].isdigit():
        kind, n = name[:2], _parse_size(name[2:])
        if n <= 100_000:
            G = nx.barabasi_albert_graph(n, 5, seed=GRAPH_SEED) if kind == "ba" else nx.watts_strogatz_graph(n, 10, 0.1, seed=GRAPH_SEED)
            csr = networks.to_csr(G)
            indptr, indices, how = csr.indptr, csr.indices, f"networkx {'barabasi_albert_graph(m=5)' if kind == 'ba' else 'watts_strogatz_graph(k=10, p=0.1)'}"
        elif kind == "ba":
            from networks.arrays import barabasi_albert_csr

            csr = barabasi_albert_csr(n, seed=GRAPH_SEED, m=5)
            indptr, indices, how = csr.indptr, csr.indices, "networks.arrays.barabasi_albert_csr(m=5)"
        else:
            indptr, indices = watts_strogatz_csr(n, 10, 0.1, seed=GRAPH_SEED)
            how = "arrays, Watts-Strogatz k=10 p=0.1 (benchmarks.bench_peers.watts_strogatz_csr)"
    else:
        G = networks.dataset(name)
        csr = networks.to_csr(nx.Graph(G))  # ties only: weights, directions and multi-edges dropped
        indptr, indices, how = csr.indptr, csr.indices, f"networks.dataset({name!r}), unweighted"
    built = time.perf_counter() - start
    n = len(indptr) - 1
    seeds = np.sort(np.random.default_rng(SEED).choice(n, size=max(1, round(SEED_SHARE * n)), replace=False))
    return {"name": name, "n": n, "indptr": indptr, "indices": indices, "seeds": seeds, "how": how, "build_s": built}


@dataclass
class Graph:
    """A benchmark graph as every library reads it: positions 0..n-1, the CSR arrays, the seeds."""

    name: str
    indptr: np.ndarray
    indices: np.ndarray
    seeds: np.ndarray
    folder: Path

    @property
    def n(self) -> int:
        return len(self.indptr) - 1

    @property
    def entries(self) -> int:
        return len(self.indices)

    @cached_property
    def seed_list(self) -> list[int]:
        return [int(s) for s in self.seeds]

    @cached_property
    def csr(self):
        import networks

        return networks.CSR(indptr=self.indptr, indices=self.indices, nodes=range(self.n))

    @cached_property
    def nx(self):
        """networkx form (nodes 0..n-1 in order, the same ties)."""
        import networkx as nx

        G = nx.Graph()
        G.add_nodes_from(range(self.n))
        src = np.repeat(np.arange(self.n), np.diff(self.indptr))
        keep = src < self.indices
        G.add_edges_from(zip(src[keep].tolist(), self.indices[keep].tolist(), strict=True))
        return G

    @classmethod
    def load(cls, path: Path) -> Graph:
        with np.load(path) as z:
            return cls(str(z["name"]), z["indptr"], z["indices"], z["seeds"], path.parent)

    def save(self, path: Path) -> None:
        np.savez(path, name=self.name, indptr=self.indptr, indices=self.indices, seeds=self.seeds)
