"""The experiment spec: a base scenario, what varies, replicates, metrics, and how random streams derive.

    exp = Experiment.from_toml("experiments/examples/targeting.toml")
    exp.points        # validated design points: [{path: value}, ...]
    exp.plan()        # every run: RunSpec(run_id, point, replicate, seed, params)

Everything is validated when the spec is read: every design point is applied to the base scenario and
validated as a ``model.Scenario`` before anything runs, and errors are one line that names the file
and the field path (``ScenarioError``, a ValueError).

Identity and seeds (``docs/sweeps.md``, Reproducibility):

* ``run_id`` = blake2b-128 of canonical JSON of (the base scenario as written, minus its seed; the
  root seed; the run's parameters; the replicate). It does not depend on the run's position in the
  design, so the same run has the same id in any order, on any number of workers, and after resume.
* ``seed`` = ``SeedSequence(root_seed, spawn_key=<run_id as 4 uint32 words>)`` as a 63-bit integer
  (``rng_streams = "independent"``, the default); with ``rng_streams = "common"`` the spawn key is the
  replicate alone, so replicate r uses the same random stream at every point (common random numbers).
  The seed becomes the run's ``Scenario.seed``: ``simulate(scenario)`` with that seed and the same
  network re-creates the run on its own.
* Networks (``network_policy = "shared"``, the default): one network per distinct network spec, built
  from the root seed (the very network ``wellspread run`` builds for that scenario with
  ``seed = <root seed>``) and shared by every run and replicate on it, so replicates vary seeding and
  dynamics, and points that change e.g. only ``behaviours.0.p`` are compared on the same people.
  ``network_policy = "per_run"`` builds each run's network from the run's own seed instead (network
  variability becomes part of the replicate spread; slower).
"""

from __future__ import annotations

import copy
import hashlib
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .design import DesignSpec, grid, sample
from .schema import ExperimentFile, canonical_json, one_line, parse_vary

__all__ = [
    "Experiment",
    "MetricsSpec",
    "RunSpec",
    "canonical_json",
    "run_id_of",
    "seed_of",
    "network_seed",
    "apply_params",
]

TOP_KEYS = tuple(ExperimentFile.model_fields)  # what an experiment file may hold
MAX_RUNS = 50_000_000
#: design points are held in memory and each is validated as a scenario (about 0.3 ms): a million at most
MAX_POINTS = 1_000_000


class RunSpec(NamedTuple):
    """One planned run."""

    run_id: str
    point: int
    replicate: int
    seed: int
    params: dict


@dataclass(frozen=True)
class MetricsSpec:
    """What each run keeps besides final adoption per behaviour and group (always kept).

    thresholds: report the first step at which adoption (everyone) reaches each fraction,
        as ``time.<behaviour>.<threshold>`` (null when never reached).
    keep_timeseries: keep each run's adoption per step (everyone) as a list column
        ``series.<behaviour>`` (needed for adoption curves in reports).
    """

    thresholds: tuple[float, ...] = (0.25, 0.5)
    keep_timeseries: bool = False


def _err(source: str, where: str, msg: str) -> ValueError:
    from model.scenario import ScenarioError

    return ScenarioError(f"{source}: {where}: {msg}")


def _err_line(line: str) -> ValueError:
    from model.scenario import ScenarioError

    return ScenarioError(line)


def run_id_of(base_key: str, root_seed: int, params: dict, replicate: int, sample: int | None = None) -> str:
    """128-bit hex id of a run: a pure function of the base, root seed, parameters and replicate.

    Sampled designs (Sobol, Morris, LHS) can hold the same parameter values in two rows (Saltelli's
    matrices share rows; rounding integer parameters merges others); the row number within the
    design (``sample``) then keeps their runs apart.
    """
    key = {"b": base_key, "s": int(root_seed), "p": params, "r": int(replicate)}
    if sample is not None:
        key["d"] = int(sample)
    text = canonical_json(key)
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def seed_of(root_seed: int, run_id: str, replicate: int, rng_streams: str = "independent") -> int:
    """The run's 63-bit seed, from ``SeedSequence`` keyed by the run id (or the replicate: "common")."""
    if rng_streams == "common":
        key = (int(replicate),)
    else:
        words = int(run_id, 16).to_bytes(16, "big")
        key = tuple(int.from_bytes(words[i : i + 4], "big") for i in range(0, 16, 4))
    state = np.random.SeedSequence(int(root_seed), spawn_key=key).generate_state(1, np.uint64)[0]
    return int(state >> np.uint64(1))


