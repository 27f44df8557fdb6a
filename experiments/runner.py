"""run_sweep: an experiment's runs on Dask, written durably as they arrive.

    from experiments import Experiment, run_sweep
    run_sweep(Experiment.from_toml("experiments/examples/targeting.toml"), out="results/targeting", workers=2)

Where it runs (nothing changes what is computed):

* default: a ``distributed.LocalCluster`` with one single-threaded worker process per core, started
  and stopped here; ``workers=N`` sets the count;
* ``scheduler="tcp://host:8786"``: a running Dask cluster (client, scheduler and workers need the
  same environment: the scheduler unpickles our task graph too);
* ``slurm={queue, cores, memory, walltime, jobs, ...}``: ``dask_jobqueue.SLURMCluster`` jobs.

How (``../shared/notes/sweeps.md``): runs are grouped into tasks of up to two seconds (sized from
run times measured as the sweep goes, shrinking towards the end so the workers finish together) so
Dask's cost per task (~8 ms of CPU across driver and worker on 2 busy cores) stays small; a bounded
window of tasks is in flight and results stream back through ``as_completed``; each worker builds a
network once per distinct network spec and keeps it, and its validated scenarios, from one task to
the next (so graphs are neither rebuilt per run nor shipped per task); finished rows are committed
as Parquet parts every couple of seconds (``store.py``). Local workers are forked from a template
process that imported the model and warmed up on the first design point (``start_worker_template``),
and Dask's periodic housekeeping is slowed down (``WORKER_CONFIG``). A run that raises is
retried ``retries`` times in place and then recorded with ``status = "failed"`` and its error; a task
whose worker died is re-run by Dask, and a task that keeps killing workers is split into single runs
so only the culprit is recorded as failed. Every run is written once: rows are deduplicated by run id.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import signal
import statistics
import sys
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .experiment import Experiment, RunSpec, apply_params, canonical_json, network_seed
from .store import Store, rows_to_table

__all__ = ["run_sweep", "SweepProgress", "SweepResult", "run_batch", "slurm_cluster", "metrics_of", "WORKER_ENV"]

#: one thread per worker process: numba, BLAS and OpenMP must not each start a thread per core
WORKER_ENV = {"NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
#: Dask settings for the clusters started here (the nannies hand them to the workers they (re)start;
#: SLURM jobs get them as ``DASK_*`` variables). Measured on 2 cores, an idle 2-worker LocalCluster
#: with Dask's defaults used 5% of a core in the driver (scheduler and nannies) and 1.9% in each
#: worker, almost all of it periodic callbacks; with these settings 0.8% and 0.3%:
#:
#: * the statistical profiler walks the worker's stack every 10 ms; for runs made of deep pure-Python
#:   calls (pydantic, Mesa, networkx) that cost 60% more CPU per run;
#: * the event-loop health check ("tick", a warning when the loop is blocked) runs every 20 ms in
#:   every server; once a second is plenty for a log line;
#: * the system monitor (CPU, memory, network, disk counters for the dashboard) every 500 ms, and
#:   the nanny's check of its worker's memory every 100 ms: every 5 s and every second.
WORKER_CONFIG = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.worker.memory.monitor-interval": "1s",
}
#: imported by each worker before it joins, so a (re)started worker takes tasks only once it is ready
WORKER_PRELOAD = ("model", "experiments.runner")
#: how local workers start: "forkserver" (forked from a template process that imported
#: TEMPLATE_PRELOAD once, see ``start_worker_template``) or "spawn" (Dask's default: a fresh
#: interpreter per worker); forkserver where the platform has it
WORKER_START = "forkserver"
TEMPLATE_PRELOAD = ("distributed", "numpy", "pandas", *WORKER_PRELOAD)
#: task sizing (runs per task): every task costs ~8 ms of CPU across driver, scheduler and worker
#: (measured on 2 busy cores: ~4 ms in the scheduler and client, ~3 ms in the worker's event loop),
#: so tasks are long: about TARGET_TASK_SECONDS of work, but no more than a 1/(2 x workers) share of
#: the runs left (the tail shrinks so the workers finish together) and no less than
#: MIN_TASK_SECONDS of work (so the tail does not end in a swarm of tiny tasks)
TARGET_TASK_SECONDS = 2.0
MIN_TASK_SECONDS = 0.1
MAX_BATCH = 2000
#: runs per task before the first result has told how long a run takes
FIRST_BATCH = 4
FLUSH_SECONDS = 2.0
FLUSH_ROWS = 5000


# ==================================================================================================
# worker side
# ==================================================================================================
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
    from model import simulate

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
                kept = _kept(simulate(prepared[0], graph=prepared[1]))
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


# ==================================================================================================
# driver side
# ==================================================================================================
@dataclass
class SweepProgress:
    """What a progress hook is told after every finished task."""

    total: int  # runs in the plan
    done: int  # runs finished (ok or failed), including those skipped on resume
    failed: int  # runs recorded as failed
    skipped: int  # runs already finished before this call (resume)
    running: int  # runs submitted and not yet back
    elapsed: float  # seconds since the sweep started
    rate: float  # runs per second in this call
    eta: float | None  # seconds left at that rate
    workers: int  # worker threads connected
    message: str = ""

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 1.0

    def line(self) -> str:
        eta = "?" if self.eta is None else _duration(self.eta)
        return (
            f"{self.done}/{self.total} runs, {self.failed} failed, {self.rate:.1f} run/s, "
            f"ETA {eta}, {self.workers} workers"
        )


@dataclass
class SweepResult:
    """What ``run_sweep`` returns."""

    out: Path
    total: int
    ok: int
    failed: int
    skipped: int  # already finished before this call
    ran: int  # runs finished in this call
    elapsed: float

    @property
    def complete(self) -> bool:
        return self.ok + self.failed >= self.total


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


def slurm_cluster(
    queue: str | None = None,
    cores: int = 1,
    memory: str = "4GB",
    walltime: str = "01:00:00",
    jobs: int = 1,
    account: str | None = None,
    job_extra_directives: list[str] | None = None,
    **kwargs,
):
    """A ``dask_jobqueue.SLURMCluster`` whose jobs each run ``cores`` single-threaded workers.

    Workers retire a few minutes before the walltime (``--lifetime``) so their tasks move to other
    jobs instead of being killed mid-run. ``jobs`` is used by ``run_sweep`` (``cluster.scale(jobs=)``).
    """
    from dask_jobqueue import SLURMCluster

    extra_args = list(kwargs.pop("worker_extra_args", []))
    seconds = _walltime_seconds(walltime)
    if seconds and seconds > 15 * 60 and "--lifetime" not in extra_args:
        extra_args += ["--lifetime", f"{(seconds - 5 * 60) // 60}m", "--lifetime-stagger", "2m"]
    for module in WORKER_PRELOAD:
        extra_args += ["--preload", module]
    env = {
        **WORKER_ENV,
        **{"DASK_" + k.upper().replace(".", "__").replace("-", "_"): str(v) for k, v in WORKER_CONFIG.items()},
    }
    prologue = list(kwargs.pop("job_script_prologue", [])) + [f"export {k}={v}" for k, v in env.items()]
    return SLURMCluster(
        queue=queue,
        account=account,
        cores=int(cores),
        processes=int(cores),
        memory=memory,
        walltime=walltime,
        job_extra_directives=list(job_extra_directives or []),
        worker_extra_args=extra_args,
        job_script_prologue=prologue,
        **kwargs,
    )


def _walltime_seconds(walltime: str | None) -> int | None:
    if not walltime:
        return None
    try:
        days, _, rest = walltime.rpartition("-")
        parts = [int(x) for x in rest.split(":")]
        while len(parts) < 3:
            parts.insert(0, 0)
        h, m, s = parts[-3:]
        return (int(days) if days else 0) * 86400 + h * 3600 + m * 60 + s
    except ValueError:
        return None


def _local_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS
        return os.cpu_count() or 1


def _forkserver_available() -> bool:
    import multiprocessing

    return WORKER_START == "forkserver" and "forkserver" in multiprocessing.get_all_start_methods()


def _local_config() -> dict:
    """Dask settings for a cluster started here: ``WORKER_CONFIG``, and forked workers where possible."""
    if not _forkserver_available():  # Windows, or WORKER_START = "spawn"
        return {**WORKER_CONFIG, "distributed.worker.multiprocessing-method": "spawn"}
    return {**WORKER_CONFIG, "distributed.worker.multiprocessing-method": "forkserver"}


_TEMPLATE_LOCK = threading.Lock()


def start_worker_template(warm: dict | str | os.PathLike | None = None) -> bool:
    """Start (in the background, once per process) the process that local workers are forked from.

    By default Dask starts each local worker as a fresh interpreter (``spawn``) that then imports
    distributed, numba, Mesa and the model: about 2.5 s of CPU per worker (measured: a 2-worker
    cluster took 2.2-8 s to start on 2 busy cores), paid again by every worker restarted after a
    crash. Instead our local workers are forked from multiprocessing's *forkserver*, a
    single-threaded process that imported all of that once (``TEMPLATE_PRELOAD``); a fork then takes
    milliseconds (Dask's ``distributed.worker.multiprocessing-method = "forkserver"``). The template
    inherits ``WORKER_ENV`` (numba reads ``NUMBA_NUM_THREADS`` when it is imported) and Dask's
    ``pre-spawn-environ``; the driver's own environment is left as it was.

    ``warm`` (an experiment file, or ``{"base", "params", "root_seed", "network_policy"}``) makes
    the template warm up once on the sweep's first design point before it forks anyone: it builds
    the shared network and runs one round, so numba's compiled kernels, the network and the model's
    per-network caches are inherited by every worker instead of being loaded, built and filled by
    each (about 0.2 s of CPU per worker for a 1,000-person network; skipped above
    ``WARM_MAX_PEOPLE``, where a run dwarfs it). Best effort: any error there only means no warm-up.

    ``wellspread sweep`` calls this before it reads the experiment, so the template's imports
    overlap the driver's; ``run_sweep`` calls it too (nothing happens if it is running). The template
    lives as long as this process: code changed since it started (a notebook session) needs a new
    Python process. Returns False where there is no forkserver (Windows): workers are spawned.
    """
    if not _forkserver_available():  # Windows, or WORKER_START = "spawn"
        return False
    import multiprocessing
    import multiprocessing.forkserver

    import dask  # not distributed: the template's imports should start as early as they can

    with _TEMPLATE_LOCK:
        # distributed sets its own (shorter) preload list when it first starts a worker; by then the
        # template is running and its list no longer matters
        multiprocessing.get_context("forkserver").set_forkserver_preload(list(TEMPLATE_PRELOAD))
        pre_spawn = dask.config.get("distributed.nanny.pre-spawn-environ", default=None)
        if pre_spawn is None:  # distributed's defaults are not loaded yet: these are they
            pre_spawn = {"MALLOC_TRIM_THRESHOLD_": 65536, "OMP_NUM_THREADS": 1, "MKL_NUM_THREADS": 1}
        env = {k: str(v) for k, v in pre_spawn.items()}
        env.update(WORKER_ENV)
        env[_TEMPLATE_ENV] = "1"
        warm_file = _warm_file(warm)
        if warm_file is not None:
            env[_WARM_ENV] = warm_file
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        try:
            multiprocessing.forkserver.ensure_running()
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
            _WARM_FILES.extend([warm_file] if warm_file else [])
    return True


#: the template warms up on generated networks of at most this many people (it keeps the network
#: as long as it lives; bigger runs dwarf the warm-up; and numba's parallel kernels, used for the
#: biggest, must not start threads in a process that forks)
WARM_MAX_PEOPLE = 200_000
_WARM_ENV = "WELLSPREAD_TEMPLATE_WARM"
_TEMPLATE_ENV = "WELLSPREAD_TEMPLATE"
_WARM_FILES: list[str] = []
_WARM_CLEANUP = False


def _warm_file(warm) -> str | None:
    """A private temporary file holding what the template warms up on (None: no warm-up)."""
    if warm is None:
        return None
    import pickle
    import tempfile

    spec = {"toml": str(Path(warm).resolve())} if isinstance(warm, (str, os.PathLike)) else dict(warm)
    fd, path = tempfile.mkstemp(prefix="wellspread-warm-", suffix=".pickle")
    with os.fdopen(fd, "wb") as fh:
        pickle.dump(spec, fh)
    global _WARM_CLEANUP
    if not _WARM_CLEANUP:
        import atexit

        atexit.register(_forget_warm_files)  # e.g. a CLI that stops at a bad spec before any cluster
        _WARM_CLEANUP = True
    return path


def _forget_warm_files() -> None:
    """Delete warm-up files (the template reads its file before it takes its first fork request)."""
    while _WARM_FILES:
        with contextlib.suppress(OSError):
            os.unlink(_WARM_FILES.pop())


def _warm_spec(exp: Experiment) -> dict:
    return {
        "base": exp.base_run,
        "params": exp.points[0] if exp.points else {},
        "root_seed": exp.seed,
        "network_policy": exp.network_policy,
    }


def _in_template() -> None:
    """In the worker template (``experiments.runner`` imported with WELLSPREAD_TEMPLATE set): warm
    up, then move every object so far to the garbage collector's permanent generation (``gc.freeze``,
    what the ``gc`` docs advise before forking): the workers' collections then skip the ~10^6
    objects of the imported libraries instead of walking them (and copying every page they sit on)."""
    if os.environ.pop(_TEMPLATE_ENV, None) is None:
        return
    import gc

    _warm_template()
    gc.collect()
    gc.freeze()


def _warm_template() -> None:
    """Build the first point's shared network and run one round on it, so forked workers inherit both."""
    path = os.environ.pop(_WARM_ENV, None)
    if not path:
        return
    try:
        import pickle

        with open(path, "rb") as fh:
            spec = pickle.load(fh)
        with contextlib.suppress(OSError):
            os.unlink(path)
        if "toml" in spec:
            from .experiment import first_point_of_toml

            spec = first_point_of_toml(spec["toml"])
        if spec["network_policy"] != "shared":
            return
        from model import Scenario, simulate

        data = apply_params(spec["base"], spec["params"])
        sc = Scenario.model_validate({**data, "seed": int(spec["root_seed"])})
        net = sc.network
        if net.kind in ("file", "dataset") or not net.n or net.n > WARM_MAX_PEOPLE:
            return  # of unknown size, or big: the template should not hold it for its lifetime
        graph = shared_graph(net, network_seed(int(spec["root_seed"])))
        simulate(sc.model_copy(update={"steps": 1}), graph=graph)
    except Exception:  # noqa: BLE001, S110 - best effort: a worker without warm-up works the same
        pass


