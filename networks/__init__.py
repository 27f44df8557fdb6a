"""Social networks for wellspread: generated kinds, a synthetic town, files and real data sets.

This package knows nothing of behaviour: it builds and reads ``networkx`` graphs and converts
them to the CSR arrays the kernels use.
"""

from __future__ import annotations

import functools
import inspect

import networkx as nx

from . import _jit_cache, datasets  # noqa: F401  (_jit_cache first: numba's cache folder for this version)
from .csr import CSR, csr_of, to_csr
from .datasets import DATASETS, dataset
from .errors import NetworkError
from .generators import BUILDERS
from .kind_params import KIND_PARAMS, validate_params

__all__ = [
    "KINDS", "CSR", "NetworkError", "generate", "load", "to_csr", "csr_of", "kind_parameters",
    "datasets", "dataset", "DATASETS",
]


def _builders() -> dict:
    builders = dict(BUILDERS)
    try:
        from .town import town
    except ImportError:  # pragma: no cover - town is part of the package
        pass
    else:
        builders["town"] = town
    return builders


_BUILDERS = _builders()
KINDS: tuple[str, ...] = tuple(_BUILDERS)


def kind_parameters(kind: str) -> dict:
    """The keyword parameters a kind accepts, with their defaults."""
    return dict(_kind_parameters(kind))


@functools.cache
def _kind_parameters(kind: str) -> dict:
    # every scenario validation asks; inspect.signature costs about 0.2 ms a time
    sig = inspect.signature(_builder(kind))
    return {name: p.default for name, p in sig.parameters.items() if name not in ("n", "seed")}


def _builder(kind: str):
    try:
        return _BUILDERS[kind]
    except KeyError:
        raise NetworkError(f"unknown network kind {kind!r}; choose one of {', '.join(KINDS)}") from None


def generate(kind: str, n: int, seed: int | None = 0, **params) -> nx.Graph:
    """Build a network of ``n`` people of the given kind.

    Parameters
    ----------
    kind : str
        One of ``KINDS``: ``erdos_renyi``, ``watts_strogatz``, ``barabasi_albert``,
        ``powerlaw_cluster``, ``stochastic_block``, ``configuration``, ``ring_lattice``, ``grid_2d``
        or ``town`` (a synthetic town: households, schools, workplaces, clubs, deprivation).
    n : int
        Number of people (>= 1); nodes are ``0..n-1``.
    seed : int
        The same seed gives the same graph.
    **params
        The kind's own parameters (``kind_parameters(kind)`` lists them with their defaults).

    Returns
    -------
    networkx.Graph

    Raises
    ------
    NetworkError
        Unknown kind, unknown parameter, or a value out of range (one line naming it).

    Examples
    --------
    >>> import networks
    >>> G = networks.generate("watts_strogatz", n=100, seed=1, k=4, p=0.1)
    >>> G.number_of_nodes(), G.number_of_edges()
    (100, 200)
    >>> networks.kind_parameters("barabasi_albert")
    {'m': 3}
    >>> networks.generate("barabasi_albert", n=10, m=20)
    Traceback (most recent call last):
    ...
    networks.errors.NetworkError: network kind 'barabasi_albert': m must be an integer in [1, n), got 20
    """
    builder = _builder(kind)
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise NetworkError(f"network kind {kind!r}: n must be a positive integer, got {n!r}")
    allowed = kind_parameters(kind)
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise NetworkError(
            f"network kind {kind!r}: unknown parameter {unknown[0]!r}; it takes {', '.join(allowed) or 'none'}"
        )
    seed = 0 if seed is None else int(seed)
    try:
        if kind in KIND_PARAMS:  # the town checks its own (networks.town)
            params = validate_params(kind, n, params)
        G = builder(n, seed, **params)
    except NetworkError:
        raise
    except (TypeError, ValueError, ArithmeticError, OverflowError, MemoryError, nx.NetworkXError) as exc:
        raise NetworkError(f"network kind {kind!r}: {exc}") from None
    G.graph.setdefault("kind", kind)
    return G


def load(path, **options) -> nx.Graph:
    """Read a network file (.edgelist .csv .graphml .gml .gexf .net); see ``networks.io.load``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import networks
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "friends.edgelist"
    >>> _ = path.write_text("ann bob\\nbob cat\\n")
    >>> G = networks.load(path)
    >>> sorted(G.edges)
    [('ann', 'bob'), ('bob', 'cat')]
    """
    from .io import load as _load

    return _load(path, **options)
