"""BehaviourModel: the Mesa model of healthy behaviours spreading through a social network.

Build it from a ``Scenario`` (and optionally a graph). Each ``step()`` is one synchronous round:
the interventions active this round shape the population arrays, every person's next state is
decided from the state at the start of the round, and all changes apply at once; then stress,
organisations, recruitment and turnover move on. ``engine = "python"`` asks each ``Person`` agent
(the readable reference rules); ``engine = "numba"`` runs the compiled kernels on the same arrays.
Either way ``m.agents`` reads those arrays and the DataCollector records adoption per behaviour
and group.
"""

from __future__ import annotations

import warnings
from enum import IntEnum
from functools import cached_property

import mesa
import networkx as nx
import numpy as np
from mesa.discrete_space import Network
from mesa.experimental.scenarios import Scenario as MesaScenario

import networks
from agents import Person

from . import resources, stress, turnover
from .groups import GroupIndex
from .initial import observed_adopters
from .organisations import Organisations
from .params import scenario_from_params
from .population import Population
from .reinvest import Reinvestment
from .rng import derive_key
from .rules import RULES
from .scenario import Scenario, ScenarioError
from .seeding import SeedPlan, plan_seeds
from .specs import tie_weight, ties_suffice
from .timeline import Timeline

__all__ = ["BehaviourModel"]

# The run's independent random streams: child i of SeedSequence(seed), made only when used (making
# all nine took 40 us a run). Adding streams at the end never changes the earlier ones. MESA is kept
# for that reason only: Mesa's own rng takes the scenario's seed itself (see __init__).
class Stream(IntEnum):
    NETWORK, SEEDING, INITIAL, RULES, MESA, TIMELINE, PERSON, ORGANISATIONS, REINVEST = range(9)


class _Streams:
    """``stream(i, *more)`` is ``SeedSequence(seed).spawn(9)[i]`` (and its own ``spawn`` children), made alone."""

    def __init__(self, seed: int):
        self.seed = seed

    def __call__(self, *key: int) -> np.random.SeedSequence:
        return np.random.SeedSequence(self.seed, spawn_key=tuple(int(k) for k in key))


def _spec_and_rng(spec, scenario, rng):
    """Sort out the ``scenario`` keyword: Mesa's own Scenario (SolaraViz's Reset passes one) carries
    only an rng; one of ours is the old name of ``spec``, kept working with a DeprecationWarning."""
    if scenario is None:
        return spec, rng
    if isinstance(scenario, MesaScenario):
        return spec, scenario.rng if rng is None else rng
    warnings.warn(
        "BehaviourModel(scenario=...) is deprecated (Mesa reserves `scenario`): pass it first, BehaviourModel(sc), or as spec=sc",
        DeprecationWarning,
        stacklevel=3,
    )
    if spec is not None:
        raise TypeError("BehaviourModel: give the scenario once, as spec (scenario= is its deprecated name)")
    return scenario, rng


def _seeded(spec: Scenario, rng) -> Scenario:
    """The scenario with the seed this run uses: ``rng`` when given, else the scenario's own seed
    when it sets one, else a fresh one (Mesa's ``rng=None``), written into the copy so the run can be repeated."""
    if rng is None and "seed" in spec.model_fields_set:
        return spec
    if isinstance(rng, (int, np.integer)):
        seed = int(rng)
    else:  # None (fresh), a Generator, a SeedSequence or anything numpy seeds from
        seed = int(np.random.default_rng(rng).integers(2**63 - 1))
    if seed < 0:
        raise ValueError(f"rng must be a non-negative integer seed, a numpy Generator or None, not {rng!r}")
    return spec if seed == spec.seed and "seed" in spec.model_fields_set else spec.model_copy(update={"seed": seed})


