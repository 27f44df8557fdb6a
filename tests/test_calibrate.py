"""Calibration: bad input is one line naming file and field (exit 2); a run writes the weighted
posterior, resumes, reports; compare --posterior draws per replicate; and a small recovery study
covers the truth at about the 90% rate (the full 20 x 24-network study: docs/calibration.md)."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from experiments.calibrate_recovery import recovery
from experiments.cli import app

runner = CliRunner()

TOML = """
seed = 4
replicates = 1
holdout = 0.25
predictive = 10
[scenario]
steps = 4
stop_when_steady = false
[[scenario.behaviours]]
name = "x"
rule = "independent_cascade"
p = 0.1
[units]
nodes = "nodes.csv"
edges = "edges.csv"
unit_column = "village"
seeds = {{ attribute = "leader", values = [1] }}
[priors]
"{path}" = {{ dist = "uniform", low = 0.0, high = 0.5 }}
[observed]
file = "{observed}"
unit_column = "village"
column = "share"
[abc]
population = 30
generations = {generations}
"""


@pytest.fixture
def world(tmp_path):
    nodes, edges = [], []
    for u in range(8):
        G = nx.connected_watts_strogatz_graph(30, 4, 0.2, seed=u)
        nodes += [{"id": u * 100 + v, "village": u, "leader": int(v < 2)} for v in G]
        edges += [(u * 100 + a, u * 100 + b) for a, b in G.edges]
    nodes.append({"id": 999, "village": 8, "leader": 1})  # a village of leaders only: nobody else to count
    pd.DataFrame(nodes).to_csv(tmp_path / "nodes.csv", index=False)
    pd.DataFrame(edges, columns=["source", "target"]).to_csv(tmp_path / "edges.csv", index=False)
    rng = np.random.default_rng(0)
    pd.DataFrame({"village": range(8), "share": rng.uniform(0.05, 0.3, 8)}).to_csv(tmp_path / "obs.csv", index=False)
    return tmp_path


def write(folder: Path, path="behaviours.0.p", observed="obs.csv", generations=2) -> Path:
    file = folder / "cal.toml"
    file.write_text(TOML.format(path=path, observed=observed, generations=generations))
    return file


@pytest.mark.parametrize(
    "case, needle",
    [
        ("prior", "cal.toml: priors.behaviours.0.qq: "),
        ("unit", "obs_bad.csv: column 'village': unit 42 has no network in nodes.csv"),
        ("nan", "cal.toml: observed.among: unit 8 has nobody counted, so its share is always NaN"),
        ("nan_value", "obs_nan.csv: column 'share': row 2 is not a number"),
    ],
)
def test_bad_input_is_one_line_naming_file_and_field(world, case, needle):
    pd.DataFrame({"village": [0, 42], "share": [0.1, 0.2]}).to_csv(world / "obs_bad.csv", index=False)
    pd.DataFrame({"village": [0, 8], "share": [0.1, 0.2]}).to_csv(world / "obs_leaders.csv", index=False)
    pd.DataFrame({"village": [0, 1, 2], "share": [0.1, 0.2, None]}).to_csv(world / "obs_nan.csv", index=False)
    observed = {"unit": "obs_bad.csv", "nan": "obs_leaders.csv", "nan_value": "obs_nan.csv"}.get(case, "obs.csv")
    file = write(world, path="behaviours.0.qq" if case == "prior" else "behaviours.0.p", observed=observed)
    r = runner.invoke(app, ["calibrate", str(file), "--out", str(world / "out")])
    assert r.exit_code == 2, r.output
    lines = [line for line in r.output.splitlines() if line.strip()]
    assert len(lines) == 1 and needle in lines[0], r.output
    assert not (world / "out" / "abc.db").exists()


def test_calibrate_writes_the_posterior_resumes_and_reports(world):
    out = world / "out"
    r = runner.invoke(app, ["calibrate", str(write(world, generations=2)), "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "generation 0:" in r.output and "generation 1:" in r.output and "held-out units (2)" in r.output
    posterior = pd.read_parquet(out / "posterior.parquet")
    assert list(posterior.columns) == ["behaviours.0.p", "weight"] and len(posterior) == 30
    assert posterior["weight"].sum() == pytest.approx(1.0) and posterior["behaviours.0.p"].between(0, 0.5).all()
    again = runner.invoke(app, ["calibrate", str(write(world, generations=2)), "--out", str(out)])
    assert again.exit_code == 2 and "--resume" in again.output  # never overwrites a calibration
    r = runner.invoke(app, ["calibrate", str(write(world, generations=3)), "--out", str(out), "--resume"])
    assert r.exit_code == 0, r.output
    generations = pd.read_csv(out / "generations.csv")
    assert generations["t"].max() == 2 and "generation 2:" in r.output and "generation 0:" not in r.output
    predictive = pd.read_parquet(out / "predictive.parquet")
    assert set(predictive["set"]) == {"fit", "holdout"} and predictive["draw"].nunique() == 10
    r = runner.invoke(app, ["report", str(out)])
    assert r.exit_code == 0, r.output
    for name in ("marginals.png", "predictive.png", "calibration.html"):
        assert (out / name).stat().st_size > 0


def test_compare_draws_parameters_from_the_posterior_per_replicate(tmp_path):
    from experiments.calibrate_abc import posterior_scenarios
    from model import Scenario

    folder = tmp_path / "cal"
    folder.mkdir()
    pd.DataFrame({"behaviours.0.p": [0.0, 0.9], "weight": [0.5, 0.5]}).to_parquet(folder / "posterior.parquet")
    sc = Scenario.model_validate({"seed": 3, "steps": 10, "network": {"kind": "watts_strogatz", "n": 300, "k": 4, "p": 0.1},
                                  "behaviours": [{"name": "x", "rule": "independent_cascade"}], "seeding": {"count": 5}})  # fmt: skip
    drawn = posterior_scenarios(sc, pd.read_parquet(folder / "posterior.parquet"), 40)
    ps = np.array([s.behaviours[0].p for s in drawn])
    assert set(ps) == {0.0, 0.9} and 10 < (ps == 0.9).sum() < 30  # both draws, about half each
    assert len({s.seed for s in drawn}) == 40
    (tmp_path / "sc.toml").write_text(sc.to_toml())
    r = runner.invoke(app, ["compare", str(tmp_path / "sc.toml"), "--strategies", "random,degree", "--replicates", "12",
                            "--posterior", str(folder), "--out", str(tmp_path / "cmp")])  # fmt: skip
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["compare", str(tmp_path / "sc.toml"), "--posterior", str(tmp_path / "nowhere")])
    assert r.exit_code == 2 and "posterior.parquet: not found" in r.output


def test_recovery_small_version_covers_the_truth():
    """Five synthetic data sets (independent cascade from known p, 20 villages of 25 people, the
    mean and spread of village shares as summary): the 90% intervals should cover the truth about
    90% of the time; at most one miss of five (P = 0.92 at a true 90% rate; fixed seeds). The full
    study (20 data sets x 20 villages, both rules) is in docs/calibration.md."""
    table = recovery("independent_cascade", datasets=5, networks=20, size=25, population=60, generations=3, seed=2)
    assert len(table) == 5
    assert table["covered"].sum() >= 4, table
    assert (table["q95"] - table["q05"]).max() < 0.25  # informative: the prior is 0.38 wide
