"""The scenario schema: one pydantic model that the CLI, sweeps and dashboard all share.

A scenario says which network, which behaviours under which rules, who is seeded, for how many
rounds, on which engine, with which seed. It is validated once, here, at the edge: everything
downstream trusts it. ``Scenario.from_toml(path)`` reports errors as one line naming the file,
the field and the problem (``ScenarioError``).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .economics import EconomicsSpec
from .interventions import Intervention
from .organisations import OrganisationsSpec
from .reinvest import ReinvestUse
from .rules import RULES
from .specs import CostByDegree, NetworkSpec, Phase, SeedingSpec
from .stress import StressSpec
from .turnover import TurnoverSpec

__all__ = [
    "Scenario", "NetworkSpec", "SeedingSpec", "Phase", "CostByDegree", "Behaviour", "ScenarioError", "FieldError",
    "format_validation_error", "check_numbers",
]


class ScenarioError(ValueError):
    """A scenario (or file) is invalid; the message is one line naming the source, field and problem."""


class FieldError(ValueError):
    """A problem with one field found before pydantic reached it; ``where`` is its dotted path."""

    def __init__(self, where: str, problem: str):
        super().__init__(f"{where}: {problem}")
        self.where, self.problem = where, problem


#: integers must fit the int64 arrays the model keeps them in
INT64 = (-(2**63), 2**63 - 1)
#: a scenario file is a page of settings; this keeps ``path = "/dev/zero"`` or a huge file from being read
MAX_SCENARIO_BYTES = 16 * 1024 * 1024
#: a round of an hour at the shortest: shorter ones turn years into more rounds than anyone can run
MIN_WEEKS_PER_STEP = 1.0 / 168.0


def check_numbers(data, where: str = "") -> None:
    """Every number in ``data`` (nested dicts and lists) finite, every integer within int64.

    Why here, once: numbers go on into numpy arrays, ``round`` and ``math.floor``, where inf, nan
    and 10**30 raise OverflowError or ask for impossible memory far from the field that held them.
    """
    stack = [(where, data)]
    while stack:
        at, value = stack.pop()
        if isinstance(value, bool):
            continue
        if isinstance(value, int):
            if not INT64[0] <= value <= INT64[1]:
                raise FieldError(at or "top level", f"{value} is beyond the 64-bit integer range")
        elif isinstance(value, float):
            if value != value or value in (float("inf"), float("-inf")):
                raise FieldError(at or "top level", f"must be a finite number, got {value}")
        elif isinstance(value, dict):
            stack.extend((f"{at}.{k}" if at else str(k), v) for k, v in value.items())
        elif isinstance(value, (list, tuple)):
            stack.extend((f"{at}.{i}" if at else str(i), v) for i, v in enumerate(value))


#: one behaviour: the schema of its rule, chosen by the ``rule`` key
Behaviour = Annotated[Union[tuple(rule.Params for rule in RULES.values())], Field(discriminator="rule")]  # noqa: UP007


class Scenario(BaseModel):
    """A whole run: network, behaviours, seeding, length, engine and seed.

    The one schema the command line, sweeps, the dashboard and ``BehaviourModel`` share: validated
    once, here, so everything downstream trusts it. ``seed`` fixes every random choice of a run;
    a scenario that does not set it gives fresh randomness to a model made from it (as Mesa's
    ``rng=None``), and the seed drawn is kept in ``model.spec.seed``.

    See Also
    --------
    Scenario.from_toml : read one from a TOML file, with one-line errors.
    model.params.scenario_from_params : one from flat parameters (``n=..., p=...``).

    Examples
    --------
    >>> from model import Scenario
    >>> sc = Scenario.model_validate({
    ...     "seed": 7,
    ...     "network": {"kind": "erdos_renyi", "n": 500, "mean_degree": 4.0},
    ...     "behaviours": [{"name": "activity", "rule": "threshold", "threshold": 0.18}],
    ...     "seeding": {"strategy": "degree", "count": 10},
    ... })
    >>> sc.behaviours[0].rule, sc.seeding.count, sc.engine
    ('threshold', 10, 'numba')
    >>> Scenario.model_validate({"behaviours": [{"name": "a", "rule": "sis", "beta": 2}]})
    Traceback (most recent call last):
    ...
    pydantic_core._pydantic_core.ValidationError: 1 validation error for Scenario
    ...
    """

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
    weeks_per_step: float = Field(
        1.0, ge=MIN_WEEKS_PER_STEP, description="length of a round in weeks (an hour at least); 52 rounds make a year by default"
    )
    interventions: list[Intervention] = Field(default_factory=list, description="what the programme does, when")
    organisations: OrganisationsSpec | None = None
    stress: StressSpec | None = None
    turnover: TurnoverSpec | None = None
    economics: EconomicsSpec | None = Field(None, description="values, discounting and reinvest-to-save settings")
    reinvest: ReinvestUse | None = Field(None, description="what reinvested savings buy (needs economics.reinvest.share > 0)")

    @field_validator("behaviours")
    @classmethod
    def _unique_names(cls, behaviours):
        names = [b.name for b in behaviours]
        duplicate = next((nm for nm in names if names.count(nm) > 1), None)
        if duplicate:
            raise ValueError(f"behaviour name {duplicate!r} is used twice")
        return behaviours

    @model_validator(mode="before")
    @classmethod
    def _expand_timeline(cls, data):
        """Numbers checked (finite, within int64); a ``[timeline]`` template becomes interventions,
        before the ones listed by hand."""
        check_numbers(data)
        if isinstance(data, dict) and isinstance(data.get("timeline"), dict):
            from .interventions.templates import expand

            data = dict(data)
            timeline = data.pop("timeline")
            weeks = data.get("weeks_per_step", 1.0)
            valid_weeks = isinstance(weeks, (int, float)) and weeks >= MIN_WEEKS_PER_STEP
            data["interventions"] = expand(timeline, weeks if valid_weeks else 1.0) + list(
                data.get("interventions") or []
            )
        return data

    @model_validator(mode="after")
    def _named_behaviours_exist(self):
        names = {b.name for b in self.behaviours}
        named = [("seeding.behaviours", self.seeding.behaviours or [])]
        named += [(f"interventions.{i}.behaviours", iv.behaviours or []) for i, iv in enumerate(self.interventions)]
        if self.organisations is not None:
            named.append(("organisations.behaviours", self.organisations.behaviours or []))
        if self.stress is not None:
            named.append(("stress.protection", list(self.stress.protection)))
        if self.reinvest is not None:
            named.append(("reinvest.behaviours", self.reinvest.behaviours or []))
            if self.economics is None or self.economics.reinvest.share == 0:
                raise ValueError("reinvest needs [economics.reinvest] with share > 0")
        for b in self.behaviours:
            for field in ("coupling", "peer_coupling", "relapse_coupling"):
                named.append((f"behaviour {b.name!r} {field}", list(getattr(b, field, {}) or {})))
        for where, listed in named:
            for nm in listed:
                if nm not in names:
                    raise ValueError(f"{where} names unknown behaviour {nm!r}")
        return self

    @classmethod
    def from_toml(cls, path) -> Scenario:
        """Read and validate a TOML scenario; relative network paths resolve beside the file.

        Raises
        ------
        ScenarioError
            A missing or malformed file or an invalid field: one line naming the file, the field
            and the problem.

        Examples
        --------
        >>> sc = Scenario.from_toml("experiments/examples/activity.toml")
        >>> sc.seed, sc.network.kind, sc.network.n
        (7, 'barabasi_albert', 10000)
        """
        data = read_toml(path)
        network = data.get("network")
        if isinstance(network, dict) and network.get("kind") == "file" and isinstance(network.get("path"), str):
            p = Path(network["path"])
            if not p.is_absolute():
                network["path"] = str((Path(path).parent / p).resolve())
        for behaviour in data.get("behaviours") or []:  # observed starting states read beside the file too
            initial = behaviour.get("initial") if isinstance(behaviour, dict) else None
            if isinstance(initial, dict) and isinstance(initial.get("file"), str) and not Path(initial["file"]).is_absolute():
                initial["file"] = str((Path(path).parent / initial["file"]).resolve())
        return validate(cls, data, source=str(path))

    def to_toml(self) -> str:
        """The scenario as TOML that ``from_toml`` reads back to an equal scenario."""
        import tomli_w

        return tomli_w.dumps(self.model_dump(mode="json", exclude_none=True))


def read_toml(path) -> dict:
    """A TOML file as a dict; any problem is a ``ScenarioError`` naming the file."""
    path = Path(path)
    try:
        if path.exists() and not path.is_file():
            raise ScenarioError(f"{path}: not a regular file")
        if path.exists() and path.stat().st_size > MAX_SCENARIO_BYTES:
            raise ScenarioError(f"{path}: {path.stat().st_size:,} bytes; a settings file has at most {MAX_SCENARIO_BYTES:,}")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: cannot read ({exc})") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: not valid TOML ({exc})") from None
    except RecursionError:
        raise ScenarioError(f"{path}: not valid TOML (nested too deeply)") from None


def format_validation_error(exc: ValidationError, source: str = "scenario") -> str:
    """One line: source, the first failing field as a dotted path, and what is wrong."""
    # of a union's failed branches, the one that got deepest says most ("threshold.normal.mean: ...")
    err = max(exc.errors(), key=lambda e: len(e["loc"]))
    loc = ".".join(str(p) for i, p in enumerate(err["loc"]) if not _is_union_tag(err["loc"], i))
    msg = err["msg"].removeprefix("Value error, ")
    found = (err.get("ctx") or {}).get("error")
    if isinstance(found, FieldError):  # found by a check above the field: its path is in the error
        loc, msg = ".".join(filter(None, [loc, found.where])), found.problem
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{source}: {loc or 'top level'}: {msg}{more}"


def _is_union_tag(loc: tuple, i: int) -> bool:
    """Parts of pydantic's error location that name a union member rather than a field."""
    part = loc[i]
    if isinstance(part, int):
        return False
    if not part.isidentifier() or part[0].isupper():  # 'constrained-float', 'function-after[...]', 'Target'
        return True
    after_index = i >= 2 and isinstance(loc[i - 1], int) and loc[i - 2] in ("behaviours", "interventions")
    return (after_index and (part in RULES or loc[i - 2] == "interventions")) or (i >= 1 and loc[i - 1] == "threshold" and part in ("uniform", "normal", "beta"))


def validate(cls, data, source: str = "scenario"):
    try:
        return cls.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(format_validation_error(exc, source)) from None
