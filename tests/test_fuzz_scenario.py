"""The scenario schema survives fuzzing: arbitrary input gives a validation error, never a crash."""

from __future__ import annotations

import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from model import Scenario, ScenarioError, simulate
from networks import NetworkError

scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 50), st.floats(allow_nan=True), st.text(max_size=8))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=8)
rules = st.sampled_from(["independent_cascade", "linear_threshold", "threshold", "absolute_threshold", "sis", "logistic", "nope"])
behaviour = st.fixed_dictionaries(
    {"name": st.text(string.ascii_lowercase, min_size=0, max_size=5), "rule": rules},
    optional={"p": values, "threshold": values, "k": values, "beta": values, "relapse": values, "initial": values, "extra": values},
)
scenario_dicts = st.fixed_dictionaries(
    {},
    optional={
        "seed": values,
        "steps": st.integers(-2, 5) | values,
        "engine": st.sampled_from(["numba", "python", "gpu"]),
        "network": st.fixed_dictionaries(
            {"kind": st.sampled_from(["erdos_renyi", "ring_lattice", "grid_2d", "barabasi_albert", "file", "moon"])},
            optional={"n": st.integers(-3, 40) | values, "mean_degree": values, "k": values, "m": values, "path": values},
        ),
        "behaviours": st.lists(behaviour, max_size=3) | values,
        "seeding": st.fixed_dictionaries(
            {"strategy": st.sampled_from(["random", "degree", "given", "bogus"])},
            optional={"count": st.integers(-2, 60) | values, "nodes": values},
        ),
    },
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario_dicts)
def test_schema_and_run_raise_only_user_errors(data):
    try:
        sc = Scenario.model_validate(data)
    except ValidationError:
        return
    try:
        res = simulate(sc)
    except (NetworkError, ScenarioError):
        return
    assert all(0.0 <= v <= 1.0 for v in res.final.values())


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_toml_reader_raises_only_scenario_errors(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("fuzz") / "s.toml"
    path.write_text(text)
    with pytest.raises(ScenarioError):
        Scenario.from_toml(path)
