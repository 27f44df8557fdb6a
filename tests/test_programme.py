"""Programme appraisal and the strategy-model examples, end to end from the command line."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from experiments.cli import app
from experiments.programme import appraise, doing_nothing
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
         "behaviours": [{"name": "activity", "rule": "logistic", "intercept": -6}], "seeding": {"count": 0}, "economics": {}}
    )
    a = appraise(sc, 2).economics.set_index("metric")["mean"]
    assert a["cost"] == 0.0 and a["qalys"] == 0.0 and a["npv"] == 0.0


def test_reinvest_to_save_example_prints_economics_and_inequality(tmp_path):
    r = runner.invoke(app, ["run", str(EXAMPLES / "reinvest_to_save.toml"), "--replicates", "1", "--out", str(tmp_path)])
    assert r.exit_code == 0, r.output
    for needle in ("economics over 20 years", "QALYs gained", "net present value", "inequality", "SII", "tipping"):
        assert needle in r.output
    economics = pd.read_csv(tmp_path / "economics.csv").set_index("metric")["mean"]
    assert economics["qalys"] > 0 and economics["cost"] > 0
    inequality = pd.read_csv(tmp_path / "inequality.csv")
    assert set(inequality["arm"]) == {"programme", "doing nothing"}


def test_deprived_first_narrows_the_gap_compared_with_everyone(tmp_path):
    paths = [EXAMPLES / "deprived_first.toml", EXAMPLES / "everyone.toml"]
    r = runner.invoke(app, ["compare", *map(str, paths), "--replicates", "3", "--out", str(tmp_path)])
    assert r.exit_code == 0, r.output
    table = pd.read_csv(tmp_path / "scenarios.csv").set_index("scenario")
    assert table.loc["deprived_first", "cost"] == pytest.approx(table.loc["everyone", "cost"])
    # same budget; aimed at the two most deprived quintiles it lifts them most: a smaller gap
    assert table.loc["deprived_first", "gap"] < table.loc["everyone", "gap"] - 0.03
    assert table.loc["deprived_first", "Q1"] > table.loc["everyone", "Q1"]
