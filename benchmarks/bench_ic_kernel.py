"""Independent-cascade trials on one thread: ``model.spread.SpreadEstimator`` against cynetdiff.

What: on the peer benchmark's graphs (``bench_peers.build_graph``: BA m = 5 and WS k = 10, p = 0.1,
with the same 1% random seeds), the time per trial of ``SpreadEstimator(csr, {"rule":
"independent_cascade", "p": 0.05}, trials=50).trial_counts(seeds)`` with numba on one thread, and the
median time of one cynetdiff ``IndependentCascadeModel`` cascade (``reset_model`` +
``advance_until_completion``, as ``bench_peers.run_cynetdiff`` drives it), measured alternately in
one process, with the 1-minute load average beside each figure. cynetdiff is optional
(``pip install -e ".[bench]"``); without it only wellspread is timed.

Why: the IC trial loop is what celf, replicate studies and the batched-trials column of
``docs/performance.md`` run; it is memory-latency-bound at 10^6 people, so it is the kernel most
sensitive to layout and prefetching changes. ``python -m benchmarks.bench_ic_kernel [ws100k ...]``.
"""

from __future__ import annotations

import os
import sys

import numba
import numpy as np

from .common import timed

GRAPHS = ("ws100k", "ba100k", "ws1m", "ba1m")
TRIALS = 50
P = 0.05


def _median_time(fn, repeats: int) -> float:
    return timed(fn, repeats)


def run(names=GRAPHS, rounds: int = 2) -> list[dict]:
    import networks
    from benchmarks.bench_peers import build_graph
    from model.spread import SpreadEstimator

    before = numba.get_num_threads()
    numba.set_num_threads(1)
    rows = []
    try:
        for name in names:
            g = build_graph(name)
            csr = networks.CSR(indptr=g["indptr"], indices=g["indices"], nodes=range(g["n"]))
            seeds = g["seeds"]
            est = SpreadEstimator(csr, {"rule": "independent_cascade", "p": P}, trials=TRIALS, steps=1_000_000, seed=1)
            row = {"graph": name, "mean_adopters": float(est.trial_counts(seeds).mean())}
            cascade = _cynetdiff(g, seeds)
            for k in range(rounds):
                row[f"wellspread_ms_{k}"] = _median_time(lambda est=est, seeds=seeds: est.trial_counts(seeds), 5) / TRIALS * 1e3
                row[f"load_{k}"] = os.getloadavg()[0]
                if cascade is not None:
                    row[f"cynetdiff_ms_{k}"] = _median_time(cascade, TRIALS) * 1e3
            rows.append(row)
            print({key: round(v, 4) if isinstance(v, float) else v for key, v in row.items()}, flush=True)
    finally:
        numba.set_num_threads(before)
    return rows


def _cynetdiff(g: dict, seeds: np.ndarray):
    try:
        from cynetdiff.models import IndependentCascadeModel
    except ImportError:
        return None
    starts = np.ascontiguousarray(g["indptr"][:-1], dtype=np.uint32)
    edges = np.ascontiguousarray(g["indices"], dtype=np.uint32)
    ic = IndependentCascadeModel(starts, edges, activation_prob=P, rng=1)
    ic.set_seeds([int(s) for s in seeds])

    def cascade():
        ic.reset_model()
        ic.advance_until_completion()
        return ic.get_num_activated_nodes()

    return cascade


if __name__ == "__main__":
    run(sys.argv[1:] or GRAPHS)
