"""Does calibration recover the truth? Synthetic data made by the model itself from known parameters.

For each data set: parameters drawn from the prior, ``networks`` small-world villages each seeded
at a few "leaders", one run of the model (its own seed, never one the calibration uses) gives each
person's observed final state (hence the share per village), and ``calibrate`` fits it. A
well-calibrated posterior's 90% intervals cover the truth in about 90% of data sets (Talts et al. 2018, "Validating Bayesian inference
algorithms with simulation-based calibration"); ABC's tolerance widens posteriors, so coverage a
little above 90% is expected, below 80% would mean overconfident intervals. Each calibration
also yields a regression-adjusted posterior (``calibrate_adjust``), scored beside the raw one.

    .venv/bin/python -m experiments.calibrate_recovery --datasets 20 --networks 20 --out results/recovery
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd

from .calibrate import Simulator, calibration_from_dict
from .calibrate_abc import calibrate, prepare, weighted_quantile

__all__ = ["recovery", "MODELS"]

#: the rules checked: base behaviour and priors (intercept fixed, as in the Karnataka study)
MODELS = {
    "independent_cascade": (
        {"name": "x", "rule": "independent_cascade", "p": 0.1},
        {"behaviours.0.p": {"dist": "uniform", "low": 0.02, "high": 0.4}},
    ),
    "information": (
        {"name": "x", "rule": "information", "intercept": -0.5, "q_adopter": 0.4, "q_non_adopter": 0.1},
        {"behaviours.0.q_non_adopter": {"dist": "uniform", "low": 0.0, "high": 0.5},
         "behaviours.0.q_adopter": {"dist": "uniform", "low": 0.0, "high": 1.0}},  # fmt: skip
    ),
}


def _villages(folder: Path, networks: int, size: int, leaders: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    nodes, edges = [], []
    for u in range(networks):
        G = nx.connected_watts_strogatz_graph(size, 4, 0.15, seed=int(rng.integers(2**31)))
        chosen = set(rng.choice(size, size=leaders, replace=False).tolist())
        nodes += [{"id": u * 10_000 + v, "village": u, "leader": int(v in chosen)} for v in G]
        edges += [(u * 10_000 + a, u * 10_000 + b) for a, b in G.edges]
    pd.DataFrame(nodes).to_csv(folder / "nodes.csv", index=False)
    pd.DataFrame(edges, columns=["source", "target"]).to_csv(folder / "edges.csv", index=False)


def recovery(model: str, datasets: int = 20, networks: int = 20, size: int = 40, leaders: int = 3,
             population: int = 100, generations: int = 6, steps: int = 5, seed: int = 0, summary: str = "moments",
             common_random_numbers: bool = False, distance: str = "adaptive", keep: Path | None = None,
             report=None) -> pd.DataFrame:  # fmt: skip
    """One row per data set, method (raw ABC, regression-adjusted) and parameter: truth, posterior
    mean and 90% interval, covered.

    The defaults are what the study found sound (docs/calibration.md): the network moments of the
    observed states (``calibrate_moments``; the mean and spread of village shares alone barely
    see q^P) with pyabc's adaptive distance, and a fresh run seed per parameter set: with common
    random numbers and one replicate the simulator is a deterministic function of the parameters,
    so the posterior forgets the model's own randomness and its intervals are too narrow.
    ``keep``: a folder where each data set's files and calibration stay (default: temporary).
    """
    behaviour, priors = MODELS[model]
    rows = []
    for d in range(datasets):
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) if keep is None else Path(keep) / f"{model}-{d}"
            folder.mkdir(parents=True, exist_ok=True)
            _villages(folder, networks, size, leaders, seed=seed * 1000 + d)
            spec = {
                "seed": seed * 1000 + d, "replicates": 1, "predictive": 0, "summary": summary, "distance": distance,
                "common_random_numbers": common_random_numbers,
                "scenario": {"steps": steps, "stop_when_steady": False, "behaviours": [behaviour]},
                "units": {"nodes": "nodes.csv", "edges": "edges.csv", "unit_column": "village",
                          "seeds": {"attribute": "leader", "values": [1]}},
                "priors": priors, "observed": {"attribute": "adopted"},
                "abc": {"population": population, "generations": generations, "adjust": "regression"},
            }  # fmt: skip
            nodes = pd.read_csv(folder / "nodes.csv")
            nodes.assign(adopted=0).to_csv(folder / "nodes.csv", index=False)  # replaced by the made data below
            cal = calibration_from_dict(spec, source=str(folder / "recovery.toml"), base_dir=folder)
            rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(d,)))
            truth = {p: float(cal.priors[p].scipy().rvs(random_state=rng)) for p in cal.priors}
            base, net, observed, _, _ = prepare(cal)
            sim = Simulator(cal, base, net, observed)
            data_seed = int(rng.integers(2**62))  # a run the calibration's own seeds never repeat
            adopted, _ = sim.states(sim.scenario(truth), data_seed)  # each person's final state, the graph's order
            made = pd.Series(adopted.astype(int), index=list(sim.graph))
            nodes.assign(adopted=nodes["id"].map(made).to_numpy()).to_csv(folder / "nodes.csv", index=False)
            calibrate(cal, folder / "out", report=lambda line: None)
            rows += intervals_of(folder / "out", truth, model=model, dataset=d)
        if report is not None:
            report(f"{model} data set {d + 1}/{datasets}: " + ", ".join(
                f"{r['path']} ({r['method']}) truth {r['truth']:.3f} in [{r['q05']:.3f}, {r['q95']:.3f}]: {r['covered']}"
                for r in rows[-2 * len(truth):]))  # fmt: skip
    return pd.DataFrame(rows)


def intervals_of(out: Path, truth: dict, **labels) -> list[dict]:
    """Rows for one calibration folder: per parameter, the raw ABC posterior's and the
    regression-adjusted one's mean and 90% interval, and whether it covers the truth."""
    rows = []
    for method, name in (("abc", "posterior_unadjusted.parquet"), ("abc+regression", "posterior.parquet")):
        posterior = pd.read_parquet(Path(out) / name)
        w = posterior["weight"].to_numpy(float)
        for path, value in truth.items():
            v = posterior[path].to_numpy(float)
            q05, q95 = weighted_quantile(v, w, [0.05, 0.95])
            rows.append({**labels, "method": method, "path": path, "truth": value, "mean": float(np.average(v, weights=w)),
                         "q05": float(q05), "q95": float(q95), "covered": bool(q05 <= value <= q95)})  # fmt: skip
    return rows


