"""Timeline templates: whole programmes as lists of interventions, to start from and edit.

``three_phase`` follows the shape of a long-term prevention strategy (roughly years 0-3, 3-10 and
10-20): first recruit influencers and bring people together to build a base of early adopters;
then scale up with campaigns, publicised numbers and environmental change, most deprived areas
first (proportionate universalism, Marmot 2010); then sustain with publicity while the behaviour
becomes the norm. Rounds are converted from years with the scenario's ``weeks_per_step``.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

#: a phase ends within a thousand years: finite, and few enough rounds to count in int64
Years = Annotated[float, Field(ge=0.0, le=1000.0)]

__all__ = ["ThreePhase", "TEMPLATES", "expand"]


class ThreePhase(BaseModel):
    """Settings of the three-phase template (all editable; costs in GBP)."""

    model_config = ConfigDict(extra="forbid")
    template: str = "three_phase"
    ends: tuple[Years, Years, Years] = Field((3.0, 10.0, 20.0), description="end of each phase, in years")
    recruit_strategy: str = "degree"
    recruits: int = Field(200, ge=0, description="influencers recruited in phase 1 (half at once, half a year later)")
    recruit_cost: float = Field(150.0, ge=0.0, description="cost per recruit")
    events_ties: int = Field(100, ge=0, description="new local ties per monthly event in phase 1")
    campaign_reach: float = Field(0.5, ge=0.0, le=1.0)
    campaign_effect: float = Field(0.5)
    campaign_cost_per_person: float = Field(2.0, ge=0.0, description="per person reached per round")
    environment_quintiles: list[int] = Field(default_factory=lambda: [1, 2])
    environment_effect: float = Field(0.3)
    environment_cost: float = Field(250_000.0, ge=0.0, description="one-off cost of the environmental change")
    publicity_cost_per_round: float = Field(500.0, ge=0.0)


def three_phase(spec: ThreePhase, weeks_per_step: float) -> list[dict]:
    steps_per_year = 52.0 / weeks_per_step
    p1, p2, p3 = (round(y * steps_per_year) for y in spec.ends)
    half_year = round(0.5 * steps_per_year)
    return [
        {"kind": "recruit", "name": "phase 1: recruit influencers", "start": 0, "end": p1,
         "seeding": {"strategy": spec.recruit_strategy, "count": spec.recruits, "cost": spec.recruit_cost,
                     "phases": [{"step": 0, "share": 0.5}, {"step": half_year, "share": 0.5}]}},
        {"kind": "bring_together", "name": "phase 1: local events", "start": 0, "end": p1, "scope": "local",
         "ties": spec.events_ties, "every": max(1, round(steps_per_year / 12)), "cost_per_person": 20.0},
        {"kind": "campaign", "name": "phase 2: campaign", "start": p1, "end": p2, "reach": spec.campaign_reach,
         "effect": spec.campaign_effect, "cost_per_person": spec.campaign_cost_per_person * weeks_per_step / 52.0 * 12},
        {"kind": "environment", "name": "phase 2: environment, most deprived first", "start": p1,
         "target": {"attribute": "deprivation", "values": spec.environment_quintiles}, "effect": spec.environment_effect,
         "threshold_shift": 0.05, "cost_fixed": spec.environment_cost},
        {"kind": "publicise", "name": "phases 2-3: publicise the numbers", "start": p1, "end": p3,
         "cost_per_round": spec.publicity_cost_per_round},
    ]


TEMPLATES = {"three_phase": (ThreePhase, three_phase)}


def expand(timeline: dict, weeks_per_step: float) -> list[dict]:
    """The interventions a ``[timeline]`` table stands for."""
    name = timeline.get("template")
    if name not in TEMPLATES:
        raise ValueError(f"timeline.template: unknown template {name!r}; choose one of {', '.join(TEMPLATES)}")
    schema, build = TEMPLATES[name]
    return build(schema.model_validate(timeline), weeks_per_step)
