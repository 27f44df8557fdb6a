"""The worker side of a sweep: what runs inside a Dask worker process.

``run_task`` is the Dask task (``run_batch`` on a ``_Batch``): it turns a batch of runs into one row
each (``metrics_of``), failures recorded rather than raised. Each worker keeps, from one task to the
next, the networks it built (``shared_graph``, cache ``_GRAPHS``) and the scenarios it validated
(``_POINTS``). Separate from the driver (``runner.py``) because none of it needs Dask: it is plain
Python a worker imports, and the tests call it in-process.
"""

from __future__ import annotations

import os
import time
from collections import OrderedDict

import numpy as np

from .experiment import RunSpec, apply_params, canonical_json, network_seed
from .store import rows_to_table

_GRAPHS: OrderedDict = OrderedDict()
_GRAPH_CACHE_SIZE = 4


def _graph_key(network, seed: int) -> str:
    return canonical_json({"network": network.model_dump(mode="json"), "seed": int(seed)})


def shared_graph(network, seed: int, key: str | None = None):
    """The network for ``network`` (a NetworkSpec) built once per worker process with ``seed``."""
    if key is None:
        key = _graph_key(network, seed)
    G = _GRAPHS.get(key)
    if G is None:
        G = network.build(seed=int(seed))
        _GRAPHS[key] = G
        while len(_GRAPHS) > _GRAPH_CACHE_SIZE:
            _GRAPHS.popitem(last=False)
    else:
        _GRAPHS.move_to_end(key)
    return G


def _threshold_label(t: float) -> str:
    return f"{t:g}"


class _Layout:
    """The metric column names of one shape of ``Result`` (behaviours, groups), computed once."""

    def __init__(self, names: tuple, labels: tuple, thresholds: tuple, keep_timeseries: bool):
        attributes: dict[str, list[int]] = {}
        for g, label in enumerate(labels[1:], start=1):
            attributes.setdefault(label.split("=", 1)[0], []).append(g)
        self.behaviours = []
        for name in names:
            self.behaviours.append(
                (
                    name,
                    f"final.{name}",
                    [f"final.{name}.{label}" for label in labels[1:]],
                    # highest-valued group minus lowest (deprivation: least minus most deprived)
                    [(f"gap.{name}.{a}", gs[-1], gs[0]) for a, gs in attributes.items() if len(gs) >= 2],
                    [(f"time.{name}.{_threshold_label(t)}", t) for t in thresholds],
                    f"series.{name}" if keep_timeseries else None,
                )
            )


_LAYOUTS: dict = {}


def metrics_of(result, thresholds=(0.25, 0.5), keep_timeseries: bool = False) -> dict:
    """The metric columns of one run's ``Result`` (see ``load_results`` for the names)."""
    hist = getattr(result, "history", None)
    if hist is not None:
        names, labels = tuple(result.behaviours), tuple(result.groups)
        hist = np.asarray(hist, dtype=float)
    else:  # older Result: only the long time series
        ts = result.timeseries
        names = tuple(ts["behaviour"].cat.categories)
        labels = tuple(ts["group"].cat.categories)
        hist = ts["adopted"].to_numpy(dtype=float).reshape(-1, len(names), len(labels))
    key = (names, labels, tuple(thresholds), bool(keep_timeseries))
    layout = _LAYOUTS.get(key)
    if layout is None:
        layout = _LAYOUTS[key] = _Layout(*key)
    row: dict = {"steps": int(result.steps)}  # hist: (steps+1, behaviours, groups)
    cost = getattr(result, "cost", None)
    if isinstance(cost, (int, float, np.integer, np.floating)) and not isinstance(cost, bool):
        row["cost"] = float(cost)
    last = hist[-1]
    final = result.final
    for b, (name, final_col, group_cols, gaps, times, series_col) in enumerate(layout.behaviours):
        row[final_col] = float(final[name])
        lb = last[b]
        row.update(zip(group_cols, lb[1:].tolist(), strict=True))
        for col, hi, lo in gaps:
            row[col] = float(lb[hi] - lb[lo])
        everyone = hist[:, b, 0]
        for col, t in times:
            reached = everyone >= t
            first = int(reached.argmax())
            row[col] = float(first) if reached[first] else None
        if series_col is not None:
            row[series_col] = everyone.tolist()
    economics = getattr(result, "economics", None)
    if isinstance(economics, dict):
        for k, v in economics.items():
            if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
                row[f"economics.{k}"] = float(v)
    return row


#: validated scenarios of design points, kept by each worker from one task to the next:
#: (payload key, point) -> (Scenario, key of its shared network or None)
_POINTS: OrderedDict = OrderedDict()
_POINT_CACHE_SIZE = 1024


def _point_scenario(payload: dict, run: RunSpec, scenarios: dict):
    """(Scenario, shared network or None) of ``run``'s design point, validated once per worker."""
    key = payload.get("key")
    cache, ck = (_POINTS, (key, run.point)) if key is not None else (scenarios, run.point)
    cached = cache.get(ck)
    if cached is None:
        from model import Scenario

        data = apply_params(payload["base"], run.params)
        sc = Scenario.model_validate({**data, "seed": payload["root_seed"]})
        graph_key = None
        if payload["network_policy"] == "shared":
            seed = network_seed(payload["root_seed"])
            graph_key = _graph_key(sc.network, seed)
            shared_graph(sc.network, seed, graph_key)
        cached = cache[ck] = (sc, graph_key, seed if graph_key else None)
        if cache is _POINTS:
            while len(_POINTS) > _POINT_CACHE_SIZE:
                _POINTS.popitem(last=False)
    sc, graph_key, seed = cached
    graph = None
    if graph_key is not None:
        graph = _GRAPHS.get(graph_key)
        if graph is None:  # evicted by other networks: build it again
            graph = shared_graph(sc.network, seed, graph_key)
    return sc, graph


