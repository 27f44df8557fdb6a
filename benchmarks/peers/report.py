"""The printed tables: times, ratios, kernel rates, peak memory and the acceptance targets."""

from __future__ import annotations

import statistics

from .settings import CASES


def _ms(seconds) -> str:
    if seconds is None:
        return "-"
    return f"{seconds:.2f} s" if seconds >= 1 else f"{seconds * 1e3:.2f} ms"


def print_tables(result: dict, console) -> None:
    from rich.table import Table

    rows = result["rows"]
    times = Table(title="Time per cascade (median; wellspread simulate end to end on arrays, and its bare run)")
    for col in ("graph", "case", "library", "variant", "time", "runs", "result", "matches"):
        times.add_column(col, justify="right" if col in ("time", "runs") else "left")
    for r in rows:
        if r["case"] not in CASES:
            continue
        value = r.get("values") or []
        if CASES[r["case"]]["kind"] == "mean" and "mean" in r:
            shown = f"mean {r['mean']:.4g} ({r.get('relative_difference', 0):+.1%})"
        elif value:
            shown = f"{statistics.fmean(value):.4g}" if CASES[r["case"]]["kind"] == "mean" else str(value[0])
        else:
            shown = "-"
        t = "> cap" if r.get("capped") and r.get("time_s") is None else _ms(r.get("time_s"))
        matches = r.get("matches_reference")
        times.add_row(r["graph"], r["case"], r["library"], r["variant"], t, str(r.get("repeats", "")), shown,
                      "ref" if r.get("reference") else ("-" if matches is None else "yes" if matches else "[red]NO"))
    console.print(times)

    ratio = Table(title="Ratios: peer time / wellspread time (end to end vs simulate on arrays; cascade vs bare run; vs batched trials)")
    for col in ("graph", "case", "peer", "peer time", "simulate", "ratio", "bare run", "cascade ratio", "batched ratio", "same result"):
        ratio.add_column(col, justify="left" if col in ("graph", "case", "peer") else "right")
    for r in result["ratios"]:
        value = r.get("ratio")
        shown = f"{value:.1f}x" if value is not None else (f">= {r['ratio_at_least']:.0f}x" if r.get("ratio_at_least") else "-")
        cr = r.get("cascade_ratio")
        m = r.get("matches_reference")
        br = r.get("batched_ratio")
        ratio.add_row(r["graph"], r["case"], f"{r['peer']} ({r['variant']})", _ms(r.get("peer_s")), _ms(r.get("simulate_s")), shown,
                      _ms(r.get("cascade_s")), f"{cr:.1f}x" if cr is not None else "-", f"{br:.1f}x" if br is not None else "-",
                      "-" if m is None else "yes" if m else "[red]NO")
    console.print(ratio)

    kern = Table(title="Full synchronous sweep (threshold.sweep): CSR entries per second")
    for col in ("graph", "entries", "1 thread", "2 threads", "2 threads (best run)", "per CPU-second (1 thread)"):
        kern.add_column(col, justify="right")
    for r in rows:
        if r["case"] != "kernel":
            continue
        two = r.get("parallel_2t") or {}
        kern.add_row(r["graph"], f"{r['edge_visits']:,}", f"{r['serial']['edge_visits_per_s']:.3g}",
                     f"{two.get('edge_visits_per_s', 0):.3g}", f"{two.get('best_edge_visits_per_s', 0):.3g}",
                     f"{(r['serial'].get('per_cpu_second') or 0):.3g}")
    console.print(kern)

    mem = Table(title="Peak memory per (library, graph) process (ru_maxrss)")
    for col in ("graph", "library", "peak MiB", "note"):
        mem.add_column(col)
    for r in rows:
        if r.get("peak_rss_mib") is not None:
            mem.add_row(r["graph"], r["library"], f"{r['peak_rss_mib']:.0f}", r["variant"])
        elif r["variant"] in ("skipped", "error"):
            mem.add_row(r["graph"], r["library"], "-", r.get("skipped") or r.get("error", ""))
    console.print(mem)

    tgt = Table(title="Acceptance targets (100,000 and 1,000,000 people)")
    for col in ("target", "measured", "met"):
        tgt.add_column(col)
    for t in result["targets"]:
        if "ratio" in t:
            measured = "-" if t["ratio"] is None else f"{'>= ' if t['lower_bound'] else ''}{t['ratio']:.1f}x"
            if t.get("ratio_validated_each_run"):
                measured += f" (dict each run {t['ratio_validated_each_run']:.1f}x)"
            if t.get("cascade_ratio"):
                measured += f" (bare run {t['cascade_ratio']:.1f}x)"
            if t.get("batched_ratio"):
                measured += f" (batched trials {t['batched_ratio']:.1f}x)"
        else:
            measured = f"{t['value']:.3g}/s (best run {t['best_value']:.3g}/s)"
        tgt.add_row(t["target"], measured, "yes" if t["met"] else "[red]no")
    console.print(tgt)
    la = result["load_average"]
    from ..common import describe

    console.print(f"machine: {describe(result['machine'])}")
    console.print(f"load average: start {la['start'][0]:.2f}, end {la['end'][0]:.2f} ({result['machine'].get('cores')} cores)")
