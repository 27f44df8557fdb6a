"""Calibration by ABC-SMC (pyabc): the weighted posterior, a predictive check and held-out units.

Why pyabc: a well-kept likelihood-free library (Schaelte et al. 2022, *JOSS* 7:4304) whose
sequential Monte Carlo (Toni et al. 2009; Beaumont et al. 2009) returns a weighted sample of the
posterior, not a point; it adapts tolerances and kernels, stores every generation in SQLite (so a
run resumes after an interruption) and samples on one core, several, or a Dask cluster (a SLURM
allocation through dask-jobqueue) without change. ELFI offers similar ABC-SMC but keeps its
results in memory (no resume) and targets BOLFI; history matching (e.g. hmer) rules out
implausible regions but returns no posterior. Starsim's Optuna calibration returns a point and
tunes the random seed; here replicates share seeds across particles (common random numbers) and
the seed is never a parameter.

Outputs in ``out``: ``abc.db`` (pyabc's store), ``posterior.parquet`` (one column per dotted
path, plus ``weight``), ``generations.csv``, ``predictive.parquet`` (posterior draws simulated on
the fitted and held-out units against the data) and ``summary.json`` (posterior means and 90%
intervals, held-out R^2 against the mean predictor).
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .calibrate import Calibration, Simulator, base_scenario, check_priors, load_calibration, read_observed, read_units
from .calibrate_likelihood import LikelihoodDistance

__all__ = ["calibrate", "CalibrationResult", "draw_posterior", "posterior_draws", "posterior_runs", "posterior_scenarios", "read_posterior", "weighted_quantile", "prepare"]


@dataclass
class CalibrationResult:
    posterior: pd.DataFrame  # dotted paths + weight
    summary: dict
    predictive: pd.DataFrame
    out: Path


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q) -> np.ndarray:
    """Quantiles of a weighted sample (the inverse of its step CDF, midpoints).

    Examples
    --------
    >>> round(float(weighted_quantile([0.0, 1.0, 2.0], [1.0, 1.0, 2.0], 0.5)), 4)  # CDF midpoints 1/8, 3/8, 3/4
    1.3333
    """
    order = np.argsort(values)
    v, w = np.asarray(values, float)[order], np.asarray(weights, float)[order]
    cdf = (np.cumsum(w) - 0.5 * w) / w.sum()
    return np.interp(q, cdf, v)


def prepare(cal: Calibration):
    """Everything checked before any simulation: (base scenario, networks, observed, fit units, held-out units)."""
    base = base_scenario(cal)
    check_priors(cal, base)
    net = read_units(cal, base)
    observed = read_observed(cal, net)
    units = list(dict.fromkeys(observed["unit"]))
    rng = np.random.default_rng(np.random.SeedSequence(cal.seed, spawn_key=(7,)))
    held = int(round(cal.holdout * len(units)))
    if held and held >= len(units):
        raise ValueError(f"{cal.source}: holdout: {cal.holdout} of {len(units)} units leaves none to fit")
    order = rng.permutation(len(units))
    held_units = sorted((units[i] for i in order[:held]), key=str)
    fit_units = [u for u in units if u not in set(held_units)]
    return base, net, observed, fit_units, held_units


def calibrate(calibration, out, resume: bool = False, report=print, scheduler: str | None = None) -> CalibrationResult:
    """Fit the calibration's priors to its data by ABC-SMC; write the posterior and checks to ``out``.

    Args:
        calibration: a ``Calibration`` or the path of a CALIBRATION.toml.
        out: folder for the results (``abc.db`` there is resumed with ``resume=True``).
        report: called with one line per generation (progress) and at the end.
        scheduler: address of a Dask scheduler to sample on (default: ``abc.workers`` local processes).
    """
    import pyabc

    cal = calibration if isinstance(calibration, Calibration) else load_calibration(calibration)
    out = Path(out)
    db_file = out / "abc.db"
    if db_file.exists() and not resume:
        raise ValueError(f"{out}: already holds a calibration (abc.db); pass --resume to continue it or choose another --out")
    if resume and not db_file.exists():
        raise ValueError(f"{out}: nothing to resume (no abc.db)")
    base, net, observed, fit_units, held_units = prepare(cal)
    sim = Simulator(cal, base, net, observed, fit_units)
    paths = sim.paths
    pilot = sim.summaries({p: float(cal.priors[p].scipy().median()) for p in paths})
    if np.isnan(pilot).any():
        raise ValueError(f"{cal.source}: summary: '{cal.summary}' is NaN for the prior's median parameters (cell {int(np.flatnonzero(np.isnan(pilot))[0])})")
    out.mkdir(parents=True, exist_ok=True)
    names = {f"p{k}": p for k, p in enumerate(paths)}
    invalid = np.full(len(pilot), 1e3)  # parameters the scenario rejects lie far from any data

    def model(parameter):
        s = sim.summaries({path: float(parameter[k]) for k, path in names.items()})
        return {"s": invalid if np.isnan(s).any() else s}

    prior = pyabc.Distribution(**{k: cal.priors[p].pyabc() for k, p in names.items()})
    distance = {"euclidean": lambda: pyabc.PNormDistance(p=2), "l1": lambda: pyabc.PNormDistance(p=1),
                "adaptive": lambda: pyabc.AdaptivePNormDistance(p=2),
                "binomial": lambda: LikelihoodDistance("binomial", sim.sizes[sim.cells_key]),
                "beta_binomial": lambda: LikelihoodDistance("beta_binomial", sim.sizes[sim.cells_key], cal.overdispersion)}[cal.distance]()  # fmt: skip
    abc = pyabc.ABCSMC(model, prior, distance, population_size=cal.abc.population, sampler=_sampler(cal, scheduler))
    observed_summary = {"s": sim.observed_summary()}
    handler, logger = _Progress(report), logging.getLogger("ABC")
    saved = logger.handlers[:], logger.level, logger.propagate
    logger.handlers, logger.propagate = [handler], False  # our one line per generation instead of pyabc's log
    logger.setLevel(logging.INFO)
    done = 0
    if resume:
        history = abc.load("sqlite:///" + str(db_file.resolve()), 1)
        done = history.max_t + 1
    else:
        np.random.seed(cal.seed % 2**32)  # pyabc draws from numpy's global generator (single core: reproducible)
        abc.new("sqlite:///" + str(db_file.resolve()), observed_summary)
    remaining = cal.abc.generations - done
    try:
        if remaining > 0:
            history = abc.run(max_nr_populations=remaining, minimum_epsilon=cal.abc.min_epsilon, min_acceptance_rate=cal.abc.min_acceptance)
        else:
            history = abc.history
    finally:
        logger.handlers, logger.level, logger.propagate = saved
        if db_file.exists():
            _write_posterior(pyabc.History("sqlite:///" + str(db_file.resolve()), _id=1), names, out, cal)
    posterior = pd.read_parquet(out / "posterior.parquet")
    predictive = _predictive(cal, base, net, observed, fit_units, held_units, posterior)
    predictive.to_parquet(out / "predictive.parquet", index=False)
    summary = _summary(cal, posterior, predictive, fit_units, held_units, history)
    (out / "summary.json").write_text(json.dumps(summary, indent=2, default=float))
    for path, s in summary["posterior"].items():
        report(f"{path}: mean {s['mean']:.4g}, 90% interval {s['q05']:.4g} to {s['q95']:.4g}")
    if summary.get("holdout"):
        h = summary["holdout"]
        report(f"held-out units ({len(held_units)}): R^2 {h['r2']:.3f} against the mean predictor (r = {h['pearson_r']:.3f})")
    return CalibrationResult(posterior, summary, predictive, out)


def _sampler(cal: Calibration, scheduler: str | None):
    import pyabc

    if scheduler:
        from dask.distributed import Client

        return pyabc.sampler.DaskDistributedSampler(dask_client=Client(scheduler))
    if cal.abc.workers > 1:
        return pyabc.sampler.MulticoreEvalParallelSampler(n_procs=cal.abc.workers)
    return pyabc.sampler.SingleCoreSampler()


class _Progress(logging.Handler):
    """One line per generation from pyabc's log: its tolerance, acceptance and effective sample size."""

    def __init__(self, report):
        super().__init__()
        self.report, self.t, self.eps, self.start = report, None, None, time.perf_counter()

    def emit(self, record):
        try:
            msg = record.getMessage().rstrip(".")
            if msg.startswith("t: "):
                parts = dict(p.split(": ", 1) for p in msg.split(", "))
                self.t, self.eps = parts.get("t"), parts.get("eps")
            elif msg.startswith("Accepted:"):
                self.report(f"generation {self.t}: tolerance {float(self.eps):.4g}, accepted {msg.removeprefix('Accepted: ')}, "
                            f"{time.perf_counter() - self.start:.0f} s")  # fmt: skip
            elif record.levelno >= logging.WARNING or msg.startswith("Stop"):
                self.report(msg)
        except Exception:  # noqa: BLE001 - progress must never stop a calibration
            self.handleError(record)


