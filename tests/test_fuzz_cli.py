"""The fuzzer of issue 15, kept: broken scenarios, experiments and network files through the CLI.

Every case is a file a hostile or careless user might write (valid but merely large runs, a
million people or more that are not refused, are the benchmarks' business, not the fuzzer's): a valid scenario with a few fields set to
hostile values (huge or non-finite numbers, wrong types, deep nesting, emoji codes, unknown keys),
network files of random bytes or token soup (plain, gzip, big node ids), and experiment files with
hostile ``vary``/``replicates``/``design``. Each must end in success or in exit 2 with exactly one
stderr line that starts with ``error: <the file>:``; never a traceback, never a hang (60 s a case).

``make test`` runs a small budget (``FUZZ_EXAMPLES`` cases per test, a few seconds); set
``WELLSPREAD_FUZZ=2000`` for the long run, which also caps the process's address space at 8 GB
(``ulimit -v``) and writes the figures to ``$WELLSPREAD_FUZZ_REPORT`` (default
``test-results/fuzz-cli.json``).
"""

from __future__ import annotations

import atexit
import collections
import gzip
import json
import os
import resource
import signal
import tomllib
from pathlib import Path

import pytest
import tomli_w
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.edge_cases import BASE, run_cli

LONG = int(os.environ.get("WELLSPREAD_FUZZ", "0") or 0)
FUZZ_EXAMPLES = LONG or 15
CASE_SECONDS = 60
# no "explain" phase: it re-runs a failing case under a line tracer, 10x slower, and a slow case looks hung
FUZZ = settings(max_examples=FUZZ_EXAMPLES, deadline=None, database=None, derandomize=not LONG,
                phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                       HealthCheck.data_too_large])
TALLY: collections.Counter = collections.Counter()

if LONG:  # a dedicated run: the memory cases must meet the cap they are meant for
    _cap = 8 * 1024**3
    resource.setrlimit(resource.RLIMIT_AS, (_cap, _cap))

    @atexit.register
    def _write_report() -> None:  # also every 50 cases, so a long run that is stopped leaves its figures
        path = Path(os.environ.get("WELLSPREAD_FUZZ_REPORT", "test-results/fuzz-cli.json"))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(dict(TALLY), indent=1, sort_keys=True))


# --------------------------------------------------------------------------- hostile values

HOSTILE_NUMBERS = st.sampled_from([
    0, 1, -1, 2, 3, 7, 2**31, 2**63 - 1, 2**63, -(2**63) - 1, 10**30, 10**12, 10**9,
    0.0, -0.0, 0.5, 1.0, 1.5, -2.5, 1e-320, 5e-324, 1e308, 1e300, 1e9, float("inf"), float("-inf"), float("nan"),
])
HOSTILE_TEXT = st.sampled_from(["", " ", "x", "root:x:0", ":thumbs_up:", "[bold]b[/bold]", "é\u202e", "\x00", "/dev/zero",
                                "/etc/passwd", "..", "deprivation", "degree", "random", "file", "a" * 300])
#: values that often make a valid scenario, so the fuzz reaches the runs and not only the schema
PLAUSIBLE = st.sampled_from([0, 1, 2, 3, 4, 6, 10, 30, 0.05, 0.1, 0.2, 0.3, 0.5, 0.9, 1.0, 2.0, 52.0, True, False,
                             "degree", "random", "pagerank", "kcore", "numba", "python", "deprivation"])
SCALARS = st.one_of(HOSTILE_NUMBERS, HOSTILE_TEXT, st.booleans(), st.integers(), st.floats())
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(HOSTILE_TEXT, inner, max_size=3),
                      max_leaves=6)

PATHS = [
    "seed", "steps", "engine", "threads", "weeks_per_step", "stop_when_steady", "groups", "bogus",
    "network.kind", "network.n", "network.mean_degree", "network.m", "network.k", "network.p", "network.arrays",
    "network.width", "network.groups", "network.exponent", "network.min_degree", "network.degrees", "network.bogus",
    "behaviours.0.rule", "behaviours.0.p", "behaviours.0.k", "behaviours.0.threshold", "behaviours.0.beta",
    "behaviours.0.relapse", "behaviours.0.initial", "behaviours.0.name", "behaviours.0.weight",
    "seeding.strategy", "seeding.count", "seeding.budget", "seeding.cost", "seeding.nodes", "seeding.phases",
    "seeding.seed", "seeding.T", "seeding.q", "seeding.p", "seeding.behaviours",
    "interventions", "timeline", "organisations", "stress", "turnover", "economics", "reinvest",
]
RULES = ["independent_cascade", "linear_threshold", "threshold", "absolute_threshold", "sis", "logistic"]
KINDS = ["erdos_renyi", "watts_strogatz", "barabasi_albert", "powerlaw_cluster", "stochastic_block", "configuration",
         "ring_lattice", "grid_2d", "town", "file", "dataset"]
STRATEGIES = ["random", "degree", "given", "betweenness", "celf", "clustered", "community", "degree_discount",
              "eigenvector", "diffusion_centrality", "dispersed", "group", "kcore", "nomination", "organisation",
              "pagerank", "ris", "imm"]
