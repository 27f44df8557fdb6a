"""Replicates of one scenario: seeds, runs, and summaries with 95% intervals (headless).

Replicate 0 runs with the scenario's own seed, so ``wellspread run`` with one replicate is exactly
``simulate(scenario)``; replicate r > 0 takes a seed derived from (seed, r) by ``SeedSequence``.
All replicates share one network built from the scenario's seed: they vary the seeding and the
dynamics, which is what a comparison of strategies on "the town" needs.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from model import Result, Scenario, simulate
from model.behaviour_model import BehaviourModel

from .intervals import share_interval, t_interval

__all__ = ["replicate_seed", "run_replicates", "summarise_finals", "write_results", "mean_interval"]


def replicate_seed(seed: int, replicate: int) -> int:
    if replicate == 0:
        return seed
    return int(np.random.SeedSequence([seed, replicate]).generate_state(1, np.uint64)[0] >> np.uint64(1))


def build_graph(scenario: Scenario):
    """The network every replicate of ``scenario`` shares (the one replicate 0 would build)."""
    model = BehaviourModel(scenario, agents=False)
    return model.graph if model.graph is not None else model.csr  # networks built as arrays have no graph


def run_replicates(scenario: Scenario, replicates: int, graph=None, on_done=None) -> list[Result]:
    """Run ``replicates`` runs of ``scenario`` on one network; ``on_done(result)`` after each."""
    if graph is None:
        graph = build_graph(scenario)
    results = []
    for r in range(replicates):
        sc = scenario.model_copy(update={"seed": replicate_seed(scenario.seed, r)})
        res = simulate(sc, graph=graph)
        results.append(res)
        if on_done is not None:
            on_done(res)
    return results


def mean_interval(values, share: bool = False) -> tuple[float, float, float]:
    """Mean and 95% interval: ``experiments.intervals.share_interval`` for shares, else its t-interval.

    One value gives NaN bounds (no interval from one replicate); see ``experiments.intervals``.
    """
    iv = share_interval(values) if share else t_interval(values)
    return iv.mean, iv.low, iv.high


def timeseries_of(results: list[Result]) -> pd.DataFrame:
    return pd.concat(
        [r.timeseries.assign(replicate=i, seed=r.scenario.seed) for i, r in enumerate(results)], ignore_index=True
    )


def summarise_finals(results: list[Result]) -> pd.DataFrame:
    """Final adoption per behaviour and group: mean with 95% interval over replicates."""
    rows = []
    finals = pd.concat(
        [r.timeseries[r.timeseries["step"] == r.steps].assign(replicate=i) for i, r in enumerate(results)]
    )
    for (behaviour, group), df in finals.groupby(["behaviour", "group"], observed=True, sort=False):
        mean, low, high = mean_interval(df["adopted"], share=True)
        rows.append({"behaviour": behaviour, "group": group, "mean": mean, "ci_low": low, "ci_high": high, "runs": len(df)})
    return pd.DataFrame(rows)


def _json_safe(records: list[dict]) -> list[dict]:
    """NaN (no interval from one replicate) as null, so the JSON stays standard."""
    return [{k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in r.items()} for r in records]


def write_results(results: list[Result], out: Path, summary: pd.DataFrame) -> list[Path]:
    """Time series (Parquet and CSV) and a JSON summary under ``out``; written to temp names, then renamed."""
    out.mkdir(parents=True, exist_ok=True)
    ts = timeseries_of(results)
    written = []
    for name, write in (
        ("timeseries.parquet", lambda p: ts.to_parquet(p, index=False)),
        ("timeseries.csv", lambda p: ts.to_csv(p, index=False)),
        (
            "summary.json",
            lambda p: p.write_text(
                json.dumps(
                    {
                        "scenario": results[0].scenario.model_dump(mode="json"),
                        "replicates": len(results),
                        "seeds": [r.scenario.seed for r in results],
                        "final": _json_safe(summary.to_dict(orient="records")),
                    },
                    indent=2,
                )
            ),
        ),
    ):
        tmp = out / f".{name}.tmp"
        write(tmp)
        tmp.replace(out / name)
        written.append(out / name)
    return written
