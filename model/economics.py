"""Health economics of a run: QALYs gained, health-care costs avoided, what the programme cost.

What: per person-year spent adopting a behaviour (the healthy state: active, eating well, drinking
within guidelines, not smoking, socially connected) a person gains ``qaly_gain`` QALYs and avoids
``cost_avoided`` GBP of health-care spending. ``evaluate`` sets a programme's adopter counts against
a baseline (doing nothing), discounts QALYs and money separately, and returns the decision numbers
a Health and Wellbeing Board asks for: NPV, ICER, cost per adopter gained, return on investment, and
a per-year table. ``savings_in_step`` and ``ReinvestLedger`` serve the reinvest-to-save loop.

Why these conventions: UK appraisal practice (HM Treasury Green Book; NICE methods, PMG36) values
costs and health effects over time with separate discount rates; the issue asks for 3.5% a year for
costs and 1.5% for health effects by default, both settable. Every default below is editable and
carries its source; figures with no source are marked PLAUSIBLE (see docs/economics.md).

Time convention: a step lasts ``weeks_per_step`` weeks (52 weeks = one year). Row t of a history is
the state at the end of step t; rows 1..T each stand for ``weeks_per_step / 52`` person-years of
whatever was adopted then, and row 0 (the state right after seeding) for none. Money spent in row t
(row 0: recruiting at the start) and effects of row t are discounted by 1 / (1 + r) ** (t x
weeks_per_step / 52): annual discounting applied at fractional years (see ``discount_factors``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Annotated, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, NonNegativeInt

__all__ = [
    "BehaviourEconomics",
    "DEFAULTS",
    "PRESETS",
    "ReinvestSpec",
    "EconomicsSpec",
    "EconomicResult",
    "ReinvestLedger",
    "discount_factors",
    "evaluate",
    "from_result",
    "savings_in_step",
]

WEEKS_PER_YEAR = 52.0
Rate = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]


class BehaviourEconomics(BaseModel):
    """Value of one person-year spent adopting a behaviour.

    Attributes:
        qaly_gain: QALYs gained per person-year adopting (a utility increment, -1..1).
        cost_avoided: health-care spending avoided per person-year adopting, GBP (source-year prices).
        source: where the two numbers come from (free text; "PLAUSIBLE" marks unsourced values).
    """

    model_config = ConfigDict(extra="forbid")

    qaly_gain: float = Field(0.0, ge=-1.0, le=1.0, allow_inf_nan=False)
    cost_avoided: float = Field(0.0, allow_inf_nan=False)
    source: str = ""


#: Defaults for the named behaviours (adopting = the healthy state). Sources in docs/economics.md.
DEFAULTS: dict[str, BehaviourEconomics] = {
    "activity": BehaviourEconomics(
        qaly_gain=0.03,
        cost_avoided=75.0,
        source=(
            "QALY derived: low end of +0.026..+0.072 EQ-5D for higher activity (Anokye et al., BMC Public Health "
            "2012;12:624; Maheswaran et al., JECH 2013). Cost derived: NHS UK GBP 0.9bn / 11.9m inactive adults "
            "(Scarborough et al., J Public Health 2011;33:527), 2006/07 prices."
        ),
    ),
    "diet": BehaviourEconomics(
        qaly_gain=0.005,
        cost_avoided=50.0,
        source=(
            "PLAUSIBLE: QALY 0..0.01 ('small', Maheswaran et al. 2013; no value published). Cost 0..155: upper end "
            "GBP 5.8bn diet-attributable NHS cost (Scarborough 2011) / about 37m UK adults not eating 5-a-day "
            "(72% of about 52m); most of it runs through obesity, so about a third is taken."
        ),
    ),
    "alcohol": BehaviourEconomics(
        qaly_gain=0.015,
        cost_avoided=300.0,
        source=(
            "QALY PLAUSIBLE: 0.01..0.02 for drinking within 14 units (high-risk drinkers who cut down gained "
            "0.04..0.06: Essex et al., Qual Life Res 2014). Cost derived: NHS UK GBP 3.3bn (Scarborough 2011) / "
            "over 10m increasing- or higher-risk drinkers in England (PHE alcohol evidence review 2016)."
        ),
    ),
    "smoking": BehaviourEconomics(
        qaly_gain=0.03,
        cost_avoided=380.0,
        source=(
            "QALY derived: average smoker vs never (Vogl et al., BMC Public Health 2012;12:203; Maheswaran 2013). "
            "Cost derived: NHS England GBP 1.9bn / about 5.0m adult smokers (ASH/Landman Economics 2024); add "
            "GBP 240 for social care (NHS+PSS perspective: 620)."
        ),
    ),
    "connection": BehaviourEconomics(
        qaly_gain=0.05,
        cost_avoided=885.0,
        source=(
            "QALY derived: between social isolation 0.04 and loneliness 0.07 EQ-5D (Koenig & Hajek, HQLO 2024). "
            "Cost sourced as an association, not a causal effect: lonely people's GP, outpatient and inpatient "
            "costs are about GBP 885 a year higher (Morrish, Spencer & Medina-Lara, PLoS One 2025;20:e0327671)."
        ),
    ),
}


class ReinvestSpec(BaseModel):
    """Reinvest to save: a share of realised savings, after a lag, funds more recruitment and campaigns.

    Attributes:
        share: share of each step's realised (undiscounted) savings put back into the programme, 0..1.
        lag_steps: steps between a saving being realised and the money being available (52 = a year).
        max_budget: cap on the total ever reinvested, GBP (none = no cap).
    """

    model_config = ConfigDict(extra="forbid")

    share: float = Field(0.0, ge=0.0, le=1.0)
    lag_steps: NonNegativeInt = 52
    max_budget: float | None = Field(None, ge=0.0, allow_inf_nan=False)


#: Named appraisal perspectives (NICE PMG36 reference case; HM Treasury Green Book).
PRESETS: dict[str, dict] = {
    "nice": {"discount_costs": 0.035, "discount_effects": 0.035, "qaly_value": 20_000.0},
    "nice_high": {"discount_costs": 0.035, "discount_effects": 0.035, "qaly_value": 30_000.0},
    "green_book": {"discount_costs": 0.035, "discount_effects": 0.015, "qaly_value": 70_000.0},
}


class EconomicsSpec(BaseModel):
    """How to value a run. Every field is editable; defaults follow the issue and UK guidance.

    Attributes:
        behaviours: per behaviour name, its ``BehaviourEconomics``; a name not given here falls back
            to ``DEFAULTS`` by name, and otherwise counts for nothing (zero QALYs, zero savings).
        discount_costs: annual discount rate for money (3.5%: Green Book STPR; NICE reference case).
        discount_effects: annual discount rate for QALYs (1.5%: Green Book health rate, as the issue
            asks; NICE uses 3.5%, or 1.5% for large sustained effects).
        weeks_per_step: length of one model step in weeks.
        qaly_value: GBP per QALY used to monetise health in the NPV and as the ICER threshold (20,000:
            NICE's lower threshold; 70,000 is the Green Book value, preset "green_book").
        reinvest: the reinvest-to-save settings.
    """

    model_config = ConfigDict(extra="forbid")

    behaviours: dict[str, BehaviourEconomics] = Field(default_factory=dict)
    discount_costs: Rate = 0.035
    discount_effects: Rate = 0.015
    weeks_per_step: float = Field(1.0, gt=0.0, allow_inf_nan=False)
    qaly_value: float = Field(20_000.0, ge=0.0, allow_inf_nan=False)
    reinvest: ReinvestSpec = Field(default_factory=ReinvestSpec)

    @classmethod
    def preset(cls, name: Literal["nice", "nice_high", "green_book"], **changes) -> EconomicsSpec:
        """A spec for a named perspective, e.g. ``EconomicsSpec.preset("green_book", weeks_per_step=4)``."""
        if name not in PRESETS:
            raise ValueError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}")
        return cls.model_validate({**PRESETS[name], **changes})

    def for_behaviour(self, name: str) -> BehaviourEconomics:
        """The values used for behaviour ``name``: given, else the default of that name, else zero."""
        if name in self.behaviours:
            return self.behaviours[name]
        return DEFAULTS.get(name, BehaviourEconomics(source="no default for this name: zero"))

    def per_step(self, names: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(QALYs, GBP avoided) per person per step adopting, one entry per behaviour name."""
        years = self.weeks_per_step / WEEKS_PER_YEAR
        values = [self.for_behaviour(nm) for nm in names]
        return (
            np.array([v.qaly_gain for v in values]) * years,
            np.array([v.cost_avoided for v in values]) * years,
        )


def _spec(spec) -> EconomicsSpec:
    if spec is None:
        return EconomicsSpec()
    return spec if isinstance(spec, EconomicsSpec) else EconomicsSpec.model_validate(spec)


class _DiscountArgs(BaseModel):
    steps: NonNegativeInt
    rate: Rate
    weeks_per_step: float = Field(gt=0.0, allow_inf_nan=False)


def discount_factors(steps: int, rate: float, weeks_per_step: float = 1.0) -> np.ndarray:
    """Discount factor of each row 0..steps: 1 / (1 + rate) ** (step x weeks_per_step / 52).

    Discrete annual discounting (Green Book A6; NICE PMG36) evaluated at the fractional number of years
    elapsed, so the factor falls smoothly within a year instead of in yearly jumps; with 52-week steps
    it is the textbook end-of-year factor 1 / (1 + r) ** t. Bad arguments raise a pydantic
    ValidationError naming the argument.
    """
    args = _DiscountArgs(steps=steps, rate=rate, weeks_per_step=weeks_per_step)
    steps, rate, weeks_per_step = args.steps, args.rate, args.weeks_per_step
    years = np.arange(steps + 1) * weeks_per_step / WEEKS_PER_YEAR
    return (1.0 + rate) ** -years


@dataclass(frozen=True)
class EconomicResult:
    """Discounted totals of a programme against doing nothing (GBP, QALYs).

    Attributes:
        qalys: incremental QALYs, discounted at ``discount_effects``.
        savings: health-care costs avoided, discounted at ``discount_costs``.
        cost: intervention spending, discounted at ``discount_costs``.
        net_cost: cost - savings (negative: the programme saves more than it costs).
        npv: qaly_value x qalys + savings - cost.
        icer: net_cost / qalys when qalys > 0, else NaN (read it with ``verdict``).
        verdict: "dominant" (more QALYs, saves money), "cost-effective" (ICER <= qaly_value),
            "not cost-effective", "dominated" (no more QALYs, costs more), "cost-saving, no QALY gain",
            or "no effect".
        cost_per_adopter: undiscounted cost / adopters gained at the end (summed over behaviours);
            NaN when no adopter was gained.
        roi: (savings - cost) / cost, discounted; NaN when nothing was spent.
        adopters_gained: final adopters minus baseline, per behaviour.
        undiscounted: the same sums before discounting (qalys, savings, cost).
        by_year: per-year table (year 1 = the first year).
        by_behaviour: discounted QALYs and savings per behaviour.
    """

    qalys: float
    savings: float
    cost: float
    net_cost: float
    npv: float
    icer: float
    verdict: str
    cost_per_adopter: float
    roi: float
    adopters_gained: dict[str, float]
    undiscounted: dict[str, float]
    by_year: pd.DataFrame = field(repr=False)
    by_behaviour: pd.DataFrame = field(repr=False)

    def summary(self) -> dict[str, float | str]:
        """The headline numbers as a flat dict (for tables and sweeps)."""
        return {
            "qalys": self.qalys,
            "savings": self.savings,
            "cost": self.cost,
            "net_cost": self.net_cost,
            "npv": self.npv,
            "icer": self.icer,
            "verdict": self.verdict,
            "cost_per_adopter": self.cost_per_adopter,
            "roi": self.roi,
        }


def _verdict(qalys: float, net_cost: float, threshold: float, eps: float = 1e-12) -> tuple[float, str]:
    if qalys > eps:
        icer = net_cost / qalys
        if net_cost < 0:
            return icer, "dominant"
        return icer, "cost-effective" if icer <= threshold else "not cost-effective"
    if net_cost > eps or (qalys < -eps and net_cost >= 0):
        return math.nan, "dominated"
    if net_cost < -eps:
        return math.nan, "cost-saving, no QALY gain"
    return math.nan, "no effect" if abs(qalys) <= eps else "dominated"


def evaluate(adopters, baseline_adopters, costs, spec=None, names=None) -> EconomicResult:
    """Discounted economics of a programme against a baseline.

    Args:
        adopters: (steps + 1, behaviours) adopter counts (people) with the programme.
        baseline_adopters: the same shape (or one row per behaviour, held constant) without it.
        costs: (steps + 1,) intervention spending per step, GBP (row 0: at the start); None = nothing.
        spec: an ``EconomicsSpec`` or a dict for one (None = defaults).
        names: behaviour names, one per column (values looked up by name).

    Raises:
        pydantic.ValidationError: an invalid spec (the message names the field).
        ValueError: arrays of the wrong shape, or a names list of the wrong length.
    """
    spec = _spec(spec)
    adopters = np.asarray(adopters, dtype=float)
    if adopters.ndim != 2:
        raise ValueError(f"adopters must be (steps + 1, behaviours), got shape {adopters.shape}")
    T1, B = adopters.shape
    baseline = (
        np.broadcast_to(np.asarray(baseline_adopters, dtype=float), adopters.shape)
        if baseline_adopters is not None
        else np.zeros_like(adopters)
    )
    names = [f"behaviour{b}" for b in range(B)] if names is None else list(names)
    if len(names) != B:
        raise ValueError(f"names has {len(names)} entries for {B} behaviour columns")
    costs = np.zeros(T1) if costs is None else np.asarray(costs, dtype=float)
    if costs.shape != (T1,):
        raise ValueError(f"costs must have shape ({T1},) like the adopters' rows, got {costs.shape}")
    if not (np.isfinite(adopters).all() and np.isfinite(baseline).all() and np.isfinite(costs).all()):
        raise ValueError("adopters, baseline and costs must be finite")

    gained = adopters - baseline
    gained[0] = 0.0  # row 0 is an instant, not a step of person-time
    q_step, s_step = spec.per_step(names)
    qalys = gained * q_step  # (T1, B)
    saved = gained * s_step
    d_eff = discount_factors(T1 - 1, spec.discount_effects, spec.weeks_per_step)
    d_cost = discount_factors(T1 - 1, spec.discount_costs, spec.weeks_per_step)

    years = np.floor(np.maximum(np.arange(T1) - 1, 0) * spec.weeks_per_step / WEEKS_PER_YEAR).astype(int) + 1
    rows = pd.DataFrame(
        {
            "year": years,
            "qalys": qalys.sum(axis=1),
            "savings": saved.sum(axis=1),
            "cost": costs,
            "qalys_discounted": qalys.sum(axis=1) * d_eff,
            "savings_discounted": saved.sum(axis=1) * d_cost,
            "cost_discounted": costs * d_cost,
        }
    )
    by_year = rows.groupby("year", as_index=False).sum()
    by_year["net_benefit_discounted"] = (
        spec.qaly_value * by_year["qalys_discounted"] + by_year["savings_discounted"] - by_year["cost_discounted"]
    )
    by_behaviour = pd.DataFrame(
        {
            "behaviour": names,
            "qalys": (qalys * d_eff[:, None]).sum(axis=0),
            "savings": (saved * d_cost[:, None]).sum(axis=0),
        }
    )

    Q = float(rows["qalys_discounted"].sum())
    S = float(rows["savings_discounted"].sum())
    C = float(rows["cost_discounted"].sum())
    icer, verdict = _verdict(Q, C - S, spec.qaly_value)
    final_gain = adopters[-1] - baseline[-1]
    total_gain = float(final_gain.sum())
    spent = float(costs.sum())
    return EconomicResult(
        qalys=Q,
        savings=S,
        cost=C,
        net_cost=C - S,
        npv=spec.qaly_value * Q + S - C,
        icer=icer,
        verdict=verdict,
        cost_per_adopter=spent / total_gain if total_gain > 0 else math.nan,
        roi=(S - C) / C if C > 0 else math.nan,
        adopters_gained=dict(zip(names, final_gain.tolist(), strict=True)),
        undiscounted={"qalys": float(qalys.sum()), "savings": float(saved.sum()), "cost": spent},
        by_year=by_year,
        by_behaviour=by_behaviour,
    )


def _counts(result, names: list[str], horizon: int) -> np.ndarray:
    """Adopter counts of a Result for ``names``, padded to ``horizon`` steps by holding the last row."""
    n = result.group_sizes["all"]
    index = [list(result.behaviours).index(nm) for nm in names]
    counts = np.rint(result.history[:, index, 0] * n)
    if len(counts) < horizon + 1:  # the run stopped at a steady state: the state holds from then on
        counts = np.vstack([counts, np.repeat(counts[-1:], horizon + 1 - len(counts), axis=0)])
    return counts


def _result_costs(result, horizon: int) -> np.ndarray:
    """Spending per step of a Result: ``result.costs`` if present, else the seeding cost at step 0."""
    out = np.zeros(horizon + 1)
    costs = getattr(result, "costs", None)
    if costs is not None:
        costs = np.asarray(costs, dtype=float)
        out[: len(costs)] = costs[: horizon + 1]
    else:
        out[0] = float(getattr(result, "cost", 0.0) or 0.0)
    return out


def from_result(result, baseline_result=None, spec=None) -> EconomicResult:
    """``evaluate`` on ``model.simulate`` results: the programme run against a baseline run.

    Counts are ``history[:, b, "all"] x group_sizes["all"]``. Both runs are taken to the longer of
    their scenarios' ``steps`` (a run that stopped early at a steady state holds its last state).
    With no baseline run, the baseline is the behaviours' ``initial`` adopters held constant (no
    programme, no spread). Spending is ``result.costs`` (per step, GBP) when the result has it, else
    ``result.cost`` at step 0: give the seeding ``cost`` in GBP for the totals to mean money. The step
    length is the scenario's ``weeks_per_step`` unless ``spec`` sets it.
    """
    spec = _spec(spec)
    step_weeks = getattr(result.scenario, "weeks_per_step", None)
    if step_weeks is not None and "weeks_per_step" not in spec.model_fields_set:
        spec = spec.model_copy(update={"weeks_per_step": float(step_weeks)})
    names = list(result.behaviours)
    horizon = max(result.scenario.steps, result.history.shape[0] - 1)
    if baseline_result is not None:
        missing = [nm for nm in names if nm not in baseline_result.behaviours]
        if missing:
            raise ValueError(f"baseline run has no behaviour {missing[0]!r}")
        horizon = max(horizon, baseline_result.scenario.steps, baseline_result.history.shape[0] - 1)
        baseline = _counts(baseline_result, names, horizon)
    else:
        n = result.group_sizes["all"]
        initial = {b.name: b.initial_share * n for b in result.scenario.behaviours}
        if getattr(result, "initial_adopters", None) is not None:  # observed starting states counted as run
            initial = dict(zip(result.behaviours, result.initial_adopters.tolist(), strict=True))
        baseline = np.array([round(initial.get(nm, 0.0)) for nm in names], dtype=float)
    return evaluate(_counts(result, names, horizon), baseline, _result_costs(result, horizon), spec, names)


def savings_in_step(adopters_now_counts, baseline_counts, spec=None, names=None) -> float:
    """Realised (undiscounted) health-care savings in one step, GBP, for the reinvest-to-save loop.

    ``sum_b (adopters_now[b] - baseline[b]) x cost_avoided[b] x weeks_per_step / 52``. ``baseline_counts``
    may be None (zero), a number, or one count per behaviour.
    """
    spec = _spec(spec)
    now = np.atleast_1d(np.asarray(adopters_now_counts, dtype=float))
    base = (
        np.zeros_like(now)
        if baseline_counts is None
        else np.broadcast_to(np.asarray(baseline_counts, dtype=float), now.shape)
    )
    names = [f"behaviour{b}" for b in range(len(now))] if names is None else list(names)
    if len(names) != len(now):
        raise ValueError(f"names has {len(names)} entries for {len(now)} behaviours")
    _, s_step = spec.per_step(names)
    return float(((now - base) * s_step).sum())


class ReinvestLedger:
    """Books realised savings each step and releases ``share`` of them ``lag_steps`` later.

    Use from the model loop: ``released = ledger.step(savings_in_step(...))`` once per step gives the
    budget available for recruitment and campaigns this step. Losses (negative savings) release
    nothing; the total released never exceeds ``max_budget``.
    """

    def __init__(self, spec=None):
        self.spec = _spec(spec).reinvest
        self.booked: list[float] = []
        self.released_total = 0.0

    def step(self, savings: float) -> float:
        """Book this step's savings; return the money released this step."""
        self.booked.append(float(savings))
        source = len(self.booked) - 1 - self.spec.lag_steps
        if source < 0 or self.spec.share == 0.0:
            return 0.0
        amount = self.spec.share * max(self.booked[source], 0.0)
        if self.spec.max_budget is not None:
            amount = min(amount, self.spec.max_budget - self.released_total)
        self.released_total += amount
        return amount
