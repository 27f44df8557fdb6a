"""Group targeting: recruit within named groups of people (a deprivation quintile, an age band, a school).

Programmes often recruit by group rather than by network position. ``attribute`` names a node
attribute (in the ``town`` network: ``deprivation`` 1-5, ``age_band``, ``area``, ``school``, ...);
``values`` restricts recruitment to some groups, or ``weights`` gives each group a recruitment
intensity per head, so that a group's share of the seeds is proportional to weight x size. Weights
rising with disadvantage implement proportionate universalism: "actions must be universal, but with a
scale and intensity that is proportionate to the level of disadvantage" (Marmot et al. 2010, *Fair
Society, Healthy Lives: the Marmot Review*, London, p. 15). Without ``values`` or ``weights`` every
group gets seeds in proportion to its size (stratified recruitment). Inside each group the
best-connected people are recruited (``within = "degree"``) or random ones (``within = "random"``).

People lacking the attribute (or with a missing value) are in no group. Group values are matched as
given or as text, so TOML keys such as ``weights = {"1" = 3.0}`` match the integer quintile 1.
"""

from __future__ import annotations

import math

import numpy as np

from ._allocate import allocate
from ._common import choice, csr_of, ids, needs_graph, no_params
from .community import pick_within
from .registry import TargetingError, strategy


@strategy("group")
def group(G, count, rng, attribute=None, values=None, weights=None, within="degree", **params):
    """Seeds recruited within groups of a node attribute.

    Params:
        attribute: the node attribute that defines the groups (required).
        values: list of group values to recruit in (each in proportion to its size).
        weights: {value: weight per head}; groups not named get none.
        within: "degree" (default) or "random".
    """
    no_params("group", params)
    needs_graph("group", G)
    if not isinstance(attribute, str) or not attribute:
        raise TargetingError("strategy 'group' needs attribute = '...' naming a node attribute (e.g. 'deprivation')")
    if values is not None and weights is not None:
        raise TargetingError("strategy 'group': give values or weights, not both")
    within = choice("group", "within", within, ("degree", "random"))
    csr = csr_of(G)
    labels, members = groups_of(G, csr, attribute, "group")
    if values is not None:
        if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
            raise TargetingError(f"strategy 'group': values must be a list, got {values!r}")
        wanted = {match_value(v, labels, attribute, "group") for v in values}
        w = np.array([1.0 if i in wanted else 0.0 for i in range(len(labels))])
    elif weights is not None:
        if not isinstance(weights, dict):
            raise TargetingError(f"strategy 'group': weights must be a table {{value = weight}}, got {weights!r}")
        w = np.zeros(len(labels))
        for key, weight in weights.items():
            if (
                isinstance(weight, bool)
                or not isinstance(weight, (int, float))
                or not math.isfinite(weight)
                or weight < 0
            ):
                raise TargetingError(f"strategy 'group': weights[{key!r}] must be a number >= 0, got {weight!r}")
            w[match_value(key, labels, attribute, "group")] = float(weight)
    else:
        w = np.ones(len(labels))
    sizes = np.array([len(m) for m in members])
    capacity = int(sizes[w > 0].sum())
    if capacity < count:
        raise TargetingError(
            f"strategy 'group': only {capacity} people are in the chosen groups of {attribute!r}, "
            f"fewer than count = {count}"
        )
    if not (w > 0).any():
        raise TargetingError("strategy 'group': every weight is 0")
    alloc = allocate(count, sizes, w, rng)
    return ids(csr, pick_within(members, alloc, csr.degree, within, rng))


def groups_of(G, csr, attribute: str, name: str, none=()) -> tuple[list, list[np.ndarray]]:
    """Distinct values of a node attribute and, for each, the CSR positions of the people holding it.

    Missing attributes, None and NaN (and any value in ``none``) mean "in no group".
    """
    data = G.nodes
    by_value: dict = {}
    for i, v in enumerate(csr.nodes):
        value = data[v].get(attribute)
        if value is None or (isinstance(value, float) and math.isnan(value)) or value in none:
            continue
        if isinstance(value, np.generic):
            value = value.item()
        try:
            by_value.setdefault(value, []).append(i)
        except TypeError:
            raise TargetingError(
                f"strategy {name!r}: attribute {attribute!r} has an unusable value {value!r}"
            ) from None
    if not by_value:
        raise TargetingError(f"strategy {name!r}: no person has the attribute {attribute!r}")
    labels = list(by_value)
    return labels, [np.array(by_value[v], dtype=np.int64) for v in labels]


def match_value(key, labels: list, attribute: str, name: str) -> int:
    """Index of ``key`` among the attribute's values, matching as given or as text."""
    for i, label in enumerate(labels):
        if key == label and type(key) is not bool:
            return i
    for i, label in enumerate(labels):
        if str(key) == str(label):
            return i
    shown = ", ".join(map(repr, sorted(labels, key=str)[:12])) + (", ..." if len(labels) > 12 else "")
    raise TargetingError(f"strategy {name!r}: no person has {attribute} = {key!r}; values present: {shown}")
