"""Reproduce issue 14's crash: rules that share compiled kernels, each run in its own process.

Run ``python tools/cache_crash_repro.py`` (empty numba cache made here, in a temporary folder;
``--keep-cache-env``: the cache the environment gives, as ``tools/user_checks.sh`` runs it).
Each step is a fresh ``python -c`` process calling ``model.simulate`` (the notebook path) on a
1,100,000-person Barabasi-Albert network (m=3, built as arrays, 5,000 degree seeds), in the order
absolute_threshold (k=2), threshold (0.1), threshold. Before the fix the third process died with
SIGSEGV every time: it loaded ``threshold.run`` from the cache, a serial function that reaches the
parallel ``full_counts`` kernel, without numba's threading layer started. Exit status: 0 when every
step exits 0, else 1, naming the step and the signal.

``--small``: the same order at 1,000 people (serial kernels only), after ``--before CMD`` (for
example the engine tests) has run against the same cache.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time

STEP = """
import faulthandler, sys
faulthandler.enable()
from model import Scenario, simulate
rule, n = sys.argv[1], int(sys.argv[2])
params = {{"absolute_threshold": {{"k": 2}}, "threshold": {{"threshold": 0.1}}}}[rule]
sc = Scenario.model_validate({{
    "seed": 1, "steps": 60,
    "network": {{"kind": "barabasi_albert", "n": n, "m": 3, "arrays": n > 100_000}},
    "behaviours": [{{"name": "x", "rule": rule, **params}}],
    "seeding": {{"strategy": "degree", "count": {seeds}}},
}})
r = simulate(sc)
print(rule, n, "final", round(r.final["x"], 4), flush=True)
"""

ORDER = ("absolute_threshold", "threshold", "threshold")


def run_steps(n: int, seeds: int, env: dict, timeout: float, order=ORDER) -> list[str]:
    failures = []
    code = STEP.format(seeds=seeds)
    for i, rule in enumerate(order, 1):
        start = time.perf_counter()
        try:
            done = subprocess.run(
                [sys.executable, "-c", code, rule, str(n)], env=env, timeout=timeout, capture_output=True, text=True
            )
        except subprocess.TimeoutExpired:
            failures.append(f"step {i} ({rule}, n={n}): timed out after {timeout:.0f} s")
            continue
        took = time.perf_counter() - start
        rc = done.returncode
        if rc < 0:
            name = signal.Signals(-rc).name
            trace = "\n".join(line for line in done.stderr.splitlines() if line.strip().startswith("File "))
            failures.append(f"step {i} ({rule}, n={n}): killed by {name}\n{trace}")
            print(f"step {i} {rule} n={n}: {name} after {took:.1f} s", flush=True)
        elif rc:
            failures.append(f"step {i} ({rule}, n={n}): exit {rc}\n{done.stderr[-1500:]}")
            print(f"step {i} {rule} n={n}: exit {rc}", flush=True)
        else:
            print(f"step {i} {rule} n={n}: ok {took:.1f} s  {done.stdout.strip()}", flush=True)
    return failures


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--small", action="store_true", help="1,000 people instead of 1,100,000")
    ap.add_argument("--before", default=None, help="shell command run first against the same cache")
    ap.add_argument("--cache", default=None, help="NUMBA_CACHE_DIR to use (default: a new empty one)")
    ap.add_argument("--keep-cache-env", action="store_true", help="use numba's cache as the environment sets it")
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--order", default=",".join(ORDER), help="rules, one process each (default: %(default)s)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="numba-cache-") as fresh:
        env = dict(os.environ) if args.keep_cache_env else {**os.environ, "NUMBA_CACHE_DIR": args.cache or fresh}
        if args.before:
            print(f"before: {args.before}", flush=True)
            subprocess.run(args.before, shell=True, env=env, check=False)
        n, seeds = (1_000, 20) if args.small else (1_100_000, 5_000)
        failures = run_steps(n, seeds, env, args.timeout, args.order.split(","))
    for f in failures:
        print("FAILED", f, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
