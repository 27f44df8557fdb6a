"""Interventions on a timeline: recruit, campaign, publicise, bring_together, environment.

Each kind lives in its own module with its schema and what it does in a round. This package's
top level is schema only (what ``Scenario`` validates against); the runtime pieces sit beside their
users: :mod:`model.interventions.reach` (``Effects``, ``Reached``) and :mod:`model.timeline`
(``Timeline``, which runs the interventions round by round for ``BehaviourModel``).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from . import bring_together, campaign, environment, publicise, recruit
from .base import InterventionBase, Target, target_mask

Intervention = Annotated[
    recruit.Recruit | campaign.Campaign | publicise.Publicise | bring_together.BringTogether | environment.Environment,
    Field(discriminator="kind"),
]

__all__ = ["Intervention", "InterventionBase", "Target", "target_mask"]
