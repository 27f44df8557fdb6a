"""BehaviourModel: the Mesa model of healthy behaviours spreading through a social network.

Build it from a ``Scenario`` (and optionally a graph). Each ``step()`` is one synchronous round:
every person's next state is decided from the state at the start of the round, then all changes
apply at once. ``engine = "python"`` asks each ``Person`` agent (the readable reference rules);
``engine = "numba"`` runs the compiled kernels on the population arrays. Either way ``m.agents``
reads the same arrays and the DataCollector records adoption per behaviour and group.
"""

from __future__ import annotations

import mesa
import networkx as nx
import numpy as np
from mesa.discrete_space import Network

import networks
from agents import Person

from .groups import GroupIndex
from .population import Population
from .rules import RULES
from .rng import derive_key
from .scenario import Scenario, ScenarioError
from .seeding import plan_seeds

__all__ = ["BehaviourModel"]


class BehaviourModel(mesa.Model):
    """Healthy-behaviour spread on a network, as a Mesa model.

    Args:
        scenario: a validated ``Scenario`` (or a dict, validated here).
        graph: the network; built from ``scenario.network`` when omitted.
        agents: build ``Person`` agents (default True; ``simulate`` skips them on the numba engine).
        rng: accepted for Mesa's ``batch_run`` / SolaraViz; when given it overrides ``scenario.seed``.
    """

    def __init__(self, scenario: Scenario | dict, graph: nx.Graph | None = None, *, agents: bool = True, rng=None):
        if not isinstance(scenario, Scenario):
            scenario = Scenario.model_validate(scenario)
        if rng is not None and not isinstance(rng, (int, np.integer)):
            raise TypeError("rng must be an integer seed (the scenario's seed)")
        if rng is not None:
            scenario = scenario.model_copy(update={"seed": int(rng)})
        streams = np.random.SeedSequence(scenario.seed).spawn(5)
        network_ss, seeding_ss, initial_ss, rules_ss, mesa_ss = streams
        super().__init__(rng=np.random.default_rng(mesa_ss))
        self.spec = scenario  # (Mesa 3.5 reserves `scenario` for its own experimental Scenario)
        if scenario.engine == "numba" and scenario.threads:
            import numba

            numba.set_num_threads(min(scenario.threads, numba.config.NUMBA_NUM_THREADS))
        if graph is None:
            graph = scenario.network.build(seed=int(network_ss.generate_state(1)[0] >> 1))
        if graph.number_of_nodes() == 0:
            raise networks.NetworkError("the network has no people")
        self.graph = graph
        weight = next((getattr(b, "weight", None) for b in scenario.behaviours if getattr(b, "weight", None)), None)
        self.csr = networks.to_csr(graph, weight=weight)
        names = [b.name for b in scenario.behaviours]
        self.population = pop = Population(self.csr, names, weights=self.csr.weights)
        self.rules = [RULES[b.rule] for b in scenario.behaviours]
        rule_streams = rules_ss.spawn(len(names))
        for b, (spec, rule) in enumerate(zip(scenario.behaviours, self.rules)):
            pop.keys[b] = derive_key(rule_streams[b])
            try:
                rule.prepare(pop, b, spec, np.random.default_rng(rule_streams[b]))
            except ValueError as exc:
                raise ScenarioError(f"scenario: behaviours.{b}: {exc}") from None
        self.groups = GroupIndex.from_graph(graph, self.csr, scenario.groups)
        self.seeds = self._place_seeds(np.random.default_rng(seeding_ss), np.random.default_rng(initial_ss))

        self.people: list[Person] = []
        if agents:
            self.space = Network(graph, layout=None, random=self.random)
            self.people = [
                Person(self, self.space[node], i, graph.nodes[node]) for i, node in enumerate(self.csr.nodes)
            ]
        self.history: list[np.ndarray] = []
        self.datacollector = mesa.DataCollector(model_reporters=self._reporters())
        self._record()

    # --- seeding -------------------------------------------------------------------------------------
    def _place_seeds(self, seeding_rng, initial_rng) -> np.ndarray:
        sc, pop = self.spec, self.population
        try:
            self.seed_plan = plan_seeds(self.graph, self.csr, sc, seeding_rng)
        except ValueError as exc:
            raise ScenarioError(f"scenario: seeding: {exc}") from None
        self._recruit(0)
        for b, behaviour in enumerate(sc.behaviours):
            k = round(behaviour.initial * pop.n)
            if k:
                others = np.setdiff1d(np.arange(pop.n), self.seed_plan.positions)
                pop.seed(b, initial_rng.choice(others, size=min(k, len(others)), replace=False))
        return self.seed_plan.seeds

    def _recruit(self, t: int) -> None:
        """Seeds of the phase starting at round t adopt their behaviours now."""
        positions = self.seed_plan.starting_at(t)
        if len(positions):
            pop = self.population
            for name in self.spec.seeding.behaviours or pop.names:
                pop.seed(pop.names.index(name), positions)

    @property
    def recruiting(self) -> bool:
        """Phases of recruitment still to come."""
        return bool((self.seed_plan.rounds > self.population.t).any())

    # --- stepping ------------------------------------------------------------------------------------
    def step(self):
        """One synchronous round of every behaviour."""
        pop = self.population
        t = pop.begin_round()
        if self.spec.engine == "python":
            changes = self._decide_by_agents()
        else:
            changes = [rule.numba_step(pop, b, t) for b, rule in enumerate(self.rules)]
        changed = [pop.apply(b, adopters, relapsers, t) for b, (adopters, relapsers) in enumerate(changes)]
        pop.t = t
        self._recruit(t)
        self._record()
        if self.spec.stop_when_steady and not self.recruiting and all(
            rule.steady(pop, b, changed[b]) for b, rule in enumerate(self.rules)
        ):
            self.running = False

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

    def run(self, steps: int | None = None):
        """Step until ``scenario.steps`` rounds (or ``steps`` more) or a steady state."""
        limit = self.spec.steps if steps is None else self.population.t + steps
        while self.running and self.population.t < limit:
            self.step()
        return self

    # --- what the model reports ------------------------------------------------------------------------
    def adoption(self) -> dict[str, float]:
        """{behaviour: fraction of the population adopting now}."""
        pop = self.population
        return {name: float(pop.adopted[b].sum()) / pop.n for b, name in enumerate(pop.names)}

    def _record(self):
        self.history.append(self.groups.fractions(self.population.adopted))
        self.datacollector.collect(self)

    def _reporters(self) -> dict:
        reporters = {}
        for b, name in enumerate(self.population.names):
            for g, label in enumerate(self.groups.labels):
                column = name if label == "all" else f"{name} [{label}]"
                reporters[column] = lambda m, b=b, g=g: float(m.history[-1][b, g])
        return reporters
