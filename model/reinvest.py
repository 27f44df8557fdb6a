"""Reinvest to save: realised savings, after a lag, buy more recruitment (the virtuous circle).

Each round the model books the health-care savings realised so far (adopters beyond those at the
start, valued per person by ``economics.person_values``: age band, eligibility, healthy state) in a ``ReinvestLedger``; the share released after the lag goes into a
pot, and the pot recruits non-adopters (by degree, or at random) at ``cost_per_recruit`` each. A run
then shows whether the loop takes off: savings fund recruits who spread the behaviour who save more.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from .economics import EconomicsSpec, ReinvestLedger, person_values


class ReinvestUse(BaseModel):
    """What reinvested money buys."""

    model_config = ConfigDict(extra="forbid")
    strategy: Literal["degree", "random"] = "degree"
    cost_per_recruit: float = Field(150.0, gt=0.0, description="GBP per person recruited")
    behaviours: list[str] | None = Field(None, description="behaviours recruits adopt; default all")


class Reinvestment:
    """The pot and the ledger of one run."""

    def __init__(self, model, economics: EconomicsSpec, use: ReinvestUse, key_rng: np.random.Generator):
        self.model, self.use, self.rng = model, use, key_rng
        self.economics = economics
        self.ledger = ReinvestLedger(economics)
        pop = model.population
        # savings per person per step adopting each behaviour (age band, eligibility, healthy state)
        _, per_year = person_values(economics, pop.names, self._attribute, pop.n)
        self.per_step = per_year * economics.weeks_per_step / 52.0
        self.baseline = float((pop.adopted * self.per_step).sum())
        self.pot = 0.0
        self.recruited = 0

    def _attribute(self, name: str):
        try:
            return self.model.attribute(name)
        except ValueError:
            return None

    def after_round(self, t: int) -> float:
        """Book this round's savings, release what the lag allows, recruit with the pot; return spending."""
        pop = self.model.population
        saved = float((pop.adopted * self.per_step).sum()) - self.baseline
        self.pot += self.ledger.step(saved)
        k = int(self.pot // self.use.cost_per_recruit)
        if k == 0:
            return 0.0
        behaviours = self.model.behaviour_indices(self.use.behaviours)
        candidates = np.flatnonzero(pop.adopted[behaviours].min(axis=0) == 0)
        k = min(k, len(candidates))
        if k == 0:
            return 0.0
        if self.use.strategy == "degree":
            degree = self.model.csr.degree[candidates]
            chosen = candidates[np.lexsort((self.rng.permutation(len(candidates)), -degree))[:k]]
        else:
            chosen = self.rng.choice(candidates, size=k, replace=False)
        self.model.enrol(np.sort(chosen), self.use.behaviours)
        spent = k * self.use.cost_per_recruit
        self.pot -= spent
        self.recruited += k
        return spent
