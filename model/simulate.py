"""simulate: one headless run of a scenario, the path sweeps and the CLI use.

On the numba engine it builds no ``Person`` agents, so a run costs what its kernels cost.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import networkx as nx
import numpy as np
import pandas as pd

from .behaviour_model import BehaviourModel, Stream, _seeded, _Streams
from .rules import RULES
from .scenario import Scenario
from .seeding import plan_seeds
from .seedseq import stream_keys

__all__ = ["Result", "simulate", "Replicates", "build_graph"]



@dataclass
class Result:
    """What one run produced.

    Attributes:
        scenario: the scenario that was run.
        final: {behaviour: final adopted fraction of the whole population}.
        timeseries: long DataFrame with columns step, behaviour, group, adopted (a fraction of the
            group); group "all" is everyone; step 0 is the state after seeding.
        seeds: the seeded people (graph node ids).
        steps: rounds run (fewer than ``scenario.steps`` when a steady state came first).
        history: the same numbers as an array (steps + 1, behaviours, groups).
        cost: what recruiting the scenario's seeds cost (one unit per person unless ``seeding.cost`` says otherwise).
        costs: all spending per round (seeds, recruits, interventions), for the economics.
        indicators: per round, the model-level series (cost, ties, stressed, organisations committed),
            a DataFrame built on first use from ``indicator_rows``.
    """

    scenario: Scenario
    final: dict[str, float]
    history: np.ndarray  # (steps + 1, behaviours, groups) adopted fractions
    behaviours: list[str]
    groups: list[str]
    seeds: np.ndarray
    steps: int
    group_sizes: dict[str, int] = field(default_factory=dict)
    cost: float = 0.0
    seed_rounds: np.ndarray | None = None  # round at which each seed started (phased recruitment)
    costs: np.ndarray | None = None  # money spent in each round (index 0: at the start)
    indicator_rows: list[dict] | None = None  # per round: cost, ties, stressed, organisations committed
    people_adopting: int | None = None  # people adopting at least one behaviour at the end (cost per person)
    initial_adopters: np.ndarray | None = None  # per behaviour, adopters at step 0 besides the seeds (not costed)

    @cached_property
    def indicators(self) -> pd.DataFrame | None:
        if self.indicator_rows is None:
            return None
        return pd.DataFrame(self.indicator_rows).rename_axis("step")

    def adopters_gained(self, behaviour: int = 0) -> float:
        """Final adopters beyond the seeds and the initial adopters: what the recruitment set off."""
        n = self.group_sizes["all"]
        at_start = round(self.history[0, behaviour, 0] * n)
        later_seeds = int((self.seed_rounds > 0).sum()) if self.seed_rounds is not None else 0
        return round(self.history[-1, behaviour, 0] * n) - at_start - later_seeds

    @cached_property
    def timeseries(self) -> pd.DataFrame:
        """Long form of ``history``: step, behaviour, group, adopted (built on first use)."""
        T, B, G = self.history.shape
        names, labels = self.behaviours, self.groups
        return pd.DataFrame(
            {
                "step": np.repeat(np.arange(T), B * G),
                "behaviour": pd.Categorical(np.tile(np.repeat(names, G), T), categories=names),
                "group": pd.Categorical(np.tile(labels, T * B), categories=labels),
                "adopted": self.history.reshape(-1),
            }
        )

    def final_by_group(self) -> pd.DataFrame:
        """Final adopted fraction per behaviour (rows) and group (columns)."""
        last = self.timeseries[self.timeseries["step"] == self.steps]
        return last.pivot(index="behaviour", columns="group", values="adopted")


def simulate(scenario: Scenario | dict, graph: nx.Graph | None = None) -> Result:
    """Run one scenario to ``scenario.steps`` rounds or a steady state and return its ``Result``.

    The headless path sweeps and the command line take: on the numba engine no ``Person`` agents
    are made, so a run costs what its kernels cost.

    Parameters
    ----------
    scenario : Scenario or dict
        The scenario (a dict is validated here).
    graph : networkx.Graph, optional
        The network; built from ``scenario.network`` (with the scenario's seed) when omitted.

    Returns
    -------
    Result
        ``final`` per behaviour, the ``timeseries`` by group, the ``seeds``...

    Examples
    --------
    >>> import networkx as nx
    >>> from model import simulate
    >>> G = nx.karate_club_graph()
    >>> res = simulate({"seed": 1, "behaviours": [{"name": "walk", "rule": "absolute_threshold", "k": 2}],
    ...                 "seeding": {"strategy": "given", "nodes": [0, 33]}}, graph=G)
    >>> res.final, res.steps     # the club's two leaders reach 28 of 34 members; round 5 changes nothing
    ({'walk': 0.8235294117647058}, 5)
    >>> res.timeseries.query("group == 'all'")["adopted"].round(3).tolist()
    [0.059, 0.176, 0.353, 0.735, 0.824, 0.824]
    """
    if not isinstance(scenario, Scenario):
        scenario = Scenario.model_validate(scenario)
    model = BehaviourModel(scenario, graph=graph, agents=scenario.engine == "python", collect=False)
    try:
        model.run(mesa_clock=False)  # the model is released below: no Mesa clock to keep
        return result_of(model)
    finally:
        model.release()


def build_graph(scenario: Scenario, *, ties_only: bool = False):
    """The network ``scenario`` builds from its own seed: the one its runs share in ``Replicates``
    (a networkx graph, or the ``networks.CSR`` of a network built as arrays).

    ``ties_only``: every run on it needs only the ties (``model.specs.ties_suffice``), so an edge-list
    file is read straight into a ``networks.CSR``, without a networkx graph (``NetworkSpec.build``).
    """
    model = BehaviourModel(scenario, agents=False, collect=False, rng=scenario.seed, ties_only=ties_only)  # its own seed, set or not
    graph = model.graph if model.graph is not None else model.csr  # networks built as arrays have no graph
    model.release()
    return graph


class Replicates:
    """Many runs of one scenario on one network, paying the set-up once.

    ``Replicates(scenario, graph).run(seed)`` gives what ``simulate`` gives for the scenario with that
    seed on that graph, except that what does not depend on the seed is done once for all runs:

    * the network is built once (from the scenario's own seed when ``graph`` is omitted) and
      converted to arrays once (``networks.csr_of``);
    * the seeds are chosen once when the strategy chooses from the network alone, its random
      numbers breaking ties at most (``model.targeting.chosen_by_network``: given, degree, kcore,
      the centralities, degree_discount...); they are then the seeds the scenario's *own* seed
      chooses, for every run. Random, nomination, community and the Monte-Carlo strategies (celf,
      ris, imm) choose again in every run. ``fixed_seeds=False`` chooses in every run whatever the
      strategy, exactly as ``simulate``: the tie-breaks then vary between runs, at the cost of
      ranking everyone each run (a random permutation of all n people: 1-2 ms at 10^5);
    * each run's per-person arrays are those the previous run handed back (``model.spares``), and
      its ``Result`` holds arrays only (its pandas ``timeseries`` is built when first read).

    So a run with the scenario's own seed, and every run of a strategy with no ties to break, is
    bit-identical to ``simulate``; where ties straddle the cut (degree on most networks) runs with
    other seeds keep the scenario seed's tie-break.

    Examples
    --------
    >>> from model import Scenario, simulate
    >>> sc = Scenario.model_validate({"seed": 3, "steps": 10, "network": {"kind": "watts_strogatz", "n": 300},
    ...     "behaviours": [{"name": "x", "rule": "threshold", "threshold": 0.2}], "seeding": {"strategy": "degree", "count": 5}})
    >>> runs = Replicates(sc)
    >>> runs.run().final == simulate(sc, graph=runs.graph).final
    True
    >>> [round(runs.run(seed).final["x"], 3) for seed in (3, 4)] == [round(runs.run(3).final["x"], 3)] * 2
    True
    """

    def __init__(self, scenario: Scenario | dict, graph=None, *, fixed_seeds: bool = True):
        if not isinstance(scenario, Scenario):
            scenario = Scenario.model_validate(scenario)
        self.scenario = scenario
        self.graph = build_graph(scenario) if graph is None else graph
        n = self.graph.n if hasattr(self.graph, "indptr") else self.graph.number_of_nodes()
        from .targeting import chosen_by_network

        seeding = scenario.seeding
        self.fixed_seeds = bool(fixed_seeds) and chosen_by_network(seeding.strategy, dict(seeding.params), n)
        self.plan = None  # the shared seed plan, made by the first run
        self._batch: _Batch | None | bool = False  # made on first use of ``runs`` (None: cannot batch)

    def runs(self, seeds, chunk: int = 64):
        """The ``Result`` of a run with each of ``seeds``, in order (a generator): ``run`` for each.

        Where the runs differ only in one rule's random key (one behaviour with a compiled
        ``numba_runs``, such as independent cascade, seeds fixed, no initial adopters drawn, nothing
        acting between rounds), the runs go through that rule's batch kernel from one set-up model,
        ``chunk`` at a time: the same results as ``run``, without a model per run.
        """
        if self._batch is False:
            self._batch = _Batch.of(self)
        if self._batch is None:
            for seed in seeds:
                yield self.run(seed)
            return
        seeds = [self.scenario.seed if s is None else int(s) for s in seeds]
        for start in range(0, len(seeds), chunk):
            yield from self._batch.run(seeds[start : start + chunk])

    def run(self, seed: int | None = None) -> Result:
        """One run with ``seed`` (default: the scenario's own)."""
        sc = self.scenario if seed is None else _with_seed(self.scenario, int(seed))
        model = _Run(self, sc, graph=self.graph, agents=sc.engine == "python", collect=False, rng=sc.seed)
        try:
            model.run(mesa_clock=False)
            return result_of(model)
        finally:
            model.release()


class _Run(BehaviourModel):
    """A run of ``Replicates``: the shared seed plan when the strategy's choice is fixed."""

    def __init__(self, replicates: Replicates, *args, **kwargs):
        self._replicates = replicates
        super().__init__(*args, **kwargs)

    def _plan_seeds(self, seeding_rng):
        shared = self._replicates
        if not shared.fixed_seeds:
            return super()._plan_seeds(seeding_rng)
        if shared.plan is None:
            own = shared.scenario.seed
            if self.spec.seed != own:  # the plan the scenario's own seed makes, whichever run comes first
                seeding_rng = np.random.default_rng(_Streams(own)(Stream.SEEDING))
            shared.plan = plan_seeds(self.graph, self.csr, self.spec, seeding_rng)
        return shared.plan


class _Batch:
    """Runs of ``Replicates`` through one rule's batch kernel (``numba_runs``) from one set-up model."""

    def __init__(self, model: BehaviourModel):
        self.model = model
        self.counts = model._counts[0].astype(np.int64)
        self.sizes = np.maximum(model.groups.sizes, 1)
        self.ties = len(model.csr.indices) // 2

    @classmethod
    def of(cls, replicates: Replicates) -> _Batch | None:
        """The batch for these replicates, or None when runs differ in more than one rule's key."""
        sc = replicates.scenario
        if not replicates.fixed_seeds or sc.engine != "numba" or len(sc.behaviours) != 1 or sc.steps < 1:
            return None
        behaviour = sc.behaviours[0]
        rule = RULES[behaviour.rule]
        if not hasattr(rule, "numba_runs") or behaviour.observed_initial or behaviour.initial:
            return None  # random initial adopters would differ between runs
        model = _Run(replicates, sc, graph=replicates.graph, agents=False, collect=False, rng=sc.seed)
        if not model.can_fuse() or not model.running:
            model.release()
            return None
        return cls(model)

    def run(self, seeds: list[int]) -> list[Result]:
        model = self.model
        sc, pop, groups = model.spec, model.population, model.groups
        keys = stream_keys(seeds, Stream.RULES, 0)  # = derive_key(_Streams(seed)(Stream.RULES, 0)), at once
        ends, rows, offsets = model.rules[0].numba_runs(pop, 0, keys, sc.steps, sc.stop_when_steady, groups.codes, self.counts)
        # every run's history and costs as slices of one array each: run r's rows start at
        # offsets[r] + r (its step 0, the set-up state, then its rounds)
        name, labels = pop.names[0], groups.labels
        starts = offsets[:-1] + np.arange(len(seeds))
        history = np.empty((len(rows) + len(seeds), *model.history[0].shape))
        history[starts] = model.history[0]
        rounds = np.ones(len(history), dtype=bool)
        rounds[starts] = False
        history[rounds, 0] = rows / self.sizes
        costs = np.zeros(len(history))
        costs[starts] = model.costs[0]
        sizes = dict(zip(labels, groups.sizes.tolist(), strict=True))
        start_indicators = model.indicator_history[0]
        results = []
        for r, seed in enumerate(seeds):
            lo, hi = int(offsets[r]), int(offsets[r + 1])
            first, last = lo + r, hi + r + 1
            results.append(
                Result(
                    scenario=_seeded(_with_seed(sc, seed), seed),  # as the model of a run alone holds it
                    final={name: float(history[last - 1, 0, 0])},
                    history=history[first:last],
                    behaviours=[name],
                    groups=list(labels),
                    seeds=model.seeds,
                    steps=int(ends[r]),
                    group_sizes=dict(sizes),
                    cost=model.seed_plan.cost,
                    costs=costs[first:last],
                    indicator_rows=[dict(start_indicators)] + [{"cost": 0.0, "ties": self.ties} for _ in range(hi - lo)],
                    seed_rounds=model.seed_plan.rounds,
                    people_adopting=int(rows[hi - 1, 0]) if hi > lo else int(self.counts[0]),  # one behaviour: the "all" count
                    initial_adopters=model.initial_adopters.copy(),
                )
            )
        return results


def _with_seed(scenario: Scenario, seed: int) -> Scenario:
    """``scenario`` run with ``seed`` (itself when that is its own seed)."""
    return scenario if seed == scenario.seed else scenario.model_copy(update={"seed": seed})


def result_of(model) -> Result:
    """The ``Result`` of a model that has run."""
    return Result(
        scenario=model.spec,
        final=dict(zip(model.population.names, model.history[-1][:, 0].tolist(), strict=True)),  # = adoption()
        history=np.stack(model.history),
        behaviours=list(model.population.names),
        groups=list(model.groups.labels),
        seeds=model.seeds,
        steps=model.population.t,
        group_sizes=dict(zip(model.groups.labels, model.groups.sizes.tolist(), strict=True)),
        cost=model.seed_plan.cost,
        costs=np.array(model.costs, dtype=float),
        indicator_rows=model.indicator_history,
        seed_rounds=model.seed_plan.rounds,
        people_adopting=int(np.count_nonzero(model.population.adopted.any(axis=0))),
        initial_adopters=model.initial_adopters.copy(),
    )
