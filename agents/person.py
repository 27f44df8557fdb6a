"""Person: a Mesa agent on the social network, a readable view of one row of the population arrays.

A person knows their neighbours, their attributes (age band, deprivation, groups) and, per
behaviour, whether they adopt it now. The adoption state itself lives in the model's ``Population``
arrays, so the same agents are truthful whether the python engine steps them one by one or the
numba kernels step the arrays.
"""

from __future__ import annotations

from functools import cached_property

from mesa.discrete_space import FixedAgent


class Person(FixedAgent):
    """One person at a node of the network.

    Attributes:
        index: position in the population arrays (CSR order).
        node: the graph's own id for this person.
        attributes: the node's attributes (area, deprivation, age_band, household, ...).
    """

    def __init__(self, model, cell, index: int, attributes: dict):
        super().__init__(model)
        self.cell = cell
        self.index = index
        self.attributes = attributes
        self._next: list[bool] = []

    # --- what a person is ---------------------------------------------------------------------
    @property
    def node(self):
        return self.cell.coordinate

    def __getattr__(self, name):  # attributes read naturally: person.deprivation, person.age_band
        attributes = self.__dict__.get("attributes")
        if attributes is not None and name in attributes:
            return attributes[name]
        raise AttributeError(name)

    @cached_property
    def neighbours(self) -> list[Person]:
        """Neighbouring people, in the same order the kernels visit them."""
        people = self.model.people
        csr = self.model.csr
        return [people[j] for j in csr.indices[csr.indptr[self.index] : csr.indptr[self.index + 1]]]

    @property
    def degree(self) -> int:
        return len(self.neighbours)

    # --- adoption, read from the arrays ---------------------------------------------------------
    def is_adopting(self, b: int) -> bool:
        return bool(self.model.population.adopted[b, self.index])

    def adopted_at(self, b: int) -> int:
        return int(self.model.population.adopted_at[b, self.index])

    def threshold(self, b: int) -> float:
        return float(self.model.population.theta[b, self.index])

    @property
    def adoption(self) -> dict[str, bool]:
        """{behaviour name: adopting now}."""
        return {name: self.is_adopting(b) for b, name in enumerate(self.model.population.names)}

    def adopting_neighbours(self, b: int) -> int:
        return sum(other.is_adopting(b) for other in self.neighbours)

    def adopting_share(self, b: int) -> float:
        degree = self.degree
        return self.adopting_neighbours(b) / degree if degree else 0.0

    def adopting_weight(self, b: int, weights) -> float:
        """Summed edge weight of adopting neighbours (weighted linear threshold)."""
        start = self.model.csr.indptr[self.index]
        total = 0.0
        for offset, other in enumerate(self.neighbours):
            if other.is_adopting(b):
                total += weights[start + offset]
        return total

    # --- the round: everyone decides from the same start-of-round state; the model then applies it ---
    def step(self):
        """Decide, for every behaviour, whether to adopt next round (by its rule's reference form)."""
        t = self.model.population.t + 1
        self._next = [rule.decide(self, b, t) for b, rule in enumerate(self.model.rules)]
