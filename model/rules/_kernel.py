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

import numpy as np
from numba import njit

from networks._prefetch import prefetch

PARALLEL_FROM = 1_000_000  # people; below this the serial form runs
PEOPLE_PER_BLOCK = 4096  # at most 256 blocks: fine enough to balance two to a few dozen threads
MAX_BLOCKS = 256


@njit(cache=True)
def tie_blocks(indptr):
    """Edges of blocks of people holding about equal numbers of ties (each person counting 1 + degree).

    Why: ``prange`` hands each thread an equal count of iterations. Looping over people directly
    splits people evenly, but in Barabasi-Albert graphs the first half of the people hold 71% of the
    ties, so two threads sped a sweep up 1.4x instead of 2x (docs/performance.md section 6).
    Looping over these blocks instead gives each thread an equal share of the work.
    """
    n = len(indptr) - 1
    k = min(MAX_BLOCKS, 1 + n // PEOPLE_PER_BLOCK)
    bounds = np.empty(k + 1, dtype=np.int64)
    total = indptr[n] + n
    bounds[0] = 0
    for c in range(1, k):
        target = total * c // k
        lo, hi = bounds[c - 1], n  # first person i with indptr[i] + i >= target
        while lo < hi:
            mid = (lo + hi) // 2
            if indptr[mid] + mid < target:
                lo = mid + 1
            else:
                hi = mid
        bounds[c] = lo
    bounds[k] = n
    return bounds


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


@njit(cache=True, inline="always")
def running_adopters(indptr, indices, adopted, lo, hi):
    """Running count of adopters over the ties of people lo..hi-1, for the full sweeps.

    ``S[e - indptr[lo]]`` is the number of adopters among those ties before tie e, so person i in
    the block has ``S[indptr[i + 1] - indptr[lo]] - S[indptr[i] - indptr[lo]]`` adopting neighbours.
    Why: counting row by row ends each short row with a mispredicted branch (Barabasi-Albert
    degrees vary); one flat pass over the block's ties has no such branch and its loads overlap.
    Full sweeps ran 1.5-2.1x faster (docs/performance.md section 6). The pass takes four ties a
    step: four independent scalar loads, then their running sums. Plain loads beat the vector
    gathers a two-loop form compiles to (Zen 4: the pass 1.3-2x faster), and a one-tie loop
    makes each load wait for the sum before it. Returns (S, indptr[lo]).
    """
    e0, e1 = indptr[lo], indptr[hi]
    m = e1 - e0
    running = np.empty(m + 1, dtype=np.int32)  # a block holds at most ~1/256 of all ties
    ties = indices[e0:e1]
    running[0] = 0
    s = np.int32(0)
    whole = m - m % 4
    for e in range(0, whole, 4):
        a, b, c, d = adopted[ties[e]], adopted[ties[e + 1]], adopted[ties[e + 2]], adopted[ties[e + 3]]
        running[e + 1] = s + a
        running[e + 2] = s + a + b
        running[e + 3] = s + a + b + c
        s += a + b + c + d
        running[e + 4] = s
    for e in range(whole, m):
        s += adopted[ties[e]]
        running[e + 1] = s
    return running, e0


AHEAD = 8  # rows prefetched this many sources ahead (indptr twice as far); 4-16 measured alike


@njit(cache=True, inline="always")
def prefetch_row(indptr, indices, sources, i, k):
    """Start loading the rows of sources[i + AHEAD] (and indptr for i + 2 AHEAD) while source i is pushed.

    Each source's row is a cache miss (two dependent ones: indptr, then the row) that the short inner
    loop cannot overlap on its own; prefetching overlaps them (``networks._prefetch``): 1.3-3.7x on
    the batched cascade trials, 1.xx on the counting rules' pushes.
    """
    if i + 2 * AHEAD < k:
        prefetch(indptr, sources[i + 2 * AHEAD])
    if i + AHEAD < k:
        prefetch(indices, indptr[sources[i + AHEAD]])
