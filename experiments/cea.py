"""Cost-effectiveness estimators over replicates: ICER as a ratio of means, bootstrap intervals, NMB, CEAC.

What: every function here reads the per-replicate table that ``experiments.programme.appraise`` builds
and ``wellspread run --out`` writes as ``economics.parquet`` (one row per replicate: incremental cost,
incremental QALYs, costs avoided, net monetary benefit, all discounted, against doing nothing with the
same seed), and nothing else: the printed table, the cost-effectiveness plane and the acceptability
curve are all computed from that one table.

Why these estimators (Briggs, Claxton & Sculpher 2006, *Decision Modelling for Health Economic
Evaluation*, ch. 4-5; Drummond et al. 2015, ch. 4 and 11):

* the ICER is mean incremental cost / mean incremental QALYs (the ratio of means), never the mean of
  per-replicate ratios, which is biased and undefined when a replicate gains no QALYs;
* a ratio is shown only in the trade-off quadrants of the plane (NE: more QALYs at a cost; SW: savings
  for QALYs lost). Dominant and dominated programmes get their quadrant, not a negative number;
* its interval is a paired, non-parametric bootstrap over replicates (percentile method), given only when
  every bootstrap mean lies in the estimate's quadrant; otherwise the net monetary benefit interval and
  the CEAC say what the ICER cannot;
* net monetary benefit ``lambda x dQ - dC`` and net health benefit ``dQ - dC / lambda`` (Stinnett &
  Mullahy 1998) at stated willingness-to-pay values (NICE's GBP 20,000 and 30,000 per QALY);
* the CEAC (van Hout et al. 1994; Fenwick, Claxton & Sculpher 2001) is, at each lambda, the share of
  replicates with positive net monetary benefit; with ``probabilistic`` economics each replicate also
  draws its values, so the curve carries parameter as well as run-to-run uncertainty.

The bootstrap is the project's interval helper's (``experiments.intervals.bootstrap_means`` and
``percentile_interval``); ``bootstrap`` here wraps it for any statistic of a table. One replicate gets
no interval, and the tables say so.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from model.economics import quadrant

from .intervals import bootstrap_means, percentile_interval

__all__ = [
    "COLUMNS",
    "bootstrap",
    "icer",
    "summarise",
    "ceac",
    "ceac_options",
    "ce_plane",
    "write_economics",
    "read_economics",
]

#: the columns every per-replicate economics table carries (contract: economics.parquet)
COLUMNS = ("replicate", "seed", "incremental_cost", "incremental_qalys", "costs_avoided", "net_monetary_benefit")
BOOTSTRAP_SAMPLES = 2000


def bootstrap(table: pd.DataFrame, statistic: Callable[[pd.DataFrame], float], samples: int = BOOTSTRAP_SAMPLES,
              seed: int = 0, level: float = 0.95) -> tuple[float, float, float, np.ndarray]:
    """Paired non-parametric bootstrap over rows: (estimate, low, high, the bootstrap statistics).

    Rows are resampled with replacement (whole replicates, so costs and QALYs stay paired) and the
    percentile interval of ``statistic`` is returned (Efron & Tibshirani 1993, ch. 13;
    ``experiments.intervals.percentile_interval``). With fewer than two rows the interval is NaN: one
    replicate carries no information about spread. For statistics of column means,
    ``experiments.intervals.bootstrap_means`` is the fast path ``summarise`` takes.

    Examples
    --------
    >>> t = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0]})
    >>> est, low, high, _ = bootstrap(t, lambda d: d["x"].mean(), seed=1)
    >>> est, bool(1.0 <= low < est < high <= 4.0)
    (2.5, True)
    """
    estimate = float(statistic(table))
    n = len(table)
    if n < 2:
        return estimate, math.nan, math.nan, np.array([])
    idx = np.random.default_rng(seed).integers(0, n, size=(samples, n))
    stats = np.array([statistic(table.iloc[i]) for i in idx], dtype=float)
    iv = percentile_interval(estimate, stats, n, level)
    return estimate, iv.low, iv.high, stats


def icer(table: pd.DataFrame) -> tuple[float, str]:
    """(ICER, quadrant) of the replicates' means: ``mean(incremental_cost) / mean(incremental_qalys)``.

    The ratio is NaN outside the trade-off quadrants (dominant, dominated, no change).

    Examples
    --------
    Mean of ratios (100/1 + 100/4) / 2 = 62.5 differs from the ratio of means 200/5 = 40:

    >>> t = pd.DataFrame({"incremental_cost": [100.0, 100.0], "incremental_qalys": [1.0, 4.0]})
    >>> icer(t)
    (40.0, 'NE trade-off')
    """
    dc, dq = float(table["incremental_cost"].mean()), float(table["incremental_qalys"].mean())
    where = quadrant(dq, dc)
    return (dc / dq if where in ("NE trade-off", "SW trade-off") else math.nan), where


def _nmb(table: pd.DataFrame, wtp: float) -> pd.Series:
    return wtp * table["incremental_qalys"] - table["incremental_cost"]


def summarise(table: pd.DataFrame, thresholds=(20_000.0, 30_000.0), population: float | None = None,
              samples: int = BOOTSTRAP_SAMPLES, seed: int = 0) -> pd.DataFrame:
    """The headline table from a per-replicate table: metric, mean, ci_low, ci_high, note.

    Every metric is a function of the replicates' means (ratios are ratios of means); intervals are
    paired bootstrap percentile intervals over replicates, NaN for one replicate. ``population``
    (people in the town) goes to ``attrs["population"]`` for per-person and per-100,000 scaling.
    """
    means = {c: float(table[c].mean()) for c in table.columns if pd.api.types.is_numeric_dtype(table[c])}
    boot = bootstrap_means(table, samples, seed)
    rows = []

    def add(metric, fn, note=""):
        values = np.array([])
        if len(table) >= 2:
            with np.errstate(divide="ignore", invalid="ignore"):
                values = np.asarray(fn(boot), dtype=float)
        iv = percentile_interval(float(fn(means)), values, len(table))
        rows.append({"metric": metric, "mean": iv.mean, "ci_low": iv.low, "ci_high": iv.high, "note": note})

    if "programme_cost" in table:
        add("programme_cost", lambda m: m["programme_cost"])
    add("costs_avoided", lambda m: m["costs_avoided"])
    add("incremental_cost", lambda m: m["incremental_cost"], "programme cost - costs avoided")
    add("incremental_qalys", lambda m: m["incremental_qalys"])
    for wtp in thresholds:
        add(f"net_monetary_benefit@{wtp:g}", lambda m, w=wtp: w * m["incremental_qalys"] - m["incremental_cost"])
        add(f"net_health_benefit@{wtp:g}", lambda m, w=wtp: m["incremental_qalys"] - m["incremental_cost"] / w)
    rows.append(_icer_row(table, boot))
    if "people_reached" in table and table["people_reached"].notna().all() and means["people_reached"] > 0:
        add("cost_per_person_reached", lambda m: m["programme_cost_undiscounted"] / m["people_reached"],
            "undiscounted cost / people in a healthy state beyond doing nothing (each person once)")
    if "associational_qalys" in table and (table["associational_qalys"].abs() > 0).any():
        note = "not in the headline: associational evidence"
        add("associational_qalys", lambda m: m["associational_qalys"], note)
        add("associational_costs_avoided", lambda m: m["associational_savings"], note)
    out = pd.DataFrame(rows)
    out.attrs["replicates"] = len(table)
    out.attrs["quadrants"] = pd.Series(
        [quadrant(q, c) for q, c in zip(table["incremental_qalys"], table["incremental_cost"], strict=True)]
    ).value_counts().to_dict()
    if population:
        out.attrs["population"] = float(population)
    return out


def _icer_row(table: pd.DataFrame, boot: dict[str, np.ndarray]) -> dict:
    value, where = icer(table)
    row = {"metric": "icer", "mean": value, "ci_low": math.nan, "ci_high": math.nan, "note": where}
    if len(table) < 2 or where not in ("NE trade-off", "SW trade-off"):
        return row
    dc, dq = boot["incremental_cost"], boot["incremental_qalys"]
    same = np.array([quadrant(q, c) == where for q, c in zip(dq, dc, strict=True)])
    if same.all():
        iv = percentile_interval(value, dc / dq, len(table))
        row["ci_low"], row["ci_high"] = iv.low, iv.high
    else:
        row["note"] = f"{where}; interval not defined: {1 - same.mean():.0%} of bootstrap means in another quadrant (read the NMB and the CEAC)"
    return row


def ceac(table: pd.DataFrame, wtp=None) -> pd.DataFrame:
    """Cost-effectiveness acceptability curve: at each willingness to pay, the share of replicates whose
    net monetary benefit is positive (van Hout et al. 1994; Fenwick, Claxton & Sculpher 2001).

    Examples
    --------
    >>> t = pd.DataFrame({"incremental_cost": [100.0, 300.0], "incremental_qalys": [0.01, 0.01]})
    >>> ceac(t, [5_000, 20_000, 40_000])["probability"].tolist()
    [0.0, 0.5, 1.0]
    """
    wtp = np.linspace(0, 50_000, 101) if wtp is None else np.asarray(wtp, dtype=float)
    dq = table["incremental_qalys"].to_numpy()[None, :]
    dc = table["incremental_cost"].to_numpy()[None, :]
    nmb = wtp[:, None] * dq - dc
    return pd.DataFrame({"wtp": wtp, "probability": (nmb > 0).mean(axis=1)})


def ceac_options(tables: dict[str, pd.DataFrame], wtp=None) -> pd.DataFrame:
    """Several options at once: at each willingness to pay, the share of replicates in which each option
    (``doing nothing`` included, NMB 0) has the highest net monetary benefit. Replicates are paired by
    their ``replicate`` index (the same replicate seeds), as in Fenwick, Claxton & Sculpher (2001).
    """
    wtp = np.linspace(0, 50_000, 101) if wtp is None else np.asarray(wtp, dtype=float)
    names = list(tables)
    joined = pd.concat([t.set_index("replicate")[["incremental_qalys", "incremental_cost"]].add_prefix(f"{n}:")
                        for n, t in tables.items()], axis=1, join="inner")
    nmb = np.stack([wtp[:, None] * joined[f"{n}:incremental_qalys"].to_numpy()[None, :]
                    - joined[f"{n}:incremental_cost"].to_numpy()[None, :] for n in names])  # (options, wtp, reps)
    nmb = np.concatenate([np.zeros((1, *nmb.shape[1:])), nmb])
    best = nmb.argmax(axis=0)
    out = {"wtp": wtp, "doing nothing": (best == 0).mean(axis=1)}
    out.update({n: (best == i + 1).mean(axis=1) for i, n in enumerate(names)})
    return pd.DataFrame(out)


def ce_plane(table: pd.DataFrame, thresholds=(20_000.0, 30_000.0)) -> dict:
    """What a cost-effectiveness plane shows: per-replicate points, their mean, and threshold lines.

    Returns ``{"points": DataFrame(incremental_qalys, incremental_cost), "mean": (dq, dc),
    "thresholds": [wtp, ...], "quadrant": str, "xlim": (lo, hi)}``; a threshold line is
    ``cost = wtp x qalys``. Headless, so report and dashboard draw the same thing.
    """
    points = table[["incremental_qalys", "incremental_cost"]].copy()
    dq, dc = float(points["incremental_qalys"].mean()), float(points["incremental_cost"].mean())
    span = max(float(points["incremental_qalys"].abs().max()), 1e-12) * 1.15
    return {"points": points, "mean": (dq, dc), "thresholds": list(thresholds), "quadrant": quadrant(dq, dc),
            "xlim": (-span, span)}


def write_economics(table: pd.DataFrame, path, metadata: dict[str, str]) -> Path:
    """Write a per-replicate table as Parquet with ``metadata`` (horizon, discounting, currency, price
    year, ...) in the file's key-value metadata; written to a temporary name, then renamed."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    missing = [c for c in COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(f"economics table lacks column {missing[0]!r}")
    path = Path(path)
    arrow = pa.Table.from_pandas(table, preserve_index=False)
    meta = dict(arrow.schema.metadata or {})
    meta.update({f"wellspread.{k}".encode(): str(v).encode() for k, v in metadata.items()})
    tmp = path.with_name(f".{path.name}.tmp")
    pq.write_table(arrow.replace_schema_metadata(meta), tmp)
    tmp.replace(path)
    return path


def read_economics(path) -> tuple[pd.DataFrame, dict[str, str]]:
    """An ``economics.parquet`` and its metadata (the keys ``write_economics`` wrote)."""
    import pyarrow.parquet as pq

    arrow = pq.read_table(path)
    meta = {k.decode()[len("wellspread."):]: v.decode() for k, v in (arrow.schema.metadata or {}).items()
            if k.startswith(b"wellspread.")}
    return arrow.to_pandas(), meta
