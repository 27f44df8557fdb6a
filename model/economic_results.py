"""What valuing a programme against doing nothing returns, and where it falls on the cost-effectiveness plane.

``EconomicResult`` holds one pair of runs' discounted totals (``model.economics.evaluate`` makes it);
``quadrant`` and ``decide`` name the quadrant of the plane (Black 1990) and the decision at a
willingness to pay, so that no table ever shows a misleading negative ICER: a ratio is given only in
the two trade-off quadrants (NE: more QALYs at a cost; SW: savings for QALYs lost).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

__all__ = ["EconomicResult", "quadrant", "decide"]


@dataclass(frozen=True)
class EconomicResult:
    """Discounted totals of a programme against doing nothing (money in the spec's currency, QALYs).

    Attributes:
        qalys: incremental QALYs, discounted at ``discount_effects``.
        savings: health-care costs avoided, discounted at ``discount_costs``.
        cost: programme spending, discounted at ``discount_costs``.
        net_cost: the incremental cost: ``cost - savings``.
        net_monetary_benefit: ``qaly_value x qalys - net_cost`` (Stinnett & Mullahy 1998); ``npv`` is its old name.
        net_health_benefit: ``qalys - net_cost / qaly_value`` (QALYs).
        icer: ``net_cost / qalys`` in the trade-off quadrants only (NE: more QALYs at a cost; SW: savings
            for QALYs lost); NaN when dominant, dominated or no change (never a misleading negative ratio).
        quadrant: where (qalys, net_cost) falls on the cost-effectiveness plane (``quadrant``).
        verdict: the decision at ``qaly_value``.
        cost_per_adopter: undiscounted spending / people reached (people in a healthy state at the end,
            beyond doing nothing; each person counts once whatever the number of behaviours); NaN when
            unknown or none.
        roi: (savings - cost) / cost, discounted; NaN when nothing was spent.
        people_reached: people in a healthy state at the end beyond doing nothing (NaN when unknown).
        adopters_gained: final adopters minus baseline, per behaviour.
        undiscounted: the same sums before discounting (qalys, savings, cost).
        associational: discounted QALYs and savings of values left out of the headline (associational).
        by_year: per-year table (year 1 = the first year).
        by_behaviour: discounted QALYs and savings per behaviour (``counted`` says if in the headline).
        notes: what the reader should know (behaviours not valued, no age bands).
    """

    qalys: float
    savings: float
    cost: float
    net_cost: float
    net_monetary_benefit: float
    net_health_benefit: float
    icer: float
    quadrant: str
    verdict: str
    cost_per_adopter: float
    roi: float
    adopters_gained: dict[str, float]
    undiscounted: dict[str, float]
    associational: dict[str, float]
    by_year: pd.DataFrame = field(repr=False)
    by_behaviour: pd.DataFrame = field(repr=False)
    notes: tuple[str, ...] = ()
    people_reached: float = math.nan

    @property
    def npv(self) -> float:
        """Old name of ``net_monetary_benefit`` (it is a net monetary benefit, not a net present value)."""
        return self.net_monetary_benefit

    def summary(self) -> dict[str, float | str]:
        """The headline numbers as a flat dict (for tables and sweeps)."""
        return {
            "qalys": self.qalys,
            "savings": self.savings,
            "cost": self.cost,
            "net_cost": self.net_cost,
            "net_monetary_benefit": self.net_monetary_benefit,
            "net_health_benefit": self.net_health_benefit,
            "icer": self.icer,
            "quadrant": self.quadrant,
            "verdict": self.verdict,
            "cost_per_adopter": self.cost_per_adopter,
            "roi": self.roi,
        }


def quadrant(qalys: float, net_cost: float, eps: float = 1e-12) -> str:
    """The quadrant of the cost-effectiveness plane (Black 1990): QALYs east, incremental cost north.

    ``"dominant"`` (more QALYs, saves money: SE), ``"dominated"`` (no more QALYs at a cost: NW),
    ``"NE trade-off"`` (more QALYs at a cost), ``"SW trade-off"`` (saves money, loses QALYs),
    ``"no change"``.

    Examples
    --------
    >>> quadrant(1.0, 500.0), quadrant(1.0, -5.0), quadrant(-1.0, 5.0), quadrant(-1.0, -5.0)
    ('NE trade-off', 'dominant', 'dominated', 'SW trade-off')
    """
    if qalys > eps:
        return "dominant" if net_cost <= eps else "NE trade-off"
    if qalys < -eps:
        return "SW trade-off" if net_cost < -eps else "dominated"
    if net_cost > eps:
        return "dominated"
    return "cost-saving, no QALY change" if net_cost < -eps else "no change"


def decide(qalys: float, net_cost: float, threshold: float) -> tuple[float, str, str]:
    """(ICER or NaN, quadrant, verdict at ``threshold`` per QALY)."""
    where = quadrant(qalys, net_cost)
    if where == "NE trade-off":
        icer = net_cost / qalys
        return icer, where, "cost-effective" if icer <= threshold else "not cost-effective"
    if where == "SW trade-off":  # saves net_cost per QALY lost: worth it when the saving exceeds the threshold
        icer = net_cost / qalys
        return icer, where, "cost-effective" if icer > threshold else "not cost-effective"
    verdict = {"dominant": "dominant", "dominated": "dominated", "no change": "no effect"}.get(where, "cost-saving")
    return math.nan, where, verdict
