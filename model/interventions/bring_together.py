"""bring_together: events and groups that create new ties between people, so the network changes.

Every ``every`` rounds while it runs, ``ties`` new ties form among the target: ``scope = "local"``
pairs people in the same area (face-to-face events: local ties that tend to last), ``"online"``
pairs anyone (online groups: long-range ties). Ties last ``lasts`` rounds (none = for good), so
online ties can be made weaker by letting them fade. New ties count like any other in every rule,
on both engines. Social connection as a health behaviour in its own right: Holt-Lunstad, Smith &
Layton (2010), *PLoS Med* 7:e1000316; long-range ties and diffusion: Granovetter (1973).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from .base import InterventionBase, target_mask


class BringTogether(InterventionBase):
    kind: Literal["bring_together"]
    scope: Literal["local", "online"] = "local"
    ties: int = Field(100, ge=0, description="new ties per event")
    every: int = Field(4, ge=1, description="rounds between events")
    lasts: int | None = Field(None, ge=1, description="rounds a new tie lasts; none = for good")


def pairs(model, iv: BringTogether, rng: np.random.Generator) -> np.ndarray:
    """(ties, 2) positions of new pairs among the target (same area for local events)."""
    people = np.flatnonzero(target_mask(model, iv.target))
    if len(people) < 2 or iv.ties == 0:
        return np.zeros((0, 2), dtype=np.int64)
    if iv.scope == "online":
        a = rng.choice(people, size=iv.ties)
        b = rng.choice(people, size=iv.ties)
    else:
        area = model.attribute("area")[people]
        a = rng.choice(people, size=iv.ties)
        same = {v: people[area == v] for v in np.unique(area)}
        area_of = dict(zip(people.tolist(), area.tolist()))
        b = np.array([rng.choice(same[area_of[x]]) for x in a.tolist()], dtype=np.int64)
    keep = a != b
    return np.stack([a[keep], b[keep]], axis=1)
