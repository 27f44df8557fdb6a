"""Worker processes that died, said plainly: which signal, and what they were running (issue 14).

A sweep's local Dask workers are separate processes; when one dies (a crash in compiled code is a
SIGSEGV), Dask only says that a nanny failed to start or that a task killed its workers. The nannies
log each death in this process ("Worker process 123 was killed by signal 11"); ``watching`` collects
those lines while a local cluster lives, and the messages below use them (``start_failure`` when
workers do not start, ``death_note`` for a run recorded as failed because its worker kept dying).
The dashboard's background sweeps show the same messages.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import signal
import sys


class WorkerDeaths(logging.Handler):
    """Local worker processes that died, as their nannies log it ("Worker process 123 was killed by
    signal 11"), so that messages can say a worker crashed, and how, instead of guessing at causes.

    Installed on ``distributed.nanny`` while a local cluster lives (``watching``); the nannies run in
    this process. ``deaths``: (pid, signal number or None, exit status or None), oldest first.
    """

    PATTERN = re.compile(r"Worker process (\d+) (?:was killed by signal (\d+)|exited with status (\d+))")

    def __init__(self):
        super().__init__(logging.INFO)
        self.deaths: list[tuple[int, int | None, int | None]] = []

    def emit(self, record: logging.LogRecord) -> None:
        m = self.PATTERN.match(record.getMessage())
        if m:
            pid, sig, status = m.groups()
            self.deaths.append((int(pid), int(sig) if sig else None, int(status) if status else None))

    @contextlib.contextmanager
    def installed(self):
        logger = logging.getLogger("distributed.nanny")
        level = logger.level
        if level == logging.NOTSET or level > logging.INFO:
            logger.setLevel(logging.INFO)  # LocalCluster(silence_logs=...) quiets the handlers, not this
        logger.addHandler(self)
        try:
            yield self
        finally:
            logger.removeHandler(self)
            logger.setLevel(level)

    def describe(self) -> str | None:
        """'a worker process was killed by SIGSEGV' (with a count when several); None without deaths."""
        if not self.deaths:
            return None
        what = [
            _signal_words(sig) if sig is not None else f"exited with status {status}" for _, sig, status in self.deaths
        ]
        last = what[-1]
        if len(what) == 1:
            return f"a worker process {last}"
        return f"{len(what)} worker processes died (the last {last})"


#: the deaths of the local workers of the cluster open now (``watching``; None: none open)
worker_deaths: WorkerDeaths | None = None


@contextlib.contextmanager
def watching():
    """Collect worker deaths (``worker_deaths``) while a local cluster lives."""
    global worker_deaths
    with WorkerDeaths().installed() as recorder:
        worker_deaths = recorder
        try:
            yield recorder
        finally:
            worker_deaths = None


def _signal_words(sig: int) -> str:
    try:
        name = signal.Signals(sig).name
    except ValueError:
        name = f"signal {sig}"
    return f"was killed by {name}" + (
        " (a crash in compiled code)" if sig in (signal.SIGSEGV, signal.SIGBUS, signal.SIGILL) else ""
    )


def template_death() -> str | None:
    """How the worker template (the forkserver) died, if it has: 'was killed by SIGSEGV'; else None.

    Looked at without reaping it (``WNOWAIT``), so multiprocessing can still restart it.
    """
    import multiprocessing.forkserver

    pid = getattr(multiprocessing.forkserver._forkserver, "_forkserver_pid", None)
    if pid is None or not hasattr(os, "waitid"):
        return None
    try:
        info = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:
        return None
    if info is None:
        return None  # still running
    if info.si_code in (os.CLD_KILLED, os.CLD_DUMPED):
        return _signal_words(info.si_status)
    return f"exited with status {info.si_status}"


def start_failure(n: int, exc: BaseException, point: str = "") -> str:
    """Why ``n`` local workers did not start: a worker's or the template's death by a signal when
    there was one (the signal and the scenario it was warming up on), else a hint about imports."""
    died = worker_deaths.describe() if worker_deaths is not None else None
    if died:
        return (
            f"could not start {n} local Dask workers: {died} while starting (importing the model and "
            f"running the first design point){point}"
        )
    template = template_death()
    if template:
        return (
            f"could not start {n} local Dask workers: the worker template process {template} while "
            f"importing the model and warming up{point}"
        )
    return (
        f"could not start {n} local Dask workers ({type(exc).__name__}: {exc}); "
        f"check that `{sys.executable} -c 'import model'` works"
    )


def death_note() -> str:
    """' (a worker process was killed by SIGSEGV ...)' for messages about runs whose worker died; '' if none was seen."""
    died = worker_deaths.describe() if worker_deaths is not None else None
    return f" ({died})" if died else ""
