"""The wellspread command line: results, files written, and user errors as one line with exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from experiments.cli import app

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "experiments" / "examples" / "activity.toml"
runner = CliRunner()


def small(tmp_path, text=None) -> Path:
    p = tmp_path / "s.toml"
    p.write_text(
        text
        or """seed = 3
steps = 30
[network]
kind = "erdos_renyi"
n = 300
mean_degree = 5.0
[[behaviours]]
name = "activity"
rule = "independent_cascade"
p = 0.2
[seeding]
strategy = "degree"
count = 3
"""
    )
    return p


def test_run_prints_table_and_writes_results(tmp_path):
    out = tmp_path / "out"
    r = runner.invoke(app, ["run", str(small(tmp_path)), "--replicates", "4", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "activity" in r.output and "95% interval" in r.output
    ts = pd.read_parquet(out / "timeseries.parquet")
    assert sorted(ts["replicate"].unique()) == [0, 1, 2, 3]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["replicates"] == 4 and len(summary["seeds"]) == 4
    assert (out / "timeseries.csv").exists()


def test_one_replicate_is_simulate_exactly(tmp_path):
    from model import Scenario, simulate

    path = small(tmp_path)
    out = tmp_path / "o"
    assert runner.invoke(app, ["run", str(path), "--out", str(out)]).exit_code == 0
    ts = pd.read_parquet(out / "timeseries.parquet")
    res = simulate(Scenario.from_toml(path))
    assert ts["adopted"].tolist() == res.timeseries["adopted"].tolist()


@pytest.mark.parametrize(
    "text, needle",
    [
        ('[network]\nkind = "no_such_kind"\nn = 10\n', "unknown network kind 'no_such_kind'"),
        ("steps = [", "not valid TOML"),
        ('[[behaviours]]\nname = "a"\nrule = "sis"\nbeta = 2.0\n', "behaviours.0.beta"),
        ('[network]\nkind = "file"\npath = "missing.edgelist"\n[[behaviours]]\nname = "a"\nrule = "sis"\n', "missing.edgelist"),
        ('[[behaviours]]\nname = "a"\nrule = "sis"\n[seeding]\nstrategy = "given"\nnodes = [999999]\n', "999999"),
    ],
)
def test_user_errors_exit_2_with_one_line(tmp_path, text, needle):
    exe = Path(sys.executable).with_name("wellspread")
    r = subprocess.run([str(exe), "run", str(small(tmp_path, text))], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and needle in lines[0], r.stderr


def test_missing_file_exit_2(tmp_path):
    r = runner.invoke(app, ["run", str(tmp_path / "nope.toml")])
    assert r.exit_code == 2


def test_example_scenario_runs():
    r = runner.invoke(app, ["run", str(EXAMPLE)])
    assert r.exit_code == 0, r.output


def test_compare_writes_table_and_plots_by_quintile(tmp_path):
    town = small(
        tmp_path,
        """seed = 2
steps = 20
[network]
kind = "town"
n = 1500
[[behaviours]]
name = "activity"
rule = "threshold"
threshold = 0.2
[seeding]
strategy = "random"
count = 30
""",
    )
    out = tmp_path / "cmp"
    r = runner.invoke(app, ["compare", str(town), "--strategies", "random,degree", "--replicates", "3", "--out", str(out)])
    assert r.exit_code == 0, r.output
    table = pd.read_csv(out / "comparison.csv")
    assert list(table["strategy"]) == ["random", "degree"]
    assert {f"deprivation={q}" for q in range(1, 6)} <= set(table.columns)
    assert (out / "curves.png").stat().st_size > 0 and (out / "by_quintile.png").stat().st_size > 0


def test_module_entry_point_has_every_verb():
    # `python -m experiments.cli` runs the module as __main__; the verbs other modules register must be there too
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "experiments.cli", "--help"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    for verb in ("run", "compare", "sweep", "report", "query", "bench"):
        assert verb in out.stdout
