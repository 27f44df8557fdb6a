"""Compiled kernels run from numba's on-disk cache in fresh processes, the way users run them (issue 14).

Each step below is a new Python process sharing one empty, temporary ``NUMBA_CACHE_DIR``: what one
process compiles, the next loads. Before the fix, a serial cached function that called a parallel
kernel (``threshold.run`` -> ``recounted`` -> the parallel ``full_counts``) was loaded without
numba's threading layer started and the process died of SIGSEGV; which process crashed depended on
which one had compiled which shared kernel (absolute_threshold, then threshold, then threshold: the
third). A test that set ``PARALLEL_FROM = 0`` froze that value into whatever it compiled, and the
cache handed it to every later process. These tests run every rule at a serial size, in the
parallel form (forced from Python with ``parallel_from``, which changes no compiled value), and
above ``PARALLEL_FROM`` on a 1,000,100-person ring lattice built as arrays (cheap to build; random
seeds dense enough for the full recounts), in orders where rules share kernels. Every step must
exit 0, give the same adoption as every other step for the same run, and a process that ran only
serial sizes must not have started numba's threading layer (a serial form reaches no parallel code).
``tools/cache_crash_repro.py`` is the original 1.1-million-person reproduction.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from model.rules import RULES
from model.rules._kernel import PARALLEL_FROM

ROOT = Path(__file__).resolve().parent.parent
BIG = PARALLEL_FROM + 100  # above PARALLEL_FROM: the parallel forms without any override

#: parameters giving each rule some spread on a ring where ~15% of people are seeded
PARAMS = {
    "independent_cascade": {"p": 0.3},
    "linear_threshold": {},
    "threshold": {"threshold": 0.25},
    "absolute_threshold": {"k": 2},
    "sis": {"beta": 0.2, "relapse": 0.1},
    "logistic": {"intercept": -3.0, "peer": 4.0, "norm": 1.0, "relapse": 0.05},
}

CHILD = r"""
import json, sys
from contextlib import nullcontext
import numpy as np
import numba.np.ufunc.parallel as numba_parallel
import networks
from model import Scenario, simulate
from model.rules._kernel import parallel_from

def ring(n):
    # each person tied to the two people either side: degree 4, built as arrays
    i = np.arange(n, dtype=np.int64)
    indices = np.stack([(i - 2) % n, (i - 1) % n, (i + 1) % n, (i + 2) % n], axis=1).ravel().astype(np.uint32)
    return networks.CSR(indptr=np.arange(n + 1, dtype=np.int64) * 4, indices=indices, nodes=range(n))

out = []
for rule, params, n, forced in json.loads(sys.argv[1]):
    sc = Scenario.model_validate({
        "seed": 3, "steps": 6,
        "behaviours": [{"name": "x", "rule": rule, **params}],
        "seeding": {"strategy": "random", "count": max(1, n * 3 // 20)},
    })
    with parallel_from(0) if forced else nullcontext():
        final = simulate(sc, graph=ring(n)).final["x"]
    out.append([rule, n, forced, final])
print(json.dumps({"runs": out, "threads_started": bool(numba_parallel._is_initialized)}))
"""


def step(items, cache: Path, timeout: float = 300) -> dict:
    """Run ``items`` [(rule, people, forced parallel)] in a fresh process on ``cache``; its report."""
    payload = json.dumps([[rule, PARAMS.get(rule, {}), n, forced] for rule, n, forced in items])
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache), "PYTHONFAULTHANDLER": "1"}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, payload], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    if done.returncode < 0:
        pytest.fail(f"{items}: killed by {signal.Signals(-done.returncode).name}\n{done.stderr[-3000:]}")
    assert done.returncode == 0, f"{items}: exit {done.returncode}\n{done.stderr[-3000:]}"
    return json.loads(done.stdout.strip().splitlines()[-1])


class Finals:
    """Adoption of each (rule, people, forced) run: every step, compiled or cached, must agree."""

    def __init__(self):
        self.seen = {}

    def check(self, report: dict) -> None:
        for rule, n, _forced, final in report["runs"]:
            # the serial and parallel forms give the same run (counter-based draws)
            key = (rule, n)
            assert self.seen.setdefault(key, final) == final, f"{rule} at {n} people: {final} != {self.seen[key]}"


SMALL = 2_000


def test_every_rule_runs_from_the_cache_in_fresh_processes(tmp_path):
    """One cache, six processes: absolute_threshold, then threshold, then threshold (the order that
    crashed); the engine tests' order (parallel forms forced on small graphs first: they once froze
    ``PARALLEL_FROM = 0`` into the cache), then serial runs of every rule, which must not start
    numba's threading layer; then every rule at every size again, in reverse, all from the cache."""
    rules = list(RULES)
    finals = Finals()
    for items in (
        [("absolute_threshold", SMALL, False), ("absolute_threshold", SMALL, True)],
        [("threshold", SMALL, False), ("threshold", SMALL, True)],
        [("threshold", SMALL, False), ("threshold", BIG, False)],
        [(r, SMALL, True) for r in ("sis", "logistic", "linear_threshold", "independent_cascade")],
    ):
        finals.check(step(items, tmp_path))
    serial = step([(r, SMALL, False) for r in rules], tmp_path)
    finals.check(serial)
    assert not serial["threads_started"], "a serial run started numba's threading layer"
    finals.check(
        step([(r, n, f) for r in reversed(rules) for n, f in ((BIG, False), (SMALL, True), (SMALL, False))], tmp_path)
    )
