"""The parts of a scenario that other parts reuse: the network, and who is seeded when, at what cost."""

from __future__ import annotations

import array
import inspect
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

import networks

__all__ = ["NetworkSpec", "SeedingSpec", "Phase", "CostByDegree", "ties_suffice", "tie_weight"]


class NetworkSpec(BaseModel):
    """Which network: a generated kind with its parameters, a file, or a real data set."""

    model_config = ConfigDict(extra="allow")

    kind: str = Field("erdos_renyi", description="any of networks.KINDS, 'file' or 'dataset'")
    n: int | None = Field(1000, ge=1, description="people (generated kinds)")
    path: str | None = Field(None, description="file to read when kind = 'file'")
    name: str | None = Field(None, description="data set name when kind = 'dataset'")
    arrays: bool = Field(
        False, description="build straight into arrays, without networkx (millions of people; no attributes)"
    )

    @property
    def params(self) -> dict[str, Any]:
        return dict(self.model_extra or {})

    @model_validator(mode="after")
    def _check(self):
        if self.kind == "file":
            if not self.path:
                raise ValueError("kind 'file' needs path = '...'")
            _known_options("kind 'file'", self.params, FILE_OPTIONS)
        elif self.kind == "dataset":
            if not self.name:
                raise ValueError("kind 'dataset' needs name = '...'")
            if self.name in networks.DATASETS:
                _known_options(f"data set {self.name!r}", self.params, inspect.signature(networks.DATASETS[self.name]).parameters)
        elif self.kind not in networks.KINDS:
            raise ValueError(f"unknown network kind {self.kind!r}; choose one of {', '.join(networks.KINDS)}, file, dataset")
        else:
            allowed = networks.kind_parameters(self.kind)
            unknown = sorted(set(self.params) - set(allowed))
            if unknown:
                raise ValueError(
                    f"network kind {self.kind!r} has no parameter {unknown[0]!r}; it takes {', '.join(allowed) or 'none'}"
                )
        return self

    def build(self, seed: int, base_dir: Path | None = None, *, ties_only: bool = False, weight: str | None = None):
        """The graph this spec describes (a ``networks.CSR`` when ``arrays``; raises networks.NetworkError).

        ``ties_only``: the caller needs the ties alone (see ``ties_suffice``), so an edge-list file is
        read straight into a ``networks.CSR`` carrying ``weight`` as tie weights
        (``networks.io.load_arrays``: the arrays ``to_csr`` would give, without a networkx graph).
        """
        if self.arrays:
            from networks.arrays import generate_arrays

            return generate_arrays(self.kind, n=self.n, seed=seed, **self.params)
        if self.kind == "file":
            path = Path(self.path)
            if base_dir is not None and not path.is_absolute():
                path = base_dir / path
            if ties_only and self.reads_into_arrays:
                from networks.io import load_arrays

                options = {k: v for k, v in self.params.items() if k != "weight"}  # an edge list's only weight is checked anyway
                csr = load_arrays(path, weight=weight, **options)
                if csr is not None:
                    return csr
            return networks.load(path, **self.params)
        if self.kind == "dataset":
            from networks import datasets

            return datasets.dataset(self.name, **self.params)
        return networks.generate(self.kind, n=self.n, seed=seed, **self.params)


    @property
    def reads_into_arrays(self) -> bool:
        """A file network that ``build(ties_only=True)`` reads straight into arrays: an edge list,
        read undirected, without a node table."""
        if self.kind != "file" or self.arrays or not self.path:
            return False
        params = self.params
        if params.get("directed") or params.get("nodes") is not None or not isinstance(params.get("weight", ""), str):
            return False
        from networks.io import is_edge_list

        return is_edge_list(self.path, params.get("format"))


def tie_weight(scenario) -> str | None:
    """The edge attribute the scenario's behaviours read as tie weights (the first one set), or None."""
    return next((b.weight for b in scenario.behaviours if getattr(b, "weight", None)), None)


def ties_suffice(scenario) -> bool:
    """Does a compiled run of ``scenario`` need nothing of its network but the ties (and their weights)?

    True when nothing reads a person's attributes or a networkx graph: the numba engine (no agents),
    groups left to their default, no attribute effects, observed starting states or costs by
    attribute, a seeding strategy that works on arrays (not community, group or organisation), and
    no interventions, organisations, stress, reinvestment, economics or stated seed cost (programmes
    read people's classes). Conservative on purpose: whatever else is asked keeps the networkx graph.
    """
    seeding = scenario.seeding
    return (
        scenario.engine == "numba"
        and not scenario.groups
        and not any(
            getattr(b, "by_attribute", None) or getattr(b, "covariates", None) or getattr(b, "observed_initial", False)
            for b in scenario.behaviours
        )
        and seeding.strategy not in ("community", "group", "organisation")
        and "cost" not in seeding.model_fields_set
        and not scenario.interventions
        and scenario.organisations is None
        and scenario.stress is None
        and scenario.reinvest is None
        and scenario.economics is None
    )


