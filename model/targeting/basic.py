"""Baseline strategies: random people, the best-connected people, or people named explicitly."""

from __future__ import annotations

import numpy as np

from networks import CSR

from .registry import TargetingError, strategy


@strategy("random")
def random_people(G, count, rng, **params):
    """Uniformly random people: the baseline every targeting strategy must beat."""
    _no_params("random", params)
    nodes = list(G.nodes)
    return [nodes[i] for i in rng.choice(len(nodes), size=count, replace=False)]


@strategy("degree")
def highest_degree(G, count, rng, **params):
    """The ``count`` people with most ties; ties in degree broken at random (so no id bias)."""
    _no_params("degree", params)
    if isinstance(G, CSR):
        return top_by_score(G, dict(zip(G.nodes, G.degree.tolist(), strict=True)), count, rng)
    return top_by_score(G, dict(G.degree), count, rng)


@strategy("given")
def given(G, count, rng, nodes=None, **params):
    """Exactly the people named in ``nodes`` (count is ignored)."""
    _no_params("given", params)
    if nodes is None:
        raise TargetingError("strategy 'given' needs nodes = [...]")
    if isinstance(G, CSR):
        try:
            positions = G.positions(nodes)  # vectorised: a bounds check on array-built networks
        except (ValueError, TypeError):  # name the first person missing, as below
            missing = [v for v in nodes if not _in_csr(G, v)]
            raise TargetingError(f"seeding.nodes: node {missing[0]!r} is not in the network") from None
        positions = first_occurrences(positions)
        return positions if isinstance(G.nodes, range) else G.ids(positions)  # range: ids are positions
    else:
        missing = [v for v in nodes if v not in G]
        if missing:
            raise TargetingError(f"seeding.nodes: node {missing[0]!r} is not in the network")
    return list(dict.fromkeys(nodes))


def first_occurrences(a: np.ndarray) -> np.ndarray:
    """``a`` without repeats, each value where it first appears (as ``dict.fromkeys``, on arrays)."""
    if len(a) < 2 or (a[1:] > a[:-1]).all():  # ascending, as seed lists usually are: no repeats
        return a
    order = np.argsort(a, kind="stable")
    ranked = a[order]
    first = np.ones(len(a), dtype=bool)
    np.not_equal(ranked[1:], ranked[:-1], out=first[1:])
    return a[np.sort(order[first])]


def _in_csr(csr, v) -> bool:
    try:
        csr.position(v)
    except (ValueError, TypeError):
        return False
    return True


def top_by_score(G, score: dict, count: int, rng) -> list:
    """The ``count`` highest-scoring nodes, ties broken by a random permutation."""
    nodes = list(G.nodes)
    values = np.array([score[v] for v in nodes], dtype=float)
    tiebreak = rng.permutation(len(nodes))
    order = np.lexsort((tiebreak, -values))
    return [nodes[i] for i in order[:count]]


def _no_params(name, params):
    if params:
        raise TargetingError(f"strategy {name!r} takes no parameter {sorted(params)[0]!r}")
