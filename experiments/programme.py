"""Appraising a programme: economics against doing nothing, inequalities, tipping (headless).

``appraise(scenario, replicates)`` runs the scenario and its "doing nothing" counterfactual with the
same replicate seeds (paired: common random numbers), values each pair with ``model.economics`` (with
values drawn per replicate from the replicate's seed when the economics are probabilistic), and
measures inequality with ``model.outcomes``. ``Appraisal.table`` is the one per-replicate economics
table (``economics.parquet``); ``Appraisal.economics`` is computed from it by ``experiments.cea``:
ratio-of-means ICER with its quadrant, bootstrap intervals, net monetary and health benefit.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from model import Result, Scenario, economics, outcomes
from model.groups import DEFAULT_GROUP_ATTRIBUTES

from . import cea
from .replicates import build_graph, run_replicates

__all__ = ["doing_nothing", "appraise", "Appraisal", "economics_rows", "is_programme", "summary_of", "write_and_summarise", "write_comparison"]


def is_programme(scenario: Scenario) -> bool:
    """Does the scenario run a programme: interventions, an [economics] table, or seeds with a stated cost?

    Seeds at the default unit cost are how a plain spread run starts, not a programme in money: they
    get no economics table (it would value nothing and call a unit cost GBP).
    """
    seeding = scenario.seeding
    costed_seeds = "cost" in seeding.model_fields_set and (
        seeding.count > 0 or seeding.budget is not None or bool(seeding.nodes)
    )
    return bool(scenario.interventions) or scenario.economics is not None or costed_seeds


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
    economics: pd.DataFrame  # metric, mean, ci_low, ci_high, note (from ``table``; attrs: quadrants, population)
    inequality: pd.DataFrame  # behaviour, arm, Q1..Q5, sii, gap (final round), means over replicates
    tipping: pd.DataFrame  # behaviour, share of runs that tipped, mean tipping round
    table: pd.DataFrame = field(default_factory=pd.DataFrame)  # one row per replicate (economics.parquet)
    metadata: dict = field(default_factory=dict)  # horizon, discounting, currency, price year, population
    valued: list = field(default_factory=list)  # the EconomicResult of each replicate


def _with_classes(scenario: Scenario, graph, spec: economics.EconomicsSpec):
    """The graph with each person's valuation class (age band x eligibility) and a scenario reporting it."""
    if not hasattr(graph, "nodes") or graph.number_of_nodes() == 0 or not spec.behaviours:
        return scenario, graph
    nodes = list(graph.nodes)
    first = graph.nodes[nodes[0]]

    def attribute_of(name):
        if name not in first:
            return None
        values = [graph.nodes[v].get(name) for v in nodes]
        return None if any(v is None for v in values) else np.array(values, dtype=object)

    names = [b.name for b in scenario.behaviours]
    labels = economics.person_classes(spec, names, attribute_of, len(nodes))
    graph = graph.copy()
    for v, label in zip(nodes, labels, strict=True):
        graph.nodes[v][economics.CLASS_ATTRIBUTE] = label
    groups = scenario.groups if scenario.groups is not None else [a for a in DEFAULT_GROUP_ATTRIBUTES if a in first]
    return scenario.model_copy(update={"groups": [*groups, economics.CLASS_ATTRIBUTE]}), graph


def _without_classes(result: Result) -> Result:
    """The result as the scenario reports it: the valuation-class groups taken out again."""
    keep = [g for g, label in enumerate(result.groups) if not label.startswith(f"{economics.CLASS_ATTRIBUTE}=")]
    if len(keep) == len(result.groups):
        return result
    groups = [result.groups[g] for g in keep]
    scenario = result.scenario.model_copy(
        update={"groups": [a for a in (result.scenario.groups or []) if a != economics.CLASS_ATTRIBUTE] or None}
    )
    return dataclasses.replace(
        result, scenario=scenario, history=result.history[:, :, keep], groups=groups,
        group_sizes={g: result.group_sizes[g] for g in groups},
    )


def economics_rows(valued: list, runs: list[Result]) -> pd.DataFrame:
    """The per-replicate economics table: one row per replicate, discounted, against doing nothing."""
    rows = []
    for r, (v, run) in enumerate(zip(valued, runs, strict=True)):
        rows.append(
            {
                "replicate": r,
                "seed": int(run.scenario.seed),
                "incremental_cost": v.net_cost,
                "incremental_qalys": v.qalys,
                "costs_avoided": v.savings,
                "net_monetary_benefit": v.net_monetary_benefit,
                "programme_cost": v.cost,
                "programme_cost_undiscounted": v.undiscounted["cost"],
                "people_reached": v.people_reached,
                "associational_qalys": v.associational["qalys"],
                "associational_savings": v.associational["savings"],
            }
        )
    table = pd.DataFrame(rows)
    table["people_reached"] = table["people_reached"].astype(float)
    return table


