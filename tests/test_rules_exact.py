"""Each contagion rule against what mathematics fixes: exact chains, percolation, hand-worked cases.

Stochastic claims use many runs with fixed seeds and a stated tolerance; since every draw follows
from the seed, each test is deterministic, and the tolerances say how far chance could have moved it.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from scipy import stats
from scipy.optimize import brentq

from model import simulate

from .helpers import chi_square_pvalue, scenario, trajectories


# --- independent cascade on a complete graph is the Reed-Frost chain ------------------------------
def reed_frost(n: int, p: float, steps: int):
    """Exact Reed-Frost chain from one case: final-size law and E[new cases] per round.

    Abbey (1952), "An examination of the Reed-Frost theory of epidemics", Human Biology 24:201;
    S' ~ Binomial(S, 1 - (1-p)^I), I' = S - S'. Independent cascade on K_n is this chain: each new
    adopter makes one attempt on each non-adopter.
    """
    dist = {(n - 1, 1): 1.0}  # (susceptible, new adopters last round)
    final = np.zeros(n + 1)
    mean_new = np.zeros(steps + 1)
    mean_new[0] = 1.0
    for t in range(1, steps + 1):
        nxt: dict = {}
        for (s, i), prob in dist.items():
            q = 1 - (1 - p) ** i
            for new, pn in enumerate(stats.binom.pmf(np.arange(s + 1), s, q)):
                if new == 0:
                    final[n - s] += prob * pn
                else:
                    mean_new[t] += prob * pn * new
                    nxt[(s - new, new)] = nxt.get((s - new, new), 0.0) + prob * pn
        dist = nxt
    assert sum(dist.values()) < 1e-12, "chain not absorbed within the horizon"
    return final, mean_new


def test_independent_cascade_on_complete_graph_is_reed_frost():
    n, p, runs, steps = 20, 0.1, 3000, 25
    G = nx.complete_graph(n)
    counts = trajectories(scenario("independent_cascade", count=1, steps=steps, p=p), G, runs)
    final_law, mean_new = reed_frost(n, p, steps)
    observed = np.bincount(counts[:, -1].astype(int), minlength=n + 1)
    assert chi_square_pvalue(observed, final_law) > 0.001
    # per-round means of new adopters within 4 standard errors of the exact values
    new = np.diff(counts, axis=1, prepend=0)
    for t in range(1, 8):
        se = new[:, t].std(ddof=1) / np.sqrt(runs)
        assert abs(new[:, t].mean() - mean_new[t]) < 4 * se + 1e-9, t


# --- independent cascade on sparse random graphs is bond percolation -------------------------------
def percolation_prediction(degrees: np.ndarray, T: float) -> float:
    """Giant-cluster share S = 1 - G0(1 - T + T u), u = G1(1 - T + T u) (Newman 2002, PRE 66:016128).

    For bond percolation on an undirected network S is both the chance that one random seed starts a
    large outbreak and the share of the population a large outbreak reaches. Computed from the
    realised degree sequence.
    """
    k = degrees.astype(float)

    def G0(x):
        return np.mean(x**k)

    def G1(x):
        return np.sum(k * x ** np.maximum(k - 1, 0)) / k.sum()

    u = brentq(lambda u: G1(1 - T + T * u) - u, 0.0, 1.0 - 1e-9) if G1(1 - T + T * (1 - 1e-9)) < 1 - 1e-9 else 1.0
    return 1.0 - G0(1 - T + T * u)


@pytest.mark.parametrize(
    "name, graph",
    [
        ("erdos_renyi", lambda: nx.fast_gnp_random_graph(2000, 4.0 / 1999, seed=3)),
        ("random_regular", lambda: nx.random_regular_graph(4, 2000, seed=3)),
    ],
)
def test_independent_cascade_matches_bond_percolation(name, graph):
    G = graph()
    n, T, runs = G.number_of_nodes(), 0.5, 400
    S = percolation_prediction(np.array([d for _, d in G.degree]), T)
    finals = trajectories(scenario("independent_cascade", count=1, steps=200, p=T), G, runs)[:, -1] / n
    large = finals > 0.1  # small outbreaks stay O(1); large ones are O(n): the gap is wide at n = 2000
    # outbreak probability: binomial standard error ~0.024 at S~0.6; allow 4 SE plus finite-size slack
    assert abs(large.mean() - S) < 0.1, (large.mean(), S)
    # size of large outbreaks within 0.03 of S (finite-size deviation is O(n^-1/3) ~ 0.08 near
    # threshold, far smaller here where T*excess degree = 1.5-2)
    assert abs(finals[large].mean() - S) < 0.03, (finals[large].mean(), S)


# --- absolute threshold 2 on a ring lattice (Centola & Macy 2007, Am. J. Sociol. 113:702) -------
def test_absolute_threshold_adjacent_seeds_convert_ring_in_half_n_minus_one_rounds():
    n = 40
    G = nx.watts_strogatz_graph(n, 4, 0.0)
    res = simulate(scenario("absolute_threshold", seeds=[0, 1], k=2), graph=G)
    counts = np.rint(res.history[:, 0, 0] * n)
    assert counts[-1] == n
    assert int(np.argmax(counts == n)) == n // 2 - 1
    # two new adopters per round, one at each end of the growing arc
    assert np.all(np.diff(counts[: n // 2]) == 2)


def test_absolute_threshold_seeds_five_apart_convert_nobody():
    G = nx.watts_strogatz_graph(40, 4, 0.0)
    res = simulate(scenario("absolute_threshold", seeds=[0, 5], k=2), graph=G)
    assert res.final["b"] == pytest.approx(2 / 40)
    assert res.steps == 1  # the first round changes nothing: a steady state


# --- fractional threshold and linear threshold on small graphs, by hand ------------------------
def star(leaves: int = 4) -> nx.Graph:
    return nx.star_graph(leaves)  # centre 0


def test_threshold_on_a_star_by_hand():
    # seeds 1 and 2: centre sees 2/4 >= 0.5 and adopts in round 1; the other leaves see 1/1 in round 2
    res = simulate(scenario("threshold", seeds=[1, 2], threshold=0.5), graph=star())
    counts = np.rint(res.history[:, 0, 0] * 5)
    assert counts.tolist() == [2, 3, 5, 5]
    # one seed: centre sees 1/4 < 0.5; nothing happens
    assert simulate(scenario("threshold", seeds=[1], threshold=0.5), graph=star()).final["b"] == pytest.approx(0.2)


def test_threshold_isolated_person_never_adopts_unless_seeded():
    G = nx.path_graph(3)
    G.add_node(99)
    res = simulate(scenario("threshold", seeds=[0], threshold=0.0), graph=G)
    assert res.final["b"] == pytest.approx(3 / 4)
    res = simulate(scenario("threshold", seeds=[99], threshold=0.0), graph=G)
    assert res.final["b"] == 1.0  # 0 adopting neighbours / degree >= 0 for the path; 99 was seeded


def test_threshold_distribution_is_drawn_once_per_person():
    sc = scenario("threshold", count=5, threshold={"dist": "uniform", "low": 0.1, "high": 0.3})
    from model import BehaviourModel

    m = BehaviourModel(sc, graph=nx.karate_club_graph())
    theta = m.population.theta[0].copy()
    assert theta.min() >= 0.1 and theta.max() <= 0.3 and len(np.unique(theta)) == 34
    m.run()
    assert np.array_equal(theta, m.population.theta[0])


def test_linear_threshold_on_a_path_by_hand():
    # a - b - c, a seeded: b (degree 2) adopts iff its U(0,1) threshold <= 1/2; c (degree 1) then
    # surely does. E[final count] = 1 + 2 * 1/2 = 2; each run ends at 1 or 3 (sd 1): 2000 runs,
    # SE 0.022, tolerance 0.09 (4 SE).
    G = nx.path_graph(3)
    finals = trajectories(scenario("linear_threshold", seeds=[0], steps=10), G, 2000)[:, -1]
    assert set(np.unique(finals)) == {1.0, 3.0}
    assert abs(finals.mean() - 2.0) < 0.09


def test_linear_threshold_with_edge_weights():
    # v has two seeded neighbours with weights 0.3 and 0.6: P(adopt) = P(theta <= 0.9) = 0.9
    G = nx.Graph()
    G.add_edge("u", "v", w=0.3)
    G.add_edge("x", "v", w=0.6)
    finals = trajectories(scenario("linear_threshold", seeds=["u", "x"], steps=5, weight="w"), G, 2000)[:, -1]
    share = (finals == 3).mean()
    assert abs(share - 0.9) < 4 * np.sqrt(0.09 / 2000)


def test_star_centre_adopts_under_linear_threshold_when_all_leaves_do():
    res = simulate(scenario("linear_threshold", seeds=[1, 2, 3, 4]), graph=star())
    assert res.final["b"] == 1.0 and res.steps >= 1


# --- SIS and SI on a complete graph against their exact Markov chains ------------------------------
def sis_chain(n: int, start: int, beta: float, relapse: float, steps: int) -> np.ndarray:
    """Law of the number adopting at each round (Keeling & Rohani 2008 ch. 3, discrete-time SIS).

    From I adopting: adoptions ~ Binomial(n - I, 1 - (1 - beta)^I), relapses ~ Binomial(I, relapse),
    independent within a round.
    """
    law = np.zeros((steps + 1, n + 1))
    law[0, start] = 1.0
    for t in range(steps):
        for i in np.flatnonzero(law[t] > 0):
            q = 1 - (1 - beta) ** i
            gain = stats.binom.pmf(np.arange(n - i + 1), n - i, q)
            loss = stats.binom.pmf(np.arange(i + 1), i, relapse)
            for r, pr in enumerate(loss):
                law[t + 1, i - r : i - r + len(gain)] += law[t, i] * pr * gain
    return law


@pytest.mark.parametrize("relapse", [0.0, 0.15])
def test_sis_on_complete_graph_matches_exact_chain(relapse):
    n, beta, runs, steps = 25, 0.02, 2000, 20
    G = nx.complete_graph(n)
    counts = trajectories(scenario("sis", count=2, steps=steps, beta=beta, relapse=relapse), G, runs)
    law = sis_chain(n, 2, beta, relapse, steps)
    for t in (1, 3, 6, 10, 20):
        exact_mean = law[t] @ np.arange(n + 1)
        se = counts[:, t].std(ddof=1) / np.sqrt(runs)
        assert abs(counts[:, t].mean() - exact_mean) < 4 * se + 1e-9, (t, counts[:, t].mean(), exact_mean)
    observed = np.bincount(counts[:, 10].astype(int), minlength=n + 1)
    assert chi_square_pvalue(observed, law[10]) > 0.001


def test_sis_without_relapse_is_si():
    # with relapse 0 nobody ever stops (the SI model); the exact-chain test above checks its law
    G = nx.erdos_renyi_graph(300, 0.02, seed=1)
    counts = trajectories(scenario("sis", count=3, steps=40, beta=0.05, relapse=0.0), G, 20)
    assert np.all(np.diff(counts, axis=1) >= 0), "SI never loses an adopter"
    assert counts[:, -1].mean() > 3, "and it spreads"
