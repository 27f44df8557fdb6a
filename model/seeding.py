"""From a ``[seeding]`` table to the people recruited, what they cost, and when they start.

A strategy ranks people (its first choice first); with a count the plan takes the first ``count``,
with a budget it takes people in that order while their cost fits. A person's cost is a number, a
node attribute, or ``base + per_degree x degree`` (influencers cost more). Phases spend shares of the
budget at given rounds, earliest-ranked people first.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import networkx as nx
import numpy as np

from networks import CSR

from .scenario import Scenario
from .specs import CostByDegree, SeedingSpec
from .targeting import select_seeds

__all__ = ["SeedPlan", "plan_seeds", "person_costs"]

SIMULATING_STRATEGIES = ("celf", "ris", "imm")


@dataclass
class SeedPlan:
    """The recruited people (graph ids, in rank order), their CSR positions, phase per person, cost."""

    seeds: np.ndarray
    positions: np.ndarray
    rounds: np.ndarray  # round at which each seed starts adopting
    cost: float
    costs: np.ndarray | None = None  # per seed

    def starting_at(self, t: int) -> np.ndarray:
        if not self.rounds.any():  # no phases: everyone starts at round 0 (no mask to build)
            return self.positions if t == 0 else self.positions[:0]
        return self.positions[self.rounds == t]

    def cost_at(self, t: int) -> float:
        """What the people starting at round t cost (spending is booked when they start)."""
        if self.costs is None:
            return 0.0
        if not self.rounds.any():
            return self.cost if t == 0 else 0.0
        return float(self.costs[self.rounds == t].sum())


def person_costs(G: nx.Graph, csr: CSR, cost) -> np.ndarray:
    """Cost of recruiting each person (CSR order)."""
    if isinstance(cost, (int, float)):
        return np.full(csr.n, float(cost))
    if isinstance(cost, CostByDegree):
        return cost.base + cost.per_degree * csr.degree
    values = [G.nodes[v].get(cost) for v in csr.nodes]
    try:
        out = np.array(values, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"seeding.cost: node attribute {cost!r} is missing or not a number for some people") from None
    if np.isnan(out).any() or (out <= 0).any():
        raise ValueError(f"seeding.cost: node attribute {cost!r} must be a positive number for everyone")
    return out


def plan_seeds(
    G: nx.Graph, csr: CSR, scenario: Scenario, rng: np.random.Generator, among: nx.Graph | None = None
) -> SeedPlan:
    """Rank, cost and schedule the seeds of ``scenario.seeding``; ``among`` restricts whom the strategy sees."""
    spec: SeedingSpec = scenario.seeding
    ranking_graph = G if among is None else among
    params = dict(spec.params)
    if spec.strategy == "given":
        params["nodes"] = spec.nodes if G is not None else spec.node_array()
    if spec.strategy in SIMULATING_STRATEGIES:
        # influence maximisation estimates spread under the scenario's own (first) rule and horizon
        params.setdefault("behaviour", scenario.behaviours[0].model_dump(exclude={"name", "initial"}))
        params.setdefault("steps", scenario.steps)
    if G is None:
        return _plan_on_arrays(csr, spec, params, rng)
    costs = person_costs(G, csr, spec.cost)
    if spec.budget is None:
        ranked = select_seeds(ranking_graph, spec.strategy, spec.count, seed=rng, **params)
        positions = csr.positions(ranked)
    else:
        ranked, positions = _fill_budget(ranking_graph, csr, spec, params, costs, rng)
    spent = costs[positions]
    rounds = np.zeros(len(positions), dtype=np.int64)
    if spec.phases:
        total = spec.budget if spec.budget is not None else spent.sum()
        edges = np.cumsum([p.share for p in spec.phases]) * total
        phase = np.searchsorted(edges, np.cumsum(spent) - 1e-9 * total)
        rounds = np.array([p.step for p in spec.phases])[np.minimum(phase, len(spec.phases) - 1)]
    return SeedPlan(seeds=ranked, positions=positions, rounds=rounds, cost=float(spent.sum()), costs=spent)


def _fill_budget(G, csr, spec: SeedingSpec, params: dict, costs: np.ndarray, rng):
    """Ask the strategy for longer rankings until the budget is spent or everyone is ranked."""
    n = G.number_of_nodes()
    cheapest = float(costs.min())
    # people who cost nothing (or next to it) fit any budget: then rank everyone (no budget / 0)
    want = n if cheapest <= 0 else int(min(n, max(1.0, math.floor(min(spec.budget / cheapest, n)))))
    while True:
        ranked = select_seeds(G, spec.strategy, want, seed=rng, **params)
        positions = csr.positions(ranked)
        keep = _within_budget(costs[positions], spec.budget)
        left = spec.budget - costs[positions[keep]].sum()
        if want >= n or spec.strategy == "given" or left < cheapest:
            return ranked[keep], positions[keep]
        want = min(n, 2 * want)


def _within_budget(costs: np.ndarray, budget: float) -> np.ndarray:
    """Take people in rank order while they fit; someone too dear is skipped, the next may fit."""
    keep = np.zeros(len(costs), dtype=bool)
    left = budget
    for i, c in enumerate(costs):
        if c <= left + 1e-12:
            keep[i] = True
            left -= c
    return keep


def _plan_on_arrays(csr: CSR, spec: SeedingSpec, params: dict, rng: np.random.Generator) -> SeedPlan:
    """Networks built as arrays: strategies run on the CSR itself (those needing attributes cannot)."""
    if spec.budget is not None or spec.phases or not isinstance(spec.cost, (int, float)):
        raise ValueError("budgets, phases and per-person costs need a networkx network (network.arrays = false)")
    ranked = select_seeds(csr, spec.strategy, spec.count, seed=rng, **params)
    positions = csr.positions(ranked)
    costs = np.full(len(positions), float(spec.cost))
    return SeedPlan(ranked, positions, np.zeros(len(positions), dtype=np.int64), float(costs.sum()), costs)
