"""Counter-based random numbers: the same draw for the same (key, a, b, c), in any engine or thread.

Why: a stateful generator makes results depend on the order in which people are visited, so a
parallel numba loop, the Mesa reference engine and a frontier kernel would each see different
numbers. Hashing the coordinates of a decision instead (run key, step, person, neighbour) makes each
draw a pure function: the python and numba engines then give *identical* runs, and ``prange``
loops stay bit-reproducible whatever the thread count (``docs/sweeps.md``, Reproducibility).

The mixer is SplitMix64's finaliser (Steele, Lea & Flood 2014, "Fast splittable pseudorandom number
generators", OOPSLA), applied to a chain of the inputs; the top 53 bits make a uniform in [0, 1).
"""

from __future__ import annotations

import numpy as np
from numba import njit, uint64

__all__ = ["mix64", "uniform", "derive_key", "pair_key", "pair_uniform", "pair_uniform_of"]

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_INV53 = 1.0 / 9007199254740992.0  # 2**-53


@njit(uint64(uint64), cache=True, inline="always")
def mix64(z):
    z = z + _GOLDEN
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(cache=True, inline="always")
def uniform(key, a, b, c):
    """U[0,1) as a pure function of four non-negative integers."""
    h = mix64(np.uint64(key) ^ mix64(np.uint64(a) ^ mix64(np.uint64(b) ^ mix64(np.uint64(c)))))
    return float(h >> _S11) * _INV53


@njit(cache=True, inline="always")
def pair_key(key, stream, a):
    """The part of a draw fixed by (key, stream, a): hoisted out of a loop over many b."""
    return mix64(np.uint64(key) ^ mix64(np.uint64(stream) ^ mix64(np.uint64(a))))


_M3 = np.uint64(0xD6E8FEB86659FD93)


@njit(cache=True, inline="always")
def pair_uniform(prefix, b):
    """U[0,1) for (prefix, b): one mix per draw, for the inner loop over a person's neighbours."""
    return float(mix64(prefix ^ (np.uint64(b) * _M3)) >> _S11) * _INV53


@njit(cache=True)
def pair_cut(p):
    """The integer form of a probability for ``pair_below``: ceil(p * 2**53), exact in float64."""
    return np.uint64(np.ceil(p * 9007199254740992.0))


@njit(cache=True, inline="always")
def pair_below(prefix, b, cut):
    """``pair_uniform(prefix, b) < p`` with ``cut = pair_cut(p)``, compared as integers.

    Exact: the draw is (h >> 11) * 2**-53, so it is below p exactly when h >> 11 < ceil(p * 2**53);
    it spares the inner loop of a cascade a conversion to float per attempt.
    """
    return mix64(prefix ^ (np.uint64(b) * _M3)) >> _S11 < cut


@njit(cache=True)
def pair_uniform_of(key, stream, a, b):
    """``pair_uniform(pair_key(key, stream, a), b)`` in one call (for Python callers: no uint64 round trip)."""
    return pair_uniform(pair_key(key, stream, a), b)


def derive_key(seed_sequence: np.random.SeedSequence) -> int:
    """A 63-bit key for ``uniform`` from a SeedSequence (fits int64 columns and numba int args)."""
    return int(seed_sequence.generate_state(1, np.uint64)[0] >> np.uint64(1))


@njit(cache=True)
def uniform_array(key, stream, t, n):
    """``uniform(key, stream, t, i)`` for i in 0..n-1, as an array (for whole-population draws)."""
    out = np.empty(n, dtype=np.float64)
    for i in range(n):
        out[i] = uniform(key, stream, t, i)
    return out


@njit(cache=True)
def uniform_at(key, stream, t, positions):
    """``uniform(key, stream, t, i)`` for the given positions only."""
    out = np.empty(len(positions), dtype=np.float64)
    for k in range(len(positions)):
        out[k] = uniform(key, stream, t, positions[k])
    return out
