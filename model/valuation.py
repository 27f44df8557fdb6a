"""Who is valued at what: classes of people by age band and eligibility, and their values per behaviour.

A person's *valuation class* is their age band and, per behaviour, whether they are eligible
(``BehaviourEconomics.eligible``). Histories counted per class (``economics_class`` groups, which
``experiments.programme`` adds) let ``model.economics.evaluate`` value each person at the values of
their band, sign them by the behaviour's ``healthy_state``, and keep associational values apart; the
reinvest-to-save loop uses the same values per person (``person_values``). Children (0-4, 5-15) get
adult values never: only values of their own band (``BehaviourEconomics.band``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .economics import EconomicsSpec

__all__ = ["Class", "person_classes", "person_values"]


Class = tuple[str | None, tuple[bool, ...]]  # (age band or None, eligible per behaviour)


def _class_label(band: str | None, eligible) -> str:
    return f"{band if band is not None else '-'}|{''.join('1' if e else '0' for e in eligible)}"


def _parse_class(label: str) -> Class:
    band, flags = label.rsplit("|", 1)
    return (None if band == "-" else band), tuple(f == "1" for f in flags)


def person_classes(spec: EconomicsSpec, names: list[str], attribute_of: Callable[[str], np.ndarray | None], n: int) -> list[str]:
    """Each person's valuation class label: age band and, per behaviour, eligible or not.

    ``attribute_of(name)`` gives a node attribute for everyone (or None when people lack it).
    """
    bands = attribute_of("age_band")
    flags = np.ones((len(names), n), dtype=bool)
    for b, name in enumerate(names):
        value = spec.for_behaviour(name)
        if value is None or value.eligible is None:
            continue
        attr = attribute_of(value.eligible.attribute)
        if attr is None and value.eligible.attribute == "age_band":
            continue  # no age bands known: everyone counts as an adult (the result's notes say so)
        if attr is None:
            raise ValueError(f"economics.behaviours.{name}.eligible: people do not carry the attribute {value.eligible.attribute!r}")
        allowed = {str(v) for v in value.eligible.values}
        flags[b] = np.isin(np.asarray(attr).astype(str), list(allowed))
    return [_class_label(None if bands is None else str(bands[i]), flags[:, i]) for i in range(n)]


def _class_values(spec: EconomicsSpec, names: list[str], classes: list[Class]):
    """(QALYs, cost avoided) per person-year, shape (behaviours, classes): counted, and associational apart."""
    B, C = len(names), len(classes)
    q, s = np.zeros((B, C)), np.zeros((B, C))
    qa, sa = np.zeros((B, C)), np.zeros((B, C))
    for b, name in enumerate(names):
        value = spec.for_behaviour(name)
        if value is None:
            continue
        sign = 1.0 if value.healthy_state == "adopting" else -1.0
        target = (q, s) if spec.counted(value) else (qa, sa)
        for c, (band, eligible) in enumerate(classes):
            if eligible[b]:
                qv, sv = value.band(band)
                target[0][b, c], target[1][b, c] = sign * qv, sign * sv
    return q, s, qa, sa


def person_values(spec: EconomicsSpec, names: list[str], attribute_of: Callable[[str], np.ndarray | None], n: int):
    """Per person (behaviours, people): QALYs and cost avoided per person-year *adopting*, counted values only.

    Negative where the healthy state is not adopting. The reinvest-to-save loop books savings with it.
    """
    labels = person_classes(spec, names, attribute_of, n)
    distinct = sorted(set(labels))
    q, s, _, _ = _class_values(spec, names, [_parse_class(c) for c in distinct])
    index = {c: i for i, c in enumerate(distinct)}
    code = np.array([index[c] for c in labels], dtype=np.int64)
    return q[:, code], s[:, code]
