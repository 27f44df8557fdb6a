"""Centrality scores by name: the numbers the centrality strategies rank people by.

``scores(G, name, **params)`` gives every person's score as a dict keyed by the graph's own node
ids, as networkx's centrality functions do, computed the way the targeting strategy of the same name
computes it (CSR arrays, compiled loops), so what a strategy picks can be inspected, plotted or
correlated with outcomes.
"""

from __future__ import annotations

import networkx as nx
import numpy as np

from networks import CSR

from . import betweenness, diffusion_centrality, eigenvector, kcore, pagerank
from ._common import csr_of
from .registry import TargetingError

__all__ = ["SCORES", "scores"]


def _degree(G, rng=None, **params) -> np.ndarray:
    if params:
        raise TargetingError(f"score 'degree' takes no parameter {sorted(params)[0]!r}")
    return csr_of(G).degree.astype(np.float64)


#: score name -> function(CSR, rng, **params) -> one value per person in CSR order
SCORES = {
    "degree": _degree,
    "kcore": kcore.centrality,
    "pagerank": pagerank.centrality,
    "eigenvector": eigenvector.centrality,
    "betweenness": betweenness.centrality,
    "diffusion_centrality": diffusion_centrality.centrality,
}


def scores(G: nx.Graph | CSR, name: str, seed=0, **params) -> dict:
    """Every person's centrality score, by node id.

    Parameters
    ----------
    G : networkx.Graph or networks.CSR
        The network.
    name : str
        One of ``SCORES``: ``degree``, ``kcore`` (core number; Kitsak et al. 2010), ``pagerank``
        (``alpha``, ``max_iter``, ``tol``), ``eigenvector`` (``max_iter``, ``tol``), ``betweenness``
        (``samples``: sources for the estimate, exact up to 2,000 people) or ``diffusion_centrality``
        (``q``, ``T``; Banerjee et al. 2013).
    seed : int or numpy.random.Generator
        Only sampled betweenness draws from it.
    **params
        The score's options, as for the strategy of the same name.

    Returns
    -------
    dict
        {node: score}, in the graph's node order.

    Raises
    ------
    TargetingError
        An unknown name or a bad option (a ValueError).

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.star_graph(4)                      # a hub (0) and four leaves
    >>> scores(G, "degree")
    {0: 4.0, 1: 1.0, 2: 1.0, 3: 1.0, 4: 1.0}
    >>> dc = scores(G, "diffusion_centrality", q=0.5, T=2)   # 0.5 x 4 + 0.25 x 4 for the hub
    >>> dc[0], dc[1]
    (3.0, 1.5)
    >>> max(scores(G, "betweenness").items(), key=lambda kv: kv[1])
    (0, 6.0)
    """
    try:
        fn = SCORES[name]
    except (KeyError, TypeError):
        raise TargetingError(f"unknown score {name!r}; choose one of {', '.join(SCORES)}") from None
    csr = csr_of(G)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    values = np.asarray(fn(csr, rng, **params), dtype=np.float64)
    return dict(zip(csr.nodes, values.tolist(), strict=True))
