"""Shared plumbing for the strategies: CSR arrays of a graph, seeds from an rng, tie-breaking, checks.

Why: every strategy ranks people by some score and must break ties at random (never by node id, which
would favour whoever the generator numbered first), and most work on CSR arrays rather than on the
networkx graph, which is 10-100x slower to walk.
"""

from __future__ import annotations

from functools import cache
from typing import Annotated, Literal

import networkx as nx
import numpy as np
from pydantic import Field, TypeAdapter, ValidationError

import networks
from networks import CSR

from .registry import TargetingError


def csr_of(G: nx.Graph | CSR, weight: str | None = None) -> CSR:
    """CSR arrays of G in G's node order (a ``networks.CSR`` as it is); cached per graph, as the model's."""
    if isinstance(G, CSR):
        return G
    return networks.csr_of(G, weight=weight)


def needs_graph(name: str, G) -> None:
    """Strategies that read node attributes or run networkx algorithms need a networkx graph."""
    if isinstance(G, CSR):
        raise TargetingError(
            f"strategy {name!r} needs a networkx network (node attributes or communities); "
            "networks built as arrays support the strategies that use only the ties"
        )


def int_seed(rng: np.random.Generator) -> int:
    """A non-negative 63-bit integer seed drawn from rng (for libraries that take an int)."""
    return int(rng.integers(0, 2**63 - 1))


def top_positions(score, count: int, rng: np.random.Generator, *more_scores) -> np.ndarray:
    """Positions of the ``count`` highest scores; further score arrays break ties in turn, then rng.

    Float scores within 1e-9 (relative) count as tied: symmetric people (two leaves of one hub) get
    centralities that differ only by floating-point rounding, and that must not decide between them.
    """
    score = _settle(score)
    tiebreak = rng.permutation(len(score))
    keys = [tiebreak] + [-_settle(s) for s in reversed(more_scores)] + [-score]
    return np.lexsort(keys)[:count]


def _settle(score) -> np.ndarray:
    """Float scores as tie classes: values within 1e-9 of the largest magnitude of each other (chained
    in sorted order) get one rank, so rounding noise cannot order symmetric people."""
    score = np.asarray(score, dtype=float)
    if score.dtype.kind != "f" or len(score) < 2:
        return score
    scale = float(np.max(np.abs(score)))
    if not np.isfinite(scale) or scale == 0:
        return score
    order = np.argsort(score, kind="stable")
    gaps = np.diff(score[order]) > 1e-9 * scale
    ranks = np.empty(len(score), dtype=float)
    ranks[order] = np.concatenate(([0], np.cumsum(gaps)))
    return ranks


def ids(csr: CSR, positions) -> list:
    return [csr.nodes[int(i)] for i in positions]


def no_params(name: str, params: dict) -> None:
    if params:
        raise TargetingError(f"strategy {name!r} takes no parameter {sorted(params)[0]!r}")


@cache
def _number_type(low, high, integer: bool, low_open: bool) -> TypeAdapter:
    """A strict pydantic type for a numeric parameter: int or finite float, within the bounds."""
    bounds = {"gt" if low_open else "ge": low} if low is not None else {}
    if high is not None:
        bounds["le"] = high
    return TypeAdapter(Annotated[int if integer else float, Field(strict=True, allow_inf_nan=False, **bounds)])


#: pydantic's error type -> how a strategy's one-line message words it
_PROBLEMS = {
    "greater_than": "must be > {gt}",
    "greater_than_equal": "must be >= {ge}",
    "less_than_equal": "must be <= {le}",
    "finite_number": "must be finite",
}


def number(name: str, param: str, value, low=None, high=None, *, integer=False, low_open=False):
    """Check a numeric parameter and return it (as int or float); bool is not a number here.

    Validated by pydantic (strict: "3" is not 3), worded as one line naming the strategy and parameter.
    """
    if isinstance(value, (np.integer, np.floating)) and not isinstance(value, np.bool_):
        value = value.item()
    try:
        return _number_type(low, high, bool(integer), bool(low_open)).validate_python(value)
    except ValidationError as exc:
        err = exc.errors()[0]
        problem = _PROBLEMS.get(err["type"])
        if problem is None:
            problem, shown = f"must be {'an integer' if integer else 'a number'}", value
        else:
            problem, shown = problem.format(**(err.get("ctx") or {})), (int if integer else float)(value)
        raise TargetingError(f"strategy {name!r}: {param} {problem}, got {shown!r}") from None


@cache
def _choice_type(options: tuple) -> TypeAdapter:
    return TypeAdapter(Literal[options])


def choice(name: str, param: str, value, options) -> str:
    """Check that a parameter is one of ``options`` (pydantic's ``Literal``) and return it."""
    try:
        return _choice_type(tuple(options)).validate_python(value)
    except ValidationError:
        raise TargetingError(
            f"strategy {name!r}: {param} must be one of {', '.join(map(repr, options))}, got {value!r}"
        ) from None


def fill_random(chosen: list, n: int, count: int, rng: np.random.Generator) -> list:
    """Top up a list of distinct positions with random other positions until it holds ``count``."""
    if len(chosen) >= count:
        return chosen[:count]
    taken = np.zeros(n, dtype=bool)
    taken[np.asarray(chosen, dtype=np.int64)] = True
    rest = np.flatnonzero(~taken)
    extra = rng.choice(rest, size=count - len(chosen), replace=False)
    return list(chosen) + [int(v) for v in extra]


def behaviour_of(name: str, behaviour, p) -> dict:
    """The behaviour a simulating strategy targets: ``behaviour`` (a dict as in a scenario), or the
    shorthand ``p`` for independent cascade with that probability. Checked with the scenario schema."""
    from model.spread import BehaviourSpecError, behaviour_params

    if behaviour is not None and p is not None:
        raise TargetingError(f"strategy {name!r}: give behaviour = {{...}} or p, not both")
    if behaviour is None:
        if p is None:
            raise TargetingError(
                f"strategy {name!r} needs the behaviour it targets, e.g. "
                "behaviour = {rule = 'independent_cascade', p = 0.05} (or p = 0.05 for independent cascade)"
            )
        behaviour = {"rule": "independent_cascade", "p": p}
    try:
        return behaviour_params(behaviour).model_dump()
    except BehaviourSpecError as exc:
        raise TargetingError(f"strategy {name!r}: {exc}") from None
