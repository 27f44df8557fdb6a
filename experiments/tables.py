"""Rich tables for the terminal: final adoption, economics, inequality (one place for formatting)."""

from __future__ import annotations

import math

import pandas as pd
from rich.table import Table

from .intervals import NO_INTERVAL, Interval, format_interval

MONEY = {"savings", "cost", "net_cost", "npv", "icer", "cost_per_adopter"}
LABELS = {
    "qalys": "QALYs gained (discounted)",
    "savings": "health-care costs avoided, GBP",
    "cost": "programme cost, GBP",
    "net_cost": "net cost, GBP",
    "npv": "net present value, GBP",
    "icer": "cost per QALY (ICER), GBP",
    "cost_per_adopter": "cost per adopter gained, GBP",
    "roi": "return on investment",
}


def number(x, digits: int = 3) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.{digits}f}"


def finals_table(summary: pd.DataFrame, title: str) -> Table:
    table = Table(title=title)
    for col in ("behaviour", "group", "mean", "95% interval"):
        table.add_column(col, justify="left" if col == "behaviour" else "right")
    for row in summary.itertuples():
        iv = Interval(row.mean, row.ci_low, row.ci_high, int(row.runs))
        table.add_row(row.behaviour, row.group, f"{row.mean:.3f}", format_interval(iv, with_mean=False))
    return table


def economics_table(economics: pd.DataFrame, title: str) -> Table:
    table = Table(title=title)
    for col in ("against doing nothing", "mean", "95% interval"):
        table.add_column(col, justify="left" if col.startswith("against") else "right")
    for row in economics.itertuples():
        bounds = f"{number(row.ci_low)} - {number(row.ci_high)}" if row.ci_low == row.ci_low else NO_INTERVAL
        table.add_row(LABELS.get(row.metric, row.metric), number(row.mean), bounds)
    verdicts = economics.attrs.get("verdicts")
    if verdicts:
        table.caption = "verdicts over runs: " + ", ".join(f"{k} {v}" for k, v in verdicts.items())
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