def _write_posterior(history, names: dict, out: Path, cal: Calibration) -> None:
    if history.max_t < 0:
        return
    posterior, summaries = final_population(history, names)
    if cal.abc.adjust == "regression":
        from .calibrate_adjust import regression_adjust

        posterior.to_parquet(out / "posterior_unadjusted.parquet", index=False)
        posterior = regression_adjust(posterior, summaries, history.observed_sum_stat()["s"], cal.priors)
    posterior.to_parquet(out / "posterior.parquet", index=False)
    history.get_all_populations().to_csv(out / "generations.csv", index=False)


def final_population(history, names: dict) -> tuple[pd.DataFrame, np.ndarray]:
    """The last generation: its parameters (one column per dotted path) and weights, and each particle's summaries."""
    particles = [p for p in history.get_population(history.max_t).particles if p is not None]
    posterior = pd.DataFrame({path: [float(p.parameter[k]) for p in particles] for k, path in names.items()})
    weights = np.array([p.weight for p in particles], dtype=float)
    posterior["weight"] = weights / weights.sum()
    return posterior, np.array([np.asarray(p.sum_stat["s"], float) for p in particles])


def draw_posterior(posterior: pd.DataFrame, n: int, rng: np.random.Generator) -> list[dict]:
    """``n`` parameter sets drawn from a weighted posterior (with replacement, by weight)."""
    w = posterior["weight"].to_numpy(float)
    rows = rng.choice(len(posterior), size=n, p=w / w.sum())
    cols = [c for c in posterior.columns if c != "weight"]
    return [{c: float(posterior[c].iloc[r]) for c in cols} for r in rows]


