"""Smoke test of the peer and bandwidth benchmarks: they run on a 2,000-person graph in quick mode,
in this process, and return well-formed rows and ratios. Peers are optional extras: one that is not
installed must come back as a 'skipped' row, never an error."""

from __future__ import annotations

import io
import math

import pytest
from rich.console import Console

from benchmarks import bench_bandwidth, bench_peers

CASES = ("threshold 0.2", "independent_cascade 0.05")
PEERS = ("mesa", "ndlib", "cynetdiff", "eon")


def _quiet() -> Console:
    return Console(file=io.StringIO(), width=200)


@pytest.fixture(scope="module")
def result():
    return bench_peers.run(
        quick=True, sizes=(2000,), kinds=("ba",), datasets=(), libraries=("wellspread",) + PEERS,
        isolate=False, trials=3, cases=CASES, console=_quiet(),
    )


def test_rows_and_reference(result):
    rows = result["rows"]
    assert result["graphs"]["ba2k"]["n"] == 2000
    assert result["graphs"]["ba2k"]["seeds"] == 20
    ref = [r for r in rows if r.get("reference")]
    assert {r["case"] for r in ref} == set(CASES)
    for r in ref:
        assert r["repeats"] >= 1 and r["time_s"] > 0
    assert not [r for r in rows if r["variant"] == "error"], [r for r in rows if r["variant"] == "error"]
    kernel = next(r for r in rows if r["case"] == "kernel")
    assert kernel["edge_visits"] == result["graphs"]["ba2k"]["csr_entries"]
    assert kernel["serial"]["edge_visits_per_s"] > 0


def test_machine_is_named(result):
    """The host under the 2-core machines changes between sessions, so results name the processor."""
    from benchmarks.common import describe

    info = result["machine"]
    assert info["cores"] >= 1 and info["numba_threads"] >= 1
    assert {"cpu_model", "llvm_target", "memory_gib"} <= set(info)
    line = describe(info)
    assert str(info["cores"]) in line and (info["cpu_model"] or info["cpu"]) in line


def test_each_peer_ran_or_was_skipped(result):
    rows = result["rows"]
    for lib in PEERS:
        mine = [r for r in rows if r["library"] == lib]
        assert mine, lib
        if not bench_peers.available(lib):
            assert [r for r in mine if r["variant"] == "skipped"], lib
            continue
        timed = [r for r in mine if r["case"] in CASES]
        assert timed, lib
        for r in timed:
            assert r.get("matches_reference") is not False, r  # exact for the threshold, in mean for IC


def test_ratios_well_formed(result):
    assert result["ratios"], "no ratios"
    for r in result["ratios"]:
        assert r["graph"] == "ba2k" and r["case"] in CASES and r["peer"] in PEERS
        for key in ("ratio", "cascade_ratio"):
            if r.get(key) is not None:
                assert math.isfinite(r[key]) and r[key] > 0
        assert r.get("ratio") is not None or r.get("cascade_ratio") is not None
    assert isinstance(result["targets"], list)  # none apply below 100,000 people


def test_missing_peer_is_skipped(monkeypatch):
    monkeypatch.setattr(bench_peers, "available", lambda lib: lib not in ("cynetdiff", "eon"))
    result = bench_peers.run(
        sizes=(2000,), kinds=("ba",), datasets=(), libraries=("wellspread", "cynetdiff", "eon"), isolate=False,
        trials=2, cases=("threshold 0.2",), console=_quiet(),
    )
    skipped = {r["library"]: r["skipped"] for r in result["rows"] if r["variant"] == "skipped"}
    assert set(skipped) == {"cynetdiff", "eon"}
    assert "not installed" in skipped["cynetdiff"]


def test_bandwidth_small():
    out = bench_bandwidth.run(sizes=(2000,), size_bytes=16 << 20, kinds=("ba",), console=_quiet())
    assert out["bandwidth"]["serial"]["bytes_per_s"] > 0
    sweep = out["kernels"][0]["kernels"]["threshold.sweep"]["serial"]
    assert 0 < sweep["share_of_bound"] < 10
