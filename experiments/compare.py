"""Targeting strategies side by side on one scenario: the project's main question, headless.

Every strategy runs the same replicates on the same network with the same replicate seeds
(common random numbers), so differences come from whom they recruit, not from luck of the draw.
Per strategy: mean final adoption with a 95% interval, rounds to reach 25% and 50%, the share of
runs that tip into a large cascade, adopters gained per seed and per unit of budget, and final
adoption by deprivation quintile when people carry one.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from model import Result, Scenario

from .intervals import band, share_interval
from .palette import styles
from .replicates import build_graph, run_many

__all__ = ["compare_strategies", "comparison_table", "plot_comparison", "time_to_reach", "StrategyFailed"]

REACH_LEVELS = (0.25, 0.5)


class StrategyFailed(list):
    """The runs of a strategy that could not run under the scenario: none, and ``reason`` why."""

    def __init__(self, reason: str):
        super().__init__()
        self.reason = reason


def compare_strategies(
    scenario: Scenario, strategies: list[str], replicates: int, graph=None, on_done=None, *, workers: int = 1,
    fixed_seeds: bool = True, on_run=None, posterior=None,
) -> dict[str, list[Result]]:
    """{strategy: replicate results}, all on one network with shared replicate seeds.

    A strategy that cannot run under the scenario (imm under a threshold rule, a bad parameter)
    gets a ``StrategyFailed`` (an empty list with the ``reason``) and the others finish.
    ``on_done(result)``, or ``on_run(strategy, result)``, after each run. ``workers`` and
    ``fixed_seeds`` as in ``run_replicates`` (the results do not depend on ``workers``). With
    ``posterior`` (a calibration's weighted sample), each replicate draws its parameters from it, the
    same draws for every strategy (``calibrate_abc.posterior_scenarios``; one process).
    """
    from model.scenario import validate

    if graph is None:
        graph = build_graph(scenario)
    scenarios, runs = {}, {}
    for name in strategies:
        seeding = {**scenario.seeding.model_dump(exclude_none=True), "strategy": name}
        try:
            scenarios[name] = validate(Scenario, {**scenario.model_dump(exclude_none=True), "seeding": seeding}, source="--strategies")
        except ValueError as exc:
            runs[name] = StrategyFailed(_reason(exc))

    def done(name, result):
        if on_done is not None:
            on_done(result)
        if on_run is not None:
            on_run(name, result)

    if posterior is not None:  # each replicate draws its parameters from a calibration (the same draws per strategy)
        return _posterior_runs(scenarios, runs, strategies, posterior, replicates, graph, done)
    outcome = run_many(scenarios, replicates, graph=graph, workers=workers, fixed_seeds=fixed_seeds, on_done=done)
    for name in strategies:
        if name in outcome:
            results = outcome[name]
            runs[name] = StrategyFailed(_reason(results)) if isinstance(results, Exception) else results
    return {name: runs[name] for name in strategies}


def _posterior_runs(scenarios, runs, strategies, posterior, replicates, graph, done):
    """``compare_strategies`` with parameters drawn per replicate (``calibrate_abc.posterior_runs``)."""
    from .calibrate_abc import posterior_runs

    for name, sc in scenarios.items():
        runs[name] = posterior_runs(sc, posterior, replicates, graph=graph, on_done=lambda result, name=name: done(name, result))
    return {name: runs[name] for name in strategies}


def _reason(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def time_to_reach(history: np.ndarray, level: float) -> float:
    """First round at which the whole-population share reaches ``level`` (NaN if never)."""
    hit = np.flatnonzero(history >= level)
    return float(hit[0]) if len(hit) else float("nan")


def comparison_table(runs: dict[str, list[Result]], behaviour: str | None = None, tip: float = 0.5) -> pd.DataFrame:
    """One row per strategy: the comparison the targeting issue asks for."""
    rows = []
    for name, results in runs.items():
        if isinstance(results, StrategyFailed) or not results:
            rows.append({"strategy": name, "error": getattr(results, "reason", "no runs")})
            continue
        b = results[0].behaviours.index(behaviour) if behaviour else 0
        finals = np.array([r.history[-1, b, 0] for r in results])
        mean, low, high, _ = share_interval(finals)  # a share: the interval stays in [0, 1]
        seeds = np.array([max(len(r.seeds), 1) for r in results])
        gained = np.array([r.adopters_gained(b) for r in results], dtype=float)
        row = {
            "strategy": name,
            "final": mean,
            "ci_low": low,
            "ci_high": high,
            "runs": len(results),
            "tipped": float(np.mean(finals >= tip)),
            "adopters_per_seed": float(np.mean(gained / seeds)),
            "adopters_per_budget": float(np.mean(gained / np.array([max(r.cost, 1e-12) for r in results]))),
        }
        for level in REACH_LEVELS:
            times = np.array([time_to_reach(r.history[:, b, 0], level) for r in results])
            row[f"t{int(level * 100)}"] = float(np.nanmean(times)) if np.isfinite(times).any() else float("nan")
        labels = results[0].groups
        for g, label in enumerate(labels):
            if label.startswith("deprivation="):
                row[label] = float(np.mean([r.history[-1, b, g] for r in results]))
        rows.append(row)
    table = pd.DataFrame(rows)
    if "error" in table.columns:  # failed strategies: NaN figures and why; put the reason last
        table = table[[c for c in table.columns if c != "error"] + ["error"]]
    return table


def plot_comparison(
    runs: dict[str, list[Result]], table: pd.DataFrame, out: Path, behaviour: str | None = None, svg: bool = False,
    weeks_per_round: float | None = None,
) -> list[Path]:
    """Adoption curves (mean and 95% band per strategy) and final adoption by quintile, as PNGs (``svg``: also SVGs).

    The curves' time axis is in weeks: ``weeks_per_round`` weeks a round (default: the scenario's
    ``weeks_per_step``), as the tables' "weeks to 25%".
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import PercentFormatter

    out.mkdir(parents=True, exist_ok=True)
    written = []
    look = styles(runs)  # one colour-blind-safe colour and marker per strategy (experiments.palette)
    fig, ax = plt.subplots(figsize=(8.5, 4.2))
    if weeks_per_round is None:
        ran = next((r for r in runs.values() if r and not isinstance(r, StrategyFailed)), None)
        weeks_per_round = float(ran[0].scenario.weeks_per_step) if ran else 1.0
    for name, results in runs.items():
        if not results:  # a strategy that could not run
            continue
        b = results[0].behaviours.index(behaviour) if behaviour else 0
        T = max(len(r.history) for r in results)
        curves = np.array([np.pad(r.history[:, b, 0], (0, T - len(r.history)), mode="edge") for r in results])
        mean, low, high = band(curves)  # experiments.intervals: stays in [0, 1]
        colour, marker = look[name]
        weeks = np.arange(T) * weeks_per_round
        ax.plot(weeks, mean, color=colour, marker=marker, markevery=max(T // 8, 1), markersize=5, lw=1.6, label=name)
        if len(curves) > 1:
            ax.fill_between(weeks, low, high, color=colour, alpha=0.18, lw=0)
    ax.set_xlabel("week")
    ax.set_ylabel("share adopting")
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0, frameon=False)
    ax.set_title("adoption by targeting strategy (mean, 95% band)")
    fig.tight_layout()
    path = out / "curves.png"
    fig.savefig(path, dpi=110, bbox_inches="tight")
    if svg:
        fig.savefig(path.with_suffix(".svg"), bbox_inches="tight")
    plt.close(fig)
    written.append(path)
    quintiles = [c for c in table.columns if c.startswith("deprivation=")]
    if quintiles:
        fig, ax = plt.subplots(figsize=(8.5, 4.2))
        width = 0.8 / len(table)
        hatches = ["", "//", "..", "xx", "\\\\", "oo", "--", "++", "**"]
        for i, row in enumerate(table.to_dict(orient="records")):
            if isinstance(row.get("error"), str):
                continue
            values = [row[q] for q in quintiles]
            colour, marker = look[row["strategy"]]
            xs = np.arange(len(quintiles)) + i * width
            # colour, a hatch and the strategy's marker on each bar: colour is never the only cue
            ax.bar(xs, values, width, color=colour, edgecolor="#333333", lw=0.4, hatch=hatches[i % len(hatches)],
                   label=row["strategy"])
            ax.plot(xs, values, ls="none", marker=marker, color="white", markeredgecolor="#222222", markersize=4)
        ax.set_xticks(np.arange(len(quintiles)) + 0.4 - width / 2, [q.split("=")[1] for q in quintiles])
        ax.set_xlabel("deprivation quintile (1 = most deprived)")
        ax.set_ylabel("final share adopting")
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0, frameon=False)
        fig.tight_layout()
        path = out / "by_quintile.png"
        fig.savefig(path, dpi=110, bbox_inches="tight")
        if svg:
            fig.savefig(path.with_suffix(".svg"), bbox_inches="tight")
        plt.close(fig)
        written.append(path)
    return written
