"""Does calibration recover the truth? Synthetic data made by the model itself from known parameters.

For each data set: parameters drawn from the prior, ``networks`` small-world villages each seeded
at a few "leaders", one run of the model (its own seed, never one the calibration uses) gives the
observed share per village, and ``calibrate`` fits it. A well-calibrated posterior's 90% intervals
cover the truth in about 90% of data sets (Talts et al. 2018, "Validating Bayesian inference
algorithms with simulation-based calibration"); ABC's tolerance widens posteriors, so coverage a
little above 90% is expected, below 80% would mean overconfident intervals.

    .venv/bin/python -m experiments.calibrate_recovery --datasets 20 --networks 24 --out results/recovery
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd

from .calibrate import Network, Simulator, calibration_from_dict
from .calibrate_abc import calibrate, prepare

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


def recovery(model: str, datasets: int = 20, networks: int = 24, size: int = 40, leaders: int = 3,
             population: int = 150, generations: int = 5, steps: int = 5, seed: int = 0, summary: str = "mean_sd",
             common_random_numbers: bool = True, report=None) -> pd.DataFrame:  # fmt: skip
    """One row per data set and parameter: truth, posterior mean and 90% interval, covered.

    ``summary`` defaults to the mean and spread of the village shares: with the raw per-village
    shares and a Euclidean distance, ABC favours parameters whose simulations vary least (the
    expected distance adds the simulation's variance to the squared bias), which biases a
    cascade's p downwards at any practical tolerance.
    """
    behaviour, priors = MODELS[model]
    rows = []
    for d in range(datasets):
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            _villages(folder, networks, size, leaders, seed=seed * 1000 + d)
            spec = {
                "seed": seed * 1000 + d, "replicates": 1, "predictive": 0, "summary": summary,
                "common_random_numbers": common_random_numbers,
                "scenario": {"steps": steps, "stop_when_steady": False, "behaviours": [behaviour]},
                "units": {"nodes": "nodes.csv", "edges": "edges.csv", "unit_column": "village",
                          "seeds": {"attribute": "leader", "values": [1]}},
                "priors": priors, "observed": {"file": "observed.csv", "unit_column": "village", "column": "share"},
                "abc": {"population": population, "generations": generations},
            }  # fmt: skip
            pd.DataFrame({"village": [0], "share": [0.0]}).to_csv(folder / "observed.csv", index=False)
            cal = calibration_from_dict(spec, source=str(folder / "recovery.toml"), base_dir=folder)
            rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(d,)))
            truth = {p: float(cal.priors[p].scipy().rvs(random_state=rng)) for p in cal.priors}
            base, net, _, _, _ = prepare(cal)
            every = pd.DataFrame({"unit": net.units, "step": -1, "value": 0.0})
            sim = Simulator(cal, base, Network(net.graph, net.unit_of, net.seeds, net.units), every)
            data_seed = int(rng.integers(2**62))  # a run the calibration's own seeds never repeat
            shares = sim.simulate(truth, seeds=[data_seed])
            pd.DataFrame({"village": net.units, "share": shares}).to_csv(folder / "observed.csv", index=False)
            result = calibrate(cal, folder / "out", report=lambda line: None)
            for p, value in truth.items():
                s = result.summary["posterior"][p]
                rows.append({"model": model, "dataset": d, "path": p, "truth": value, "mean": s["mean"],
                             "q05": s["q05"], "q95": s["q95"], "covered": s["q05"] <= value <= s["q95"]})  # fmt: skip
        if report is not None:
            report(f"{model} data set {d + 1}/{datasets}: " + ", ".join(
                f"{r['path']} truth {r['truth']:.3f} in [{r['q05']:.3f}, {r['q95']:.3f}]: {r['covered']}" for r in rows[-len(truth):]))  # fmt: skip
    return pd.DataFrame(rows)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="coverage of 90% posterior intervals on synthetic data")
    parser.add_argument("--datasets", type=int, default=20)
    parser.add_argument("--networks", type=int, default=24)
    parser.add_argument("--models", default="independent_cascade,information")
    parser.add_argument("--population", type=int, default=100)
    parser.add_argument("--generations", type=int, default=4)
    parser.add_argument("--fresh", action="store_true", help="a fresh run seed per parameter set (no common random numbers)")
    parser.add_argument("--out", type=Path, default=Path("results/recovery"))
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    frames = []
    for model in args.models.split(","):
        frame = recovery(model, args.datasets, args.networks, population=args.population, generations=args.generations,
                         common_random_numbers=not args.fresh,
                         report=lambda line: print(line, flush=True))  # fmt: skip
        frames.append(frame)
        frame.to_csv(args.out / f"{model}.csv", index=False)
    table = pd.concat(frames)
    print(table.groupby(["model", "path"])["covered"].agg(["mean", "count"]).to_string())
    print("overall coverage by model:", table.groupby("model")["covered"].mean().to_dict())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
