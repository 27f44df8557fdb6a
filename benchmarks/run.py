"""The benchmark suite (``make bench`` / ``wellspread bench``): one run, ratios against baselines
measured in the same run, results to JSON and a printed table."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from .common import machine


def main(quick: bool = False, out: Path = Path("benchmarks/results/latest.json")) -> dict:
    from . import bench_engines

    console = Console()
    results: dict = {"machine": machine(), "engines": bench_engines.run(quick=quick)}
    table = Table(title="numba engine vs python (Mesa agent) engine, threshold 0.2, top 1% by degree seeded")
    for col in ("graph", "rounds", "python run", "numba run", "ratio", "same final", "numba edge visits/s", "sweep ratio"):
        table.add_column(col, justify="right")
    for name, r in results["engines"].items():
        table.add_row(
            name, str(r["rounds"]), f"{r['python_run_s']:.2f} s", f"{r['numba_run_s'] * 1e3:.1f} ms", f"{r['ratio']:.0f}x",
            str(r["same_final_state"]), f"{r['sweep_numba_edge_visits_per_s']:.2e}", f"{r['sweep_step_ratio']:.0f}x",
        )
    console.print(table)
    try:
        from . import bench_sweep
    except ImportError:
        bench_sweep = None
    if bench_sweep is not None:
        results["sweep"] = bench_sweep.run(quick=quick)
        console.print_json(data=results["sweep"])
    if not quick:
        proc = subprocess.run([sys.executable, "-m", "benchmarks.bench_scale"], capture_output=True, text=True)
        if proc.returncode == 0:
            results["scale_1m"] = json.loads(proc.stdout.strip().splitlines()[-1])
            console.print_json(data=results["scale_1m"])
        else:
            results["scale_1m"] = {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr else "failed"}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    console.print(f"wrote {out}")
    return results


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
