"""The replicate path that pays set-up once (``model.Replicates``, ``run_replicates``, ``compare``).

Checked against the old path, one ``simulate`` per replicate with ``replicate_seed``: identical runs
wherever the seeds do not depend on the run's seed, and for 1 and 2 worker processes.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

import networks
from experiments.compare import StrategyFailed, compare_strategies, comparison_table
from experiments.replicates import build_graph, replicate_seed, run_replicates, summarise_finals
from model import Replicates, Scenario, simulate
from model.targeting import chosen_by_network, select_seeds


def scenario(strategy="degree", rule=None, n=600, **seeding):
    behaviour = rule or {"name": "x", "rule": "threshold", "threshold": 0.15}
    return Scenario.model_validate(
        {
            "seed": 11,
            "steps": 25,
            "network": {"kind": "barabasi_albert", "n": n, "m": 3},
            "behaviours": [behaviour],
            "seeding": {"strategy": strategy, "count": 12, **seeding},
        }
    )


def old_path(sc, replicates, graph):
    """What ``run_replicates`` did before the replicate path: ``simulate`` per replicate seed."""
    return [simulate(sc.model_copy(update={"seed": replicate_seed(sc.seed, r)}), graph=graph) for r in range(replicates)]


def same(a, b) -> bool:
    return (
        np.array_equal(a.history, b.history)
        and np.array_equal(a.seeds, b.seeds)
        and a.steps == b.steps
        and a.final == b.final
        and a.cost == b.cost
        and a.scenario.seed == b.scenario.seed
    )


IC = {"name": "x", "rule": "independent_cascade", "p": 0.08}


@pytest.mark.parametrize("strategy", ["random", "degree", "kcore", "nomination", "pagerank", "degree_discount"])
def test_choosing_every_run_is_the_old_path_exactly(strategy):
    sc = scenario(strategy, rule=IC)
    G = build_graph(sc)
    new = run_replicates(sc, 6, graph=G, fixed_seeds=False)
    assert all(same(a, b) for a, b in zip(new, old_path(sc, 6, G), strict=True))


@pytest.mark.parametrize("strategy", ["random", "nomination", "given"])
def test_strategies_not_fixed_by_the_network_or_without_ties_are_the_old_path_exactly(strategy):
    extra = {"nodes": list(range(0, 60, 5))} if strategy == "given" else {}
    sc = scenario(strategy, rule=IC, **extra)
    G = build_graph(sc)
    new = run_replicates(sc, 6, graph=G)
    assert all(same(a, b) for a, b in zip(new, old_path(sc, 6, G), strict=True))
    # the per-replicate seeds really vary for the random strategies (so the check above means something)
    if strategy != "given":
        assert len({tuple(r.seeds.tolist()) for r in new}) == 6


@pytest.mark.parametrize("strategy", ["degree", "kcore", "pagerank", "degree_discount"])
def test_fixed_seeds_are_the_scenario_seeds_choice_and_the_dynamics_are_the_old_path(strategy):
    sc = scenario(strategy, rule=IC)
    G = build_graph(sc)
    new = run_replicates(sc, 5, graph=G)
    old = old_path(sc, 5, G)
    assert same(new[0], old[0])  # replicate 0 runs with the scenario's own seed: exactly simulate
    for r, result in enumerate(new):
        assert np.array_equal(result.seeds, new[0].seeds)  # chosen once
        given = sc.model_copy(update={"seed": replicate_seed(sc.seed, r)})
        given = Scenario.model_validate(
            {**given.model_dump(exclude_none=True), "seeding": {"strategy": "given", "nodes": result.seeds.tolist()}}
        )
        assert np.array_equal(result.history, simulate(given, graph=G).history)  # each run's own dynamics
    # independent cascade: the replicates' dynamics differ
    assert len({float(r.history[-1, 0, 0]) for r in new}) > 1


def test_sampled_betweenness_is_estimated_once_from_the_scenarios_seed():
    """A sample of sources estimates betweenness once for all runs (``chosen_by_network``); choosing
    in every run (``fixed_seeds=False``) keeps the old per-run estimate exactly."""
    sc = scenario("betweenness", rule=IC, samples=40)
    G = build_graph(sc)
    new, old = run_replicates(sc, 5, graph=G), old_path(sc, 5, G)
    assert same(new[0], old[0])  # the scenario's own seed: exactly simulate
    assert all(np.array_equal(r.seeds, new[0].seeds) for r in new)  # one estimate
    assert len({tuple(np.sort(r.seeds).tolist()) for r in old}) > 1  # the per-run samples do differ
    every_run = run_replicates(sc, 5, graph=G, fixed_seeds=False)
    assert all(same(a, b) for a, b in zip(every_run, old, strict=True))


def test_compare_cli_can_choose_seeds_in_every_run(tmp_path):
    """``compare --choose-each-run`` is ``fixed_seeds=False``: each run's own betweenness sample."""
    import pandas as pd
    from typer.testing import CliRunner

    from experiments.cli import app

    sc = scenario("betweenness", rule=IC, samples=40)
    path = tmp_path / "s.toml"
    path.write_text(
        'seed = 11\nsteps = 25\n[network]\nkind = "barabasi_albert"\nn = 600\nm = 3\n'
        '[[behaviours]]\nname = "x"\nrule = "independent_cascade"\np = 0.08\n'
        '[seeding]\nstrategy = "betweenness"\ncount = 12\nsamples = 40\n'
    )
    tables = {}
    for flag in ([], ["--choose-each-run"]):
        out = tmp_path / ("each" if flag else "once")
        result = CliRunner().invoke(app, ["compare", str(path), "--strategies", "betweenness", "--replicates", "6",
                                          "--workers", "1", "--out", str(out), *flag])  # fmt: skip
        assert result.exit_code == 0, result.output
        tables[bool(flag)] = pd.read_csv(out / "comparison.csv").set_index("strategy").loc["betweenness", "final"]
    G = build_graph(sc)
    old = np.mean([r.final["x"] for r in old_path(sc, 6, G)])
    once = np.mean([r.final["x"] for r in run_replicates(sc, 6, graph=G)])
    assert tables[True] == pytest.approx(old, abs=1e-12) and tables[False] == pytest.approx(once, abs=1e-12)
    assert old != once  # the two paths differ here, so the check above tells them apart


