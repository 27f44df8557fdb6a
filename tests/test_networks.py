"""Generated network kinds, the synthetic town and the CSR conversion."""

from __future__ import annotations

import io
import time
from collections import Counter

import networkx as nx
import numpy as np
import pytest

import networks
from networks.town import AGE_BANDS, AGE_PRESETS, CONTEXTS, HOUSEHOLD_SHARES, organisations

SMALL_N = 100


def _snapshot(G: nx.Graph):
    return list(G.nodes(data=True)), list(G.edges(data=True)), dict(G.graph)


# --------------------------------------------------------------------------- every kind


@pytest.mark.parametrize("kind", networks.KINDS)
def test_every_kind_builds_with_defaults(kind):
    G = networks.generate(kind, n=SMALL_N, seed=1)
    assert isinstance(G, nx.Graph) and not G.is_directed()
    assert G.number_of_nodes() == SMALL_N
    assert G.graph["kind"] == kind


@pytest.mark.parametrize("kind", networks.KINDS)
def test_every_kind_is_deterministic_for_a_seed(kind):
    a = networks.generate(kind, n=SMALL_N, seed=7)
    b = networks.generate(kind, n=SMALL_N, seed=7)
    assert _snapshot(a) == _snapshot(b)


@pytest.mark.parametrize("kind", [k for k in networks.KINDS if k not in ("ring_lattice", "grid_2d")])
def test_different_seeds_give_different_graphs(kind):
    a = networks.generate(kind, n=SMALL_N, seed=1)
    b = networks.generate(kind, n=SMALL_N, seed=2)
    assert set(a.edges) != set(b.edges)


@pytest.mark.parametrize(
    "kind, params, name",
    [
        ("erdos_renyi", {"mean_degree": -1.0}, "mean_degree"),
        ("erdos_renyi", {"mean_degree": 500.0}, "mean_degree"),
        ("watts_strogatz", {"k": 200}, "k"),
        ("watts_strogatz", {"p": 1.5}, "p"),
        ("barabasi_albert", {"m": 0}, "m"),
        ("powerlaw_cluster", {"p": -0.1}, "p"),
        ("stochastic_block", {"homophily": 2.0}, "homophily"),
        ("stochastic_block", {"groups": 0}, "groups"),
        ("configuration", {"exponent": 0.5}, "exponent"),
        ("configuration", {"degrees": [1, 2]}, "degrees"),
        ("ring_lattice", {"k": 3}, "k"),
        ("grid_2d", {"width": 7}, "width"),
        ("town", {"employment_rate": 1.5}, "employment_rate"),
        ("town", {"community_share": -0.1}, "community_share"),
        ("town", {"areas": 0}, "areas"),
        ("town", {"areas": 2.5}, "areas"),
        ("town", {"friend_ties": float("nan")}, "friend_ties"),
        ("town", {"age_shares": "martian"}, "age_shares"),
        ("town", {"age_shares": [1, 2, 3]}, "age_shares"),
        ("town", {"household_shares": [0.5, 0.5, 0, 0, 0, -1]}, "household_shares"),
        ("town", {"school_ties": "many"}, "school_ties"),
        ("town", {"local_friends": True}, "local_friends"),
    ],
)
def test_parameter_errors_name_kind_and_parameter(kind, params, name):
    with pytest.raises(networks.NetworkError) as info:
        networks.generate(kind, n=SMALL_N, seed=0, **params)
    message = str(info.value)
    assert f"'{kind}'" in message and name in message and "\n" not in message


def test_unknown_kind_and_parameter():
    with pytest.raises(networks.NetworkError, match="unknown network kind 'nope'"):
        networks.generate("nope", n=10)
    with pytest.raises(networks.NetworkError, match="'town': unknown parameter 'bogus'"):
        networks.generate("town", n=10, bogus=1)
    with pytest.raises(networks.NetworkError, match="n must be a positive integer"):
        networks.generate("town", n=0)


def test_erdos_renyi_mean_degree_near_target():
    G = networks.generate("erdos_renyi", n=5000, seed=3, mean_degree=6.0)
    assert 2 * G.number_of_edges() / G.number_of_nodes() == pytest.approx(6.0, abs=0.25)


@pytest.mark.parametrize("k", [2, 4, 8])
def test_ring_lattice_degrees_exactly_k(k):
    G = networks.generate("ring_lattice", n=60, seed=0, k=k)
    assert {d for _, d in G.degree()} == {k}


def test_kind_parameters_lists_town_options():
    params = networks.kind_parameters("town")
    assert params["employment_rate"] == 0.75 and params["community_share"] == 0.5
    assert params["household_shares"] == HOUSEHOLD_SHARES and "areas" in params


# --------------------------------------------------------------------------- the town

