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
from .reach import Reached


class Publicise(InterventionBase):
    kind: Literal["publicise"]
    reach: float = Field(1.0, ge=0.0, le=1.0, description="share of the target who see the numbers")
    scope: Literal["population", "area"] = "population"


def start(model, iv: Publicise, rng: np.random.Generator):
    people = np.flatnonzero(target_mask(model, iv.target))
    reached = Reached(rng.choice(people, size=round(iv.reach * len(people)), replace=False), model.population.n)
    if iv.scope == "area":
        _, reached.area = np.unique(model.attribute("area"), return_inverse=True)
        reached.area_sizes = np.bincount(reached.area)
    return reached


def act(model, iv: Publicise, reached, effects) -> int:
    pop = model.population
    for b in model.behaviour_indices(iv.behaviours):
        if iv.scope == "population":
            seen = pop.prevalence[b] * reached.weight
        else:
            share = np.bincount(reached.area, weights=pop.adopted[b], minlength=len(reached.area_sizes)) / reached.area_sizes
            seen = share[reached.area] * reached.weight
        np.maximum(effects.visible[b], seen, out=effects.visible[b])
    return len(reached)
