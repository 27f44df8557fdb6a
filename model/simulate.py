"""simulate: one headless run of a scenario, the path sweeps and the CLI use.

On the numba engine it builds no ``Person`` agents, so a run costs what its kernels cost.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import networkx as nx
import numpy as np
import pandas as pd

from .scenario import Scenario

__all__ = ["Result", "simulate"]


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
    """Run one scenario to ``scenario.steps`` rounds or a steady state and return its ``Result``."""
    from .behaviour_model import BehaviourModel

    if not isinstance(scenario, Scenario):
        scenario = Scenario.model_validate(scenario)
    model = BehaviourModel(scenario, graph=graph, agents=scenario.engine == "python", collect=False)
    try:
        model.run(mesa_clock=False)  # the model is released below: no Mesa clock to keep
        return result_of(model)
    finally:
        model.release()


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
        initial_adopters=model.initial_adopters.copy(),
    )