N_TOWN = 20_000
AGE_TARGET = dict(zip(AGE_BANDS, (0.057, 0.135, 0.105, 0.262, 0.256, 0.185), strict=True))
AGE_TOLERANCE = 0.005  # bands are allocated exactly (largest remainder), so 0.5 pp is generous
INT_ATTRS = ("area", "deprivation", "household", "school", "school_class", "workplace", "community")


@pytest.fixture(scope="module")
def town():
    start = time.perf_counter()
    G = networks.generate("town", n=N_TOWN, seed=1)
    G.graph["_build_seconds"] = time.perf_counter() - start
    return G


def test_town_builds_quickly(town):
    assert town.graph["_build_seconds"] < 10.0  # about 0.5 s on one core


def test_town_every_node_has_valid_attributes(town):
    areas = town.graph["areas"]
    assert areas >= 5 and areas == round(N_TOWN / 1500)
    for v, d in town.nodes(data=True):
        for attr in INT_ATTRS:
            assert isinstance(d[attr], int), (v, attr)
        assert 0 <= d["area"] < areas
        assert 1 <= d["deprivation"] <= 5
        assert d["age_band"] in AGE_BANDS
        assert 0 <= d["household"] < town.graph["households"]
        assert isinstance(d["employed"], bool)
        if d["school"] >= 0:
            assert d["age_band"] == "5-15" and d["school_class"] >= 0
        if d["workplace"] >= 0:
            assert d["employed"]
        if d["community"] >= 0:
            assert d["age_band"] not in ("0-4", "5-15")


def test_town_every_pupil_aged_5_15_goes_to_school(town):
    for _, d in town.nodes(data=True):
        assert (d["school"] >= 0) == (d["age_band"] == "5-15")


def test_town_age_shares_match_sources(town):
    counts = Counter(d for _, d in town.nodes(data="age_band"))
    for band, share in AGE_TARGET.items():
        assert counts[band] / N_TOWN == pytest.approx(share, abs=AGE_TOLERANCE), band


def test_town_household_sizes(town):
    sizes = Counter(Counter(d for _, d in town.nodes(data="household")).values())
    households = sum(sizes.values())
    assert N_TOWN / households == pytest.approx(2.36, abs=0.15)
    assert sizes[1] / households == pytest.approx(0.30, abs=0.03)
    assert sizes[2] / households == pytest.approx(0.34, abs=0.03)
    assert max(sizes) <= 7


def test_town_children_live_with_adults(town):
    members: dict[int, list[str]] = {}
    for _, d in town.nodes(data=True):
        members.setdefault(d["household"], []).append(d["age_band"])
    for bands in members.values():
        assert any(b not in ("0-4", "5-15") for b in bands)


def test_town_households_are_cliques_with_consecutive_ids(town):
    members: dict[int, list[int]] = {}
    for v, h in town.nodes(data="household"):
        members.setdefault(h, []).append(v)
    for people in list(members.values())[:2000]:
        assert people == list(range(people[0], people[0] + len(people)))
        for i, u in enumerate(people):
            for v in people[i + 1 :]:
                assert town.edges[u, v]["context"] == "household"


def test_town_deprivation_quintiles_balanced(town):
    area_quintile = {d["area"]: d["deprivation"] for _, d in town.nodes(data=True)}
    per_quintile = Counter(area_quintile.values())
    assert set(per_quintile) == {1, 2, 3, 4, 5}
    assert max(per_quintile.values()) - min(per_quintile.values()) <= 1
    people = Counter(d for _, d in town.nodes(data="deprivation"))
    for q in range(1, 6):
        assert people[q] / N_TOWN == pytest.approx(0.2, abs=0.06)


def test_town_area_sizes_near_lsoa(town):
    sizes = Counter(d for _, d in town.nodes(data="area")).values()
    assert min(sizes) > 1200 and max(sizes) < 1800


def test_town_employment_and_community_shares(town):
    working = [d for _, d in town.nodes(data=True) if d["age_band"] in ("16-24", "25-44", "45-64")]
    assert np.mean([d["employed"] for d in working]) == pytest.approx(0.75, abs=0.01)
    adults = [d for _, d in town.nodes(data=True) if d["age_band"] not in ("0-4", "5-15")]
    assert np.mean([d["community"] >= 0 for d in adults]) == pytest.approx(0.5, abs=0.01)


def test_town_organisations_have_plausible_sizes(town):
    orgs = organisations(town)
    by_kind: dict[str, list[int]] = {}
    for o in orgs:
        by_kind.setdefault(o["kind"], []).append(o["members"])
    assert len(by_kind["household"]) == town.graph["households"]
    assert 200 <= np.mean(by_kind["primary_school"]) <= 350
    assert 800 <= np.mean(by_kind["secondary_school"]) <= 1400
    assert 18 <= np.mean(by_kind["class"]) <= 30
    assert len(by_kind["class"]) == town.graph["classes"]
    assert len(by_kind["school_staff"]) == town.graph["primary_schools"] + town.graph["secondary_schools"]
    assert max(by_kind["workplace"]) <= 2000 and min(by_kind["workplace"]) >= 1
    assert 10 <= np.mean(by_kind["community"]) <= 40


