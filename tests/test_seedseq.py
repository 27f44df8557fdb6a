"""``model.seedseq`` computes numpy's SeedSequence words exactly, for many seeds at once."""

from __future__ import annotations

import numpy as np
import pytest

from experiments.replicates import replicate_seed, replicate_seeds
from model.behaviour_model import Stream, _Streams
from model.rng import derive_key
from model.seedseq import stream_keys

# the word boundaries numpy's integer-to-words step has (zero is one word, 2^32 two)
EDGES = [0, 1, 2**31, 2**32 - 1, 2**32, 2**32 + 1, 2**62, 2**63 - 1]


def seeds():
    rng = np.random.default_rng(2026)
    return EDGES + rng.integers(0, 2**63 - 1, 1500).tolist() + rng.integers(0, 2**32, 500).tolist()


@pytest.mark.parametrize("spawn", [(Stream.RULES, 0), (Stream.RULES, 7), (Stream.SEEDING,), (4, 1, 2), (2**32 - 1,)])
def test_stream_keys_are_numpys_seed_sequence_keys(spawn):
    got = stream_keys(seeds(), *spawn)
    want = [derive_key(np.random.SeedSequence(s, spawn_key=spawn)) for s in seeds()]
    assert got.dtype == np.int64 and got.tolist() == want


def test_stream_keys_are_the_models_rule_keys():
    assert stream_keys([5, 2**40], Stream.RULES, 0).tolist() == [derive_key(_Streams(s)(Stream.RULES, 0)) for s in (5, 2**40)]


@pytest.mark.parametrize("seed", EDGES + [123456789])
def test_replicate_seeds_are_numpys_derivation(seed):
    replicates = list(range(200)) + [2**32 - 1, 2**32, 2**40]
    numpy_seeds = [seed] + [int(np.random.SeedSequence([seed, r]).generate_state(1, np.uint64)[0] >> np.uint64(1)) for r in replicates[1:]]
    assert replicate_seeds(seed, replicates) == numpy_seeds
    assert [replicate_seed(seed, r) for r in replicates] == numpy_seeds


def test_spawn_keys_beyond_32_bits_are_refused():
    with pytest.raises(ValueError, match="2\\*\\*32"):
        stream_keys([1], 2**32)
