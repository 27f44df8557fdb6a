"""The contagion rules: one module per rule, each owning everything about it, and the registry.

A rule module (see :class:`Rule`) holds, side by side:

* ``Params``: its pydantic schema (part of ``Scenario.behaviours``) and ``HELP``, one line on what it does;
* ``ARRAYS``: the per-behaviour arrays it keeps on the ``Population`` (``p``, ``k``, ``relapse``...);
* ``prepare(pop, b, params, rng)``: per-run set-up (thresholds drawn once, tables);
* ``decide(person, b, t)``: the readable Mesa-agent form, run by ``engine = "python"``;
* ``sweep`` / ``frontier``: the numba kernels; ``numba_step(pop, b, t)`` picks one for ``engine = "numba"``;
* ``mean_field(params, field)`` (optional): its law on the complete graph, for the well-mixed twin
  (``model.system_dynamics``);
* ``PROGRESSIVE``: adopters never stop (so a round with no change is a steady state);
* ``enrol(pop, b, positions)`` (optional): what being seeded means, when not simply adopting.

Tests run ``decide`` and the kernels against each other on the same draws. Adding a rule is its
module plus one line in ``RULES`` below; nothing else names rules.
"""

from __future__ import annotations

from types import ModuleType

__all__ = ["RULES", "Array", "MeanField", "Rule", "population_arrays", "help_text"]


from . import absolute_threshold, independent_cascade, information, linear_threshold, logistic, sis, threshold
from ._protocol import Array, MeanField, Rule

#: rule name -> its module
RULES: dict[str, ModuleType] = {
    "independent_cascade": independent_cascade,
    "linear_threshold": linear_threshold,
    "threshold": threshold,
    "absolute_threshold": absolute_threshold,
    "sis": sis,
    "logistic": logistic,
    "information": information,
}


def population_arrays() -> dict[str, Array]:
    """Every rule's per-behaviour arrays by name (rules sharing a name must agree on it)."""
    arrays: dict[str, Array] = {}
    for name, rule in RULES.items():
        for field, array in rule.ARRAYS.items():
            if arrays.setdefault(field, array) != array:
                raise TypeError(f"rule {name!r} declares the array {field!r} unlike another rule")
    return arrays


def help_text(rule: str) -> str:
    """One line on what a rule does (the dashboard shows it under the rule's name)."""
    return RULES[rule].HELP if rule in RULES else ""
