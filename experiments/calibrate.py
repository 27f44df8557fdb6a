"""Calibration set-up: what a CALIBRATION.toml says, checked once, and the simulator it defines.

A calibration names a base scenario, priors over dotted scenario paths, the networks (one per
unit, e.g. a village, read from a node table and an edge table, CSV or Parquet, each unit seeded
from a node attribute such as ``leader``), the observed data (final shares per unit or per group
within units, or shares at given steps: a time series) and how to compare them (summary: the
cells, their mean and spread, or network moments; distance: p-norms, or the binomial or
beta-binomial deviance of the counts, ``calibrate_likelihood``). The
simulator runs the scenario on all units at once (their disjoint union: units never touch, and
every draw is counter-based, so this equals one run per unit) and averages ``replicates`` runs
made with the same seeds for every parameter set (common random numbers). The seed is never a
parameter: tuning it would fit noise.

Example (``experiments/examples/karnataka/information.toml``)::

    seed = 1
    replicates = 2
    scenario = "scenario.toml"            # or a [scenario] table
    [units]
    nodes = "households.csv"              # one row per person: id, unit and attributes
    edges = "edges.csv"                   # source, target
    id_column = "hh"
    unit_column = "village"
    seeds = { attribute = "leader", values = [1] }
    [priors]
    "behaviours.0.q_adopter" = { dist = "uniform", low = 0.0, high = 1.0 }
    [observed]
    attribute = "loan"                    # each person's observed final state (or file/column)
    among = "non_seeds"

Errors are ``ValueError`` with one line naming the file and the field (the CLI exits 2).
"""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Literal

import networkx as nx
import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from model import Scenario
from model.behaviour_model import BehaviourModel
from model.rules import RULES
from model.scenario import format_validation_error

from .calibrate_data import Network, _cell_keys, _resolve, read_observed, read_units
from .experiment import apply_params

__all__ = ["Calibration", "Network", "Prior", "Simulator", "load_calibration", "read_observed", "read_units"]

Value = str | int | float | bool


class Prior(BaseModel):
    """A prior on one dotted path: uniform(low, high), normal(mean, sd), lognormal(mean, sd of the log) or beta(a, b)."""

    model_config = ConfigDict(extra="forbid")
    dist: Literal["uniform", "normal", "lognormal", "beta"] = "uniform"
    low: float = 0.0
    high: float = 1.0
    mean: float = 0.0
    sd: float = Field(1.0, gt=0.0)
    a: float = Field(1.0, gt=0.0)
    b: float = Field(1.0, gt=0.0)

    def scipy(self):
        """The frozen scipy distribution (what pyabc samples and weighs)."""
        from scipy import stats

        if self.dist == "uniform":
            if not self.high > self.low:
                raise ValueError(f"high ({self.high}) must exceed low ({self.low})")
            return stats.uniform(self.low, self.high - self.low)
        if self.dist == "normal":
            return stats.norm(self.mean, self.sd)
        if self.dist == "lognormal":
            return stats.lognorm(self.sd, scale=np.exp(self.mean))
        return stats.beta(self.a, self.b)

    def pyabc(self):
        import pyabc

        d = self.scipy()
        name = {"uniform": "uniform", "normal": "norm", "lognormal": "lognorm", "beta": "beta"}[self.dist]
        return pyabc.RV(name, *d.args, **d.kwds)


class SeedsFrom(BaseModel):
    model_config = ConfigDict(extra="forbid")
    attribute: str
    values: list[Value] = Field(default_factory=lambda: [1], min_length=1)


class Units(BaseModel):
    """Several networks, one per unit, from a node table and an edge table (CSV or Parquet;
    any other suffix: whitespace-separated pairs without a header)."""

    model_config = ConfigDict(extra="forbid")
    nodes: str
    edges: str
    id_column: str = "id"
    unit_column: str = "unit"
    source: str = "source"
    target: str = "target"
    seeds: SeedsFrom | None = Field(None, description="who is seeded in each unit (replaces scenario.seeding)")
    unknown_edges: Literal["error", "drop"] = Field("error", description="edges naming people not in the node table")