def appraise(scenario: Scenario, replicates: int, graph=None, on_done=None, workers: int = 1, posterior=None) -> Appraisal:
    """Run ``scenario`` and doing nothing ``replicates`` times with paired seeds; value and tabulate them.

    ``workers`` processes run the replicates (``run_replicates``); the results do not depend on it.
    With ``posterior`` (a calibration's weighted sample, ``calibrate_abc.read_posterior``) each
    replicate draws its parameters from it, the same for the programme and its doing-nothing arm
    (``calibrate_abc.posterior_runs``, one process), so the intervals carry parameter uncertainty as
    well as chance; the table gets one column per drawn dotted path.
    """
    if graph is None:
        graph = build_graph(scenario)
    spec = scenario.economics or economics.EconomicsSpec()
    valued_scenario, graph = _with_classes(scenario, graph, spec)
    if posterior is None:
        runs = run_replicates(valued_scenario, replicates, graph=graph, on_done=on_done, workers=workers)
        baselines = run_replicates(doing_nothing(valued_scenario), replicates, graph=graph, on_done=on_done, workers=workers)
    else:
        from .calibrate_abc import posterior_draws, posterior_runs

        runs = posterior_runs(valued_scenario, posterior, replicates, graph=graph, on_done=on_done)
        baselines = posterior_runs(valued_scenario, posterior, replicates, graph=graph, on_done=on_done, arm=doing_nothing)
    valued = [
        economics.from_result(r, b, spec.draw(r.scenario.seed)) for r, b in zip(runs, baselines, strict=True)
    ]
    runs, baselines = [_without_classes(r) for r in runs], [_without_classes(b) for b in baselines]
    table = economics_rows(valued, runs)
    if posterior is not None:
        table = pd.concat([table, pd.DataFrame(posterior_draws(valued_scenario, posterior, replicates))], axis=1)
    population = runs[0].group_sizes["all"]
    horizon_years = scenario.steps * scenario.weeks_per_step / 52.0
    metadata = {**spec.metadata(horizon_years), "population": str(population), "replicates": str(replicates)}
    if posterior is not None:
        metadata["posterior"] = ",".join(c for c in posterior.columns if c != "weight")
    summary = summary_of(table, metadata)
    summary.attrs["verdicts"] = pd.Series([v.verdict for v in valued]).value_counts().to_dict()
    summary.attrs["metadata"] = metadata
    summary.attrs["notes"] = sorted({note for v in valued for note in v.notes})
    return Appraisal(runs, baselines, summary, _inequality(runs, baselines), _tipping(runs), table, metadata, valued)


def summary_of(table: pd.DataFrame, metadata: dict) -> pd.DataFrame:
    """The headline economics table of a per-replicate table and its metadata (``experiments.cea``)."""
    thresholds = [float(t) for t in metadata.get("thresholds", "20000,30000").split(",")]
    population = float(metadata["population"]) if "population" in metadata else None
    summary = cea.summarise(table, thresholds, population=population)
    summary.attrs["metadata"] = dict(metadata)
    return summary


def write_and_summarise(appraisal: Appraisal, out) -> tuple[pd.DataFrame, object]:
    """Write ``economics.parquet`` under ``out`` and return the table computed back from the file."""
    from pathlib import Path

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    path = cea.write_economics(appraisal.table, out / "economics.parquet", appraisal.metadata)
    table, metadata = cea.read_economics(path)
    summary = summary_of(table, metadata)
    summary.attrs["verdicts"] = appraisal.economics.attrs.get("verdicts", {})
    summary.attrs["notes"] = appraisal.economics.attrs.get("notes", [])
    return summary, path


def write_comparison(appraisals: dict[str, Appraisal], out) -> object:
    """Several programmes' per-replicate tables in one ``economics.parquet`` (column ``programme``)."""
    from pathlib import Path

    tables = [a.table.assign(programme=name) for name, a in appraisals.items()]
    first = next(iter(appraisals.values()))
    metadata = {**first.metadata, "programmes": ",".join(appraisals)}
    return cea.write_economics(pd.concat(tables, ignore_index=True), Path(out) / "economics.parquet", metadata)


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
