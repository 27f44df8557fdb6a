"""The ``wellspread compare`` verb: strategies side by side on one scenario."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from .cli import app
from .userio import MAX_MEMORY_HELP, console, fail, limit_memory, progress, user_errors

DEFAULT_STRATEGIES = "random,degree"


@app.command()
def compare(
    scenarios: Annotated[list[Path], typer.Argument(help="scenario TOML file(s): one to compare strategies, or several to compare them")],
    strategies: Annotated[str | None, typer.Option(help="comma-separated targeting strategies (one scenario)")] = None,
    replicates: Annotated[int, typer.Option(min=1, help="runs per strategy (same network, same replicate seeds)")] = 20,
    tip: Annotated[float, typer.Option(min=0.0, max=1.0, help="final share that counts as a large cascade")] = 0.5,
    out: Annotated[Path | None, typer.Option(help="folder for the table (CSV) and plots (PNG)")] = None,
    workers: Annotated[int | None, typer.Option(min=1, help="processes running replicates (default: one per core); results do not depend on it")] = None,
    posterior: Annotated[
        Path | None, typer.Option(help="calibration folder: each replicate draws its parameters from posterior.parquet")
    ] = None,
    max_memory: Annotated[str | None, typer.Option(help=MAX_MEMORY_HELP)] = None,
    choose_each_run: Annotated[
        bool, typer.Option(help="choose seeds again in every run, even for strategies that choose from the network alone "
                                "(degree, the centralities, sampled betweenness): intervals then include their tie-breaks and samples")
    ] = False,
):
    """Compare targeting strategies on one scenario, or whole scenarios (programmes) side by side.

    Strategies: final adoption with 95% intervals, rounds to 25% and 50%, share tipping, adopters per
    seed and per unit of budget, final adoption by deprivation quintile. Scenarios: the same plus
    their economics against doing nothing and their inequality.
    """
    from .sweep_cluster import warm_template_on

    if len(scenarios) == 1 and posterior is None:
        warm_template_on(scenarios[0], workers)  # first: its imports overlap ours
    from model import Scenario
    from model.targeting import STRATEGIES

    from .compare import StrategyFailed, compare_strategies, comparison_table, plot_comparison
    from .replicates import build_graph, default_workers

    if len(scenarios) > 1:
        if posterior is not None:
            fail("--posterior: give one scenario file with it")
        if strategies is not None:
            fail("--strategies compares strategies on one scenario; give one scenario file with it")
        return compare_scenarios(scenarios, replicates, out, max_memory)
    scenario = scenarios[0]
    strategies = strategies or DEFAULT_STRATEGIES
    with user_errors(scenario):
        limit_memory(max_memory)  # each run is sized against it before anything is built
        names = [s.strip() for s in strategies.split(",") if s.strip()]
        unknown = [s for s in names if s not in STRATEGIES]
        if not names or unknown:
            fail(f"--strategies: unknown strategy {unknown[0]!r}; choose from {', '.join(STRATEGIES)}" if unknown else "--strategies: none given")
        sc = Scenario.from_toml(scenario)
        drawn_from = None
        if posterior is not None:
            from .calibrate_abc import read_posterior

            drawn_from = read_posterior(posterior)
        with progress() as bar:
            task = bar.add_task("building network", total=None, status="")
            graph = build_graph(sc, ties_only=_ties_suffice_for(sc, names))
            bar.remove_task(task)
            tasks = {name: bar.add_task(name, total=replicates, status="") for name in dict.fromkeys(names)}
            runs = compare_strategies(
                sc, names, replicates, graph=graph, workers=default_workers(workers),
                on_run=lambda name, r: bar.advance(tasks[name]), posterior=drawn_from, fixed_seeds=not choose_each_run,
            )
            for name, results in runs.items():
                if isinstance(results, StrategyFailed):
                    bar.update(tasks[name], status="[red]could not run")
        table = comparison_table(runs, tip=tip)
        people = graph.n if hasattr(graph, "indptr") else graph.number_of_nodes()  # a CSR when built as arrays
        console.print(render(table, f"{scenario.name}: {replicates} runs per strategy, n = {people:,}"))
        if out is not None:
            out.mkdir(parents=True, exist_ok=True)
            table.to_csv(out / "comparison.csv", index=False)
            for path in [out / "comparison.csv", *plot_comparison(runs, table, out)]:
                console.print(f"wrote {path}")


def _ties_suffice_for(sc, names: list[str]) -> bool:
    """Do the runs of every strategy compared need only the network's ties (then an edge-list file
    is read straight into arrays)? Community, group and organisation need a networkx graph."""
    from model.specs import ties_suffice

    return all(ties_suffice(sc.model_copy(update={"seeding": sc.seeding.model_copy(update={"strategy": name})})) for name in names)


def interval_text(row) -> str:
    """The 95% interval cell: ``low - high``, or why there is none."""
    from .intervals import Interval, format_interval

    return format_interval(Interval(row["final"], row["ci_low"], row["ci_high"], int(row.get("runs", 2))), with_mean=False)


def render(table, title: str) -> Table:
    t = Table(title=title)
    quintiles = [c for c in table.columns if c.startswith("deprivation=")]
    headers = ["strategy", "final", "95% interval", "t25", "t50", "tipped", "per seed", "per budget"] + [
        f"Q{q.split('=')[1]}" for q in quintiles
    ]
    for h in headers:
        t.add_column(h, justify="left" if h == "strategy" else "right")

    def fmt(x, digits=3):
        return "-" if x != x else f"{x:.{digits}f}"

    for row in table.to_dict(orient="records"):
        if isinstance(row.get("error"), str):  # a strategy that could not run: why, across the row
            t.add_row(row["strategy"], f"[red]could not run: {row['error']}", *[""] * (len(headers) - 2))
            continue
        t.add_row(
            row["strategy"], fmt(row["final"]), interval_text(row), fmt(row["t25"], 1),
            fmt(row["t50"], 1), fmt(row["tipped"], 2), fmt(row["adopters_per_seed"], 1), fmt(row["adopters_per_budget"], 1),
            *[fmt(row[q]) for q in quintiles],
        )
    return t


def compare_scenarios(paths: list[Path], replicates: int, out: Path | None, max_memory: str | None = None) -> None:
    """Several programmes side by side, each against doing nothing, with paired replicate seeds."""
    import pandas as pd

    from model import Scenario

    from .programme import appraise, write_comparison
    from .tables import economics_table, number

    with user_errors():
        limit_memory(max_memory)
        loaded = [Scenario.from_toml(p) for p in paths]
        rows, appraisals = [], {}
        with progress() as bar:
            task = bar.add_task("running", total=2 * replicates * len(paths), status="")
            for path, sc in zip(paths, loaded, strict=True):
                with user_errors(path):  # a failure while running names the scenario it ran
                    appraisal = appraisals[path.stem] = appraise(sc, replicates, on_done=lambda r: bar.advance(task))
                rows.append(_scenario_row(path.stem, appraisal))
        for name, appraisal in appraisals.items():
            console.print(economics_table(appraisal.economics, f"{name}: economics against doing nothing, {replicates} runs"))
        table = pd.DataFrame(rows)
        t = Table(title=f"{len(paths)} programmes, {replicates} runs each, against doing nothing")
        for column in table.columns:
            t.add_column(column, justify="left" if column in ("scenario", "behaviour") else "right", no_wrap=column in ("scenario", "verdict"))
        for row in table.to_dict(orient="records"):
            t.add_row(*[v if isinstance(v, str) else number(v) for v in row.values()])
        console.print(t)
        if out is not None:
            out.mkdir(parents=True, exist_ok=True)
            table.to_csv(out / "scenarios.csv", index=False)
            console.print(f"wrote {out / 'scenarios.csv'}, {write_comparison(appraisals, out)}")


def _scenario_row(name: str, appraisal) -> dict:
    import numpy as np

    from .replicates import mean_interval

    finals = [r.history[-1, 0, 0] for r in appraisal.runs]
    mean, low, high = mean_interval(finals, share=True)
    row = {"scenario": name, "behaviour": appraisal.runs[0].behaviours[0], "final": mean, "ci_low": low, "ci_high": high}
    if not appraisal.inequality.empty:
        programme = appraisal.inequality[appraisal.inequality["arm"] == "programme"].iloc[0]
        row.update({k: programme[k] for k in programme.index if k.startswith("Q") or k in ("sii", "gap")})
    econ = appraisal.economics.set_index("metric")
    wtp = float(appraisal.metadata.get("thresholds", "20000").split(",")[0])
    row.update({"QALYs": econ.loc["incremental_qalys", "mean"], "cost": econ.loc["programme_cost", "mean"],
                f"NMB@{wtp:g}": econ.loc[f"net_monetary_benefit@{wtp:g}", "mean"], "ICER": econ.loc["icer", "mean"],
                "ICER low": econ.loc["icer", "ci_low"], "ICER high": econ.loc["icer", "ci_high"]})
    row["verdict"] = max(appraisal.economics.attrs.get("verdicts", {"-": 1}).items(), key=lambda kv: kv[1])[0]
    return {k: (float(v) if isinstance(v, (np.floating, float, int)) and not isinstance(v, bool) else v) for k, v in row.items()}
