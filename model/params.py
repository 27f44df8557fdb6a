"""Flat parameters: a scenario from ``name=value`` pairs, for Mesa's ``batch_run`` and SolaraViz sliders.

Mesa tools build a model from keyword arguments (``batch_run`` takes the product of parameter lists,
SolaraViz's Reset passes its sliders' values). ``scenario_from_params`` turns such keywords into a
validated ``Scenario``: a short name (``n``, ``p``, ``threshold``, ``strategy``...) or any dotted
path into the scenario, as in an experiment's ``[vary]`` table (``behaviours.0.p``, ``network.m``).
Naming a ``rule`` other than the base behaviour's starts that behaviour afresh with the new rule's
defaults, so ``rule = "sis"`` never inherits a threshold.
"""

from __future__ import annotations

import copy
from typing import Any

from .scenario import Scenario

__all__ = ["ALIASES", "BASE", "apply_params", "scenario_from_params"]

#: short flat names -> dotted paths into a scenario
ALIASES = {
    "n": "network.n",
    "kind": "network.kind",
    "mean_degree": "network.mean_degree",
    "m": "network.m",
    "rule": "behaviours.0.rule",
    "p": "behaviours.0.p",
    "threshold": "behaviours.0.threshold",
    "k": "behaviours.0.k",
    "beta": "behaviours.0.beta",
    "relapse": "behaviours.0.relapse",
    "initial": "behaviours.0.initial",
    "strategy": "seeding.strategy",
    "count": "seeding.count",
}

#: the scenario flat parameters start from when no base is given: 1,000 people on an
#: Erdos-Renyi network of mean degree 6, one behaviour under the fractional threshold rule
BASE: dict[str, Any] = {
    "steps": 100,
    "network": {"kind": "erdos_renyi", "n": 1000, "mean_degree": 6.0},
    "behaviours": [{"name": "activity", "rule": "threshold", "threshold": 0.18}],
    "seeding": {"strategy": "random", "count": 10},
}


def scenario_from_params(base: Scenario | dict | None = None, **params: Any) -> Scenario:
    """A validated scenario: ``base`` (default :data:`BASE`) with each flat parameter set.

    Parameters
    ----------
    base : Scenario or dict, optional
        The scenario to start from.
    **params
        Short names from :data:`ALIASES`, top-level scenario fields (``steps``, ``engine``,
        ``seed``) or dotted paths (``"behaviours.0.p"``).

    Returns
    -------
    Scenario

    Raises
    ------
    ValueError
        A path that does not exist in the scenario (one line naming it).
    pydantic.ValidationError
        A value the schema refuses.

    Examples
    --------
    >>> sc = scenario_from_params(n=200, rule="independent_cascade", p=0.1, count=3)
    >>> sc.network.n, sc.behaviours[0].rule, sc.behaviours[0].p, sc.seeding.count
    (200, 'independent_cascade', 0.1, 3)
    >>> "seed" in sc.model_fields_set   # no seed given: a model made from it draws fresh randomness
    False
    """
    if isinstance(base, Scenario):
        data = base.model_dump(exclude_unset=True, mode="json")
    else:
        data = copy.deepcopy(BASE if base is None else dict(base))
    paths = {ALIASES.get(name, name): value for name, value in params.items()}
    rule = paths.get("behaviours.0.rule")
    behaviours = data.get("behaviours") or [{"name": "activity"}]
    if rule is not None and behaviours[0].get("rule") != rule:
        behaviours = [{"name": behaviours[0].get("name", "activity"), "rule": rule}, *behaviours[1:]]
    data["behaviours"] = behaviours
    return Scenario.model_validate(apply_params(data, paths))


def apply_params(base: dict, params: dict) -> dict:
    """A deep copy of the scenario dict ``base`` with each dotted path set to its value.

    Path parts index dicts by key and lists by position (``behaviours.0.p``) or by the ``name`` of
    an entry (``behaviours.activity.p``). Missing dict keys are created.

    Examples
    --------
    >>> apply_params({"behaviours": [{"name": "a", "p": 0.1}]}, {"behaviours.a.p": 0.2, "steps": 5})
    {'behaviours': [{'name': 'a', 'p': 0.2}], 'steps': 5}
    """
    data = copy.deepcopy(base)
    for path, value in params.items():
        _set_path(data, path, copy.deepcopy(value))
    return data


def _set_path(data: dict, path: str, value) -> None:
    parts = path.split(".")
    node: Any = data
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        where = ".".join(parts[: depth + 1])
        if isinstance(node, dict):
            if last:
                node[part] = value
                return
            if part not in node or node[part] is None:
                node[part] = {}
            node = node[part]
        elif isinstance(node, list):
            index = _list_index(node, part, where)
            if last:
                node[index] = value
                return
            node = node[index]
        else:
            raise ValueError(f"cannot set {path!r}: {'.'.join(parts[:depth]) or 'scenario'} is not a table")


def _list_index(node: list, part: str, where: str) -> int:
    if part.lstrip("-").isdigit():
        index = int(part)
        if not -len(node) <= index < len(node):
            raise ValueError(f"{where}: index {index} is out of range (the list has {len(node)} entries)")
        return index % len(node)
    for i, item in enumerate(node):
        if isinstance(item, dict) and item.get("name") == part:
            return i
    raise ValueError(f"{where}: no entry named {part!r} (use a position like 0 or an entry's name)")
