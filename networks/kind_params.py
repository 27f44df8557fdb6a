"""The parameters of each generated network kind, as pydantic models checked once at the edge.

Why here and not in each builder: ``networks.generate`` validates a kind's parameters before it
builds anything (scikit-learn's habit), every check words its own one-line problem, and the builders
in ``networks.generators`` can trust what they get. Checks that depend on ``n`` read it from the
validation context. This module imports no runtime code.
"""

from __future__ import annotations

import math
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, ValidationInfo, field_validator, model_validator

__all__ = ["KIND_PARAMS", "validate_params"]


def _n(info: ValidationInfo) -> int:
    return (info.context or {}).get("n", 1)


def _real(name: str, v, lo: float, hi: float = math.inf, span: str | None = None) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise ValueError(f"{name} must be a finite number, got {v!r}")
    if not lo <= v <= hi:
        raise ValueError(f"{name} must be {span or f'>= {lo:g}'}, got {v}")
    return float(v)


def _share(name: str, v) -> float:
    return _real(name, v, 0.0, 1.0, "in [0, 1]")


def _int_in(name: str, v, lo: int, hi: int, span: str, even: bool = False) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi or (even and v % 2):
        raise ValueError(f"{name} must be {span}, got {v if isinstance(v, int) else repr(v)}")  # repr: no raw newlines
    return v


def _whole(k) -> bool:
    return isinstance(k, (int, float)) and not isinstance(k, bool) and math.isfinite(k) and int(k) == k >= 0


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)  # defaults are checked against n too


class ErdosRenyi(_Params):
    mean_degree: Any = 4.0

    @field_validator("mean_degree", mode="plain")
    @classmethod
    def _mean_degree(cls, v, info: ValidationInfo):
        v = _real("mean_degree", v, 0.0)
        n = _n(info)
        if n >= 2 and v > n - 1:
            raise ValueError(f"mean_degree must be <= n-1 = {n - 1}")
        return v


class WattsStrogatz(_Params):
    k: Any = 4
    p: Any = 0.1

    @field_validator("k", mode="plain")
    @classmethod
    def _k(cls, v, info: ValidationInfo):
        return _int_in("k", v, 0, _n(info) - 1, "an integer in [0, n)")

    _p = field_validator("p", mode="plain")(lambda cls, v: _share("p", v))


class BarabasiAlbert(_Params):
    m: Any = 3

    @field_validator("m", mode="plain")
    @classmethod
    def _m(cls, v, info: ValidationInfo):
        return _int_in("m", v, 1, _n(info) - 1, "an integer in [1, n)")


class PowerlawCluster(BarabasiAlbert):
    p: Any = 0.3

    _p = field_validator("p", mode="plain")(lambda cls, v: _share("p", v))


class StochasticBlock(_Params):
    groups: Any = 4
    mean_degree: Any = 6.0
    homophily: Any = 0.8

    @field_validator("groups", mode="plain")
    @classmethod
    def _groups(cls, v, info: ValidationInfo):
        return _int_in("groups", v, 1, _n(info), "in [1, n]")

    _mean_degree = field_validator("mean_degree", mode="plain")(lambda cls, v: _real("mean_degree", v, 0.0))
    _homophily = field_validator("homophily", mode="plain")(lambda cls, v: _share("homophily", v))


class Configuration(_Params):
    degrees: Any = None
    exponent: Any = None
    min_degree: Any = 2

    @model_validator(mode="after")
    def _sequence_or_law(self, info: ValidationInfo):
        n = _n(info)
        if self.degrees is not None:
            if self.exponent is not None:
                raise ValueError("give either degrees or exponent, not both")
            d = self.degrees
            if isinstance(d, (str, bytes, dict)) or not hasattr(d, "__len__"):
                raise ValueError(f"degrees must be a list of n non-negative integers, got {d!r}")
            if len(d) != n:
                raise ValueError(f"degrees has {len(d)} entries but n = {n}")
            if not all(_whole(k) for k in d):
                raise ValueError("degrees must be non-negative integers")
            return self
        exponent = 2.5 if self.exponent is None else self.exponent
        _real("exponent", exponent, 1.0)
        if exponent <= 1.0:
            raise ValueError(f"exponent must be > 1, got {exponent}")
        _int_in("min_degree", self.min_degree, 1, n - 1, "an integer in [1, n)")
        return self


class RingLattice(_Params):
    k: Any = 4

    @field_validator("k", mode="plain")
    @classmethod
    def _k(cls, v, info: ValidationInfo):
        return _int_in("k", v, 0, _n(info) - 1, "an even integer in [0, n)", even=True)


class Grid2d(_Params):
    width: Any = None
    periodic: Any = False
    moore: Any = False

    @field_validator("width", mode="plain")
    @classmethod
    def _width(cls, v, info: ValidationInfo):
        n = _n(info)
        width = int(round(math.sqrt(n))) if v is None else v
        if isinstance(width, bool) or not isinstance(width, int) or width < 1 or n % width:
            raise ValueError(f"n = {n} must be a multiple of width = {width}")
        return width

    @field_validator("periodic", "moore", mode="plain")
    @classmethod
    def _flag(cls, v, info: ValidationInfo):
        if not isinstance(v, bool):
            raise ValueError(f"{info.field_name} must be true or false, got {v!r}")
        return v


KIND_PARAMS: dict[str, type[_Params]] = {
    "erdos_renyi": ErdosRenyi,
    "watts_strogatz": WattsStrogatz,
    "barabasi_albert": BarabasiAlbert,
    "powerlaw_cluster": PowerlawCluster,
    "stochastic_block": StochasticBlock,
    "configuration": Configuration,
    "ring_lattice": RingLattice,
    "grid_2d": Grid2d,
}


def validate_params(kind: str, n: int, params: dict) -> dict:
    """The kind's parameters, defaults filled in and checked against ``n``; ``ValueError`` (one line) if not."""
    try:
        return dict(KIND_PARAMS[kind].model_validate(params, context={"n": n}))
    except ValidationError as exc:
        err = exc.errors()[0]
        raise ValueError(err["msg"].removeprefix("Value error, ")) from None
