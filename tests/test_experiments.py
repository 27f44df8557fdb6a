"""Experiment specs, ranges, designs, run identity and seeds, metrics, reports (no Dask cluster here)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments.design import decimal_range
from experiments.experiment import Experiment, apply_params, network_seed, run_id_of, seed_of
from model.scenario import ScenarioError

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "experiments" / "examples"

BASE = {
    "steps": 20,
    "network": {"kind": "barabasi_albert", "n": 200, "m": 2},
    "behaviours": [{"name": "activity", "rule": "independent_cascade", "p": 0.1}],
    "seeding": {"strategy": "random", "count": 5},
}


def exp_of(**kw) -> Experiment:
    data = {"seed": 3, "replicates": 2, "base": BASE, **kw}
    return Experiment.from_dict(data, source="exp.toml")


# --- parsing ---------------------------------------------------------------------------------------
def test_targeting_example_parses():
    exp = Experiment.from_toml(EXAMPLES / "targeting.toml")
    assert exp.name == "targeting"
    assert exp.paths == ["seeding.strategy", "behaviours.0.p"]
    assert len(exp.points) == len(exp.vary["seeding.strategy"]) * 4
    assert exp.n_runs == len(exp.points) * exp.replicates
    assert exp.param_types == {"seeding.strategy": "str", "behaviours.0.p": "float"}
    assert exp.metrics.keep_timeseries is True
    sc = exp.scenario(len(exp.points) - 1)
    assert sc.seeding.strategy == exp.vary["seeding.strategy"][-1] and sc.behaviours[0].p == 0.15
    from model.targeting import STRATEGIES

    assert set(exp.vary["seeding.strategy"]) <= set(STRATEGIES)


def test_sensitivity_example_parses():
    exp = Experiment.from_toml(EXAMPLES / "sensitivity.toml")
    d = len(exp.design.bounds)
    assert exp.design.kind == "sobol"
    assert len(exp.points) == exp.design.samples * (2 * d + 2)
    counts = [p["seeding.count"] for p in exp.points]
    assert all(isinstance(c, int) and 1 <= c <= 50 for c in counts)


def test_base_from_file_and_toml_round_trip(tmp_path):
    (tmp_path / "sc.toml").write_text(
        'steps = 10\n[network]\nkind = "erdos_renyi"\nn = 100\n[[behaviours]]\nname = "a"\nrule = "sis"\nbeta = 0.1\n'
    )
    (tmp_path / "exp.toml").write_text(
        'seed = 2\nreplicates = 2\nbase = "sc.toml"\n[vary]\n"behaviours.a.beta" = [0.1, 0.2]\n'
    )
    exp = Experiment.from_toml(tmp_path / "exp.toml")
    assert [p["behaviours.a.beta"] for p in exp.points] == [0.1, 0.2]
    assert exp.scenario(1).behaviours[0].beta == 0.2


# --- ranges ----------------------------------------------------------------------------------------
def test_decimal_ranges_are_exact():
    assert decimal_range(0.1, 0.3, 0.1) == [0.1, 0.2, 0.3]
    assert decimal_range(0.0, 1.0, 0.1)[3] == 0.3  # not 0.30000000000000004
    assert decimal_range(10, 50, 10) == [10, 20, 30, 40, 50]
    assert all(isinstance(v, int) for v in decimal_range(10, 50, 10))
    assert decimal_range(0.5, 0.1, -0.2) == [0.5, 0.3, 0.1]
    assert decimal_range(0, 1, 0.3) == [0.0, 0.3, 0.6, 0.9]
    with pytest.raises(ValueError, match="step must not be 0"):
        decimal_range(0, 1, 0)
    with pytest.raises(ValueError, match="never reaches"):
        decimal_range(0, 1, -0.1)


def test_vary_range_in_spec():
    exp = exp_of(vary={"behaviours.0.p": {"start": 0.1, "stop": 0.3, "step": 0.1}, "seeding.count": [1, 2]})
    assert [p["behaviours.0.p"] for p in exp.points] == [0.1, 0.1, 0.2, 0.2, 0.3, 0.3]
    assert exp.points[2] == {"behaviours.0.p": 0.2, "seeding.count": 1}


def test_mixed_int_float_values_normalised():
    exp = exp_of(vary={"behaviours.0.p": [0, 0.5]})
    assert exp.param_types["behaviours.0.p"] == "float"
    assert [p["behaviours.0.p"] for p in exp.points] == [0.0, 0.5]
    assert all(isinstance(p["behaviours.0.p"], float) for p in exp.points)


# --- identity and seeds ----------------------------------------------------------------------------
def test_run_ids_and_seeds_are_pure_functions():
    a = exp_of(vary={"behaviours.0.p": [0.1, 0.2]})
    b = exp_of(vary={"behaviours.0.p": [0.3, 0.2, 0.1]})  # another order, one more point
    ids_a = {(r.params["behaviours.0.p"], r.replicate): (r.run_id, r.seed) for r in a.plan()}
    ids_b = {(r.params["behaviours.0.p"], r.replicate): (r.run_id, r.seed) for r in b.plan()}
    for key, value in ids_a.items():
        assert ids_b[key] == value
    plan = a.plan()
    assert len({r.run_id for r in plan}) == len(plan)
    assert all(0 <= r.seed < 2**63 for r in plan)
    assert plan[0].seed == seed_of(3, plan[0].run_id, 0)
    assert plan[0].run_id == run_id_of(a.base_key, 3, {"behaviours.0.p": 0.1}, 0)
    # another root seed or base gives other ids
    assert exp_of(seed=4, vary={"behaviours.0.p": [0.1, 0.2]}).plan()[0].run_id != plan[0].run_id
    assert a.identity() != b.identity()


def test_common_random_numbers():
    exp = exp_of(vary={"behaviours.0.p": [0.1, 0.2]}, rng_streams="common")
    plan = exp.plan()
    by_rep = {}
    for r in plan:
        by_rep.setdefault(r.replicate, set()).add(r.seed)
    assert all(len(s) == 1 for s in by_rep.values())
    assert by_rep[0] != by_rep[1]


def test_network_seed_matches_behaviour_model():
    from experiments.replicates import build_graph
    from model import Scenario

    sc = Scenario.model_validate({**BASE, "seed": 17})
    G1 = build_graph(sc)
    G2 = sc.network.build(seed=network_seed(17))
    assert sorted(G1.edges) == sorted(G2.edges)


def test_apply_params_by_index_and_name():
    base = {"behaviours": [{"name": "a", "p": 0.1}, {"name": "b", "p": 0.2}], "network": {"kind": "x"}}
    out = apply_params(base, {"behaviours.1.p": 0.5, "behaviours.a.p": 0.3, "network.mean_degree": 6.0})
    assert out["behaviours"][0]["p"] == 0.3 and out["behaviours"][1]["p"] == 0.5
    assert out["network"]["mean_degree"] == 6.0
    assert base["behaviours"][0]["p"] == 0.1  # untouched


# --- designs ---------------------------------------------------------------------------------------
def test_latin_hypercube_bounds():
    exp = exp_of(
        design={
            "kind": "latin_hypercube",
            "samples": 20,
            "bounds": {"behaviours.0.p": {"low": 0.05, "high": 0.2}, "seeding.count": {"low": 1, "high": 10}},
        }
    )
    assert len(exp.points) == 20
    p = np.array([pt["behaviours.0.p"] for pt in exp.points])
    c = [pt["seeding.count"] for pt in exp.points]
    assert ((p >= 0.05) & (p <= 0.2)).all()
    assert all(isinstance(x, int) and 1 <= x <= 10 for x in c)
    # one sample per stratum: each of 20 equal slices of [low, high] holds exactly one value
    strata = np.floor((p - 0.05) / (0.15 / 20)).astype(int).clip(0, 19)
    assert sorted(strata) == list(range(20))
    assert exp.param_types == {"behaviours.0.p": "float", "seeding.count": "int"}


@pytest.mark.parametrize("second_order,per", [(True, lambda d: 2 * d + 2), (False, lambda d: d + 2)])
def test_sobol_sample_count(second_order, per):
    bounds = {"behaviours.0.p": [0.01, 0.3], "seeding.count": [1, 20], "network.m": [1, 4]}
    exp = exp_of(design={"kind": "sobol", "samples": 16, "second_order": second_order, "bounds": bounds})
    assert len(exp.points) == 16 * per(3)
    assert exp.raw.shape == (16 * per(3), 3)


def test_sobol_deterministic_and_crossed_with_vary():
    spec = {"kind": "sobol", "samples": 8, "bounds": {"behaviours.0.p": [0.01, 0.3], "seeding.count": [1, 20]}}
    a = exp_of(design=spec, vary={"seeding.strategy": ["random", "degree"]})
    b = exp_of(design=spec, vary={"seeding.strategy": ["random", "degree"]})
    assert a.points == b.points
    n = 8 * (2 * 2 + 2)
    assert len(a.points) == 2 * n
    assert [p["seeding.strategy"] for p in a.points[:n]] == ["random"] * n
    assert a.samples[:n] == list(range(n)) and a.samples[n:] == list(range(n))


def test_morris_design():
    bounds = {"behaviours.0.p": [0.0, 0.4], "seeding.count": [1, 9]}
    exp = exp_of(design={"kind": "morris", "samples": 5, "levels": 4, "bounds": bounds})
    assert len(exp.points) == 5 * (2 + 1)
    p = sorted({round(pt["behaviours.0.p"], 12) for pt in exp.points})
    assert set(p) <= {0.0, round(0.4 / 3, 12), round(0.8 / 3, 12), 0.4}  # a 4-level grid


# --- errors name the file and the field -------------------------------------------------------------
def _write(tmp_path, text) -> Path:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    return path


BASE_TOML = """
[base]
steps = 10
[base.network]
kind = "erdos_renyi"
n = 100
[[base.behaviours]]
name = "activity"
rule = "independent_cascade"
p = 0.1
"""


@pytest.mark.parametrize(
    "text,pattern",
    [
        (
            "seed = 1\n" + BASE_TOML + '[vary]\n"behaviours.0.p" = [0.1, 1.5]\n',
            r'vary\."behaviours\.0\.p" = 1\.5.*behaviours\.0\.p.*1',
        ),
        (
            "seed = 1\n" + BASE_TOML + '[vary]\n"seeding.strategy" = ["random", "psychic"]\n',
            r'vary\."seeding\.strategy" = .psychic.*unknown strategy',
        ),
        (
            "seed = 1\n" + BASE_TOML + '[vary]\n"behaviours.3.p" = [0.1]\n',
            r"vary: behaviours\.3: index 3 is out of range",
        ),
        (
            "seed = 1\n" + BASE_TOML + '[vary]\n"behaviours.0.p" = {start = 0.1, stop = 0.3}\n',
            r'vary\."behaviours\.0\.p": a range needs',
        ),
        ("seed = 1\n" + BASE_TOML + '[vary]\n"behaviours.0.p" = 0.1\n', r'vary\."behaviours\.0\.p": give a list'),
        ("seed = 1\n" + BASE_TOML + '[vary]\n"behaviours.0.p" = []\n', r"empty"),
        ("seed = 1\nreplicate = 3\n" + BASE_TOML, r"bad\.toml: replicate: unknown key"),
        ("seed = 1\nreplicates = 0\n" + BASE_TOML, r"bad\.toml: replicates: must be a positive integer"),
        ("seed = -1\n" + BASE_TOML, r"bad\.toml: seed: must be a non-negative integer"),
        ("seed = 1\n", r"bad\.toml: base: missing"),
        ("seed = 1\n" + BASE_TOML.replace("erdos_renyi", "erdos"), r"bad\.toml: base\.network: unknown network kind"),
        ("seed = 1\n" + BASE_TOML.replace("p = 0.1", "p = 2.0"), r"bad\.toml: base\.behaviours\.0\.p: "),
        ("seed = 1\nrng_streams = 'shared'\n" + BASE_TOML, r"rng_streams: must be one of"),
        (
            "seed = 1\n"
            + BASE_TOML
            + '[design]\nkind = "sobol"\nsamples = 10\n[design.bounds]\n"behaviours.0.p" = {low = 0.0, high = 0.2}\n"seeding.count" = {low = 1, high = 5}\n',
            r"design\.samples: a Sobol design needs a power of two",
        ),
        (
            "seed = 1\n"
            + BASE_TOML
            + '[design]\nkind = "sobol"\nsamples = 8\n[design.bounds]\n"behaviours.0.p" = {low = 0.3, high = 0.2}\n',
            r'design\.bounds\."behaviours\.0\.p": low',
        ),
        (
            "seed = 1\n"
            + BASE_TOML
            + '[design]\nkind = "lhs"\nsamples = 8\n[design.bounds]\n"behaviours.0.p" = {low = 0.5, high = 1.5}\n',
            r'design\.bounds\."behaviours\.0\.p" = .*invalid scenario',
        ),
        ("seed = 1\n" + BASE_TOML + '[design]\nkind = "fancy"\n', r"design\.kind: must be one of"),
        ("seed = 1\n" + BASE_TOML + "[metrics]\nthresholds = [0.5, 2]\n", r"metrics\.thresholds"),
        ("seed = 1\n" + BASE_TOML + "[metrics]\nseries = true\n", r"metrics\.series: unknown key"),
        ("seed = 1\n" + BASE_TOML + '[vary]\n"seed" = [1, 2]\n', r'vary\."seed": the seed is not varied'),
        ("seed = 1\n[base\n", r"bad\.toml: not valid TOML"),
    ],
)
def test_errors_name_file_and_field(tmp_path, text, pattern):
    path = _write(tmp_path, text)
    with pytest.raises(ScenarioError) as info:
        Experiment.from_toml(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(str(path)), message
    assert re.search(pattern, message), message


def test_missing_file():
    with pytest.raises(ScenarioError, match="file not found"):
        Experiment.from_toml("does/not/exist.toml")


# --- metrics of one run ----------------------------------------------------------------------------
def test_metrics_of_a_run():
    from experiments.runner import metrics_of
    from model import Scenario, simulate

    sc = Scenario.model_validate(
        {
            **BASE,
            "seed": 1,
            "network": {"kind": "town", "n": 300},
            "behaviours": [{"name": "activity", "rule": "threshold", "threshold": 0.1}],
            "seeding": {"strategy": "degree", "count": 10},
        }
    )
    res = simulate(sc)
    row = metrics_of(res, thresholds=(0.25, 0.5), keep_timeseries=True)
    assert row["final.activity"] == res.final["activity"]
    assert row["steps"] == res.steps
    ts = res.timeseries
    everyone = ts[ts["group"] == "all"]["adopted"].to_numpy()
    reached = np.flatnonzero(everyone >= 0.5)
    assert row["time.activity.0.5"] == (float(reached[0]) if len(reached) else None)
    assert row["series.activity"] == everyone.tolist()
    last = res.final_by_group()
    for g in last.columns:
        if g != "all":
            assert row[f"final.activity.{g}"] == last.loc["activity", g]
    assert (
        row["gap.activity.deprivation"] == last.loc["activity", "deprivation=5"] - last.loc["activity", "deprivation=1"]
    )


# --- results folder and report without a cluster -----------------------------------------------------
def _serial_sweep(exp: Experiment, out: Path, batches: int = 3) -> None:
    """Write a results folder by running batches in this process (the worker function, no Dask)."""
    from experiments.runner import run_batch
    from experiments.store import Store

    store = Store(out)
    store.prepare(exp)
    plan = exp.plan()
    payload = exp.payload(retries=0)
    size = -(-len(plan) // batches)
    for i in range(0, len(plan), size):
        store.write_part(run_batch(payload, [tuple(r) for r in plan[i : i + size]]))
    store.unlock()


def test_report_grid_renders_html_with_images(tmp_path):
    from experiments.report import report
    from experiments.store import load_results

    exp = exp_of(
        replicates=3,
        vary={"seeding.strategy": ["random", "degree"], "behaviours.0.p": [0.1, 0.3]},
        metrics={"keep_timeseries": True},
    )
    _serial_sweep(exp, tmp_path / "res")
    df = load_results(tmp_path / "res")
    assert len(df) == exp.n_runs and (df["status"] == "ok").all()
    path = report(tmp_path / "res")
    assert path == tmp_path / "res" / "report.html"
    page = path.read_text()
    assert page.count('<img src="data:image/png;base64,') >= 2
    for name in ("adoption_curves.png", "comparison.png", "summary.csv"):
        assert (tmp_path / "res" / name).stat().st_size > 0, name
    assert (tmp_path / "res" / "adoption_curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    summary = pd.read_csv(tmp_path / "res" / "summary.csv")
    row = summary[(summary["point"] == 0) & (summary["metric"] == "final.activity")].iloc[0]
    finals = df[df["point"] == 0]["final.activity"]
    assert row["mean"] == pytest.approx(finals.mean())
    assert row["ci_low"] <= row["mean"] <= row["ci_high"]


def test_report_sobol_indices(tmp_path):
    from experiments.report import report

    exp = exp_of(
        replicates=1,
        design={"kind": "sobol", "samples": 8, "bounds": {"behaviours.0.p": [0.05, 0.5], "seeding.count": [1, 20]}},
    )
    _serial_sweep(exp, tmp_path / "res")
    page = report(tmp_path / "res", out=tmp_path / "rep").read_text()
    assert '<img src="data:image/png;base64,' in page
    ind = pd.read_csv(tmp_path / "rep" / "sensitivity.csv")
    assert set(ind["index"]) == {"S1", "ST", "S2"}
    assert set(ind[ind["index"] == "S1"]["parameter"]) == {"behaviours.0.p", "seeding.count"}
    assert (tmp_path / "rep" / "sensitivity_final.activity.png").exists()
    assert (ind["low"] <= ind["value"]).all() and (ind["value"] <= ind["high"]).all()


def test_report_morris_and_incomplete(tmp_path):
    from experiments.report import report
    from experiments.store import Store

    exp = exp_of(
        replicates=1,
        design={"kind": "morris", "samples": 4, "bounds": {"behaviours.0.p": [0.05, 0.5], "seeding.count": [1, 20]}},
    )
    _serial_sweep(exp, tmp_path / "res")
    report(tmp_path / "res")
    ind = pd.read_csv(tmp_path / "res" / "sensitivity.csv")
    assert {"mu_star", "mu", "sigma"} <= set(ind["index"])
    # a folder with only part of the design: the report says so instead of analysing
    exp2 = exp_of(
        replicates=1,
        seed=9,
        design={"kind": "morris", "samples": 4, "bounds": {"behaviours.0.p": [0.05, 0.5], "seeding.count": [1, 20]}},
    )
    from experiments.runner import run_batch

    store = Store(tmp_path / "part")
    store.prepare(exp2)
    store.write_part(run_batch(exp2.payload(0), [tuple(r) for r in exp2.plan()[:3]]))
    store.unlock()
    page = report(tmp_path / "part").read_text()
    assert "the analysis needs every point" in page


def test_slurm_job_script_has_the_options():
    from experiments.runner import slurm_cluster

    cluster = slurm_cluster(queue="short", cores=8, memory="16GB", walltime="02:00:00", account="proj42")
    try:
        script = cluster.job_script()
    finally:
        cluster.close()
    assert "#SBATCH -p short" in script
    assert "#SBATCH -A proj42" in script
    assert "#SBATCH -t 02:00:00" in script
    assert "#SBATCH --cpus-per-task=8" in script
    assert "--nworkers 8" in script and "--nthreads 1" in script
    assert "--lifetime 115m" in script
    assert "export NUMBA_NUM_THREADS=1" in script
    assert 'export NUMBA_CACHE_DIR="${NUMBA_CACHE_DIR:-${TMPDIR:-/tmp}/wellspread-numba-$(id -u)}"' in script
    assert "--preload model" in script
    assert "export DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED=False" in script


def test_import_experiments_is_cheap():
    import subprocess
    import sys

    code = "import sys, experiments; print(sorted(m for m in ('distributed', 'duckdb', 'model', 'matplotlib', 'SALib') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True).stdout
    assert out.strip() == "[]"
