"""run_sweep: an experiment's runs on Dask, written durably as they arrive.

    from experiments import Experiment, run_sweep
    run_sweep(Experiment.from_toml("experiments/examples/targeting.toml"), out="results/targeting", workers=2)

Where it runs (nothing changes what is computed):

* default: a ``distributed.LocalCluster`` with one single-threaded worker process per core, started
  and stopped here; ``workers=N`` sets the count;
* ``scheduler="tcp://host:8786"``: a running Dask cluster (client, scheduler and workers need the
  same environment: the scheduler unpickles our task graph too);
* ``slurm={queue, cores, memory, walltime, jobs, ...}``: ``dask_jobqueue.SLURMCluster`` jobs.

How (``docs/sweeps.md``): runs are grouped into tasks of up to two seconds (sized from
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

The code a worker runs is in ``sweep_worker.py``, the cluster set-up (local template, SLURM, the
client) in ``sweep_cluster.py``; this module drives the sweep and re-exports their public names.
"""

from __future__ import annotations

import contextlib
import math
import os
import signal
import statistics
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .experiment import Experiment, RunSpec
from .store import Store, rows_to_table

# used by the driver, and re-exported: other code imports these from here (their state lives in those modules)
from .sweep_cluster import (  # noqa: F401
    TEMPLATE_PRELOAD,
    WARM_MAX_PEOPLE,
    WORKER_CONFIG,
    WORKER_ENV,
    WORKER_PRELOAD,
    WORKER_START,
    _client,
    _in_template,
    _warm_file,
    _warm_spec,
    slurm_cluster,
    start_worker_template,
)
from .sweep_worker import _GRAPHS, _Batch, metrics_of, run_batch, run_task, shared_graph  # noqa: F401
from .worker_deaths import death_note

__all__ = ["run_sweep", "SweepProgress", "SweepResult", "run_batch", "slurm_cluster", "metrics_of", "WORKER_ENV"]

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

    Examples
    --------
    >>> import tempfile
    >>> from experiments import Experiment, load_results, run_sweep
    >>> exp = Experiment.from_dict({"seed": 1, "replicates": 2,
    ...     "base": {"steps": 20, "network": {"kind": "erdos_renyi", "n": 300},
    ...              "behaviours": [{"name": "walk", "rule": "independent_cascade", "p": 0.1}]},
    ...     "vary": {"seeding.strategy": ["random", "degree"]}})
    >>> out = tempfile.mkdtemp()
    >>> result = run_sweep(exp, out=out, workers=1)
    >>> df = load_results(out)
    >>> len(df), sorted(df["seeding.strategy"].unique()), (df["status"] == "ok").all()
    (4, ['degree', 'random'], np.True_)
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
        _check_slurm()
    out = Path(out) if out is not None else Path("results") / exp.name
    Store.check(out, exp, resume)  # before anything is written or started
    if not scheduler and not slurm and not resume:  # (a resumed sweep may have nothing left to run)
        start_worker_template(_warm_spec(exp))  # its imports overlap planning and preparing the folder

    created = not out.exists()
    store = Store(out)
    store.prepare(exp, resume=resume)
    try:
        return _drive(exp, store, workers, scheduler, slurm, progress, batch_size, retries, flush_seconds)
    except KeyboardInterrupt:
        raise
    except BaseException:
        store.unlock()
        if created and not store.parts():  # nothing ran: leave no half-made results folder behind
            import shutil

            shutil.rmtree(out, ignore_errors=True)
        raise
    finally:
        store.unlock()


#: SLURM jobs that have not started a single worker after this many seconds stop the sweep
#: (``WELLSPREAD_SLURM_START_TIMEOUT`` sets it): a queue that never runs them must not wait forever
SLURM_START_TIMEOUT = 600.0


class ClusterError(ValueError):
    """The cluster asked for cannot run the sweep (no ``sbatch``, jobs that never start)."""


def _check_slurm() -> None:
    import shutil

    if shutil.which("sbatch") is None:
        raise ClusterError("--slurm-*: there is no `sbatch` command here; run the sweep on a SLURM login node")


def _slurm_start_timeout() -> float:
    try:
        return float(os.environ.get("WELLSPREAD_SLURM_START_TIMEOUT", SLURM_START_TIMEOUT))
    except ValueError:
        return SLURM_START_TIMEOUT


