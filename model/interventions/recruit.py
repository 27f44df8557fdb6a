"""recruit: enrol first adopters by any targeting strategy, all at once or in phases.

The ``seeding`` table is the same as a scenario's ``[seeding]`` (strategy, count or budget, cost
per person, phases); phase steps count from the intervention's ``start``. With a target other than
"everyone", the strategy chooses among the targeted people only (on the ties between them).
Recruits adopt at the end of their round, as seeds do at round 0.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..specs import SeedingSpec
from .base import InterventionBase


class Recruit(InterventionBase):
    kind: Literal["recruit"]
    seeding: SeedingSpec = Field(default_factory=SeedingSpec)