@contextlib.contextmanager
def _client(workers: int | None, scheduler: str | None, slurm: dict | None, warm: dict | None = None):
    """A Dask client for the requested cluster; clusters started here are stopped on exit."""
    import importlib.util

    import dask
    from distributed import Client, LocalCluster

    if scheduler:
        client = Client(scheduler, timeout="30s")
        try:
            yield client
        finally:
            client.close()
        return
    with contextlib.ExitStack() as stack:
        if slurm:
            slurm = dict(slurm)
            jobs = int(slurm.pop("jobs", 1) or 1)
            cluster = slurm_cluster(**slurm)
            cluster.scale(jobs=jobs)
        else:
            n = int(workers or _local_cores())
            dashboard = ":0" if importlib.util.find_spec("bokeh") else None
            start_worker_template(warm)
            # held while the cluster lives: a nanny reads the multiprocessing method whenever it
            # (re)starts its worker, and hands the rest of the config to it
            stack.enter_context(dask.config.set(_local_config()))
            try:
                cluster = LocalCluster(
                    n_workers=n,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=dashboard,
                    silence_logs=logging.CRITICAL,
                    env=WORKER_ENV,
                    preload=list(WORKER_PRELOAD),
                )
            except Exception as exc:
                raise RuntimeError(
                    f"could not start {n} local Dask workers ({type(exc).__name__}: {exc}); "
                    f"check that `{sys.executable} -c 'import model'` works"
                ) from exc
            finally:
                _forget_warm_files()
        client = Client(cluster)
        try:
            yield client
        finally:
            with contextlib.suppress(Exception):
                client.close()
            with contextlib.suppress(Exception):
                cluster.close()


