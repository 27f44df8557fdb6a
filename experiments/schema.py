"""The experiment file's schema: pydantic models of the top level, ``[design]`` and ``[metrics]``.

Why pydantic, as ``model.Scenario`` does: one style of validation from the edge in, each field's rule
next to its declaration. Each check words its own problem, and ``one_line`` turns the first failure
into the one line users see (``<file>: <field>: <problem>``). The base scenario is validated later, as
a ``model.Scenario``, by ``experiments.experiment``; this module imports no runtime code.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

from .design import ALIASES, KINDS, Bound, DesignSpec, decimal_range

__all__ = ["ExperimentFile", "DesignTable", "MetricsTable", "Problem", "one_line", "canonical_json", "RNG_STREAMS",
           "NETWORK_POLICIES"]

RNG_STREAMS = ("independent", "common")
NETWORK_POLICIES = ("shared", "per_run")


class Problem(ValueError):
    """A problem below the field that found it; ``where`` is the rest of its path (``'"behaviours.0.p"'``)."""

    def __init__(self, where: str, problem: str):
        super().__init__(f"{where}: {problem}")
        self.where, self.problem = where, problem


def canonical_json(obj) -> str:
    """Sorted keys, no spaces, repr-exact floats, numpy scalars as Python values; NaN refused."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=False, default=_plain)


def _plain(x):
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.floating):
        return float(x)
    if isinstance(x, np.bool_):
        return bool(x)
    if isinstance(x, np.ndarray):
        return x.tolist()
    raise TypeError(f"cannot canonicalise {type(x).__name__}")


