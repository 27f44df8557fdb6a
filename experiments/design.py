"""Designs: which parameter values a sweep runs.

A grid is the full factorial of lists (and exact ``{start, stop, step}`` ranges, built in ``Decimal``
so 0.1 steps give 0.3 and not 0.30000000000000004). Latin hypercube, Sobol and Morris designs are
sampled through SALib from ``{low, high}`` bounds, seeded by the experiment's root seed, and stored
in the results folder at plan time (the matrix, not the recipe: SALib's output may change between
versions, and SALib's analysis needs the outputs in sample order while runs finish in any order).

Integer parameters (both bounds written as integers) are sampled as floats and rounded; the rounded
value is what runs, is hashed into the run id and is stored. The unrounded sample is kept beside it
(``raw.<path>`` in ``design.parquet``) for Morris elementary effects.
"""

from __future__ import annotations

import itertools
import warnings
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import numpy as np

__all__ = ["KINDS", "Bound", "DesignSpec", "decimal_range", "grid", "sample", "analyze", "problem"]

KINDS = ("grid", "latin_hypercube", "sobol", "morris")
ALIASES = {"lhs": "latin_hypercube", "latin": "latin_hypercube", "factorial": "grid", "full_factorial": "grid"}
MAX_VALUES = 1_000_000


@dataclass(frozen=True)
class Bound:
    """The sampled interval of one parameter; ``integer`` parameters are rounded after sampling."""

    low: float
    high: float
    integer: bool = False


@dataclass(frozen=True)
class DesignSpec:
    """A ``[design]`` table: the kind, sample count, bounds per dotted path and kind options."""

    kind: str = "grid"
    samples: int = 0
    bounds: dict[str, Bound] = field(default_factory=dict)
    second_order: bool = True  # sobol: N*(2D+2) points with second-order indices, N*(D+2) without
    levels: int = 4  # morris: grid levels
    outputs: tuple[str, ...] = ()  # metrics to analyse (default: final.<behaviour> for each behaviour)

    @property
    def sampled(self) -> bool:
        return self.kind != "grid"

    def n_points(self) -> int:
        d = len(self.bounds)
        if self.kind == "sobol":
            return self.samples * (2 * d + 2 if self.second_order else d + 2)
        if self.kind == "morris":
            return self.samples * (d + 1)
        if self.kind == "latin_hypercube":
            return self.samples
        return 1


def _decimal(x, what: str) -> Decimal:
    if isinstance(x, bool) or not isinstance(x, (int, float, str)):
        raise ValueError(f"{what} must be a number, got {x!r}")
    try:
        d = Decimal(repr(x)) if isinstance(x, float) else Decimal(x)
    except InvalidOperation:
        raise ValueError(f"{what} must be a number, got {x!r}") from None
    if not d.is_finite():
        raise ValueError(f"{what} must be finite, got {x!r}")
    return d


def decimal_range(start, stop, step) -> list:
    """Values start, start+step, ... up to and including ``stop``, exact in decimal.

    Integers stay integers when start, stop and step are all integers; otherwise each value is the
    float nearest its exact decimal (so ``{start=0.1, stop=0.3, step=0.1}`` gives 0.1, 0.2, 0.3).
    """
    s, e, d = _decimal(start, "start"), _decimal(stop, "stop"), _decimal(step, "step")
    if d == 0:
        raise ValueError("step must not be 0")
    if (e - s) * d < 0:
        raise ValueError(f"step {step} never reaches stop {stop} from start {start}")
    count = int((e - s) / d) + 1
    if count > MAX_VALUES:
        raise ValueError(f"range has {count} values; at most {MAX_VALUES}")
    values = [s + i * d for i in range(count)]
    if all(isinstance(v, int) and not isinstance(v, bool) for v in (start, stop, step)):
        return [int(v) for v in values]
    return [float(v) for v in values]


def grid(vary: dict[str, list]) -> list[dict]:
    """The full factorial of ``vary`` as a list of {path: value}; the first path varies slowest."""
    paths = list(vary)
    return [dict(zip(paths, combo, strict=False)) for combo in itertools.product(*(vary[p] for p in paths))]


def problem(bounds: dict[str, Bound]) -> dict:
    """The SALib problem dict for these bounds."""
    return {
        "num_vars": len(bounds),
        "names": list(bounds),
        "bounds": [[b.low, b.high] for b in bounds.values()],
    }


def sample(spec: DesignSpec, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(values, raw): the design matrix (n_points x D) with integer parameters rounded, and unrounded.

    Deterministic for a given seed and SALib version.
    """
    prob = problem(spec.bounds)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if spec.kind == "sobol":
            from SALib.sample import sobol

            raw = sobol.sample(prob, spec.samples, calc_second_order=spec.second_order, seed=seed)
        elif spec.kind == "morris":
            from SALib.sample import morris

            raw = morris.sample(prob, spec.samples, num_levels=spec.levels, seed=seed)
        elif spec.kind == "latin_hypercube":
            from SALib.sample import latin

            raw = latin.sample(prob, spec.samples, seed=seed)
        else:
            raise ValueError(f"design kind {spec.kind!r} is not sampled")
    raw = np.asarray(raw, dtype=float)
    values = raw.copy()
    for j, b in enumerate(spec.bounds.values()):
        if b.integer:
            values[:, j] = np.clip(np.rint(values[:, j]), b.low, b.high)
    return values, raw


def analyze(spec: DesignSpec, raw: np.ndarray, y: np.ndarray, seed: int) -> list[dict]:
    """Sensitivity indices with 95% intervals, one dict per (parameter, index).

    Sobol: S1 and ST (and S2 for pairs when second order); Morris: mu_star (with interval), mu, sigma.
    ``y`` is the output per design sample, in sample order (replicates already averaged).
    """
    prob = problem(spec.bounds)
    names = list(spec.bounds)
    rows: list[dict] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if spec.kind == "sobol":
            from SALib.analyze import sobol

            res = sobol.analyze(prob, y, calc_second_order=spec.second_order, conf_level=0.95, seed=seed)
            for i, nm in enumerate(names):
                for index in ("S1", "ST"):
                    v, c = float(res[index][i]), float(res[f"{index}_conf"][i])
                    rows.append({"parameter": nm, "index": index, "value": v, "low": v - c, "high": v + c})
            if spec.second_order:
                for i, j in itertools.combinations(range(len(names)), 2):
                    v, c = float(res["S2"][i, j]), float(res["S2_conf"][i, j])
                    rows.append(
                        {
                            "parameter": f"{names[i]} x {names[j]}",
                            "index": "S2",
                            "value": v,
                            "low": v - c,
                            "high": v + c,
                        }
                    )
        elif spec.kind == "morris":
            from SALib.analyze import morris

            res = morris.analyze(prob, raw, y, conf_level=0.95, num_levels=spec.levels, seed=seed)
            for i, nm in enumerate(names):
                v, c = float(res["mu_star"][i]), float(res["mu_star_conf"][i])
                rows.append({"parameter": nm, "index": "mu_star", "value": v, "low": v - c, "high": v + c})
                rows.append({"parameter": nm, "index": "mu", "value": float(res["mu"][i]), "low": None, "high": None})
                rows.append(
                    {"parameter": nm, "index": "sigma", "value": float(res["sigma"][i]), "low": None, "high": None}
                )
        else:
            raise ValueError(f"no sensitivity analysis for design kind {spec.kind!r}")
    return rows