def _forget_point(payload: dict, run: RunSpec, scenarios: dict) -> None:
    scenarios.pop(run.point, None)
    _POINTS.pop((payload.get("key"), run.point), None)
    _RUNNERS.pop((payload.get("key"), run.point), None)


#: the set-up of each design point on its shared network (``model.Replicates``: network converted
#: once, seeds chosen once where the network alone decides), kept from one task to the next
_RUNNERS: OrderedDict = OrderedDict()


def _run(payload: dict, run: RunSpec, prepared: tuple, scenarios: dict):
    """The run's ``Result``: through its design point's ``Replicates`` on a shared network (kept per
    worker); ``simulate`` when each run builds its own network from its own seed (nothing to share)."""
    from model import Replicates, simulate

    sc, graph = prepared
    if graph is None:
        return simulate(sc)
    key = (payload.get("key"), run.point)
    runner = _RUNNERS.get(key)
    if runner is None or runner.graph is not graph:
        runner = _RUNNERS[key] = Replicates(_point_scenario(payload, run, scenarios)[0], graph)
        while len(_RUNNERS) > _POINT_CACHE_SIZE:
            _RUNNERS.popitem(last=False)
    else:
        _RUNNERS.move_to_end(key)
    return next(runner.runs([sc.seed]))  # the batch kernel's path where the rule has one (identical results)


class _Kept:
    """What ``metrics_of`` reads from a ``Result``, kept until the batch's rows are made."""

    __slots__ = ("history", "behaviours", "groups", "steps", "final", "cost", "economics")

    def __init__(self, result):
        self.history = result.history
        self.behaviours = result.behaviours
        self.groups = result.groups
        self.steps = result.steps
        self.final = result.final
        self.cost = getattr(result, "cost", None)
        self.economics = getattr(result, "economics", None)


def _kept(result):
    return _Kept(result) if getattr(result, "history", None) is not None else result


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {' '.join(str(exc).split())}"


_WORKER_NAME: str | None = None


def _worker_name() -> str:
    global _WORKER_NAME
    if _WORKER_NAME is None or not _WORKER_NAME.endswith(f":{os.getpid()}"):  # a forked process
        import socket

        _WORKER_NAME = f"{socket.gethostname()}:{os.getpid()}"
    return _WORKER_NAME


def run_batch(payload: dict, runs: list) -> pa.Table:  # noqa: F821
    """Run a batch of runs on a worker; one row per run (failures recorded, never raised).

    In three passes (scenarios, runs, rows) rather than run by run: each pass then runs with its
    code and data in the CPU's caches, which a simulation evicts (measured: metrics 22 -> 8 us a run,
    the scenario's copy 12 -> 3 us).
    """
    worker = _worker_name()
    scenarios: dict = {}
    tries = 1 + max(int(payload.get("retries", 0)), 0)
    runs = [RunSpec(*run) for run in runs]
    # 1. every run's scenario: its point's, validated once per worker, with the run's seed
    ready: list = []
    for run in runs:
        try:
            sc, graph = _point_scenario(payload, run, scenarios)
            ready.append((sc.model_copy(update={"seed": int(run.seed)}), graph))
        except Exception:  # noqa: BLE001 - tried again (and recorded) in the next pass
            _forget_point(payload, run, scenarios)
            ready.append(None)
    # 2. the runs; a run that raises is tried again from a freshly validated scenario
    done: list = []
    for run, prepared in zip(runs, ready, strict=True):
        start = time.perf_counter()
        kept, error, attempts = None, None, 0
        while attempts < tries:
            attempts += 1
            try:
                if prepared is None:
                    sc, graph = _point_scenario(payload, run, scenarios)
                    prepared = (sc.model_copy(update={"seed": int(run.seed)}), graph)
                kept = _kept(_run(payload, run, prepared, scenarios))
            except Exception as exc:  # noqa: BLE001 - any failure of one run is recorded, not raised
                error, prepared = _error_text(exc), None
                _forget_point(payload, run, scenarios)
                continue
            error = None
            break
        done.append((kept, error, attempts, time.perf_counter() - start))
    # 3. the rows
    thresholds, keep_timeseries = payload["thresholds"], payload["keep_timeseries"]
    rows = []
    for run, (kept, error, attempts, wall) in zip(runs, done, strict=True):
        row = {"run_id": run.run_id, "point": run.point, **run.params, "replicate": run.replicate, "seed": run.seed}
        if error is None:
            try:
                metrics = metrics_of(kept, thresholds, keep_timeseries)
            except Exception as exc:  # noqa: BLE001 - recorded like a run that raised
                error = _error_text(exc)
        if error is None:
            row.update(status="ok", error=None, attempts=attempts, **metrics)
        else:
            row.update(status="failed", error=error, attempts=attempts, steps=None)
        row["_wall_s"] = wall
        row["_worker"] = worker
        rows.append(row)
    return rows_to_table(rows, payload["paths"], payload["param_types"])


class _Batch:
    """A task's arguments, opaque to Dask.

    ``client.submit`` walks every list, tuple and dict among its arguments looking for futures: a
    few microseconds per run and parameter, in the driver, for every task. Wrapped, they are just
    pickled.
    """

    __slots__ = ("payload", "runs")

    def __init__(self, payload: dict, runs: list):
        self.payload = payload
        self.runs = runs

    def __getstate__(self):
        return (self.payload, self.runs)

    def __setstate__(self, state):
        self.payload, self.runs = state


def run_task(batch: _Batch):
    """The Dask task: ``run_batch`` on a wrapped batch."""
    return run_batch(batch.payload, batch.runs)
