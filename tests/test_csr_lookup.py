"""CSR id lookups and the conversion cache: vectorised seed lookups, frozen graphs, changed graphs."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

import networks
from model import BehaviourModel, Scenario, ScenarioError
from model.targeting import TargetingError, select_seeds
from networks import CSR, NetworkError, csr_of
from networks import csr as csr_module


def arrays(n: int = 50) -> CSR:
    csr = networks.to_csr(nx.cycle_graph(n))
    return CSR(indptr=csr.indptr, indices=csr.indices, nodes=range(n))


# --- CSR.positions --------------------------------------------------------------------------------------


def test_positions_on_arrays_are_a_bounds_check_with_the_same_answers_as_position():
    csr = arrays()
    for nodes in ([3, 0, 49, 3], np.array([7, 8], dtype=np.uint32), (5,), [], [np.int64(2), 4], iter([1, 2])):
        got = csr.positions(nodes)
        assert got.dtype == np.int64
        assert got.tolist() == [csr.position(v) for v in (nodes if not hasattr(nodes, "__next__") else [1, 2])]
    assert csr.positions([True, 3]).tolist() == [1, 3]  # as position(): bools are ints


@pytest.mark.parametrize(
    "nodes, named",
    [([1, 50, -1], "50"), ([1, -1], "-1"), (np.array([3, 99]), "99"), ([1, 2.0], "2.0"), ([1, "a"], "'a'"), ([1, [2, 3]], r"\[2, 3\]")],
)
def test_positions_on_arrays_name_the_first_missing_node(nodes, named):
    with pytest.raises(NetworkError, match=rf"^node {named} is not in the graph$"):
        arrays().positions(nodes)


def test_positions_on_networkx_ids_is_one_dict_pass():
    G = nx.relabel_nodes(nx.path_graph(5), {i: f"p{i}" for i in range(5)})
    csr = networks.to_csr(G)
    assert csr.positions(["p3", "p0"]).tolist() == [3, 0]
    assert csr.positions(np.array(["p1"], dtype=object)).tolist() == [1]
    with pytest.raises(NetworkError, match=r"^node 'zz' is not in the graph$"):
        csr.positions(["p1", "zz", "yy"])
    ints = networks.to_csr(nx.path_graph(5))  # ids as a list (networkx graph), not a range
    assert ints.positions(np.array([4, 1])).tolist() == [4, 1]
    with pytest.raises(NetworkError, match=r"^node 5 is not in the graph$"):
        ints.positions([5])


# --- the 'given' strategy and its seeding plan -----------------------------------------------------------


def test_given_seeds_on_arrays_and_on_networkx():
    csr = arrays()
    assert select_seeds(csr, "given", 0, nodes=[4, 2, 4]).tolist() == [4, 2]
    G = nx.relabel_nodes(nx.cycle_graph(10), {i: f"p{i}" for i in range(10)})
    assert select_seeds(networks.to_csr(G), "given", 0, nodes=["p4", "p2"]).tolist() == ["p4", "p2"]
    assert select_seeds(G, "given", 0, nodes=["p4", "p2"]).tolist() == ["p4", "p2"]
    for graph, nodes, named in ((csr, [1, 60, 70], "60"), (csr, [1, "x"], "'x'"), (networks.to_csr(G), ["p1", "q"], "'q'"), (G, ["p1", "q"], "'q'")):
        with pytest.raises(TargetingError, match=rf"^seeding.nodes: node {named} is not in the network$"):
            select_seeds(graph, "given", 0, nodes=nodes)


def test_given_seeds_keep_first_occurrences_in_order():
    """The array path drops repeats as ``dict.fromkeys`` does: each id where it first appears."""
    from model.targeting.basic import first_occurrences

    rng = np.random.default_rng(4)
    for _ in range(50):
        ids = rng.integers(0, 30, size=rng.integers(0, 40))
        assert first_occurrences(ids).tolist() == list(dict.fromkeys(ids.tolist()))
    assert select_seeds(arrays(), "given", 0, nodes=np.array([7, 3, 7, 1, 3])).tolist() == [7, 3, 1]


def test_seed_ids_are_converted_once_per_list():
    """``SeedingSpec.node_array`` caches the array form of ``nodes``, but a copy with other nodes gets its own."""
    from model.specs import SeedingSpec

    spec = SeedingSpec(strategy="given", nodes=[4, 2])
    first = spec.node_array()
    assert first.tolist() == [4, 2] and spec.node_array() is first and not first.flags.writeable
    assert spec.model_copy(update={"nodes": [5]}).node_array().tolist() == [5]
    assert SeedingSpec(strategy="given", nodes=["a", 1]).node_array() == ["a", 1]  # not integers: as given
    assert SeedingSpec(strategy="given", nodes=[1.5]).node_array() == [1.5]
    assert SeedingSpec(strategy="given", nodes=[2**63]).node_array() == [2**63]  # beyond int64: as given
    ids = SeedingSpec(strategy="given", nodes=[np.int32(3), 2**62, -1]).node_array()
    assert ids.dtype == np.int64 and ids.tolist() == [3, 2**62, -1]  # -1 is refused later, by the network


def test_given_seeds_in_a_model_built_as_arrays():
    sc = Scenario.model_validate(
        {
            "seed": 1,
            "steps": 3,
            "network": {"kind": "barabasi_albert", "n": 2000, "m": 2, "arrays": True},
            "behaviours": [{"name": "a", "rule": "threshold", "threshold": 1.0}],
            "seeding": {"strategy": "given", "nodes": [10, 3, 1999]},
        }
    )
    m = BehaviourModel(sc)
    assert m.seed_plan.positions.tolist() == [10, 3, 1999]
    bad = sc.model_copy(update={"seeding": sc.seeding.model_copy(update={"nodes": [3, 2000]})})
    with pytest.raises(ScenarioError, match=r"^scenario: seeding.nodes: node 2000 is not in the network$"):
        BehaviourModel(bad)


# --- csr_of: reuse while unchanged, frozen graphs without a check ----------------------------------------


def test_changed_graphs_are_converted_again():
    G = nx.cycle_graph(30)
    first = csr_of(G)
    assert csr_of(G) is first
    G.remove_edge(0, 1)
    G.add_edge(0, 15)  # same number of ties
    second = csr_of(G)
    assert second is not first and 15 in second.indices[second.indptr[0] : second.indptr[1]]
    G.remove_edge(2, 3)
    G.add_edge(2, 3)  # the same ties, another adjacency order: a new CSR with that order
    third = csr_of(G)
    assert third is not second
    np.testing.assert_array_equal(third.indices, networks.to_csr(G).indices)


def test_directed_graphs_and_views_are_fingerprinted():
    D = nx.DiGraph([(0, 1), (1, 2), (2, 0)])
    first = csr_of(D)
    D.add_edge(0, 2)  # the undirected view gains nothing, order may change: converted again, same ties
    np.testing.assert_array_equal(csr_of(D).indices, networks.to_csr(D).indices)
    D.add_edge(3, 0)
    assert csr_of(D).n == 4 and first.n == 3
    G = nx.path_graph(6)
    view = G.subgraph([0, 1, 2, 3])  # frozen, but follows G
    assert nx.is_frozen(view) and len(csr_of(view).indices) == 6
    G.add_edge(0, 3)
    assert len(csr_of(view).indices) == 8
    copy_view = nx.freeze(G.copy(as_view=True))  # shares G's dicts
    before = len(csr_of(copy_view).indices)
    G.add_edge(0, 5)
    assert len(csr_of(copy_view).indices) == before + 2


def test_frozen_graphs_skip_the_fingerprint(monkeypatch):
    G = nx.freeze(nx.barabasi_albert_graph(200, 2, seed=1))
    first = csr_of(G)

    def no_fingerprint(graph):
        raise AssertionError("a frozen graph needs no fingerprint")

    monkeypatch.setattr(csr_module, "fingerprint", no_fingerprint)
    assert csr_of(G) is first
    np.testing.assert_array_equal(first.indices, networks.to_csr(G).indices)


def test_a_graph_changed_and_then_frozen_is_converted_again():
    G = nx.cycle_graph(20)
    first = csr_of(G)  # cached while mutable
    G.add_edge(0, 10)
    nx.freeze(G)
    second = csr_of(G)
    assert second is not first and len(second.indices) == len(first.indices) + 2
    assert csr_of(G) is second
    H = nx.cycle_graph(20)
    cached = csr_of(H)
    nx.freeze(H)  # unchanged: the cached CSR is kept, and trusted from now on
    assert csr_of(H) is cached and csr_module._CACHE[H][0] is None
