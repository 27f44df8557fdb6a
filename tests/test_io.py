"""Reading and writing network files: round trips, and one clear NetworkError for every bad file."""

from __future__ import annotations

import gzip

import networkx as nx
import pytest

import networks
from networks.io import load, save


def _sample() -> nx.Graph:
    G = nx.Graph()
    G.add_node(0, area=1, age_band="16-24", employed=True, score=0.5)
    G.add_node(1, area=2, age_band="65+", employed=False, score=1.5)
    G.add_node("alice", area=3, age_band="5-15", employed=False, score=2.0)
    G.add_node(7, area=4, age_band="25-44", employed=True, score=-1.25)
    G.add_edge(0, 1, context="household", weight=2.5)
    G.add_edge(1, "alice", context="friend", weight=1.0)
    G.add_edge("alice", 7, context="school", weight=3.0)
    return G


def _edges(G: nx.Graph, attr: str | None = None) -> set:
    return {(frozenset((u, v)), None if attr is None else d.get(attr)) for u, v, d in G.edges(data=True)}


ATTRIBUTE_FORMATS = ["graphml", "gml", "gexf", "net", "graphml.gz", "gml.gz"]


@pytest.mark.parametrize("ext", ATTRIBUTE_FORMATS)
def test_round_trip_keeps_ids_and_attributes(tmp_path, ext):
    G = _sample()
    H = load(save(G, tmp_path / f"g.{ext}"))
    assert type(H) is nx.Graph
    assert set(H.nodes) == set(G.nodes)
    assert _edges(H, "weight") == _edges(G, "weight")
    assert _edges(H, "context") == _edges(G, "context")
    for v, data in G.nodes(data=True):
        for key, value in data.items():
            assert H.nodes[v][key] == value, (ext, v, key)  # GML turns booleans into 0/1, which compare equal


@pytest.mark.parametrize("ext", ["edgelist", "txt", "edgelist.gz", "txt.bz2"])
def test_round_trip_edge_lists_keep_weights(tmp_path, ext):
    G = _sample()
    H = load(save(G, tmp_path / f"g.{ext}"))
    assert set(H.nodes) == set(G.nodes)
    assert _edges(H, "weight") == _edges(G, "weight")


@pytest.mark.parametrize("ext", ["csv", "csv.gz"])
def test_round_trip_csv_with_node_table(tmp_path, ext):
    G = _sample()
    path = save(G, tmp_path / f"g.{ext}")
    nodes = tmp_path / "nodes.csv"
    nodes.write_text("id,area,age_band\n0,1,16-24\n1,2,65+\nalice,3,5-15\n7,4,25-44\nloner,9,65+\n")
    H = load(path, nodes=nodes)
    assert _edges(H, "context") == _edges(G, "context")
    assert _edges(H, "weight") == _edges(G, "weight")
    assert H.nodes["alice"] == {"area": 3, "age_band": "5-15"}
    assert H.nodes["loner"]["area"] == 9 and H.degree("loner") == 0


def test_town_round_trips_through_graphml(tmp_path):
    T = networks.generate("town", n=200, seed=3)
    H = networks.load(save(T, tmp_path / "town.graphml"))
    assert dict(H.nodes(data=True)) == dict(T.nodes(data=True))
    assert _edges(H, "context") == _edges(T, "context")
    assert H.graph["households"] == T.graph["households"]


def test_edge_list_comments_weights_and_ids(tmp_path):
    path = tmp_path / "friends.txt"
    path.write_text("# a comment\n% konect style\n1 2\n2 3 0.5  # trailing\n\nbob 1\n10 010\n")
    G = load(path)
    assert set(G.nodes) == {1, 2, 3, "bob", 10, "010"}
    assert G.edges[2, 3]["weight"] == 0.5
    assert "weight" not in G.edges[1, 2]


def test_gzipped_edge_list(tmp_path):
    path = tmp_path / "g.edgelist.gz"
    path.write_bytes(gzip.compress(b"0 1\n1 2\n"))
    assert sorted(load(path).edges) == [(0, 1), (1, 2)]


