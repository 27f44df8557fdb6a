"""publicise: show people how many already do it, so the social-norm term acts.

While it runs, a share ``reach`` of the target sees the adopting share of the whole population
(``scope = "population"``) or of their own area (``scope = "area"``), as of the start of the round;
the logistic rule adds ``norm`` x that share to their log-odds. With a ``norm`` weight of zero it
changes nothing. Descriptive-norm feedback: Schultz et al. (2007), *Psychol. Sci.* 18:429; "part of
a wave of change".
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from .base import InterventionBase, target_mask


class Publicise(InterventionBase):
    kind: Literal["publicise"]
    reach: float = Field(1.0, ge=0.0, le=1.0, description="share of the target who see the numbers")
    scope: Literal["population", "area"] = "population"


def start(model, iv: Publicise, rng: np.random.Generator) -> np.ndarray:
    people = np.flatnonzero(target_mask(model, iv.target))
    return np.sort(rng.choice(people, size=round(iv.reach * len(people)), replace=False))


def act(model, iv: Publicise, reached: np.ndarray, effects) -> int:
    pop = model.population
    for b in model.behaviour_indices(iv.behaviours):
        if iv.scope == "population":
            seen = np.full(len(reached), pop.prevalence[b])
        else:
            area = model.attribute("area")
            codes, inverse = np.unique(area, return_inverse=True)
            share = np.bincount(inverse, weights=pop.adopted[b]) / np.bincount(inverse)
            seen = share[inverse[reached]]
        effects.visible[b, reached] = np.maximum(effects.visible[b, reached], seen)
    return len(reached)
