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

from model import Result, Scenario
from model.seedseq import replicate_seeds as replicate_seeds_of
from model.simulate import build_graph

from .intervals import share_interval, t_interval

__all__ = ["replicate_seed", "replicate_seeds", "run_replicates", "run_many", "default_workers", "build_graph", "summarise_finals", "write_results", "mean_interval"]


def replicate_seeds(seed: int, replicates) -> list[int]:
    """The seed of each replicate r in ``replicates`` of a scenario seeded ``seed``: ``seed`` itself
    for r = 0, else ``SeedSequence([seed, r]).generate_state(1, np.uint64)[0] >> 1`` (computed for
    all at once by ``model.seedseq``)."""
    return replicate_seeds_of(seed, list(replicates)).tolist()


def replicate_seed(seed: int, replicate: int) -> int:
    """The seed of replicate ``replicate`` (see ``replicate_seeds``)."""
    return replicate_seeds(seed, [replicate])[0]


def run_replicates(
    scenario: Scenario, replicates: int, graph=None, on_done=None, *, workers: int = 1, fixed_seeds: bool = True
) -> list[Result]:
    """Run ``replicates`` runs of ``scenario`` on one network; ``on_done(result)`` after each.

    The set-up is paid once (``model.Replicates``): the network is converted once and, when the
    strategy chooses from the network alone (degree, kcore, the centralities...), the seeds are the
    ones the scenario's own seed chooses, for every replicate (``fixed_seeds=False``: chosen again
    in each, as ``simulate`` does). ``workers`` > 1 spreads the replicates over that many processes
    (``run_many``); the results are the same for any number of workers.

    Examples
    --------
    >>> from model import Scenario
    >>> from experiments.replicates import run_replicates
    >>> sc = Scenario.model_validate({"seed": 4, "network": {"kind": "erdos_renyi", "n": 400, "mean_degree": 5},
    ...     "behaviours": [{"name": "walk", "rule": "independent_cascade", "p": 0.3}]})
    >>> runs = run_replicates(sc, 3)
    >>> [r.scenario.seed == 4 for r in runs]           # replicate 0 is the scenario's own seed
    [True, False, False]
    >>> len({r.final["walk"] for r in runs}) > 1       # the others differ
    True
    """
    runs = run_many({None: scenario}, replicates, graph=graph, workers=workers, fixed_seeds=fixed_seeds,
                    on_done=None if on_done is None else lambda key, result: on_done(result))[None]
    if isinstance(runs, Exception):
        raise runs
    return runs


def default_workers(workers: int | None = None) -> int:
    """``workers`` as asked, else one per core this process may use."""
    if workers is not None:
        return max(1, int(workers))
    from .sweep_cluster import _local_cores

    return _local_cores()


def run_many(
    scenarios: dict, replicates: int, graph=None, *, workers: int = 1, fixed_seeds: bool = True, on_done=None
) -> dict:
    """``{key: [Result per replicate]}`` for several scenarios sharing one network and replicate seeds.

    Replicate r of every scenario runs with ``replicate_seed(scenario.seed, r)``. A scenario whose
    runs fail gets the exception in place of its list (the others finish). ``on_done(key, result)``
    after each run. ``workers`` > 1 runs chunks of replicates in that many processes (forked from the
    sweeps' worker template: one numba thread each, so two workers never fight over the cores); each
    process pays the set-up once per scenario, and the results are the same as with one worker.
    """
    from model import Replicates

    if graph is None:
        graph = build_graph(next(iter(scenarios.values())))
    out: dict = {}
    if workers <= 1 or replicates * len(scenarios) <= 1:
        for key, sc in scenarios.items():
            results = []
            try:
                runs = Replicates(sc, graph, fixed_seeds=fixed_seeds).runs(replicate_seeds(sc.seed, range(replicates)))
                while True:
                    try:
                        result = next(runs, None)
                    except Exception as exc:  # noqa: BLE001 - one scenario failing must not lose the others
                        results = exc
                        break
                    if result is None:
                        break
                    results.append(result)
                    if on_done is not None:  # outside the try: a caller's exception (cancel) stops everything
                        on_done(key, result)
            except Exception as exc:  # noqa: BLE001 - as above, for the set-up
                results = exc
            out[key] = results
        return out
    return _run_pooled(scenarios, replicates, graph, workers, fixed_seeds, on_done)


def _run_pooled(scenarios: dict, replicates: int, graph, workers: int, fixed_seeds: bool, on_done) -> dict:
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    from .sweep_cluster import start_worker_template

    context = multiprocessing.get_context("forkserver" if start_worker_template() else "spawn")
    chunk = max(1, min(replicates, -(-replicates // (2 * workers))))  # two chunks a worker per scenario
    keys = list(scenarios)
    slots = {key: [None] * replicates for key in keys}
    failed: dict = {}
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker, initargs=(graph, fixed_seeds)) as pool:
        pending = {
            pool.submit(_run_chunk, i, scenarios[key], list(range(start, min(start + chunk, replicates)))): key
            for i, key in enumerate(keys)
            for start in range(0, replicates, chunk)
        }
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                key = pending.pop(future)
                try:
                    indices, results = future.result()
                except Exception as exc:  # noqa: BLE001 - recorded for this scenario; the others go on
                    failed.setdefault(key, exc)
                    continue
                for r, result in zip(indices, results, strict=True):
                    slots[key][r] = result
                    if on_done is not None:
                        on_done(key, result)
    return {key: failed.get(key, slots[key]) for key in keys}


_WORKER: dict = {}


def _start_worker(graph, fixed_seeds: bool) -> None:
    """In each pool process: the shared network (sent once) and one numba thread."""
    import numba

    numba.set_num_threads(1)
    _WORKER.update(graph=graph, fixed_seeds=fixed_seeds, runners={})


def _run_chunk(key, scenario: Scenario, indices: list[int]):
    from model import Replicates

    runner = _WORKER["runners"].get(key)
    if runner is None:
        runner = _WORKER["runners"][key] = Replicates(scenario, _WORKER["graph"], fixed_seeds=_WORKER["fixed_seeds"])
    return indices, list(runner.runs(replicate_seeds(scenario.seed, indices)))


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
    """Final adoption per behaviour and group: mean with 95% interval over replicates (from the
    results' arrays: no per-replicate DataFrame)."""
    first = results[0]
    finals = np.stack([r.history[-1] for r in results])  # (replicates, behaviours, groups)
    rows = []
    for b, behaviour in enumerate(first.behaviours):
        for g, group in enumerate(first.groups):
            mean, low, high = mean_interval(finals[:, b, g], share=True)
            rows.append({"behaviour": behaviour, "group": group, "mean": mean, "ci_low": low, "ci_high": high, "runs": len(results)})
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