def test_directed_option(tmp_path):
    path = tmp_path / "arcs.edgelist"
    path.write_text("1 2\n2 1\n2 3\n")
    D = load(path, directed=True)
    assert isinstance(D, nx.DiGraph) and D.number_of_edges() == 3
    assert load(path).number_of_edges() == 2


def test_directed_graphml_becomes_undirected(tmp_path):
    D = nx.DiGraph([(1, 2), (2, 1), (2, 3)])
    G = load(save(D, tmp_path / "d.graphml"))
    assert type(G) is nx.Graph and G.number_of_edges() == 2


def test_format_option_overrides_extension(tmp_path):
    path = tmp_path / "data.dat"
    path.write_text("a b\n")
    assert list(load(path, format="edgelist").edges) == [("a", "b")]
    with pytest.raises(networks.NetworkError, match="unknown format 'xls'"):
        load(path, format="xls")


def test_weight_option_checks_values(tmp_path):
    path = tmp_path / "w.csv"
    path.write_text("source,target,duration\n1,2,30\n2,3,45.5\n")
    G = load(path, weight="duration")
    assert G.edges[2, 3]["duration"] == 45.5 and isinstance(G.edges[1, 2]["duration"], float)
    bad = tmp_path / "bad.graphml"
    H = nx.Graph()
    H.add_edge(1, 2, weight="heavy")
    save(H, bad)
    with pytest.raises(networks.NetworkError, match=r"bad\.graphml: .*weight 'heavy' is not a number"):
        load(bad, weight="weight")


def test_networks_load_delegates(tmp_path):
    path = save(_sample(), tmp_path / "g.gexf")
    assert set(networks.load(path).nodes) == set(_sample().nodes)


def test_nodes_without_edges_are_kept(tmp_path):
    G = nx.Graph()
    G.add_nodes_from([1, 2, 3], group="x")
    H = load(save(G, tmp_path / "isolates.graphml"))
    assert sorted(H.nodes) == [1, 2, 3] and H.number_of_edges() == 0


# --------------------------------------------------------------------------- bad files

TRUNCATED_GRAPHML = '<?xml version="1.0"?>\n<graphml xmlns="http://graphml.graphdrawing.org/xmlns"><graph edgedefault="undirected"><node id="a"/>'

BAD_FILES = [
    ("empty.edgelist", b"", "empty file"),
    ("blank.csv", b"  \n\n", "empty file"),
    ("comments.txt", b"# nothing but comments\n", "no nodes and no edges"),
    ("three.edgelist", b"1 2\n1 2 3 4\n", "line 2: expected 'source target [weight]'"),
    ("weight.edgelist", b"1 2 heavy\n", "line 1: weight 'heavy' is not a number"),
    ("nan.edgelist", b"1 2 nan\n", "not a finite number"),
    ("binary.txt", b"\xff\xfe\x00\x01 2\n", "not UTF-8"),
    ("nohead.csv", b"1,2\n2,3\n", "no 'source' column"),
    ("ragged.csv", b"source,target\n1,2,3\n", "row 2"),
    ("weight.csv", b"source,target,weight\n1,2,x\n", "row 2: weight 'x' is not a number"),
    ("empty_id.csv", b"source,target\n1,\n", "empty source or target"),
    ("truncated.graphml", TRUNCATED_GRAPHML.encode(), "not valid GraphML"),
    ("notxml.graphml", b"hello world", "not valid GraphML"),
    ("nograph.graphml", b'<?xml version="1.0"?><graphml xmlns="http://graphml.graphdrawing.org/xmlns"></graphml>', "not valid GraphML"),
    ("truncated.gexf", b'<?xml version="1.0"?><gexf xmlns="http://www.gexf.net/1.2draft" version="1.2"><graph>', "not valid GEXF"),
    ("bad.gml", b"graph [ node [ id 0 ", "not valid GML"),
    ("words.gml", b"this is not gml", "not valid GML"),
    ("bad.net", b"*vertices 2\n1 a\n*edges\n1 9\n", "not valid Pajek"),
    ("bad.edgelist.gz", b"not gzip at all", "not a valid gz file"),
    ("network.xyz", b"1 2\n", "unknown network file extension '.xyz'"),
    ("noextension", b"1 2\n", "unknown network file extension '(none)'"),
    ("data.gz", b"", "unknown network file extension '.gz'"),
]


