"""Organisations and collective commitment: schools, workplaces and clubs as a second kind of agent.

Built from group-membership node attributes (the ``town`` network's ``school``, ``workplace`` and
``community``; -1 means none). Two organisations work together in proportion to the ties between
their members. Each round every organisation not yet committed commits when the committed share of
its partners reaches ``threshold``; the programme can commit some at the start (``committed``).
Every committed organisation improves its members' environment: ``effect`` added to their log-odds
of adopting (logistic rule) and thresholds lowered by ``threshold_shift`` (threshold rules), for the
behaviours named (an employer's bike storage and showers, a school's active travel plan).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import scipy.sparse as sp
from pydantic import BaseModel, ConfigDict, Field

from agents.organisation import Organisation

from .interventions.reach import Reached


class CommitSpec(BaseModel):
    """Which organisations the programme signs up at the start."""

    model_config = ConfigDict(extra="forbid")
    order: Literal["largest", "most_connected", "random"] = "largest"
    count: int = Field(0, ge=0)
    kinds: list[str] | None = Field(None, description="only organisations of these kinds")


class OrganisationsSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    attributes: list[str] = Field(default_factory=lambda: ["school", "workplace", "community"])
    threshold: float = Field(0.3, ge=0.0, le=1.0, description="committed share of partners that makes one commit")
    effect: float = Field(0.5, description="log-odds of adopting added for members of committed organisations")
    threshold_shift: float = Field(0.05, ge=0.0, le=1.0, description="thresholds lowered for their members")
    behaviours: list[str] | None = None
    committed: CommitSpec = Field(default_factory=CommitSpec)
    min_size: int = Field(2, ge=1, description="smaller groups are not organisations")


class Organisations:
    """The organisation agents of a model, their partnerships, and what commitment does to members."""

    def __init__(self, model, spec: OrganisationsSpec, rng: np.random.Generator):
        self.model, self.spec = model, spec
        self.agents: list[Organisation] = []
        for kind in spec.attributes:
            values = model.attribute(kind)
            try:
                codes = values.astype(np.int64)
            except (TypeError, ValueError):
                raise ValueError(f"organisations.attributes: {kind!r} must hold integer ids (-1 for none)") from None
            for key in np.unique(codes[codes >= 0]):
                members = np.flatnonzero(codes == key)
                if len(members) >= spec.min_size:
                    self.agents.append(Organisation(model, kind, int(key), members, spec.threshold))
        if not self.agents:
            raise ValueError(f"organisations: nobody belongs to any of {', '.join(spec.attributes)}")
        self._members_of: tuple = (0, None)
        self._link()
        self.behaviours = model.behaviour_indices(spec.behaviours)
        for agent in self._initial(rng):
            agent.committed = True

    def _link(self) -> None:
        """Partner weights W = M A M^T (ties between memberships), without self-links."""
        csr = self.model.csr
        n, k = csr.n, len(self.agents)
        rows = np.concatenate([np.full(a.size, j) for j, a in enumerate(self.agents)])
        cols = np.concatenate([a.members for a in self.agents])
        M = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(k, n))
        A = sp.csr_matrix((np.ones(len(csr.indices)), csr.indices.astype(np.int64), csr.indptr), shape=(n, n))
        W = (M @ A @ M.T).tolil()
        W.setdiag(0)
        W = W.tocsr()
        W.eliminate_zeros()
        self._W, self._weight = W, np.asarray(W.sum(axis=1)).ravel()
        for j, agent in enumerate(self.agents):
            start, end = W.indptr[j], W.indptr[j + 1]
            agent.partners, agent.weights = W.indices[start:end], W.data[start:end]

    def _initial(self, rng) -> list[Organisation]:
        spec = self.spec.committed
        pool = [a for a in self.agents if spec.kinds is None or a.kind in spec.kinds]
        if spec.order == "random":
            return [pool[i] for i in rng.permutation(len(pool))[: spec.count]]
        key = (lambda a: a.size) if spec.order == "largest" else (lambda a: a.weights.sum())
        return sorted(pool, key=lambda a: (-key(a), a.kind, a.key))[: spec.count]

    def step(self) -> None:
        """Every organisation's decision at once: the vectorised form of ``Organisation.step``.

        committed share = W c / W 1 (partners' ties, by weight); commit when it reaches the
        threshold; committing is for good. Tests check it against the agents' own ``step``.
        """
        committed = np.array([a.committed for a in self.agents], dtype=float)
        if committed.all():
            return
        share = np.divide(self._W @ committed, self._weight, out=np.zeros(len(committed)), where=self._weight > 0)
        for agent, now in zip(self.agents, (committed > 0) | (share >= self.spec.threshold), strict=True):
            agent.committed = bool(now)

    def step_agents(self) -> None:
        """The same round, asking each Organisation agent (the readable reference form)."""
        for agent in self.agents:
            agent.step()
        for agent in self.agents:
            agent.advance()

    def committed(self) -> list[Organisation]:
        return [a for a in self.agents if a.committed]

    def contribute(self, effects) -> None:
        """Committed organisations improve their members' environment for this round."""
        committed = self.committed()
        if not committed:
            return
        if len(committed) != self._members_of[0]:  # commitments only grow: recompute when they do
            members = Reached(np.unique(np.concatenate([a.members for a in committed])), self.model.population.n)
            self._members_of = (len(committed), members)
        effects.lift(self.behaviours, self._members_of[1], self.spec.effect, self.spec.threshold_shift)
