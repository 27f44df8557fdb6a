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
    """What the figures were measured on. The project's 2-core machines are virtual and the host
    under them changes between sessions (AMD Zen 5 one day, Zen 4 the next, with compute-bound
    kernels up to 2x apart), so the processor model and the code generation target are recorded."""
    import numba

    return {
        "cpu": platform.processor() or platform.machine(),
        "cpu_model": _cpu_model(),
        "llvm_target": _llvm_target(),
        "cores": os.cpu_count(),
        "memory_gib": _memory_gib(),
        "python": platform.python_version(),
        "numba": numba.__version__,
        "numba_threads": numba.config.NUMBA_NUM_THREADS,
    }


def describe(info: dict) -> str:
    """One line naming the machine of ``machine()``."""
    cpu = info.get("cpu_model") or info.get("cpu")
    target = f", compiled for {info['llvm_target']}" if info.get("llvm_target") else ""
    memory = f", {info['memory_gib']:.0f} GiB" if info.get("memory_gib") else ""
    return f"{cpu}{target}; {info.get('cores')} cores{memory}; Python {info.get('python')}, numba {info.get('numba')}"


def _cpu_model() -> str | None:
    """``model name`` (with family and model numbers, which tell AMD's generations apart) from /proc/cpuinfo."""
    try:
        with open("/proc/cpuinfo") as f:
            fields = dict(line.split(":", 1) for line in f.read().split("\n\n")[0].splitlines() if ":" in line)
    except OSError:
        return None
    fields = {k.strip(): v.strip() for k, v in fields.items()}
    name = fields.get("model name")
    if name and "cpu family" in fields:
        name += f" (family {fields['cpu family']}, model {fields.get('model', '?')})"
    return name


def _llvm_target() -> str | None:
    try:
        import llvmlite.binding as llvm

        return llvm.get_host_cpu_name()
    except Exception:  # llvmlite missing or refusing: the rest of the record still stands
        return None


def _memory_gib() -> float | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError, AttributeError):
        return None


def build_and_run(scenario) -> tuple:
    """(model, seconds to build, seconds to run): building the network and model, then ``m.run()``."""
    from model import BehaviourModel

    start = time.perf_counter()
    m = BehaviourModel(scenario, agents=False)
    built = time.perf_counter() - start
    start = time.perf_counter()
    m.run()
    return m, built, time.perf_counter() - start
