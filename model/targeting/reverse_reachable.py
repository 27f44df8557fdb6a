"""Reverse influence sampling: ``ris`` (Borgs et al. 2014) and ``imm`` (Tang, Shi & Xiao 2015).

A reverse-reachable (RR) set is everyone who would have recruited a random person r: the people from
whom r can be reached in one random live-edge graph of the model. The chance that a seed set S meets a
random RR set equals S's expected spread divided by n (Borgs, Brautbar, Chayes & Lucier 2014,
"Maximizing social influence in nearly optimal time", *SODA '14*), so picking the k people who cover
the most RR sets (greedy max coverage, a (1 - 1/e) approximation) maximises spread, at a cost
independent of k and nearly linear in the network.

* ``ris``: a fixed number ``samples`` of RR sets (Borgs et al.'s sampling, with a sample count instead
  of their edge budget).
* ``imm``: Influence Maximization via Martingales (Tang, Shi & Xiao 2015, *SIGMOD '15*, 1539-1554),
  whose sampling phase estimates a lower bound on the optimum and then draws theta RR sets, enough for
  a (1 - 1/e - epsilon) approximation with probability 1 - n^-ell. The final selection uses a fresh
  sample, the correction of Chen (2018), "An issue in the martingale analysis of the influence
  maximization algorithm IMM", *CSoNet 2018*.

Both then score their greedy seeds and the DegreeDiscount seeds (Chen, Wang & Yang 2009; degree for
linear threshold) on another fresh sample and keep whichever covers more (``check = false`` turns this
off): at low p the RR estimate is noisier than the heuristic's ranking of hubs, and this makes the
result never worse than the heuristic beyond sampling error.

Live-edge graphs (Kempe, Kleinberg & Tardos 2003): under independent cascade each tie is live with
probability p, in either direction (one coin per tie is enough, because in a cascade each tie is only
ever tried once, from whichever end adopted first); under linear threshold each person keeps at most
one incoming tie, tie (u, v) with probability w(u, v) (1/degree(v) unweighted; with explicit weights
the equivalence needs each person's incoming weights to sum to at most 1). RR sets walk these
backwards. Finite ``steps`` are honoured: a person adopts by step t exactly when a live path of at
most t ties reaches them, so RR sets are cut at depth ``steps``. Sampling is compiled with numba,
uses the geometric skip (one draw per live tie rather than per tie) and runs on threads over blocks
of RR sets; each RR set is a pure function of (key, its index), so the result does not depend on the
thread count.
"""

from __future__ import annotations

import math
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from numba import get_num_threads, njit

from ..rng import uniform
from ._common import behaviour_of, csr_of, ids, int_seed, no_params, number, top_positions
from .registry import TargetingError, strategy

ROOT, EDGE = 11, 12  # stream ids for the counter-based draws
MAX_ENTRIES = 200_000_000  # stored RR-set members at most (800 MB as uint32)


@strategy("ris")
def ris(G, count, rng, behaviour=None, p=None, samples=None, steps=None, check=True, **params):
    """Greedy max coverage of ``samples`` random RR sets (independent cascade or linear threshold).

    Params:
        behaviour / p: the targeted behaviour (as for ``celf``).
        samples: RR sets to draw (default 10 per person, at least 10,000).
        steps: the run length the spread counts up to (default: no limit).
        check: also score the heuristic seeds on fresh RR sets and keep the better set (default true).
    """
    no_params("ris", params)
    check = _flag("ris", "check", check)
    sampler = _sampler("ris", G, behaviour, p, steps, rng)
    if samples is None:
        samples = max(10_000, 10 * sampler.csr.n)
    samples = number("ris", "samples", samples, 1, integer=True)
    rr = sampler.sample(samples)
    chosen = select(rr, sampler, count, rng)[0]
    if check:
        chosen = against_heuristic(sampler, chosen, count, rng, samples, start=samples)
    return ids(sampler.csr, chosen)


