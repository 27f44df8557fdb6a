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


class Environment(InterventionBase):
    kind: Literal["environment"]
    effect: float = Field(0.3, description="log-odds added to adopting (logistic rule)")
    threshold_shift: float = Field(0.05, ge=0.0, le=1.0, description="thresholds lowered (threshold rules)")


def start(model, iv: Environment, rng: np.random.Generator) -> np.ndarray:
    return np.flatnonzero(target_mask(model, iv.target))


def act(model, iv: Environment, people: np.ndarray, effects) -> int:
    for b in model.behaviour_indices(iv.behaviours):
        effects.offset[b, people] += iv.effect
        effects.shift[b, people] += iv.threshold_shift
    return len(people)
