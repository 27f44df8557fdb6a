"""Observed starting states (``initial`` from an attribute, a probability or a file): not seeds, not costed,
kept in the "doing nothing" arm, the same in both engines; bad input is one line naming file and field."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from experiments.cli import app
from experiments.programme import appraise
from model import Scenario, simulate
from model.behaviour_model import BehaviourModel
from model.scenario import ScenarioError


def smokers_graph(n: int = 400, seed: int = 3) -> nx.Graph:
    """A small-world graph whose people carry a smoking status (30% smoke) and a probability."""
    G = nx.watts_strogatz_graph(n, 6, 0.1, seed=seed)
    rng = np.random.default_rng(seed)
    for v in G:
        G.nodes[v]["smoker"] = "Yes" if rng.random() < 0.3 else "No"
        G.nodes[v]["p_start"] = float(rng.choice([0.0, 0.5, 1.0]))
    return G


def scenario(initial, engine: str = "numba", seed: int = 1, **extra) -> Scenario:
    return Scenario.model_validate(
        {
            "seed": seed, "steps": 12, "engine": engine,
            "behaviours": [{"name": "not_smoking", "rule": "independent_cascade", "p": 0.05, "initial": initial}],
            "seeding": {"count": 0}, **extra,
        }
    )  # fmt: skip


def test_attribute_values_give_exactly_the_observed_starting_state_in_both_engines():
    G = smokers_graph()
    observed = np.array([G.nodes[v]["smoker"] == "No" for v in G])
    initial = {"attribute": "smoker", "values": ["No"]}
    runs = {engine: simulate(scenario(initial, engine), graph=G) for engine in ("numba", "python")}
    for res in runs.values():
        assert res.history[0, 0, 0] == pytest.approx(observed.mean())  # step-0 prevalence = observed
        assert len(res.seeds) == 0 and res.cost == 0.0 and res.initial_adopters.tolist() == [observed.sum()]
        assert res.steps > 1 and res.history[-1, 0, 0] > res.history[0, 0, 0]  # and they spread by the rule
    np.testing.assert_array_equal(runs["numba"].history, runs["python"].history)
    model = BehaviourModel(scenario(initial), graph=G)
    np.testing.assert_array_equal(model.population.adopted[0].astype(bool), observed)
    assert (model.population.adopted_at[0][observed] == 0).all()


def test_no_seeds_no_interventions_means_no_cost_and_no_qalys_gained():
    """The issue's hand case: an observed start, nobody seeded, nothing intervening."""
    G = smokers_graph()
    valued = {"behaviours": {"not_smoking": {"values": "not_smoking", "healthy_state": "adopting"}}}
    sc = scenario({"attribute": "smoker", "values": ["No"]}, economics=valued)
    appraisal = appraise(sc, 3, graph=G)
    table = appraisal.economics.set_index("metric")["mean"]
    assert table["programme_cost"] == 0.0 and table["incremental_qalys"] == 0.0
    assert table["incremental_cost"] == 0.0 and table["net_monetary_benefit@20000"] == 0.0
    assert (appraisal.table[["incremental_cost", "incremental_qalys", "costs_avoided"]] == 0.0).all().all()
    # the cascade did spread from the observed start, in both arms alike: zero is not for want of change
    assert all(r.history[-1, 0, 0] > r.history[0, 0, 0] for r in appraisal.runs)
    share = np.mean([G.nodes[v]["smoker"] == "No" for v in G])
    for arm in (appraisal.runs, appraisal.baselines):  # the doing-nothing arm starts from the data too
        assert all(r.history[0, 0, 0] == pytest.approx(share) for r in arm)


def test_initial_adopters_are_not_seeds_and_stay_when_the_programme_is_removed():
    G = smokers_graph()
    sc = scenario({"attribute": "smoker", "values": ["No"]})
    seeded = sc.model_copy(update={"seeding": sc.seeding.model_copy(update={"strategy": "degree", "count": 5})})
    with_seeds, without = simulate(seeded, graph=G), simulate(sc, graph=G)
    assert with_seeds.cost == 5.0 and without.cost == 0.0  # only the seeds are paid for
    observed = sum(G.nodes[v]["smoker"] == "No" for v in G)
    already = sum(G.nodes[v]["smoker"] == "No" for v in with_seeds.seeds)
    assert round(with_seeds.history[0, 0, 0] * len(G)) == observed + 5 - already
    assert with_seeds.adopters_gained() == round(with_seeds.history[-1, 0, 0] * len(G)) - observed - 5 + already


