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

import numpy as np
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


# --------------------------------------------------------------------------- edge lists straight into arrays


def _same_csr(a, b):
    assert a.nodes == b.nodes
    assert np.array_equal(a.indptr, b.indptr) and np.array_equal(a.indices, b.indices)
    assert a.indices.dtype == b.indices.dtype == np.uint32
    assert (a.weights is None) == (b.weights is None)
    if a.weights is not None:
        assert np.array_equal(a.weights, b.weights)
    assert np.array_equal(a.loops, b.loops) and a.ordinal == b.ordinal


def _ties(rng, m: int, span: int, offset: int = 0):
    """Random ties with repeats both ways round and self-loops, as real edge lists have."""
    source = rng.integers(0, span, m) + offset
    target = np.where(rng.random(m) < 0.05, source, rng.integers(0, span, m) + offset)
    back = rng.random(m) < 0.1  # some ties given again the other way round
    source[back], target[back] = target[back].copy(), source[back].copy()
    return source, target


@pytest.mark.parametrize("offset", [0, 1, -7, 10**15, -(2**62)])
def test_from_edges_gives_the_csr_of_the_networkx_route(offset):
    """networks.csr.from_edges == to_csr of the graph networkx builds from the same ties (ids, rows,
    neighbour order, last weight of a repeat, self-loops), for dense and sparse ids, small and mid sizes."""
    import networkx as nx

    from networks.csr import from_edges, to_csr

    rng = np.random.default_rng(abs(offset) % 1000)
    for m, span in [(1, 1), (5, 3), (40, 12), (200, 1000), (60_000, 8_000)]:
        source, target = _ties(rng, m, span, offset)
        weights = rng.random(m).round(3)
        G = nx.Graph()
        G.add_edges_from(zip(source.tolist(), target.tolist(), strict=True))
        _same_csr(from_edges(source, target), to_csr(G))
        H = nx.Graph()
        H.add_weighted_edges_from(zip(source.tolist(), target.tolist(), weights.tolist(), strict=True))
        _same_csr(from_edges(source, target, weights), to_csr(H, weight="weight"))
    ordinal = from_edges([0, 1, 2, 1], [1, 2, 0, 0])  # ids 0..n-1 in order of appearance
    assert ordinal.ordinal and ordinal.nodes == [0, 1, 2]


EDGE_TEXTS = {
    "plain": "3 1\n1 2\n2 3\n3 1\n5 5\n",
    "weighted": "3 1 0.5\n1 2 2\n2 3 1.5\n1 3 4.0\n",
    "comments": "# a comment\n1 2\n2 3 # trailing\n",
    "leading_zeros": "007 1\n1 2\n",
    "beyond_int64": f"{2**63} 1\n1 2\n",
    "tabs": "1\t2\n2\t3\n",
    "words": "ann bob\nbob cat\n",
    "snap": "# Undirected graph: x.txt\n# Nodes: 3 Edges: 3\n1\t2\n2\t3\n3\t1\n",
    "konect": "% sym weighted\n3 1 0.5\r\n1 2 2\r\n",
}


def test_headers_tabs_and_crlf_take_the_fast_path():
    """SNAP and KONECT files (comment header, tabs, CRLF) are read by pyarrow, not line by line."""
    from networks.io import _plain_columns

    for name in ("plain", "weighted", "snap", "konect"):
        assert _plain_columns(EDGE_TEXTS[name].encode()) is not None, name
    for name in ("comments", "leading_zeros", "beyond_int64", "words"):
        assert _plain_columns(EDGE_TEXTS[name].encode()) is None, name


@pytest.mark.parametrize("name", sorted(EDGE_TEXTS))
@pytest.mark.parametrize("weight", [None, "weight", "strength"])
def test_load_arrays_equals_load_then_to_csr(tmp_path, name, weight):
    import networks
    from networks.io import load_arrays

    path = tmp_path / f"{name}.edgelist"
    path.write_text(EDGE_TEXTS[name])
    _same_csr(load_arrays(path, weight=weight), networks.to_csr(networks.load(path), weight=weight))
    gz = tmp_path / f"{name}.txt.gz"
    gz.write_bytes(__import__("gzip").compress(EDGE_TEXTS[name].encode()))
    _same_csr(load_arrays(gz, weight=weight), networks.to_csr(networks.load(gz), weight=weight))


