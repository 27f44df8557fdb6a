"""Health economics of a run: QALYs gained, health-care costs avoided, what the programme cost.

What: per person-year a person spends in a behaviour's *healthy state* (declared by the behaviour's
``healthy_state``, never read from its name) they gain ``qaly_gain`` QALYs and avoid ``cost_avoided``
of NHS spending, at the values of their age band, if they are eligible. ``evaluate`` sets a
programme's counts against a baseline (doing nothing with the same seed), discounts QALYs and money
separately, and returns the incremental cost (programme spending net of costs avoided), incremental
QALYs, net monetary and net health benefit at a willingness to pay, the ICER with its quadrant, cost
per person reached and a per-year table. ``savings_in_step``, ``person_values`` and ``ReinvestLedger``
serve the reinvest-to-save loop. Estimators over replicates (ratio of means, bootstrap, CEAC) live in
``experiments.cea``.

Why these conventions: UK appraisal practice (HM Treasury Green Book; NICE methods, PMG36) values
costs and health effects over time with separate discount rates (3.5% costs, 1.5% health by default,
both settable); net monetary benefit (Stinnett & Mullahy 1998) is ``lambda x QALYs - incremental cost``.
Values whose evidence is associational are left out of the headline unless asked for, and reported
apart. Sources: docs/economics.md and ``model.economic_values``.

Time convention: a step lasts ``weeks_per_step`` weeks (52 weeks = one year). Row t of a history is
the state at the end of step t; rows 1..T each stand for ``weeks_per_step / 52`` person-years of
whatever was adopted then, and row 0 (the state right after seeding) for none. Money spent in row t
(row 0: recruiting at the start) and effects of row t are discounted by 1 / (1 + r) ** (t x
weeks_per_step / 52): annual discounting applied at fractional years (see ``discount_factors``).
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, NonNegativeInt, model_validator

from .economic_results import EconomicResult, decide, quadrant
from .economic_values import AGE_BANDS, VALUES, BandValues, BehaviourEconomics, Eligibility
from .valuation import _class_values, _parse_class, person_classes, person_values

__all__ = [
    "AGE_BANDS",
    "BandValues",
    "BehaviourEconomics",
    "CLASS_ATTRIBUTE",
    "DEFAULTS",
    "Eligibility",
    "PRESETS",
    "ReinvestSpec",
    "EconomicsSpec",
    "EconomicResult",
    "ReinvestLedger",
    "VALUES",
    "discount_factors",
    "evaluate",
    "from_result",
    "person_classes",
    "person_values",
    "quadrant",
    "savings_in_step",
]

WEEKS_PER_YEAR = 52.0
Rate = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
#: node attribute ``experiments.programme`` adds so that histories count people per valuation class
CLASS_ATTRIBUTE = "economics_class"
#: the old name of the library (it is keyed by healthy state, not by behaviour name)
DEFAULTS = VALUES
PSA_STREAM = 0x50_5341  # "PSA": the stream of per-replicate value draws, beside the replicate's seed

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
    """How to value a run. Every field is editable; defaults follow UK guidance (docs/economics.md).

    Attributes:
        behaviours: per behaviour name, how it is valued (``BehaviourEconomics``: ``values`` names a
            state of ``VALUES``; ``healthy_state`` is required). A behaviour not listed counts for nothing.
        discount_costs: annual discount rate for money (3.5%: Green Book STPR; NICE reference case).
        discount_effects: annual discount rate for QALYs (1.5%: Green Book health rate; NICE 3.5%).
        weeks_per_step: length of one model step in weeks.
        qaly_value: willingness to pay per QALY for the verdict (20,000: NICE's lower threshold).
        thresholds: willingness-to-pay values at which net monetary and net health benefit are reported
            (NICE's 20,000 and 30,000).
        include_associational: count values whose evidence is associational in the headline (default no:
            they are reported apart).
        probabilistic: draw the values per replicate from their distributions (probabilistic sensitivity
            analysis: beta for QALYs, gamma for costs, from the replicate's seed).
        currency, price_year: what the money is in (reported with every table).
        reinvest: the reinvest-to-save settings.
    """

    model_config = ConfigDict(extra="forbid")

    behaviours: dict[str, BehaviourEconomics] = Field(default_factory=dict)
    discount_costs: Rate = 0.035
    discount_effects: Rate = 0.015
    weeks_per_step: float = Field(1.0, gt=0.0, allow_inf_nan=False)
    qaly_value: float = Field(20_000.0, ge=0.0, allow_inf_nan=False)
    thresholds: list[Annotated[float, Field(gt=0.0, allow_inf_nan=False)]] = Field(
        default_factory=lambda: [20_000.0, 30_000.0], min_length=1
    )
    include_associational: bool = False
    probabilistic: bool = False
    currency: str = "GBP"
    price_year: str = "source-year prices, 2006/07 to 2024, not inflated"
    reinvest: ReinvestSpec = Field(default_factory=ReinvestSpec)

    @model_validator(mode="after")
    def _explicit_states(self):
        for name, value in self.behaviours.items():
            try:
                resolved = value.resolved()
            except ValueError as exc:
                raise ValueError(f"behaviours.{name}: {exc}") from None
            if resolved.healthy_state is None:
                raise ValueError(
                    f"behaviours.{name}: say which state is healthy: healthy_state = 'adopting' or 'not_adopting'"
                )
        return self

    @classmethod
    def preset(cls, name: Literal["nice", "nice_high", "green_book"], **changes) -> EconomicsSpec:
        """A spec for a named perspective, e.g. ``EconomicsSpec.preset("green_book", weeks_per_step=4)``."""
        if name not in PRESETS:
            raise ValueError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}")
        return cls.model_validate({**PRESETS[name], **changes})

    def for_behaviour(self, name: str) -> BehaviourEconomics | None:
        """The values of behaviour ``name`` (library figures filled in), or None: not valued."""
        value = self.behaviours.get(name)
        return None if value is None else value.resolved()

    def counted(self, value: BehaviourEconomics | None) -> bool:
        """Does this behaviour's value enter the headline?"""
        return value is not None and (self.include_associational or value.evidence != "associational")

    def draw(self, seed: int) -> EconomicsSpec:
        """The spec with every value drawn once from its distribution (PSA), keyed by ``seed``.

        QALY gains are beta-distributed and costs gamma-distributed with the given mean and sd (method
        of moments; Briggs, Claxton & Sculpher 2006, ch. 4); a draw scales the behaviour's age-band
        values by the same factor. Without ``probabilistic`` (or with all sds 0) the spec itself.
        """
        if not self.probabilistic:
            return self
        rng = np.random.default_rng([int(seed), PSA_STREAM])
        drawn = {}
        for name in sorted(self.behaviours):
            v = self.behaviours[name].resolved()
            fq = _factor(rng, "beta", v.qaly_gain or 0.0, v.qaly_gain_sd or 0.0)
            fc = _factor(rng, "gamma", v.cost_avoided or 0.0, v.cost_avoided_sd or 0.0)
            bands = {b: BandValues(qaly_gain=bv.qaly_gain * fq, cost_avoided=bv.cost_avoided * fc) for b, bv in v.by_age_band.items()}
            drawn[name] = v.model_copy(
                update={"qaly_gain": (v.qaly_gain or 0.0) * fq, "cost_avoided": (v.cost_avoided or 0.0) * fc, "by_age_band": bands}
            )
        return self.model_copy(update={"behaviours": drawn, "probabilistic": False})

    def metadata(self, horizon_years: float) -> dict[str, str]:
        """What a table of these values must say: horizon, discounting, currency, price year."""
        return {
            "horizon_years": f"{horizon_years:g}",
            "discount_costs": f"{self.discount_costs:g}",
            "discount_effects": f"{self.discount_effects:g}",
            "currency": self.currency,
            "price_year": self.price_year,
            "thresholds": ",".join(f"{t:g}" for t in self.thresholds),
            "include_associational": str(self.include_associational).lower(),
            "probabilistic": str(self.probabilistic).lower(),
        }


def _factor(rng: np.random.Generator, dist: str, mean: float, sd: float) -> float:
    """A draw divided by its mean: beta (mean in (0, 1)) or gamma (mean > 0), by the method of moments."""
    if sd <= 0 or mean == 0:
        return 1.0
    if dist == "beta" and 0 < abs(mean) < 1:
        m = abs(mean)
        common = m * (1 - m) / sd**2 - 1
        if common <= 0:
            raise ValueError(f"a QALY value of {mean:g} cannot have sd {sd:g} (beta needs sd^2 < m(1 - m))")
        return float(rng.beta(m * common, (1 - m) * common)) / m
    m = abs(mean)
    return float(rng.gamma((m / sd) ** 2, sd**2 / m)) / m


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


def evaluate(adopters, baseline_adopters, costs, spec=None, names=None, classes=None, people_gained=None) -> EconomicResult:
    """Discounted economics of a programme against a baseline.

    Args:
        adopters: adopter counts (people) with the programme, (steps + 1, behaviours) or, per valuation
            class, (steps + 1, behaviours, classes).
        baseline_adopters: the same shape (or one row, held constant) without it.
        costs: (steps + 1,) programme spending per step (row 0: at the start); None = nothing.
        spec: an ``EconomicsSpec`` or a dict for one (None = defaults: nothing valued).
        names: behaviour names, one per column (values looked up in ``spec.behaviours``).
        classes: one label per class column (``person_classes`` labels, or (band, eligible) pairs);
            default one class of eligible people with no known age band.
        people_gained: people in a healthy state at the end beyond the baseline, for cost per adopter
            (with one behaviour and none given: its final gain).

    Raises:
        pydantic.ValidationError: an invalid spec (the message names the field).
        ValueError: arrays of the wrong shape, or a names list of the wrong length.
    """
    spec = _spec(spec)
    adopters = np.asarray(adopters, dtype=float)
    if adopters.ndim == 2:
        adopters = adopters[:, :, None]
    if adopters.ndim != 3:
        raise ValueError(f"adopters must be (steps + 1, behaviours[, classes]), got shape {adopters.shape}")
    T1, B, C = adopters.shape
    base = np.asarray(baseline_adopters if baseline_adopters is not None else 0.0, dtype=float)
    if base.ndim == 2 and C == 1 and base.shape[-1] == B:
        base = base[..., None]
    elif base.ndim == 1 and base.shape == (B,):
        base = base[:, None]
    baseline = np.broadcast_to(base, adopters.shape)
    names = [f"behaviour{b}" for b in range(B)] if names is None else list(names)
    if len(names) != B:
        raise ValueError(f"names has {len(names)} entries for {B} behaviour columns")
    if classes is None:
        classes = [(None, (True,) * B)] * C
    classes = [_parse_class(c) if isinstance(c, str) else (c[0], tuple(c[1])) for c in classes]
    if len(classes) != C:
        raise ValueError(f"classes has {len(classes)} entries for {C} class columns")
    costs = np.zeros(T1) if costs is None else np.asarray(costs, dtype=float)
    if costs.shape != (T1,):
        raise ValueError(f"costs must have shape ({T1},) like the adopters' rows, got {costs.shape}")
    if not (np.isfinite(adopters).all() and np.isfinite(baseline).all() and np.isfinite(costs).all()):
        raise ValueError("adopters, baseline and costs must be finite")

    gained = adopters - baseline
    gained[0] = 0.0  # row 0 is an instant, not a step of person-time
    years_per_step = spec.weeks_per_step / WEEKS_PER_YEAR
    q, s, qa, sa = _class_values(spec, names, classes)
    qalys = (gained * q).sum(axis=2) * years_per_step  # (T1, B)
    saved = (gained * s).sum(axis=2) * years_per_step
    d_eff = discount_factors(T1 - 1, spec.discount_effects, spec.weeks_per_step)
    d_cost = discount_factors(T1 - 1, spec.discount_costs, spec.weeks_per_step)
    assoc_q = float(((gained * qa).sum(axis=2) * years_per_step).sum(axis=1) @ d_eff)
    assoc_s = float(((gained * sa).sum(axis=2) * years_per_step).sum(axis=1) @ d_cost)

    years = np.floor(np.maximum(np.arange(T1) - 1, 0) * years_per_step).astype(int) + 1
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
    values = [spec.for_behaviour(nm) for nm in names]
    by_behaviour = pd.DataFrame(
        {
            "behaviour": names,
            "qalys": (qalys * d_eff[:, None]).sum(axis=0) + ((gained * qa).sum(axis=2) * years_per_step * d_eff[:, None]).sum(axis=0),
            "savings": (saved * d_cost[:, None]).sum(axis=0) + ((gained * sa).sum(axis=2) * years_per_step * d_cost[:, None]).sum(axis=0),
            "counted": [spec.counted(v) for v in values],
            "evidence": [None if v is None else v.evidence for v in values],
        }
    )
    notes = [f"behaviour {nm!r} is not valued (no [economics.behaviours.{nm}])" for nm, v in zip(names, values, strict=True) if v is None]
    if any(band is None for band, _ in classes) and any(v is not None for v in values):
        notes.append("people carry no age band: everyone is valued at adult values")

    Q = float(rows["qalys_discounted"].sum())
    S = float(rows["savings_discounted"].sum())
    Cst = float(rows["cost_discounted"].sum())
    icer, where, verdict = decide(Q, Cst - S, spec.qaly_value)
    final_gain = gained[-1].sum(axis=1) if T1 > 1 else np.zeros(B)
    if people_gained is None and B == 1:
        people_gained = float(final_gain[0]) * (1.0 if values[0] is None or values[0].healthy_state == "adopting" else -1.0)
    spent = float(costs.sum())
    reached = float(people_gained) if people_gained is not None else math.nan
    return EconomicResult(
        qalys=Q,
        savings=S,
        cost=Cst,
        net_cost=Cst - S,
        net_monetary_benefit=spec.qaly_value * Q - (Cst - S),
        net_health_benefit=Q - (Cst - S) / spec.qaly_value if spec.qaly_value > 0 else math.nan,
        icer=icer,
        quadrant=where,
        verdict=verdict,
        cost_per_adopter=spent / reached if reached > 0 else math.nan,
        roi=(S - Cst) / Cst if Cst > 0 else math.nan,
        adopters_gained=dict(zip(names, final_gain.tolist(), strict=True)),
        undiscounted={"qalys": float(qalys.sum()), "savings": float(saved.sum()), "cost": spent},
        associational={"qalys": assoc_q, "savings": assoc_s},
        by_year=by_year,
        by_behaviour=by_behaviour,
        notes=tuple(notes),
        people_reached=reached,
    )


def _class_columns(result) -> tuple[list[int], list[str] | None]:
    """History columns that partition people into valuation classes, and their class labels."""
    prefix = f"{CLASS_ATTRIBUTE}="
    cols = [g for g, label in enumerate(result.groups) if label.startswith(prefix)]
    if cols:
        return cols, [result.groups[g][len(prefix):] for g in cols]
    cols = [g for g, label in enumerate(result.groups) if label.startswith("age_band=")]
    if cols:
        return cols, [result.groups[g][len("age_band="):] for g in cols]
    return [0], None


def _counts(result, names: list[str], horizon: int, cols: list[int]) -> np.ndarray:
    """(horizon + 1, behaviours, classes) adopter counts, padded by holding the last row."""
    sizes = np.array([result.group_sizes[result.groups[g]] for g in cols], dtype=float)
    index = [list(result.behaviours).index(nm) for nm in names]
    counts = np.rint(result.history[:, index][:, :, cols] * sizes)
    if len(counts) < horizon + 1:  # the run stopped at a steady state: the state holds from then on
        counts = np.concatenate([counts, np.repeat(counts[-1:], horizon + 1 - len(counts), axis=0)])
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

    Counts come from the history per valuation class: the ``economics_class`` groups that
    ``experiments.programme`` adds (age band x eligibility), else the ``age_band`` groups (eligibility
    by age band only), else everyone (no age bands: valued at adult values, and the notes say so).
    Both runs are taken to the longer of their scenarios' ``steps`` (a run that stopped early at a
    steady state holds its last state). With no baseline run, the baseline is the starting state held
    constant (no programme, no spread). Spending is ``result.costs`` (per step) when present, else
    ``result.cost`` at step 0. The step length is the scenario's ``weeks_per_step`` unless ``spec`` sets it.
    """
    spec = _spec(spec)
    step_weeks = getattr(result.scenario, "weeks_per_step", None)
    if step_weeks is not None and "weeks_per_step" not in spec.model_fields_set:
        spec = spec.model_copy(update={"weeks_per_step": float(step_weeks)})
    names = list(result.behaviours)
    cols, labels = _class_columns(result)
    if labels is None:
        classes = [(None, (True,) * len(names))]
    elif "|" in labels[0]:
        classes = [_parse_class(c) for c in labels]
    else:  # age_band groups: eligibility by age band only
        classes = []
        for band in labels:
            flags = []
            for nm in names:
                value = spec.for_behaviour(nm)
                el = None if value is None else value.eligible
                if el is not None and el.attribute != "age_band":
                    raise ValueError(
                        f"economics.behaviours.{nm}.eligible: eligibility by {el.attribute!r} needs the "
                        f"{CLASS_ATTRIBUTE!r} groups that experiments.programme.appraise adds"
                    )
                flags.append(el is None or band in {str(v) for v in el.values})
            classes.append((band, tuple(flags)))
    horizon = max(result.scenario.steps, result.history.shape[0] - 1)
    if baseline_result is not None:
        missing = [nm for nm in names if nm not in baseline_result.behaviours]
        if missing:
            raise ValueError(f"baseline run has no behaviour {missing[0]!r}")
        if list(baseline_result.groups) != list(result.groups):
            raise ValueError("the baseline run reports other groups than the programme run")
        horizon = max(horizon, baseline_result.scenario.steps, baseline_result.history.shape[0] - 1)
        baseline = _counts(baseline_result, names, horizon, cols)
    elif len(cols) == 1 and getattr(result, "initial_adopters", None) is not None:  # the starting state held
        initial = dict(zip(result.behaviours, np.asarray(result.initial_adopters, dtype=float).tolist(), strict=True))
        baseline = np.array([[initial.get(nm, 0.0)] for nm in names])[None]
    else:  # the random initial share of every class held constant
        sizes = np.array([result.group_sizes[result.groups[g]] for g in cols], dtype=float)
        shares = {}
        for b in result.scenario.behaviours:
            if getattr(b, "observed_initial", False):
                raise ValueError(f"behaviour {b.name!r} starts from observed data: give the doing-nothing run as baseline_result")
            shares[b.name] = float(getattr(b, "initial_share", b.initial))
        baseline = np.rint(np.array([shares.get(nm, 0.0) for nm in names])[:, None] * sizes[None, :])[None]
    people = None
    reach, base_reach = getattr(result, "people_adopting", None), getattr(baseline_result, "people_adopting", None)
    if reach is not None and (baseline_result is None or base_reach is not None):
        healthy = [spec.for_behaviour(nm) for nm in names]
        if all(v is None or v.healthy_state == "adopting" for v in healthy):
            people = float(reach - (base_reach if baseline_result is not None else getattr(result, "people_adopting_at_start", reach)))
    return evaluate(
        _counts(result, names, horizon, cols), baseline, _result_costs(result, horizon), spec, names, classes, people
    )


def savings_in_step(adopters_now_counts, baseline_counts, spec=None, names=None) -> float:
    """Realised (undiscounted) health-care savings in one step, for the reinvest-to-save loop.

    ``sum_b (adopters_now[b] - baseline[b]) x cost_avoided[b] x weeks_per_step / 52`` at adult values
    (sign by ``healthy_state``; behaviours with no values, or associational ones left out, count
    nothing). ``baseline_counts`` may be None (zero), a number, or one count per behaviour.
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
    _, s, _, _ = _class_values(spec, names, [(None, (True,) * len(names))])
    return float(((now - base) * s[:, 0]).sum() * spec.weeks_per_step / WEEKS_PER_YEAR)


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