def _number(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _dotted(path) -> bool:
    return isinstance(path, str) and bool(path) and all(path.split("."))


def _count(x, what: str, low: int) -> int:
    if isinstance(x, bool) or not isinstance(x, int) or x < low:
        raise ValueError(f"must be a {what} integer, got {x!r}")
    return x


def _flag(x) -> bool:
    if not isinstance(x, bool):
        raise ValueError("must be true or false")
    return x


class MetricsTable(BaseModel):
    """``[metrics]``: first-passage thresholds and whether runs keep their adoption series."""

    model_config = ConfigDict(extra="forbid")
    thresholds: Any = (0.25, 0.5)
    keep_timeseries: Any = False

    @field_validator("thresholds", mode="plain")
    @classmethod
    def _thresholds(cls, v):
        if not isinstance(v, list) or not all(_number(t) and 0 < t <= 1 for t in v):
            raise ValueError("must be a list of fractions in (0, 1], e.g. [0.25, 0.5]")
        return tuple(sorted({float(t) for t in v}))

    _keep = field_validator("keep_timeseries", mode="plain")(lambda cls, v: _flag(v))


class DesignTable(BaseModel):
    """``[design]``: a grid (values from ``[vary]``) or a sampled design over ``bounds``."""

    model_config = ConfigDict(extra="forbid")
    kind: Any = "grid"
    outputs: Any = ()
    samples: Any = Field(None, validate_default=True)
    second_order: Any = True
    levels: Any = 4
    bounds: Any = Field(None, validate_default=True)

    @field_validator("kind", mode="plain")
    @classmethod
    def _kind(cls, v):
        kind = ALIASES.get(v, v) if isinstance(v, str) else v
        if kind not in KINDS:
            raise ValueError(f"must be one of {', '.join(KINDS)}, got {v!r}")
        return kind

    @field_validator("outputs", mode="plain")
    @classmethod
    def _outputs(cls, v):
        if not isinstance(v, (list, tuple)) or not all(isinstance(o, str) for o in v):
            raise ValueError("must be a list of metric column names, e.g. ['final.activity']")
        return tuple(v)

    @field_validator("bounds", mode="plain")
    @classmethod
    def _bounds(cls, v, info: ValidationInfo):
        kind = info.data.get("kind")
        if kind == "grid":
            if v:
                raise ValueError("a grid takes its values from [vary]; bounds are for sampled designs")
            return {}
        if not isinstance(v, dict) or not v:
            raise ValueError(f'a {kind} design needs bounds: "path" = {{low = ..., high = ...}}')
        bounds: dict[str, Bound] = {}
        for path, b in v.items():
            where = f'"{path}"'
            if not _dotted(str(path)):
                raise Problem(where, "is not a dotted path into the scenario")
            if isinstance(b, dict):
                if set(b) != {"low", "high"}:
                    raise Problem(where, "needs exactly low and high")
                low, high = b["low"], b["high"]
            elif isinstance(b, list) and len(b) == 2:
                low, high = b
            else:
                raise Problem(where, "give {low = ..., high = ...}")
            if not (_number(low) and _number(high)):
                raise Problem(where, "low and high must be finite numbers")
            if not low < high:
                raise Problem(where, f"low ({low}) must be below high ({high})")
            bounds[path] = Bound(float(low), float(high), isinstance(low, int) and isinstance(high, int))
        if kind == "sobol" and len(bounds) < 2:
            raise ValueError("a Sobol design needs at least two parameters")
        return bounds

    @field_validator("samples", mode="plain")
    @classmethod
    def _samples(cls, v, info: ValidationInfo):
        kind = info.data.get("kind")
        if kind == "grid":
            return 0
        _count(v, "positive", 1)
        if kind == "sobol" and v & (v - 1):
            lower = 1 << (v.bit_length() - 1)
            raise ValueError(f"a Sobol design needs a power of two, got {v} (try {lower} or {lower * 2})")
        return v

    _second_order = field_validator("second_order", mode="plain")(lambda cls, v: _flag(v))

    @field_validator("levels", mode="plain")
    @classmethod
    def _levels(cls, v):
        if isinstance(v, bool) or not isinstance(v, int) or v < 2 or v % 2:
            raise ValueError(f"must be an even integer >= 2, got {v!r}")
        return v

    def spec(self) -> DesignSpec:
        """The validated design as the planner's ``DesignSpec``."""
        if self.kind == "grid":
            return DesignSpec(outputs=self.outputs)
        return DesignSpec(self.kind, self.samples, self.bounds, self.second_order, self.levels, self.outputs)


class ExperimentFile(BaseModel):
    """An experiment file as written: root seed, replicates, stream and network policies, base, vary, design."""

    model_config = ConfigDict(extra="forbid")
    name: Any = None
    description: Any = ""
    seed: Any = 0
    replicates: Any = 1
    rng_streams: Any = "independent"
    network_policy: Any = "shared"
    base: Any = Field(None, validate_default=True)
    vary: Any = Field(default_factory=dict)
    design: DesignTable = Field(default_factory=DesignTable)
    metrics: MetricsTable = Field(default_factory=MetricsTable)

    _seed = field_validator("seed", mode="plain")(lambda cls, v: _count(v, "non-negative", 0))
    _replicates = field_validator("replicates", mode="plain")(lambda cls, v: _count(v, "positive", 1))

    @field_validator("rng_streams", "network_policy", mode="plain")
    @classmethod
    def _choice(cls, v, info: ValidationInfo):
        choices = RNG_STREAMS if info.field_name == "rng_streams" else NETWORK_POLICIES
        if v not in choices:
            raise ValueError(f"must be one of {', '.join(choices)}, got {v!r}")
        return v

    @field_validator("base", mode="plain")
    @classmethod
    def _base(cls, v):
        if v is None:
            raise ValueError("missing: give the base scenario as a [base] table or base = 'scenario.toml'")
        if not isinstance(v, (str, dict)):
            raise ValueError("must be a table (the scenario) or a path to a scenario file")
        return v

    @field_validator("vary", mode="plain")
    @classmethod
    def _vary(cls, v):
        return parse_vary(v)

    @model_validator(mode="after")
    def _listed_or_sampled(self):
        overlap = sorted(set(self.vary) & set(self.design.bounds))
        if overlap:
            raise Problem(f"design.bounds.{overlap[0]}", "is also in [vary]; a path is either listed or sampled")
        return self


def parse_vary(vary) -> dict[str, list]:
    """``[vary]`` as lists of values per dotted path (ranges expanded exactly); ``Problem`` if not."""
    if not isinstance(vary, dict):
        raise ValueError("must be a table of dotted paths")
    out: dict[str, list] = {}
    for path, spec in vary.items():
        where = f'"{path}"'
        if not _dotted(path):
            raise Problem(where, "is not a dotted path into the scenario (e.g. behaviours.0.p)")
        if path == "seed" or path.startswith("seed."):
            raise Problem(where, "the seed is not varied: every run's seed derives from the root seed; use replicates")
        if isinstance(spec, dict):
            if set(spec) != {"start", "stop", "step"}:
                raise Problem(where, "a range needs exactly start, stop and step")
            try:
                values = decimal_range(spec["start"], spec["stop"], spec["step"])
            except ValueError as exc:
                raise Problem(where, str(exc)) from None
        elif isinstance(spec, list):
            values = list(spec)
            if not values:
                raise Problem(where, "the list of values is empty")
            if any(isinstance(v, float) and not math.isfinite(v) for v in values):
                raise Problem(where, "values must be finite")
        else:
            raise Problem(where, f"give a list of values or {{start, stop, step}}, got {spec!r}")
        try:
            keys = [canonical_json(v) for v in values]
        except (TypeError, ValueError):
            raise Problem(where, "values must be numbers, strings, booleans, lists or tables") from None
        first: dict[str, object] = {}
        dup = next((v for v, k in zip(values, keys, strict=False) if first.setdefault(k, v) is not v), None)
        if dup is not None:
            raise Problem(where, f"value {dup!r} is listed twice")
        out[path] = values
    return out


#: what each table may hold, for the "unknown key" line
_TABLES = {
    (): ("an experiment", tuple(ExperimentFile.model_fields)),
    ("design",): ("[design]", tuple(sorted(DesignTable.model_fields))),
}
_METRICS_UNKNOWN = (
    "unknown key; [metrics] has thresholds and keep_timeseries (final adoption per behaviour and group is always kept)"
)


def one_line(exc: ValidationError, source: str) -> str:
    """``<source>: <field>: <problem>`` for the first failure (an unknown key before any other)."""
    errors = exc.errors()
    err = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    loc = tuple(str(p) for p in err["loc"])
    msg = err["msg"].removeprefix("Value error, ")
    found = (err.get("ctx") or {}).get("error")
    if isinstance(found, Problem):
        loc, msg = (*loc, found.where), found.problem
    elif err["type"] == "extra_forbidden":
        table = loc[:-1]
        if table == ("metrics",):
            msg = _METRICS_UNKNOWN
        else:
            what, keys = _TABLES[table]
            msg = f"unknown key; {what} has {', '.join(keys)}"
    elif err["type"] in ("model_type", "model_attributes_type"):
        msg = "an experiment must be a table" if not loc else "must be a table"
    return f"{source}: {'.'.join(loc) or 'top level'}: {msg}"
