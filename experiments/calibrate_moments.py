"""Network moments: summaries of *where* adoption happened, not only how much.

Final shares per unit say how many adopted; they say little about *how* word travelled. In the
information model of Banerjee, Chandrasekhar, Duflo & Jackson (2013, *Science* 341:1236498) people
who adopted pass the word with probability q^P and those who did not with q^N: the same number of
adopters arises from many (q^N, q^P) pairs, but a high q^P clusters adopters next to adopters. The
paper's method of simulated moments therefore matched moments of the network pattern of take-up
(its supplementary materials: take-up among households with no taking neighbour, among those next
to a leader, and their covariances with neighbours' take-up). ``summary = "moments"`` uses such
moments, computed from each person's observed final state (``observed.attribute``):

- ``share``: mean over units of the share adopting, and ``sd_between_units``: its spread;
- ``with_no_adopting_neighbour`` / ``with_an_adopting_neighbour``: the share adopting among people
  none / at least one of whose neighbours adopted (every person's state counts as a neighbour's,
  seeds included): the contrast that q^P drives;
- ``next_to_a_seed`` / ``not_next_to_a_seed``: the share adopting among people who are / are not
  neighbours of a seed (how far word travels from the injection points).

All but the first two are pooled over units (ratios of sums: far less noisy than unit by unit); an
empty group counts as a share of 0. Scales differ, so pair them with ``distance = "adaptive"``.
"""

from __future__ import annotations

import networkx as nx
import numpy as np

__all__ = ["NetworkMoments"]


class NetworkMoments:
    """The moments of a vector of final states (graph order) on a fixed set of networks.

    Args:
        graph: all units' people (the order of its nodes is the order of the states);
        unit: each person's unit code (-1 for people not counted, e.g. the seeds); seeds: node ids.

    Examples
    --------
    >>> G = nx.path_graph(4)  # 0 - 1 - 2 - 3, one unit, 0 the seed (not counted)
    >>> m = NetworkMoments(G, np.array([-1, 0, 0, 0]), seeds=[0])
    >>> dict(zip(m.NAMES, m(np.array([1, 1, 0, 0])).round(3).tolist()))  # doctest: +NORMALIZE_WHITESPACE
    {'share': 0.333, 'sd_between_units': 0.0, 'with_no_adopting_neighbour': 0.0,
     'with_an_adopting_neighbour': 0.5, 'next_to_a_seed': 1.0, 'not_next_to_a_seed': 0.0}
    """

    NAMES = ("share", "sd_between_units", "with_no_adopting_neighbour", "with_an_adopting_neighbour", "next_to_a_seed", "not_next_to_a_seed")

    def __init__(self, graph: nx.Graph, unit: np.ndarray, seeds=None):
        order = list(graph)
        self.adjacency = nx.to_scipy_sparse_array(graph, nodelist=order, format="csr", dtype=float)
        self.unit = np.asarray(unit)
        self.counted = self.unit >= 0
        self.sizes = np.bincount(self.unit[self.counted]).astype(float)
        is_seed = np.isin(np.arange(len(order)), [k for k, v in enumerate(order) if v in set(seeds or ())]).astype(float)
        self.near = (self.adjacency @ is_seed > 0) & self.counted

    def __call__(self, adopted) -> np.ndarray:
        a = np.asarray(adopted, dtype=float)
        c = self.counted
        shares = np.bincount(self.unit[c], weights=a[c], minlength=len(self.sizes)) / self.sizes
        has = (self.adjacency @ a) > 0

        def share(mask):
            n = mask.sum()
            return float(a[mask].sum() / n) if n else 0.0

        return np.array([shares.mean(), shares.std(), share(c & ~has), share(c & has), share(self.near), share(c & ~self.near)])