INTERVENTIONS = st.fixed_dictionaries(
    {"kind": st.sampled_from(["recruit", "campaign", "environment", "publicise", "bring_together", "nope"])},
    optional={"start": HOSTILE_NUMBERS, "end": HOSTILE_NUMBERS, "ties": HOSTILE_NUMBERS, "every": HOSTILE_NUMBERS,
              "lasts": HOSTILE_NUMBERS, "effect": HOSTILE_NUMBERS, "reach": HOSTILE_NUMBERS,
              "scope": st.sampled_from(["local", "online", "area", "x"]),
              "target": st.one_of(st.sampled_from(["everyone", "seeds", "x"]),
                                  st.fixed_dictionaries({"attribute": HOSTILE_TEXT, "values": VALUES})),
              "seeding": st.fixed_dictionaries({"strategy": st.sampled_from(STRATEGIES)}, optional={"count": HOSTILE_NUMBERS}),
              "cost_per_person": HOSTILE_NUMBERS},
)
TIMELINE = st.fixed_dictionaries({"template": st.sampled_from(["three_phase", "x"])},
                                 optional={"ends": st.lists(HOSTILE_NUMBERS, min_size=3, max_size=3), "recruits": HOSTILE_NUMBERS,
                                           "events_ties": HOSTILE_NUMBERS, "environment_quintiles": VALUES})


def _value_for(path: str):
    if path == "network.kind":
        return st.sampled_from(KINDS)
    if path == "behaviours.0.rule":
        return st.sampled_from(RULES)
    if path == "seeding.strategy":
        return st.sampled_from(STRATEGIES)
    if path == "interventions":
        return st.lists(INTERVENTIONS, max_size=2)
    if path == "timeline":
        return TIMELINE
    return st.one_of(PLAUSIBLE, PLAUSIBLE, PLAUSIBLE, PLAUSIBLE, HOSTILE_NUMBERS, VALUES)


def _set(data: dict, path: str, value) -> None:
    node = data
    parts = path.split(".")
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
    if isinstance(node, list):
        node[int(parts[-1])] = value
    else:
        node[parts[-1]] = value


@st.composite
def scenario_texts(draw) -> tuple[str, dict[str, bytes]]:
    """(scenario TOML text, {file name: bytes}) of a base scenario with hostile fields or files."""
    data = tomllib.loads(BASE)
    files: dict[str, bytes] = {}
    for path in draw(st.lists(st.sampled_from(PATHS), min_size=1, max_size=3, unique=True)):
        if path == "network.kind":  # another kind takes other parameters: start its table afresh
            data["network"] = {"n": data["network"].get("n", 200)}
        _set(data, path, draw(_value_for(path)))
    if data["network"].get("kind") == "file" or draw(st.integers(0, 4)) == 0:
        name, content = draw(network_files())
        files[name] = content
        data["network"] = {"kind": "file", "path": name, **({"format": draw(st.sampled_from(["edgelist", "csv", "gml"]))}
                                                           if draw(st.booleans()) else {})}
    try:
        text = tomli_w.dumps(data)
    except (TypeError, ValueError):  # TOML has no null: such a draw is a text TOML cannot hold
        text = BASE
    if draw(st.integers(0, 9)) == 0:  # broken TOML too
        cut = draw(st.integers(0, len(text)))
        text = text[:cut] + draw(st.sampled_from(["[", "= ", "[[x", '"', "x = " + "[" * 300]))
    return text, files


TOKENS = st.sampled_from(["1", "2", "-3", "a", "0.5", "nan", "inf", str(2**63), str(2**64 + 1), "#", "%", ",", ";", "\t", " ",
                          "\n", "source", "target", "weight", "graph [", "node [", "edge [", "id", "]", "\x00", "é"])


@st.composite
def network_files(draw) -> tuple[str, bytes]:
    ext = draw(st.sampled_from(["edgelist", "csv", "gml", "graphml", "net", "edgelist.gz", "csv.gz", "txt"]))
    shape = draw(st.integers(0, 2))
    if shape == 0:  # a valid edge list, some ids and weights hostile
        hostile = draw(st.integers(0, 2))  # 0: none, 1: hostile ids, 2: hostile weights
        ids = st.integers(0, 30) if hostile != 1 else st.one_of(
            st.integers(0, 30), st.sampled_from([2**63 - 1, 2**63, 2**64 + 1, -(2**63), "a", "x-y"]))
        weights = st.one_of(st.none(), st.floats(0.1, 5)) if hostile != 2 else st.one_of(st.floats(), st.integers(0, 3))
        with_weights = draw(st.booleans())
        edges = draw(st.lists(st.tuples(ids, ids, weights if with_weights else st.none()), min_size=1, max_size=40))
        sep = "," if ext.startswith("csv") else " "
        head = "source,target,weight\n" if ext.startswith("csv") else ""
        content = (head + "".join(f"{u}{sep}{v}" + ("" if w is None else f"{sep}{w}") + "\n" for u, v, w in edges)).encode()
        ext = "csv.gz" if ext == "csv.gz" else ("csv" if ext.startswith("csv") else "edgelist")
    elif shape == 1:
        content = "".join(draw(st.lists(TOKENS, max_size=80))).encode()
    else:
        content = draw(st.binary(max_size=300))
    if ext.endswith(".gz") and draw(st.booleans()):
        content = gzip.compress(content)
    return f"net.{ext}", content


