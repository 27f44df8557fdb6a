"""The full-sweep kernels against a plain numpy count, in both compiled forms (serial and parallel).

The sweeps count adopting neighbours with a running count over each block's ties
(``rules._kernel.running_adopters``) instead of row by row; these tests pin that the counts, and
so every decision, are exactly the per-row sums, on graphs with varied degrees, isolated people
and blocks dominated by adopters or by non-adopters.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

import networks
from model.rules import absolute_threshold, sis, threshold
from model.rules._counting import full_counts


def _graphs():
    ba = nx.barabasi_albert_graph(20_000, 3, seed=5)  # more than one block of 4,096 people
    ba.add_nodes_from(range(20_000, 20_050))  # isolated people at the end
    ws = nx.watts_strogatz_graph(9_000, 6, 0.2, seed=2)
    return {"ba": networks.to_csr(ba), "ws": networks.to_csr(ws)}


GRAPHS = _graphs()


def _reference_counts(csr, adopted):
    src = np.repeat(np.arange(csr.n), np.diff(csr.indptr))
    return np.bincount(src, weights=adopted[csr.indices], minlength=csr.n).astype(np.int64)


def _states(n):
    rng = np.random.default_rng(9)
    yield rng.random(n) < 0.01  # a seeded start
    yield rng.random(n) < 0.5
    late = rng.random(n) < 0.97  # late in a cascade: blocks counted row by row
    late[: n // 3] = rng.random(n // 3) < 0.1  # while the first blocks still go flat
    yield late
    yield np.zeros(n, dtype=bool)


@pytest.mark.parametrize("graph", sorted(GRAPHS))
@pytest.mark.parametrize("form", ["serial", "parallel"])
def test_threshold_sweeps_equal_per_row_counts(graph, form):
    csr = GRAPHS[graph]
    degree = np.diff(csr.indptr)
    theta = np.random.default_rng(1).uniform(0.0, 1.0, csr.n)
    for state in _states(csr.n):
        adopted = state.astype(np.uint8)
        counts = _reference_counts(csr, adopted)
        out = np.full(csr.n, 7, dtype=np.uint8)
        getattr(threshold.sweep, form)(csr.indptr, csr.indices, adopted, theta, out)
        with np.errstate(divide="ignore", invalid="ignore"):
            expected = (adopted == 0) & (degree > 0) & (counts / degree >= theta)
        np.testing.assert_array_equal(out, expected.astype(np.uint8))
        getattr(absolute_threshold.sweep, form)(csr.indptr, csr.indices, adopted, 2, out)
        np.testing.assert_array_equal(out, ((adopted == 0) & (counts >= 2)).astype(np.uint8))


@pytest.mark.parametrize("graph", sorted(GRAPHS))
@pytest.mark.parametrize("form", ["serial", "parallel"])
def test_full_counts_equal_per_row_counts_for_non_adopters(graph, form):
    csr = GRAPHS[graph]
    for state in _states(csr.n):
        adopted = state.astype(np.uint8)
        count = np.full(csr.n, -5, dtype=np.int32)
        getattr(full_counts, form)(csr.indptr, csr.indices, adopted, count)
        open_ = adopted == 0
        np.testing.assert_array_equal(count[open_], _reference_counts(csr, adopted)[open_])
        assert (count[~open_] == -5).all()  # adopters' counts are left alone


@pytest.mark.parametrize("graph", sorted(GRAPHS))
@pytest.mark.parametrize("form", ["serial", "parallel"])
def test_sis_sweep_equals_per_row_counts(graph, form):
    """The SIS sweep against per-row counts and the rule's draws: adoption from (key, round) then
    person (``pair_uniform_of``), relapse from ``uniform``; relapse 0 and 1 need no draw at all."""
    from model.rng import pair_uniform_of, uniform_array

    csr = GRAPHS[graph]
    table = sis.exposure_table(0.2, csr.max_degree + 1)
    key, t = 12345, 4
    adopt_draw = np.array([pair_uniform_of(key, sis.ADOPT, t, i) for i in range(csr.n)])
    relapse_draw = uniform_array(key, sis.RELAPSE, t, csr.n)
    for relapse in (0.0, 0.3, 1.0):
        for state in _states(csr.n):
            adopted = state.astype(np.uint8)
            counts = _reference_counts(csr, adopted)
            out = np.full(csr.n, 7, dtype=np.uint8)
            getattr(sis.sweep, form)(csr.indptr, csr.indices, adopted, table, relapse, key, t, out)
            expected = np.where(
                adopted == 1,
                np.where(relapse_draw < relapse, 2, 0),
                ((counts > 0) & (adopt_draw < table[counts])).astype(int),
            )
            np.testing.assert_array_equal(out, expected.astype(np.uint8))


@pytest.mark.parametrize("graph", sorted(GRAPHS))
def test_crossing_pushes_find_who_the_touched_evaluation_finds(graph):
    """The fused runs' pushes (adopters found as their count crosses the threshold) against the
    stepped form (push, then evaluate everyone touched), from exact counts, for both threshold kinds."""
    from model.rules._counting import (
        needed_counts,
        push_count_crossings,
        push_counts,
        push_need_crossings,
        push_share_crossings,
    )
    from model.rules._params import keyed_thresholds, threshold_key

    csr = GRAPHS[graph]
    rng = np.random.default_rng(3)
    theta = rng.uniform(0.0, 0.6, csr.n)
    for share in (0.01, 0.2, 0.6):
        before = (rng.random(csr.n) < share).astype(np.uint8)
        sources = np.flatnonzero((before == 0) & (rng.random(csr.n) < share / 2))
        now = before.copy()
        now[sources] = 1
        exact = _reference_counts(csr, before).astype(np.int32)
        count = exact.copy()
        touched = push_counts(csr.indptr, csr.indices, sources, now, count, np.full(csr.n, -1, dtype=np.int32), 1)
        np.testing.assert_array_equal(count, _reference_counts(csr, now))
        degree = np.diff(csr.indptr)[touched]
        # reached now, not before: in a run, a person already over their threshold would have adopted then
        expected = touched[(count[touched] / degree >= theta[touched]) & (exact[touched] / degree < theta[touched])]
        found = push_share_crossings(csr.indptr, csr.indices, sources, now, exact.copy(), theta, threshold_key(0))
        assert sorted(found.tolist()) == sorted(expected.tolist()) and len(set(found.tolist())) == len(found)
        found = push_need_crossings(csr.indptr, csr.indices, sources, exact.copy(), needed_counts(csr.indptr, theta, now))
        assert sorted(found.tolist()) == sorted(expected.tolist()) and len(set(found.tolist())) == len(found)
        for k in (1, 2, 3):
            expected = touched[count[touched] >= k]
            found = push_count_crossings(csr.indptr, csr.indices, sources, now, exact.copy(), k)
            expected = expected[exact[expected] < k]  # as above: not already there before
            assert sorted(found.tolist()) == sorted(expected.tolist())
        keyed = keyed_thresholds(77, csr.n)  # thresholds not written out: the kernel draws the same ones
        expected = touched[(count[touched] / degree >= keyed[touched]) & (exact[touched] / degree < keyed[touched])]
        found = push_share_crossings(csr.indptr, csr.indices, sources, now, exact.copy(), np.zeros(0), threshold_key(77))
        assert sorted(found.tolist()) == sorted(expected.tolist())


def test_needed_counts_are_the_rules_own_comparison():
    """``count >= need`` must be ``count / degree >= theta`` for every count a person can have, also
    where ``theta * degree`` rounds across an integer (0.2 x 10, 0.3 x 10, 1/3 x 3, 0.7 x 10 ...),
    at 0, 1, beyond and next to each fraction; adopters get 0 and people without ties 1."""
    from model.rules._counting import needed_counts

    degrees = np.arange(0, 41)
    fractions = np.unique([c / d for d in range(1, 41) for c in range(0, d + 1)])
    thetas = np.concatenate([fractions, np.nextafter(fractions, 2), np.nextafter(fractions, -1), [-0.5, 1.5, 0.1, 0.2, 0.3, 0.7]])
    for d in degrees:
        indptr = np.array([0, d], dtype=np.int64)
        for th in thetas:
            need = needed_counts(indptr, np.array([th]), np.zeros(1, dtype=np.uint8))[0]
            if d == 0:
                assert need == 1
                continue
            for c in range(0, d + 1):
                assert (c >= need) == (c / d >= th), (d, th, c, need)
            if th <= 0:
                assert need == 0
    adopter = needed_counts(np.array([0, 5], dtype=np.int64), np.array([0.5]), np.ones(1, dtype=np.uint8))
    assert adopter[0] == 0


def test_running_adopters_is_the_cumulative_count_for_every_block_length():
    """The running count takes four ties a step and the rest one by one: every block length from 0
    to 9 ties (each remainder mod 4), at every offset, equals numpy's cumulative sum."""
    from numba import njit

    from model.rules._kernel import running_adopters

    run = njit(lambda indptr, indices, adopted, lo, hi: running_adopters(indptr, indices, adopted, lo, hi))
    rng = np.random.default_rng(3)
    degrees = rng.integers(0, 4, size=40)
    indptr = np.concatenate(([0], np.cumsum(degrees))).astype(np.int64)
    indices = rng.integers(0, 40, size=indptr[-1]).astype(np.uint32)
    adopted = (rng.random(40) < 0.5).astype(np.uint8)
    lengths = set()
    for lo in range(40):
        for hi in range(lo, 41):
            e0, e1 = indptr[lo], indptr[hi]
            running, start = run(indptr, indices, adopted, lo, hi)
            assert start == e0
            expected = np.concatenate(([0], np.cumsum(adopted[indices[e0:e1]])))
            assert running.tolist() == expected.tolist()
            lengths.add(int(e1 - e0))
    assert set(range(10)) <= lengths
