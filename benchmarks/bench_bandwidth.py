"""The machine's memory bandwidth, the edge-visit rate it allows, and how close the kernels come.

What: a compiled sum over a 1 GiB ``uint32`` array (serially, and with ``prange`` on 1 and 2
threads) gives the streaming read bandwidth. A full synchronous sweep must read at least 4 bytes of
``indices`` per edge visit (uint32 neighbour ids; ``indptr`` and the state array add a little more),
so bandwidth / 4 B is an upper bound on edge visits per second. Each kernel's measured rate is then
printed as a share of that bound: the threshold full sweep (``model.rules.threshold.sweep``) on 1
and 2 threads at 100,000 and 1,000,000 people, beside two stripped-down loops that locate the cost
(``stream``: read ``indices`` only, in CSR order, per node; ``gather``: also read the neighbour's
state; the sweep adds the per-person threshold test and the output write), on Barabasi-Albert and
Watts-Strogatz graphs (``first_half_share``: the share of adjacency entries held by the first half
of the people, which is what a static two-thread split of the node range gives the first thread).

Why: ``docs/performance.md`` found the simple kernels at 11-13% of the
bound, latency- and instruction-bound rather than bandwidth-bound; this keeps that figure measured.

The machine is shared (2 cores): medians are reported with the best run and the CPU time beside
them, and the load average at the start and end. ``run() -> dict``; ``python -m
benchmarks.bench_bandwidth`` prints it.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time

import numba
import numpy as np
from numba import njit, prange

GIB = 1 << 30
BYTES_PER_VISIT = 4  # one uint32 of ``indices`` per edge visit, at least


@njit(cache=True)
def _sum_serial(a):
    s = np.uint32(0)
    for i in range(len(a)):
        s += a[i]
    return s


@njit(parallel=True, cache=True)
def _sum_parallel(a):
    s = np.uint32(0)  # wraps: only the reads matter
    for i in prange(len(a)):
        s += a[i]
    return s


def _stream_py(indptr, indices, adopted, out):
    """Per person, read their slice of ``indices`` (no neighbour state): the streaming part of a sweep."""
    n = len(indptr) - 1
    for i in prange(n):
        c = np.uint32(0)
        for e in range(indptr[i], indptr[i + 1]):
            c += indices[e]
        out[i] = c & 1


def _gather_py(indptr, indices, adopted, out):
    """Per person, count adopting neighbours (the sweep without its threshold test)."""
    n = len(indptr) - 1
    for i in prange(n):
        c = 0
        for e in range(indptr[i], indptr[i + 1]):
            c += adopted[indices[e]]
        out[i] = c > 0


def _pair(fn) -> dict:
    from model.rules._kernel import kernel  # serial and parallel forms, each with its own cache entry

    compiled = kernel(fn)
    return {"serial": compiled.serial, "parallel": compiled.parallel}


def _time(fn, *args, repeats: int = 7) -> dict:
    fn(*args)  # compile / load and touch the pages
    wall, cpu = [], []
    for _ in range(repeats):
        w, c = time.perf_counter(), time.process_time()
        fn(*args)
        wall.append(time.perf_counter() - w)
        cpu.append(time.process_time() - c)
    return {"time_s": statistics.median(wall), "best_s": min(wall), "cpu_s": statistics.median(cpu)}


def _forms(threads=(1, 2)):
    """(label, kind, thread count): the serial form and the parallel form on each thread count."""
    out = [("serial", "serial", 1)]
    for k in threads:
        if k <= numba.config.NUMBA_NUM_THREADS:
            out.append((f"parallel_{k}t", "parallel", k))
    return out


def bandwidth(size_bytes: int = GIB, repeats: int = 7) -> dict:
    """Streaming read bandwidth (bytes/s) of a sum over a ``size_bytes`` uint32 array."""
    a = np.ones(size_bytes // 4, dtype=np.uint32)
    result = {"array_bytes": a.nbytes}
    before = numba.get_num_threads()
    try:
        for name, kind, k in _forms():
            numba.set_num_threads(k)
            t = _time(_sum_serial if kind == "serial" else _sum_parallel, a, repeats=repeats)
            t["threads"] = k
            t["bytes_per_s"] = a.nbytes / t["time_s"]
            t["best_bytes_per_s"] = a.nbytes / t["best_s"]
            result[name] = t
    finally:
        numba.set_num_threads(before)
    del a
    return result


def kernel_rates(n: int, kind: str = "ba", repeats: int = 11) -> dict:
    """Edge visits per second of stream, gather and the threshold sweep on a Barabasi-Albert (m=5,
    ``kind="ba"``) or Watts-Strogatz (k=10, p=0.1, ``kind="ws"``) graph of n people, built as arrays."""
    from model.rules import threshold

    if kind == "ba":
        from networks.arrays import barabasi_albert_csr

        csr = barabasi_albert_csr(n, seed=1, m=5)
        indptr, indices = csr.indptr, csr.indices
    else:
        from .bench_peers import watts_strogatz_csr

        indptr, indices = watts_strogatz_csr(n, 10, 0.1, seed=1)
    adopted = np.zeros(n, dtype=np.uint8)
    adopted[np.random.default_rng(42).choice(n, size=n // 100, replace=False)] = 1
    theta = np.full(n, 0.2)
    out = np.zeros(n, dtype=np.uint8)
    entries = len(indices)
    kernels = {
        "stream": (_pair(_stream_py), (indptr, indices, adopted, out)),
        "gather": (_pair(_gather_py), (indptr, indices, adopted, out)),
        "threshold.sweep": ({"serial": threshold.sweep.serial, "parallel": threshold.sweep.parallel}, (indptr, indices, adopted, theta, out)),
    }
    result = {"n": n, "graph": kind, "edge_visits": entries, "first_half_share": float(indptr[n // 2] / entries), "kernels": {}}
    before = numba.get_num_threads()
    try:
        for kname, (forms, args) in kernels.items():
            rows = {}
            for name, kind, k in _forms():
                numba.set_num_threads(k)
                t = _time(forms[kind], *args, repeats=repeats)
                t.update(threads=k, edge_visits_per_s=entries / t["time_s"], best_edge_visits_per_s=entries / t["best_s"],
                         per_cpu_second=entries / t["cpu_s"] if t["cpu_s"] > 0 else None)
                rows[name] = t
            result["kernels"][kname] = rows
    finally:
        numba.set_num_threads(before)
    return result


def run(sizes=(100_000, 1_000_000), size_bytes: int = GIB, kinds=("ba", "ws"), console=None) -> dict:
    """Bandwidth, the edge-visit bound it implies, and each kernel's rate as a share of it."""
    from .common import machine

    load_start = os.getloadavg()
    bw = bandwidth(size_bytes)
    bound = {name: bw[name]["bytes_per_s"] / BYTES_PER_VISIT for name, _, _ in _forms()}
    best_bound = {name: bw[name]["best_bytes_per_s"] / BYTES_PER_VISIT for name, _, _ in _forms()}
    kernels = [kernel_rates(n, kind) for n in sizes for kind in kinds]
    for k in kernels:
        for rows in k["kernels"].values():
            for name, row in rows.items():
                row["share_of_bound"] = row["edge_visits_per_s"] / bound[name]
                row["best_share_of_best_bound"] = row["best_edge_visits_per_s"] / best_bound[name]
    result = {
        "machine": machine(),
        "load_average": {"start": list(load_start), "end": list(os.getloadavg())},
        "bytes_per_visit": BYTES_PER_VISIT,
        "bandwidth": bw,
        "edge_visit_bound": bound,
        "edge_visit_bound_best": best_bound,
        "kernels": kernels,
    }
    print_tables(result, console)
    return result


