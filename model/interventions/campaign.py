"""campaign: information that raises the chance of adopting for the people it reaches.

A share ``reach`` of the target is reached (chosen once, at random, when the campaign starts);
while it runs, reached people get ``effect`` added to their log-odds of adopting (logistic rule)
and their thresholds lowered by ``threshold_shift`` (threshold rules). Information campaigns move
behaviour modestly on their own (e.g. Wakefield, Loken & Hornik 2010, *Lancet* 376:1261).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from .base import InterventionBase, target_mask
from .reach import Reached


class Campaign(InterventionBase):
    kind: Literal["campaign"]
    reach: float = Field(0.5, ge=0.0, le=1.0, description="share of the target reached")
    effect: float = Field(0.5, description="log-odds added to adopting for those reached (logistic rule)")
    threshold_shift: float = Field(0.0, ge=0.0, le=1.0, description="thresholds lowered for those reached")


def start(model, iv: Campaign, rng: np.random.Generator):
    """Who is reached: a random share ``reach`` of the target."""
    people = np.flatnonzero(target_mask(model, iv.target))
    return Reached(rng.choice(people, size=round(iv.reach * len(people)), replace=False), model.population.n)


def act(model, iv: Campaign, reached, effects) -> int:
    effects.lift(model.behaviour_indices(iv.behaviours), reached, iv.effect, iv.threshold_shift)
    return len(reached)
