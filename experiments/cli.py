"""The ``wellspread`` command line: run, compare, sweep, report, query, dashboard, bench."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

from .userio import MAX_MEMORY_HELP, console, limit_memory, progress, user_errors

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="wellspread: healthy-behaviour spread on social networks. Who to recruit, what it buys, who gains.",
)

ROOT = Path(__file__).resolve().parent.parent


@app.command()
def run(
    scenario: Annotated[Path, typer.Argument(help="scenario TOML file")],
    replicates: Annotated[int, typer.Option(min=1, help="runs with derived seeds on one network")] = 1,
    out: Annotated[Path | None, typer.Option(help="folder for time series (Parquet, CSV) and summary.json")] = None,
    max_memory: Annotated[str | None, typer.Option(help=MAX_MEMORY_HELP)] = None,
    workers: Annotated[int | None, typer.Option(min=1, help="processes running replicates (default: one per core); results do not depend on it")] = None,
    posterior: Annotated[
        Path | None, typer.Option(help="calibration folder: each replicate draws its parameters from posterior.parquet (one process)")
    ] = None,
):
    """Run one scenario; print final adoption per behaviour and group.

    A scenario with a programme (interventions, seeds or [economics]) is also run against doing
    nothing, with the same replicate seeds, and its economics, inequality and tipping tables are
    printed; --out also writes economics.parquet (one row per replicate), from which the economics
    table is computed. One replicate prints no interval. With --posterior, each replicate's
    parameters are drawn from a calibration (the same for the programme and doing nothing), so the
    intervals carry parameter uncertainty as well as chance.
    """
    if replicates > 1 and posterior is None:
        from .sweep_cluster import warm_template_on

        warm_template_on(scenario, workers)  # first: its imports overlap ours
    from model import Scenario

    from .programme import appraise, is_programme, write_and_summarise
    from .replicates import build_graph, default_workers, run_replicates, summarise_finals, write_results
    from .tables import economics_table, finals_table, inequality_table, tipping_table

    with user_errors(scenario):
        limit_memory(max_memory)
        sc = Scenario.from_toml(scenario)
        programme = is_programme(sc)
        drawn_from = None
        if posterior is not None:
            from .calibrate_abc import posterior_scenarios, read_posterior

            drawn_from = read_posterior(posterior)
            posterior_scenarios(sc, drawn_from, replicates)  # every draw checked before any run
        with progress() as bar:
            task = bar.add_task("building network", total=replicates * (2 if programme else 1), status="")
            graph = build_graph(sc, ties_only=True)  # an edge list straight into arrays when the runs need only ties
            bar.update(task, description="running")
            if programme:
                appraisal = appraise(sc, replicates, graph=graph, on_done=lambda r: bar.advance(task), workers=default_workers(workers),
                                     posterior=drawn_from)  # fmt: skip
                results = appraisal.runs
            elif drawn_from is not None:
                from .calibrate_abc import posterior_runs

                results = posterior_runs(sc, drawn_from, replicates, graph=graph, on_done=lambda r: bar.advance(task))
            else:
                results = run_replicates(sc, replicates, graph=graph, workers=default_workers(workers), on_done=lambda r: bar.advance(task))
        summary = summarise_finals(results)
        runs = f"{replicates} run{'s' if replicates > 1 else ''}" + (f", parameters drawn from {posterior}" if posterior is not None else "")
        console.print(finals_table(summary, f"final adoption, {runs} of {scenario.name}"))
        if programme:
            if out is not None:  # the printed table is computed from economics.parquet, as written
                appraisal.economics, parquet = write_and_summarise(appraisal, out)
            console.print(economics_table(appraisal.economics, f"economics over {sc.steps * sc.weeks_per_step / 52:g} years, {runs}"))
            if not appraisal.inequality.empty:
                console.print(inequality_table(appraisal.inequality, "inequality: programme against doing nothing"))
            console.print(tipping_table(appraisal.tipping, "tipping point (growth without further recruitment)"))
        if out is not None:
            for path in write_results(results, out, summary):
                console.print(f"wrote {path}")
            if programme:
                appraisal.economics.to_csv(out / "economics.csv", index=False)
                appraisal.inequality.to_csv(out / "inequality.csv", index=False)
                console.print(f"wrote {parquet}, {out / 'economics.csv'}, {out / 'inequality.csv'}")


@app.command()
def dashboard(
    host: Annotated[str, typer.Option(help="address to listen on; 0.0.0.0 exposes it to the network (a token is then required)")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port")] = 8765,
    token: Annotated[
        str | None, typer.Option(help="require this token (open the printed URL once; a cookie keeps it)", envvar="WELLSPREAD_DASHBOARD_TOKEN")
    ] = None,
):
    """Serve the Solara dashboard to its user only (Host and Origin checked; front-end assets served locally)."""
    env = {**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    if token:
        env["WELLSPREAD_DASHBOARD_TOKEN"] = token  # by environment: a --token argument would show in ps
    cmd = [sys.executable, "-m", "dashboards.server", "--host", host, "--port", str(port)]
    raise typer.Exit(subprocess.call(cmd, env=env, cwd=ROOT))


@app.command()
def bench(
    quick: Annotated[bool, typer.Option(help="small graphs only")] = False,
    out: Annotated[Path, typer.Option(help="JSON results file")] = Path("benchmarks/results/latest.json"),
):
    """Run the benchmark suite; print ratios and write JSON.

    The suite runs as its own process (``python -m benchmarks.run``): the benchmarks sit above the
    package they measure, so nothing here imports them.
    """
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    cmd = [sys.executable, "-m", "benchmarks.run", "--out", str(out)] + (["--quick"] if quick else [])
    raise typer.Exit(subprocess.call(cmd, env=env))


def _register_more() -> None:
    """Verbs that live beside the runners they drive."""
    import importlib

    for module in ("experiments.compare_cli", "experiments.sweep_cli", "experiments.calibrate_cli"):
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise


_register_more()

if __name__ == "__main__":
    # run as a script this module is __main__, while compare_cli and sweep_cli registered their verbs
    # on the app of the importable ``experiments.cli``: start that one
    from experiments.cli import app as registered

    registered()
