"""information: hear, then decide (the information model of Banerjee, Chandrasekhar, Duflo & Jackson 2013).

Many behaviours spread as news first and adoption second. In "The Diffusion of Microfinance"
(Banerjee, Chandrasekhar, Duflo & Jackson 2013, *Science* 341:1236498) a person must hear of the
loans before taking one, and hearing and taking are separate steps:

* **Passing the word.** In every round, each informed person tells each neighbour with
  probability ``q_adopter`` if they adopted (a participant, BCDJ's q^P) and ``q_non_adopter`` if
  not (q^N). Telling repeats every round, as in the paper: an informed person keeps talking.
* **Deciding once.** A person who first hears in round t decides then, once and for all, adopting
  with probability

      sigmoid(intercept + sum_k covariates[k] x attribute_k + by_attribute offsets + offset
              + endorsement x F)

  where F is the share of their informed neighbours (at the start of the round) who adopted:
  BCDJ's endorsement effect (lambda). ``offset`` holds what interventions add (as for ``logistic``).
* **Seeds are informed, not adopters** (BCDJ's injection points, the bank's leaders): at their
  round they decide like anyone else, with F from the state then. ``seeds_adopt = true`` makes
  them adopters instead, as under the other rules. Anyone adopting for another reason (``initial``,
  recruits) counts as informed.

BCDJ estimate q^N ~ 0.07, q^P ~ 0.35-0.5 (participants pass the word several times more often) and
an endorsement effect indistinguishable from zero. Every draw is a pure function of the run key:
telling of (round, teller, listener), deciding of (person), so the readable ``decide`` and the
compiled ``sweep``/``run`` give identical runs.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from numba import njit
from pydantic import Field

from ..groups import tally
from ..rng import pair_key, pair_uniform
from ._params import BehaviourBase, Probability

HELP = "hear first (told by informed neighbours), then decide once whether to adopt"
ARRAYS: dict = {}  # its state (who heard when) is a per-behaviour cache: ``state(pop, b)``
PROGRESSIVE = True
TELL, DECIDE = 11, 12  # stream ids of the draws
# out codes of a round, per person
NOTHING, ADOPTS, DECLINES, EXPOSED = 0, 1, 2, 3


class Params(BehaviourBase):
    rule: Literal["information"]
    q_adopter: Probability = Field(0.35, description="per round, chance an informed adopter tells a neighbour (q^P)")
    q_non_adopter: Probability = Field(0.07, description="per round, chance an informed non-adopter tells a neighbour (q^N)")
    intercept: float = Field(-1.5, description="log-odds of adopting on hearing, everything else zero")
    endorsement: float = Field(
        0.0, description="log-odds added per unit share of informed neighbours who adopted (lambda)"
    )
    covariates: dict[str, float] = Field(
        default_factory=dict, description="log-odds per unit of numeric node attributes, e.g. {electricity = 0.3}"
    )
    by_attribute: dict[str, dict[str, float]] = Field(
        default_factory=dict, description="log-odds added by an attribute's value, e.g. {roof = {thatch = -0.5}}"
    )
    seeds_adopt: bool = Field(False, description="seeds adopt outright instead of hearing and deciding")


class Information:
    """Behaviour b's information state: when each person first heard (-1 never) and the parameters."""

    def __init__(self, n: int):
        self.informed_at = np.full(n, -1, dtype=np.int32)
        self.params = np.zeros(4)  # q_adopter, q_non_adopter, intercept, endorsement
        self.seeds_adopt = False
        self.exposed = (-1, 0)  # (round, people who had an informed neighbour able to tell them)
        self.valid = True  # what Population asks of its caches (ties changing need nothing here)


def state(pop, b: int) -> Information:
    return pop.cache(b, Information)


def prepare(pop, b: int, params: Params, rng: np.random.Generator) -> None:
    info = state(pop, b)
    info.params[:] = (params.q_adopter, params.q_non_adopter, params.intercept, params.endorsement)
    info.seeds_adopt = params.seeds_adopt


