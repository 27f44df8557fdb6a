"""BehaviourModel follows Mesa's conventions: flat parameters for batch_run and SolaraViz sliders,
``rng=None`` as fresh randomness (the scenario's seed when it sets one), no clash with Mesa's
reserved ``scenario`` argument, agents made with ``create_agents``."""

from __future__ import annotations

import warnings

import ipyvuetify as v
import mesa
import networkx as nx
import numpy as np
import pytest
import solara
from mesa.visualization import Slider, SolaraViz

from agents import Person
from model import BehaviourModel, Scenario

# 2,000 people and 20 first adopters: two fresh runs share a 6-step trajectory with negligible probability
# (with 200 and 3, small stalled cascades coincided in one CI run)
FLAT = {"n": 2000, "mean_degree": 6.0, "rule": "independent_cascade", "p": 0.15, "count": 20}


def _runs(rows: list[dict], steps: int) -> list[tuple]:
    """Each run's adoption trajectory, in run order (a run may stop early at a steady state)."""
    runs: dict[int, list] = {}
    for r in sorted(rows, key=lambda r: (r["RunId"], r["Step"])):
        assert r["Step"] <= steps
        runs.setdefault(r["RunId"], []).append(r["activity"])
    return [tuple(runs[i]) for i in sorted(runs)]


def test_batch_run_flat_parameters_iterations_give_different_replicates():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # Mesa deprecates iterations= for rng=[None] * n
        rows = mesa.batch_run(BehaviourModel, {**FLAT, "p": [0.1, 0.2]}, iterations=3, max_steps=6, data_collection_period=1,
                              number_processes=1, display_progress=False)
    for p in (0.1, 0.2):
        runs = _runs([r for r in rows if r["p"] == p], 6)
        assert len(runs) == 3
        assert len(set(runs)) == 3, f"p={p}: three iterations gave {runs}"  # fresh randomness each run


def test_batch_run_with_a_seed_parameter_repeats_the_run():
    rows = mesa.batch_run(BehaviourModel, {**FLAT, "seed": 7}, rng=[None, None], max_steps=6, data_collection_period=1,
                          number_processes=1, display_progress=False)
    a, b = _runs(rows, 6)
    assert a == b  # the scenario's seed fixes the run when rng is None


def test_batch_run_rng_values_seed_the_runs():
    rows = mesa.batch_run(BehaviourModel, FLAT, rng=[3, 3, 4], max_steps=6, data_collection_period=1, number_processes=1, display_progress=False)
    a, b, c = _runs(rows, 6)
    assert a == b != c
    m = BehaviourModel(**FLAT, rng=3)
    assert m.spec.seed == 3


def test_rng_none_uses_the_scenario_seed_only_when_set():
    sc = Scenario.model_validate({"network": {"n": 300}, "behaviours": [{"name": "activity", "rule": "independent_cascade", "p": 0.2}]})
    seeds = {BehaviourModel(sc).spec.seed for _ in range(4)}
    assert len(seeds) == 4  # no seed in the scenario: fresh, and recorded in spec.seed
    fixed = sc.model_copy(update={"seed": 7})
    assert {BehaviourModel(fixed).spec.seed for _ in range(3)} == {7}
    m = BehaviourModel(sc)
    again = BehaviourModel(m.spec)  # the recorded seed repeats the run
    assert (m.run().population.adopted == again.run().population.adopted).all()
    assert BehaviourModel(fixed, rng=11).spec.seed == 11
    gen = BehaviourModel(sc, rng=np.random.default_rng(5)).spec.seed
    assert gen == BehaviourModel(sc, rng=np.random.default_rng(5)).spec.seed


def test_positional_spec_and_deprecated_scenario_keyword():
    G = nx.erdos_renyi_graph(100, 0.05, seed=1)
    sc = Scenario.model_validate({"seed": 2, "behaviours": [{"name": "activity", "rule": "threshold", "threshold": 0.2}]})
    m = BehaviourModel(sc, graph=G)
    assert m.spec is sc
    assert isinstance(m.scenario, mesa.experimental.scenarios.Scenario)  # Mesa's own, untouched
    with pytest.warns(DeprecationWarning, match="scenario=.*deprecated"):
        old = BehaviourModel(scenario=sc, graph=G)
    assert old.spec is sc and (old.population.adopted == m.population.adopted).all()
    with pytest.raises(TypeError, match="once"), pytest.warns(DeprecationWarning):
        BehaviourModel(sc, scenario=sc)


def test_flat_parameters_over_a_scenario_and_dotted_paths():
    sc = Scenario.model_validate({"seed": 1, "network": {"n": 120},
                                  "behaviours": [{"name": "walk", "rule": "sis", "beta": 0.1, "relapse": 0.05}]})
    m = BehaviourModel(sc, **{"behaviours.walk.beta": 0.3}, count=4)
    assert m.spec.behaviours[0].beta == 0.3 and m.spec.seeding.count == 4 and m.spec.network.n == 120
    assert m.spec.seed == 1
    switched = BehaviourModel.from_params(rule="absolute_threshold", k=2, rng=0)
    assert switched.spec.behaviours[0].rule == "absolute_threshold" and switched.spec.behaviours[0].k == 2
    with pytest.raises(ValueError, match="no entry named 'nobody'"):
        BehaviourModel.from_params(**{"behaviours.nobody.p": 0.1})


def test_agents_made_with_create_agents():
    m = BehaviourModel.from_params(n=80, rng=3)
    assert len(m.agents) == 80 and all(type(a) is Person for a in m.agents)
    assert [p.index for p in m.people] == list(range(80))
    assert [p.node for p in m.people] == list(m.csr.nodes)
    assert sorted(a.unique_id for a in m.agents) == list(range(1, 81))


def test_solaraviz_reset_builds_a_fresh_model_from_the_sliders():
    model = solara.Reactive(BehaviourModel.from_params(n=60, rng=1))
    params = {
        "n": Slider("people", 60, 20, 200, 10),
        "p": Slider("p", 0.1, 0.0, 1.0, 0.05),
        "rule": "independent_cascade",
    }
    page = SolaraViz(model, components=[], model_params=params, name="wellspread")
    _, rc = solara.render(solara.AppLayout(children=[page]), handle_error=False)
    first = model.value
    rc.find(v.Btn, children=["Step"]).assert_single()
    rc.find(v.Btn, children=["Step"]).widget.click()
    assert first.population.t == 1
    rc.find(v.Btn, children=["Reset"]).widget.click()
    fresh = model.value
    assert fresh is not first and isinstance(fresh, BehaviourModel)
    assert fresh.population.t == 0
    assert fresh.spec.network.n == 60 and fresh.spec.behaviours[0].rule == "independent_cascade"
    assert fresh.spec.behaviours[0].p == 0.1
    rc.close()
