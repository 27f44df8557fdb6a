"""The library of sourced per-person-year values of healthy states (QALYs gained, NHS costs avoided).

What: one ``BehaviourEconomics`` per healthy *state* (``physically_active``, ``not_smoking``, ...), each
valued per person-year for adults, with a standard deviation for probabilistic sensitivity analysis and
the source of every figure. A scenario's behaviour takes one with ``values = "<state>"`` and says itself
which of its states is the healthy one (``healthy_state``): nothing is read from a behaviour's name.

Why adults only: every figure below comes from adult surveys (EQ-5D of adults; NHS spending on adult
risk factors). Children (age bands 0-4 and 5-15) are valued only where a scenario gives them values of
their own (``by_age_band``), never at adult values.

Sources: docs/economics.md and shared/notes/town-and-economics.md sections 5.1-5.3. Labels follow the
notes: *sourced* (in the source), *derived* (arithmetic on sourced figures), *PLAUSIBLE* (unsourced, a
range with reasoning). The standard deviations are PLAUSIBLE throughout: a quarter of each value's
published or plausible range, so that about 95% of draws fall inside it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["AGE_BANDS", "CHILD_BANDS", "ADULT_BANDS", "Eligibility", "BandValues", "BehaviourEconomics", "VALUES"]

#: the town's age bands (networks.town.AGE_BANDS); children are the first two
AGE_BANDS: tuple[str, ...] = ("0-4", "5-15", "16-24", "25-44", "45-64", "65+")
CHILD_BANDS: tuple[str, ...] = ("0-4", "5-15")
ADULT_BANDS: tuple[str, ...] = ("16-24", "25-44", "45-64", "65+")


class Eligibility(BaseModel):
    """Who can hold the behaviour's valued state: the people whose ``attribute`` takes one of ``values``."""

    model_config = ConfigDict(extra="forbid")
    attribute: str = Field("age_band", min_length=1, description="node attribute, e.g. 'age_band' or 'smoker'")
    values: list[str | int | float | bool] = Field(min_length=1, description="values that make a person eligible")


class BandValues(BaseModel):
    """Values of one age band, per person-year in the healthy state."""

    model_config = ConfigDict(extra="forbid")
    qaly_gain: float = Field(ge=-1.0, le=1.0, allow_inf_nan=False)
    cost_avoided: float = Field(allow_inf_nan=False)


class BehaviourEconomics(BaseModel):
    """How a behaviour is valued: per person-year in its healthy state, against the other state.

    Attributes:
        values: a state of ``VALUES`` whose figures this behaviour takes (fields given here win).
        healthy_state: which state is healthy: ``"adopting"`` (adopters are active, not smoking, ...) or
            ``"not_adopting"`` (adopters smoke, drink above guidelines, ...). Required: nothing is
            inferred from a behaviour's name.
        qaly_gain: QALYs per person-year in the healthy state, for every adult band not in ``by_age_band``.
        cost_avoided: NHS spending avoided per person-year in the healthy state (``currency``, source-year prices).
        by_age_band: values of particular age bands; a child band (0-4, 5-15) is valued only through here.
        eligible: who can hold the valued state (default everyone; children still only through ``by_age_band``).
        evidence: ``"causal"`` or ``"associational"`` (cross-sectional association, confounded: left out of the
            headline unless ``EconomicsSpec.include_associational``, and reported apart).
        qaly_gain_sd, cost_avoided_sd: standard deviations for probabilistic sensitivity analysis (beta for
            QALYs, gamma for costs, method of moments); 0 = fixed.
        source: where the numbers come from.
    """

    model_config = ConfigDict(extra="forbid")

    values: str | None = None
    healthy_state: Literal["adopting", "not_adopting"] | None = None
    qaly_gain: float | None = Field(None, ge=-1.0, le=1.0, allow_inf_nan=False)
    cost_avoided: float | None = Field(None, allow_inf_nan=False)
    by_age_band: dict[str, BandValues] = Field(default_factory=dict)
    eligible: Eligibility | None = None
    evidence: Literal["causal", "associational"] | None = None
    qaly_gain_sd: float | None = Field(None, ge=0.0, allow_inf_nan=False)
    cost_avoided_sd: float | None = Field(None, ge=0.0, allow_inf_nan=False)
    source: str = ""

    def resolved(self) -> BehaviourEconomics:
        """These values with the library state's figures filled in where this one gives none."""
        if self.values is None:
            return self
        if self.values not in VALUES:
            raise ValueError(f"values {self.values!r} is not a valued state; choose one of {', '.join(VALUES)}")
        base = VALUES[self.values]
        given = {k: getattr(self, k) for k in self.model_fields_set if k != "values"}
        merged = {**base.model_dump(exclude={"healthy_state"}), **given, "values": None}
        return BehaviourEconomics.model_validate(merged)

    def band(self, band: str | None) -> tuple[float, float]:
        """(QALYs, cost avoided) per person-year in the healthy state for one age band (None: no bands known)."""
        if band is not None and band in self.by_age_band:
            v = self.by_age_band[band]
            return v.qaly_gain, v.cost_avoided
        if band in CHILD_BANDS:
            return 0.0, 0.0  # children are never valued at adult values
        return self.qaly_gain or 0.0, self.cost_avoided or 0.0


