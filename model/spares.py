"""Spare arrays: the per-person arrays of a finished run, handed to the next run of the same size.

Why: replicates and sweeps run many models of one population size in one process. Each run's
arrays (adoption state, adoption rounds, thresholds, neighbour counts: 10-30 bytes a person) are
megabytes at 10^6 people, and fresh megabytes come from the operating system a page at a time:
page faults, then zeroing, then unmapping when freed. That cost 1.8 ms of a 3.7 ms ``simulate``
(independent cascade, Watts-Strogatz 10^6); reusing last run's arrays, refilled, took it to 1.9 ms.

Only ``simulate`` gives arrays back, once its ``Result`` is taken and nothing else can see them
(``BehaviourModel.release``). A model you build yourself keeps its arrays.
"""

from __future__ import annotations

import threading

import numpy as np

__all__ = ["take", "give", "clear"]

MAX_BYTES = 1 << 30  # spares kept at most (1 GiB): enough for the arrays of a 10^7-person run
PER_SHAPE = 4  # arrays kept per (shape, dtype)

_lock = threading.Lock()  # simulate may run in several threads (the dashboard's background runs)
_spares: dict[tuple, list[np.ndarray]] = {}
_held = 0


def take(shape, dtype, fill) -> np.ndarray:
    """An array of ``shape`` and ``dtype`` filled with ``fill``: a spare if one fits, else new."""
    global _held
    key = (tuple(np.atleast_1d(shape).tolist()), np.dtype(dtype).str)
    with _lock:
        stack = _spares.get(key)
        array = stack.pop() if stack else None
        if array is not None:
            _held -= array.nbytes
    if array is None:  # np.zeros maps zeroed pages lazily: only the pages a run touches cost anything
        return np.zeros(shape, dtype=dtype) if fill == 0 else np.full(shape, fill, dtype=dtype)
    array.fill(fill)
    return array


def give(*arrays) -> None:
    """Arrays nobody will read again, for later runs (views and small arrays are not kept)."""
    global _held
    for array in arrays:
        if not isinstance(array, np.ndarray) or array.base is not None or array.nbytes < (1 << 16):
            continue
        key = (array.shape, array.dtype.str)
        with _lock:
            stack = _spares.setdefault(key, [])
            if len(stack) < PER_SHAPE and _held + array.nbytes <= MAX_BYTES:
                stack.append(array)
                _held += array.nbytes


def clear() -> None:
    """Drop every spare (their memory goes back to the allocator)."""
    global _held
    with _lock:
        _spares.clear()
        _held = 0
