"""``make run`` against another checkout: the whole command, wall-clock, alternated on one machine.

``make run`` is what a new user runs first: ``wellspread compare`` of 12 strategies x 20 replicates
on the 20,000-person town. This times that command, as the Makefile runs it, in this checkout and in
a baseline checkout (``--baseline DIR``, with its own ``.venv``): a warm-up of each (numba's caches
filled, as after ``make test``), then ``--rounds`` rounds alternating baseline and this tree, each a
fresh process. It reports each tree's fastest and median time, their ratio, the 1-minute load, and
whether the two comparison tables agree (strategy by strategy, final adoption to 3 decimals).

Run: ``python -m benchmarks.bench_make_run --baseline ../wellspread-04cdeea [--rounds 2] [--out FILE]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def make_run_command(tree: Path, out: Path) -> list[str]:
    """The Makefile's ``run`` recipe (this tree's replicates and strategies) with ``tree``'s ``wellspread``."""
    text = (ROOT / "Makefile").read_text()
    values = dict(line.split(" ?= ", 1) for line in text.splitlines() if " ?= " in line and not line.startswith("PYTHON"))
    return [
        str(tree / ".venv" / "bin" / "wellspread"), "compare", "experiments/examples/town.toml",
        "--replicates", values["REPLICATES"].strip(), "--strategies", values["STRATEGIES"].strip(), "--out", str(out),
    ]  # fmt: skip


def timed(tree: Path, out: Path) -> float:
    start = time.perf_counter()
    subprocess.run(make_run_command(tree, out), cwd=tree, check=True, capture_output=True)
    return time.perf_counter() - start


def finals(out: Path) -> pd.Series:
    table = pd.read_csv(out / "comparison.csv")
    column = "mean" if "mean" in table else "final"
    return table.set_index("strategy")[column].round(3)


def main(argv=None) -> None:
    from benchmarks.common import describe, machine

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", type=Path, required=True, help="another checkout with its own .venv")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "make_run.json")
    args = parser.parse_args(argv)
    trees = {"baseline": args.baseline.resolve(), "this": ROOT}
    info = machine()
    print(describe(info), flush=True)
    times: dict[str, list[float]] = {name: [] for name in trees}
    load = [os.getloadavg()[0]]
    with tempfile.TemporaryDirectory() as tmp:
        outs = {name: Path(tmp) / name for name in trees}
        for name, tree in trees.items():  # warm-up: numba's caches filled, as after `make test`
            print(f"warm-up {name}: {timed(tree, outs[name]):.1f} s", flush=True)
        for _ in range(args.rounds):
            for name, tree in trees.items():
                times[name].append(timed(tree, outs[name]))
                load.append(os.getloadavg()[0])
                print(f"{name}: {times[name][-1]:.1f} s (load {load[-1]:.1f})", flush=True)
        a, b = finals(outs["baseline"]), finals(outs["this"])
        differ = sorted(s for s in a.index.intersection(b.index) if a[s] != b[s])
    best = {name: min(t) for name, t in times.items()}
    record = {
        "machine": info, "baseline": str(trees["baseline"]), "times_s": times, "best_s": best,
        "median_s": {name: statistics.median(t) for name, t in times.items()}, "speedup": best["baseline"] / best["this"],
        "load_1min": [min(load), max(load)], "finals_differ": differ,
    }  # fmt: skip
    print(f"make run: baseline {best['baseline']:.1f} s, this tree {best['this']:.1f} s: {record['speedup']:.2f}x "
          f"(load {min(load):.1f}-{max(load):.1f}); final adoption differs (3 dp) for: {', '.join(differ) or 'none'}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(record, indent=1))


if __name__ == "__main__":
    sys.exit(main())