def test_the_worker_template_warms_up_on_one_cheap_round_of_the_scenario(tmp_path):
    """``compare`` and ``run --replicates`` start the worker template on the scenario file: one round
    with random seeds (so a costly choice such as celf never holds up the forks), same rules."""
    from experiments.sweep_cluster import _one_cheap_round, _warm_on_scenario

    path = tmp_path / "s.toml"
    path.write_text('seed = 1\nsteps = 50\n[network]\nkind = "watts_strogatz"\nn = 200\n'
                    '[[behaviours]]\nname = "x"\nrule = "threshold"\n[seeding]\nstrategy = "celf"\ncount = 3\n')
    _warm_on_scenario(str(path))  # the template's own call (its errors are swallowed there: none here)

    sc = scenario("celf", rule=IC, trials=50)
    cheap = _one_cheap_round(sc)
    assert cheap.steps == 1 and cheap.seeding.strategy == "random" and cheap.seeding.params == {}
    assert cheap.seeding.count == sc.seeding.count and cheap.behaviours == sc.behaviours and cheap.network == sc.network
    assert simulate(cheap).steps == 1


def test_degree_without_ties_at_the_cut_is_the_old_path_exactly():
    """Where no tie straddles the cut the seed set is the same whatever the tie-break, so runs match
    (only the order of equal-degree seeds in ``Result.seeds`` differs)."""
    G = nx.star_graph(40)
    for leaf in range(1, 12):  # the hub and 11 people of degree 2 make the top 12; everyone else has 1
        G.add_edge(leaf, 40 + leaf)
    sc = scenario("degree", rule=IC)
    assert sc.seeding.count == 12
    new, old = run_replicates(sc, 5, graph=G), old_path(sc, 5, G)
    assert len({tuple(r.seeds.tolist()) for r in old}) > 1  # the old path's order does vary
    for a, b in zip(new, old, strict=True):
        assert np.array_equal(np.sort(a.seeds), np.sort(b.seeds))
        assert np.array_equal(a.history, b.history)


def test_results_do_not_depend_on_the_number_of_workers():
    sc = scenario("random", rule=IC)
    G = build_graph(sc)
    strategies = ["random", "degree", "nomination"]
    one = compare_strategies(sc, strategies, 5, graph=G, workers=1)
    two = compare_strategies(sc, strategies, 5, graph=G, workers=2)
    for name in strategies:
        assert len(one[name]) == len(two[name]) == 5
        assert all(same(a, b) for a, b in zip(one[name], two[name], strict=True))
    # and run_replicates in two processes is the old path for a per-replicate strategy
    assert all(same(a, b) for a, b in zip(run_replicates(sc, 5, graph=G, workers=2), old_path(sc, 5, G), strict=True))