#: the options of ``networks.load`` a scenario may set beside ``path``
FILE_OPTIONS = ("format", "directed", "weight", "nodes")


def _known_options(what: str, given: dict, allowed) -> None:
    unknown = sorted(set(given) - set(allowed))
    if unknown:
        raise ValueError(f"{what} has no option {unknown[0]!r}; it takes {', '.join(allowed) or 'none'}")


class CostByDegree(BaseModel):
    """Influencers cost more: cost = base + per_degree x degree."""

    model_config = ConfigDict(extra="forbid")
    base: float = Field(1.0, ge=0.0)
    per_degree: float = Field(0.0, ge=0.0)


class Phase(BaseModel):
    """A share of the seeding budget (or count) recruited at a given round."""

    model_config = ConfigDict(extra="forbid")
    step: int = Field(ge=0, description="round at whose end these seeds adopt (0 = the start)")
    share: float = Field(gt=0.0, le=1.0, description="share of the budget spent in this phase")


def _int64_or_none(values: list) -> np.ndarray | None:
    """``values`` as a read-only int64 array if every one is an integer, else None.

    ``array.array("q", ...)`` takes integers only (floats, strings and ints beyond int64 raise) and
    converts 10,000 ids in 0.13 ms against 0.35 ms for ``np.array``: that is per run, since each
    validated scenario holds a new list.
    """
    try:
        ids = np.frombuffer(array.array("q", values), dtype=np.int64)
    except (TypeError, OverflowError):
        return None
    ids.flags.writeable = False
    return ids


#: names ``select_seeds`` takes itself: as strategy options they would clash with its own arguments
RESERVED_SEEDING = frozenset({"G", "seed", "rng", "count", "strategy"})


class SeedingSpec(BaseModel):
    """Who adopts first: a targeting strategy and how many people (or exactly which), at what cost, when.

    Any other key is passed to the strategy as its parameter (e.g. ``p`` for ``degree_discount``).
    """

    model_config = ConfigDict(extra="allow")

    strategy: str = Field("random", description="any of model.targeting.STRATEGIES")
    count: int = Field(1, ge=0, description="number of people to seed (ignored when a budget is set)")
    nodes: list[Any] | None = Field(None, description="strategy 'given': the node ids to seed")
    behaviours: list[str] | None = Field(None, description="behaviours the seeds adopt; default all")
    budget: float | None = Field(None, gt=0.0, description="fill this budget in the strategy's order instead of a count")
    cost: float | str | CostByDegree = Field(
        1.0, description="cost of recruiting one person: a number, a node attribute, or {base, per_degree}"
    )
    phases: list[Phase] | None = Field(None, description="recruit in phases: [{step, share}], shares summing to 1")
    _node_array: Any = PrivateAttr(None)  # (the nodes list it was made from, its array or None)

    def node_array(self) -> np.ndarray | list | None:
        """``nodes`` as an int64 array when they are all integers, made once per scenario (replicates
        share it), else ``nodes`` itself."""
        if self.nodes is None:
            return None
        cached = self._node_array
        if cached is None or cached[0] is not self.nodes:  # a copy with other nodes must not reuse it
            self._node_array = cached = (self.nodes, _int64_or_none(self.nodes))
        return self.nodes if cached[1] is None else cached[1]

    @property
    def params(self) -> dict[str, Any]:
        return dict(self.model_extra or {})

    @model_validator(mode="after")
    def _check(self):
        from .targeting import STRATEGIES

        if self.strategy not in STRATEGIES:
            raise ValueError(f"unknown strategy {self.strategy!r}; choose one of {', '.join(STRATEGIES)}")
        reserved = sorted(set(self.params) & RESERVED_SEEDING)
        if reserved:
            raise ValueError(
                f"{reserved[0]!r} is not a seeding option (the run's seed is the top-level seed; count, strategy "
                "and nodes are fields of [seeding])"
            )
        if self.strategy == "given" and self.nodes is None:
            raise ValueError("strategy 'given' needs nodes = [...]")
        if isinstance(self.cost, float) and self.cost <= 0:
            raise ValueError(f"cost must be > 0, got {self.cost}")
        if self.phases is not None:
            total = sum(p.share for p in self.phases)
            if not self.phases or abs(total - 1.0) > 1e-9:
                raise ValueError(f"phases: shares must sum to 1, got {total:g}")
            steps = [p.step for p in self.phases]
            if steps != sorted(set(steps)):
                raise ValueError("phases: steps must be distinct and increasing")
        return self