def print_tables(result: dict, console=None) -> None:
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    bw = Table(title=f"Memory bandwidth: sum over a {result['bandwidth']['array_bytes'] / GIB:.0f} GiB uint32 array")
    for col in ("form", "GB/s (median)", "GB/s (best)", "bound: edge visits/s (4 B each)"):
        bw.add_column(col, justify="right")
    for name, _, _ in _forms():
        row = result["bandwidth"][name]
        bw.add_row(name, f"{row['bytes_per_s'] / 1e9:.1f}", f"{row['best_bytes_per_s'] / 1e9:.1f}", f"{result['edge_visit_bound'][name]:.3g}")
    console.print(bw)
    kt = Table(title="Kernel edge-visit rates as a share of the bandwidth bound (same thread count)")
    for col in ("graph", "n", "kernel", "form", "visits/s (median)", "share", "visits/s (best)", "best share", "visits per CPU-s"):
        kt.add_column(col, justify="right")
    for k in result["kernels"]:
        for kname, rows in k["kernels"].items():
            for name, row in rows.items():
                kt.add_row(k["graph"], f"{k['n']:,}", kname, name, f"{row['edge_visits_per_s']:.3g}", f"{row['share_of_bound']:.0%}",
                           f"{row['best_edge_visits_per_s']:.3g}", f"{row['best_share_of_best_bound']:.0%}",
                           f"{(row['per_cpu_second'] or 0):.3g}")
    console.print(kt)
    la = result["load_average"]
    from .common import describe

    console.print(f"machine: {describe(result['machine'])}")
    console.print(f"load average: start {la['start'][0]:.2f}, end {la['end'][0]:.2f} ({result['machine'].get('cores')} cores)")


if __name__ == "__main__":
    out = run()
    if len(sys.argv) > 1:
        with open(sys.argv[1], "w") as fh:
            json.dump(out, fh, indent=2)
