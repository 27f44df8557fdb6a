"""Shared pieces of the rule parameter schemas."""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from numba import njit
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..rng import pair_key, pair_uniform

Probability = Annotated[float, Field(ge=0.0, le=1.0)]


Value = str | int | float | bool


class InitialByValue(BaseModel):
    """Observed starting state: the people whose node attribute takes one of ``values`` adopt at step 0."""

    model_config = ConfigDict(extra="forbid")
    attribute: str = Field(min_length=1, description="node attribute, e.g. 'smoker'")
    values: list[Value] = Field(min_length=1, description="values meaning 'adopting', e.g. ['No']")


class InitialByProbability(BaseModel):
    """Each person adopts at step 0 with the probability their node attribute gives (0 to 1)."""

    model_config = ConfigDict(extra="forbid")
    probability_attribute: str = Field(min_length=1, description="node attribute holding a probability")


class InitialFromFile(BaseModel):
    """Observed starting state from a CSV or Parquet table keyed by node id.

    With ``values``, the people whose ``column`` takes one of them adopt; without, ``column`` is a
    probability (0/1 or true/false for an observed state). Every person in the network must have a row.
    """

    model_config = ConfigDict(extra="forbid")
    file: str = Field(min_length=1, description="CSV or Parquet table (relative paths: beside the scenario file)")
    column: str = Field(min_length=1, description="the column holding the state or probability")
    id_column: str = Field("id", min_length=1, description="the column holding node ids")
    values: list[Value] | None = Field(None, min_length=1, description="values of column meaning 'adopting'")

    @model_validator(mode="after")
    def _suffix(self):
        if not self.file.lower().endswith((".csv", ".parquet", ".pq")):
            raise ValueError(f"file {self.file!r}: give a .csv or .parquet table")
        return self


#: who adopts at step 0 besides the seeds: a random share, or an observed state
Initial = Probability | InitialByValue | InitialByProbability | InitialFromFile


class BehaviourBase(BaseModel):
    """Fields every behaviour has, whatever its rule."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, description="behaviour name, e.g. 'activity'")
    initial: Initial = Field(
        0.0,
        description="adopting at step 0 besides the seeds, never costed: a share chosen at random, "
        "{attribute, values}, {probability_attribute} or {file, column, id_column[, values]}",
    )

    @property
    def initial_share(self) -> float:
        """The random share of ``initial`` (0 when the starting state is observed)."""
        return float(self.initial) if isinstance(self.initial, (int, float)) else 0.0

    @property
    def observed_initial(self) -> bool:
        """Does the starting state come from data (an attribute or a file)?"""
        return not isinstance(self.initial, (int, float))


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


ThresholdDistribution = Annotated[UniformThresholds | NormalThresholds | BetaThresholds, Field(discriminator="dist")]


def draw_thresholds(spec, n: int, rng: np.random.Generator) -> np.ndarray:
    """Per-person thresholds: a constant, or one draw per person from a distribution."""
    if isinstance(spec, (int, float)):
        return np.full(n, float(spec))
    return spec.draw(n, rng)


KEYED_THRESHOLD = 4  # stream id of thresholds drawn from the run key


def threshold_key(key: int) -> np.uint64:
    """The part of every keyed threshold fixed by the run key (hoisted: one mix per threshold)."""
    return np.uint64(pair_key(np.uint64(key), KEYED_THRESHOLD, 0))


@njit(cache=True, inline="always")
def keyed_threshold(tkey, i):
    """Person i's threshold as a pure function of the run key (``tkey = threshold_key(key)``):
    uniform on (0, 1].

    Why: the linear threshold rule draws one threshold per person per run. Drawn from the key, as
    every other draw is (``model.rng``), a compiled run computes only the thresholds of the people
    a cascade reaches, instead of drawing all n at set-up (0.3 ms at 10^5 people, more than many
    cascades), and every engine still sees the same numbers. Zero is excluded, so nobody adopts
    without an adopting neighbour (Kempe, Kleinberg & Tardos 2003 draw on [0, 1]; the endpoints
    have probability zero).
    """
    return 1.0 - pair_uniform(tkey, i)


@njit(cache=True)
def _keyed_thresholds(tkey, n):
    out = np.empty(n, dtype=np.float64)
    for i in range(n):
        out[i] = keyed_threshold(tkey, i)
    return out


def keyed_thresholds(key: int, n: int) -> np.ndarray:
    """``keyed_threshold`` for everyone, as an array (what ``Population.theta`` shows)."""
    return _keyed_thresholds(threshold_key(key), n)


@njit(cache=True, inline="always")
def threshold_of(theta, tkey, i):
    """``theta[i]``, or the keyed draw where the thresholds were never written out (``theta`` empty)."""
    return theta[i] if len(theta) else keyed_threshold(tkey, i)


def steady_when_unchanged(pop, b: int, changed: int) -> bool:
    """For progressive rules: a round that changed nothing is a fixed point."""
    return changed == 0
