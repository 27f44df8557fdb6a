"""Compiled kernels in two forms, serial and parallel, chosen by population size.

Why: ``prange`` pays off only from about 10^5 people (``../shared/notes/performance.md`` section
2.2: 1.3-1.8x on 2 cores above that, nothing at 10^4), and a parallel kernel whose threads wait
for a busy core (sweeps already run one process per core) is several times slower than a serial
one: measured here at 10^5 people with the other core busy, a threshold cascade took 28 ms in
parallel against 8.8 ms serially. So parallel loops are kept for populations of a million and
more, where a round is long enough to pay for the threads; below that, parallelism comes from
running replicates and sweep points side by side. Both forms compile the same Python function and
every draw is counter-based, so the choice never changes a result.
"""

from __future__ import annotations

import types

from numba import njit

PARALLEL_FROM = 1_000_000  # people; below this the serial form runs


def kernel(fn):
    """Compile ``fn`` (whose first argument is ``indptr``) serially and in parallel; dispatch by size."""
    serial = njit(cache=True)(fn)
    twin = types.FunctionType(fn.__code__, fn.__globals__, fn.__name__, fn.__defaults__, fn.__closure__)
    twin.__qualname__ = fn.__qualname__ + "__parallel"  # its own on-disk cache entry
    parallel = njit(parallel=True, cache=True)(twin)

    def run(indptr, *args):
        return (parallel if len(indptr) > PARALLEL_FROM else serial)(indptr, *args)

    run.serial, run.parallel, run.py_func = serial, parallel, fn
    run.__doc__, run.__name__, run.__qualname__ = fn.__doc__, fn.__name__, fn.__qualname__
    return run
