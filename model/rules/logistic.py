"""logistic: the generalised adoption rule, a logit of everything that moves a person.

For a person not adopting behaviour b, the chance of adopting it this round is

    sigmoid(intercept + (peer + sum_o peer_coupling[o] x adopts o) x share of neighbours adopting b
            + norm x visible prevalence + sum_o coupling[o] x adopts o + offset)

and for an adopter the chance of stopping is

    sigmoid(logit(relapse) + sum_o relapse_coupling[o] x adopts o + stress_relapse x stressed).

``coupling`` makes adopting one behaviour change the odds of taking up another (e.g. activity and
diet); ``peer_coupling`` makes adopters of one behaviour more open to peers in another (social
connection, the seed idea that reducing isolation spreads other healthy behaviour);
``relapse_coupling`` makes one behaviour protect another; ``stress_relapse`` raises relapse for
people under stress (see ``model.stress``); ``by_attribute`` gives lasting differences between
groups (e.g. lower uptake in the most deprived quintiles, where barriers are higher). ``offset`` holds per-person terms set by interventions
(campaign exposure, environment, committed organisations). The visible prevalence is what a person
is shown of the population's (or their area's) adopting share at the start of the round: zero
unless a ``publicise`` intervention reaches them, so ``norm`` acts only when numbers are publicised.

This is the discrete-choice form of social influence of Brock & Durlauf (2001), *Rev. Econ.
Stud.* 68:235. Draws are pure functions of (run key, round, person), so both engines agree exactly.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from numba import njit, prange
from pydantic import Field

from ..rng import uniform
from ._kernel import kernel, tie_blocks
from ._params import BehaviourBase, Probability
from ._protocol import Array, MeanField

HELP = "log-odds from peers, the social norm and other behaviours"
ARRAYS = {
    "logit": Array(np.float64, (3,)),  # intercept, peer, norm
    "relapse": Array(np.float64),
    "stress_relapse": Array(np.float64),
    "coupling": Array(np.float64, ("B",)),
    "peer_coupling": Array(np.float64, ("B",)),
    "relapse_coupling": Array(np.float64, ("B",)),
}
MEAN_FIELD_ODE = True  # a per-round chance from the current shares: a rate in continuous time
PROGRESSIVE = False
ADOPT, RELAPSE = 4, 5


class Params(BehaviourBase):
    rule: Literal["logistic"]
    intercept: float = Field(-5.0, description="log-odds of adopting per round with no influence at all")
    peer: float = Field(6.0, description="log-odds added per unit share of adopting neighbours")
    norm: float = Field(0.0, description="log-odds added per unit visible prevalence (social norm)")
    coupling: dict[str, float] = Field(
        default_factory=dict, description="log-odds of adopting added when the person adopts another behaviour"
    )
    peer_coupling: dict[str, float] = Field(
        default_factory=dict, description="added to the peer weight when the person adopts another behaviour"
    )
    relapse: Probability = Field(0.0, description="per-round chance an adopter stops")
    relapse_coupling: dict[str, float] = Field(
        default_factory=dict, description="log-odds of stopping added when the person adopts another behaviour"
    )
    stress_relapse: float = Field(0.0, description="log-odds of stopping added for a person under stress")
    by_attribute: dict[str, dict[str, float]] = Field(
        default_factory=dict,
        description="log-odds of adopting added by a person attribute's value, e.g. {deprivation = {'1' = -0.7}}",
    )


def prepare(pop, b: int, params: Params, rng: np.random.Generator) -> None:
    pop.logit[b] = (params.intercept, params.peer, params.norm)
    pop.relapse[b] = params.relapse
    pop.stress_relapse[b] = params.stress_relapse
    for table, matrix in ((params.coupling, pop.coupling), (params.peer_coupling, pop.peer_coupling), (params.relapse_coupling, pop.relapse_coupling)):
        for other, weight in table.items():
            matrix[b, pop.behaviour_index(other, f"behaviours.{b}")] = weight


def mean_field(params: Params, field: MeanField) -> np.ndarray:
    """P = sigmoid(intercept + peer x share + coupling . own other behaviours + offset + norm x
    prevalence where a ``publicise`` intervention shows it), one per combination in ``field.own``."""
    z = params.intercept + params.peer * field.share + field.own @ field.coupling + field.offset
    if field.sees:
        z = z + params.norm * field.prevalence
    return 1.0 / (1.0 + np.exp(-z))


def steady(pop, b: int, changed: int) -> bool:
    """Absorbing only when everyone adopts and nobody can stop (spontaneous adoption never stops)."""
    return pop.relapse[b] == 0.0 and bool(pop.adopted[b].all())


def relapse_probability(relapse, coupled, stressed_term):
    """P(stop): the base chance shifted on the log-odds scale (0 stays 0, 1 stays 1)."""
    if relapse <= 0.0 or relapse >= 1.0:
        return relapse
    z = math.log(relapse / (1.0 - relapse)) + coupled + stressed_term
    return 1.0 / (1.0 + math.exp(-z))


def adopt_probability(share, visible, coupled, offset, intercept, peer, norm):
    """P(adopt) from the terms of the logit."""
    z = intercept + peer * share + norm * visible + coupled + offset
    return 1.0 / (1.0 + math.exp(-z))


# the kernels compile the very same functions, so both engines compute identical probabilities
_relapse_probability = njit(cache=True, inline="always")(relapse_probability)
_adopt_probability = njit(cache=True, inline="always")(adopt_probability)


def _coupled(pop, matrix_row, person) -> float:
    total = 0.0
    for other in range(pop.n_behaviours):
        if matrix_row[other] != 0.0 and person.is_adopting(other):
            total += matrix_row[other]
    return total


def decide(person, b: int, t: int) -> bool:
    """Adopting next round? (reference form)"""
    pop = person.model.population
    i = person.index
    if person.is_adopting(b):
        stressed = pop.stress_relapse[b] if pop.stressed[i] else 0.0
        prob = relapse_probability(pop.relapse[b], _coupled(pop, pop.relapse_coupling[b], person), stressed)
        return not uniform(pop.keys[b], RELAPSE, t, i) < prob
    intercept, peer, norm = pop.logit[b]
    peer += _coupled(pop, pop.peer_coupling[b], person)
    prob = adopt_probability(
        person.adopting_share(b), pop.visible[b, i], _coupled(pop, pop.coupling[b], person), pop.offset[b, i], intercept, peer, norm
    )
    return uniform(pop.keys[b], ADOPT, t, i) < prob


@njit(cache=True, inline="always")
def _coupled_nb(adopted_all, row, i):
    total = 0.0
    for other in range(adopted_all.shape[0]):
        if row[other] != 0.0 and adopted_all[other, i]:
            total += row[other]
    return total


@kernel
def sweep(indptr, indices, adopted_all, b, coupling, peer_coupling, relapse_coupling, offset, logit, visible,
          relapse, stressed, stress_relapse, key, t, out):
    """out[i]: 1 adopts, 2 relapses, 0 no change."""
    adopted = adopted_all[b]
    bounds = tie_blocks(indptr)  # equal ties per block, so threads share the work evenly
    for block in prange(len(bounds) - 1):
        for i in range(bounds[block], bounds[block + 1]):
            out[i] = 0
            if adopted[i]:
                term = stress_relapse if stressed[i] else 0.0
                prob = _relapse_probability(relapse, _coupled_nb(adopted_all, relapse_coupling[b], i), term)
                if uniform(key, RELAPSE, t, i) < prob:
                    out[i] = 2
                continue
            deg = indptr[i + 1] - indptr[i]
            share = 0.0
            if deg > 0:
                c = 0
                for e in range(indptr[i], indptr[i + 1]):
                    c += adopted[indices[e]]
                share = c / deg
            peer = logit[1] + _coupled_nb(adopted_all, peer_coupling[b], i)
            prob = _adopt_probability(share, visible[i], _coupled_nb(adopted_all, coupling[b], i), offset[i], logit[0], peer, logit[2])
            if uniform(key, ADOPT, t, i) < prob:
                out[i] = 1


def numba_step(pop, b: int, t: int):
    out = pop.scratch()
    sweep(
        pop.csr.indptr, pop.csr.indices, pop.adopted, b, pop.coupling, pop.peer_coupling, pop.relapse_coupling,
        pop.offset[b], pop.logit[b], pop.visible[b], pop.relapse[b], pop.stressed, pop.stress_relapse[b],
        pop.keys[b], t, out,
    )
    return np.flatnonzero(out == 1), np.flatnonzero(out == 2)
