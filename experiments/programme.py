"""Appraising a programme: economics against doing nothing, inequalities, tipping (headless).

``appraise(scenario, replicates)`` runs the scenario and its "doing nothing" counterfactual with the
same replicate seeds (paired: common random numbers), values each pair with ``model.economics``, and
measures inequality with ``model.outcomes``. Tables report means with 95% intervals over replicates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from model import Result, Scenario, economics, outcomes

from .replicates import build_graph, mean_interval, run_replicates

__all__ = ["doing_nothing", "appraise", "Appraisal"]

ECONOMIC_METRICS = ("qalys", "savings", "cost", "net_cost", "npv", "icer", "cost_per_adopter", "roi")


def doing_nothing(scenario: Scenario) -> Scenario:
    """The counterfactual: no seeds, no interventions, no organisations signed up, no reinvestment."""
    data = scenario.model_dump(exclude_none=True)
    data["interventions"] = []
    data["seeding"] = {"strategy": "random", "count": 0}
    data.pop("reinvest", None)
    if "organisations" in data:
        data["organisations"]["committed"] = {"count": 0}
    return Scenario.model_validate(data)


@dataclass
class Appraisal:
    runs: list[Result]
    baselines: list[Result]
    economics: pd.DataFrame  # metric, mean, ci_low, ci_high (+ verdicts)
    inequality: pd.DataFrame  # behaviour, arm, Q1..Q5, sii, gap (final round), means over replicates
    tipping: pd.DataFrame  # behaviour, share of runs that tipped, mean tipping round


def appraise(scenario: Scenario, replicates: int, graph=None, on_done=None) -> Appraisal:
    if graph is None:
        graph = build_graph(scenario)
    runs = run_replicates(scenario, replicates, graph=graph, on_done=on_done)
    baselines = run_replicates(doing_nothing(scenario), replicates, graph=graph, on_done=on_done)
    spec = scenario.economics or economics.EconomicsSpec()
    valued = [economics.from_result(r, b, spec) for r, b in zip(runs, baselines, strict=True)]
    rows = []
    for metric in ECONOMIC_METRICS:
        values = np.array([getattr(v, metric) for v in valued], dtype=float)
        finite = values[np.isfinite(values)]
        mean, low, high = mean_interval(finite) if len(finite) else (np.nan, np.nan, np.nan)
        rows.append({"metric": metric, "mean": mean, "ci_low": low, "ci_high": high})
    verdicts = pd.Series([v.verdict for v in valued]).value_counts()
    table = pd.DataFrame(rows)
    table.attrs["verdicts"] = verdicts.to_dict()
    return Appraisal(runs, baselines, table, _inequality(runs, baselines), _tipping(runs))


def _inequality(runs: list[Result], baselines: list[Result]) -> pd.DataFrame:
    if not any(g.startswith("deprivation=") for g in runs[0].groups):
        return pd.DataFrame()
    rows = []
    for arm, results in (("programme", runs), ("doing nothing", baselines)):
        finals = [outcomes.inequality(r).groupby("behaviour", observed=True).tail(1) for r in results]
        prevalence = pd.concat([_final_prevalence(r) for r in results])
        for name in results[0].behaviours:
            row = {"behaviour": name, "arm": arm}
            by_quintile = prevalence[prevalence["behaviour"] == name].groupby("deprivation")["prevalence"].mean()
            row.update({f"Q{q}": float(v) for q, v in by_quintile.items()})
            for key in ("sii", "gap"):
                row[key] = float(np.mean([f[f["behaviour"] == name][key].item() for f in finals]))
            rows.append(row)
    return pd.DataFrame(rows)


def _final_prevalence(result: Result) -> pd.DataFrame:
    table = outcomes.prevalence(result)
    return table[table["step"] == table["step"].max()]


def _tipping(runs: list[Result]) -> pd.DataFrame:
    rows = []
    points = [outcomes.tipping_points(r) for r in runs]
    for name in runs[0].behaviours:
        hits = [p[name] for p in points if p[name] is not None]
        rows.append(
            {"behaviour": name, "tipped": len(hits) / len(runs), "round": float(np.mean(hits)) if hits else np.nan}
        )
    return pd.DataFrame(rows)
