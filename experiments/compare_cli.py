"""The ``wellspread compare`` verb: strategies side by side on one scenario."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from .cli import app
from .userio import console, fail, progress, user_errors

DEFAULT_STRATEGIES = "random,degree"


@app.command()
def compare(
    scenario: Annotated[Path, typer.Argument(help="scenario TOML file")],
    strategies: Annotated[str, typer.Option(help="comma-separated targeting strategies")] = DEFAULT_STRATEGIES,
    replicates: Annotated[int, typer.Option(min=1, help="runs per strategy (same network, same replicate seeds)")] = 20,
    tip: Annotated[float, typer.Option(min=0.0, max=1.0, help="final share that counts as a large cascade")] = 0.5,
    out: Annotated[Optional[Path], typer.Option(help="folder for the table (CSV) and plots (PNG)")] = None,
):
    """Compare targeting strategies: final adoption with 95% intervals, speed, tipping, per seed, by quintile."""
    from model import Scenario
    from model.targeting import STRATEGIES

    from .compare import compare_strategies, comparison_table, plot_comparison
    from .replicates import build_graph

    with user_errors():
        names = [s.strip() for s in strategies.split(",") if s.strip()]
        unknown = [s for s in names if s not in STRATEGIES]
        if not names or unknown:
            fail(f"--strategies: unknown strategy {unknown[0]!r}; choose from {', '.join(STRATEGIES)}" if unknown else "--strategies: none given")
        sc = Scenario.from_toml(scenario)
        with progress() as bar:
            task = bar.add_task("building network", total=replicates * len(names), status="")
            graph = build_graph(sc)
            bar.update(task, description="running")
            runs = compare_strategies(sc, names, replicates, graph=graph, on_done=lambda r: bar.advance(task))
        table = comparison_table(runs, tip=tip)
        console.print(render(table, f"{scenario.name}: {replicates} runs per strategy, n = {graph.number_of_nodes():,}"))
        if out is not None:
            out.mkdir(parents=True, exist_ok=True)
            table.to_csv(out / "comparison.csv", index=False)
            for path in [out / "comparison.csv", *plot_comparison(runs, table, out)]:
                console.print(f"wrote {path}")


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
        t.add_row(
            row["strategy"], fmt(row["final"]), f"{fmt(row['ci_low'])} - {fmt(row['ci_high'])}", fmt(row["t25"], 1),
            fmt(row["t50"], 1), fmt(row["tipped"], 2), fmt(row["adopters_per_seed"], 1), fmt(row["adopters_per_budget"], 1),
            *[fmt(row[q]) for q in quintiles],
        )
    return t