class _Queue:
    """The runs still to submit, drawn from the plan one at a time (finished ones skipped).

    ``len`` is the runs left at most (exact unless the folder holds runs of no planned id); only
    task sizes depend on it.
    """

    def __init__(self, exp: Experiment, finished: set):
        self._runs = (r for r in exp.iter_plan() if r.run_id not in finished)
        self._left = exp.n_runs - len(finished)
        self._next: RunSpec | None = None

    def __len__(self) -> int:
        return max(self._left, 1) if self else 0

    def _peek(self) -> RunSpec | None:
        if self._next is None:
            self._next = next(self._runs, None)
        return self._next

    def __bool__(self) -> bool:
        return self._peek() is not None

    def popleft(self) -> RunSpec:
        run = self._peek()
        if run is None:
            raise IndexError("no runs left")
        self._next = None
        self._left -= 1
        return run


def _drive(exp, store, workers, scheduler, slurm, progress, batch_size, retries, flush_seconds) -> SweepResult:
    from distributed import as_completed
    from distributed.core import CommClosedError  # noqa: F401  (import check: distributed is complete)

    started = time.monotonic()
    total = exp.n_runs
    statuses = store.statuses()
    finished = {rid for rid, st in statuses.items() if st == "ok"}
    todo = _Queue(exp, finished)  # lazy: a plan of 10**7 runs is never built
    skipped = min(len(finished), total)  # the folder's identity matches: its runs are planned runs
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
        queue = todo
        singles: deque = deque()  # runs of a task that failed as a whole, resubmitted one by one
        in_flight: dict = {}
        ac = as_completed(with_results=True, raise_errors=False)
        per_run: deque = deque(maxlen=256)  # recent run times size the tasks
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
            per = max(statistics.median(list(per_run)[-64:]), 1e-6)
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
                batch: list[RunSpec] = []
                while queue and len(batch) < size:
                    batch.append(queue.popleft())
                submit(batch)

        def running() -> int:
            return sum(len(r) for r in in_flight.values())

        if slurm:
            limit = _slurm_start_timeout()
            report(0, 0, f"waiting for SLURM jobs to start (at most {limit:g} s)")
            try:
                client.wait_for_workers(1, timeout=limit)
            except Exception:  # noqa: BLE001 - distributed raises TimeoutError or its own
                raise ClusterError(
                    f"--slurm-*: no SLURM job started a worker within {limit:g} s (see squeue; "
                    "WELLSPREAD_SLURM_START_TIMEOUT sets the wait)"
                ) from None
        refill()
        report(running(), threads(), "running")
        interrupted = False
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
        except KeyboardInterrupt:  # Ctrl-C or SIGTERM: keep what finished, say how to go on
            interrupted = True
            with contextlib.suppress(Exception):
                client.cancel(list(in_flight))
        except BaseException:
            with contextlib.suppress(Exception):
                client.cancel(list(in_flight))
            raise
        finally:
            writer.flush()
            store.write_manifest(total, ok, failed, finished=not in_flight and not queue and not singles)
    if interrupted:
        from .userio import Interrupted

        raise Interrupted(f"interrupted: {ok} of {total} runs kept; --resume continues")
    elapsed = time.monotonic() - started
    report(0, 0, "done")
    return SweepResult(store.root, total, ok, failed, skipped, ok + failed - skipped, elapsed)


def _is_worker_death(exc) -> bool:
    name = type(exc).__name__
    return name in ("KilledWorker", "CommClosedError", "CancelledError", "FutureCancelledError")


def _failed_table(payload: dict, run: RunSpec, exc):
    if type(exc).__name__ == "KilledWorker":
        error = f"KilledWorker: the worker process died every time it ran this run{death_note()}"
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


def dask_setup(worker) -> None:
    """Run by Dask in each worker that preloads this module: Ctrl-C in the terminal reaches every
    process of its group, and the driver alone answers it (it stops the workers); a worker that
    raised KeyboardInterrupt too would print a traceback of its own."""
    with contextlib.suppress(ValueError):  # only the main thread may set handlers
        signal.signal(signal.SIGINT, signal.SIG_IGN)


_in_template()  # a no-op except in the worker template (see ``start_worker_template``)
