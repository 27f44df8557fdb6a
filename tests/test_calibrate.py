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
    """Five synthetic data sets from the information model (q^N and q^P drawn from their priors,
    20 villages of 25 people, each person's final state observed; network moments, adaptive
    distance, a fresh run seed per particle): the raw ABC 90% intervals should cover the truth about
    90% of the time; at least 8 of the 10 (P = 0.93 at a true 90% rate; fixed seeds). The full
    study (20 data sets x 20 villages, both rules, with binomial intervals) is in docs/calibration.md."""
    table = recovery("information", datasets=5, networks=20, size=25, population=60, generations=4, seed=2)
    raw = table[table["method"] == "abc"]
    assert len(raw) == 10 and set(raw["path"]) == {"behaviours.0.q_adopter", "behaviours.0.q_non_adopter"}
    assert raw["covered"].sum() >= 8, raw
    width = (raw["q95"] - raw["q05"]).groupby(raw["path"]).median()
    assert width["behaviours.0.q_non_adopter"] < 0.4 and width["behaviours.0.q_adopter"] < 0.8, width  # informative: priors 0.5 and 1 wide


def test_run_and_economics_draw_parameters_from_the_posterior_per_replicate(tmp_path):
    """`run --posterior`: each replicate's p is drawn from the posterior (here 0 or 0.3, half each), the
    programme and its doing-nothing arm get the same draw, economics.parquet carries the draw, and the
    spread of incremental QALYs follows it (a cascade at p = 0.3 reaches far more than the seeds alone)."""
    from experiments import cea
    from experiments.programme import appraise
    from model import Scenario

    folder = tmp_path / "cal"
    folder.mkdir()
    pd.DataFrame({"behaviours.0.p": [0.0, 0.3], "weight": [0.5, 0.5]}).to_parquet(folder / "posterior.parquet")
    sc = Scenario.model_validate(
        {"seed": 5, "steps": 8, "network": {"kind": "town", "n": 1500},
         "behaviours": [{"name": "activity", "rule": "independent_cascade", "p": 0.1}], "seeding": {"count": 30, "cost": 100.0},
         "economics": {"behaviours": {"activity": {"values": "physically_active", "healthy_state": "adopting"}}}}
    )  # fmt: skip
    appraisal = appraise(sc, 12, posterior=pd.read_parquet(folder / "posterior.parquet"))
    drawn = [r.scenario.behaviours[0].p for r in appraisal.runs]
    assert set(drawn) == {0.0, 0.3}
    assert drawn == [b.scenario.behaviours[0].p for b in appraisal.baselines]  # paired: same draw, same seed
    assert [r.scenario.seed for r in appraisal.runs] == [b.scenario.seed for b in appraisal.baselines]
    table = appraisal.table
    assert table["behaviours.0.p"].tolist() == drawn
    qalys = table.groupby("behaviours.0.p")["incremental_qalys"]
    assert qalys.min()[0.3] > qalys.max()[0.0] > 0  # the draw, not only chance, drives the spread
    (tmp_path / "sc.toml").write_text(sc.to_toml())
    out = tmp_path / "run"
    r = runner.invoke(app, ["run", str(tmp_path / "sc.toml"), "--replicates", "12", "--posterior", str(folder), "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "parameters drawn from" in r.output
    written, meta = cea.read_economics(out / "economics.parquet")
    assert written["behaviours.0.p"].tolist() == drawn and meta["posterior"] == "behaviours.0.p"
    assert written["incremental_qalys"].tolist() == pytest.approx(table["incremental_qalys"].tolist())
    plain = tmp_path / "plain.toml"  # no programme: the finals alone, still drawn per replicate
    plain.write_text('seed = 5\nsteps = 8\nbehaviours = [{ name = "activity", rule = "independent_cascade" }]\n'
                     '[network]\nkind = "town"\nn = 1500\n[seeding]\ncount = 30\n')
    r = runner.invoke(app, ["run", str(plain), "--replicates", "4", "--posterior", str(folder)])
    assert r.exit_code == 0 and "parameters drawn from" in r.output and "economics over" not in r.output, r.output
    r = runner.invoke(app, ["run", str(plain), "--posterior", str(tmp_path / "nowhere")])
    assert r.exit_code == 2 and "posterior.parquet: not found" in r.output


def _grouped_world(folder: Path):
    """Eight villages of 30 with two leaders each; every person has an IMD quintile (1-3) and a made-up loan."""
    rng = np.random.default_rng(1)
    nodes, edges = [], []
    for u in range(8):
        G = nx.connected_watts_strogatz_graph(30, 4, 0.2, seed=u)
        nodes += [{"id": u * 100 + v, "village": u, "leader": int(v < 2), "imd": int(v % 3) + 1, "loan": int(rng.random() < 0.2)}
                  for v in G]  # fmt: skip
        edges += [(u * 100 + a, u * 100 + b) for a, b in G.edges]
    pd.DataFrame(nodes).to_csv(folder / "nodes.csv", index=False)
    pd.DataFrame(edges, columns=["source", "target"]).to_csv(folder / "edges.csv", index=False)
    return pd.DataFrame(nodes)


def _spec(**changes):
    spec = {
        "seed": 3, "replicates": 2, "predictive": 0,
        "scenario": {"steps": 4, "stop_when_steady": False, "behaviours": [{"name": "x", "rule": "independent_cascade", "p": 0.2}]},
        "units": {"nodes": "nodes.csv", "edges": "edges.csv", "unit_column": "village", "seeds": {"attribute": "leader", "values": [1]}},
        "priors": {"behaviours.0.p": {"dist": "uniform", "low": 0.0, "high": 0.6}},
        "observed": {"attribute": "loan", "group": "imd"},
        "abc": {"population": 30, "generations": 2},
    }  # fmt: skip
    spec.update(changes)
    return spec


def test_observed_shares_per_group_within_units(tmp_path):
    """Shares per IMD value within each village: counted from the people (leaders left out), and the
    simulated group shares, weighted by the people counted, give back each village's own share."""
    from experiments.calibrate import Simulator, calibration_from_dict
    from experiments.calibrate_abc import prepare

    people = _grouped_world(tmp_path)
    cal = calibration_from_dict(_spec(), source="cal.toml", base_dir=tmp_path)
    base, net, observed, _, _ = prepare(cal)
    assert len(observed) == 24 and set(observed["group"]) == {"1", "2", "3"}
    counted = people[people["leader"] == 0]
    expected = counted.groupby(["village", "imd"])["loan"].agg(["mean", "size"]).reset_index()
    assert observed["value"].tolist() == pytest.approx(expected["mean"].tolist())
    assert observed["eligible"].tolist() == expected["size"].tolist() and observed["eligible"].sum() == 8 * 28
    grouped = Simulator(cal, base, net, observed)
    whole = calibration_from_dict(_spec(observed={"attribute": "loan"}), source="cal.toml", base_dir=tmp_path)
    _, _, per_unit, _, _ = prepare(whole)
    plain = Simulator(whole, base, net, per_unit)
    by_group = grouped.simulate({"behaviours.0.p": 0.3})
    by_unit = plain.simulate({"behaviours.0.p": 0.3})  # the same runs (common random numbers)
    shares = observed.assign(sim=by_group).groupby("unit").apply(lambda f: np.average(f["sim"], weights=f["eligible"]), include_groups=False)
    assert shares.to_numpy() == pytest.approx(by_unit) and 0 < by_unit.mean() < 1
    # the same shares from a file, the groups in a column of their own
    observed[["unit", "group", "value"]].rename(columns={"unit": "village", "group": "quintile", "value": "share"}).to_csv(tmp_path / "g.csv", index=False)
    from_file = calibration_from_dict(_spec(observed={"file": "g.csv", "unit_column": "village", "group": "imd", "group_column": "quintile"}),
                                      source="cal.toml", base_dir=tmp_path)  # fmt: skip
    again = prepare(from_file)[2]
    assert again["value"].tolist() == pytest.approx(observed["value"].tolist()) and again["eligible"].tolist() == observed["eligible"].tolist()


@pytest.mark.parametrize(
    "changes, needle",
    [
        ({"observed": {"file": "bad_group.csv", "unit_column": "village", "group": "imd"}}, "cal.toml: observed.among: unit 0, imd 9 has nobody counted"),
        ({"observed": {"attribute": "loan", "group": "nope"}}, "cal.toml: observed.group: not every person carries 'nope'"),
        ({"summary": "mean_sd", "distance": "binomial"}, "cal.toml: distance: 'binomial' compares counts per cell; it needs summary = 'per_unit'"),
        ({"observed": {"file": "bad_share.csv", "unit_column": "village"}}, "bad_share.csv: column 'share': row 1 is not a share in [0, 1]"),
        ({"summary": "moments", "observed": {"file": "good.csv", "unit_column": "village"}},
         "cal.toml: summary: 'moments' needs each person's observed state (observed.attribute)"),
    ],
)
def test_bad_group_or_likelihood_input_is_one_line(tmp_path, changes, needle):
    import tomli_w

    _grouped_world(tmp_path)
    pd.DataFrame({"village": [0, 0], "imd": [1, 9], "share": [0.1, 0.2]}).to_csv(tmp_path / "bad_group.csv", index=False)
    pd.DataFrame({"village": [0, 1], "share": [0.1, 1.5]}).to_csv(tmp_path / "bad_share.csv", index=False)
    pd.DataFrame({"village": [0, 1], "share": [0.1, 0.2]}).to_csv(tmp_path / "good.csv", index=False)
    (tmp_path / "cal.toml").write_bytes(tomli_w.dumps(_spec(**changes)).encode())
    r = runner.invoke(app, ["calibrate", str(tmp_path / "cal.toml"), "--out", str(tmp_path / "out")])
    lines = [line for line in r.output.splitlines() if line.strip()]
    assert r.exit_code == 2 and len(lines) == 1 and needle in lines[0], r.output


@pytest.mark.parametrize("distance", ["binomial", "beta_binomial"])
def test_likelihood_distance_fits_counts_per_group(tmp_path, distance):
    """Counts per village and IMD group made by the cascade at p = 0.3 (one run, its own seed): the
    deviance-based ABC posterior concentrates around it (90% interval inside the prior, containing 0.3)."""
    from experiments.calibrate import Simulator, calibration_from_dict
    from experiments.calibrate_abc import calibrate, prepare

    _grouped_world(tmp_path)
    cal = calibration_from_dict(_spec(distance=distance, replicates=1, common_random_numbers=False, abc={"population": 40, "generations": 4},
                                      predictive=5, holdout=0.25), source="cal.toml", base_dir=tmp_path)  # fmt: skip
    base, net, observed, _, _ = prepare(cal)
    made = Simulator(cal, base, net, observed).simulate({"behaviours.0.p": 0.3}, seeds=[12345])
    observed.assign(share=made).rename(columns={"unit": "village", "group": "imd"})[["village", "imd", "share"]].to_csv(tmp_path / "made.csv", index=False)
    cal = cal.model_copy(update={"observed": cal.observed.model_copy(update={"attribute": None, "file": "made.csv", "unit_column": "village"})})
    result = calibrate(cal, tmp_path / "out", report=lambda line: None)
    s = result.summary["posterior"]["behaviours.0.p"]
    assert s["q05"] <= 0.3 <= s["q95"] and s["q95"] - s["q05"] < 0.3, s
    predictive = result.predictive  # per village and group, fitted and held-out villages alike
    assert set(predictive["group"]) == {"1", "2", "3"} and len(predictive) == 5 * 24
    assert np.isfinite(result.summary["holdout"]["r2"])
    r = runner.invoke(app, ["report", str(tmp_path / "out")])
    assert r.exit_code == 0 and (tmp_path / "out" / "predictive.png").stat().st_size > 0, r.output