class Observed(BaseModel):
    """What was seen: each person's final state (``attribute``, true when among ``values``) or a table
    of shares (``file`` with ``unit_column``, ``column`` and, for a time series, ``step_column``).
    With ``group`` (a node attribute such as an IMD quintile), shares are per value of it within each
    unit; a file then gives them in ``group_column`` (default: the attribute's name)."""

    model_config = ConfigDict(extra="forbid")
    attribute: str | None = None
    values: list[Value] = Field(default_factory=lambda: [1], min_length=1)
    file: str | None = None
    unit_column: str = "unit"
    column: str = "share"
    step_column: str | None = None
    group: str | None = Field(None, description="node attribute: shares per value of it within each unit")
    group_column: str | None = Field(None, description="the file's column of group values (default: group)")
    among: Literal["all", "non_seeds"] = Field("non_seeds", description="whose adoption the shares count")
    behaviour: int = Field(0, ge=0, description="which behaviour the data describe")


class ABCSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    population: int = Field(200, ge=10, description="particles per generation")
    generations: int = Field(8, ge=1, description="ABC-SMC generations at most")
    min_epsilon: float = Field(0.0, ge=0.0, description="stop once the tolerance falls below this")
    min_acceptance: float = Field(0.02, gt=0.0, le=1.0, description="stop once acceptance falls below this")
    workers: int = Field(1, ge=1, description="local processes (pyabc's multicore sampler)")
    adjust: Literal["none", "regression"] = Field(
        "none", description="regression: local-linear adjustment of the final sample (calibrate_adjust; the raw one kept beside it)"
    )


class Calibration(BaseModel):
    model_config = ConfigDict(extra="forbid")
    seed: int = Field(0, ge=0)
    replicates: int = Field(2, ge=1, description="runs averaged per parameter set, with common random numbers")
    common_random_numbers: bool = Field(
        True, description="the same run seeds for every parameter set (false: seeds drawn from the parameters, a fresh draw each)"
    )
    scenario: dict | str
    units: Units | None = None
    priors: dict[str, Prior] = Field(min_length=1)
    observed: Observed
    summary: Literal["per_unit", "mean_sd", "moments"] = Field(
        "per_unit", description="per_unit: every cell's share; mean_sd: their mean and spread; moments: where adoption happened (calibrate_moments)"
    )
    distance: Literal["euclidean", "l1", "adaptive", "binomial", "beta_binomial"] = Field(
        "euclidean", description="binomial / beta_binomial: the deviance of the observed counts per cell (likelihood_ratio)"
    )
    overdispersion: float = Field(0.02, gt=0.0, lt=1.0, description="beta_binomial: intra-unit correlation rho")
    abc: ABCSettings = Field(default_factory=ABCSettings)
    holdout: float = Field(0.0, ge=0.0, lt=1.0, description="share of units kept out of the fit, to test predictions")
    predictive: int = Field(100, ge=0, description="posterior draws for the predictive check")
    source: str = "calibration"  # the file, for messages
    base_dir: str = "."