def test_probability_attribute_draws_the_same_people_for_the_same_seed_whatever_the_seeding():
    G = smokers_graph(2000)
    p = np.array([G.nodes[v]["p_start"] for v in G])
    initial = {"probability_attribute": "p_start"}
    a = BehaviourModel(scenario(initial, seed=7), graph=G).population.adopted[0].astype(bool)
    seeded = scenario(initial, seed=7).model_copy(update={"seeding": Scenario.model_validate(
        {"behaviours": [{"name": "x", "rule": "sis"}], "seeding": {"strategy": "degree", "count": 20}}).seeding})
    model = BehaviourModel(seeded, graph=G)
    b = model.population.adopted[0].astype(bool)
    b[model.seed_plan.positions] = a[model.seed_plan.positions]  # seeds aside, the same people
    np.testing.assert_array_equal(a, b)
    assert a[p == 1.0].all() and not a[p == 0.0].any()
    # the p = 0.5 people: Binomial(m, 1/2); 4 standard deviations
    half = a[p == 0.5]
    assert abs(half.sum() - len(half) / 2) < 4 * np.sqrt(len(half) / 4)
    other = BehaviourModel(scenario(initial, seed=8), graph=G).population.adopted[0].astype(bool)
    assert (other != a).any()  # another run seed, other draws


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_a_file_column_keyed_by_node_id(tmp_path, suffix):
    G = nx.relabel_nodes(smokers_graph(), {v: 1000 + v for v in range(400)})
    table = pd.DataFrame({"hh": list(G), "status": [G.nodes[v]["smoker"] for v in G]}).sample(frac=1, random_state=1)
    path = tmp_path / f"status.{suffix}"
    table.to_csv(path, index=False) if suffix == "csv" else table.to_parquet(path)
    by_file = {"file": str(path), "column": "status", "id_column": "hh", "values": ["No"]}
    by_attribute = {"attribute": "smoker", "values": ["No"]}
    a = simulate(scenario(by_file), graph=G)
    b = simulate(scenario(by_attribute), graph=G)
    np.testing.assert_array_equal(a.history, b.history)


def test_a_file_path_resolves_beside_the_scenario_file(tmp_path):
    G = smokers_graph(60)
    nx.write_edgelist(G, tmp_path / "g.edgelist", data=False)
    pd.DataFrame({"id": list(G), "quit": [int(G.nodes[v]["smoker"] == "No") for v in G]}).to_csv(tmp_path / "s.csv", index=False)
    (tmp_path / "sc.toml").write_text(
        'steps = 3\n[network]\nkind = "file"\npath = "g.edgelist"\n[seeding]\ncount = 0\n'
        '[[behaviours]]\nname = "q"\nrule = "independent_cascade"\np = 0.0\n'
        'initial = { file = "s.csv", column = "quit" }\n'
    )
    res = simulate(Scenario.from_toml(tmp_path / "sc.toml"))
    assert res.history[0, 0, 0] == pytest.approx(np.mean([G.nodes[v]["smoker"] == "No" for v in G]))


@pytest.mark.parametrize(
    "initial, needle",
    [
        ({"attribute": "smokes", "values": ["No"]}, "behaviours.0.initial.attribute: the network's people do not all carry the attribute 'smokes'"),
        ({"probability_attribute": "smoker"}, "behaviours.0.initial.probability_attribute: node attribute 'smoker': not a number"),
        ({"file": "nowhere.csv", "column": "x"}, "nowhere.csv: file not found"),
        ({"file": "{d}/bad_ids.csv", "column": "quit"}, "bad_ids.csv: column 'id': 1 id(s) not in the network (e.g. 999)"),
        ({"file": "{d}/bad_ids.csv", "column": "nope"}, "bad_ids.csv: column 'nope' is not a column"),
        ({"file": "{d}/bad_p.csv", "column": "quit"}, "bad_p.csv: column 'quit': must be a probability in [0, 1]"),
    ],
)
def test_bad_initial_is_one_line_naming_the_file_and_field(tmp_path, initial, needle):
    G = smokers_graph(20)
    pd.DataFrame({"id": [*G, 999], "quit": [0] * 21}).to_csv(tmp_path / "bad_ids.csv", index=False)
    pd.DataFrame({"id": list(G), "quit": [2] * 20}).to_csv(tmp_path / "bad_p.csv", index=False)
    initial = {k: v.format(d=tmp_path) if isinstance(v, str) else v for k, v in initial.items()}
    with pytest.raises(ScenarioError) as err:
        BehaviourModel(scenario(initial), graph=G)
    message = str(err.value)
    assert "\n" not in message and needle in message, message


def test_bad_initial_from_the_command_line_exits_2_with_one_line(tmp_path):
    (tmp_path / "sc.toml").write_text(
        'steps = 3\n[network]\nkind = "erdos_renyi"\nn = 50\nmean_degree = 4\n[seeding]\ncount = 0\n'
        '[[behaviours]]\nname = "q"\nrule = "independent_cascade"\n'
        'initial = { file = "missing.parquet", column = "quit" }\n'
    )
    r = CliRunner().invoke(app, ["run", str(tmp_path / "sc.toml")])
    assert r.exit_code == 2, r.output
    assert "missing.parquet: file not found" in r.output and "Traceback" not in r.output


def test_the_schema_still_takes_a_random_share_and_rejects_half_forms():
    assert scenario(0.1).behaviours[0].initial_share == 0.1
    for bad in ({"attribute": "smoker"}, {"file": "x.txt", "column": "c"}, {"values": ["No"]}, 1.5):
        with pytest.raises(Exception, match="initial"):
            scenario(bad)
