"""Expected spread of a seed set: Monte-Carlo runs of a behaviour's own rule on the numba engine.

``SpreadEstimator(G, behaviour, trials, steps, seed).expected(seeds)`` is the mean number of people
adopting at the end of a run (the seeds included) over ``trials`` runs of the rule named in
``behaviour`` (a scenario's behaviour table as a dict, e.g. ``{"rule": "threshold", "threshold": 0.2}``).
It is what greedy influence maximisation (``celf``) maximises, so it works for complex contagion as
well as for independent cascade.

Why it reuses the model's own pieces: a run here is a ``model.population.Population`` stepped by the
rule module's ``prepare`` and ``numba_step`` and applied with ``Population.begin_round / apply /
seed``, exactly as ``BehaviourModel.step`` does, so "spread" means what a scenario run means
(synchronous rounds, the step limit, early stop at a steady state). Independent cascade, the common
case, has a compiled loop over trials that makes the rule's own draws (the ``frontier`` kernel's,
restructured for speed); it gives the same counts as the general path, run for run (the tests check
this). Where the trials fit in memory, independent cascade's estimates instead walk each trial's
live ties, sampled once (``model.live_edges``): the same counts, trial by trial, at a fraction of
the work, which is what makes CELF affordable.

Common random numbers: trial r always uses the same run key (and the same threshold draws), whatever
the seed set. Comparing two seed sets then compares them on the same coin flips, which is what makes
greedy's marginal gains low-variance and deterministic; for independent cascade it makes the
estimate an exact average over ``trials`` fixed live-edge graphs, hence monotone and submodular
(Kempe, Kleinberg & Tardos 2003), so lazy evaluation (CELF) gives exactly the greedy answer.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pydantic
from numba import get_num_threads, njit, prange, set_num_threads

from networks import CSR, csr_of

from . import live_edges
from .population import Population
from .rng import pair_cut
from .rules import RULES
from .rules._counting import push_counts as _push_counts
from .rules.absolute_threshold import frontier as _absolute_frontier
from .rules.independent_cascade import cascade as _ic_cascade
from .rules.independent_cascade import scratch_rows as _ic_scratch_rows
from .rules.threshold import NO_KEY as _NO_KEY
from .rules.threshold import frontier as _fraction_frontier

PREPARE, INITIAL = 0, 1  # purposes of the per-trial seed sequences

__all__ = ["SpreadEstimator", "behaviour_params", "BehaviourSpecError", "exact_ic_spread"]


class BehaviourSpecError(ValueError):
    """A behaviour dict that the scenario schema rejects."""


def behaviour_params(behaviour) -> pydantic.BaseModel:
    """Validate a behaviour dict (as in a scenario's ``[[behaviours]]``) with its rule's ``Params``.

    ``name`` is optional here. Couplings to other behaviours (logistic) are dropped: the estimator
    runs one behaviour on its own.
    """
    if isinstance(behaviour, pydantic.BaseModel):
        behaviour = behaviour.model_dump()
    if not isinstance(behaviour, dict):
        raise BehaviourSpecError(
            f"behaviour must be a table such as {{rule = 'independent_cascade', p = 0.05}}, got {behaviour!r}"
        )
    spec = {"name": "target", **behaviour}
    rule = spec.get("rule")
    if rule not in RULES:
        raise BehaviourSpecError(f"behaviour.rule: unknown rule {rule!r}; choose one of {', '.join(RULES)}")
    if rule == "logistic":
        spec["coupling"] = {}
    try:
        params = RULES[rule].Params.model_validate(spec)
    except pydantic.ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(x) for x in err["loc"] if not str(x).endswith("Thresholds"))
        raise BehaviourSpecError(f"behaviour.{where}: {err['msg']}") from None
    if params.observed_initial:
        raise BehaviourSpecError("behaviour.initial: the spread estimator takes a random share only, not an observed state")
    return params


def _is_deterministic(params) -> bool:
    """Rules whose run does not depend on any random draw (so one trial is exact)."""
    if params.initial_share > 0:
        return False
    if params.rule == "absolute_threshold":
        return True
    if params.rule == "threshold":
        return isinstance(params.threshold, (int, float))
    if params.rule == "independent_cascade":
        return params.p in (0.0, 1.0)
    return False


class SpreadEstimator:
    """Monte-Carlo expected spread of seed sets under one behaviour's rule, with common random numbers.

    Args:
        graph: a networkx graph or a ``networks.CSR`` (seed sets are given as CSR positions).
        behaviour: the behaviour as a dict, e.g. ``{"rule": "independent_cascade", "p": 0.1}``; checked
            with the scenario schema. ``initial`` adds that share of random adopters in every trial.
        trials: Monte-Carlo runs per estimate (one when the rule is deterministic).
        steps: the run length, as a scenario's ``steps`` (runs stop early at a steady state).
        seed: int, SeedSequence or Generator: fixes every trial's draws.
        keys: explicit run keys (one per trial), e.g. a ``BehaviourModel``'s ``population.keys``.

    Raises:
        BehaviourSpecError: the behaviour dict is invalid (a ValueError).
    """

    def __init__(self, graph, behaviour: dict, trials: int = 200, steps: int = 100, seed=0, keys=None):
        self.params = params = behaviour_params(behaviour)
        self.rule = RULES[params.rule]
        if isinstance(graph, CSR):
            csr = graph
        elif isinstance(graph, nx.Graph):
            csr = csr_of(graph, weight=getattr(params, "weight", None))
        else:
            raise TypeError(f"graph must be a networkx graph or a networks.CSR, not {type(graph).__name__}")
        if getattr(params, "weight", None) is not None and csr.weights is None:
            raise BehaviourSpecError(f"behaviour.weight: the network has no edge weights {params.weight!r}")
        self.csr = csr
        self.n = csr.n
        if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
            raise ValueError(f"steps must be a non-negative integer, got {steps!r}")
        self.steps = int(steps)
        if keys is not None:
            keys = np.asarray(keys, dtype=np.int64).ravel()
            trials = len(keys)
        if isinstance(trials, bool) or not isinstance(trials, (int, np.integer)) or trials < 1:
            raise ValueError(f"trials must be a positive integer, got {trials!r}")
        self.deterministic = _is_deterministic(params)
        self.trials = 1 if self.deterministic else int(trials)
        if isinstance(seed, np.random.Generator):
            seed = int(seed.integers(0, 2**63 - 1))
        root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
        self._root = root
        if keys is not None:
            self.keys = keys[: self.trials]
        else:  # one 63-bit run key per trial, as ``rng.derive_key`` makes them
            self.keys = (root.generate_state(self.trials, np.uint64) >> np.uint64(1)).astype(np.int64)
        self.mode = self._choose_mode()
        self._live = None  # independent cascade's live-edge graphs (``model.live_edges``), made on first use
        self.evaluations = 0  # seed sets evaluated (each costs ``trials`` runs)

    def _choose_mode(self) -> str:
        """'ic' or 'counting' (compiled loops over trials) or 'general' (Population stepped in Python)."""
        params = self.params
        if params.initial_share > 0:
            return "general"
        if params.rule == "independent_cascade":
            return "ic"
        if params.rule == "absolute_threshold":
            self._theta = np.zeros((1, 1))
            return "counting"
        unweighted_lt = params.rule == "linear_threshold" and self.csr.weights is None
        if (params.rule == "threshold" or unweighted_lt) and self.trials * self.n <= 25_000_000:
            # the thresholds each trial's prepare() draws, kept so every estimate reuses them
            self._theta = np.empty((self.trials, self.n))
            pop = Population(self.csr, ["target"], weights=self.csr.weights)
            for r in range(self.trials):
                pop.keys[0] = self.keys[r]  # the trial's run key, as in ``_run``
                self.rule.prepare(pop, 0, params, np.random.default_rng(self._stream(r, PREPARE)))
                self._theta[r] = pop.theta[0]
            return "counting"
        return "general"

    def _compiled(self, base, extra, out) -> None:
        csr, steps, threads = self.csr, self.steps, get_num_threads()
        if self.mode == "ic" and live_edges.fits(self.trials, self.n):
            if self._live is None:  # each trial's live ties, sampled once for every later estimate
                self._live = live_edges.LiveEdges(csr.indptr, csr.indices, self.keys, self.params.p)
            self._live.counts(base, extra, steps, out)
        elif self.mode == "ic":
            _ic_batch(csr.indptr, csr.indices, base, extra, self.keys, self.params.p, steps, threads, out)
        else:
            absolute = self.params.rule == "absolute_threshold"
            k = self.params.k if absolute else 0
            _counting_batch(csr.indptr, csr.indices, base, extra, self._theta, absolute, k, steps, threads, out)

    def positions(self, nodes) -> np.ndarray:
        """CSR positions of graph node ids (what ``expected`` takes)."""
        return self.csr.positions(list(nodes))

    # --- estimates ---------------------------------------------------------------------------------------
    def expected(self, seeds) -> float:
        """Mean number of adopters at the end of a run seeded with ``seeds`` (CSR positions)."""
        return float(self.trial_counts(seeds).mean())

    def trial_counts(self, seeds) -> np.ndarray:
        """Final adopter count of each trial (int64 array of length ``trials``)."""
        seeds = self._positions(seeds)
        self.evaluations += 1
        if self.mode != "general":
            out = np.zeros((1, self.trials), dtype=np.int64)
            self._compiled(seeds, np.full(1, -1, np.int64), out)
            return out[0]
        with _serial_kernels(self.n):
            return np.array([self._run(seeds, r) for r in range(self.trials)], dtype=np.int64)

    def expected_with(self, base, candidates) -> np.ndarray:
        """Expected spread of ``base + [c]`` for each candidate c (one compiled call for IC)."""
        base = self._positions(base)
        candidates = np.asarray(candidates, dtype=np.int64).ravel()
        if len(candidates) and (candidates.min() < 0 or candidates.max() >= self.n):
            raise ValueError(f"candidate positions must lie in 0..{self.n - 1}")
        self.evaluations += len(candidates)
        if self.mode != "general":
            out = np.zeros((len(candidates), self.trials), dtype=np.int64)
            self._compiled(base, candidates, out)
            return out.mean(axis=1)
        with _serial_kernels(self.n):
            return np.array(
                [np.mean([self._run(np.union1d(base, [c]), r) for r in range(self.trials)]) for c in candidates]
            )

    # --- one run, the way BehaviourModel runs it -----------------------------------------------------------
    def _run(self, seeds: np.ndarray, r: int) -> int:
        rule, params = self.rule, self.params
        pop = Population(self.csr, ["target"], weights=self.csr.weights)
        pop.keys[0] = self.keys[r]
        rule.prepare(pop, 0, params, np.random.default_rng(self._stream(r, PREPARE)))
        k = round(params.initial_share * pop.n)
        if k:
            others = np.setdiff1d(np.arange(pop.n), seeds)
            initial_rng = np.random.default_rng(self._stream(r, INITIAL))
            pop.seed(0, initial_rng.choice(others, size=min(k, len(others)), replace=False))
        enrol = getattr(rule, "enrol", None)  # after the initial adopters, as BehaviourModel does
        enrol(pop, 0, seeds) if enrol else pop.seed(0, seeds)
        while pop.t < self.steps:
            t = pop.begin_round()
            adopters, relapsers = rule.numba_step(pop, 0, t)
            changed = pop.apply(0, adopters, relapsers, t)
            pop.t = t
            if rule.steady(pop, 0, changed):
                break
        return int(pop.adopted[0].sum())

    def _stream(self, r: int, purpose: int) -> np.random.SeedSequence:
        """Trial r's seed sequence for set-up draws (thresholds) or initial adopters: fixed, so every
        estimate reuses the same draws."""
        return np.random.SeedSequence(self._root.entropy, spawn_key=tuple(self._root.spawn_key) + (r, purpose))

    def _positions(self, seeds) -> np.ndarray:
        seeds = np.unique(np.asarray(seeds, dtype=np.int64).ravel())
        if len(seeds) and (seeds[0] < 0 or seeds[-1] >= self.n):
            raise ValueError(f"seed positions must lie in 0..{self.n - 1}")
        return seeds


class _serial_kernels:
    """Run the rules' parallel kernels on one thread for small graphs, where starting threads each
    round costs more than the sweep (4x faster at 1,000 people). Results do not depend on it."""

    def __init__(self, n: int):
        self.serial = n < 20_000

    def __enter__(self):
        if self.serial:
            self.before = get_num_threads()
            set_num_threads(1)

    def __exit__(self, *exc):
        if self.serial:
            set_num_threads(self.before)


@njit(parallel=True, cache=True)
def _ic_batch(indptr, indices, base, extra, keys, p, steps, threads, out):
    """out[c, r] = final adopters of IC trial r seeded with base + extra[c] (extra[c] < 0: base only).

    Each (c, r) run is what BehaviourModel's fused run does: rounds of the rule's own ``cascade``
    (last round's adopters each try every neighbour once, with the rule's draws; rows prefetched,
    one adopter buffer, no allocation per round); stop when a round adds nobody or at ``steps``.
    Runs are split over threads in chunks; each draw is a pure function of (key, source, target), so
    the counts do not depend on the thread count. ``base`` must hold distinct positions
    (``SpreadEstimator._positions`` makes it so).
    """
    n = len(indptr) - 1
    C, T = out.shape
    total = C * T
    chunks = min(total, 1 if threads == 1 else 4 * threads)
    cut = pair_cut(p)
    for ch in prange(chunks):
        adopted = np.zeros(n, dtype=np.uint8)
        order = np.empty(max(n, 1), dtype=np.uint32)
        flags, hits = _ic_scratch_rows(indptr)
        for q in range(ch * total // chunks, (ch + 1) * total // chunks):
            c = q // T
            r = q - c * T
            key = keys[r]
            m = 0
            for s in base:
                adopted[s] = 1
                order[m] = s
                m += 1
            e = extra[c]
            if e >= 0 and adopted[e] == 0:
                adopted[e] = 1
                order[m] = e
                m += 1
            lo, hi, t = 0, m, 0
            while t < steps and lo < hi:
                t += 1
                lo, hi = hi, _ic_cascade(indptr, indices, order, lo, hi, adopted, key, cut, flags, hits)
            m = hi
            out[c, r] = m
            for i in range(m):
                adopted[order[i]] = 0


@njit(parallel=True, cache=True)
def _counting_batch(indptr, indices, base, extra, theta, absolute, k, steps, threads, out):
    """Like ``_ic_batch`` for the counting rules (threshold, unweighted linear_threshold, absolute_threshold).

    Round 1 counts every non-adopter's adopting neighbours and tests everyone, as the rules' first
    full sweep does; later rounds push last round's adopters into the counts and test only the people
    they touched, with the rules' own ``push_counts`` and ``frontier`` kernels.
    """
    n = len(indptr) - 1
    C, T = out.shape
    total = C * T
    chunks = min(total, 1 if threads == 1 else 4 * threads)  # each chunk allocates O(n)
    for ch in prange(chunks):
        adopted = np.zeros(n, dtype=np.uint8)
        count = np.zeros(n, dtype=np.int32)
        mark = np.full(n, -1, dtype=np.int64)
        touched = np.empty(max(n, 1), dtype=np.int64)
        for q in range(ch * total // chunks, (ch + 1) * total // chunks):
            c = q // T
            r = q - c * T
            th = theta[min(r, theta.shape[0] - 1)]
            adopted[:] = 0
            count[:] = 0
            m = 0
            for s in base:
                adopted[s] = 1
                touched[m] = s
                m += 1
            e = extra[c]
            if e >= 0 and adopted[e] == 0:
                adopted[e] = 1
                touched[m] = e
                m += 1
            sources = touched[:m].copy()
            t = 0
            while t < steps:
                t += 1
                stamp = q * (steps + 1) + t
                candidates = _push_counts(indptr, indices, sources, adopted, count, mark, stamp)
                if t == 1:
                    candidates = np.flatnonzero(adopted == 0)
                if absolute:
                    hits = _absolute_frontier(candidates, count, k)
                else:
                    hits = _fraction_frontier(indptr, candidates, count, th, _NO_KEY)  # thresholds written out
                if len(hits) == 0:
                    break
                for h in hits:
                    adopted[h] = 1
                    touched[m] = h
                    m += 1
                sources = hits
            out[c, r] = m


def exact_ic_spread(G: nx.Graph, seeds, p: float, steps: int | None = None) -> float:
    """Exact expected final adopters under independent cascade, by enumerating live-edge graphs.

    Each tie is live with probability p (one coin per tie suffices on an undirected network: a
    cascade only ever tries a tie once, from whichever end adopted first), and the adopters are
    everyone within ``steps`` live ties of a seed (Kempe, Kleinberg & Tardos 2003). 2^m terms, so
    for tiny graphs only (m <= 20); ``seeds`` are node ids of G.
    """
    nodes = list(G.nodes)
    index = {v: i for i, v in enumerate(nodes)}
    edges = [(index[u], index[v]) for u, v in G.edges if u != v]
    m = len(edges)
    if m > 20:
        raise ValueError(f"exact_ic_spread enumerates 2^m live-edge graphs; m = {m} is too many")
    start = {index[s] for s in seeds}
    depth = len(nodes) if steps is None else steps
    total = 0.0
    for mask in range(1 << m):
        live = [[] for _ in nodes]
        k = 0
        for b, (u, v) in enumerate(edges):
            if mask >> b & 1:
                live[u].append(v)
                live[v].append(u)
                k += 1
        reached, frontier = set(start), list(start)
        for _ in range(depth):
            frontier = [w for v in frontier for w in live[v] if w not in reached and not reached.add(w)]
            if not frontier:
                break
        total += p**k * (1 - p) ** (m - k) * len(reached)
    return total
