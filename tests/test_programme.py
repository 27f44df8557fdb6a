"""Programme appraisal and the strategy-model examples, end to end from the command line."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from experiments import cea
from experiments.cli import app
from experiments.prevalence import EXAMPLES as STARTING_STATES
from experiments.prevalence import PREVALENCE, starting_state, without_initial
from experiments.programme import appraise, doing_nothing
from experiments.replicates import build_graph
from model import Scenario

EXAMPLES = Path(__file__).resolve().parent.parent / "experiments" / "examples"
runner = CliRunner()


def test_doing_nothing_removes_the_programme_only():
    sc = Scenario.from_toml(EXAMPLES / "reinvest_to_save.toml")
    base = doing_nothing(sc)
    assert sc.interventions and not base.interventions
    assert base.seeding.count == 0 and base.reinvest is None
    assert base.behaviours == sc.behaviours and base.stress == sc.stress and base.turnover == sc.turnover


def test_a_run_with_no_programme_costs_nothing_and_gains_nothing():
    sc = Scenario.model_validate(
        {"seed": 1, "steps": 30, "network": {"kind": "town", "n": 1500},
         "behaviours": [{"name": "activity", "rule": "logistic", "intercept": -6, "initial": 0.3}], "seeding": {"count": 0},
         "economics": {"behaviours": {"activity": {"values": "physically_active", "healthy_state": "adopting"}}}}
    )
    appraisal = appraise(sc, 2)
    a = appraisal.economics.set_index("metric")["mean"]
    assert a["programme_cost"] == 0.0 and a["incremental_qalys"] == 0.0 and a["net_monetary_benefit@20000"] == 0.0
    assert all(r.history[-1, 0, 0] > r.history[0, 0, 0] for r in appraisal.runs)  # adoption moved, in both arms alike


def test_reinvest_to_save_example_prints_economics_and_inequality(tmp_path):
    r = runner.invoke(app, ["run", str(EXAMPLES / "reinvest_to_save.toml"), "--replicates", "1", "--out", str(tmp_path)])
    assert r.exit_code == 0, r.output
    for needle in ("economics over 20 years", "incremental QALYs", "net monetary benefit at GBP 20,000/QALY",
                   "horizon 20 years", "3.5% a year for costs", "1.5% for QALYs", "per 100,000", "associational",
                   "inequality", "SII", "tipping"):
        assert needle in r.output, needle
    table, meta = cea.read_economics(tmp_path / "economics.parquet")
    assert len(table) == 1 and table["incremental_qalys"].iloc[0] > 0 and table["programme_cost"].iloc[0] > 0
    assert meta["horizon_years"] == "20" and meta["currency"] == "GBP" and meta["discount_effects"] == "0.015"
    inequality = pd.read_csv(tmp_path / "inequality.csv")
    assert set(inequality["arm"]) == {"programme", "doing nothing"}


def test_one_replicate_prints_no_interval_and_says_so(tmp_path):
    r = runner.invoke(app, ["run", str(EXAMPLES / "everyone.toml"), "--replicates", "1"])
    assert r.exit_code == 0, r.output
    from experiments.intervals import NO_INTERVAL

    finals, economics = r.output.split("economics over", 1)
    assert NO_INTERVAL in finals  # every adoption row says it has none
    assert "95% interval" not in economics and f"{NO_INTERVAL}: run with" in economics


def test_run_writes_economics_parquet_and_prints_the_ratio_of_its_means(tmp_path):
    """The issue's hand case: ICER = mean incremental cost / mean incremental QALYs, from the file, to 1e-9."""
    r = runner.invoke(app, ["run", str(EXAMPLES / "deprived_first.toml"), "--replicates", "4", "--out", str(tmp_path)])
    assert r.exit_code == 0, r.output
    table, meta = cea.read_economics(tmp_path / "economics.parquet")
    assert list(table.columns[:6]) == list(cea.COLUMNS) and len(table) == 4
    assert table["seed"].nunique() == 4
    for key in ("horizon_years", "discount_costs", "discount_effects", "currency", "price_year"):
        assert meta[key]
    icer = table["incremental_cost"].mean() / table["incremental_qalys"].mean()
    printed = pd.read_csv(tmp_path / "economics.csv").set_index("metric")
    assert printed.loc["icer", "mean"] == pytest.approx(icer, rel=1e-9)
    assert printed.loc["icer", "ci_low"] < icer < printed.loc["icer", "ci_high"]
    assert f"{icer:,.0f}" in r.output and "95% interval" in r.output
    nmb = (20_000 * table["incremental_qalys"] - table["incremental_cost"]).to_numpy()
    assert table["net_monetary_benefit"].to_numpy() == pytest.approx(nmb, rel=1e-9)
    html = (Path(tmp_path) / "report").resolve()
    r = runner.invoke(app, ["report", str(tmp_path), "--out", str(html)])
    assert r.exit_code == 0, r.output
    assert (html / "ce_plane.png").stat().st_size > 10_000 and (html / "ceac.png").stat().st_size > 10_000


def test_starting_state_tables_match_their_towns():
    """The examples' starting states are the published prevalences for the people of the town they run on."""
    for example, (name, states) in STARTING_STATES.items():
        sc = without_initial(Scenario.from_toml(EXAMPLES / example))
        expected = starting_state(build_graph(sc), states)
        stored = pd.read_parquet(EXAMPLES / name)
        pd.testing.assert_frame_equal(stored, expected, check_dtype=False)
        adults = stored[~stored["age_band"].isin(["0-4", "5-15"])]
        for column, state in states.items():
            by_quintile = adults.groupby("deprivation")[column].first().to_numpy()
            assert by_quintile == pytest.approx(PREVALENCE[state][0])


def test_deprived_first_narrows_the_gap_compared_with_everyone(tmp_path):
    paths = [EXAMPLES / "deprived_first.toml", EXAMPLES / "everyone.toml"]
    r = runner.invoke(app, ["compare", *map(str, paths), "--replicates", "3", "--out", str(tmp_path)])
    assert r.exit_code == 0, r.output
    table = pd.read_csv(tmp_path / "scenarios.csv").set_index("scenario")
    for needle in ("horizon 5 years", "3.5% a year for costs", "GBP", "per 100,000", "ICER"):
        assert needle in r.output, needle
    both, meta = cea.read_economics(tmp_path / "economics.parquet")
    assert set(both["programme"]) == {"deprived_first", "everyone"} and meta["programmes"] == "deprived_first,everyone"
    assert table.loc["deprived_first", "cost"] == pytest.approx(table.loc["everyone", "cost"], rel=0.01)
    # same budget; aimed at the two most deprived quintiles it lifts them most: a smaller gap
    assert table.loc["deprived_first", "gap"] < table.loc["everyone", "gap"] - 0.03
    assert table.loc["deprived_first", "Q1"] > table.loc["everyone", "Q1"]
