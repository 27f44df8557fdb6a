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


def pairs(model, iv: BringTogether, rng: np.random.Generator, csr) -> np.ndarray:
    """(ties, 2) positions of pairs not yet tied among the target (same area for local events).

    Draws again until ``ties`` new pairs are found (a few rounds of rejection at most on sparse
    networks); fewer only when the target cannot hold that many more ties.
    """
    from networks.csr import new_ties

    people = np.flatnonzero(target_mask(model, iv.target))
    found = np.zeros((0, 2), dtype=np.int64)
    if len(people) < 2 or iv.ties == 0:
        return found
    area = model.attribute("area")[people] if iv.scope == "local" else np.zeros(len(people), dtype=np.int64)
    order = np.argsort(area, kind="stable")
    people, area = people[order], area[order]
    starts = np.searchsorted(area, area, side="left")
    sizes = np.searchsorted(area, area, side="right") - starts
    # no more than the target can hold: drawing 2 x 10**9 candidates for 200 people would fill memory
    group_sizes = np.diff(np.flatnonzero(np.r_[True, area[1:] != area[:-1], True]))
    ties = int(min(iv.ties, (group_sizes * (group_sizes - 1) // 2).sum()))
    for _ in range(20):
        want = 2 * (ties - len(found)) + 8
        pick = rng.integers(len(people), size=want)
        partner = starts[pick] + (rng.random(want) * sizes[pick]).astype(np.int64)
        drawn = np.stack([people[pick], people[partner]], axis=1)
        found = new_ties(csr, np.concatenate([found, drawn]))[:ties]
        if len(found) == ties:
            break
    return found
