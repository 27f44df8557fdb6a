"""linear_threshold: the Linear Threshold model of Kempe, Kleinberg & Tardos (2003), KDD.

Each person draws a threshold from U(0,1] once per run (from the run key: ``_params.keyed_threshold``) and adopts when the summed weight of adopting
neighbours reaches it. A neighbour's weight is 1/degree (so the sum is the adopting share) unless
``weight`` names an edge attribute holding the weights. Progressive.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numba import prange
from pydantic import Field

from . import threshold
from ._kernel import kernel, tie_blocks
from ._params import BehaviourBase, steady_when_unchanged
from ._protocol import MeanField

HELP = "adopt when the weighted share of adopting neighbours passes a random threshold"
ARRAYS = {}  # thresholds are per person: ``Population.theta``
MEAN_FIELD_REMEMBERS = True  # the law needs the highest share already tested (MeanField.seen)
PROGRESSIVE = True
steady = steady_when_unchanged  # a progressive round that changed nothing is a fixed point


class Params(BehaviourBase):
    rule: Literal["linear_threshold"]
    weight: str | None = Field(None, description="edge attribute with influence weights; default 1/degree")


def prepare(pop, b: int, params: Params, rng: np.random.Generator) -> None:
    # thresholds drawn from the run key (U(0,1]): written out only if something reads them
    pop.require_weights(params.weight)
    pop.key_thresholds(b)


def mean_field(params: Params, field: MeanField) -> float:
    """As ``threshold`` with U(0,1) thresholds, F(s) = s (Kempe, Kleinberg & Tardos 2003)."""
    return threshold.tested_hazard(lambda s: np.clip(np.asarray(s), 0.0, 1.0), field)


def decide(person, b: int, t: int) -> bool:
    """Adopting next round? (reference form)"""
    if person.is_adopting(b):
        return True
    weights = person.model.population.weights
    if weights is None:
        degree = person.degree
        return degree > 0 and person.adopting_neighbours(b) / degree >= person.threshold(b)
    return person.adopting_weight(b, weights) >= person.threshold(b)


@kernel
def sweep_weighted(indptr, indices, weights, adopted, theta, out):
    """Full synchronous sweep with explicit edge weights (summed in adjacency order)."""
    bounds = tie_blocks(indptr)  # equal ties per block, so threads share the work evenly
    for block in prange(len(bounds) - 1):
        for i in range(bounds[block], bounds[block + 1]):
            out[i] = 0
            if adopted[i]:
                continue
            s = 0.0
            for e in range(indptr[i], indptr[i + 1]):
                if adopted[indices[e]]:
                    s += weights[e]
            if s >= theta[i]:
                out[i] = 1


def numba_step(pop, b: int, t: int):
    if pop.weights is None:  # unweighted LT is the threshold rule with U(0,1) thresholds
        return threshold.numba_step(pop, b, t)
    out = pop.scratch()
    sweep_weighted(pop.csr.indptr, pop.csr.indices, pop.weights, pop.adopted[b], pop.theta[b], out)
    return np.flatnonzero(out), None


def can_fuse(pop, b: int) -> bool:
    """Weighted LT has no compiled run: it steps round by round."""
    return pop.weights is None


def numba_run(pop, b: int, limit: int, stop: bool, codes, counts, record):
    """Unweighted LT is the threshold rule with U(0,1) thresholds: ``threshold.numba_run``."""
    return threshold.numba_run(pop, b, limit, stop, codes, counts, record)
