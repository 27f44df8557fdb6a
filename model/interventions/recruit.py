"""recruit: enrol first adopters by any targeting strategy, all at once or in phases.

The ``seeding`` table is the same as a scenario's ``[seeding]`` (strategy, count or budget, cost
per person, phases); phase steps count from the intervention's ``start``. With a target other than
"everyone", the strategy chooses among the targeted people only (on the ties between them).
Recruits adopt at the end of their round, as seeds do at round 0.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from ..specs import SeedingSpec
from .base import InterventionBase, target_mask


class Recruit(InterventionBase):
    kind: Literal["recruit"]
    seeding: SeedingSpec = Field(default_factory=SeedingSpec)


def plan(model, iv: Recruit, rng: np.random.Generator):
    """Who starts when (rounds counted from the intervention's start), and what they cost."""
    from ..seeding import plan_seeds

    mask = target_mask(model, iv.target)
    among = None if mask.all() else model.graph.subgraph(model.csr.ids(np.flatnonzero(mask)))
    seeding_plan = plan_seeds(model.graph, model.csr, model.spec.model_copy(update={"seeding": iv.seeding}), rng, among=among)
    seeding_plan.rounds = seeding_plan.rounds + iv.start
    return seeding_plan
