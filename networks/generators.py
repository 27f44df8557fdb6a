"""Generated network kinds: classic random-graph models with validated parameters.

Each builder takes ``n``, a ``seed`` and its own keyword parameters, already checked by the kind's
pydantic model in ``networks.kind_params`` (``networks.generate`` validates them at the edge), and
returns an undirected ``networkx.Graph`` whose nodes are 0..n-1. References are in each docstring.
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np

__all__ = ["BUILDERS"]


def erdos_renyi(n: int, seed: int, mean_degree: float = 4.0) -> nx.Graph:
    """G(n, p) with p = mean_degree / (n - 1) (Erdos & Renyi 1959)."""
    p = 0.0 if n < 2 else mean_degree / (n - 1)
    if p < 1e-12:  # below this no tie is expected at any feasible n (and networkx divides by log(1-p))
        G = nx.empty_graph(n)
        return G
    return nx.fast_gnp_random_graph(n, p, seed=seed)


def watts_strogatz(n: int, seed: int, k: int = 4, p: float = 0.1) -> nx.Graph:
    """Small-world ring of k nearest neighbours with rewiring probability p (Watts & Strogatz 1998)."""
    return nx.watts_strogatz_graph(n, k, p, seed=seed)


def barabasi_albert(n: int, seed: int, m: int = 3) -> nx.Graph:
    """Preferential attachment, each newcomer linking to m existing people (Barabasi & Albert 1999)."""
    return nx.barabasi_albert_graph(n, m, seed=seed)


def powerlaw_cluster(n: int, seed: int, m: int = 3, p: float = 0.3) -> nx.Graph:
    """Preferential attachment with triad closure probability p (Holme & Kim 2002)."""
    return nx.powerlaw_cluster_graph(n, m, p, seed=seed)


def stochastic_block(
    n: int, seed: int, groups: int = 4, mean_degree: float = 6.0, homophily: float = 0.8
) -> nx.Graph:
    """Equal-sized groups; a share ``homophily`` of each person's expected ties fall within the group.

    A planted-partition stochastic block model (Holland, Laskey & Leinhardt 1983). Each node carries
    its ``block`` attribute so groups can be targeted and compared.
    """
    sizes = [n // groups + (1 if i < n % groups else 0) for i in range(groups)]
    size = n / groups
    p_in = min(1.0, homophily * mean_degree / max(size - 1, 1))
    p_out = 0.0 if groups == 1 else min(1.0, (1 - homophily) * mean_degree / max(n - size, 1))
    probs = [[p_in if i == j else p_out for j in range(groups)] for i in range(groups)]
    G = nx.stochastic_block_model(sizes, probs, seed=seed, sparse=True)
    for _node, data in G.nodes(data=True):
        data["block"] = data.pop("block")
    G.graph.pop("partition", None)
    return nx.Graph(G)


def configuration(
    n: int, seed: int, degrees: list[int] | None = None, exponent: float | None = None, min_degree: int = 2
) -> nx.Graph:
    """Random graph with a given degree sequence, or power-law degrees P(k) ~ k^-exponent.

    Built with the configuration model (Molloy & Reed 1995; Newman 2002); multi-edges and self-loops
    are removed, which lowers a few degrees on heavy-tailed sequences.
    """
    rng = np.random.default_rng(seed)
    if degrees is not None:
        seq = [int(d) for d in degrees]
    else:
        exponent = 2.5 if exponent is None else exponent
        kmax = max(min_degree, int(math.sqrt(n)))  # structural cut-off keeps the graph nearly simple
        ks = np.arange(min_degree, kmax + 1)
        pk = ks ** (-float(exponent))
        seq = rng.choice(ks, size=n, p=pk / pk.sum()).tolist()
    if sum(seq) % 2:
        seq[int(np.argmax(seq))] -= 1
    M = nx.configuration_model(seq, seed=int(rng.integers(2**31)))
    G = nx.Graph(M)
    G.remove_edges_from(nx.selfloop_edges(G))
    return G


def ring_lattice(n: int, seed: int, k: int = 4) -> nx.Graph:
    """Ring where each person is tied to the k nearest (k/2 each side): Centola & Macy's (2007) lattice."""
    return nx.watts_strogatz_graph(n, k, 0.0, seed=seed)


def grid_2d(n: int, seed: int, width: int | None = None, periodic: bool = False, moore: bool = False) -> nx.Graph:
    """A width x (n / width) lattice, von Neumann (4) or Moore (8) neighbourhood; nodes relabelled 0..n-1."""
    width = width or int(round(math.sqrt(n)))
    height = n // width
    G = nx.grid_2d_graph(height, width, periodic=periodic)
    if moore:
        for r in range(height):
            for c in range(width):
                for dr, dc in ((1, 1), (1, -1)):
                    rr, cc = r + dr, c + dc
                    if periodic:
                        rr, cc = rr % height, cc % width
                    if 0 <= rr < height and 0 <= cc < width and (rr, cc) != (r, c):
                        G.add_edge((r, c), (rr, cc))
    mapping = {(r, c): r * width + c for r, c in G.nodes}
    H = nx.relabel_nodes(G, mapping)
    for (r, c), i in mapping.items():
        H.nodes[i]["row"], H.nodes[i]["col"] = r, c
    return nx.convert_node_labels_to_integers(H, ordering="sorted")


BUILDERS = {
    "erdos_renyi": erdos_renyi,
    "watts_strogatz": watts_strogatz,
    "barabasi_albert": barabasi_albert,
    "powerlaw_cluster": powerlaw_cluster,
    "stochastic_block": stochastic_block,
    "configuration": configuration,
    "ring_lattice": ring_lattice,
    "grid_2d": grid_2d,
}