def test_town_mean_degree_and_contexts(town):
    mean_degree = 2 * town.number_of_edges() / N_TOWN
    assert 8 <= mean_degree <= 20
    contexts = Counter(c for *_, c in town.edges(data="context"))
    assert set(contexts) == set(CONTEXTS)
    assert nx.number_of_selfloops(town) == 0
    largest = max(nx.connected_components(town), key=len)
    assert len(largest) > 0.98 * N_TOWN


def test_town_school_ties_mostly_within_class(town):
    within = across = 0
    for u, v, c in town.edges(data="context"):
        if c == "school" and town.nodes[u]["school"] >= 0 and town.nodes[v]["school"] >= 0:
            same = town.nodes[u]["school_class"] == town.nodes[v]["school_class"]
            within += same
            across += not same
    assert within > 3 * across


def test_town_writes_to_graphml(town):
    small = networks.generate("town", n=300, seed=2)
    buffer = io.BytesIO()
    nx.write_graphml(small, buffer)
    assert b"age_band" in buffer.getvalue()


def test_town_small_and_preset_populations():
    for n in (1, 2, 5, 37):
        G = networks.generate("town", n=n, seed=n)
        assert G.number_of_nodes() == n
        assert all(d["age_band"] in AGE_BANDS for _, d in G.nodes(data=True))
    old = networks.generate("town", n=3000, seed=1, age_shares="older_coastal")
    share65 = sum(1 for _, b in old.nodes(data="age_band") if b == "65+") / 3000
    assert share65 == pytest.approx(AGE_PRESETS["older_coastal"][-1], abs=0.002)


def test_town_impossible_households_rejected():
    with pytest.raises(networks.NetworkError, match="'town': household_shares leave room"):
        networks.generate("town", n=2000, seed=0, household_shares=[1, 0, 0, 0, 0, 0])


def test_town_parameters_change_layers():
    base = networks.generate("town", n=3000, seed=4)
    lonely = networks.generate("town", n=3000, seed=4, friend_ties=0.0, local_friends=0.0, community_share=0.0)
    assert "friend" not in {c for *_, c in lonely.edges(data="context")}
    assert "community" not in {c for *_, c in lonely.edges(data="context")}
    assert lonely.number_of_edges() < base.number_of_edges()
    assert networks.generate("town", n=3000, seed=4, areas=9).graph["areas"] == 9


# --------------------------------------------------------------------------- CSR


def _csr_edges(csr) -> set:
    edges = set()
    for i in range(csr.n):
        for j in csr.indices[csr.indptr[i] : csr.indptr[i + 1]]:
            u, v = csr.nodes[i], csr.nodes[int(j)]
            edges.add(frozenset((u, v)))
    return edges


@pytest.mark.parametrize("kind", ["erdos_renyi", "town", "grid_2d"])
def test_csr_round_trips_edge_set(kind):
    G = networks.generate(kind, n=400, seed=5)
    csr = networks.to_csr(G)
    assert csr.n == G.number_of_nodes()
    assert csr.nodes == list(G.nodes)
    assert csr.indices.dtype == np.uint32 and csr.indptr.dtype == np.int64
    assert _csr_edges(csr) == {frozenset(e) for e in G.edges}
    assert np.array_equal(csr.degree, [G.degree(v) for v in G])


def test_csr_keeps_node_id_mapping_for_non_integer_ids():
    G = nx.relabel_nodes(networks.generate("erdos_renyi", n=50, seed=1, mean_degree=4.0), lambda v: f"p{v * 3}")
    G.add_edge("p0", "p0")  # self-loops are dropped
    csr = networks.to_csr(G)
    assert [csr.position(v) for v in G] == list(range(50))
    assert csr.ids(range(3)) == list(G)[:3]
    assert _csr_edges(csr) == {frozenset(e) for e in G.edges if e[0] != e[1]}
    with pytest.raises(networks.NetworkError):
        csr.position("missing")


def test_csr_weights_follow_edges():
    G = nx.Graph()
    G.add_edge("a", "b", weight=2.0)
    G.add_edge("b", "c", weight=0.5)
    csr = networks.to_csr(G, weight="weight")
    b = csr.position("b")
    nbrs = csr.indices[csr.indptr[b] : csr.indptr[b + 1]]
    weights = dict(zip(csr.ids(nbrs), csr.weights[csr.indptr[b] : csr.indptr[b + 1]], strict=True))
    assert weights == {"a": 2.0, "c": 0.5}