class BehaviourModel(mesa.Model):
    """Healthy-behaviour spread on a network, as a Mesa model.

    Parameters
    ----------
    spec : Scenario or dict, optional
        The scenario (a dict is validated here). Omitted, the model is built from flat parameters
        (``**params``) over :data:`model.params.BASE`.
    graph : networkx.Graph or networks.CSR, optional
        The network; built from ``spec.network`` when omitted.
    agents : bool
        Make the ``Person`` agents (default True; ``simulate`` skips them on the numba engine).
    collect : bool
        Fill the Mesa DataCollector every round (default True; ``simulate`` reads ``history``).
    rng : int, numpy Generator or SeedSequence, optional
        As in Mesa. Given, it seeds the run (and becomes ``spec.seed``). ``None`` uses the scenario's
        ``seed`` when the scenario sets one, else fresh randomness (so ``mesa.batch_run`` replicates
        differ); the seed drawn is kept in ``spec.seed``, so any run can be repeated.
    **params
        Flat parameters (``n=500, p=0.1, strategy="degree"`` or dotted paths such as
        ``**{"behaviours.0.p": 0.1}``; see :func:`model.params.scenario_from_params`), applied
        over ``spec``: what ``mesa.batch_run`` and SolaraViz's sliders pass.

    Attributes
    ----------
    spec : Scenario
        The scenario run (``model.scenario`` is Mesa's own experimental Scenario, as in any Mesa model).
    graph, csr
        The network and its array form (both change when interventions add ties).
    population : Population
        The array state every engine reads and writes.
    seeds : numpy.ndarray
        The seeded people (graph ids); ``seed_plan`` says when each starts and what it cost.
    costs : list of float
        Money spent in each round (index 0: at the start).
    organisations : Organisations or None
        When the scenario has them.

    Examples
    --------
    >>> from model import BehaviourModel, Scenario
    >>> sc = Scenario.model_validate({"seed": 7, "network": {"kind": "erdos_renyi", "n": 300, "mean_degree": 6},
    ...     "behaviours": [{"name": "activity", "rule": "independent_cascade", "p": 0.3}],
    ...     "seeding": {"strategy": "degree", "count": 5}})
    >>> m = BehaviourModel(sc)
    >>> len(m.agents), m.adoption()["activity"]        # step 0: the five seeds adopt
    (300, 0.016666666666666666)
    >>> m = m.run()                                    # run() returns the model
    >>> again = BehaviourModel(sc)                     # seed = 7 fixes the run
    >>> again = again.run()
    >>> again.adoption() == m.adoption()
    True

    Flat parameters, as ``mesa.batch_run`` passes them (``rng=None``: each run is a fresh replicate):

    >>> m = BehaviourModel.from_params(n=200, rule="independent_cascade", p=0.2, count=3, rng=1)
    >>> m.spec.seed, m.spec.network.n
    (1, 200)
    """

    def __init__(
        self,
        spec: Scenario | dict | None = None,
        graph: nx.Graph | networks.CSR | None = None,
        *,
        agents: bool = True,
        collect: bool = True,
        rng=None,
        scenario=None,
        ties_only: bool = False,
        **params,
    ):
        spec, rng = _spec_and_rng(spec, scenario, rng)
        if params or spec is None:
            spec = scenario_from_params(spec, **params)
        elif not isinstance(spec, Scenario):
            spec = Scenario.model_validate(spec)
        scenario = _seeded(spec, rng)
        stream = _Streams(scenario.seed)
        # Mesa's rng (the root of SeedSequence(seed), so apart from every child stream) drives no
        # dynamics; an integer seed also spares Mesa drawing one from a Generator (60 -> 28 us a run)
        super().__init__(rng=scenario.seed)
        self.spec = scenario
        if scenario.engine == "numba" and scenario.threads:
            import numba

            numba.set_num_threads(min(scenario.threads, numba.config.NUMBA_NUM_THREADS))
        # ties_only: an edge-list file goes straight into arrays, no networkx graph, when nothing else is read
        ties_only = ties_only and graph is None and not agents and ties_suffice(scenario)
        resources.check(scenario, graph, agents=agents, ties_only=ties_only)  # refuse what cannot fit before building anything
        if graph is None:
            graph = scenario.network.build(
                seed=int(stream(Stream.NETWORK).generate_state(1)[0] >> 1), ties_only=ties_only, weight=tie_weight(scenario)
            )
        if isinstance(graph, networks.CSR):  # built as arrays: a networkx view only if agents need one
            self.csr = graph
            graph = graph.to_networkx() if agents else None
        elif graph.number_of_nodes() == 0:
            raise networks.NetworkError("the network has no people")
        elif any(iv.kind == "bring_together" for iv in scenario.interventions):
            graph = graph.copy()  # ties will change: never alter the caller's graph (replicates share it)
        self.graph = graph
        if graph is not None:
            weight = next((getattr(b, "weight", None) for b in scenario.behaviours if getattr(b, "weight", None)), None)
            self.csr = networks.csr_of(graph, weight=weight)
        self._attributes: dict[str, np.ndarray] = {}
        names = [b.name for b in scenario.behaviours]
        self.population = pop = Population(self.csr, names, weights=self.csr.weights)
        self.rules = [RULES[b.rule] for b in scenario.behaviours]
        for b, (spec, rule) in enumerate(zip(scenario.behaviours, self.rules, strict=True)):
            rule_stream = stream(Stream.RULES, b)
            pop.keys[b] = derive_key(rule_stream)
            try:
                rule.prepare(pop, b, spec, np.random.default_rng(rule_stream))
            except ValueError as exc:
                raise ScenarioError(f"scenario: behaviours.{b}: {exc}") from None
        self.groups = GroupIndex.from_graph(graph, self.csr, scenario.groups)
        self._lasting_differences()
        self._stream = stream
        self.people: list[Person] = []
        if agents:
            self.space = Network(graph, layout=None, random=self.random)
            nodes = self.csr.nodes
            self.people = list(
                Person.create_agents(self, len(nodes), [self.space[v] for v in nodes], list(range(len(nodes))), [graph.nodes[v] for v in nodes])
            )
        try:
            self.organisations = (
                Organisations(self, scenario.organisations, np.random.default_rng(stream(Stream.ORGANISATIONS))) if scenario.organisations else None
            )
            self.timeline = Timeline(self, scenario.interventions, stream(Stream.TIMELINE))
            self.seeds = self._place_seeds(np.random.default_rng(stream(Stream.SEEDING)), lambda: np.random.default_rng(stream(Stream.INITIAL)))
            if scenario.stress is not None:
                stress.start(pop, scenario.stress, self.person_key)
            self.costs = [self.seed_plan.cost_at(0) + self.timeline.recruit_at(0)]
            self.reinvestment = (
                Reinvestment(
                    self,
                    scenario.economics.model_copy(update={"weeks_per_step": scenario.weeks_per_step}),
                    scenario.reinvest,
                    np.random.default_rng(stream(Stream.REINVEST)),
                )
                if scenario.reinvest is not None
                else None
            )
        except ValueError as exc:
            raise ScenarioError(f"scenario: {exc}") from None
        self.history: list[np.ndarray] = []
        self.indicator_history: list[dict] = []
        self.collecting = collect
        self._replay = None  # rounds of a fused run being booked by step()
        self._datacollector = mesa.DataCollector(model_reporters=self._reporters()) if collect else None
        self._record()

    @classmethod
    def from_params(cls, *, rng=None, graph=None, agents: bool = True, collect: bool = True, **params) -> BehaviourModel:
        """A model from flat parameters only (``n``, ``p``, ``strategy``, dotted paths...): Mesa's way.

        The same as ``BehaviourModel(**params)``; see :func:`model.params.scenario_from_params` for the
        names. ``rng=None`` draws fresh randomness unless ``seed`` is among the parameters.

        Examples
        --------
        >>> import mesa
        >>> rows = mesa.batch_run(BehaviourModel, {"n": 150, "p": [0.1, 0.3], "rule": "independent_cascade"},
        ...                       rng=[None, None, None], max_steps=5, display_progress=False)
        >>> len({row["RunId"] for row in rows})                # 2 values of p x 3 fresh replicates
        6
        """
        return cls(None, graph, agents=agents, collect=collect, rng=rng, **params)

    @cached_property
    def person_key(self) -> int:
        """The key of per-person draws (stress, turnover), made when first needed."""
        return derive_key(self._stream(Stream.PERSON))

    @property
    def datacollector(self) -> mesa.DataCollector:
        """Mesa's DataCollector: adoption per behaviour and group and the indicators, every round
        when the model collects (made on first use when it does not, as in ``simulate``)."""
        if self._datacollector is None:
            self._datacollector = mesa.DataCollector(model_reporters=self._reporters())
        return self._datacollector

    @datacollector.setter
    def datacollector(self, value: mesa.DataCollector) -> None:
        self._datacollector = value

    # --- people and their attributes -------------------------------------------------------------------
    def attribute(self, name: str) -> np.ndarray:
        """A node attribute for everyone, in population order (raises ValueError if anyone lacks it)."""
        if name not in self._attributes:
            if self.graph is None:
                raise ValueError(f"a network built as arrays carries no attribute {name!r}")
            nodes = self.graph.nodes
            values = [nodes[v].get(name) for v in self.csr.nodes]
            if any(v is None for v in values):
                raise ValueError(f"the network's people do not all carry the attribute {name!r}")
            self._attributes[name] = np.array(values)
        return self._attributes[name]

    def _lasting_differences(self) -> None:
        """Log-odds offsets fixed for the run: ``by_attribute`` values (logistic, information) and
        numeric ``covariates`` times their coefficients (information)."""
        pop = self.population
        specs = self.spec.behaviours
        if not any(getattr(spec, "by_attribute", None) or getattr(spec, "covariates", None) for spec in specs):
            return  # offsets stay zero (and unallocated)
        for b, spec in enumerate(specs):
            for attribute, effects in (getattr(spec, "by_attribute", None) or {}).items():
                try:
                    values = np.array([str(v) for v in self.attribute(attribute)])
                except ValueError as exc:
                    raise ScenarioError(f"scenario: behaviours.{b}.by_attribute: {exc}") from None
                for value, effect in effects.items():
                    pop.offset_base[b, values == str(value)] += effect
            for attribute, coefficient in (getattr(spec, "covariates", None) or {}).items():
                where = f"scenario: behaviours.{b}.covariates.{attribute}"
                try:
                    values = self.attribute(attribute).astype(float)
                except ValueError as exc:
                    raise ScenarioError(f"{where}: {exc}") from None
                if not np.isfinite(values).all():
                    raise ScenarioError(f"{where}: the attribute must be a finite number for everyone")
                pop.offset_base[b] += coefficient * values
        pop.offset[:] = pop.offset_base

    def behaviour_indices(self, names: list[str] | None) -> list[int]:
        pop = self.population
        return list(range(pop.n_behaviours)) if names is None else [pop.names.index(nm) for nm in names]

    # --- seeding and recruitment --------------------------------------------------------------------
    def _place_seeds(self, seeding_rng, initial_rng_of) -> np.ndarray:
        sc, pop = self.spec, self.population
        self.seed_plan = self._plan_seeds(seeding_rng)
        initial_rng = None
        self.initial_adopters = np.zeros(pop.n_behaviours, dtype=np.int64)
        for b, behaviour in enumerate(sc.behaviours):
            if behaviour.observed_initial:  # observed starting states: the same people whatever the seeding
                chosen = observed_adopters(
                    behaviour.initial, f"behaviours.{b}.initial", self.attribute, self.csr.nodes,
                    derive_key(self._stream(Stream.INITIAL, b)),
                )  # fmt: skip
            else:
                k = round(behaviour.initial * pop.n)
                if not k:
                    continue
                initial_rng = initial_rng or initial_rng_of()
                others = np.setdiff1d(np.arange(pop.n), self.seed_plan.positions)
                chosen = initial_rng.choice(others, size=min(k, len(others)), replace=False)
            self.initial_adopters[b] = len(chosen)
            pop.seed(b, chosen)
        # seeds after the initial adopters, so a rule that lets seeds decide (information) sees them
        self.enrol(self.seed_plan.starting_at(0), sc.seeding.behaviours)
        return self.seed_plan.seeds

    @cached_property
    def initial_shares(self) -> list[float]:
        """Per behaviour, the share adopting at step 0 besides the seeds (what newcomers take up)."""
        return [
            self.initial_adopters[b] / max(self.population.n, 1) if spec.observed_initial else spec.initial
            for b, spec in enumerate(self.spec.behaviours)
        ]

    def _plan_seeds(self, seeding_rng) -> SeedPlan:
        """Whom the scenario's seeding recruits (``model.simulate.Replicates`` hands in one plan for all
        its runs when the strategy's choice does not depend on the run's seed)."""
        return plan_seeds(self.graph, self.csr, self.spec, seeding_rng)

    def enrol(self, positions: np.ndarray, behaviours: list[str] | None = None) -> None:
        """These people adopt these behaviours now (seeds, recruits)."""
        if len(positions):
            for b in self.behaviour_indices(behaviours):
                enrol = getattr(self.rules[b], "enrol", None)  # information: seeds hear and decide
                enrol(self.population, b, positions) if enrol else self.population.seed(b, positions)

    def recruited(self) -> np.ndarray:
        """Everyone recruited so far: seeds whose phase has come, and interventions' recruits."""
        plan = self.seed_plan
        started = plan.positions[plan.rounds <= self.population.t]
        return np.union1d(started, self.timeline.recruited())

    @property
    def recruiting(self) -> bool:
        """Phases of the scenario's own seeding still to come."""
        return bool((self.seed_plan.rounds > self.population.t).any())

    # --- the network changing ----------------------------------------------------------------------------
    def change_ties(self, add: np.ndarray | None = None, remove: np.ndarray | None = None) -> np.ndarray:
        """Add and remove ties (pairs of positions) in the graph, the Mesa space and the arrays; return ties added."""
        if self.population.weights is not None:
            raise ValueError("ties cannot change during a run with weighted linear thresholds")
        csr = self.csr
        added = networks.csr.new_ties(csr, add) if add is not None else np.zeros((0, 2), dtype=np.int64)
        self.csr = networks.csr.rewire(csr, add=added, remove=remove)
        ids = csr.nodes
        for pairs, connect in ((added, True), (remove, False)):
            if pairs is None:
                continue
            for a, b in pairs.tolist():
                if self.people:
                    cells = self.people[a].cell, self.people[b].cell
                    (self.space.add_connection if connect else self.space.remove_connection)(*cells)
                elif self.graph is None:
                    continue
                elif connect:
                    self.graph.add_edge(ids[a], ids[b])
                elif self.graph.has_edge(ids[a], ids[b]):
                    self.graph.remove_edge(ids[a], ids[b])
        self.population.rewire(self.csr)
        for b, rule in enumerate(self.rules):
            if hasattr(rule, "rewired"):
                rule.rewired(self.population, b)
        for person in self.people:
            person.__dict__.pop("neighbours", None)
        return added

    # --- stepping ------------------------------------------------------------------------------------
    def step(self):
        """One synchronous round of every behaviour, with the interventions of this round."""
        if self._replay is not None:
            self._book_fused_rounds(*next(self._replay))
            return
        pop, sc = self.population, self.spec
        t = pop.begin_round()
        cost = self.timeline.before_round(t)
        if sc.engine == "python":
            changes = self._decide_by_agents()
        else:
            changes = [rule.numba_step(pop, b, t) for b, rule in enumerate(self.rules)]
        if sc.stress is not None:
            stress.update(pop, sc.stress, self.person_key, t)
        changed = [pop.apply(b, adopters, relapsers, t) for b, (adopters, relapsers) in enumerate(changes)]
        pop.full_round[:] = False
        pop.t = t
        committed_before = len(self.organisations.committed()) if self.organisations else 0
        if self.organisations is not None:
            self.organisations.step()
        self.enrol(self.seed_plan.starting_at(t), sc.seeding.behaviours)
        cost += self.seed_plan.cost_at(t) + self.timeline.recruit_at(t)
        if self.reinvestment is not None:
            cost += self.reinvestment.after_round(t)
        if sc.turnover is not None:
            turnover.update(pop, sc.turnover, sc.weeks_per_step, self.initial_shares, self.person_key, t)
        self.costs.append(cost)
        self._record()
        organisations_moved = self.organisations is not None and len(self.organisations.committed()) != committed_before
        if (
            sc.stop_when_steady
            and sc.stress is None
            and sc.turnover is None
            and self.reinvestment is None
            and not organisations_moved
            and not self.recruiting
            and self.timeline.finished(t)
            and all(rule.steady(pop, b, changed[b]) for b, rule in enumerate(self.rules))
        ):
            self.running = False

    def _book_fused_rounds(self, counts: np.ndarray, fractions: np.ndarray) -> None:
        """What ``step()`` records for rounds the fused run already made (one row of ``counts`` and
        ``fractions`` per round; nothing else acts, so nothing is spent). Booked in one go unless the
        DataCollector must see each round as it is booked (a 25-round cascade spent 40 us booking)."""
        if self.collecting and len(counts) > 1:
            for k in range(len(counts)):
                self._book_fused_rounds(counts[k : k + 1], fractions[k : k + 1])
            return
        k = len(counts)
        self.population.t += k
        self.costs.extend([0.0] * k)
        self._counts = counts[-1]
        self.history.extend(fractions)
        ties = len(self.csr.indices) // 2
        self.indicator_history.extend({"cost": 0.0, "ties": ties} for _ in range(k))
        if self.collecting:
            self.datacollector.collect(self)

    def _decide_by_agents(self):
        if not self.people:
            raise RuntimeError("engine 'python' needs Person agents; build the model with agents=True")
        self.agents_by_type[Person].do("step")
        pop = self.population
        changes = []
        for b in range(pop.n_behaviours):
            now = pop.adopted[b]
            decided = np.fromiter((p._next[b] for p in self.people), dtype=bool, count=len(self.people))
            changes.append((np.flatnonzero(decided & (now == 0)), np.flatnonzero(~decided & (now == 1))))
        return changes

    def run(self, steps: int | None = None, *, fused: bool | None = None, mesa_clock: bool = True):
        """Step until ``scenario.steps`` rounds (or ``steps`` more) or a steady state.

        ``fused`` (default: whenever possible) runs the rounds in each rule's compiled ``run`` loop
        instead of calling ``step()`` per round: same state, history and DataCollector rows, without
        the per-round Python and whole-population passes (``can_fuse`` says when it applies).
        ``mesa_clock=False`` books fused rounds without Mesa's step events (about 10 us a round):
        only for a model nobody steps or inspects afterwards, as in ``simulate``.
        """
        limit = self.spec.steps if steps is None else self.population.t + steps
        if fused is None:
            fused = self.can_fuse()
        elif fused and not self.can_fuse():
            raise ValueError("this model cannot run fused: " + self._fuse_obstacle())
        if fused:
            self._run_fused(limit, mesa_clock)
            return self
        while self.running and self.population.t < limit:
            self.step()
        return self

    def can_fuse(self) -> bool:
        """Can ``run`` use the rules' compiled run loops? Only when nothing but the rules acts between rounds."""
        return not self._fuse_obstacle()

    def _fuse_obstacle(self) -> str:
        sc, pop = self.spec, self.population
        obstacles = {
            "engine is not numba": sc.engine != "numba",
            "interventions": bool(self.timeline.interventions),
            "organisations": self.organisations is not None,
            "stress": sc.stress is not None,
            "turnover": sc.turnover is not None,
            "reinvestment": self.reinvestment is not None,
            "seeding phases to come": self.recruiting,
            "behaviours coupled": bool(pop.coupling.any() or pop.peer_coupling.any() or pop.relapse_coupling.any()),
            "thresholds moved": bool(pop.full_round.any()),
        }
        for b, rule in enumerate(self.rules):
            can = getattr(rule, "can_fuse", None)
            obstacles[f"rule {sc.behaviours[b].rule} has no compiled run"] = not hasattr(rule, "numba_run") or (
                can is not None and not can(pop, b)
            )
        return ", ".join(reason for reason, present in obstacles.items() if present)

    def _run_fused(self, limit: int, mesa_clock: bool) -> None:
        """The rounds up to ``limit`` through the rules' compiled ``numba_run`` loops, then booked."""
        pop, sc = self.population, self.spec
        t0 = pop.t
        if not self.running or limit <= t0:
            return
        codes = self.groups.codes
        start = self._counts.astype(np.int64)  # as recorded after the last round (or set-up)
        records, ends, steady = [], [], []
        for b, rule in enumerate(self.rules):
            record = np.empty((limit - t0, len(self.groups.labels)), dtype=np.int64)
            end, done = rule.numba_run(pop, b, limit, sc.stop_when_steady, codes, start[b].copy(), record)
            records.append(record[: end - t0])
            ends.append(end)
            steady.append(done)
        t_end = max(ends)
        for b, end in enumerate(ends):
            if end < t_end:  # steady earlier: later rounds change nothing (steadiness lasts), as step() would find
                pop.frontier[b] = pop.frontier[b][:0]
        counts = np.empty((t_end - t0, len(records), len(self.groups.labels)), dtype=np.float64)
        for b, rec in enumerate(records):
            counts[: len(rec), b] = rec
            counts[len(rec) :, b] = rec[-1]
        fractions = counts / np.maximum(self.groups.sizes, 1)
        if mesa_clock:  # book the rounds through Mesa's own step() so its clock, step count and events stay right
            self._replay = ((counts[k : k + 1], fractions[k : k + 1]) for k in range(len(counts)))
            try:
                for _ in range(len(counts)):
                    self.step()
            finally:
                self._replay = None
        else:
            self._book_fused_rounds(counts, fractions)
        if sc.stop_when_steady and all(steady):
            self.running = False

    def release(self) -> None:
        """Drop the population arrays and agents now. A Mesa model is a reference cycle that only
        Python's cyclic collector frees, so without this each run's arrays (about 50 bytes a person)
        would outlive it until the next collection; ``simulate`` calls it once the Result is taken.
        The population's big arrays go to later runs of the same size (``model.spares``)."""
        if self.population is not None:
            self.population.release()
        self.population = None
        self.people = []
        self.space = None
        self.timeline = None
        self.organisations = None
        self.reinvestment = None

    # --- what the model reports ------------------------------------------------------------------------
    def adoption(self) -> dict[str, float]:
        """{behaviour: fraction of the population adopting now}."""
        pop = self.population
        return {name: float(k) / pop.n for name, k in zip(pop.names, pop.adopting().tolist(), strict=True)}

    def indicators(self) -> dict[str, float]:
        """Model-level series beside adoption: spending, stress, organisations committed, ties."""
        out = {"cost": self.costs[-1] if self.costs else 0.0, "ties": len(self.csr.indices) // 2}
        if self.spec.stress is not None:
            out["stressed"] = float(self.population.stressed.mean())
        if self.organisations is not None:
            out["organisations committed"] = len(self.organisations.committed())
        if getattr(self, "reinvestment", None) is not None:
            out["reinvest pot"] = self.reinvestment.pot
            out["reinvest recruits"] = self.reinvestment.recruited
        return out

    def _record(self):
        self._counts = self.groups.counts(self.population.adopted)  # (behaviours, groups) adopting now
        self.history.append(self._counts / np.maximum(self.groups.sizes, 1))
        self.indicator_history.append(self.indicators())
        if self.collecting:
            self.datacollector.collect(self)

    def _reporters(self) -> dict:
        reporters = {}
        for b, name in enumerate(self.population.names):
            for g, label in enumerate(self.groups.labels):
                column = name if label == "all" else f"{name} [{label}]"
                reporters[column] = lambda m, b=b, g=g: float(m.history[-1][b, g])
        for key in self.indicators():
            reporters[key] = lambda m, key=key: m.indicator_history[-1][key]
        return reporters
