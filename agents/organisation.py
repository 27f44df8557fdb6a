"""Organisation: a school, workplace, club or service, the second kind of Mesa agent.

An organisation commits to the programme when enough of the organisations it works with already
have: each joins if it believes the others will (a coordination game; collective commitment as in
Schelling 1978, *Micromotives and Macrobehavior*, and Granovetter's 1978 threshold model applied
to organisations). A committed organisation improves the environment of its members.
"""

from __future__ import annotations

import mesa
import numpy as np


class Organisation(mesa.Agent):
    """One organisation.

    Attributes:
        kind: the node attribute it comes from ("school", "workplace", "community", ...).
        key: its id within that attribute.
        members: CSR positions of its members.
        partners: indices of the organisations it works with (sharing ties between members).
        weights: how closely it works with each partner (ties between the two memberships).
        threshold: the committed share of its partners (by weight) that makes it commit.
        committed: whether it has committed; committing is for good.
    """

    def __init__(self, model, kind: str, key, members: np.ndarray, threshold: float):
        super().__init__(model)
        self.kind, self.key, self.members = kind, key, members
        self.threshold = threshold
        self.partners = np.zeros(0, dtype=np.int64)
        self.weights = np.zeros(0)
        self.committed = False
        self._next = False

    @property
    def size(self) -> int:
        return len(self.members)

    def committed_share(self) -> float:
        """Share of its working relationships (by weight) with organisations that have committed."""
        total = self.weights.sum()
        if total == 0:
            return 0.0
        committed = np.array([self.model.organisations.agents[j].committed for j in self.partners], dtype=bool)
        return float(self.weights[committed].sum() / total)

    def step(self):
        """Decide from the start-of-round state; everyone's decision applies together."""
        self._next = self.committed or self.committed_share() >= self.threshold

    def advance(self):
        self.committed = self._next
