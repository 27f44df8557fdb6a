"""A sweep worker that dies is reported as a death by a signal, with what it ran (issue 14).

Before, a worker that crashed in compiled code while starting gave "could not start 1 local Dask
workers (Nanny failed to start.); check that python -c 'import model' works", a wrong hint.
"""

from __future__ import annotations

import logging
import multiprocessing.forkserver
import os
import signal
import subprocess
import sys
import time

import pytest

from experiments import worker_deaths as deaths
from experiments.sweep_cluster import describe_point


def _nanny_says(message: str) -> None:
    logging.getLogger("distributed.nanny").info(message)


def test_a_death_the_nanny_logs_is_described_with_its_signal():
    with deaths.watching() as seen:
        _nanny_says("Worker process 4242 was killed by signal 11")
        assert seen.deaths == [(4242, 11, None)]
        assert deaths.death_note() == " (a worker process was killed by SIGSEGV (a crash in compiled code))"
        message = deaths.start_failure(2, RuntimeError("Nanny failed to start."), "; last scenario: x")
        assert "killed by SIGSEGV" in message and "last scenario: x" in message
        assert "import model" not in message  # no guessing at imports when we know it crashed
        _nanny_says("Worker process 4243 exited with status 3")
        assert deaths.death_note() == " (2 worker processes died (the last exited with status 3))"
    assert deaths.worker_deaths is None and deaths.death_note() == ""
    _nanny_says("Worker process 4244 was killed by signal 9")  # no cluster watched: nothing kept
    assert seen.deaths[-1][0] == 4243


def test_without_a_death_the_start_failure_keeps_the_import_hint(monkeypatch):
    monkeypatch.setattr(multiprocessing.forkserver._forkserver, "_forkserver_pid", None)
    with deaths.watching():
        message = deaths.start_failure(1, RuntimeError("Nanny failed to start."))
    assert "Nanny failed to start." in message and "import model" in message


def test_a_template_killed_by_a_signal_is_named_without_reaping_it(monkeypatch):
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        os.kill(child.pid, signal.SIGSEGV)
        deadline = time.monotonic() + 10
        monkeypatch.setattr(multiprocessing.forkserver._forkserver, "_forkserver_pid", child.pid)
        while deaths.template_death() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert deaths.template_death() == "was killed by SIGSEGV (a crash in compiled code)"
        message = deaths.start_failure(1, RuntimeError("Nanny failed to start."), "; last scenario: y")
        assert "worker template process was killed by SIGSEGV" in message and "last scenario: y" in message
    finally:
        assert child.wait(timeout=10) == -signal.SIGSEGV  # still there to reap: multiprocessing can restart it


def test_the_first_design_point_is_described():
    warm = {
        "base": {
            "network": {"kind": "barabasi_albert", "n": 2000, "m": 3},
            "behaviours": [{"name": "a", "rule": "threshold"}],
        },
        "params": {"behaviours.0.threshold": 0.2},
    }
    text = describe_point(warm)
    assert "behaviours.0.threshold = 0.2" in text and "barabasi_albert of 2,000 people" in text and "threshold" in text
    assert describe_point(None) == "" and describe_point({"base": 3}) == ""


@pytest.mark.skipif(not hasattr(signal, "SIGSEGV"), reason="POSIX signals")
def test_a_real_worker_killed_by_sigsegv_is_reported():
    distributed = pytest.importorskip("distributed")
    with (
        deaths.watching(),
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=logging.CRITICAL
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        pid = client.run(os.getpid)
        (pid,) = pid.values()
        os.kill(pid, signal.SIGSEGV)
        deadline = time.monotonic() + 30
        while "SIGSEGV" not in deaths.death_note() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert "a worker process was killed by SIGSEGV" in deaths.death_note()