def test_load_arrays_leaves_other_formats_to_load(tmp_path):
    from networks.io import load_arrays

    (tmp_path / "g.csv").write_text("source,target\n1,2\n")
    (tmp_path / "g.edgelist").write_text("1 2\n")
    assert load_arrays(tmp_path / "g.csv") is None
    assert load_arrays(tmp_path / "g.edgelist", directed=True) is None
    assert load_arrays(tmp_path / "g.edgelist", nodes=tmp_path / "g.csv") is None


def test_a_large_file_not_in_the_plain_form_is_refused_in_one_line(tmp_path, monkeypatch):
    """Too big to read line by line through networkx, yet within what arrays may take: one line naming
    the file, before any graph grows."""
    import networks
    from networks import io as netio

    monkeypatch.setattr(netio, "unpack_limit", lambda expansion=netio.TEXT_EXPANSION: 10_000 if expansion == netio.TEXT_EXPANSION else 10**9)
    path = tmp_path / "big.edgelist"
    path.write_text("0 1\n# a comment below the top\n" + "".join(f"{i} {i + 1}\n" for i in range(1, 5_000)))
    with pytest.raises(networks.NetworkError, match=r"big\.edgelist: holds .* only a plain edge list") as info:
        netio.load_arrays(path)
    assert "\n" not in str(info.value)
    plain = tmp_path / "plain.edgelist"
    plain.write_text("".join(f"{i} {i + 1}\n" for i in range(5_000)))
    assert netio.load_arrays(plain).n == 5_001  # the plain form is read within the larger allowance


STRATEGY_CASES = [
    ("degree", {}, {"rule": "independent_cascade", "p": 0.2}),
    ("random", {}, {"rule": "threshold", "threshold": 0.25}),
    ("kcore", {}, {"rule": "absolute_threshold", "k": 2}),
    ("pagerank", {}, {"rule": "sis"}),
    ("degree_discount", {"p": 0.1}, {"rule": "independent_cascade", "p": 0.1}),
    ("given", {"nodes": [10, 31, 77]}, {"rule": "linear_threshold"}),
    ("degree", {}, {"rule": "linear_threshold", "weight": "weight"}),
]


@pytest.mark.parametrize("strategy, options, behaviour", STRATEGY_CASES)
def test_a_run_on_an_edge_list_is_the_same_on_arrays_as_through_networkx(tmp_path, strategy, options, behaviour):
    """The run reads the file straight into arrays (no networkx graph) and gives bit for bit what the
    networkx route gives: final shares, every round, the seeds and their cost."""
    import networkx as nx

    import networks
    from model import BehaviourModel, Scenario, simulate
    from model.simulate import build_graph

    rng = np.random.default_rng(3)
    source, target = _ties(rng, 1_500, 400, offset=10)
    weights = rng.integers(1, 9, len(source)) / 4
    path = tmp_path / "net.edgelist"
    path.write_text("".join(f"{u} {v} {w}\n" for u, v, w in zip(source.tolist(), target.tolist(), weights.tolist(), strict=True)))
    sc = Scenario.model_validate({
        "seed": 5, "steps": 15, "network": {"kind": "file", "path": str(path)},
        "behaviours": [{"name": "a", **behaviour}], "seeding": {"strategy": strategy, "count": 3, **options},
    })
    model = BehaviourModel(sc, agents=False, collect=False, ties_only=True)
    assert model.graph is None and isinstance(model.csr, networks.CSR)  # no networkx graph was built
    assert (model.csr.weights is not None) == ("weight" in behaviour)
    csr = build_graph(sc, ties_only=True)  # what `wellspread run` builds
    assert isinstance(csr, networks.CSR) and isinstance(build_graph(sc), nx.Graph)  # networkx unless asked
    on_arrays, through_networkx = simulate(sc, graph=csr), simulate(sc, graph=networks.load(path))
    assert on_arrays.final == through_networkx.final
    assert np.array_equal(on_arrays.history, through_networkx.history)
    assert np.array_equal(on_arrays.seeds, through_networkx.seeds) and on_arrays.cost == through_networkx.cost
    # replicates as `wellspread run --replicates` makes them (batched where the rule allows)
    from experiments.replicates import run_replicates

    G = networks.load(path)
    for a, b in zip(run_replicates(sc, 3, graph=csr), run_replicates(sc, 3, graph=G), strict=True):
        assert np.array_equal(a.history, b.history) and np.array_equal(a.seeds, b.seeds)