def read_posterior(directory) -> pd.DataFrame:
    """``posterior.parquet`` of a calibration folder (ValueError naming the file when it is missing or bad)."""
    path = Path(directory) / "posterior.parquet"
    try:
        posterior = pd.read_parquet(path)
    except FileNotFoundError:
        raise ValueError(f"{path}: not found (run wellspread calibrate with --out {directory} first)") from None
    except Exception as exc:  # noqa: BLE001 - an unreadable file is bad input
        raise ValueError(f"{path}: cannot read ({type(exc).__name__})") from None
    if "weight" not in posterior.columns or len(posterior.columns) < 2 or not len(posterior):
        raise ValueError(f"{path}: needs one column per dotted path and a weight column")
    return posterior


def posterior_draws(scenario, posterior: pd.DataFrame, replicates: int) -> list[dict]:
    """The parameters of each replicate, drawn from the posterior by the scenario's seed alone.

    Examples
    --------
    >>> from model import Scenario
    >>> sc = Scenario.model_validate({"seed": 3, "behaviours": [{"name": "x", "rule": "independent_cascade"}]})
    >>> post = pd.DataFrame({"behaviours.0.p": [0.1, 0.2], "weight": [0.0, 1.0]})
    >>> posterior_draws(sc, post, 2)
    [{'behaviours.0.p': 0.2}, {'behaviours.0.p': 0.2}]
    """
    rng = np.random.default_rng(np.random.SeedSequence(scenario.seed, spawn_key=(11,)))
    return draw_posterior(posterior, replicates, rng)


def posterior_scenarios(scenario, posterior: pd.DataFrame, replicates: int) -> list:
    """One scenario per replicate: parameters drawn from the posterior, the replicate's usual seed.

    Draws depend only on the scenario's seed, so strategies compared on the same scenario (and a
    programme and its doing-nothing arm) get the same parameters replicate by replicate (paired),
    and intervals carry parameter uncertainty too.
    """
    from model import Scenario
    from model.scenario import validate

    from .experiment import apply_params
    from .replicates import replicate_seed

    base = scenario.model_dump(exclude_none=True)
    out = []
    for r, params in enumerate(posterior_draws(scenario, posterior, replicates)):
        try:
            data = apply_params(base, params)
        except ValueError as exc:
            raise ValueError(f"posterior.parquet: {exc}") from None
        data["seed"] = replicate_seed(scenario.seed, r)
        out.append(validate(Scenario, data, source="posterior.parquet"))
    return out


