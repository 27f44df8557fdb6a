"""Who adopts at step 0 besides the seeds: a random share, or an observed starting state.

A behaviour's ``initial`` is a share chosen at random among the non-seeds (the original form), or
what was observed: the people whose node attribute takes given values
(``{attribute = "smoker", values = ["No"]}``), a probability per person from an attribute
(``{probability_attribute = "p_active"}``), or a column of a CSV/Parquet table keyed by node id
(``{file, column, id_column[, values]}``). Initial adopters are not seeds: nobody pays for them,
per-seed figures leave them out, and the "doing nothing" counterfactual starts from them too (the
same draws for the same run seed, whatever the seeding). Both engines share this set-up, so they
start from the same state.

Errors are ``ValueError`` with one line naming the field (``behaviours.0.initial.attribute``) or the
file and its column; ``BehaviourModel`` turns them into ``ScenarioError``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .rng import uniform_array
from .rules._params import InitialByProbability, InitialByValue, InitialFromFile

__all__ = ["observed_adopters", "read_state_file"]


def observed_adopters(initial, where: str, attribute_of, nodes, key: int) -> np.ndarray:
    """CSR positions adopting at step 0 under an observed ``initial`` (ascending int64).

    Args:
        initial: an ``InitialByValue``, ``InitialByProbability`` or ``InitialFromFile``.
        where: the field's dotted path for messages, e.g. ``"behaviours.0.initial"``.
        attribute_of: ``name -> array`` of a node attribute in population order (raises ValueError).
        nodes: graph node ids in population order.
        key: the run key of the probability draws (person i adopts when ``uniform(key, 0, 0, i) < p_i``).
    """
    if isinstance(initial, InitialByValue):
        values = _attribute(attribute_of, initial.attribute, f"{where}.attribute")
        return np.flatnonzero(_member(values, initial.values))
    if isinstance(initial, InitialByProbability):
        values = _attribute(attribute_of, initial.probability_attribute, f"{where}.probability_attribute")
        p = _probabilities(values, f"{where}.probability_attribute: node attribute {initial.probability_attribute!r}")
        return _draw(p, key)
    if isinstance(initial, InitialFromFile):
        column = read_state_file(initial, nodes)
        if initial.values is not None:
            return np.flatnonzero(_member(column, initial.values))
        return _draw(_probabilities(column, f"{initial.file}: column {initial.column!r}"), key)
    raise TypeError(f"{where}: not an observed starting state: {initial!r}")


def read_state_file(spec: InitialFromFile, nodes) -> np.ndarray:
    """``spec.column`` of the table, in population order (every person must have exactly one row)."""
    import pandas as pd

    path = Path(spec.file)
    name = str(path)
    try:
        table = pd.read_parquet(path) if path.suffix.lower() in (".parquet", ".pq") else pd.read_csv(path)
    except FileNotFoundError:
        raise ValueError(f"{name}: file not found") from None
    except Exception as exc:  # noqa: BLE001 - any reader failure is a bad file
        raise ValueError(f"{name}: cannot read as a table ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})") from None
    for col, field in ((spec.id_column, "id_column"), (spec.column, "column")):
        if col not in table.columns:
            raise ValueError(f"{name}: {field} {col!r} is not a column (it has {', '.join(map(str, table.columns))})")
    ids = table[spec.id_column].map(_id_text)
    duplicate = ids[ids.duplicated()]
    if len(duplicate):
        raise ValueError(f"{name}: column {spec.id_column!r}: node id {duplicate.iloc[0]} appears twice")
    position = {_id_text(v): i for i, v in enumerate(nodes)}
    unknown = [v for v in ids if v not in position]
    if unknown:
        raise ValueError(
            f"{name}: column {spec.id_column!r}: {len(unknown)} id(s) not in the network (e.g. {unknown[0]})"
        )
    if len(ids) < len(position):
        missing = next(iter(set(position) - set(ids)))
        raise ValueError(
            f"{name}: column {spec.id_column!r}: {len(position) - len(ids)} of the network's people have no row (e.g. {missing})"
        )
    out = np.empty(len(position), dtype=object)
    out[[position[v] for v in ids]] = table[spec.column].to_numpy()
    return out


def _id_text(value) -> str:
    """Node ids compare as text (a CSV's 7 and a graph's 7 or '7' match); whole floats lose '.0'."""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        value = int(value)
    return str(value)


def _attribute(attribute_of, name: str, where: str) -> np.ndarray:
    try:
        return attribute_of(name)
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None


def _member(values: np.ndarray, wanted: list) -> np.ndarray:
    """Which entries equal one of ``wanted`` (compared as text, so 1, '1' and True/'True' agree)."""
    text = np.array([str(v) for v in values])
    return np.isin(text, [str(w) for w in wanted])


def _probabilities(values: np.ndarray, what: str) -> np.ndarray:
    try:
        p = np.array([float(v) for v in values], dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{what}: not a number for everyone (give values = [...] for categories)") from None
    bad = ~((p >= 0.0) & (p <= 1.0))  # NaN fails too
    if bad.any():
        raise ValueError(f"{what}: must be a probability in [0, 1] for everyone, found {p[bad][0]!r}")
    return p


def _draw(p: np.ndarray, key: int) -> np.ndarray:
    """Counter-based draws: the same people for the same run key in every arm and engine."""
    return np.flatnonzero(uniform_array(key, 0, 0, len(p)) < p)