def test_runs_that_read_more_than_ties_keep_the_networkx_graph(tmp_path):
    from model import BehaviourModel, Scenario
    from model.resources import estimate

    path = tmp_path / "net.edgelist"
    path.write_text("1 2\n2 3\n3 4\n4 1\n")
    base = {"seed": 1, "steps": 3, "network": {"kind": "file", "path": str(path)}, "behaviours": [{"name": "a", "rule": "sis"}]}
    ties = Scenario.model_validate(base)
    assert not estimate(ties, ties_only=True).networkx and estimate(ties).networkx
    assert BehaviourModel(ties, agents=False, collect=False, ties_only=True).graph is None
    for change in ({"engine": "python"}, {"seeding": {"strategy": "community", "count": 1}},
                   {"seeding": {"strategy": "degree", "count": 1, "cost": 2.0}}):
        sc = Scenario.model_validate({**base, **change})
        assert BehaviourModel(sc, agents=False, collect=False, ties_only=True).graph is not None, change



def test_compare_max_memory_refuses_before_it_starts(tmp_path):
    """``wellspread compare --max-memory`` as ``run``: sized before anything is built, one line naming
    the file, exit 2, no output folder; a size it cannot read is refused by name."""
    import os

    from tests.edge_cases import BASE, run_cli

    path, other = tmp_path / "s.toml", tmp_path / "t.toml"
    path.write_text(BASE)
    other.write_text(BASE.replace("count = 3", "count = 4"))
    saved = os.environ.pop("WELLSPREAD_MAX_MEMORY", None)
    try:
        for args, named in ((["compare", str(path)], path), (["compare", str(path), str(other)], path)):
            os.environ.pop("WELLSPREAD_MAX_MEMORY", None)  # the CLI hands it on by environment
            code, lines = run_cli([*args, "--max-memory", "1MB", "--replicates", "2", "--out", str(tmp_path / "out")])
            assert code == 2 and len(lines) == 1 and lines[0].startswith(f"error: {named}: "), lines
            assert "the run needs about" in lines[0] and "--max-memory" in lines[0]
            assert not (tmp_path / "out").exists()
        os.environ.pop("WELLSPREAD_MAX_MEMORY", None)
        code, lines = run_cli(["compare", str(path), "--max-memory", "lots"])
        assert code == 2 and len(lines) == 1 and "--max-memory" in lines[0]
        os.environ.pop("WELLSPREAD_MAX_MEMORY", None)
        code, lines = run_cli(["compare", str(path), "--max-memory", "8GB", "--replicates", "2"])
        assert code == 0, lines  # within the limit it runs
    finally:
        os.environ.pop("WELLSPREAD_MAX_MEMORY", None)
        if saved is not None:
            os.environ["WELLSPREAD_MAX_MEMORY"] = saved


def test_the_dashboard_uses_the_command_lines_error_boundary(tmp_path):
    """The page's lines come from ``experiments.userio`` (the CLI's boundary): the same one line, the
    same split between a user's error and a bug; an upload is named by its own name, never the
    server's path; no dashboard module formats an exception itself."""
    import networks
    from dashboards.export import load_scenario_file
    from dashboards.messages import user_message
    from dashboards.state import UPLOAD_DIR, read_upload
    from experiments.userio import user_line

    for exc in (ValueError("steps:\n must be at least 1"), MemoryError(), RecursionError("deep"), OverflowError("big"),
                KeyError("x"), networks.NetworkError("net.edgelist: empty file")):
        line = user_message(exc, "s.toml")
        assert line == user_line(exc, "s.toml") and "\n" not in line and line.startswith("s.toml: "), line
    assert "internal error (KeyError" in user_message(KeyError("x")) and "a number is too large" in user_message(OverflowError("x"))
    path, message = read_upload({"name": "x.edgelist", "data": b"1 2\n1 2 3 4\n"})
    assert path is None and message == "x.edgelist: line 2: expected 'source target [weight]', got 4 field(s)", message
    assert str(UPLOAD_DIR) not in message
    draft, message = load_scenario_file("bad.toml", b"steps = [[\n")
    assert draft is None and message.startswith("bad.toml: ") and "\n" not in message and "/tmp" not in message, message
    for source in (Path(__file__).resolve().parent.parent / "dashboards").glob("*.py"):
        text = source.read_text()
        assert "__name__}: {exc" not in text and "str(exc).replace" not in text, source.name