def load_calibration(path) -> Calibration:
    """Read and check a CALIBRATION.toml (paths inside resolve beside it)."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"{path}: cannot read ({exc})") from None
    return calibration_from_dict(data, source=str(path), base_dir=path.parent)


def calibration_from_dict(data: dict, source: str = "calibration", base_dir=".") -> Calibration:
    try:
        cal = Calibration.model_validate({**data, "source": source, "base_dir": str(base_dir)})
    except ValidationError as exc:
        raise ValueError(format_validation_error(exc, source)) from None
    if cal.distance in ("binomial", "beta_binomial") and cal.summary != "per_unit":
        raise ValueError(f"{source}: distance: '{cal.distance}' compares counts per cell; it needs summary = 'per_unit'")
    for path, prior in cal.priors.items():
        try:
            prior.scipy()
        except ValueError as exc:
            raise ValueError(f"{source}: priors.{path}: {exc}") from None
    return cal


def base_scenario(cal: Calibration) -> dict:
    """The base scenario as a dict (from the file it names, or inline), its paths resolved."""
    if isinstance(cal.scenario, str):
        path = _resolve(cal, cal.scenario)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ValueError(f"{cal.source}: scenario: file {path} not found") from None
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ValueError(f"{path}: cannot read ({exc})") from None
        where = path.parent
    else:
        data, where = copy.deepcopy(cal.scenario), Path(cal.base_dir)
    network = data.get("network")
    if isinstance(network, dict) and network.get("kind") == "file" and not Path(network.get("path", "/")).is_absolute():
        network["path"] = str((where / network["path"]).resolve())
    return data


def check_priors(cal: Calibration, base: dict) -> None:
    """Every prior's path must be a field of the scenario taking numbers (checked at the prior's median)."""
    for path, prior in cal.priors.items():
        value = float(prior.scipy().median())
        try:
            data = apply_params(base, {path: value})
        except ValueError as exc:
            raise ValueError(f"{cal.source}: priors.{path}: {exc}") from None
        before = _get(base, path)
        if before is None and not _settable(data, path):
            raise ValueError(f"{cal.source}: priors.{path}: not a field of the scenario")
        try:
            Scenario.model_validate(data)
        except ValidationError as exc:
            raise ValueError(f"{cal.source}: priors.{path}: {format_validation_error(exc, 'scenario').split(': ', 1)[1]}") from None
        if path.split(".")[0] in ("seed",):
            raise ValueError(f"{cal.source}: priors.{path}: the seed is never calibrated (it would fit noise)")


def _get(data, path: str):
    node = data
    for part in path.split("."):
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and part.lstrip("-").isdigit() and -len(node) <= int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, list):
            node = next((x for x in node if isinstance(x, dict) and x.get("name") == part), None)
        else:
            return None
        if node is None:
            return None
    return node


def _settable(data: dict, path: str) -> bool:
    """A path absent from the base dict is a field only if the validated scenario has it (a default)."""
    try:
        dumped = Scenario.model_validate(data).model_dump()
    except ValidationError:
        return False
    return _get(dumped, path) is not None


# --- the simulator --------------------------------------------------------------------------------
class Simulator:
    """Summaries of the scenario under given parameters on a set of units, averaged over replicates.

    Args:
        cal: the calibration; base: its scenario dict; net: all units; observed: the cells to match;
        units: the units simulated (default all that the observed data name).
    """

    def __init__(self, cal: Calibration, base: dict, net: Network, observed: pd.DataFrame, units=None):
        self.cal, self.paths = cal, list(cal.priors)
        units = list(dict.fromkeys(observed["unit"])) if units is None else list(units)
        self.observed = observed[observed["unit"].isin(units)].reset_index(drop=True)
        chosen = set(units)
        G = net.graph.subgraph([v for v in net.graph if net.unit_of[v] in chosen]).copy()
        nx.freeze(G)  # many runs share it: converted to arrays once
        self.graph = G
        seeds = [s for s in net.seeds if s in G] if net.seeds is not None else None
        self.base = copy.deepcopy(base)
        self.base["groups"] = []
        if seeds is not None:
            self.base["seeding"] = {**{k: v for k, v in (base.get("seeding") or {}).items() if k in ("cost", "behaviours")},
                                    "strategy": "given", "nodes": seeds}  # fmt: skip
        if "group" not in self.observed:
            self.observed = self.observed.assign(group=None)
        key_of = _cell_keys(cal, net)
        keys = list(dict.fromkeys(key_of[v] for v in G if v in key_of))  # (unit, group) cells of people counted
        index = {k: i for i, k in enumerate(keys)}
        self.person_cell = np.array([index[key_of[v]] if v in key_of else -1 for v in G])  # csr_of keeps G's order
        self.sizes = np.bincount(self.person_cell[self.person_cell >= 0], minlength=len(keys)).astype(float)
        self.cells_key = np.array([index[(u, g)] for u, g in zip(self.observed["unit"], self.observed["group"], strict=True)], dtype=int)
        self.cells_step = self.observed["step"].to_numpy()
        self.b = cal.observed.behaviour
        probe = Scenario.model_validate(apply_params(self.base, {p: float(cal.priors[p].scipy().median()) for p in self.paths}))
        if self.b >= len(probe.behaviours):
            raise ValueError(f"{cal.source}: observed.behaviour: the scenario has {len(probe.behaviours)} behaviour(s)")
        if (self.cells_step >= 0).any():
            if not RULES[probe.behaviours[self.b].rule].PROGRESSIVE:
                raise ValueError(f"{cal.source}: observed.step_column: time series need a rule whose adopters stay (not {probe.behaviours[self.b].rule})")
            if self.cells_step.max() > probe.steps:
                raise ValueError(f"{cal.source}: observed.step_column: step {self.cells_step.max()} is beyond the scenario's steps ({probe.steps})")
        root = np.random.SeedSequence(cal.seed)
        self.seeds = [int(s.generate_state(1)[0] >> 1) for s in root.spawn(cal.replicates)]  # the same for every particle
        self.values = self.observed["value"].to_numpy(dtype=float)
        self.moments = None
        if cal.summary == "moments":
            from .calibrate_moments import NetworkMoments

            if cal.observed.attribute is None:
                raise ValueError(f"{cal.source}: summary: 'moments' needs each person's observed state (observed.attribute), not a table of shares")
            units_index = {u: k for k, u in enumerate(units)}
            self.moments = NetworkMoments(G, np.array([units_index[key_of[v][0]] if v in key_of else -1 for v in G]), seeds)

    def observed_summary(self) -> np.ndarray:
        """The data's summary: the cells' (see ``summary``) or the moments of the observed states."""
        if self.moments is None:
            return self.summary(self.values)
        wanted = {str(v) for v in self.cal.observed.values}
        states = nx.get_node_attributes(self.graph, self.cal.observed.attribute)
        return self.moments(np.array([str(states[v]) in wanted for v in self.graph]))

    def summaries(self, params: dict) -> np.ndarray:
        """What ABC compares: the summary of the cells averaged over replicates, or the moments averaged over them."""
        if self.moments is None:
            return self.summary(self.simulate(params))
        try:
            sc = self.scenario(params)
        except ValidationError:
            return np.full(len(self.moments.NAMES), np.nan)
        return np.mean([self.moments(self.states(sc, s)[0]) for s in self._seeds(params)], axis=0)

    def scenario(self, params: dict) -> Scenario:
        return Scenario.model_validate(apply_params(self.base, params))

    def states(self, sc: Scenario, seed: int) -> tuple[np.ndarray, np.ndarray]:
        """One run: each person's final state of the observed behaviour and the step they adopted (graph order)."""
        model = BehaviourModel(sc.model_copy(update={"seed": seed}), graph=self.graph, agents=False, collect=False)
        try:
            model.run(mesa_clock=False)
            return model.population.adopted[self.b].astype(bool), model.population.adopted_at[self.b].copy()
        finally:
            model.release()  # its arrays serve the next run

    def cells(self, sc: Scenario, seed: int) -> np.ndarray:
        """One run: the simulated value of every observed cell."""
        adopted, at = self.states(sc, seed)
        keep = self.person_cell >= 0
        out = np.empty(len(self.cells_key))
        final = np.bincount(self.person_cell[keep], weights=adopted[keep], minlength=len(self.sizes)) / self.sizes
        out[:] = final[self.cells_key]
        for step in np.unique(self.cells_step[self.cells_step >= 0]):
            by = adopted & (at <= step) & keep
            shares = np.bincount(self.person_cell[by], minlength=len(self.sizes)) / self.sizes
            rows = self.cells_step == step
            out[rows] = shares[self.cells_key[rows]]
        return out

    def simulate(self, params: dict, seeds=None) -> np.ndarray:
        """Cell values averaged over the replicates' runs (NaN everywhere if the parameters are invalid)."""
        try:
            sc = self.scenario(params)
        except ValidationError:
            return np.full(len(self.cells_key), np.nan)
        return np.mean([self.cells(sc, s) for s in (self._seeds(params) if seeds is None else seeds)], axis=0)

    def _seeds(self, params: dict) -> list[int]:
        """The replicates' run seeds: the same for every parameter set (common random numbers), or a
        reproducible draw per parameter set."""
        if self.cal.common_random_numbers:
            return self.seeds
        entropy = [self.cal.seed, *np.asarray([params[p] for p in self.paths], dtype=np.float64).view(np.uint64).tolist()]
        return [int(s.generate_state(1)[0] >> 1) for s in np.random.SeedSequence(entropy).spawn(self.cal.replicates)]

    def summary(self, cells: np.ndarray) -> np.ndarray:
        if self.cal.summary == "mean_sd":
            return np.array([cells.mean(), cells.std()])
        return cells
