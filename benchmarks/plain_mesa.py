"""A plain, idiomatic Mesa 3.5 threshold model: the baseline a Mesa user would write.

One ``FixedAgent`` per node of a ``Network(G, layout=None)`` space; each agent counts its adopting
neighbours through ``self.cell.neighborhood.agents`` and adopts when their share reaches its
threshold. Updates are synchronous (every agent decides in ``step`` from the start-of-round state,
then everyone ``advance``\\ s), adoption is progressive, a node with no neighbours never adopts
unless seeded, and a ``DataCollector`` records the adopted count each round: the same rule as
wellspread's ``threshold`` (``adopted neighbours / degree >= threshold``), so final counts must
match exactly.

Why ``layout=None``: Mesa 3.5.1's ``Network`` runs ``nx.spring_layout`` on the whole graph by
default (185 s for 10,000 nodes, ``docs/performance.md``); a user with a
large network has to switch it off, so the baseline does too. Nothing else is tuned: no prebuilt
neighbour lists, no numpy state, which is what makes it the fair "plain Mesa" reference.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import mesa
import networkx as nx
from mesa.discrete_space import FixedAgent, Network

__all__ = ["Adopter", "ThresholdModel"]


class Adopter(FixedAgent):
    """One person at a node: adopts once enough of their neighbours have."""

    def __init__(self, model: ThresholdModel, cell, threshold: float, adopted: bool = False):
        super().__init__(model)
        self.cell = cell
        self.threshold = threshold
        self.adopted = adopted
        self.next_adopted = adopted

    def step(self) -> None:
        """Decide from the state at the start of the round."""
        if self.adopted:
            self.next_adopted = True
            return
        adopting = total = 0
        for other in self.cell.neighborhood.agents:  # one agent per neighbouring cell
            total += 1
            if other.adopted:
                adopting += 1
        if total:
            self.next_adopted = adopting / total >= self.threshold

    def advance(self) -> None:
        self.adopted = self.next_adopted


class ThresholdModel(mesa.Model):
    """Fractional-threshold cascade on a networkx graph.

    Args:
        G: the network (any hashable node ids).
        threshold: one threshold for everyone, or a mapping node -> threshold.
        seeds: nodes adopting at the start.
        rng: Mesa's seed.
    """

    def __init__(self, G: nx.Graph, threshold: float | Mapping, seeds: Iterable, rng=None):
        super().__init__(rng=rng)
        self.grid = Network(G, layout=None, random=self.random)
        seeds = set(seeds)
        per_node = isinstance(threshold, Mapping)
        for node in G.nodes:
            Adopter(self, self.grid[node], threshold[node] if per_node else threshold, node in seeds)
        self.adopted = self.adopted_count()
        self.changed = True
        self.datacollector = mesa.DataCollector(model_reporters={"adopted": "adopted"})
        self.datacollector.collect(self)

    def adopted_count(self) -> int:
        return sum(1 for agent in self.agents if agent.adopted)

    def step(self) -> None:
        self.agents.do("step")
        self.agents.do("advance")
        count = self.adopted_count()
        self.changed = count != self.adopted
        self.adopted = count
        self.datacollector.collect(self)

    def run(self, max_steps: int = 10_000) -> int:
        """Step until a round changes nothing; return the final adopted count."""
        steps = 0
        while self.changed and steps < max_steps:
            self.step()
            steps += 1
        return self.adopted
