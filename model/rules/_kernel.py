"""Compiled kernels in two forms, serial and parallel, chosen by population size.

Why: ``prange`` pays off only from about 10^5 people (measured on 2 cores:
1.3-1.8x above that, nothing at 10^4; ``docs/performance.md``), and a parallel kernel whose threads wait
for a busy core (sweeps already run one process per core) is several times slower than a serial
one: measured here at 10^5 people with the other core busy, a threshold cascade took 28 ms in
parallel against 8.8 ms serially. So parallel loops are kept for populations of a million and
more, where a round is long enough to pay for the threads; below that, parallelism comes from
running replicates and sweep points side by side. Both forms compile the same Python function and
every draw is counter-based, so the choice never changes a result.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import types

import numba
import numpy as np
from numba import njit

from networks._prefetch import prefetch

PARALLEL_FROM = 1_000_000  # people (len(indptr) - 1); at or below this the serial form runs
PEOPLE_PER_BLOCK = 4096  # at most 256 blocks: fine enough to balance two to a few dozen threads
MAX_BLOCKS = 256
#: True inside the parallel form of a function compiled in both forms (``Forms``), False in the
#: serial form and in Python. Each form is compiled with its own value; nothing ever assigns it.
IN_PARALLEL_FORM = False

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


_parallel_from: contextvars.ContextVar[int | None] = contextvars.ContextVar("parallel_from", default=None)


@contextlib.contextmanager
def parallel_from(people: int):
    """Within this block (this thread or task), run the parallel forms from ``people`` people up.

    For tests and benchmarks that need the parallel forms on small graphs. It changes only the
    Python-side choice of form, never a value that compiled code reads (numba freezes globals into
    what it compiles and caches, so changing ``PARALLEL_FROM`` for a test would change every later
    process's kernels).

    Examples
    --------
    >>> with parallel_from(0):
    ...     uses_parallel(np.zeros(11, dtype=np.int64))
    True
    >>> uses_parallel(np.zeros(11, dtype=np.int64))
    False
    """
    token = _parallel_from.set(int(people))
    try:
        yield
    finally:
        _parallel_from.reset(token)


def uses_parallel(indptr) -> bool:
    """Whether the kernels run their parallel form on the graph of ``indptr`` (``PARALLEL_FROM``)."""
    limit = _parallel_from.get()
    return len(indptr) - 1 > (PARALLEL_FROM if limit is None else limit)


def start_threads() -> None:
    """Start numba's threading layer (once per process; a no-op once started).

    Why: a cached function runs its parallel loops on the threading layer but starts it only if its
    own cache entry says so, and numba forgets to say so for a function whose compiled code calls a
    parallel function loaded from the cache (numba issues #8578, #9938). Run from such an entry
    without the layer started, the first parallel loop crashes the process (SIGSEGV; issue 14).
    ``Forms.parallel`` calls this before it hands out a parallel form, so whatever that form calls
    finds the layer running. ``numba.get_num_threads`` is numba's public call that starts it.
    """
    numba.get_num_threads()


class Forms:
    """A compiled function in two forms, serial and parallel, chosen in Python by population size.

    ``Forms(fn, loops=True)`` (``kernel``) compiles ``fn``'s ``prange`` loops serially and in
    parallel; ``Forms(fn, loops=False)`` (``calls_kernels``) is a compiled function that calls
    kernels (or other ``Forms``): each of its forms calls the same form of those, so a serial form
    never reaches parallel code and a parallel one is handed out only once the threading layer runs
    (``start_threads``). The choice (``uses_parallel``) is made in Python on each call and passed
    to no compiled code: nothing compiled reads a global that could change. Each form has its own
    cache entry (its own qualified name); ``IN_PARALLEL_FORM`` is True in the parallel one.

    Calling the object dispatches on its first argument, ``indptr``. ``.serial`` and ``.parallel``
    are the two numba dispatchers, made on first use (once the modules they read have loaded);
    ``.py_func`` is ``fn``.
    """

    def __init__(self, fn, loops: bool):
        self.py_func = fn
        self._loops = loops
        functools.update_wrapper(self, fn)

    def __call__(self, indptr, *args):
        return (self.parallel if uses_parallel(indptr) else self.serial)(indptr, *args)

    @functools.cached_property
    def serial(self):
        return self._compile(parallel=False)

    @functools.cached_property
    def parallel(self):
        start_threads()
        return self._compile(parallel=True)

    def _compile(self, parallel: bool):
        fn = self.py_func
        namespace = dict(fn.__globals__)  # read when numba compiles: the module has loaded by now
        for name in fn.__code__.co_names:
            value = namespace.get(name)
            if isinstance(value, Forms):
                namespace[name] = value.parallel if parallel else value.serial
        namespace["IN_PARALLEL_FORM"] = parallel
        form = types.FunctionType(fn.__code__, namespace, fn.__name__, fn.__defaults__, fn.__closure__)
        form.__qualname__ = fn.__qualname__ + ("__parallel" if parallel else "")  # its own cache entry
        form.__doc__ = fn.__doc__
        if parallel and self._loops:
            return njit(parallel=True, cache=True)(form)
        return njit(cache=True)(form)

    def __repr__(self) -> str:
        return f"<kernel forms of {self.__module__}.{self.__qualname__}>"


def kernel(fn) -> Forms:
    """Compile ``fn`` (whose first argument is ``indptr``, with ``prange`` loops) serially and in
    parallel; dispatch by size (``Forms``)."""
    return Forms(fn, loops=True)


def calls_kernels(fn) -> Forms:
    """Compile ``fn`` (first argument ``indptr``), which calls ``kernel``s, in the same two forms,
    each calling that form of them (``Forms``)."""
    return Forms(fn, loops=False)


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