@pytest.mark.parametrize("name, content, problem", BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_files_raise_one_line_network_error_naming_the_file(tmp_path, name, content, problem):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(networks.NetworkError) as info:
        load(path)
    message = str(info.value)
    assert message.startswith(str(path) + ":"), message
    assert problem in message, message
    assert "\n" not in message and len(message) < 400


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(networks.NetworkError, match="nope.graphml: no such file"):
        load(tmp_path / "nope.graphml")
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    with pytest.raises(networks.NetworkError, match="folder.csv: is a directory"):
        load(folder)


def test_missing_node_table(tmp_path):
    path = tmp_path / "g.edgelist"
    path.write_text("1 2\n")
    with pytest.raises(networks.NetworkError, match="absent.csv: no such file"):
        load(path, nodes=tmp_path / "absent.csv")
    table = tmp_path / "noid.csv"
    table.write_text("who,age\n1,3\n")
    with pytest.raises(networks.NetworkError, match="noid.csv: no 'id' column"):
        load(path, nodes=table)


def test_network_error_is_a_value_error():
    assert issubclass(networks.NetworkError, ValueError)


def test_save_rejects_unknown_extension_and_unwritable_ids(tmp_path):
    with pytest.raises(networks.NetworkError, match="unknown network file extension"):
        save(_sample(), tmp_path / "g.xlsx")
    with pytest.raises(networks.NetworkError, match="node id 'x y' cannot be written to an edge list"):
        save(nx.Graph([("x y", 1)]), tmp_path / "g.edgelist")
    G = load(save(nx.Graph([("x y", 1)]), tmp_path / "g.csv"))
    assert set(G.nodes) == {"x y", 1}


@pytest.mark.parametrize(
    "text",
    [
        "1 2\n2 3\n3 1\n1 2\n",  # plain pairs, a repeated tie
        "5 7 0.5\n7 9 2\n5 7 1.5\n",  # weights; a later weight replaces an earlier one
        "007 8\n8 9\n",  # not canonical: "007" stays text
        "1 2\n# a comment\n2 3\n",  # comments
        "1  2\n2 3\n",  # two spaces
        "1\t2\n2\t3\n",  # tabs
        "99999999999999999999 1\n1 2\n",  # beyond int64: text
        "-3 4\n4 0\n",  # negative and zero ids
        "# Directed graph: x.txt\n# FromNodeId\tToNodeId\n1\t2\n2\t3\n3\t1\n",  # SNAP: a header, tabs
        "% sym unweighted\n%\n3 1 0.5\r\n1 2 2\r\n",  # KONECT: a header, CRLF line ends
        "\n\n1 2\n2 3\n\n",  # blank lines around
        "1\t2 0.5\n2\t3 1\n",  # tabs and spaces mixed
        "1 2\n%x\n2 3\n",  # a comment below the top
        "1 2\r3 4\n",  # a lone carriage return ends a line
    ],
)
def test_plain_edge_lists_read_fast_give_the_line_by_line_graph(tmp_path, text):
    """pyarrow's fast path (networks.io._plain_edgelist) builds exactly what the line-by-line reader builds."""
    from networks import io as netio

    path = tmp_path / "g.edgelist"
    path.write_text(text)
    G = networks.load(path)
    fast = netio._plain_edgelist(text, False)
    if fast is not None:
        assert list(fast.nodes) == list(G.nodes) and list(fast.edges(data=True)) == list(G.edges(data=True))
    slow = nx.Graph()
    for line in text.splitlines():
        fields = line.split("#")[0].split()
        if fields and not fields[0].startswith("%"):
            u, v = (int(f) if f.lstrip("-").isdigit() and str(int(f)) == f and abs(int(f)) < 2**63 else f for f in fields[:2])
            slow.add_edge(u, v, **({"weight": float(fields[2])} if len(fields) == 3 else {}))
    assert list(G.nodes) == list(slow.nodes)
    assert list(G.edges(data=True)) == list(slow.edges(data=True))
