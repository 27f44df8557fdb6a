"""Rich tables for the terminal: final adoption, economics, inequality (one place for formatting)."""

from __future__ import annotations

import math

import pandas as pd
from rich.table import Table

from .intervals import NO_INTERVAL, Interval, format_interval

LABELS = {
    "programme_cost": "programme cost",
    "costs_avoided": "health-care costs avoided",
    "incremental_cost": "incremental cost (programme - avoided)",
    "incremental_qalys": "incremental QALYs",
    "icer": "ICER, cost per QALY (ratio of means)",
    "cost_per_person_reached": "cost per person reached (undiscounted)",
    "associational_qalys": "QALYs, associational values (not counted)",
    "associational_costs_avoided": "costs avoided, associational (not counted)",
}
#: metrics that scale with the population (per person, per 100,000); ratios do not
UNSCALED = {"icer", "cost_per_person_reached"}


def _label(metric: str, currency: str) -> str:
    if metric.startswith("net_monetary_benefit@"):
        return f"net monetary benefit at {currency} {float(metric.split('@')[1]):,.0f}/QALY"
    if metric.startswith("net_health_benefit@"):
        return f"net health benefit (QALYs) at {currency} {float(metric.split('@')[1]):,.0f}/QALY"
    label = LABELS.get(metric, metric)
    return label if "QALY" in label and "cost" not in label else f"{label}, {currency}"


def number(x, digits: int = 3) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.{digits}f}"


def finals_table(summary: pd.DataFrame, title: str) -> Table:
    """Final adoption per behaviour and group; one replicate gets no interval, and says so."""
    table = Table(title=title)
    for col in ("behaviour", "group", "mean", "95% interval"):
        table.add_column(col, justify="left" if col == "behaviour" else "right")
    for row in summary.itertuples():
        iv = Interval(row.mean, row.ci_low, row.ci_high, int(row.runs))
        table.add_row(row.behaviour, row.group, f"{row.mean:.3f}", format_interval(iv, with_mean=False))
    return table


def economics_caption(meta: dict, replicates: int) -> str:
    """What every economics table must say: horizon, discounting, currency, price year, scaling, intervals."""
    horizon = float(meta.get("horizon_years", "nan"))
    lines = [
        f"horizon {horizon:g} years; discounted {float(meta['discount_costs']):.1%} a year for costs, "
        f"{float(meta['discount_effects']):.1%} for QALYs; {meta['currency']}, {meta['price_year']}",
        f"against doing nothing with the same seeds; per person = total / {int(float(meta['population'])):,} residents; "
        "per 100,000 = per person x 100,000",
    ]
    if replicates < 2:
        lines.append(f"{NO_INTERVAL}: run with --replicates 30 or more for intervals")
    else:
        lines.append(f"95% intervals: paired bootstrap over {replicates} replicates (percentile)")
    if meta.get("probabilistic") == "true":
        lines.append("values drawn per replicate (probabilistic sensitivity analysis)")
    return "\n".join(lines)


def economics_table(economics: pd.DataFrame, title: str) -> Table:
    """The headline economics table (computed from the per-replicate table by ``experiments.cea``)."""
    meta = economics.attrs.get("metadata", {})
    currency = meta.get("currency", "GBP")
    replicates = int(economics.attrs.get("replicates", 1))
    population = economics.attrs.get("population")
    table = Table(title=title)
    columns = ["against doing nothing", "total (mean)"]
    if replicates >= 2:
        columns.append("95% interval")
    columns += ["per person", "per 100,000"] if population else []
    for col in columns:
        table.add_column(col, justify="left" if col.startswith("against") else "right")
    for row in economics.to_dict(orient="records"):
        metric = row["metric"]
        if metric == "icer" and row["mean"] != row["mean"]:  # NaN: say the quadrant instead of a ratio
            cells = [_label(metric, currency), row["note"]]
        else:
            cells = [_label(metric, currency), number(row["mean"])]
        if replicates >= 2:
            cells.append("-" if row["ci_low"] != row["ci_low"] else f"{number(row['ci_low'])} - {number(row['ci_high'])}")
        if population:
            scaled = metric not in UNSCALED
            cells += [number(row["mean"] / population, 4) if scaled else "", number(row["mean"] / population * 1e5) if scaled else ""]
        table.add_row(*cells)
    caption = [economics_caption(meta, replicates)] if meta else []
    icer_note = economics.set_index("metric")["note"].get("icer", "")
    if icer_note:
        caption.append(f"quadrant of the mean: {icer_note}")
    quadrants = economics.attrs.get("quadrants")
    if quadrants and replicates >= 2:
        caption.append("replicates by quadrant: " + ", ".join(f"{k} {v}" for k, v in quadrants.items()))
    caption += economics.attrs.get("notes", [])
    table.caption = "\n".join(caption)
    return table


def inequality_table(inequality: pd.DataFrame, title: str) -> Table:
    table = Table(title=title)
    quintiles = [c for c in inequality.columns if c.startswith("Q")]
    for col in ["behaviour", "arm", *quintiles, "SII", "gap Q5-Q1"]:
        table.add_column(col, justify="left" if col in ("behaviour", "arm") else "right")
    for row in inequality.to_dict(orient="records"):
        table.add_row(row["behaviour"], row["arm"], *[number(row[q]) for q in quintiles], number(row["sii"]), number(row["gap"]))
    table.caption = "final prevalence by deprivation quintile (1 = most deprived); SII > 0: commoner among the better off"
    return table


def tipping_table(tipping: pd.DataFrame, title: str) -> Table:
    table = Table(title=title)
    for col in ("behaviour", "runs that tipped", "mean tipping round"):
        table.add_column(col, justify="left" if col == "behaviour" else "right")
    for row in tipping.itertuples():
        table.add_row(row.behaviour, f"{row.tipped:.0%}", number(row.round, 1))
    return table