def steady(pop, b: int, changed: int) -> bool:
    """Nothing can change once nobody uninformed has an informed neighbour able to tell them."""
    round_, exposed = state(pop, b).exposed
    return round_ != pop.t or exposed == 0  # no record this round: nobody was left to tell


# --- the shared arithmetic (compiled for the kernels, plain for decide) ----------------------------------
def adopt_probability(offset, intercept, endorsement, adopting, informed):
    """P(adopt on hearing): the logit with the endorsement share (0 with no informed neighbour)."""
    share = adopting / informed if informed > 0 else 0.0
    z = intercept + offset + endorsement * share
    return 1.0 / (1.0 + math.exp(-z))


_adopt_probability = njit(cache=True, inline="always")(adopt_probability)


@njit(cache=True, inline="always")
def round_key(key, t):
    """The part of every telling draw of round t fixed by the run key (hoisted out of the sweep)."""
    return pair_key(key, TELL, t)


@njit(cache=True, inline="always")
def tell_key(rkey, teller):
    """The part of a telling draw fixed by (round key, teller)."""
    return pair_key(rkey, 0, teller)


@njit(cache=True, inline="always")
def decide_draw(key, i):
    return pair_uniform(pair_key(key, DECIDE, 0), i)


@njit(cache=True)
def tell_uniform(key, t, teller, listener):
    """U[0,1) deciding whether ``teller`` tells ``listener`` in round t (for Python callers too)."""
    return pair_uniform(tell_key(round_key(key, t), teller), listener)


@njit(cache=True)
def decide_uniform(key, i):
    return decide_draw(key, i)


# --- the readable form ------------------------------------------------------------------------------
def decide(person, b: int, t: int) -> bool:
    """Adopting next round? (reference form): hear from an informed neighbour, then decide once."""
    if person.is_adopting(b):
        return True
    pop = person.model.population
    info = state(pop, b)
    i = person.index
    if 0 <= info.informed_at[i] < t:
        return False  # heard before and declined: the decision is final
    q_adopter, q_non_adopter, intercept, endorsement = info.params
    key = pop.keys[b]
    informed = adopting = 0
    heard = exposed = False
    for other in person.neighbours:
        j = other.index
        adopts = other.is_adopting(b)
        if adopts or 0 <= info.informed_at[j] < t:  # informed at the start of the round
            informed += 1
            adopting += adopts
            q = q_adopter if adopts else q_non_adopter
            exposed |= q > 0
            heard |= tell_uniform(key, t, j, i) < q
    if info.exposed[0] != t:
        info.exposed = (t, 0)
    info.exposed = (t, info.exposed[1] + int(exposed))
    if not heard:
        return False
    info.informed_at[i] = t  # others test "< t": the round stays synchronous
    return decide_uniform(key, i) < adopt_probability(pop.offset[b, i], intercept, endorsement, adopting, informed)


# --- the compiled form --------------------------------------------------------------------------------
@njit(cache=True, inline="always")
def _person(indptr, indices, adopted, informed_at, offset, key, rkey, t, params, i):
    """What round t does to person i (an out code); marks i informed at t on hearing
    (``rkey = round_key(key, t)``)."""
    if adopted[i] or (informed_at[i] >= 0 and informed_at[i] < t):
        return NOTHING
    informed = 0
    adopting = 0
    heard = False
    exposed = False
    for e in range(indptr[i], indptr[i + 1]):
        j = indices[e]
        a = adopted[j]
        if a or (informed_at[j] >= 0 and informed_at[j] < t):
            informed += 1
            adopting += a
            q = params[0] if a else params[1]
            if q > 0.0:
                exposed = True
                if not heard and pair_uniform(tell_key(rkey, j), i) < q:
                    heard = True  # the draw is a pure function: skipping later ones changes nothing
    if not heard:
        return EXPOSED if exposed else NOTHING
    informed_at[i] = t
    if decide_draw(key, i) < _adopt_probability(offset[i], params[2], params[3], adopting, informed):
        return ADOPTS
    return DECLINES


