"""Shared pieces of the rule parameter schemas."""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

Probability = Annotated[float, Field(ge=0.0, le=1.0)]


class BehaviourBase(BaseModel):
    """Fields every behaviour has, whatever its rule."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, description="behaviour name, e.g. 'activity'")
    initial: Probability = Field(0.0, description="share adopting at step 0 before seeding, chosen at random")


class UniformThresholds(BaseModel):
    model_config = ConfigDict(extra="forbid")
    dist: Literal["uniform"]
    low: Probability = 0.0
    high: Probability = 1.0

    def draw(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return rng.uniform(self.low, self.high, size=n)


class NormalThresholds(BaseModel):
    """Normal thresholds clipped to [0, 1] (Watts 2002 uses a narrow normal around a mean)."""

    model_config = ConfigDict(extra="forbid")
    dist: Literal["normal"]
    mean: Probability = 0.18
    sd: Annotated[float, Field(ge=0.0)] = 0.05

    def draw(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return np.clip(rng.normal(self.mean, self.sd, size=n), 0.0, 1.0)


class BetaThresholds(BaseModel):
    model_config = ConfigDict(extra="forbid")
    dist: Literal["beta"]
    a: Annotated[float, Field(gt=0.0)] = 2.0
    b: Annotated[float, Field(gt=0.0)] = 8.0

    def draw(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return rng.beta(self.a, self.b, size=n)


ThresholdDistribution = Annotated[
    UniformThresholds | NormalThresholds | BetaThresholds, Field(discriminator="dist")
]


def draw_thresholds(spec, n: int, rng: np.random.Generator) -> np.ndarray:
    """Per-person thresholds: a constant, or one draw per person from a distribution."""
    if isinstance(spec, (int, float)):
        return np.full(n, float(spec))
    return spec.draw(n, rng)


def steady_when_unchanged(pop, b: int, changed: int) -> bool:
    """For progressive rules: a round that changed nothing is a fixed point."""
    return changed == 0
