"""Cluster set-up for a sweep: where its Dask workers come from.

A local cluster (workers forked from a template process that imported the model and warmed up on the
first design point: ``start_worker_template``), a running scheduler, or SLURM jobs
(``slurm_cluster``), and the Dask settings and environment they all get (``WORKER_ENV``,
``WORKER_CONFIG``); ``_client`` hands the driver a client for whichever was asked. Separate from the
driver (``runner.py``) because none of it decides what runs or what is written.

The template imports ``experiments.runner`` (``WORKER_PRELOAD``), whose last line calls
``_in_template``, so the warm-up and ``gc.freeze`` happen once every sweep module is loaded.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from pathlib import Path

from . import worker_deaths as deaths
from .experiment import Experiment, apply_params, network_seed
from .sweep_worker import shared_graph

#: one thread per worker process: numba, BLAS and OpenMP must not each start a thread per core; and
#: a threading layer that survives a fork (numba's default here, GNU OpenMP, terminates a forked
#: worker that runs a parallel loop once the template has started it; workers run one thread anyway)
WORKER_ENV = {
    "NUMBA_NUM_THREADS": "1",
    "NUMBA_THREADING_LAYER": "forksafe",
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}
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
    prologue.append(SLURM_NUMBA_CACHE)
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


#: numba's compiled-code cache of a SLURM job: the user's NUMBA_CACHE_DIR if set, else a folder on
#: the node's local disk. Numba adds a new entry to a function's index by reading and rewriting it, so
#: processes that first compile different entries of one function at once (nodes of different CPU
#: types sharing a home directory) can leave an entry naming another's code; one cache per node
#: cannot (docs/sweeps.md, "Numba's cache").
SLURM_NUMBA_CACHE = 'export NUMBA_CACHE_DIR="${NUMBA_CACHE_DIR:-${TMPDIR:-/tmp}/wellspread-numba-$(id -u)}"'


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

    spec = {"toml": str(Path(warm).resolve())} if isinstance(warm, (str, os.PathLike)) else dict(warm)  # or {"scenario_toml"}
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
        if "scenario_toml" in spec:  # compare, run --replicates: one scenario file, its own network
            _warm_on_scenario(spec["scenario_toml"])
            return
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
        simulate(_one_cheap_round(sc), graph=graph)
    except Exception:  # noqa: BLE001, S110 - best effort: a worker without warm-up works the same
        pass


def _warm_on_scenario(path: str) -> None:
    """The template's warm-up for ``compare`` and ``run``: the scenario's network and one round of it."""
    from model import Scenario, simulate
    from model.simulate import build_graph

    sc = Scenario.from_toml(path)
    if sc.network.kind in ("file", "dataset") or not sc.network.n or sc.network.n > WARM_MAX_PEOPLE:
        return
    simulate(_one_cheap_round(sc), graph=build_graph(sc))


def _one_cheap_round(sc):
    """The scenario for one round with seeds drawn at random: the rules' kernels get loaded, but no
    costly choice (celf, ris...) holds up the template before it forks anyone."""
    seeding = type(sc.seeding)(strategy="random", count=sc.seeding.count, behaviours=sc.seeding.behaviours)
    return sc.model_copy(update={"steps": 1, "seeding": seeding})


def warm_template_on(scenario_path, workers: int | None) -> None:
    """For ``compare`` and ``run --replicates`` on ``workers`` processes (None: one per core): start
    the worker template now, warming up on the scenario file, so its imports and warm-up overlap the
    driver's own (measured on the 20,000-person town: a 2-worker pool's first result came 5.1 s
    after it was asked for when the template started then, 1.8 s when it was already up)."""
    if (workers if workers is not None else _local_cores()) > 1 and Path(scenario_path).is_file():
        start_worker_template({"scenario_toml": str(Path(scenario_path).resolve())})


def describe_point(warm: dict | None) -> str:
    """The first design point, as the template warms up on it: its parameters, network and rules."""
    if not warm:
        return ""
    try:
        data = apply_params(warm["base"], warm["params"])
        net = data.get("network", {}) or {}
        rules = ", ".join(str(b.get("rule")) for b in data.get("behaviours", []) or [])
        size = f" of {net['n']:,} people" if isinstance(net.get("n"), int) else ""
        params = ", ".join(f"{k} = {v!r}" for k, v in (warm["params"] or {}).items())
        return f"; last scenario: the first design point ({params or 'the base scenario'}: {net.get('kind', 'network')}{size}, rules {rules})"
    except Exception:  # noqa: BLE001 - a description must never hide the real error
        return ""


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
            stack.enter_context(deaths.watching())  # so a failure to start can say a worker crashed
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
                raise RuntimeError(deaths.start_failure(n, exc, describe_point(warm))) from exc
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