@contextlib.contextmanager
def _sigterm_as_interrupt():
    """SIGTERM (SLURM's warning, ``kill``) stops the sweep like Ctrl-C: buffered runs are flushed."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class _Writer:
    """Buffers finished rows and commits them as Parquet parts every few seconds (and at the end).

    The first finished task is committed at once, so a reader (``wellspread status``, the dashboard)
    sees the sweep's first results as soon as they exist.
    """

    def __init__(self, store: Store, flush_seconds: float, flush_rows: int):
        self.store = store
        self.flush_seconds = flush_seconds
        self.flush_rows = flush_rows
        self.buffer: list = []
        self.rows = 0
        self.last = -math.inf

    def add(self, table) -> None:
        if table.num_rows:
            self.buffer.append(table)
            self.rows += table.num_rows
        if self.rows >= self.flush_rows or (self.rows and time.monotonic() - self.last >= self.flush_seconds):
            self.flush()

    def flush(self) -> None:
        import pyarrow as pa

        if self.buffer:
            table = pa.concat_tables(self.buffer, promote_options="default")
            self.store.write_part(table)
        self.buffer, self.rows = [], 0
        self.last = time.monotonic()


def run_sweep(
    exp: Experiment | str | os.PathLike,
    out: str | os.PathLike | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    slurm: dict | None = None,
    resume: bool = False,
    progress: Callable[[SweepProgress], None] | None = None,
    batch_size: int | None = None,
    retries: int = 2,
    flush_seconds: float = FLUSH_SECONDS,
) -> SweepResult:
    """Run every run of ``exp`` on Dask and write them to ``out``; returns a ``SweepResult``.

    Args:
        exp: an ``Experiment`` or a path to its TOML.
        out: results folder (default ``results/<experiment name>``).
        workers: local worker processes (default: one per core).
        scheduler: address of a running Dask scheduler (``tcp://host:8786``) instead of a local cluster.
        slurm: ``{queue, cores, memory, walltime, jobs, account, ...}`` for ``dask_jobqueue.SLURMCluster``.
        resume: continue a sweep in ``out``: finished run ids are skipped, failed ones tried again.
        progress: called with a ``SweepProgress`` after every finished task (and once at the start);
            an exception raised there stops the sweep (finished runs are kept).
        batch_size: runs per Dask task (default: sized so a task takes about a second).
        retries: extra attempts of a run that raises before it is recorded as failed.
        flush_seconds: longest time a finished run waits in memory before it is committed.

    Raises:
        ValueError: a bad argument or a results folder that cannot take this sweep (nothing written).
    """
    if not isinstance(exp, Experiment):
        exp = Experiment.from_toml(exp)
    chosen = [name for name, v in (("workers", workers), ("scheduler", scheduler), ("slurm", slurm)) if v]
    if len(chosen) > 1:
        raise ValueError(f"run_sweep: choose one of workers, scheduler and slurm, not {' and '.join(chosen)}")
    if workers is not None and (isinstance(workers, bool) or int(workers) < 1):
        raise ValueError(f"run_sweep: workers must be a positive integer, got {workers!r}")
    if batch_size is not None and (isinstance(batch_size, bool) or int(batch_size) < 1):
        raise ValueError(f"run_sweep: batch_size must be a positive integer, got {batch_size!r}")
    if isinstance(retries, bool) or int(retries) < 0:
        raise ValueError(f"run_sweep: retries must be a non-negative integer, got {retries!r}")
    if slurm is not None:
        if not isinstance(slurm, dict):
            raise ValueError("run_sweep: slurm must be a dict like {queue, cores, memory, walltime, jobs}")
    out = Path(out) if out is not None else Path("results") / exp.name
    Store.check(out, exp, resume)  # before anything is written or started
    if not scheduler and not slurm and not resume:  # (a resumed sweep may have nothing left to run)
        start_worker_template(_warm_spec(exp))  # its imports overlap planning and preparing the folder

    plan = exp.plan()
    store = Store(out)
    store.prepare(exp, resume=resume)
    try:
        return _drive(exp, plan, store, workers, scheduler, slurm, progress, batch_size, retries, flush_seconds)
    finally:
        store.unlock()


def _drive(exp, plan, store, workers, scheduler, slurm, progress, batch_size, retries, flush_seconds) -> SweepResult:
    from distributed import as_completed
    from distributed.core import CommClosedError  # noqa: F401  (import check: distributed is complete)

    started = time.monotonic()
    total = len(plan)
    statuses = store.statuses()
    finished = {rid for rid, st in statuses.items() if st == "ok"}
    todo = [r for r in plan if r.run_id not in finished]
    planned_ids = {r.run_id for r in plan}
    skipped = sum(1 for rid in finished if rid in planned_ids)
    ok, failed = skipped, 0
    written: set[str] = set(finished)
    payload = exp.payload(retries)

    def report(running: int, workers_now: int, message: str = "") -> None:
        if progress is None:
            return
        elapsed = time.monotonic() - started
        ran = ok + failed - skipped
        rate = ran / elapsed if elapsed > 0 else 0.0
        eta = (total - ok - failed) / rate if rate > 0 else None
        progress(SweepProgress(total, ok + failed, failed, skipped, running, elapsed, rate, eta, workers_now, message))

    if not todo:
        store.write_manifest(total, ok, 0, finished=True)
        report(0, 0, "nothing to do: every run is finished")
        return SweepResult(store.root, total, ok, 0, skipped, 0, time.monotonic() - started)

    writer = _Writer(store, flush_seconds, FLUSH_ROWS)
    report(0, 0, "starting workers")
    warm = _warm_spec(exp) if not scheduler and not slurm else None
    with _sigterm_as_interrupt(), _client(workers, scheduler, slurm, warm) as client:
        queue: deque = deque(todo)
        singles: deque = deque()  # runs of a task that failed as a whole, resubmitted one by one
        in_flight: dict = {}
        ac = as_completed(with_results=True, raise_errors=False)
        per_run: list[float] = []
        counter = 0
        any_ok_task = False
        nthreads = 0
        nthreads_at = 0.0

        def threads() -> int:
            nonlocal nthreads, nthreads_at
            now = time.monotonic()
            if now - nthreads_at > 2.0 or nthreads == 0:
                with contextlib.suppress(Exception):
                    nthreads = sum(client.nthreads().values())
                nthreads_at = now
            return nthreads

        def next_size() -> int:
            if batch_size:
                return int(batch_size)
            width = max(threads(), 1)
            share = math.ceil(len(queue) / (2 * width))
            if not per_run:
                return max(1, min(share, FIRST_BATCH))
            per = max(statistics.median(per_run[-64:]), 1e-6)
            floor = max(1, int(MIN_TASK_SECONDS / per))
            return max(floor, min(share, MAX_BATCH, int(TARGET_TASK_SECONDS / per)))

        def submit(runs: list[RunSpec]) -> None:
            nonlocal counter
            counter += 1
            key = f"wellspread-{runs[0].run_id[:12]}-{counter}"
            fut = client.submit(run_task, _Batch(payload, [tuple(r) for r in runs]), key=key, pure=False, retries=0)
            in_flight[fut] = runs
            ac.add(fut)

        def refill() -> None:
            width = max(threads(), 1)
            # until a run has been timed, one small task running and one waiting per worker
            window = 3 * width + 2 if per_run or batch_size else 2 * width
            while len(in_flight) < window and (singles or queue):
                if singles:
                    submit([singles.popleft()])
                    continue
                size = next_size()
                submit([queue.popleft() for _ in range(min(size, len(queue)))])

        def running() -> int:
            return sum(len(r) for r in in_flight.values())

        refill()
        report(running(), threads(), "running")
        try:
            for fut, result in ac:
                runs = in_flight.pop(fut)
                if fut.status == "finished":
                    any_ok_task = True
                    table = result
                    ids = table.column("run_id").to_pylist()
                    dup = [rid in written for rid in ids]
                    if any(dup):
                        import pyarrow as pa

                        table = table.filter(pa.array([not d for d in dup]))
                    st = table.column("status").to_pylist()
                    walls = table.column("_wall_s").to_pylist()
                    for rid, s, w in zip(table.column("run_id").to_pylist(), st, walls, strict=False):
                        if s == "ok":
                            written.add(rid)
                            ok += 1
                            per_run.append(w)
                        else:
                            failed += 1
                    writer.add(table)
                else:
                    exc = fut.exception()
                    if not any_ok_task and not _is_worker_death(exc):
                        raise RuntimeError(
                            f"tasks fail on the Dask cluster before any run: {type(exc).__name__}: {exc}"
                        )
                    if len(runs) > 1:
                        singles.extend(runs)
                    else:
                        writer.add(_failed_table(payload, runs[0], exc))
                        failed += 1
                refill()
                report(running(), threads(), "running")
        except BaseException:
            with contextlib.suppress(Exception):
                client.cancel(list(in_flight))
            raise
        finally:
            writer.flush()
            store.write_manifest(total, ok, failed, finished=not in_flight and not queue and not singles)
    elapsed = time.monotonic() - started
    report(0, 0, "done")
    return SweepResult(store.root, total, ok, failed, skipped, ok + failed - skipped, elapsed)


def _is_worker_death(exc) -> bool:
    name = type(exc).__name__
    return name in ("KilledWorker", "CommClosedError", "CancelledError", "FutureCancelledError")


def _failed_table(payload: dict, run: RunSpec, exc):
    if type(exc).__name__ == "KilledWorker":
        error = "KilledWorker: the worker process died every time it ran this run"
    else:
        error = f"{type(exc).__name__}: {' '.join(str(exc).split())}"
    row = {
        "run_id": run.run_id,
        "point": run.point,
        **run.params,
        "replicate": run.replicate,
        "seed": run.seed,
        "status": "failed",
        "error": error,
        "attempts": None,
        "steps": None,
        "_wall_s": None,
        "_worker": None,
    }
    return rows_to_table([row], payload["paths"], payload["param_types"])


_in_template()  # a no-op except in the worker template (see ``start_worker_template``)