@strategy("imm")
def imm(G, count, rng, behaviour=None, p=None, epsilon=0.5, ell=1.0, steps=None, check=True, **params):
    """IMM (Tang, Shi & Xiao 2015) for independent cascade or linear threshold.

    Params:
        behaviour / p: the targeted behaviour (as for ``celf``).
        epsilon: approximation slack (default 0.5, as in Tang et al.'s experiments; smaller means
            more RR sets, about 1/epsilon^2).
        ell: failure probability n^-ell (default 1).
        steps: the run length the spread counts up to (default: no limit).
        check: also score the heuristic seeds on fresh RR sets and keep the better set (default true).
    """
    no_params("imm", params)
    check = _flag("imm", "check", check)
    epsilon = number("imm", "epsilon", epsilon, 0.0, 1.0, low_open=True)
    ell = number("imm", "ell", ell, 0.0, low_open=True)
    sampler = _sampler("imm", G, behaviour, p, steps, rng)
    n, k = sampler.csr.n, count
    if n <= 2 or k >= n:
        return ids(sampler.csr, select(sampler.sample(max(1000, n)), sampler, k, rng)[0])
    ell = ell * (1.0 + math.log(2) / math.log(n))
    log_cnk = math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)
    # sampling phase (Tang et al. 2015, Algorithm 2): estimate a lower bound LB on OPT
    eps1 = math.sqrt(2) * epsilon
    lam1 = (2 + 2 / 3 * eps1) * (log_cnk + ell * math.log(n) + math.log(math.log2(n))) * n / eps1**2
    lower = 1.0
    rr = sampler.sample(0)
    for i in range(1, int(math.ceil(math.log2(n)))):
        x = n / 2**i
        theta_i = int(math.ceil(lam1 / x))
        rr = sampler.extend(rr, theta_i)
        _, covered = select(rr, sampler, k, rng)
        if n * covered >= (1 + eps1) * x:
            lower = n * covered / (1 + eps1)
            break
        if rr.truncated:
            break
    alpha = math.sqrt(ell * math.log(n) + math.log(2))
    beta = math.sqrt((1 - 1 / math.e) * (log_cnk + ell * math.log(n) + math.log(2)))
    lam_star = 2 * n * ((1 - 1 / math.e) * alpha + beta) ** 2 / epsilon**2
    theta = int(math.ceil(lam_star / lower))
    final = sampler.sample(theta, start=len(rr))  # fresh RR sets for the selection (Chen 2018)
    chosen = select(final, sampler, k, rng)[0]
    if check:
        chosen = against_heuristic(sampler, chosen, k, rng, theta, start=len(rr) + theta)
    return ids(sampler.csr, chosen)


def _flag(name, param, value) -> bool:
    if not isinstance(value, bool):
        raise TargetingError(f"strategy {name!r}: {param} must be true or false, got {value!r}")
    return value


def against_heuristic(sampler: Sampler, chosen, k: int, rng, size: int, start: int) -> np.ndarray:
    """Keep ``chosen`` unless the heuristic seeds cover more of ``size`` fresh RR sets.

    Why: at low p most RR sets are one person, so coverage counts of the hubs are noisy (a few percent
    at IMM's sample sizes) while DegreeDiscount (IC) or degree (LT) rank hubs almost perfectly; the
    greedy pick then trails the heuristic by 1-2% of spread. Scoring both sets on an independent sample
    is an unbiased comparison, so the better one is kept, up to that sample's error.
    """
    from .degree_discount import degree_discount_positions

    csr = sampler.csr
    if sampler.model == "ic":
        alt = degree_discount_positions(csr.indptr, csr.indices, k, sampler.p, rng.permutation(csr.n).astype(np.int64))
    else:
        alt = top_positions(csr.degree, k, rng)
    if len(alt) < k or set(alt.tolist()) == set(np.asarray(chosen).tolist()):
        return chosen
    fresh = sampler.sample(size, start=start)
    ours = _covered(fresh.members, fresh.ptr, np.asarray(chosen, dtype=np.int64), csr.n)
    theirs = _covered(fresh.members, fresh.ptr, np.asarray(alt, dtype=np.int64), csr.n)
    return alt if theirs > ours else chosen


@njit(cache=True)
def _covered(members, ptr, seeds, n):
    """How many RR sets contain at least one of ``seeds``."""
    mark = np.zeros(n, dtype=np.bool_)
    for s in seeds:
        mark[s] = True
    hit = 0
    for j in range(len(ptr) - 1):
        for i in range(ptr[j], ptr[j + 1]):
            if mark[members[i]]:
                hit += 1
                break
    return hit


