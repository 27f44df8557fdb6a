"""Population turnover: people leave and newcomers take their place, so long runs are not frozen.

Each round a person leaves with the per-round probability implied by ``rate_per_year`` (given
the scenario's ``weeks_per_step``); a newcomer takes their place in the network (same ties, same household and
area: the home is re-let, the job refilled) and adopts each behaviour with that behaviour's
``initial`` share, as anyone arriving from elsewhere would. Ageing is implicit in the replacement.
ONS internal migration puts local-authority in- and out-flows at roughly 4-6% of residents a year.
"""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from .rng import uniform_array, uniform_at

LEAVE, ARRIVE = 21, 22


class TurnoverSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rate_per_year: float = Field(0.05, ge=0.0, le=1.0, description="share of people replaced per year")

    def per_step(self, weeks_per_step: float) -> float:
        return 1.0 - (1.0 - self.rate_per_year) ** (weeks_per_step / 52.0)


def update(pop, spec: TurnoverSpec, weeks_per_step: float, initial: list[float], key: int, t: int) -> np.ndarray:
    """Replace leavers after round t; return their positions."""
    leaving = np.flatnonzero(uniform_array(key, LEAVE, t, pop.n) < spec.per_step(weeks_per_step))
    if len(leaving):
        for b, share in enumerate(initial):
            arrive = uniform_at(key, ARRIVE + 100 * b, t, leaving) < share
            pop.replace(b, leaving, leaving[arrive])
        pop.stressed[leaving] = 0
    return leaving
