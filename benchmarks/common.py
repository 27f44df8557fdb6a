"""Timing helpers for the benchmarks: best-of repeats, peak memory, machine description."""

from __future__ import annotations

import os
import platform
import resource
import time


def timed(fn, repeats: int = 3, warmup: bool = True) -> float:
    """Median wall time of ``fn()`` over ``repeats`` runs (after one warm-up call)."""
    if warmup:
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    times.sort()
    return times[len(times) // 2]


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def machine() -> dict:
    import numba

    return {
        "cpu": platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "numba": numba.__version__,
        "numba_threads": numba.config.NUMBA_NUM_THREADS,
    }


def build_and_run(scenario) -> tuple:
    """(model, seconds to build, seconds to run): building the network and model, then ``m.run()``."""
    from model import BehaviourModel

    start = time.perf_counter()
    m = BehaviourModel(scenario, agents=False)
    built = time.perf_counter() - start
    start = time.perf_counter()
    m.run()
    return m, built, time.perf_counter() - start
