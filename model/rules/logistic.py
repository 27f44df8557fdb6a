"""logistic: the generalised adoption rule, a logit of everything that moves a person.

P(adopt this round | not adopting) = sigmoid(intercept + peer * share of neighbours adopting
+ norm * visible prevalence + sum over other behaviours of coupling * adopting it + offset),
P(relapse | adopting) = relapse. ``offset`` holds per-person terms set by interventions (campaign
exposure, environment). The visible prevalence is the whole population's adopting share at the
start of the round (publicised numbers; the social-norm term). This is the discrete-choice form of
social influence of Brock & Durlauf (2001), *Rev. Econ. Stud.* 68:235, used for health behaviour
diffusion by e.g. Christakis & Fowler's contagion analyses. Draws are pure functions of
(run key, round, person), so both engines agree exactly.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from numba import njit, prange
from pydantic import Field

from ..rng import uniform
from ._params import BehaviourBase, Probability

PROGRESSIVE = False
ADOPT, RELAPSE = 4, 5


class Params(BehaviourBase):
    rule: Literal["logistic"]
    intercept: float = Field(-5.0, description="log-odds of adopting per round with no influence at all")
    peer: float = Field(6.0, description="log-odds added per unit share of adopting neighbours")
    norm: float = Field(0.0, description="log-odds added per unit visible prevalence (social norm)")
    coupling: dict[str, float] = Field(
        default_factory=dict, description="log-odds added when the person adopts another behaviour, by name"
    )
    relapse: Probability = Field(0.0, description="per-round chance an adopter stops")


def prepare(pop, b: int, params: Params, rng: np.random.Generator) -> None:
    pop.logit[b] = (params.intercept, params.peer, params.norm)
    pop.relapse[b] = params.relapse
    for other, weight in params.coupling.items():
        pop.coupling[b, pop.behaviour_index(other, f"behaviours.{b}.coupling")] = weight


def adopt_probability(share, prevalence, coupled, offset, intercept, peer, norm):
    z = intercept + peer * share + norm * prevalence + coupled + offset
    return 1.0 / (1.0 + math.exp(-z))


_adopt_probability = njit(cache=True, inline="always")(adopt_probability)


def steady(pop, b: int, changed: int) -> bool:
    """Absorbing only when everyone adopts and nobody relapses (spontaneous adoption never stops)."""
    return pop.relapse[b] == 0.0 and bool(pop.adopted[b].all())


def decide(person, b: int, t: int) -> bool:
    """Adopting next round? (reference form)"""
    pop = person.model.population
    if person.is_adopting(b):
        return not uniform(pop.keys[b], RELAPSE, t, person.index) < pop.relapse[b]
    coupled = 0.0
    for other in range(pop.n_behaviours):
        if pop.coupling[b, other] != 0.0 and person.is_adopting(other):
            coupled += pop.coupling[b, other]
    intercept, peer, norm = pop.logit[b]
    prob = adopt_probability(
        person.adopting_share(b), pop.prevalence[b], coupled, pop.offset[b, person.index], intercept, peer, norm
    )
    return uniform(pop.keys[b], ADOPT, t, person.index) < prob


@njit(parallel=True, cache=True)
def sweep(indptr, indices, adopted_all, b, coupling_row, offset, logit, prevalence, relapse, key, t, out):
    """out[i]: 1 adopts, 2 relapses, 0 no change."""
    adopted = adopted_all[b]
    n = len(indptr) - 1
    n_beh = adopted_all.shape[0]
    for i in prange(n):
        out[i] = 0
        if adopted[i]:
            if uniform(key, RELAPSE, t, i) < relapse:
                out[i] = 2
            continue
        deg = indptr[i + 1] - indptr[i]
        share = 0.0
        if deg > 0:
            c = 0
            for e in range(indptr[i], indptr[i + 1]):
                c += adopted[indices[e]]
            share = c / deg
        coupled = 0.0
        for other in range(n_beh):
            if coupling_row[other] != 0.0 and adopted_all[other, i]:
                coupled += coupling_row[other]
        prob = _adopt_probability(share, prevalence, coupled, offset[i], logit[0], logit[1], logit[2])
        if uniform(key, ADOPT, t, i) < prob:
            out[i] = 1


def numba_step(pop, b: int, t: int):
    out = pop.scratch()
    sweep(
        pop.csr.indptr, pop.csr.indices, pop.adopted, b, pop.coupling[b], pop.offset[b], pop.logit[b],
        pop.prevalence[b], pop.relapse[b], pop.keys[b], t, out,
    )
    return np.flatnonzero(out == 1), np.flatnonzero(out == 2)
