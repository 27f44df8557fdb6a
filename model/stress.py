"""Stress (or low mood): a person-level state that raises relapse and that healthy behaviours lower.

Each round a person free of stress becomes stressed with probability ``onset``; a stressed person
recovers with probability ``recovery`` plus ``protection[b]`` for each behaviour b they adopt
(activity and social connection protect: Chekroud et al. 2018, *Lancet Psychiatry* 5:739;
Holt-Lunstad et al. 2010). Logistic behaviours with ``stress_relapse`` > 0 are then abandoned more
often under stress: a balancing loop beside the reinforcing loops of peer influence. Draws are pure
functions of (run key, round, person), so both engines agree.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from pydantic import BaseModel, ConfigDict, Field

from .rng import uniform, uniform_array

ONSET, RECOVERY, START = 11, 12, 13


class StressSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    initial: float = Field(0.2, ge=0.0, le=1.0, description="share stressed at the start")
    onset: float = Field(0.01, ge=0.0, le=1.0, description="per-round chance of becoming stressed")
    recovery: float = Field(0.05, ge=0.0, le=1.0, description="per-round chance of recovering")
    protection: dict[str, float] = Field(default_factory=dict, description="recovery chance added per behaviour adopted")


def start(pop, spec: StressSpec, key: int) -> None:
    pop.stressed[:] = uniform_array(key, START, 0, pop.n) < spec.initial


def update(pop, spec: StressSpec, key: int, t: int) -> None:
    """Onset and recovery for round t, from the state at the start of the round."""
    protecting = np.array([pop.behaviour_index(nm, "stress.protection") for nm in spec.protection], dtype=np.int64)
    extra = np.array(list(spec.protection.values()), dtype=np.float64)
    _update(pop.stressed, pop.adopted, protecting, extra, spec.onset, spec.recovery, key, t)


@njit(cache=True)
def _update(stressed, adopted, protecting, extra, onset, recovery, key, t):
    for i in range(len(stressed)):
        if stressed[i]:
            chance = recovery
            for k in range(len(protecting)):
                if adopted[protecting[k], i]:
                    chance += extra[k]
            if uniform(key, RECOVERY, t, i) < chance:
                stressed[i] = 0
        elif uniform(key, ONSET, t, i) < onset:
            stressed[i] = 1
