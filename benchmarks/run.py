"""The benchmark suite (``make bench`` / ``wellspread bench``): one run, ratios against baselines
measured in the same run, results to JSON and printed tables.

Parts: the two engines (issue 2), the peers on the same graphs and the memory-bandwidth bound
(issue 7), targeting at scale (issue 3), sweep throughput (issue 4), the 20-year programme (issue 6)
and the 10^6 / 10^7-person scale runs (each in its own process, for its own peak memory).
``--quick`` keeps to small graphs and skips the long parts.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from .common import describe, machine


def _engines_table(engines: dict) -> Table:
    table = Table(title="numba engine vs python (Mesa agent) engine, threshold 0.2, top 1% by degree seeded")
    for col in ("graph", "rounds", "python run", "numba run", "ratio", "same final", "sweep edge visits/s", "sweep ratio"):
        table.add_column(col, justify="right")
    for name, r in engines.items():
        table.add_row(
            name, str(r["rounds"]), f"{r['python_run_s']:.2f} s", f"{r['numba_run_s'] * 1e3:.1f} ms", f"{r['ratio']:.0f}x",
            str(r["same_final_state"]), f"{r['sweep_numba_edge_visits_per_s']:.2e}", f"{r['sweep_step_ratio']:.0f}x",
        )
    return table


def _scale(n: int) -> dict:
    proc = subprocess.run([sys.executable, "-m", "benchmarks.bench_scale", str(n)], capture_output=True, text=True)
    if proc.returncode != 0:
        return {"error": (proc.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(quick: bool = False, out: Path = Path("benchmarks/results/latest.json")) -> dict:
    from . import bench_engines, bench_peers, bench_programme, bench_sweep, bench_targeting

    console = Console()
    results: dict = {"machine": machine()}
    console.print(f"machine: {describe(results['machine'])}")
    results["engines"] = bench_engines.run(quick=quick)
    console.print(_engines_table(results["engines"]))
    results["peers"] = bench_peers.run(quick=quick, console=console)  # prints its own tables
    results["targeting"] = bench_targeting.run(quick=quick)
    console.print_json(data=results["targeting"], default=float)
    results["sweep"] = bench_sweep.run(quick=quick)
    console.print_json(data=results["sweep"], default=float)
    if not quick:
        from . import bench_bandwidth

        results["bandwidth"] = bench_bandwidth.run(console=console)
        results["programme_20y_100k"] = bench_programme.run()
        console.print_json(data=results["programme_20y_100k"], default=float)
        results["scale_1m"] = _scale(1_000_000)
        results["scale_10m"] = _scale(10_000_000)
        console.print_json(data={"scale_1m": results["scale_1m"], "scale_10m": results["scale_10m"]})
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=float))
    console.print(f"wrote {out}")
    return results


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small graphs only")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/latest.json"), help="JSON results file")
    args = parser.parse_args()
    main(quick=args.quick, out=args.out)