@njit(cache=True)
def sweep(indptr, indices, adopted, informed_at, offset, key, t, params, out):
    """Round t for everyone: out[i] is ADOPTS, DECLINES (heard, said no), EXPOSED (not told) or NOTHING.

    Serial: the rule meets village-sized networks, where threads cost more than they save.
    """
    rkey = round_key(key, t)
    for i in range(len(indptr) - 1):
        out[i] = _person(indptr, indices, adopted, informed_at, offset, key, rkey, t, params, i)


def numba_step(pop, b: int, t: int):
    info = state(pop, b)
    out = pop.scratch()
    sweep(pop.csr.indptr, pop.csr.indices, pop.adopted[b], info.informed_at, pop.offset[b], pop.keys[b], t, info.params, out)
    info.exposed = (t, int(np.count_nonzero(out)))
    return np.flatnonzero(out == ADOPTS), None


@njit(cache=True)
def run(indptr, indices, adopted, adopted_at, informed_at, offset, key, params, t, limit, stop, codes, counts, record):
    """Rounds t+1.. of ``numba_step`` and ``Population.apply`` in one compiled loop.

    Row r of ``record`` gets the per-group adopter counts after round t+1+r. Stops after round
    ``limit`` or, with ``stop``, after the first round in which nobody could be told. Returns
    (last round, that round's adopters, steady).
    """
    n = len(indptr) - 1
    out = np.empty(n, dtype=np.uint8)
    new = np.empty(n, dtype=np.int64)
    m = 0
    r = 0
    steady = False
    while t < limit:
        t += 1
        exposed = 0
        rkey = round_key(key, t)
        for i in range(n):
            out[i] = _person(indptr, indices, adopted, informed_at, offset, key, rkey, t, params, i)
            exposed += out[i] != NOTHING
        m = 0
        for i in range(n):
            if out[i] == ADOPTS:
                adopted[i] = 1
                adopted_at[i] = t
                tally(codes, counts, i, 1)
                new[m] = i
                m += 1
        record[r] = counts
        r += 1
        steady = exposed == 0
        if stop and steady:
            break
    return t, new[:m].copy(), steady


def can_fuse(pop, b: int) -> bool:
    return True


def numba_run(pop, b: int, limit: int, stop: bool, codes, counts, record):
    """The compiled run of behaviour b from round ``pop.t`` (see ``run``); returns (last round, steady)."""
    info = state(pop, b)
    t, pop.frontier[b], steady = run(
        pop.csr.indptr, pop.csr.indices, pop.adopted[b], pop.adopted_at[b], info.informed_at, pop.offset[b],
        pop.keys[b], info.params, pop.t, limit, stop, codes, counts, record,
    )  # fmt: skip
    info.exposed = (t, 0 if steady else 1)
    return t, steady


# --- seeds --------------------------------------------------------------------------------------------
def enrol(pop, b: int, positions: np.ndarray) -> None:
    """Seeds and recruits hear now (round ``pop.t``) and decide at once, from the state they find."""
    info = state(pop, b)
    if info.seeds_adopt:
        pop.seed(b, positions)
        return
    t = pop.t
    positions = np.asarray(positions, dtype=np.int64)
    fresh = positions[(pop.adopted[b, positions] == 0) & (info.informed_at[positions] < 0)]
    adopters = _decide_now(pop.csr.indptr, pop.csr.indices, pop.adopted[b], info.informed_at, pop.offset[b], pop.keys[b], t, info.params, fresh)
    pop.seed(b, adopters)


@njit(cache=True)
def _decide_now(indptr, indices, adopted, informed_at, offset, key, t, params, people):
    """Mark ``people`` informed at round t; return those who adopt (F from neighbours informed before t)."""
    keep = np.empty(len(people), dtype=np.int64)
    m = 0
    for i in people:
        informed = 0
        adopting = 0
        for e in range(indptr[i], indptr[i + 1]):
            j = indices[e]
            if adopted[j] or (informed_at[j] >= 0 and informed_at[j] < t):
                informed += 1
                adopting += adopted[j]
        informed_at[i] = t
        if decide_draw(key, i) < _adopt_probability(offset[i], params[2], params[3], adopting, informed):
            keep[m] = i
            m += 1
    return keep[:m]
