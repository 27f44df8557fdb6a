"""What every intervention has: a window in rounds, a target, behaviours, and a cost."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class Target(BaseModel):
    """People chosen by a node attribute: ``{attribute = "deprivation", values = [1, 2]}``."""

    model_config = ConfigDict(extra="forbid")
    attribute: str
    values: list[Any] = Field(min_length=1, description="attribute values that are targeted (numbers or text)")

    @field_validator("values")
    @classmethod
    def _scalars(cls, values):
        odd = next((v for v in values if not isinstance(v, (int, float, str))), None)
        if odd is not None:
            raise ValueError(f"values must be numbers or text, got {odd!r}")
        return values


class InterventionBase(BaseModel):
    """Common fields: when (``start`` <= round < ``end``), whom, which behaviours, what it costs.

    ``target`` is "everyone", "seeds" (the people recruited so far) or a ``Target``. Costs are in
    money: ``cost_fixed`` once at the start, ``cost_per_round`` each active round, and
    ``cost_per_person`` per person reached (or recruited, or tie made) each time it acts.
    """

    model_config = ConfigDict(extra="forbid")

    kind: str
    name: str | None = None
    start: int = Field(0, ge=0, description="first round it acts")
    end: int | None = Field(None, ge=1, description="round it stops (exclusive); none = to the end")
    target: Literal["everyone", "seeds"] | Target = "everyone"
    behaviours: list[str] | None = Field(None, description="behaviours it acts on; default all")
    cost_fixed: float = Field(0.0, ge=0.0)
    cost_per_round: float = Field(0.0, ge=0.0)
    cost_per_person: float = Field(0.0, ge=0.0)

    @model_validator(mode="after")
    def _window(self):
        if self.end is not None and self.end <= self.start:
            raise ValueError(f"end ({self.end}) must be after start ({self.start})")
        return self

    def active(self, t: int) -> bool:
        return self.start <= t and (self.end is None or t < self.end)

    @property
    def label(self) -> str:
        return self.name or self.kind


def target_mask(model, target) -> np.ndarray:
    """Boolean mask over people (CSR order) for an intervention's target."""
    n = model.population.n
    if target == "everyone":
        return np.ones(n, dtype=bool)
    if target == "seeds":
        mask = np.zeros(n, dtype=bool)
        mask[model.recruited()] = True
        return mask
    values = model.attribute(target.attribute)
    return np.isin(values, np.array(target.values, dtype=values.dtype if values.dtype != object else object))
