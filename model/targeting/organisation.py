"""Organisation targeting: recruit whole organisations (a school, a workplace, a club) as the unit.

Health programmes often work through settings rather than individuals: the WHO's settings approach
(Ottawa Charter for Health Promotion, 1986; health-promoting schools and workplaces), where recruiting
an organisation enrols everyone in it. ``attribute`` names the node attribute holding each person's
organisation (in the ``town`` network: ``school``, ``school_class``, ``workplace``, ``community`` for
clubs, or ``household``; -1, None or a missing attribute mean "none"). Organisations are taken in
``order``: largest first (``"size"``, the default), most connected first (``"degree"``: the most ties
of their members, so the widest reach), or at random; all their members are seeded until ``count``
people are reached, the last organisation partly (its best-connected members, ties at random).
``count`` is people, so the strategies compare at the same number of seeds.

Without ``attribute`` the organisations are the network's Louvain communities (see ``community``):
the groups a programme would find by mapping who meets whom, so the strategy works on any network.
"""

from __future__ import annotations

import numpy as np

from ._common import choice, csr_of, ids, needs_graph, no_params, number, top_positions
from .community import louvain_groups
from .group import groups_of
from .registry import TargetingError, strategy


@strategy("organisation")
def organisation(G, count, rng, attribute=None, order="size", resolution=1.0, **params):
    """Whole organisations' members, until ``count`` people.

    Params:
        attribute: node attribute naming each person's organisation (e.g. "school", "workplace",
            "community"); default: Louvain communities of the network.
        order: "size" (default), "degree" or "random": which organisations first.
        resolution: Louvain resolution when no attribute is given (default 1).
    """
    no_params("organisation", params)
    needs_graph("organisation", G)
    order = choice("organisation", "order", order, ("size", "degree", "random"))
    csr = csr_of(G)
    if attribute is None:
        resolution = number("organisation", "resolution", resolution, 0.0, low_open=True)
        members = louvain_groups(G, csr, rng, resolution)
    else:
        if not isinstance(attribute, str) or not attribute:
            raise TargetingError(f"strategy 'organisation': attribute must be a node attribute name, got {attribute!r}")
        _, members = groups_of(G, csr, attribute, "organisation", none=(-1, "-1", ""))
    degree = csr.degree
    sizes = np.array([len(m) for m in members])
    if sizes.sum() < count:
        raise TargetingError(
            f"strategy 'organisation': only {int(sizes.sum())} people belong to an organisation "
            f"({attribute!r}), fewer than count = {count}"
        )
    if order == "size":
        ranking = top_positions(sizes, len(members), rng)
    elif order == "degree":
        ranking = top_positions([degree[m].sum() for m in members], len(members), rng)
    else:
        ranking = rng.permutation(len(members))
    chosen: list[int] = []
    for g in ranking:
        m = members[g]
        need = count - len(chosen)
        if need <= 0:
            break
        if len(m) <= need:
            chosen.extend(int(v) for v in m)
        else:
            chosen.extend(int(v) for v in m[top_positions(degree[m], need, rng)])
    return ids(csr, chosen)
