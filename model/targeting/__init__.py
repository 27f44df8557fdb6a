"""Who to recruit first: seeding strategies, from random to influence maximisation.

``select_seeds(G, strategy, count, seed, **params)`` returns the chosen people as a numpy array of
the graph's own node ids. Each strategy lives in its own module with its reference; ``STRATEGIES``
lists the names a scenario's ``[seeding]`` table accepts:

* baselines: ``random``, ``degree``, ``given`` (``basic``);
* centralities: ``kcore`` (Kitsak et al. 2010), ``betweenness`` (Brandes 2001, sampled when large),
  ``pagerank``, ``eigenvector``, ``diffusion_centrality`` (Banerjee et al. 2013);
* influence maximisation: ``degree_discount`` (Chen, Wang & Yang 2009), ``celf`` (Leskovec et al.
  2007, Monte-Carlo on the targeted behaviour's own rule, see ``model.spread``), ``ris`` (Borgs et al.
  2014) and ``imm`` (Tang, Shi & Xiao 2015) for independent cascade and linear threshold;
* no network map needed: ``nomination`` (Kim et al. 2015); placement: ``community`` (Louvain),
  ``clustered`` versus ``dispersed`` (Centola 2010);
* groups: ``group`` (within a node attribute, with weights for proportionate universalism) and
  ``organisation`` (whole schools, workplaces or clubs as the unit).

Every strategy returns exactly ``count`` distinct people when ``count`` <= n, breaks ties at random
(never by node id), follows only from ``seed`` and raises ``TargetingError`` for an unknown or bad
parameter. ``scores(G, name, **params)`` gives the centralities the ranking strategies use, by node
id (``SCORES`` names them). The simulating ones (``celf``, ``ris``, ``imm``) take the behaviour they target as
``behaviour = {...}`` (a scenario run passes its first behaviour).
"""

from __future__ import annotations

import networkx as nx
import numpy as np

import networks
from networks import CSR

# each strategy module registers itself on import
from . import (  # noqa: F401
    basic,  # random, degree, given
    betweenness,
    celf,
    clustered,
    community,
    degree_discount,
    diffusion_centrality,
    dispersed,
    eigenvector,
    group,
    kcore,
    nomination,
    organisation,
    pagerank,
    reverse_reachable,  # ris, imm
)
from .registry import STRATEGIES, TargetingError, get_strategy
from .scores import SCORES, scores

__all__ = ["STRATEGIES", "SCORES", "select_seeds", "scores", "TargetingError", "chosen_by_network"]


def select_seeds(G: nx.Graph | CSR, strategy: str, count: int, seed=0, **params) -> np.ndarray:
    """Choose ``count`` people of ``G`` to seed by ``strategy``.

    Parameters
    ----------
    G : networkx.Graph or networks.CSR
        The network (node ids are returned as they are in G). A ``networks.CSR`` (networks built
        as arrays) works for every strategy that needs only the ties: all but ``community``,
        ``group`` and ``organisation`` (which need node attributes or a networkx graph).
    strategy : str
        One of ``STRATEGIES``.
    count : int
        How many people (capped at the population for strategies that cannot give more).
    seed : int or numpy.random.Generator
        Ties and random choices follow from it.
    **params
        The strategy's own options (e.g. ``p`` for ``degree_discount``).

    Returns
    -------
    numpy.ndarray
        The chosen node ids.

    Raises
    ------
    TargetingError
        Unknown strategy, bad count or bad parameter (a ValueError).

    See Also
    --------
    scores : the centralities the ranking strategies use.

    Examples
    --------
    >>> import networkx as nx
    >>> from model.targeting import select_seeds
    >>> G = nx.karate_club_graph()
    >>> select_seeds(G, "degree", count=2, seed=0)        # the club's instructor and president
    array([33,  0])
    >>> len(select_seeds(G, "celf", count=2, seed=0, behaviour={"rule": "independent_cascade", "p": 0.1}))
    2
    """
    fn = get_strategy(strategy)
    if not isinstance(count, (int, np.integer)) or count < 0:
        raise TargetingError(f"seeding.count must be a non-negative integer, got {count!r}")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    count = int(min(count, G.n if isinstance(G, CSR) else G.number_of_nodes()))
    if count == 0 and strategy != "given":
        return np.array([], dtype=object if _non_integer_ids(G) else np.int64)
    chosen = fn(G, count, rng, **params)
    if isinstance(chosen, np.ndarray) and chosen.dtype.kind in "iu" and _ordinal(G):
        return chosen.astype(np.int64, copy=False)  # ids are positions: no round trip through a list
    dtype = object if _non_integer_ids(G) else np.int64
    if isinstance(chosen, np.ndarray) and dtype is np.int64 and chosen.dtype.kind in "iu":
        return chosen.astype(np.int64, copy=False)  # strategies on arrays: no round trip through a list
    return np.array(list(chosen), dtype=dtype)


def _ordinal(G) -> bool:
    """Are G's ids 0..n-1 in order, by its CSR (made already by any strategy on the ties)?"""
    csr = G if isinstance(G, CSR) else networks.csr_of(G) if not (G.is_directed() or G.is_multigraph()) else None
    return csr is not None and csr.ordinal


def _non_integer_ids(G) -> bool:
    if isinstance(G, CSR) and isinstance(G.nodes, range):
        return False
    # the distinct types, collected in C (a Python test per node cost 5 ms at 10^5 people)
    return not all(issubclass(kind, (int, np.integer)) for kind in set(map(type, G.nodes)))


#: strategies whose random numbers only break ties (and pick sampled betweenness's sources): the
#: network alone decides the rest
_TIES_ONLY = frozenset({"degree", "kcore", "pagerank", "eigenvector", "diffusion_centrality", "degree_discount", "betweenness"})


def chosen_by_network(strategy: str, params: dict, n: int) -> bool:
    """Does ``strategy`` choose from the network alone, its random numbers breaking ties at most?

    Such a choice can be made once for many runs on one network (``model.simulate.Replicates``):
    ``given`` draws nothing; ``degree``, ``kcore``, the centralities and ``degree_discount`` draw
    only to break ties; so do ``clustered`` around the highest degree and ``dispersed`` from the
    highest degree. ``betweenness`` counts too, sampled or exact: a sample of sources only
    *estimates* a quantity of the network (Brandes & Pich 2007), as a programme would compute it
    once from its network data, so one estimate (from the scenario's own seed) serves every run.
    Random, nomination, community, group and organisation choices and the Monte-Carlo strategies
    (celf, ris, imm) draw the people themselves: made again each run.

    Examples
    --------
    >>> chosen_by_network("degree", {}, 1000), chosen_by_network("random", {}, 1000)
    (True, False)
    >>> chosen_by_network("betweenness", {}, 1000), chosen_by_network("betweenness", {}, 5000)
    (True, True)
    """
    if strategy == "given" or strategy in _TIES_ONLY:
        return True
    if strategy == "clustered":
        return params.get("centre", "degree") == "degree"
    if strategy == "dispersed":
        return params.get("start", "random") == "degree"
    return False
