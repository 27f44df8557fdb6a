"""Slow first-adopter choices (CELF, RIS, IMM simulate spread) made in a child process that Stop ends.

Explore builds its model in a server thread, and a thread cannot be killed: one CELF choice can take
minutes. So for these strategies the choice is made by ``choose_seeds`` in a ``ProcessJob`` child,
and the page's model is then built with that plan (``PlannedModel``): the same seeds the model would
choose itself (same scenario, same seed, same network), without choosing them again in the server.
"""

from __future__ import annotations

from model import BehaviourModel
from model.seeding import SIMULATING_STRATEGIES

__all__ = ["SLOW_STRATEGIES", "choose_seeds", "PlannedModel"]

#: strategies whose choice runs simulations: chosen in a child process Stop can end
SLOW_STRATEGIES = frozenset(SIMULATING_STRATEGIES)


def choose_seeds(scenario, graph, agents: bool, progress=None):
    """Child process: the model's own seed plan for ``scenario`` on ``graph`` (None: built here).

    Returns ``(plan, graph)``: the ``SeedPlan`` and, when the network was built here, the graph (or
    CSR) to build the page's model on; else None (the parent has it).
    """
    model = BehaviourModel(scenario, graph=graph, agents=agents, collect=False)
    built = None if graph is not None else (model.graph if model.graph is not None else model.csr)
    return model.seed_plan, built


class PlannedModel(BehaviourModel):
    """A ``BehaviourModel`` recruiting the people of a plan already made (by ``choose_seeds``)."""

    def __init__(self, plan, *args, **kwargs):
        self._given_plan = plan
        super().__init__(*args, **kwargs)

    def _plan_seeds(self, seeding_rng):
        return self._given_plan
