"""model.targeting.scores: the public centralities equal networkx's on a named graph, and rank as
the strategies of the same name pick."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from model.targeting import SCORES, TargetingError, scores, select_seeds


@pytest.fixture(scope="module")
def karate():
    return nx.karate_club_graph()


def _vector(d: dict, G) -> np.ndarray:
    return np.array([d[v] for v in G.nodes])


def test_scores_equal_networkx(karate):
    G = karate
    assert scores(G, "degree") == {v: float(d) for v, d in G.degree}
    assert scores(G, "kcore") == {v: float(c) for v, c in nx.core_number(G).items()}
    np.testing.assert_allclose(_vector(scores(G, "pagerank"), G), _vector(nx.pagerank(G, weight=None, tol=1e-12), G), atol=1e-8)
    np.testing.assert_allclose(_vector(scores(G, "eigenvector"), G), _vector(nx.eigenvector_centrality_numpy(G, weight=None), G), atol=1e-6)
    np.testing.assert_allclose(_vector(scores(G, "betweenness"), G), _vector(nx.betweenness_centrality(G, normalized=False), G), atol=1e-9)
    A = nx.to_numpy_array(G, weight=None)
    expected = sum(np.linalg.matrix_power(0.2 * A, t) @ np.ones(len(A)) for t in (1, 2, 3))  # Banerjee et al. 2013
    np.testing.assert_allclose(_vector(scores(G, "diffusion_centrality", q=0.2, T=3), G), expected, rtol=1e-12)


@pytest.mark.parametrize("name", ["kcore", "pagerank", "eigenvector", "betweenness", "diffusion_centrality"])
def test_strategy_picks_a_top_scorer(karate, name):
    s = scores(karate, name)
    top = max(s.values())
    (chosen,) = select_seeds(karate, name, count=1, seed=3)
    assert s[chosen] == pytest.approx(top, rel=1e-9)


def test_bad_names_and_options():
    G = nx.path_graph(4)
    with pytest.raises(TargetingError, match="unknown score 'closeness'; choose one of degree"):
        scores(G, "closeness")
    with pytest.raises(TargetingError, match="alpha must be <= 1"):
        scores(G, "pagerank", alpha=2.0)
    with pytest.raises(TargetingError, match="takes no parameter 'x'"):
        scores(G, "degree", x=1)
    assert set(SCORES) == {"degree", "kcore", "pagerank", "eigenvector", "betweenness", "diffusion_centrality"}
