"""Who to recruit first: seeding strategies, from random to influence maximisation.

``select_seeds(G, strategy, count, seed, **params)`` returns the chosen people as a numpy array of
the graph's own node ids. Each strategy lives in its own module with its reference; ``STRATEGIES``
lists the names a scenario's ``[seeding]`` table accepts.
"""

from __future__ import annotations

import networkx as nx
import numpy as np

from . import basic  # noqa: F401  (each strategy module registers itself on import)
from .registry import STRATEGIES, TargetingError, get_strategy

__all__ = ["STRATEGIES", "select_seeds", "TargetingError"]


def select_seeds(G: nx.Graph, strategy: str, count: int, seed=0, **params) -> np.ndarray:
    """Choose ``count`` people of ``G`` to seed by ``strategy``.

    Args:
        G: the network (node ids are returned as they are in G).
        strategy: one of ``STRATEGIES``.
        count: how many people (capped at the population for strategies that cannot give more).
        seed: int or ``numpy.random.Generator``; ties and random choices follow from it.
        **params: the strategy's own options (e.g. ``p`` for ``degree_discount``).

    Raises:
        TargetingError: unknown strategy, bad count or bad parameter (a ValueError).
    """
    fn = get_strategy(strategy)
    if not isinstance(count, (int, np.integer)) or count < 0:
        raise TargetingError(f"seeding.count must be a non-negative integer, got {count!r}")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    count = int(min(count, G.number_of_nodes()))
    if count == 0 and strategy != "given":
        return np.array([], dtype=object if _non_integer_ids(G) else np.int64)
    chosen = list(fn(G, count, rng, **params))
    dtype = object if _non_integer_ids(G) else np.int64
    return np.array(chosen, dtype=dtype)


def _non_integer_ids(G) -> bool:
    return any(not isinstance(v, (int, np.integer)) for v in G.nodes)
