"""Measuring one case: timed runs of a cascade under a cap and a budget (``measure``), and this
process's peak memory."""

from __future__ import annotations

import contextlib
import signal
import statistics
import threading
import time

from .settings import CAP_S, CASE_BUDGET_S, MAX_REPEATS, REPEAT_FOR_S, SLOW_S


class CapExceeded(Exception):
    """One cascade ran past the cap."""


@contextlib.contextmanager
def _capped(seconds: float | None):
    """Raise ``CapExceeded`` in Python code running past ``seconds`` (main thread, POSIX only)."""
    if not seconds or not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def _alarm(signum, frame):
        raise CapExceeded

    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def measure(
    fn, *, trials: int | None = None, repeats: int = MAX_REPEATS, cap: float = CAP_S, budget: float = CASE_BUDGET_S, warmup: bool = True
) -> dict:
    """Time ``fn(seed)``.

    Deterministic cases (``trials is None``): a warm-up, then timed runs until three have run and
    ``REPEAT_FOR_S`` is used, at most ``repeats`` (the same rule for every library: sub-millisecond
    cases get enough runs for a stable median, three runs of one were too few). Stochastic
    cases: a warm-up (seed 0), then trials with seeds 1..trials. A warm-up over ``SLOW_S`` counts
    as the first timed run (seed 1); runs stop once ``budget`` is used (at least three, unless one
    run alone takes more than a third of the budget). Returns the median wall and CPU times, all
    times, the values ``fn`` returned for the timed runs, and whether the cap stopped it.
    """
    seeds = [1] * repeats if trials is None else list(range(1, trials + 1))
    times: list[float] = []
    cpu: list[float] = []
    values: list = []
    used_seeds: list[int] = []
    capped = False
    started = time.perf_counter()

    def once(seed):
        w, c = time.perf_counter(), time.process_time()
        with _capped(cap):
            value = fn(seed)
        return value, time.perf_counter() - w, time.process_time() - c

    try:
        if warmup:
            first = 0 if trials is not None else 1
            value, wall, c = once(first)
            if wall > SLOW_S:  # too slow to waste on a warm-up: it is the first run
                times, cpu, values, used_seeds = [wall], [c], [value], [first]
                seeds = seeds[1:]
        for seed in seeds:
            used = time.perf_counter() - started
            enough = len(times) >= 3 or (times and times[-1] > budget / 3)
            if times and enough and used + times[-1] > budget:
                break
            if trials is None and len(times) >= 3 and used >= REPEAT_FOR_S:
                break
            value, wall, c = once(seed)
            times.append(wall)
            cpu.append(c)
            values.append(value)
            used_seeds.append(seed)
    except CapExceeded:
        capped = True
    return {
        "time_s": statistics.median(times) if times else None,
        "cpu_s": statistics.median(cpu) if cpu else None,
        "times": times,
        "repeats": len(times),
        "values": values,
        "seeds": used_seeds,
        "capped": capped,
    }


def _peak_rss_mib() -> float:
    """This process's peak resident memory, MiB.

    Linux's ``VmHWM`` (``/proc/self/status``) where there is one: ``ru_maxrss`` is carried across
    fork and exec, so a child of a large parent would report the parent's peak (seen here: every
    process after the 10^6-person graphs read 839 MiB). ``ru_maxrss`` elsewhere.
    """
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