def posterior_runs(scenario, posterior: pd.DataFrame, replicates: int, graph=None, on_done=None, arm=None) -> list:
    """``replicates`` runs of ``scenario`` on one network, each with its parameters drawn from the posterior.

    What ``compare``, ``run`` and the economics use with ``--posterior`` (one process). ``arm``
    turns each drawn scenario into the one to run (e.g. ``programme.doing_nothing``: the
    counterfactual keeps the replicate's drawn parameters and seed). ``on_done(result)`` after each.
    """
    from model import simulate

    from .replicates import build_graph

    if graph is None:
        graph = build_graph(scenario)
    results = []
    for drawn in posterior_scenarios(scenario, posterior, replicates):
        results.append(simulate(drawn if arm is None else arm(drawn), graph=graph))
        if on_done is not None:
            on_done(results[-1])
    return results


def _predictive(cal, base, net, observed, fit_units, held_units, posterior) -> pd.DataFrame:
    """Posterior draws run once each (own seeds: chance included) on the fitted and held-out units."""
    if cal.predictive == 0:
        return pd.DataFrame(columns=["draw", "set", "unit", "group", "step", "simulated", "observed"])
    rng = np.random.default_rng(np.random.SeedSequence(cal.seed, spawn_key=(8,)))
    draws = draw_posterior(posterior, cal.predictive, rng)
    seeds = rng.integers(0, 2**62, size=cal.predictive)
    frames = []
    for label, units in (("fit", fit_units), ("holdout", held_units)):
        if not units:
            continue
        sim = Simulator(cal, base, net, observed, units)
        for d, (params, seed) in enumerate(zip(draws, seeds, strict=True)):
            frames.append(sim.observed.assign(draw=d, set=label, simulated=sim.simulate(params, seeds=[int(seed)])))
    frame = pd.concat(frames, ignore_index=True).rename(columns={"value": "observed"})
    return frame[["draw", "set", "unit", "group", "step", "simulated", "observed"]]


def r_squared(observed: np.ndarray, predicted: np.ndarray, reference: float) -> float:
    """1 - SS(observed - predicted) / SS(observed - reference): 0 is the constant ``reference``, below 0 worse."""
    return float(1.0 - ((observed - predicted) ** 2).sum() / ((observed - reference) ** 2).sum())


def _summary(cal, posterior, predictive, fit_units, held_units, history) -> dict:
    w = posterior["weight"].to_numpy(float)
    post = {}
    for col in posterior.columns.drop("weight"):
        v = posterior[col].to_numpy(float)
        q05, q50, q95 = weighted_quantile(v, w, [0.05, 0.5, 0.95])
        post[col] = {"mean": float(np.average(v, weights=w)), "median": float(q50), "q05": float(q05), "q95": float(q95)}
    pops = history.get_all_populations() if history is not None else pd.DataFrame()
    out = {
        "source": cal.source, "posterior": post, "fit_units": [str(u) for u in fit_units],
        "holdout_units": [str(u) for u in held_units], "generations": int(pops["t"].max() + 1) if len(pops) else 0,
        "simulations": int(history.total_nr_simulations) if history is not None else 0,
    }  # fmt: skip
    if len(predictive):
        mean = predictive.groupby(["set", "unit", "group", "step"], sort=False, dropna=False).agg(predicted=("simulated", "mean"), observed=("observed", "first")).reset_index()
        fit = mean[mean["set"] == "fit"]
        out["fit"] = {"r2": r_squared(fit["observed"].to_numpy(), fit["predicted"].to_numpy(), fit["observed"].mean()),
                      "pearson_r": float(np.corrcoef(fit["observed"], fit["predicted"])[0, 1]) if len(fit) > 2 else float("nan")}  # fmt: skip
        held = mean[mean["set"] == "holdout"]
        if len(held):
            reference = fit["observed"].mean()  # the mean predictor: what the fitted units alone would say
            out["holdout"] = {
                "r2": r_squared(held["observed"].to_numpy(), held["predicted"].to_numpy(), reference),
                "pearson_r": float(np.corrcoef(held["observed"], held["predicted"])[0, 1]) if len(held) > 2 else float("nan"),
                "mean_predictor": float(reference),
                "observed_mean": float(held["observed"].mean()), "predicted_mean": float(held["predicted"].mean()),
            }  # fmt: skip
    return out
