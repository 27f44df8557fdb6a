"""BehaviourModel as a Mesa model: agents, DataCollector, groups, stopping, the contract's shapes."""

from __future__ import annotations

import mesa
import networkx as nx
import numpy as np
import pytest

from agents import Person
from model import BehaviourModel, Scenario, ScenarioError, simulate


def base(**over) -> dict:
    d = {
        "seed": 4,
        "steps": 30,
        "network": {"kind": "erdos_renyi", "n": 500, "mean_degree": 6.0},
        "behaviours": [{"name": "activity", "rule": "threshold", "threshold": 0.15}],
        "seeding": {"strategy": "degree", "count": 10},
    }
    d.update(over)
    return d


def deprived_graph() -> nx.Graph:
    G = nx.erdos_renyi_graph(200, 0.05, seed=1)
    for v in G:
        G.nodes[v]["deprivation"] = 1 + v % 5
        G.nodes[v]["age_band"] = "25-44" if v % 2 else "65+"
    return G


def test_mesa_model_with_person_agents():
    m = BehaviourModel(base(engine="python"))
    assert isinstance(m, mesa.Model)
    assert len(m.agents) == 500 and all(isinstance(a, Person) for a in m.agents)
    person = next(iter(m.agents))
    assert person.degree == m.graph.degree(person.node)
    m.step()
    assert set(m.adoption()) == {"activity"}


def test_datacollector_records_each_step_by_group():
    sc = Scenario.model_validate(base(network={"kind": "erdos_renyi", "n": 200}))
    m = BehaviourModel(sc, graph=deprived_graph())
    m.run()
    df = m.datacollector.get_model_vars_dataframe()
    assert len(df) == m.population.t + 1  # step 0 (after seeding) and every round
    assert {"activity", "activity [deprivation=1]", "activity [deprivation=5]"} <= set(df.columns)
    assert df["activity"].iloc[-1] == pytest.approx(m.adoption()["activity"])
    # the group shares average back to the whole (equal-sized quintiles here)
    quintiles = df[[f"activity [deprivation={q}]" for q in range(1, 6)]].mean(axis=1)
    np.testing.assert_allclose(quintiles, df["activity"])


def test_groups_by_any_attribute_and_timeseries_shape():
    res = simulate(base(network={"kind": "erdos_renyi", "n": 200}, groups=["age_band"]), graph=deprived_graph())
    ts = res.timeseries
    assert list(ts.columns[:4]) == ["step", "behaviour", "group", "adopted"]
    assert set(ts["group"]) == {"all", "age_band=25-44", "age_band=65+"}
    assert ts["step"].min() == 0 and ts["step"].max() == res.steps
    first = ts[(ts.step == 0) & (ts.group == "all")]["adopted"].item()
    assert first == pytest.approx(10 / 200)  # step 0 is the state after seeding
    assert res.final_by_group().loc["activity", "all"] == pytest.approx(res.final["activity"])


def test_unknown_group_attribute_is_a_clear_error():
    with pytest.raises(ValueError, match="no person carries the attribute 'income'"):
        simulate(base(groups=["income"]))


def test_run_stops_at_steady_state_and_respects_steps():
    res = simulate(base(steps=500))
    assert res.steps < 500
    m = BehaviourModel(base(steps=500, behaviours=[{"name": "a", "rule": "sis", "beta": 0.3, "relapse": 0.1}]))
    m.run(steps=7)
    assert m.population.t == 7 and m.running


def test_initial_share_and_seeds_count_in_the_final_fraction():
    sc = base(
        behaviours=[{"name": "a", "rule": "threshold", "threshold": 1.0, "initial": 0.1}],
        seeding={"strategy": "random", "count": 5},
    )
    res = simulate(sc)
    assert len(res.seeds) == 5
    # round(0.1 * 500) = 50 at random, besides the 5 seeds; threshold 1.0 rarely lets anyone else in
    assert res.history[0, 0, 0] == pytest.approx(55 / 500)


def test_seeding_only_named_behaviours():
    sc = base(
        behaviours=[
            {"name": "a", "rule": "threshold", "threshold": 1.0},
            {"name": "b", "rule": "threshold", "threshold": 1.0},
        ],
        seeding={"strategy": "random", "count": 5, "behaviours": ["b"]},
        steps=0,
    )
    res = simulate(sc)
    assert res.final == {"a": 0.0, "b": pytest.approx(5 / 500)}


