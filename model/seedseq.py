"""numpy's SeedSequence for many seeds at once: the keys and replicate seeds of thousands of runs.

Why: every run derives its random keys from ``numpy.random.SeedSequence(seed, spawn_key=...)`` and
every replicate its seed from ``SeedSequence([seed, r])``. numpy builds each SeedSequence in Python
(50-100 us apiece), which is more than a whole independent-cascade run on 10^5 people costs. This
module computes the same 64-bit words in one compiled loop over an array of seeds, so replicates
stay bit-identical to runs made one at a time.

The algorithm is numpy's (``numpy/random/bit_generator.pyx``), after Melissa O'Neill's
``seed_seq`` replacement (O'Neill 2015, "Developing a seed_seq Alternative", pcg-random.org): the
entropy words are hashed into a pool of four 32-bit words, the pool is mixed word with word, and
output words are hashes of the pool. Only what wellspread uses is covered: entropy of one or more
non-negative integers below 2^64, spawn keys of integers below 2^32, the default pool of four
words, and the first 64-bit word of ``generate_state``. ``tests/test_seedseq.py`` checks it against
numpy on thousands of seeds, the word boundaries included.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["stream_keys", "replicate_seeds"]

# uint64 throughout (numba would turn uint64 with int64 into float64); words kept to 32 bits by masks
_MASK = np.uint64(0xFFFFFFFF)
_INIT_A, _MULT_A = np.uint64(0x43B0D7E5), np.uint64(0x931E8875)  # hashing entropy into the pool
_INIT_B, _MULT_B = np.uint64(0x8B51F9DD), np.uint64(0x58F38DED)  # hashing the pool into output words
_MIX_L, _MIX_R = np.uint64(0xCA01F9DD), np.uint64(0x4973F715)  # mixing one pool word into another
_S16, _S32 = np.uint64(16), np.uint64(32)
_POOL = 4


@njit(cache=True, inline="always")
def _hashed(value, const, mult):
    """(hash of value, next const): a 32-bit multiply-xorshift step whose constant moves on each use."""
    value = (value ^ const) & _MASK
    const = (const * mult) & _MASK
    value = (value * const) & _MASK
    return value ^ (value >> _S16), const


@njit(cache=True, inline="always")
def _mixed(x, y):
    r = (_MIX_L * x - _MIX_R * y) & _MASK
    return r ^ (r >> _S16)


@njit(cache=True)
def _first_word(entropy, m):
    """The first uint64 of ``generate_state`` for the entropy words ``entropy[:m]``."""
    pool = np.zeros(_POOL, dtype=np.uint64)
    const = _INIT_A
    for i in range(_POOL):
        pool[i], const = _hashed(entropy[i] if i < m else np.uint64(0), const, _MULT_A)
    for src in range(_POOL):  # every word into every other, so late words move early ones
        for dst in range(_POOL):
            if src != dst:
                h, const = _hashed(pool[src], const, _MULT_A)
                pool[dst] = _mixed(pool[dst], h)
    for src in range(_POOL, m):  # entropy beyond the pool, each word into every pool word
        for dst in range(_POOL):
            h, const = _hashed(entropy[src], const, _MULT_A)
            pool[dst] = _mixed(pool[dst], h)
    const = _INIT_B
    low, const = _hashed(pool[0], const, _MULT_B)
    high, const = _hashed(pool[1], const, _MULT_B)
    return low | (high << _S32)  # two 32-bit words read as one little-endian uint64


@njit(cache=True, inline="always")
def _put(value, entropy, m):
    """Append an integer's 32-bit words, lowest first (zero is one word), as numpy does; return the new length."""
    entropy[m] = value & _MASK
    m += 1
    if value >> _S32:
        entropy[m] = value >> _S32
        m += 1
    return m


@njit(cache=True)
def _stream_words(seeds, spawn):
    out = np.empty(len(seeds), dtype=np.uint64)
    entropy = np.zeros(_POOL + len(spawn), dtype=np.uint64)
    for i in range(len(seeds)):
        entropy[:] = 0
        m = _put(seeds[i], entropy, 0)
        if len(spawn):  # a spawned sequence pads the seed's words to the pool size first
            m = max(m, _POOL)
        for s in spawn:
            entropy[m] = s
            m += 1
        out[i] = _first_word(entropy, m)
    return out


@njit(cache=True)
def _pair_words(seed, replicates):
    out = np.empty(len(replicates), dtype=np.uint64)
    entropy = np.zeros(_POOL, dtype=np.uint64)
    for i in range(len(replicates)):
        m = _put(replicates[i], entropy, _put(seed, entropy, 0))
        out[i] = _first_word(entropy, m)
    return out


def stream_keys(seeds, *spawn_key: int) -> np.ndarray:
    """``derive_key(SeedSequence(seed, spawn_key=spawn_key))`` for each seed, as an int64 array.

    Examples
    --------
    >>> import numpy as np
    >>> from model.rng import derive_key
    >>> int(stream_keys([7], 3, 0)[0]) == derive_key(np.random.SeedSequence(7, spawn_key=(3, 0)))
    True
    """
    seeds = np.asarray(seeds, dtype=np.uint64)
    spawn = np.array(spawn_key, dtype=np.uint64)
    if (spawn >> _S32).any():
        raise ValueError("spawn keys above 2**32 - 1 are not supported")
    return (_stream_words(seeds, spawn) >> np.uint64(1)).astype(np.int64)


def replicate_seeds(seed: int, replicates) -> np.ndarray:
    """``SeedSequence([seed, r]).generate_state(1, np.uint64)[0] >> 1`` for each r (replicate 0 keeps ``seed``).

    Examples
    --------
    >>> import numpy as np
    >>> words = np.random.SeedSequence([11, 2]).generate_state(1, np.uint64)
    >>> replicate_seeds(11, [0, 2]).tolist() == [11, int(words[0] >> np.uint64(1))]
    True
    """
    replicates = np.asarray(replicates, dtype=np.uint64)
    out = (_pair_words(np.uint64(seed), replicates) >> np.uint64(1)).astype(np.int64)
    out[replicates == 0] = seed
    return out
