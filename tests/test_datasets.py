"""Real data sets: the counts stated in each shared/data README, and their attributes."""

from __future__ import annotations

from collections import Counter

import networkx as nx
import pytest

import networks
from networks import datasets

try:
    datasets.data_dir()
except networks.NetworkError as exc:  # pragma: no cover - depends on the machine
    pytest.skip(f"shared data folder absent: {exc}", allow_module_level=True)


def _stamped(G: nx.Graph) -> None:
    for key in ("name", "source", "licence", "url"):
        assert isinstance(G.graph[key], str) and G.graph[key]


@pytest.mark.parametrize(
    "name, options, nodes, edges",
    [
        ("highschool_2013", {}, 329, 5818),
        ("highschool_2013", {"network": "friendship"}, 134, 668 - 262),  # 668 arcs, 262 mutual pairs
        ("highschool_2013", {"network": "diaries"}, 120, None),
        ("highschool_2013", {"network": "facebook"}, 156, 1437),
        ("primaryschool", {}, 242, 8317),
        ("karnataka_village", {"village": 1}, 843, 3398),
        ("karnataka_village", {"village": 2}, 877, 3057),
        ("karnataka_households", {}, 8622, 40151),
        ("karnataka_households", {"village": 1}, 182, 867),
        ("facebook_ego", {}, 4039, 88234),
        ("sa_households", {}, 340, 542),
    ],
)
def test_counts_match_readmes(name, options, nodes, edges):
    G = networks.dataset(name, **options)
    assert type(G) is nx.Graph
    assert G.number_of_nodes() == nodes
    if edges is not None:
        assert G.number_of_edges() == edges
    assert nx.number_of_selfloops(G) == 0
    _stamped(G)


def test_highschool_attributes():
    G = datasets.highschool_2013()
    classes = Counter(d["class"] for _, d in G.nodes(data=True))
    assert len(classes) == 9 and classes["PC"] == 44 and classes["MP*1"] == 29
    assert Counter(d["gender"] for _, d in G.nodes(data=True)) == {"M": 176, "F": 146, "Unknown": 7}
    assert sum(1 for v in G if G.degree(v) == 0) == 2
    assert all(w % 20 == 0 and w > 0 for *_, w in G.edges(data="weight"))
    strong = datasets.highschool_2013(min_seconds=600)
    assert strong.number_of_nodes() == 329 and strong.number_of_edges() < G.number_of_edges()
    F = datasets.highschool_2013(network="friendship")
    assert sum(d["mutual"] for *_, d in F.edges(data=True)) == 262
    assert all("class" in d and "gender" in d for _, d in F.nodes(data=True))


def test_primaryschool_attributes_and_days():
    G = datasets.primaryschool()
    roles = Counter(d["role"] for _, d in G.nodes(data=True))
    assert roles == {"pupil": 232, "teacher": 10}
    assert {d["grade"] for _, d in G.nodes(data=True)} == {0, 1, 2, 3, 4, 5}
    assert Counter(d["gender"] for _, d in G.nodes(data=True)) == {"M": 115, "F": 112, "Unknown": 15}
    assert min(dict(G.degree()).values()) > 0
    day1, day2 = datasets.primaryschool(day=1), datasets.primaryschool(day=2)
    assert day1.number_of_nodes() == day2.number_of_nodes() == 242
    assert max(day1.number_of_edges(), day2.number_of_edges()) < G.number_of_edges()


def test_karnataka_village_attributes():
    G = datasets.karnataka_village(1)
    surveyed = [d for _, d in G.nodes(data=True) if d["surveyed"]]
    assert len(surveyed) == 203
    assert all(10 <= d["age"] <= 99 and d["gender"] in ("male", "female") for d in surveyed)
    assert all({"caste", "education", "household"} <= set(d) for d in surveyed)
    assert all(d["household"] == d["hhid"] for d in surveyed)
    assert all(isinstance(d["household"], int) for _, d in G.nodes(data=True))


def test_karnataka_households_attributes():
    G = datasets.karnataka_households()
    data = [d for _, d in G.nodes(data=True)]
    assert len({d["village"] for d in data}) == 38
    assert sum(d["loan"] for d in data) == 1255
    assert sum(d["electricity"] for d in data) == 8007
    assert Counter(d["religion"] for d in data) == {"hindu": 8185, "islam": 430, "christian": 7}
    # the README's 449 isolates count the 27 ties to missing households; without them one more is alone
    assert sum(1 for v in G if G.degree(v) == 0) == 450
    assert all(G.nodes[u]["village"] == G.nodes[v]["village"] for u, v in G.edges)


def test_facebook_gender():
    G = datasets.facebook_ego()
    assert nx.is_connected(G)
    assert Counter(d.get("gender") for _, d in G.nodes(data=True)) == {"78": 2423, "77": 1532, None: 84}
    assert all("gender" not in d for _, d in datasets.facebook_ego(gender=False).nodes(data=True))


def test_sa_households_attributes():
    G = datasets.sa_households()
    data = [d for _, d in G.nodes(data=True)]
    assert len({d["household"] for d in data}) == 88
    assert Counter(d["smoker"] for d in data) == {"No": 294, "Yes": 43, "Unknown": 3}
    assert Counter(d["sex"] for d in data) == {"Female": 205, "Male": 135}
    assert all(G.nodes[u]["household"] == G.nodes[v]["household"] for u, v in G.edges)
    assert all(w > 0 for *_, w in G.edges(data="weight"))
    assert min(dict(G.degree()).values()) > 0


def test_registry_and_errors(monkeypatch, tmp_path):
    assert set(networks.DATASETS) == set(datasets.DATASETS)
    for name in ("nope", None):
        with pytest.raises(networks.NetworkError, match="unknown data set"):
            networks.dataset(name)
    with pytest.raises(networks.NetworkError, match="'primaryschool': unknown option 'weeks'"):
        networks.dataset("primaryschool", weeks=2)
    with pytest.raises(networks.NetworkError, match="village must be 1 or 2"):
        networks.dataset("karnataka_village", village=3)
    with pytest.raises(networks.NetworkError, match="no village 999"):
        networks.dataset("karnataka_households", village=999)
    with pytest.raises(networks.NetworkError, match="network must be one of"):
        networks.dataset("highschool_2013", network="email")
    with pytest.raises(networks.NetworkError, match="min_seconds"):
        networks.dataset("primaryschool", min_seconds=-5)
    monkeypatch.setenv("WELLSPREAD_DATA", str(tmp_path / "nowhere"))
    with pytest.raises(networks.NetworkError, match="real data sets not found: looked in .*nowhere"):
        networks.dataset("facebook_ego")
    monkeypatch.setenv("WELLSPREAD_DATA", str(tmp_path))
    with pytest.raises(networks.NetworkError, match="data file missing"):
        networks.dataset("sa_households")


def test_copies_are_independent():
    a = datasets.primaryschool()
    a.remove_node(next(iter(a)))
    assert datasets.primaryschool().number_of_nodes() == 242
