"""Every input that once crashed or exhausted ``wellspread run`` (issue 15) now ends in one line.

Each case of ``tests/edge_cases.py`` is run by the CLI's own function in one child process under an
8 GB address-space cap (``ulimit -v``) with 60 s per case: an invalid input must end with exit 2 and
exactly one stderr line that names the scenario file and carries no traceback; a valid one must
succeed. One test per cause.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.edge_cases import CASES, VALID

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory) -> dict[str, dict]:
    folder = tmp_path_factory.mktemp("edges")
    proc = subprocess.run([sys.executable, "-m", "tests.edge_cases", str(folder)], cwd=ROOT, capture_output=True,
                          text=True, timeout=60 * (len(CASES) + len(VALID)) + 120)
    found = {}
    for line in proc.stdout.splitlines():
        if line.startswith("{"):
            record = json.loads(line)
            found[record["name"]] = record
    assert found, proc.stderr[-3000:]
    return found


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_is_one_line_naming_the_file_with_exit_2(outcomes, name):
    got = outcomes[name]
    assert got["exit"] == 2, got
    assert len(got["lines"]) == 1, got
    line = got["lines"][0]
    assert line.startswith(f"error: {got['path']}: "), line
    assert "Traceback" not in line and got["seconds"] < 60


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid_edge_input_runs(outcomes, name):
    got = outcomes[name]
    assert got["exit"] == 0 and got["seconds"] < 60, got


def test_emoji_codes_are_printed_as_written(outcomes):
    assert "root:x:0" in outcomes["emoji_in_message"]["lines"][0]


def test_messages_name_the_problem(outcomes):
    expect = {
        "nested_500_deep": "nested too deeply",
        "seed_under_seeding": "'seed' is not a seeding option",
        "unknown_key_with_file": "has no option 'bogus'",
        "budget_inf": "seeding.budget: must be a finite number",
        "ends_inf": "timeline.ends.0: must be a finite number",
        "weeks_per_step_tiny": "weeks_per_step",
        "k_10_30": "behaviours.0.k: ",
        "steps_10_12": "steps: ",
        "target_values_empty_table": "interventions.0.target.values",
        "n_2_31": "network: the run needs",
        "dev_zero": "/dev/zero: not a regular file",
        "gzip_bomb": "unpacks to more than",
        "diffusion_T_1e9": "T must be <= 1000",
        "generator_message_names_file": "m must be an integer",
    }
    for name, needle in expect.items():
        assert needle in outcomes[name]["lines"][0], (name, outcomes[name]["lines"])


def test_big_node_ids_are_kept_as_text(tmp_path):
    import networks

    path = tmp_path / "big.edgelist"
    path.write_text(f"{2**63} 1\n{2**63 - 1} 1\n")
    G = networks.load(path)
    assert set(G) == {str(2**63), 2**63 - 1, 1}


def test_dashboard_names_no_file_outside_uploads_and_data(tmp_path):
    from dashboards.state import DEFAULT_SCENARIO, UPLOAD_DIR, check

    outside = {**DEFAULT_SCENARIO, "network": {"kind": "file", "path": "/etc/passwd", "format": "edgelist"}}
    scenario, message = check(outside)
    assert scenario is None and "network.path" in message and "passwd" not in message
    inside = UPLOAD_DIR / "abc" / "x.edgelist"
    scenario, message = check({**DEFAULT_SCENARIO, "network": {"kind": "file", "path": str(inside)}})
    assert message is None and scenario is not None


def test_upload_text_is_bounded_by_memory(tmp_path):
    import gzip

    import networks

    path = tmp_path / "bomb.edgelist.gz"
    path.write_bytes(gzip.compress(b"1 2\n" * (2**20)))  # 4 MB of text in a few kB
    with pytest.raises(networks.NetworkError, match="unpacks to more than"):
        networks.load(path, max_text=2**20)


def test_max_memory_refuses_a_run_before_it_starts(tmp_path):
    import os

    from tests.edge_cases import BASE, run_cli

    path = tmp_path / "s.toml"
    path.write_text(BASE)
    saved = os.environ.pop("WELLSPREAD_MAX_MEMORY", None)
    try:
        code, lines = run_cli(["run", str(path), "--max-memory", "1MB"])
        assert code == 2 and len(lines) == 1 and lines[0].startswith(f"error: {path}: "), lines
        assert "the run needs about" in lines[0] and "--max-memory" in lines[0]
        os.environ.pop("WELLSPREAD_MAX_MEMORY", None)  # the CLI hands it on by environment
        code, lines = run_cli(["run", str(path), "--max-memory", "lots"])
        assert code == 2 and "--max-memory" in lines[0]
    finally:
        os.environ.pop("WELLSPREAD_MAX_MEMORY", None)
        if saved is not None:
            os.environ["WELLSPREAD_MAX_MEMORY"] = saved


def test_estimate_counts_people_ties_and_rounds():
    from model import Scenario
    from model.resources import estimate

    sc = Scenario(network={"kind": "barabasi_albert", "n": 10_000, "m": 3}, steps=260,
                  behaviours=[{"name": "a", "rule": "sis"}, {"name": "b", "rule": "sis"}])
    e = estimate(sc)
    assert (e.people, e.ties, e.rounds, e.behaviours) == (10_000, 30_000, 260, 2)
    assert 10 * 2**20 < e.bytes < 200 * 2**20  # a small run: tens of MB


def test_a_huge_grid_is_refused_before_it_is_built():
    import time

    from experiments import Experiment
    from model import ScenarioError

    spec = {"base": {"network": {"kind": "erdos_renyi", "n": 50}, "behaviours": [{"name": "a", "rule": "sis"}]},
            "vary": {"steps": {"start": 0, "stop": 9999, "step": 1}, "seeding.count": {"start": 0, "stop": 999, "step": 1}}}
    started = time.monotonic()
    with pytest.raises(ScenarioError, match="10,000,000 points"):
        Experiment.from_dict(spec, source="grid.toml")
    assert time.monotonic() - started < 10


def test_ten_million_replicates_plan_lazily():
    import itertools
    import tracemalloc

    from experiments import Experiment

    spec = {"replicates": 10_000_000,
            "base": {"network": {"kind": "erdos_renyi", "n": 50}, "behaviours": [{"name": "a", "rule": "sis"}]}}
    Experiment.from_dict({**spec, "replicates": 1}, source="warm.toml")  # imports are not the plan
    tracemalloc.start()
    exp = Experiment.from_dict(spec, source="many.toml")
    runs = list(itertools.islice(exp.iter_plan(), 1000))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert exp.n_runs == 10_000_000 and len(runs) == 1000 and peak < 50 * 2**20
    assert runs[999] == next(exp.iter_plan(start=999))
