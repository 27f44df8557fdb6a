"""environment: an area-level change (cycle routes, green space, facilities) for everyone in the target.

Lowers thresholds by ``threshold_shift`` and adds ``effect`` to the log-odds of adopting for every
person in the target (typically chosen areas or the most deprived quintiles) while it lasts:
changing the default rather than the person (Marteau et al. 2012, *BMJ* 344:e1021; the "proportionate
universalism" of Marmot 2010 when targeted at the most deprived first).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from .base import InterventionBase, target_mask
from .reach import Reached


class Environment(InterventionBase):
    kind: Literal["environment"]
    effect: float = Field(0.3, description="log-odds added to adopting (logistic rule)")
    threshold_shift: float = Field(0.05, ge=0.0, le=1.0, description="thresholds lowered (threshold rules)")


def start(model, iv: Environment, rng: np.random.Generator):
    return Reached(np.flatnonzero(target_mask(model, iv.target)), model.population.n)


def act(model, iv: Environment, people, effects) -> int:
    effects.lift(model.behaviour_indices(iv.behaviours), people, iv.effect, iv.threshold_shift)
    return len(people)
