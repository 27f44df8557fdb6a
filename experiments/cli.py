"""The ``wellspread`` command line: run, compare, sweep, report, query, dashboard, bench."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from .userio import console, progress, user_errors

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
    out: Annotated[Optional[Path], typer.Option(help="folder for time series (Parquet, CSV) and summary.json")] = None,
):
    """Run one scenario; print final adoption per behaviour and group."""
    from model import Scenario

    from .replicates import build_graph, run_replicates, summarise_finals, write_results

    with user_errors():
        sc = Scenario.from_toml(scenario)
        with progress() as bar:
            task = bar.add_task("building network", total=replicates, status="")
            graph = build_graph(sc)
            bar.update(task, description="running")
            results = run_replicates(sc, replicates, graph=graph, on_done=lambda r: bar.advance(task))
        summary = summarise_finals(results)
        table = Table(title=f"final adoption, {replicates} run{'s' if replicates > 1 else ''} of {scenario.name}")
        for col in ("behaviour", "group", "mean", "95% interval"):
            table.add_column(col, justify="right" if col != "behaviour" else "left")
        for row in summary.itertuples():
            table.add_row(row.behaviour, row.group, f"{row.mean:.3f}", f"{row.ci_low:.3f} - {row.ci_high:.3f}")
        console.print(table)
        if out is not None:
            for path in write_results(results, out, summary):
                console.print(f"wrote {path}")


@app.command()
def dashboard(
    host: Annotated[str, typer.Option(help="address to listen on; 0.0.0.0 exposes it to the network")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port")] = 8765,
):
    """Serve the Solara dashboard (front-end assets served locally; works offline)."""
    env = {**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    app_path = ROOT / "dashboards" / "app.py"
    cmd = [sys.executable, "-m", "solara", "run", str(app_path), "--host", host, "--port", str(port), "--production", "--no-open"]
    raise typer.Exit(subprocess.call(cmd, env=env))


@app.command()
def bench(
    quick: Annotated[bool, typer.Option(help="small graphs only")] = False,
    out: Annotated[Path, typer.Option(help="JSON results file")] = Path("benchmarks/results/latest.json"),
):
    """Run the benchmark suite; print ratios and write JSON."""
    from benchmarks.run import main

    with user_errors():
        main(quick=quick, out=out)


def _register_more() -> None:
    """Verbs that live beside the runners they drive."""
    import importlib

    for module in ("experiments.compare_cli", "experiments.sweep_cli"):
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise


_register_more()

if __name__ == "__main__":
    app()