@st.composite
def experiment_texts(draw) -> str:
    data = {"name": "fuzz", "seed": draw(st.one_of(st.just(1), HOSTILE_NUMBERS)), "base": tomllib.loads(BASE)}
    if draw(st.booleans()):
        data["replicates"] = draw(st.one_of(st.just(2), HOSTILE_NUMBERS, st.just(10**7)))
    vary = {}
    for path in draw(st.lists(st.sampled_from(PATHS[:30]), max_size=2, unique=True)):
        vary[path] = draw(st.one_of(
            st.lists(PLAUSIBLE, min_size=1, max_size=4, unique_by=repr),
            st.lists(PLAUSIBLE, min_size=1, max_size=4, unique_by=repr),
            st.lists(st.one_of(HOSTILE_NUMBERS, HOSTILE_TEXT), max_size=4),
            st.fixed_dictionaries({"start": HOSTILE_NUMBERS, "stop": HOSTILE_NUMBERS, "step": HOSTILE_NUMBERS}),
            VALUES,
        ))
    if vary:
        data["vary"] = vary
    if draw(st.integers(0, 3)) == 0:
        data["design"] = {"kind": draw(st.sampled_from(["sobol", "morris", "latin_hypercube", "x"])),
                          "samples": draw(HOSTILE_NUMBERS), "bounds": {"behaviours.0.p": draw(st.lists(HOSTILE_NUMBERS, max_size=3))}}
    try:
        return tomli_w.dumps(data)
    except (TypeError, ValueError):
        return tomli_w.dumps({"name": "fuzz", "base": tomllib.loads(BASE)})


# --------------------------------------------------------------------------- the property


class _Hang(BaseException):
    pass


def _alarm(signum, frame):
    raise _Hang


def _judge(kind: str, path: Path, code, lines: list[str]) -> None:
    """Tally the outcome and fail on a traceback, a hang or a line that does not name the file."""
    if LONG and sum(TALLY.values()) % 50 == 49:
        _write_report()
    if code == 0:
        TALLY[f"{kind}: ok"] += 1
        return
    if code == "hang":
        TALLY[f"{kind}: hang"] += 1
    elif code != 2 or any("Traceback" in line for line in lines):
        TALLY[f"{kind}: traceback or exit {code}"] += 1
    elif len(lines) != 1:
        TALLY[f"{kind}: {len(lines)} lines"] += 1
    elif not lines[0].startswith(f"error: {path}: "):
        TALLY[f"{kind}: line without the file"] += 1
    else:
        TALLY[f"{kind}: exit 2, one line naming the file"] += 1
        return
    pytest.fail(f"{kind} {path}: exit {code}: {lines[-5:]}\n{path.read_text(errors='replace')[:2000]}")


def _timed(args: list[str]):
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(CASE_SECONDS)
    try:
        return run_cli(args)
    except _Hang:
        return "hang", []
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz-cli")


@FUZZ
@given(case=scenario_texts())
def test_fuzzed_scenarios_succeed_or_end_in_one_line_naming_the_file(folder, case):
    text, files = case
    for name, content in files.items():
        (folder / name).write_bytes(content)
    path = folder / "scenario.toml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    code, lines = _timed(["run", str(path)])
    _judge("scenario", path, code, lines)


@FUZZ
@given(case=network_files(), strategy=st.sampled_from(["random", "degree", "pagerank", "kcore"]))
def test_fuzzed_network_files_succeed_or_end_in_one_line_naming_the_file(folder, case, strategy):
    name, content = case
    (folder / name).write_bytes(content)
    path = folder / "network.toml"
    path.write_text(BASE.replace('kind = "erdos_renyi"', f'kind = "file"\npath = "{name}"').replace("mean_degree = 4.0\n", "").replace(
        'strategy = "degree"', f'strategy = "{strategy}"'))
    code, lines = _timed(["run", str(path)])
    _judge("network file", path, code, lines)


@FUZZ
@given(text=experiment_texts())
def test_fuzzed_experiments_validate_or_end_in_one_line_naming_the_file(folder, text):
    """Reading and planning an experiment (what ``wellspread sweep`` does before any worker starts)."""
    import typer

    from experiments.experiment import Experiment
    from experiments.userio import user_errors

    path = folder / "experiment.toml"
    path.write_text(text)

    def plan():
        import contextlib
        import io

        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            try:
                with user_errors(path):
                    exp = Experiment.from_toml(path)
                    next(exp.iter_plan(), None)
                code = 0
            except typer.Exit as exc:
                code = exc.exit_code
        return code, [ln for ln in err.getvalue().splitlines() if ln.strip()]

    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(CASE_SECONDS)
    try:
        code, lines = plan()
    except _Hang:
        code, lines = "hang", []
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    _judge("experiment", path, code, lines)
