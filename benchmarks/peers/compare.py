"""Comparing the rows: whether each peer's result matches wellspread's (``check_matches``), peer time
over wellspread time (``ratios``) and the acceptance targets (``check_targets``)."""

from __future__ import annotations

import math
import statistics

import numpy as np

from .settings import CAP_S, CASES


def _mean_se(values) -> tuple[float, float]:
    values = [float(v) for v in values]
    if not values:
        return math.nan, math.nan
    mean = statistics.fmean(values)
    se = statistics.stdev(values) / math.sqrt(len(values)) if len(values) > 1 else math.nan
    return mean, se


def check_matches(rows: list[dict]) -> None:
    """Set ``matches_reference`` on every timed row: exact for deterministic cases, means for stochastic."""
    ref = {(r["graph"], r["case"]): r for r in rows if r.get("reference")}
    same_draws = ("wellspread", "wellspread-python")  # counter-based draws: the same seed gives the same run
    seed1 = {r["graph"]: r["values"][0] for r in rows if r["variant"] == "seed 1"}
    for r in rows:
        if r["case"] not in CASES or not r.get("values"):
            continue
        base = ref.get((r["graph"], r["case"]))
        if base is None or not base.get("values"):
            continue
        if r["variant"] == "seed 1":
            continue
        if r["variant"] == "LT, wellspread's seed-1 thresholds":
            if r["graph"] in seed1:
                r["reference_value"] = seed1[r["graph"]]
                r["matches_reference"] = all(v == seed1[r["graph"]] for v in r["values"])
            continue
        if CASES[r["case"]]["kind"] == "exact":
            r["reference_value"] = base["values"][0]
            r["matches_reference"] = all(v == base["values"][0] for v in r["values"])
        elif r["library"] in same_draws and r.get("seeds") and base.get("seeds"):
            by_seed = dict(zip(base["seeds"], base["values"], strict=True))
            pairs = [(v, by_seed[s]) for s, v in zip(r["seeds"], r["values"], strict=True) if s in by_seed]
            r["compared"] = "exactly, seed by seed"
            r["matches_reference"] = bool(pairs) and all(a == b for a, b in pairs)
        else:
            m_ref, se_ref = _mean_se(base["values"])
            m, se = _mean_se(r["values"])
            spread = math.sqrt(np.nan_to_num(se_ref) ** 2 + np.nan_to_num(se) ** 2)
            tolerance = max(0.05 * abs(m_ref), 3 * spread)
            r["reference_mean"], r["mean"] = m_ref, m
            r["relative_difference"] = (m - m_ref) / m_ref if m_ref else math.nan
            r["matches_reference"] = bool(abs(m - m_ref) <= tolerance) if not math.isnan(m) else None


# the times compared: (library, variant) -> which wellspread variant it faces
END_TO_END = {
    "wellspread-python": "simulate(networkx)",
    "mesa": "build + run",
}
CASCADE = {"wellspread-python": "run only", "mesa": "run only"}
NOT_COMPARED = {"LT, wellspread's seed-1 thresholds"}


def ratios(rows: list[dict]) -> list[dict]:
    """peer time / wellspread time for every peer on every case: end to end against ``simulate``
    (arrays), and cascade against cascade (wellspread's bare ``run()``)."""
    ws = {(r["graph"], r["case"], r["variant"]): r for r in rows if r["library"] == "wellspread"}
    out = []
    for r in rows:
        lib = r["library"]
        if lib == "wellspread" or r["case"] not in CASES or r.get("time_s") is None and not r.get("capped"):
            continue
        if r["variant"] in NOT_COMPARED:
            continue
        if lib in END_TO_END and r["variant"] not in (END_TO_END[lib], CASCADE[lib]):
            continue
        key = (r["graph"], r["case"])
        sim, bare = ws.get(key + ("simulate(arrays)",)), ws.get(key + ("run only",))
        batched = ws.get(key + ("batched trials (1 thread)",))
        sim_nx = ws.get(key + ("simulate(networkx)",))
        sim_dict = ws.get(key + ("simulate(arrays), dict validated each run",))
        end_to_end = lib not in CASCADE or r["variant"] == END_TO_END[lib]
        cascade = lib not in CASCADE or r["variant"] == CASCADE[lib]
        row = {
            "graph": r["graph"], "n": r["n"], "case": r["case"], "peer": lib, "variant": r["variant"],
            "peer_s": r.get("time_s"), "capped": r.get("capped", False), "matches_reference": r.get("matches_reference"),
        }
        if end_to_end and sim and sim.get("time_s"):
            row["simulate_s"] = sim["time_s"]
            row["ratio"] = r["time_s"] / sim["time_s"] if r.get("time_s") else None
            if sim_nx and sim_nx.get("time_s") and r.get("time_s"):
                row["ratio_simulate_networkx"] = r["time_s"] / sim_nx["time_s"]
            if sim_dict and sim_dict.get("time_s") and r.get("time_s"):
                row["ratio_validated_each_run"] = r["time_s"] / sim_dict["time_s"]
        if cascade and bare and bare.get("time_s"):
            row["cascade_s"] = bare["time_s"]
            row["cascade_ratio"] = r["time_s"] / bare["time_s"] if r.get("time_s") else None
        if cascade and batched and batched.get("time_s") and r.get("time_s"):
            row["batched_s"] = batched["time_s"]
            row["batched_ratio"] = r["time_s"] / batched["time_s"]
        if r.get("capped") and end_to_end and sim and sim.get("time_s"):
            row["ratio_at_least"] = CAP_S / sim["time_s"]
        out.append(row)
    return out


CYNETDIFF_TARGETS = {"threshold": 5.0, "linear_threshold": 5.0, "independent_cascade": 1.5}
SLOW_PEER_TARGET = 100.0  # NDlib and the plain Mesa model, every rule
KERNEL_TARGET = 1.0e9


def check_targets(ratio_rows: list[dict], kernel_rows: list[dict]) -> list[dict]:
    """The issue's acceptance figures, each with the measured value and whether it was met."""
    out = []
    for r in ratio_rows:
        if r["n"] < 100_000 or r.get("ratio") is None and not r.get("capped"):
            continue
        family = CASES[r["case"]]["behaviour"]["rule"]
        if r["peer"] in ("ndlib", "mesa"):
            need = SLOW_PEER_TARGET
        elif r["peer"] == "cynetdiff":
            need = CYNETDIFF_TARGETS.get(family, 1.0)
        else:
            need = 1.0  # faster than every peer on the same rule
        value = r.get("ratio") if r.get("ratio") is not None else r.get("ratio_at_least")
        out.append({
            "target": f"simulate >= {need:g}x {r['peer']} ({r['case']}, {r['graph']})",
            "graph": r["graph"], "case": r["case"], "peer": r["peer"], "need": need, "ratio": value,
            "cascade_ratio": r.get("cascade_ratio"), "batched_ratio": r.get("batched_ratio"), "lower_bound": bool(r.get("capped")),
            "ratio_validated_each_run": r.get("ratio_validated_each_run"),
            "met": bool(value is not None and value >= need),
        })
    for k in kernel_rows:
        if k["n"] < 100_000:
            continue
        best = k.get("parallel_2t") or k.get("serial")
        out.append({
            "target": f"threshold.sweep >= 1.0e9 edge visits/s on 2 cores ({k['graph']})",
            "graph": k["graph"], "need": KERNEL_TARGET, "value": best["edge_visits_per_s"],
            "best_value": best["best_edge_visits_per_s"], "met": best["edge_visits_per_s"] >= KERNEL_TARGET,
        })
    return out
