"""sis: susceptible-adopting-susceptible, the discrete-time SIS contagion with relapse.

A non-adopter with A adopting neighbours adopts with probability 1 - (1 - beta)^A (each adopting
neighbour independently transmits with probability beta: the Reed-Frost form); each adopter relapses
with probability ``relapse`` per round. ``relapse = 0`` is the SI model. Draws are pure functions of
(run key, round, person), so both engines give identical runs; the adoption draw hashes (key,
round) once per round and then one mix per person (``rng.pair_uniform``), since a sweep makes one
for nearly every non-adopter (SIS rounds 25% faster than with a four-mix draw each).
Reference: Keeling & Rohani (2008), *Modeling Infectious Diseases*, ch. 3; Hill et al. (2010),
"Infectious disease modeling of social contagion in networks", *PLoS Comput Biol* 6:e1000968.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numba import njit, prange
from pydantic import Field

from ..groups import tally
from ..rng import pair_key, pair_uniform, pair_uniform_of, uniform
from ._kernel import kernel, running_adopters, tie_blocks
from ._params import BehaviourBase, Probability
from ._protocol import Array, MeanField

HELP = "catch it from adopting neighbours (beta); relapse with probability relapse"
ARRAYS = {
    "p": Array(np.float64),  # per behaviour: beta
    "relapse": Array(np.float64),
    "tables": Array(None),  # 1 - (1 - beta)^A for A adopting neighbours
}
MEAN_FIELD_ODE = True  # a per-round chance from the current shares: a rate in continuous time
PROGRESSIVE = False
ADOPT, RELAPSE = 2, 3  # stream ids


class Params(BehaviourBase):
    rule: Literal["sis"]
    beta: Probability = Field(0.05, description="per-round transmission chance from one adopting neighbour")
    relapse: Probability = Field(0.0, description="per-round chance an adopter stops; 0 gives SI")


def prepare(pop, b: int, params: Params, rng: np.random.Generator) -> None:
    # 1-(1-beta)^A tabulated once, shared by both engines, so no engine-specific pow() rounding;
    # up to the largest degree (``rewired`` extends it when events add ties)
    pop.p[b] = params.beta
    pop.tables[b] = exposure_table(params.beta, pop.csr.max_degree + 1)
    pop.relapse[b] = params.relapse


def mean_field(params: Params, field: MeanField) -> float:
    """On K_n every adopter is a neighbour: P = 1 - (1 - beta)^(adopters); adopters relapse at ``relapse``."""
    return 1.0 - (1.0 - params.beta) ** field.count


def exposure_table(beta: float, size: int) -> np.ndarray:
    """table[A] = 1 - (1 - beta)^A: the chance that A adopting neighbours transmit, A < size."""
    return 1.0 - (1.0 - beta) ** np.arange(max(size, 2), dtype=np.float64)


def rewired(pop, b: int) -> None:
    """Ties changed (events): extend the table to the new largest degree."""
    if len(pop.tables[b]) <= pop.csr.max_degree:
        pop.tables[b] = exposure_table(pop.p[b], pop.csr.max_degree + 1)


def steady(pop, b: int, changed: int) -> bool:
    """Absorbing: nobody adopts (no one left to transmit), or everyone adopts and nobody relapses."""
    return absorbed(int(np.count_nonzero(pop.adopted[b])), pop.n, pop.relapse[b])


def absorbed(adopting: int, n: int, relapse: float) -> bool:
    """``steady`` from the number adopting (the fused run keeps it as people change)."""
    return bool(adopting == 0 or (adopting == n and relapse == 0.0))


@njit(cache=True, inline="always")
def relapses(key, t, i, relapse):
    """Does adopter i relapse in round t? The draw is skipped when it cannot matter: a uniform in
    [0, 1) is always below 1 and never below 0 (relapse = 1, every adopter stops after one round,
    is the classic discrete SIS; the draws were a third of its sweep)."""
    if relapse >= 1.0:
        return True
    return relapse > 0.0 and uniform(key, RELAPSE, t, i) < relapse


def decide(person, b: int, t: int) -> bool:
    """Adopting next round? (reference form)"""
    pop = person.model.population
    if person.is_adopting(b):
        return not relapses(pop.keys[b], t, person.index, pop.relapse[b])
    exposure = pop.tables[b][person.adopting_neighbours(b)]
    return pair_uniform_of(pop.keys[b], ADOPT, t, person.index) < exposure


@kernel
def sweep(indptr, indices, adopted, adopt_prob, relapse, key, t, out):
    """out[i]: 1 adopts, 2 relapses, 0 no change."""
    bounds = tie_blocks(indptr)  # equal ties per block, so threads share the work evenly
    prefix = pair_key(key, ADOPT, t)  # the round's part of every adoption draw, hashed once
    for block in prange(len(bounds) - 1):
        lo, hi = bounds[block], bounds[block + 1]
        running, e0 = running_adopters(indptr, indices, adopted, lo, hi)
        for i in range(lo, hi):
            out[i] = 0
            if adopted[i]:
                if relapses(key, t, i, relapse):
                    out[i] = 2
                continue
            c = running[indptr[i + 1] - e0] - running[indptr[i] - e0]
            out[i] = pair_uniform(prefix, i) < adopt_prob[c]  # adopt_prob[0] = 0: nobody to catch it from


def numba_step(pop, b: int, t: int):
    out = pop.scratch()
    sweep(pop.csr.indptr, pop.csr.indices, pop.adopted[b], pop.tables[b], pop.relapse[b], pop.keys[b], t, out)
    return np.flatnonzero(out == 1), np.flatnonzero(out == 2)


@njit(cache=True)
def apply_changes(adopters, relapsers, adopted, adopted_at, t, codes, counts):
    """``Population.apply`` of one round inside a fused run: state, round adopted, group counts."""
    for i in adopters:
        adopted[i] = 1
        adopted_at[i] = t
        tally(codes, counts, i, 1)
    for i in relapsers:
        adopted[i] = 0
        tally(codes, counts, i, -1)


def numba_run(pop, b: int, limit: int, stop: bool, codes, counts, record):
    """Rounds from ``pop.t`` as ``numba_step`` and ``Population.apply`` make them; returns (last round, steady).

    Unlike the progressive rules, every SIS round is a full sweep (milliseconds at 10^5 people), so
    the rounds loop here in Python around ``numba_step``, which costs nothing beside it (a compiled
    per-person loop over the sweep's output mispredicted its branches and ran 40% slower at 10^6
    people); only the apply and the group counts are compiled.
    """
    t, r, adopters = pop.t, 0, pop.frontier[b]
    while t < limit:
        t += 1
        adopters, relapsers = numba_step(pop, b, t)
        apply_changes(adopters, relapsers, pop.adopted[b], pop.adopted_at[b], t, codes, counts)
        record[r] = counts
        r += 1
        if stop and absorbed(counts[0], pop.n, pop.relapse[b]):
            break
    pop.frontier[b] = adopters
    return t, absorbed(counts[0], pop.n, pop.relapse[b])