def test_a_strategy_that_cannot_run_gets_a_row_saying_why_and_the_others_finish():
    sc = scenario("random", rule={"name": "x", "rule": "absolute_threshold", "k": 2})
    runs = compare_strategies(sc, ["random", "imm", "degree"], 3)
    assert isinstance(runs["imm"], StrategyFailed) and "absolute_threshold" in runs["imm"].reason
    assert len(runs["random"]) == len(runs["degree"]) == 3
    table = comparison_table(runs).set_index("strategy")
    assert "absolute_threshold" in table.loc["imm", "error"]
    assert np.isnan(table.loc["imm", "final"]) and np.isfinite(table.loc["degree", "final"])


def test_compare_cli_reports_the_bad_strategy_and_finishes(tmp_path):
    from typer.testing import CliRunner

    from experiments.cli import app

    path = tmp_path / "s.toml"
    path.write_text(
        'seed = 1\nsteps = 10\n[network]\nkind = "watts_strogatz"\nn = 300\n'
        '[[behaviours]]\nname = "x"\nrule = "absolute_threshold"\nk = 2\n[seeding]\nstrategy = "random"\ncount = 6\n'
    )
    result = CliRunner().invoke(app, ["compare", str(path), "--strategies", "degree,imm", "--replicates", "2", "--workers", "1", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "could not run" in result.output and "imm" in result.output
    csv = (tmp_path / "out" / "comparison.csv").read_text()
    assert "degree" in csv and "absolute_threshold" in csv


def test_summaries_from_arrays_match_the_timeseries():
    sc = scenario("random", rule=IC)
    results = run_replicates(sc, 4)
    summary = summarise_finals(results)
    assert all("timeseries" not in r.__dict__ for r in results)  # no DataFrame made per replicate
    for row in summary.to_dict(orient="records"):
        values = [r.final_by_group().loc[row["behaviour"], row["group"]] for r in results]
        assert row["mean"] == pytest.approx(np.mean(values), abs=0) and row["runs"] == 4


def test_chosen_by_network_sorts_the_strategies():
    assert all(chosen_by_network(s, {}, 500) for s in ["given", "degree", "kcore", "pagerank", "eigenvector", "betweenness"])
    assert not any(chosen_by_network(s, {}, 500) for s in ["random", "nomination", "community", "celf", "ris", "imm"])
    assert chosen_by_network("betweenness", {}, 5000) and chosen_by_network("betweenness", {"samples": 50}, 5000)
    assert chosen_by_network("clustered", {}, 10) and not chosen_by_network("clustered", {"centre": "random"}, 10)


def test_replicates_reuse_one_conversion_and_one_plan():
    sc = scenario("degree", rule=IC)
    runner = Replicates(sc)
    first = runner.run(replicate_seed(sc.seed, 3))  # any replicate first: the plan is the scenario seed's
    assert np.array_equal(first.seeds, simulate(sc, graph=runner.graph).seeds)
    plan = runner.plan
    runner.run(99)
    assert runner.plan is plan


# --- csr_of on unfrozen graphs ------------------------------------------------------------------------


def test_csr_of_is_reused_until_networkx_changes_the_graph():
    G = nx.barabasi_albert_graph(300, 2, seed=1)
    csr = networks.csr_of(G)
    assert networks.csr_of(G) is csr
    G.add_edge(0, 299)
    again = networks.csr_of(G)
    assert again is not csr and np.array_equal(again.indptr, networks.to_csr(G).indptr)
    G.remove_edge(0, 299)
    G.add_edge(1, 298)  # same number of people and ties, different ties
    swapped = networks.csr_of(G)
    assert np.array_equal(swapped.indices, networks.to_csr(G).indices)
    G.nodes[5]["colour"] = "red"  # attributes do not change the ties: still reused
    assert networks.csr_of(G) is swapped


def test_forget_forces_a_rebuild_after_private_edits():
    G = nx.path_graph(5)
    csr = networks.csr_of(G)
    G._adj[0][4] = G._adj[4][0] = {}  # behind networkx's back: not seen ...
    assert networks.csr_of(G) is csr
    networks.csr.forget(G)  # ... until forgotten
    assert networks.csr_of(G).degree.tolist() == [2, 2, 2, 2, 2]


def test_views_are_fingerprinted():
    G = nx.path_graph(6)
    view = G.subgraph(range(5))
    assert networks.csr_of(view).degree.tolist() == [1, 2, 2, 2, 1]
    G.add_edge(0, 4)  # the view follows its graph without being told
    assert networks.csr_of(view).degree.tolist() == [2, 2, 2, 2, 2]


# --- degree from the arrays -----------------------------------------------------------------------------


def _old_degree(G, count, seed):
    nodes = list(G.nodes)
    degree = dict(G.degree)
    values = np.array([degree[v] for v in nodes], dtype=float)
    order = np.lexsort((np.random.default_rng(seed).permutation(len(nodes)), -values))
    return [nodes[i] for i in order[:count]]


@pytest.mark.parametrize("relabel", [False, True])
def test_degree_from_arrays_is_the_networkx_ranking(relabel):
    G = nx.barabasi_albert_graph(500, 2, seed=3)
    G.add_edge(7, 7)  # networkx counts a self-loop twice
    if relabel:
        G = nx.relabel_nodes(G, {v: f"p{v}" for v in G})
    for seed in range(5):
        for count in (0, 1, 10, 499, 500):
            assert select_seeds(G, "degree", count, seed=seed).tolist() == _old_degree(G, count, seed)


def _identical(a, b) -> bool:
    """Every field of two results, arrays by value (the batch path against one run at a time)."""
    return (
        same(a, b)
        and a.scenario == b.scenario
        and a.scenario.model_fields_set == b.scenario.model_fields_set
        and a.history.dtype == b.history.dtype
        and np.array_equal(a.costs, b.costs)
        and a.indicator_rows == b.indicator_rows
        and a.people_adopting == b.people_adopting
        and a.group_sizes == b.group_sizes
        and a.groups == b.groups
        and np.array_equal(a.seed_rounds, b.seed_rounds)
        and np.array_equal(a.initial_adopters, b.initial_adopters)
        and a.timeseries.equals(b.timeseries)
    )


@pytest.mark.parametrize(
    "kind, steps, stop, p",
    [("ba", 100, True, 0.05), ("ba", 3, True, 0.3), ("ws", 40, False, 0.1), ("ws", 100, True, 0.02)],
)
def test_batched_cascades_are_the_runs_one_at_a_time(kind, steps, stop, p):
    """Independent cascade replicates go through the rule's batch kernel (``numba_runs``): every
    field of every result equals ``Replicates.run`` with the same seed, by group, whether the run
    stops when steady or at the step limit, and across chunk boundaries."""
    G = nx.barabasi_albert_graph(1500, 3, seed=1) if kind == "ba" else nx.watts_strogatz_graph(1500, 6, 0.1, seed=1)
    nx.set_node_attributes(G, {v: "f" if v % 3 else "m" for v in G}, "sex")
    sc = Scenario.model_validate({
        "seed": 5, "steps": steps, "stop_when_steady": stop, "engine": "numba", "groups": ["sex"],
        "behaviours": [{"name": "b", "rule": "independent_cascade", "p": p}], "seeding": {"strategy": "degree", "count": 20},
    })  # fmt: skip
    runs = Replicates(sc, G)
    seeds = [replicate_seed(5, r) for r in range(30)]
    batched = list(runs.runs(seeds, chunk=7))
    assert runs._batch, "independent cascade with fixed seeds should take the batch path"
    assert all(_identical(a, runs.run(s)) for a, s in zip(batched, seeds, strict=True))
    assert len({r.people_adopting for r in batched}) > 1  # the runs do differ


@pytest.mark.parametrize(
    "change",
    [{"behaviours": [{"name": "b", "rule": "independent_cascade", "p": 0.1, "initial": 0.01}]},  # initial adopters drawn per run
     {"behaviours": [{"name": "b", "rule": "threshold", "threshold": 0.2}]},  # no batch kernel
     {"seeding": {"strategy": "random", "count": 20}}],  # seeds chosen per run
)
def test_runs_that_differ_in_more_than_a_key_go_one_at_a_time(change):
    base = {"seed": 5, "steps": 30, "network": {"kind": "barabasi_albert", "n": 800, "m": 3},
            "behaviours": [{"name": "b", "rule": "independent_cascade", "p": 0.1}], "seeding": {"strategy": "degree", "count": 20}}
    sc = Scenario.model_validate({**base, **change})
    runs = Replicates(sc)
    seeds = [replicate_seed(5, r) for r in range(5)]
    got = list(runs.runs(seeds))
    assert runs._batch is None
    assert all(_identical(a, runs.run(s)) for a, s in zip(got, seeds, strict=True))
