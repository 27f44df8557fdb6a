"""Diffusion centrality targeting: recruit the people whose news reaches most others in T rounds.

Banerjee, Chandrasekhar, Duflo & Jackson (2013), "The diffusion of microfinance", *Science*
341:1236498. DC = sum_{t=1..T} (q A)^t 1: the expected number of times people hear a piece of
information first told to i, when each informed person passes it to each friend with probability q
per round for T rounds. T = 1 gives degree; with q >= 1/lambda_max and large T it approaches
eigenvector centrality (Banerjee et al. 2019, *Rev. Econ. Stud.* 86:2453). Defaults: q = 1/lambda_max
(the critical passing rate) and T = 3, computed with scipy sparse products.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse.linalg import ArpackError, ArpackNoConvergence, eigsh

from ._common import csr_of, ids, no_params, number, top_positions
from .eigenvector import adjacency, leading_eigenvector
from .registry import strategy

#: rounds of passing on at most: by then DC has long settled on eigenvector centrality's order (Banerjee
#: et al. 2019), and each round costs a product over every tie
MAX_ROUNDS = 1000


@strategy("diffusion_centrality")
def diffusion_centrality(G, count, rng, q=None, T=3, **params):
    """Highest diffusion centrality first; ties by degree, then at random.

    Params:
        q: passing probability per tie and round, in (0, 1]; default 1/lambda_max of the adjacency.
        T: number of rounds (default 3).
    """
    csr = csr_of(G)
    return ids(csr, top_positions(centrality(csr, rng, q, T, **params), count, rng, csr.degree))


def centrality(G, rng=None, q=None, T=3, **params) -> np.ndarray:
    """Diffusion centrality per person, in CSR order (parameters as for the strategy)."""
    no_params("diffusion_centrality", params)
    T = number("diffusion_centrality", "T", T, 1, MAX_ROUNDS, integer=True)
    if q is not None:
        q = number("diffusion_centrality", "q", q, 0.0, 1.0, low_open=True)
    return diffusion_scores(csr_of(G), q, T)


def diffusion_scores(csr, q: float | None = None, T: int = 3) -> np.ndarray:
    A = adjacency(csr)
    if q is None:
        lam = largest_eigenvalue(A)
        q = min(1.0, 1.0 / lam) if lam > 0 else 1.0
    v = np.ones(csr.n)
    total = np.zeros(csr.n)
    for _ in range(T):
        v = q * (A @ v)
        total += v
    return total


def largest_eigenvalue(A) -> float:
    """lambda_max of a symmetric adjacency (Lanczos; power iteration if that fails or n <= 2)."""
    n = A.shape[0]
    if n > 2 and A.nnz:
        try:
            return float(eigsh(A, k=1, which="LA", v0=np.ones(n), tol=1e-6, maxiter=5000)[0][0])
        except (ArpackNoConvergence, ArpackError):
            pass
    return leading_eigenvector(A, max_iter=1000, tol=1e-8, lanczos=False)[1]