def network_seed(root_seed: int) -> int:
    """The seed ``BehaviourModel`` gives the network of a scenario whose seed is ``root_seed``.

    So the sweep's shared network is exactly the one ``wellspread run`` (or ``simulate``) builds for
    the same scenario with ``seed = root_seed`` (checked in tests/test_experiments.py).
    """
    network_ss = np.random.SeedSequence(int(root_seed)).spawn(5)[0]
    return int(network_ss.generate_state(1)[0] >> 1)


def apply_params(base: dict, params: dict) -> dict:
    """A deep copy of the scenario dict ``base`` with each dotted path set (``model.params.apply_params``).

    Imported when called: importing ``model`` loads Mesa and numba, which plans and ``--help`` never need.
    """
    from model.params import apply_params as apply

    return apply(base, params)


def _column_type(values: list) -> str:
    if all(isinstance(v, bool) for v in values):
        return "bool"
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return "int"
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return "float"
    if all(isinstance(v, str) for v in values):
        return "str"
    return "json"


def _normalise(value, kind: str):
    if kind == "float":
        return float(value)
    if kind == "int":
        return int(value)
    return value


@dataclass
class Experiment:
    """A sweep: base scenario, what varies, replicates, metrics, root seed and stream policy.

    Build with ``Experiment.from_toml(path)`` or ``Experiment.from_dict(data)``; both validate every
    design point as a Scenario and raise ``ScenarioError`` (one line: source, field, problem).
    """

    base: dict  # the base scenario as written (seed removed); what run ids hash
    seed: int = 0
    replicates: int = 1
    vary: dict[str, list] = field(default_factory=dict)
    design: DesignSpec = field(default_factory=DesignSpec)
    metrics: MetricsSpec = field(default_factory=MetricsSpec)
    rng_streams: str = "independent"
    network_policy: str = "shared"
    name: str = "experiment"
    description: str = ""
    source: str = "experiment"
    base_dir: Path | None = None
    text: str | None = None  # the TOML as written, copied into the results folder
    # filled by _plan_points
    points: list[dict] = field(default_factory=list, repr=False)
    param_types: dict[str, str] = field(default_factory=dict, repr=False)
    samples: list[int | None] = field(default_factory=list, repr=False)  # design sample per point
    raw: np.ndarray | None = field(default=None, repr=False)  # unrounded design samples
    base_run: dict = field(default_factory=dict, repr=False)  # base with file paths resolved

    # --- reading -------------------------------------------------------------------------------
    @classmethod
    def from_toml(cls, path) -> Experiment:
        """Read, validate and plan an experiment file (relative paths resolve beside the file)."""
        from model.scenario import read_toml

        path = Path(path)
        data = read_toml(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:  # pragma: no cover - read_toml just read it
            text = None
        name = data.get("name") if isinstance(data.get("name"), str) else path.stem
        return cls.from_dict(data, source=str(path), base_dir=path.resolve().parent, name=name, text=text)

    @classmethod
    def from_dict(cls, data: dict, source: str = "experiment", base_dir=None, name: str | None = None, text=None):
        """Validate and plan an experiment given as a dict (the TOML's structure)."""
        from pydantic import ValidationError

        from model.scenario import read_toml

        try:
            spec = ExperimentFile.model_validate(data)
        except ValidationError as exc:
            raise _err_line(one_line(exc, source)) from None
        base_dir = Path(base_dir) if base_dir is not None else None
        base = spec.base
        if isinstance(base, str):
            base_path = Path(base)
            if not base_path.is_absolute() and base_dir is not None:
                base_path = base_dir / base_path
            base = read_toml(base_path)
            scenario_dir = base_path.resolve().parent
        else:
            scenario_dir = base_dir
        base = copy.deepcopy(base)
        base.pop("seed", None)  # every run's seed derives from the root seed and the run id

        exp = cls(
            base=base,
            seed=spec.seed,
            replicates=spec.replicates,
            vary=spec.vary,
            design=spec.design.spec(),
            metrics=MetricsSpec(spec.metrics.thresholds, spec.metrics.keep_timeseries),
            rng_streams=spec.rng_streams,
            network_policy=spec.network_policy,
            name=str(name or spec.name or "experiment"),
            description=str(spec.description),
            source=source,
            base_dir=scenario_dir,
            text=text,
        )
        exp._plan_points()
        return exp

    # --- planning ------------------------------------------------------------------------------
    def _plan_points(self) -> None:
        from pydantic import ValidationError

        from model import Scenario
        from model.scenario import format_validation_error

        self.base_run = _resolve_paths(self.base, self.base_dir)
        try:
            Scenario.model_validate({**self.base_run, "seed": self.seed})
        except ValidationError as exc:
            loc, _, msg = _loc_and_msg(exc, format_validation_error).partition(": ")
            raise _err(self.source, "base" if loc == "top level" else f"base.{loc}", msg) from None
        # sizes first, from the lengths alone: a 10**7-point grid is refused before anything is built
        n_points = math.prod(len(v) for v in self.vary.values()) * (self.design.n_points() if self.design.sampled else 1)
        if n_points > MAX_POINTS:
            raise _err(self.source, "vary" if self.vary else "design", f"the design has {n_points:,} points; at most {MAX_POINTS:,}")
        if n_points * self.replicates > MAX_RUNS:
            raise _err(self.source, "replicates", f"the design has {n_points * self.replicates:,} runs; at most {MAX_RUNS:,}")
        combos = grid(self.vary) if self.vary else [{}]
        if self.design.sampled:
            values, raw = sample(self.design, self.seed)
            paths = list(self.design.bounds)
            sampled = [
                {p: (int(v) if self.design.bounds[p].integer else float(v)) for p, v in zip(paths, row, strict=False)}
                for row in values
            ]
            points, samples = [], []
            for combo in combos:
                for s, row in enumerate(sampled):
                    points.append({**combo, **row})
                    samples.append(s)
            self.raw = raw
        else:
            points, samples = combos, [None] * len(combos)
        n_runs = len(points) * self.replicates
        if n_runs > MAX_RUNS:
            raise _err(self.source, "vary", f"the design has {n_runs} runs; at most {MAX_RUNS}")
        paths = list(self.vary) + list(self.design.bounds)
        self.param_types = {p: _column_type([pt[p] for pt in points]) for p in paths}
        self.points = [{p: _normalise(pt[p], self.param_types[p]) for p in paths} for pt in points]
        self.samples = samples
        # every point must be a valid scenario before anything runs
        seen: set[str] = set()
        for pt in self.points:
            key = canonical_json(pt)
            if key in seen:
                continue
            seen.add(key)
            self._validate_point(pt, Scenario, format_validation_error, ValidationError)

    def _validate_point(self, params, Scenario, format_validation_error, ValidationError):
        try:
            data = apply_params(self.base_run, params)
        except ValueError as exc:
            raise _err(self.source, "vary", str(exc)) from None
        try:
            scenario = Scenario.model_validate({**data, "seed": self.seed})
        except ValidationError as exc:
            loc_msg = _loc_and_msg(exc, format_validation_error)
            loc = loc_msg.split(":", 1)[0]
            culprit = next((p for p in params if loc == p or loc.startswith(p + ".")), None)
            if culprit is None:
                culprit = next(
                    (p for p in params if p.startswith(loc + ".") or p.split(".")[0] == loc.split(".")[0]), None
                )
            table = "design.bounds" if culprit in self.design.bounds else "vary"
            if culprit is not None:
                where = f'{table}."{culprit}" = {params[culprit]!r}'
            else:
                where = "vary: point " + ", ".join(f"{p} = {v!r}" for p, v in params.items())
            raise _err(self.source, where, f"makes an invalid scenario: {loc_msg}") from None
        from model.resources import ResourceError, check

        try:
            check(scenario, base_dir=self.base_dir)  # one run must fit before any starts
        except ResourceError as exc:
            where = ("vary: point " + ", ".join(f"{p} = {v!r}" for p, v in params.items())) if params else "base"
            raise _err(self.source, where, str(exc)) from None

    def scenario(self, point: int, seed: int | None = None):
        """The validated ``Scenario`` of design point ``point`` (with ``seed``, default the root seed)."""
        from model import Scenario

        data = apply_params(self.base_run, self.points[point])
        return Scenario.model_validate({**data, "seed": self.seed if seed is None else int(seed)})

    @property
    def paths(self) -> list[str]:
        """The varied dotted paths, in column order."""
        return list(self.vary) + list(self.design.bounds)

    @property
    def base_key(self) -> str:
        return canonical_json(self.base)

    @property
    def n_runs(self) -> int:
        return len(self.points) * self.replicates

    def plan(self) -> list[RunSpec]:
        """Every run: point-major, replicates within a point (``iter_plan`` as a list)."""
        runs = list(self.iter_plan())
        if len({r.run_id for r in runs}) != len(runs):  # pragma: no cover - points are distinct by construction
            raise _err(self.source, "vary", "two design points are the same run")
        return runs

    def iter_plan(self, start: int = 0) -> Iterator[RunSpec]:
        """The runs of ``plan`` one at a time, from run number ``start`` on, never all in memory at once
        (a sweep of 10**7 replicates would hold gigabytes of run specs)."""
        base_key = self.base_key
        first_point, first_rep = divmod(start, self.replicates)
        for i in range(first_point, len(self.points)):
            params, sample_ = self.points[i], self.samples[i]
            for r in range(first_rep if i == first_point else 0, self.replicates):
                rid = run_id_of(base_key, self.seed, params, r, sample_)
                yield RunSpec(rid, i, r, seed_of(self.seed, rid, r, self.rng_streams), params)

    def to_dict(self) -> dict:
        """The normalised spec (what the identity hash covers)."""
        d = {
            "name": self.name,
            "seed": self.seed,
            "replicates": self.replicates,
            "rng_streams": self.rng_streams,
            "network_policy": self.network_policy,
            "base": self.base,
            "vary": self.vary,
            "metrics": {"thresholds": list(self.metrics.thresholds), "keep_timeseries": self.metrics.keep_timeseries},
        }
        if self.design.sampled:
            d["design"] = {
                "kind": self.design.kind,
                "samples": self.design.samples,
                "bounds": {p: [b.low, b.high, b.integer] for p, b in self.design.bounds.items()},
                "second_order": self.design.second_order,
                "levels": self.design.levels,
            }
        return d

    def identity(self) -> str:
        """Hash of the normalised spec: a results folder holds the runs of one identity."""
        d = self.to_dict()
        d.pop("name")
        return hashlib.blake2b(canonical_json(d).encode(), digest_size=16).hexdigest()

    def payload(self, retries: int = 2) -> dict:
        """What a worker needs to run any run of this experiment (small, picklable).

        ``key`` names what makes a design point's scenario (the identity, the resolved base and its
        folder), so a worker keeps validated scenarios from one task to the next.
        """
        try:
            resolved = canonical_json({"base": self.base_run, "dir": str(self.base_dir) if self.base_dir else None})
        except (TypeError, ValueError):  # pragma: no cover - a base that is not plain data: no reuse
            key = None
        else:
            key = hashlib.blake2b(f"{self.identity()}:{resolved}".encode(), digest_size=16).hexdigest()
        return {
            "key": key,
            "base": self.base_run,
            "root_seed": self.seed,
            "network_policy": self.network_policy,
            "thresholds": list(self.metrics.thresholds),
            "keep_timeseries": self.metrics.keep_timeseries,
            "retries": int(retries),
            "paths": self.paths,
            "param_types": self.param_types,
            "base_dir": str(self.base_dir) if self.base_dir else None,
        }


def first_point_of_toml(path) -> dict:
    """What the worker template warms up on, read from an experiment file without validating it.

    ``{"base", "params", "root_seed", "network_policy"}``: the base scenario (file paths resolved as
    ``from_toml`` resolves them), the first value of every ``[vary]`` path, the root seed and the
    network policy. Sampled parameters keep their base values. Raises whatever reading raises;
    the caller treats any error as "no warm-up" (the driver reports errors itself).
    """
    from model.scenario import read_toml

    path = Path(path)
    data = read_toml(path)
    base_dir = path.resolve().parent
    base = data["base"]
    if isinstance(base, str):
        base_path = Path(base) if Path(base).is_absolute() else base_dir / base
        base, base_dir = read_toml(base_path), base_path.resolve().parent
    base = {k: v for k, v in base.items() if k != "seed"}
    vary = parse_vary(data.get("vary", {}))
    return {
        "base": _resolve_paths(base, base_dir),
        "params": {p: values[0] for p, values in vary.items()},
        "root_seed": int(data.get("seed", 0)),
        "network_policy": data.get("network_policy", "shared"),
    }


def _loc_and_msg(exc, format_validation_error) -> str:
    """'loc: msg' of a pydantic error, as ``format_validation_error`` words it."""
    line = format_validation_error(exc, source="\0")
    return line[len("\0: ") :]


def _resolve_paths(base: dict, base_dir: Path | None) -> dict:
    data = copy.deepcopy(base)
    network = data.get("network")
    if base_dir is not None and isinstance(network, dict) and network.get("kind") == "file":
        p = network.get("path")
        if isinstance(p, str) and not Path(p).is_absolute():
            network["path"] = str((base_dir / p).resolve())
    return data