def test_scenario_round_trips_through_toml(tmp_path):
    sc = Scenario.model_validate(
        base(behaviours=[{"name": "a", "rule": "threshold", "threshold": {"dist": "normal", "mean": 0.2, "sd": 0.05}}])
    )
    path = tmp_path / "s.toml"
    path.write_text(sc.to_toml())
    again = Scenario.from_toml(path)
    assert again == sc
    assert simulate(again).timeseries.equals(simulate(sc).timeseries)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"steps": -1}, "steps"),
        ({"engine": "cuda"}, "engine"),
        ({"behaviours": [{"name": "a", "rule": "threshold", "threshold": 1.5}]}, "behaviours.0.threshold"),
        ({"behaviours": [{"name": "a", "rule": "magic"}]}, "behaviours.0"),
        ({"behaviours": [{"name": "a", "rule": "independent_cascade", "pp": 0.1}]}, "behaviours.0.pp"),
        ({"network": {"kind": "erdos_renyi", "n": 10, "meandegree": 3}}, "no parameter 'meandegree'"),
        ({"seeding": {"strategy": "psychic", "count": 3}}, "unknown strategy 'psychic'"),
        ({"behaviours": [{"name": "a", "rule": "sis"}, {"name": "a", "rule": "sis"}]}, "used twice"),
    ],
)
def test_bad_scenarios_name_the_field(change, message, tmp_path):
    import tomli_w

    path = tmp_path / "bad.toml"
    path.write_text(tomli_w.dumps(base(**change)))
    with pytest.raises(ScenarioError) as err:
        Scenario.from_toml(path)
    text = str(err.value)
    assert text.startswith(str(path)) and message in text and "\n" not in text


@pytest.mark.parametrize("strategy", ["random", "degree", "pagerank", "imm"])
def test_networks_built_as_arrays_run_without_networkx(strategy):
    sc = Scenario.model_validate(
        base(
            network={"kind": "barabasi_albert", "n": 3000, "m": 3, "arrays": True},
            behaviours=[{"name": "activity", "rule": "independent_cascade", "p": 0.1}],
            seeding={"strategy": strategy, "count": 15},
        )
    )
    m = BehaviourModel(sc, agents=False)
    assert m.graph is None and m.csr.n == 3000 and len(m.csr.indices) == 2 * 3 * (3000 - 3)
    m.run()
    assert len(m.seeds) == 15 and m.adoption()["activity"] >= 15 / 3000
    # the same scenario with agents gets a networkx view of the same ties
    with_agents = BehaviourModel(sc.model_copy(update={"engine": "python"}))
    assert with_agents.graph.number_of_edges() == 3 * (3000 - 3)
    with_agents.run()
    assert with_agents.adoption() == m.adoption()


def test_arrays_network_refuses_attributes_clearly():
    sc = Scenario.model_validate(
        base(network={"kind": "barabasi_albert", "n": 500, "m": 2, "arrays": True}, groups=["deprivation"])
    )
    with pytest.raises(ValueError, match="carries no attribute 'deprivation'"):
        BehaviourModel(sc, agents=False)


def test_random_streams_are_the_seed_sequence_children():
    """Streams are made one at a time (``SeedSequence(seed, spawn_key=...)``) but must stay the children
    that ``SeedSequence(seed).spawn(9)`` gives, so runs keep their draws: rule keys from child 3's children."""
    from model.rng import derive_key

    sc = Scenario.model_validate(
        {"seed": 77, "steps": 2, "behaviours": [{"name": "a", "rule": "sis"}, {"name": "b", "rule": "threshold"}],
         "seeding": {"strategy": "random", "count": 3}, "network": {"kind": "watts_strogatz", "n": 60, "k": 4, "p": 0.1}}
    )  # fmt: skip
    m = BehaviourModel(sc, agents=False)
    children = np.random.SeedSequence(77).spawn(9)
    rule_children = children[3].spawn(2)
    assert m.population.keys.tolist() == [derive_key(rule_children[0]), derive_key(rule_children[1])]
    assert m.person_key == derive_key(children[6])
    expected = np.random.default_rng(children[1])  # the seeding stream drew the random seeds
    G = sc.network.build(seed=int(children[0].generate_state(1)[0] >> 1))
    from model.targeting import select_seeds

    assert m.seeds.tolist() == select_seeds(G, "random", 3, seed=expected).tolist()


