"""Slow work (comparisons, seed selection) in a separate process that Stop ends at once.

A flag checked between runs cannot stop one long numba loop (one CELF seed choice can take minutes),
and a Python thread cannot be killed. So the page runs such work in a child process and Stop
terminates it: the page is idle again at once and the CPU within a second, whatever the work was
doing. Children come from a ``forkserver`` (never ``fork`` from the threaded web server) that has
imported the model once, so starting a job costs a fork, not a fresh interpreter.

``ProcessJob(fn, args)`` calls ``fn(*args, progress=callback)`` in the child; ``callback(**info)``
reaches ``on_progress(info)`` in the parent, and the return value (picklable) ``on_done(value)``.
"""

from __future__ import annotations

import atexit
import logging
import multiprocessing as mp
import os
import signal
import threading
import time

__all__ = ["ProcessJob", "JobError", "live_jobs"]

log = logging.getLogger("wellspread.dashboard")
PRELOAD = ["numpy", "networkx", "model", "experiments.compare", "experiments.replicates", "dashboards.jobs"]
_context = None
_context_lock = threading.Lock()
_jobs: set = set()


class JobError(Exception):
    """The child failed; the message is the one line the page shows."""


def _ctx():
    global _context
    with _context_lock:
        if _context is None:
            from experiments.sweep_cluster import start_worker_template

            # a process has one forkserver: make it the sweeps' warm template, so that sweeps started
            # from the page still fork their Dask workers from it (a plain one started here would not be)
            if not start_worker_template():
                mp.get_context("forkserver").set_forkserver_preload(PRELOAD)
            _context = mp.get_context("forkserver")
        return _context


def _child(conn, fn, args) -> None:  # pragma: no cover - runs in the child process
    # its own process group: Stop ends the child and anything it started (a sweep's Dask workers)
    os.setpgrp()

    def progress(**info):
        conn.send(("progress", info))

    try:
        value = fn(*args, progress=progress)
        conn.send(("done", value))
    except BaseException as exc:
        from dashboards.messages import user_message

        conn.send(("error", user_message(exc)))
    finally:
        conn.close()


@atexit.register
def _stop_all() -> None:  # pragma: no cover - at interpreter exit
    for job in list(_jobs):
        job.cancel()


def live_jobs() -> list[ProcessJob]:
    """Jobs still running (tests check that Stop leaves none)."""
    return [j for j in list(_jobs) if j.alive]


class ProcessJob:
    """One function call in a child process, with progress, a result and ``cancel()``.

    The callbacks run on a watcher thread in the parent (Solara's threads carry the tab's context).
    """

    def __init__(self, fn, args: tuple, on_progress=None, on_done=None, on_error=None, daemon: bool = True):
        self.fn, self.args = fn, args
        self.daemon = daemon  # False lets the child start processes of its own (a sweep's local cluster)
        self.on_progress, self.on_done, self.on_error = on_progress, on_done, on_error
        self.process = None
        self.cancelled = threading.Event()
        self.thread: threading.Thread | None = None

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.is_alive()

    def start(self) -> ProcessJob:
        ctx = _ctx()
        parent, child = ctx.Pipe(duplex=False)
        self.process = ctx.Process(target=_child, args=(child, self.fn, self.args), daemon=self.daemon,
                                   name="wellspread-job")
        self.process.start()
        child.close()
        _jobs.add(self)
        self.thread = threading.Thread(target=self._watch, args=(parent,), daemon=True, name="wellspread-job-watch")
        self.thread.start()
        return self

    def cancel(self) -> None:
        """End the child and its process group now (SIGTERM, then SIGKILL after half a second)."""
        self.cancelled.set()
        p = self.process
        if p is None:
            return
        for sig, wait in ((signal.SIGTERM, 0.5), (signal.SIGKILL, 0.5)):
            try:
                os.killpg(p.pid, sig)
            except (ProcessLookupError, PermissionError, OSError):
                if p.is_alive():
                    p.kill() if sig == signal.SIGKILL else p.terminate()
            p.join(wait)
            if not p.is_alive():
                break
        try:  # stragglers of the group (workers whose parent has gone)
            os.killpg(p.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError, OSError):
            pass
        _jobs.discard(self)

    def join(self, timeout: float | None = None) -> None:
        if self.thread is not None:
            self.thread.join(timeout)

    def _watch(self, conn) -> None:
        try:
            while True:
                if self.cancelled.is_set():
                    return
                try:
                    if not conn.poll(0.1):
                        if not self.process.is_alive() and not conn.poll(0):
                            if not self.cancelled.is_set() and self.on_error:
                                self.on_error(f"the worker process ended unexpectedly (exit {self.process.exitcode})")
                            return
                        continue
                    kind, payload = conn.recv()
                except (EOFError, OSError):
                    if not self.cancelled.is_set() and self.on_error:
                        code = self.process.exitcode
                        self.on_error(f"the worker process ended unexpectedly (exit {code})")
                    return
                if self.cancelled.is_set():
                    return
                if kind == "progress" and self.on_progress:
                    self.on_progress(payload)
                elif kind == "done":
                    if self.on_done:
                        self.on_done(payload)
                    return
                elif kind == "error":
                    if self.on_error:
                        self.on_error(payload)
                    return
        except Exception:  # pragma: no cover - a callback failing must not leave the child running
            log.exception("watching a job failed")
        finally:
            conn.close()
            if self.process is not None:
                self.process.join(2.0)
                if self.process.is_alive():
                    self.process.kill()
            _jobs.discard(self)
            time.sleep(0)
