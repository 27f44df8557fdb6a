"""The scenario schema: one pydantic model that the CLI, sweeps and dashboard all share.

A scenario says which network, which behaviours under which rules, who is seeded, for how many
rounds, on which engine, with which seed. It is validated once, here, at the edge: everything
downstream trusts it. ``Scenario.from_toml(path)`` reports errors as one line naming the file,
the field and the problem (``ScenarioError``).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

import networks
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .rules import RULES

__all__ = ["Scenario", "NetworkSpec", "SeedingSpec", "Phase", "CostByDegree", "Behaviour", "ScenarioError", "format_validation_error"]


class ScenarioError(ValueError):
    """A scenario (or file) is invalid; the message is one line naming the source, field and problem."""


Behaviour = Annotated[
    RULES["independent_cascade"].Params
    | RULES["linear_threshold"].Params
    | RULES["threshold"].Params
    | RULES["absolute_threshold"].Params
    | RULES["sis"].Params
    | RULES["logistic"].Params,
    Field(discriminator="rule"),
]


class NetworkSpec(BaseModel):
    """Which network: a generated kind with its parameters, a file, or a real data set."""

    model_config = ConfigDict(extra="allow")

    kind: str = Field("erdos_renyi", description="any of networks.KINDS, 'file' or 'dataset'")
    n: int | None = Field(1000, ge=1, description="people (generated kinds)")
    path: str | None = Field(None, description="file to read when kind = 'file'")
    name: str | None = Field(None, description="data set name when kind = 'dataset'")

    @property
    def params(self) -> dict[str, Any]:
        return dict(self.model_extra or {})

    @model_validator(mode="after")
    def _check(self):
        if self.kind == "file":
            if not self.path:
                raise ValueError("kind 'file' needs path = '...'")
        elif self.kind == "dataset":
            if not self.name:
                raise ValueError("kind 'dataset' needs name = '...'")
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

    def build(self, seed: int, base_dir: Path | None = None):
        """The graph this spec describes (raises networks.NetworkError on bad input)."""
        if self.kind == "file":
            path = Path(self.path)
            if base_dir is not None and not path.is_absolute():
                path = base_dir / path
            return networks.load(path, **self.params)
        if self.kind == "dataset":
            from networks import datasets

            return datasets.dataset(self.name, **self.params)
        return networks.generate(self.kind, n=self.n, seed=seed, **self.params)


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

    @property
    def params(self) -> dict[str, Any]:
        return dict(self.model_extra or {})

    @model_validator(mode="after")
    def _check(self):
        from .targeting import STRATEGIES

        if self.strategy not in STRATEGIES:
            raise ValueError(f"unknown strategy {self.strategy!r}; choose one of {', '.join(STRATEGIES)}")
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


class Scenario(BaseModel):
    """A whole run: network, behaviours, seeding, length, engine and seed."""

    model_config = ConfigDict(extra="forbid")

    seed: int = Field(0, ge=0, description="every random choice in the run follows from this")
    steps: int = Field(100, ge=0, description="upper bound on rounds; a run stops early at a steady state")
    engine: Literal["numba", "python"] = "numba"
    threads: int | None = Field(None, ge=1, description="numba threads (results do not depend on it)")
    network: NetworkSpec = Field(default_factory=NetworkSpec)
    behaviours: list[Behaviour] = Field(min_length=1)
    seeding: SeedingSpec = Field(default_factory=SeedingSpec)
    groups: list[str] | None = Field(
        None, description="node attributes to report adoption by; default: deprivation when people carry it"
    )
    stop_when_steady: bool = True

    @field_validator("behaviours")
    @classmethod
    def _unique_names(cls, behaviours):
        names = [b.name for b in behaviours]
        duplicate = next((nm for nm in names if names.count(nm) > 1), None)
        if duplicate:
            raise ValueError(f"behaviour name {duplicate!r} is used twice")
        for i, b in enumerate(behaviours):
            for other in getattr(b, "coupling", {}) or {}:
                if other not in names:
                    raise ValueError(f"behaviour {b.name!r} couples to unknown behaviour {other!r}")
        return behaviours

    @model_validator(mode="after")
    def _seeded_behaviours_exist(self):
        names = {b.name for b in self.behaviours}
        for nm in self.seeding.behaviours or []:
            if nm not in names:
                raise ValueError(f"seeding.behaviours names unknown behaviour {nm!r}")
        return self

    @classmethod
    def from_toml(cls, path) -> "Scenario":
        """Read and validate a TOML scenario; relative network paths resolve beside the file."""
        data = read_toml(path)
        network = data.get("network")
        if isinstance(network, dict) and network.get("kind") == "file" and isinstance(network.get("path"), str):
            p = Path(network["path"])
            if not p.is_absolute():
                network["path"] = str((Path(path).parent / p).resolve())
        return validate(cls, data, source=str(path))

    def to_toml(self) -> str:
        """The scenario as TOML that ``from_toml`` reads back to an equal scenario."""
        import tomli_w

        return tomli_w.dumps(self.model_dump(mode="json", exclude_none=True))


def read_toml(path) -> dict:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: cannot read ({exc})") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: not valid TOML ({exc})") from None


def format_validation_error(exc: ValidationError, source: str = "scenario") -> str:
    """One line: source, the first failing field as a dotted path, and what is wrong."""
    err = exc.errors()[0]
    loc = ".".join(str(p) for i, p in enumerate(err["loc"]) if not _is_union_tag(err["loc"], i))
    msg = err["msg"].removeprefix("Value error, ")
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{source}: {loc or 'top level'}: {msg}{more}"


def _is_union_tag(loc: tuple, i: int) -> bool:
    """Parts of pydantic's error location that name a union member rather than a field."""
    part = loc[i]
    if isinstance(part, int):
        return False
    if not part.isidentifier():  # 'constrained-float', 'function-after[...]'
        return True
    after_index = i >= 2 and isinstance(loc[i - 1], int) and loc[i - 2] == "behaviours"
    return (after_index and part in RULES) or (i >= 1 and loc[i - 1] == "threshold" and part in ("uniform", "normal", "beta"))


def validate(cls, data, source: str = "scenario"):
    try:
        return cls.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(format_validation_error(exc, source)) from None