# --- sampling -------------------------------------------------------------------------------------------
class RRSets:
    """RR sets as flat arrays: set j holds ``members[ptr[j]:ptr[j+1]]`` (CSR positions)."""

    def __init__(self, members: np.ndarray, ptr: np.ndarray, first: int, truncated: bool = False):
        self.members, self.ptr, self.first, self.truncated = members, ptr, first, truncated

    def __len__(self) -> int:
        return len(self.ptr) - 1


class Sampler:
    def __init__(self, csr, model: str, p: float, depth: int, key: int):
        self.csr, self.model, self.p, self.depth, self.key = csr, model, p, depth, key
        self.weights = csr.weights if csr.weights is not None else np.zeros(0)

    def sample(self, count: int, start: int = 0) -> RRSets:
        """RR sets number start .. start+count-1 (each a pure function of its number)."""
        members, ptr, truncated = self._draw(start, count)
        return RRSets(members, ptr, start, truncated)

    def extend(self, rr: RRSets, total: int) -> RRSets:
        """rr followed by the next RR sets, up to ``total`` sets."""
        if total <= len(rr) or rr.truncated:
            return rr
        members, ptr, truncated = self._draw(rr.first + len(rr), total - len(rr))
        return RRSets(
            np.concatenate((rr.members, members)), np.concatenate((rr.ptr, ptr[1:] + rr.ptr[-1])), rr.first, truncated
        )

    def _draw(self, start: int, count: int):
        csr = self.csr
        threads = max(1, get_num_threads())
        blocks = 1 if count < 20_000 else threads
        bounds = [start + count * b // blocks for b in range(blocks + 1)]
        budget = MAX_ENTRIES // blocks

        def run(b):
            visited = np.full(csr.n, -1, dtype=np.int64)
            return _rr_block(
                csr.indptr,
                csr.indices,
                self.weights,
                self.model == "lt",
                self.p,
                self.depth,
                self.key,
                bounds[b],
                bounds[b + 1],
                visited,
                budget,
            )

        if blocks == 1:
            parts = [run(0)]
        else:
            with ThreadPoolExecutor(blocks) as pool:
                parts = list(pool.map(run, range(blocks)))
        kept, truncated = [], False
        for b, part in enumerate(parts):
            kept.append(part)
            if part[2] < bounds[b + 1] - bounds[b]:  # this block hit the memory budget: stop here
                truncated = True
                break
        members = np.concatenate([m for m, _, _ in kept])
        ptr, offset = [np.zeros(1, dtype=np.int64)], 0
        for m, q, _ in kept:
            ptr.append(q[1:] + offset)
            offset += len(m)
        ptr = np.concatenate(ptr)
        if truncated:
            warnings.warn(
                f"RR sampling stopped at {len(ptr) - 1} of {count} sets (memory cap of {MAX_ENTRIES} stored "
                "members): the spread is near-critical; the seeds come from fewer samples (raise epsilon)",
                RuntimeWarning,
                stacklevel=4,
            )
        return members, ptr, truncated


def _sampler(name, G, behaviour, p, steps, rng) -> Sampler:
    spec = behaviour_of(name, behaviour, p)
    if spec["rule"] not in ("independent_cascade", "linear_threshold"):
        raise TargetingError(
            f"strategy {name!r} works for independent_cascade and linear_threshold, not {spec['rule']!r}; "
            "use celf, which simulates any rule"
        )
    if spec.get("initial", 0.0) > 0:
        warnings.warn(
            f"strategy {name!r} ignores behaviour.initial (random initial adopters)", RuntimeWarning, stacklevel=3
        )
    depth = -1 if steps is None else number(name, "steps", steps, 0, integer=True)
    weight = spec.get("weight") if spec["rule"] == "linear_threshold" else None
    csr = csr_of(G, weight=weight)
    if weight is not None and csr.weights is None:
        raise TargetingError(f"strategy {name!r}: the network has no edge weights {weight!r}")
    model = "ic" if spec["rule"] == "independent_cascade" else "lt"
    return Sampler(csr, model, float(spec.get("p", 0.0)), depth, int_seed(rng) >> 1)


@njit(cache=True, nogil=True)
def _rr_block(indptr, indices, weights, lt, p, depth, key, lo, hi, visited, budget):
    """RR sets number lo..hi-1. Returns (members, ptr, sets done); stops early past ``budget`` members."""
    n = len(indptr) - 1
    cap = max(16, 2 * (hi - lo))
    members = np.empty(cap, dtype=np.uint32)
    ptr = np.zeros(hi - lo + 1, dtype=np.int64)
    queue = np.empty(max(n, 1), dtype=np.int64)
    m = 0
    log_q = math.log(1.0 - p) if p < 1.0 else -math.inf
    weighted = len(weights) > 0
    for j in range(lo, hi):
        root = int(uniform(key, ROOT, j, 0) * n)
        visited[root] = j
        queue[0] = root
        head, tail = 0, 1
        level_end, level = 1, 0
        draw = 1
        while head < tail and (depth < 0 or level < depth):
            v = queue[head]
            head += 1
            start, deg = indptr[v], indptr[v + 1] - indptr[v]
            if lt:  # one incoming live tie at most: a backwards random walk
                pick = -1
                if deg > 0:
                    u = uniform(key, EDGE, j, draw)
                    draw += 1
                    if weighted:
                        acc = 0.0
                        for e in range(deg):
                            acc += weights[start + e]
                            if u < acc:
                                pick = e
                                break
                    else:
                        pick = int(u * deg)
                if pick >= 0:
                    w = indices[start + pick]
                    if visited[w] != j:
                        visited[w] = j
                        queue[tail] = w
                        tail += 1
            elif p > 0.0:  # independent cascade: each tie live with probability p (geometric skip)
                pos = -1
                while True:
                    if p < 1.0:
                        u = uniform(key, EDGE, j, draw)
                        draw += 1
                        pos += 1 + int(math.floor(math.log(1.0 - u) / log_q))
                    else:
                        pos += 1
                    if pos >= deg:
                        break
                    w = indices[start + pos]
                    if visited[w] != j:
                        visited[w] = j
                        queue[tail] = w
                        tail += 1
            if head == level_end:
                level += 1
                level_end = tail
        size = tail
        if m + size > cap:
            if m + size > budget:
                return members[:m], ptr[: j - lo + 1], j - lo
            cap = max(2 * cap, m + size)
            grown = np.empty(cap, dtype=np.uint32)
            grown[:m] = members[:m]
            members = grown
        for i in range(size):
            members[m + i] = queue[i]
        m += size
        ptr[j - lo + 1] = m
    return members[:m], ptr, hi - lo


# --- selection ------------------------------------------------------------------------------------------
def select(rr: RRSets, sampler: Sampler, k: int, rng) -> tuple[np.ndarray, float]:
    """Greedy max coverage: k positions and the share of RR sets they cover.

    Ties in coverage go to the higher degree, then at random (people in no RR set are then ranked by
    degree).
    """
    csr = sampler.csr
    n = csr.n
    tiebreak = rng.permutation(n)
    rank = np.empty(n, dtype=np.int64)
    rank[np.lexsort((tiebreak, csr.degree))] = np.arange(n)  # higher rank wins a tie
    if len(rr) == 0:
        return np.argsort(-rank)[:k], 0.0
    chosen, covered = _max_cover(rr.members, rr.ptr, n, k, rank)
    return chosen, covered / len(rr)


@njit(cache=True)
def _max_cover(members, ptr, n, k, rank):
    R = len(ptr) - 1
    cover = np.zeros(n, dtype=np.int64)
    for i in range(len(members)):
        cover[members[i]] += 1
    start = np.zeros(n + 1, dtype=np.int64)
    for v in range(n):
        start[v + 1] = start[v] + cover[v]
    fill = start[:-1].copy()
    sets_of = np.empty(len(members), dtype=np.int64)
    for j in range(R):
        for i in range(ptr[j], ptr[j + 1]):
            v = members[i]
            sets_of[fill[v]] = j
            fill[v] += 1
    done = np.zeros(R, dtype=np.bool_)
    taken = np.zeros(n, dtype=np.bool_)
    chosen = np.empty(k, dtype=np.int64)
    covered = 0
    for c in range(k):
        best = -1
        for v in range(n):
            if not taken[v] and (
                best < 0 or cover[v] > cover[best] or (cover[v] == cover[best] and rank[v] > rank[best])
            ):
                best = v
        taken[best] = True
        chosen[c] = best
        for i in range(start[best], start[best + 1]):
            j = sets_of[i]
            if not done[j]:
                done[j] = True
                covered += 1
                for q in range(ptr[j], ptr[j + 1]):
                    cover[members[q]] -= 1
    return chosen, covered