def _adult(q, q_sd, c, c_sd, evidence, source) -> BehaviourEconomics:
    return BehaviourEconomics(
        healthy_state="adopting", qaly_gain=q, qaly_gain_sd=q_sd, cost_avoided=c, cost_avoided_sd=c_sd,
        eligible=Eligibility(attribute="age_band", values=list(ADULT_BANDS)), evidence=evidence, source=source,
    )


#: Sourced values per adult person-year in each healthy state (the state is what adopting means).
VALUES: dict[str, BehaviourEconomics] = {
    "physically_active": _adult(
        0.03, 0.01, 75.0, 20.0, "causal",
        "QALY derived: low end of +0.026..+0.072 EQ-5D for higher activity (Anokye et al., BMC Public Health "
        "2012;12:624; Maheswaran et al., JECH 2013). Cost derived: NHS UK GBP 0.9bn / 11.9m inactive adults "
        "(Scarborough et al., J Public Health 2011;33:527), 2006/07 prices. SDs PLAUSIBLE.",
    ),
    "eating_well": _adult(
        0.005, 0.0025, 50.0, 25.0, "causal",
        "PLAUSIBLE: QALY 0..0.01 ('small', Maheswaran et al. 2013; no value published). Cost 0..155: upper end "
        "GBP 5.8bn diet-attributable NHS cost (Scarborough 2011) / about 37m UK adults not eating 5-a-day; most "
        "of it runs through obesity, so about a third is taken. 2006/07 prices.",
    ),
    "drinking_within_guidelines": _adult(
        0.015, 0.0025, 300.0, 75.0, "causal",
        "QALY PLAUSIBLE: 0.01..0.02 for drinking within 14 units (high-risk drinkers who cut down gained "
        "0.04..0.06: Essex et al., Qual Life Res 2014). Cost derived: NHS UK GBP 3.3bn (Scarborough 2011) / "
        "over 10m increasing- or higher-risk drinkers in England (PHE alcohol evidence review 2016).",
    ),
    "not_smoking": _adult(
        0.03, 0.01, 380.0, 60.0, "causal",
        "QALY derived: average smoker vs never (Vogl et al., BMC Public Health 2012;12:203; Maheswaran 2013). "
        "Cost derived: NHS England GBP 1.9bn / about 5.0m adult smokers (ASH/Landman Economics 2024), 2024 "
        "prices; add GBP 240 for social care (NHS+PSS perspective: 620).",
    ),
    "socially_connected": _adult(
        0.05, 0.0075, 885.0, 250.0, "associational",
        "ASSOCIATIONAL, not causal. QALY derived: between social isolation 0.04 and loneliness 0.07 EQ-5D "
        "(Koenig & Hajek, HQLO 2024, cross-sectional). Cost sourced as an association adjusted for "
        "demographics only: lonely people's GP, outpatient and inpatient costs are about GBP 885 a year "
        "higher (Morrish, Spencer & Medina-Lara, PLoS One 2025;20:e0327671).",
    ),
}
