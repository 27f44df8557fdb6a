"""What a rule module provides (``Rule``), and the two small types it shares with its users."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

__all__ = ["Array", "MeanField", "Rule"]


@dataclass(frozen=True)
class Array:
    """A per-behaviour array a rule keeps on the ``Population``: one row per behaviour.

    ``shape`` is what follows the behaviour axis (``"B"`` stands for the number of behaviours);
    ``dtype=None`` makes a list of per-behaviour objects (``None`` until ``prepare`` sets them).
    """

    dtype: Any = np.float64
    shape: tuple = ()

    def allocate(self, behaviours: int):
        if self.dtype is None:
            return [None] * behaviours
        return np.zeros((behaviours, *(behaviours if d == "B" else d for d in self.shape)), dtype=self.dtype)


@dataclass(frozen=True)
class MeanField:
    """What a rule's mean-field law sees, for a non-adopter of one stratum on the complete graph K_n.

    ``count`` people adopt the behaviour at the start of the round (``share`` = count / (n - 1) of a
    person's neighbours, ``prevalence`` = count / n); ``new`` is the share who adopted last round;
    ``own`` (C, B) the behaviours held by each combination (or the shares); ``coupling`` the rule's
    row of couplings to other behaviours; ``offset``, ``sees`` and ``shift`` what interventions do to
    the stratum (log-odds, visible prevalence, threshold shift); ``seen`` the highest effective share
    this stratum's non-adopters were already tested against (-1: none).
    """

    n: int
    count: float
    share: float
    prevalence: float
    new: float
    own: np.ndarray
    coupling: np.ndarray
    offset: float
    sees: bool
    shift: float
    seen: float


class Rule(Protocol):
    """What a rule module provides (optional: ``steady``, ``rewired``, ``can_fuse``, ``numba_run``,
    ``enrol``; ``mean_field``, without which the well-mixed twin refuses the rule;
    ``MEAN_FIELD_REMEMBERS`` (the law needs ``MeanField.seen``), ``MEAN_FIELD_ODE`` (the law is a
    rate, so the continuous-time twin can run it))."""

    Params: type
    HELP: str
    ARRAYS: dict[str, Array]
    PROGRESSIVE: bool

    def prepare(self, pop, b: int, params, rng: np.random.Generator) -> None: ...
    def decide(self, person, b: int, t: int) -> bool: ...
    def numba_step(self, pop, b: int, t: int): ...
    def mean_field(self, params, field: MeanField) -> float | np.ndarray: ...