def coverage_table(table: pd.DataFrame) -> pd.DataFrame:
    """Coverage per model, method and parameter with its binomial 95% interval (Wilson)."""
    from scipy.stats import binomtest

    out = table.groupby(["model", "method", "path"])["covered"].agg(covered="sum", datasets="count").reset_index()
    out["coverage"] = out["covered"] / out["datasets"]
    ci = [binomtest(int(k), int(n)).proportion_ci(0.95, method="wilson") for k, n in zip(out["covered"], out["datasets"], strict=True)]
    out["ci_low"], out["ci_high"] = [c.low for c in ci], [c.high for c in ci]
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="coverage of 90% posterior intervals on synthetic data")
    parser.add_argument("--datasets", type=int, default=20)
    parser.add_argument("--networks", type=int, default=20)
    parser.add_argument("--models", default="independent_cascade,information")
    parser.add_argument("--population", type=int, default=100)
    parser.add_argument("--generations", type=int, default=6)
    parser.add_argument("--common-random-numbers", action="store_true", help="the same run seed for every parameter set (too narrow: see the docstring)")
    parser.add_argument("--summary", default="moments", help="moments, mean_sd or per_unit")
    parser.add_argument("--distance", default="adaptive")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", action="store_true", help="keep each data set's files and calibration under --out")
    parser.add_argument("--out", type=Path, default=Path("results/recovery"))
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    frames = []
    for model in args.models.split(","):
        frame = recovery(model, args.datasets, args.networks, population=args.population, generations=args.generations,
                         common_random_numbers=args.common_random_numbers, summary=args.summary, distance=args.distance, seed=args.seed,
                         keep=args.out if args.keep else None,
                         report=lambda line: print(line, flush=True))  # fmt: skip
        frames.append(frame)
        frame.to_csv(args.out / f"{model}.csv", index=False)
    table = pd.concat(frames)
    coverage = coverage_table(table)
    coverage.to_csv(args.out / "coverage.csv", index=False)
    print(coverage.to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
