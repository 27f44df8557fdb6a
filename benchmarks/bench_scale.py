"""A Barabasi-Albert (m=5) population of a million (or ten million) people, 100 rounds of threshold.

Run in its own process so its peak memory is its own: ``python -m benchmarks.bench_scale [n]``.
The network is built straight into arrays (``network.arrays = true``). Thresholds are spread so the
behaviour keeps moving; ``stop_when_steady = false`` makes every run do all 100 rounds.
"""

from __future__ import annotations

import json
import sys

from model import Scenario

from .common import build_and_run, peak_rss_mib


def run(n: int = 1_000_000, steps: int = 100) -> dict:
    sc = Scenario.model_validate(
        {
            "seed": 1,
            "steps": steps,
            "stop_when_steady": False,
            "network": {"kind": "barabasi_albert", "n": n, "m": 5, "arrays": True},
            "behaviours": [{"name": "activity", "rule": "threshold", "threshold": {"dist": "uniform", "low": 0.0, "high": 0.6}}],
            "seeding": {"strategy": "random", "count": n // 1000},
        }
    )
    m, built, ran = build_and_run(sc)
    return {
        "n": n,
        "ties": len(m.csr.indices) // 2,
        "rounds": m.population.t,
        "final": m.adoption()["activity"],
        "build_s": built,
        "run_s": ran,
        "peak_rss_mib": peak_rss_mib(),
    }


if __name__ == "__main__":
    print(json.dumps(run(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)))