def test_mesas_own_rng_takes_the_scenario_seed():
    """Mesa's rng is seeded with the scenario's seed (``rng=`` overrides it, as batch_run does): the
    root of SeedSequence(seed), apart from the child streams the dynamics draw from."""
    m = BehaviourModel(base(seed=11), agents=False)
    assert m.rng.random(3).tolist() == np.random.default_rng(11).random(3).tolist()
    assert m.random.random() == mesa.Model(rng=11).random.random()
    other = BehaviourModel(base(seed=11), agents=False, rng=12)
    assert other.spec.seed == 12 and other.rng.random() == np.random.default_rng(12).random()


def test_linear_threshold_thresholds_are_keyed_uniform_draws():
    """LT thresholds come from the run key, U(0,1] (Kempe, Kleinberg & Tardos 2003): written out
    only when read, the same numbers every engine sees, and uniform (Kolmogorov-Smirnov at 1%)."""
    from scipy import stats

    from model.rules._params import keyed_thresholds

    sc = Scenario.model_validate(
        {"seed": 5, "steps": 3, "network": {"kind": "watts_strogatz", "n": 20_000, "k": 4, "p": 0.1},
         "behaviours": [{"name": "a", "rule": "linear_threshold"}], "seeding": {"strategy": "random", "count": 5}}
    )  # fmt: skip
    m = BehaviourModel(sc, agents=False)
    assert m.population.keyed_thresholds(0)
    theta = m.population.theta[0]  # reading writes them out
    assert not m.population.keyed_thresholds(0)
    np.testing.assert_array_equal(theta, keyed_thresholds(m.population.keys[0], m.population.n))
    assert theta.min() > 0.0 and theta.max() <= 1.0
    assert stats.kstest(theta, "uniform").pvalue > 0.01
    other = BehaviourModel(sc.model_copy(update={"seed": 6}), agents=False).population.theta[0]
    assert abs(np.corrcoef(theta, other)[0, 1]) < 0.03  # another seed, independent thresholds


@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"interventions": [{"kind": "publicise", "start": 2, "end": 6, "reach": 1.0}]},
        {"turnover": {"rate_per_year": 0.3}},
    ],
    ids=["fused", "interventions", "turnover"],
)
def test_simulate_final_is_the_models_adoption(extra):
    """``Result.final`` is read from the last recorded round; it must equal ``adoption()`` of the same run."""
    sc = Scenario.model_validate(
        {"seed": 4, "steps": 12, "network": {"kind": "town", "n": 800},
         "behaviours": [{"name": "a", "rule": "logistic"}, {"name": "b", "rule": "sis", "beta": 0.1, "relapse": 0.1}],
         "seeding": {"strategy": "degree", "count": 20}, **extra}
    )  # fmt: skip
    m = BehaviourModel(sc, agents=False, collect=False).run()
    assert simulate(sc).final == m.adoption()


def test_population_seed_marks_each_new_adopter_once():
    """``Population.seed``: repeats and people already adopting are skipped, the frontier gets the
    new ones in ascending order, their round is the current one, and a bad position is an error."""
    import networks
    from model.population import Population

    csr = networks.CSR(indptr=np.zeros(11, dtype=np.int64), indices=np.zeros(0, dtype=np.uint32), nodes=range(10))
    pop = Population(csr, ["a"])
    pop.seed(0, np.array([7, 2, 7, 5]))
    assert pop.frontier[0].tolist() == [2, 5, 7]
    pop.t = 3
    pop.seed(0, np.array([5, 9, 1, 9]))
    assert pop.frontier[0].tolist() == [1, 2, 5, 7, 9]
    assert np.flatnonzero(pop.adopted[0]).tolist() == [1, 2, 5, 7, 9]
    assert pop.adopted_at[0].tolist() == [-1, 3, 0, -1, -1, 0, -1, 0, -1, 3]
    with pytest.raises(IndexError):
        pop.seed(0, np.array([10]))
