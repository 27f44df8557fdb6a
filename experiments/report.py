"""Reports of a results folder: tables with 95% intervals, curves with bands, comparisons, sensitivity.

    wellspread report results/targeting        # -> results/targeting/report.html (+ PNGs, CSVs)

What it writes (into the folder, or ``out``):

* ``summary.csv``: per design point and metric, runs, mean, sd and a 95% t-interval of the mean;
* ``adoption_curves.png``: mean adoption per step with its 95% band (needs ``keep_timeseries``);
* ``comparison.png``: final adoption against the varied parameters, one line or bar per strategy
  (or per value of the first categorical parameter), with 95% intervals;
* ``groups.png``: final adoption per group (e.g. deprivation quintile), per strategy;
* ``effects.png``: sampled designs: each point's mean outcome against each sampled parameter;
* ``sensitivity.csv`` / ``sensitivity_<metric>.png``: Sobol S1/ST (S2) or Morris mu*/sigma with
  95% intervals, from the mean over replicates per design point (SALib);
* ``report.html``: all of it on one self-contained page (images embedded as base64 PNG).

Matplotlib is used through ``matplotlib.figure.Figure`` (no pyplot, no global backend state).
"""

from __future__ import annotations

import base64
import html
import io
import math
import time
from pathlib import Path

import numpy as np
import pandas as pd

from .intervals import NO_INTERVAL, band, interval, is_share, is_time
from .palette import SEQUENCE, STRATEGY_STYLES, style
from .report_html import CSS, _label_value, _table_html
from .store import Store, load_results

__all__ = ["report", "summarise", "sensitivity"]

MAX_TABLE_ROWS = 100
MAX_CURVES = 12
COLOURS = SEQUENCE  # colour-blind-safe (experiments.palette); strategies keep their own colour via _style


# --- statistics ------------------------------------------------------------------------------------
def _t_interval(values, share: bool = False, time: bool = False) -> tuple[int, float, float, float, float]:
    """n, mean, sd, low, high: ``experiments.intervals`` (shares stay in [0, 1], times >= 0; NaN bounds for n < 2)."""
    x = np.asarray([v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))], dtype=float)
    iv = interval(x, share=share, time=time)
    sd = float(x.std(ddof=1)) if len(x) > 1 else math.nan
    return iv.n, iv.mean, sd, iv.low, iv.high


def _band(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-column mean and 95% band of an (runs x steps) matrix of shares (``experiments.intervals.band``)."""
    return band(matrix, share=True)


STRATEGY_NAMES = set(STRATEGY_STYLES)


def _percent(ax) -> None:
    """Shares on the y axis read as percentages, as on the dashboard."""
    from matplotlib.ticker import PercentFormatter

    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=None))


def _style(label, i: int) -> tuple[str, str]:
    """Colour and marker of a series: a strategy's own (experiments.palette), else the i-th free colour."""
    s = style(label)
    if str(label).split(" ")[0] in STRATEGY_NAMES:
        return s.colour, s.marker
    return COLOURS[i % len(COLOURS)], "o"


def metric_columns(df: pd.DataFrame) -> list[str]:
    prefixes = ("final.", "gap.", "time.", "economics.")
    return [c for c in df.columns if (c.startswith(prefixes) or c == "cost") and pd.api.types.is_numeric_dtype(df[c])]


def _behaviours(df: pd.DataFrame) -> list[str]:
    return [c[len("final.") :] for c in df.columns if c.startswith("final.") and c.count(".") == 1]


def summarise(df: pd.DataFrame, paths: list[str]) -> pd.DataFrame:
    """Long table: point, parameters, metric, runs, mean, sd, ci_low, ci_high (ok runs only)."""
    ok = df[df["status"] == "ok"] if "status" in df.columns else df
    metrics = metric_columns(ok)
    rows = []
    for point, g in ok.groupby("point", sort=True):
        params = {p: g[p].iloc[0] for p in paths if p in g.columns}
        for m in metrics:
            n, mean, sd, low, high = _t_interval(g[m].tolist(), share=is_share(m), time=is_time(m))
            rows.append(
                {
                    "point": point,
                    **params,
                    "metric": m,
                    "runs": len(g),
                    "n": n,
                    "mean": mean,
                    "sd": sd,
                    "ci_low": low,
                    "ci_high": high,
                }
            )
    return pd.DataFrame(rows)


# --- figures ---------------------------------------------------------------------------------------
def _figure(width=7.0, height=4.2, ncols=1, nrows=1, sharey=True):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, sharey=sharey)
    return fig, axes.ravel()


def _legend_outside(fig, ax, title=None) -> None:
    """The legend to the right of the panels, never over the data."""
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="outside right upper", fontsize=8, title=title, title_fontsize=8, frameon=False)


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    return buf.getvalue()


def _hue_and_facets(df: pd.DataFrame, grid_paths: list[str]):
    """The categorical parameter to colour by, the numeric grid parameter for an x axis, the rest to facet."""
    cats = [p for p in grid_paths if not pd.api.types.is_numeric_dtype(df[p]) or pd.api.types.is_bool_dtype(df[p])]
    nums = [p for p in grid_paths if p not in cats]
    hue = "seeding.strategy" if "seeding.strategy" in cats else (cats[0] if cats else None)
    if hue is None and len(nums) >= 2:
        hue = min(nums, key=lambda p: df[p].nunique())
        nums = [p for p in nums if p != hue]
    x = max(nums, key=lambda p: df[p].nunique()) if nums else None
    facets = [p for p in grid_paths if p not in (hue, x)]
    return hue, x, facets


def _facet_keys(df: pd.DataFrame, facets: list[str], limit: int = 6):
    if not facets:
        return [((), df)]
    groups = list(df.groupby(facets, sort=True, dropna=False))
    if len(groups) > limit:
        return [(("all",), df)]
    return [((k if isinstance(k, tuple) else (k,)), g) for k, g in groups]


def _facet_title(facets, key) -> str:
    if key == ("all",):
        return "pooled over " + ", ".join(facets)
    return ", ".join(f"{p} = {_label_value(v)}" for p, v in zip(facets, key, strict=False))


def _padded(series_list, length: int = 0) -> np.ndarray:
    """Runs stop early at a steady state: carry each run's last value to the longest run's length."""
    arrays = [np.asarray(s, dtype=float) for s in series_list if s is not None and len(s)]
    if not arrays:
        return np.empty((0, 0))
    T = max(length, max(len(a) for a in arrays))
    return np.stack([np.concatenate([a, np.full(T - len(a), a[-1])]) for a in arrays])


def curves_figure(df: pd.DataFrame, behaviour: str, grid_paths: list[str]):
    col = f"series.{behaviour}"
    ok = df[(df["status"] == "ok") & df[col].notna()] if col in df.columns else df.iloc[0:0]
    if ok.empty:
        return None
    hue, x, facets = _hue_and_facets(ok, grid_paths)
    if hue and x:  # one panel per value of the numeric parameter, one curve per strategy
        facets = [x] + facets
        lines = [hue]
    else:
        lines = [p for p in (hue, x) if p]
    if not lines and ok["point"].nunique() <= MAX_CURVES:
        lines = ["point"]
    keys = _facet_keys(ok, facets, limit=9)
    ncols = 2 if len(keys) == 4 else min(3, len(keys))
    nrows = math.ceil(len(keys) / ncols)
    fig, axes = _figure(4.2 * ncols + 0.6 if len(keys) > 1 else 6.5, 3.3 * nrows + 0.5, ncols, nrows)
    for ax, (key, sub) in zip(axes, keys, strict=False):
        ax.xaxis.get_major_locator().set_params(integer=True)
        groups = list(sub.groupby(lines, sort=True)) if lines else [((), sub)]
        if len(groups) > MAX_CURVES:
            groups = [(("all runs",), sub)]
        longest = max((len(s) for s in sub[col] if s is not None), default=0)
        for i, (k, g) in enumerate(groups):
            m = _padded(g[col].tolist(), longest)
            if not m.size:
                continue
            mean, low, high = _band(m)
            steps = np.arange(m.shape[1])
            k = k if isinstance(k, tuple) else (k,)
            colour, marker = _style(_label_value(k[0]), i)
            label = ", ".join(_label_value(v) for v in k) + f" (n={m.shape[0]})"
            ax.plot(steps, mean, color=colour, lw=1.8, label=label, marker=marker, markevery=max(len(steps) // 8, 1),
                    markersize=4)
            ax.fill_between(steps, low, high, color=colour, alpha=0.2, lw=0)
        if facets:
            ax.set_title(_facet_title(facets, key), fontsize=9)
        ax.set_xlabel("step")
        ax.grid(alpha=0.3)
        _percent(ax)
    for ax in axes[len(keys) :]:
        ax.set_visible(False)
    axes[0].set_ylabel(f"{behaviour}: % of people adopting")
    _legend_outside(fig, axes[0], title=", ".join(lines) if lines else None)
    fig.suptitle(f"Adoption of {behaviour} per step (mean, 95% band)", fontsize=11)
    return fig


def comparison_figure(df: pd.DataFrame, behaviour: str, grid_paths: list[str]):
    col = f"final.{behaviour}"
    ok = df[df["status"] == "ok"]
    if ok.empty or not grid_paths:
        return None
    hue, x, facets = _hue_and_facets(ok, grid_paths)
    keys = _facet_keys(ok, facets, limit=6)
    ncols = min(3, len(keys))
    nrows = math.ceil(len(keys) / ncols)
    fig, axes = _figure(4.2 * ncols + 0.6 if len(keys) > 1 else 6.5, 3.3 * nrows + 0.5, ncols, nrows)
    for ax, (key, sub) in zip(axes, keys, strict=False):
        hues = list(sub.groupby(hue, sort=True)) if hue else [(None, sub)]
        for i, (h, g) in enumerate(hues):
            colour, marker = _style(_label_value(h), i) if hue else (COLOURS[i % len(COLOURS)], "o")
            label = _label_value(h) if hue else col
            if x:
                stats_ = [(v, *_t_interval(gg[col].tolist(), share=True)) for v, gg in g.groupby(x, sort=True)]
                xs = np.array([s[0] for s in stats_], dtype=float)
                mean = np.array([s[2] for s in stats_])
                low = np.array([s[4] for s in stats_])
                high = np.array([s[5] for s in stats_])
                ax.errorbar(
                    xs, mean, yerr=[np.nan_to_num(mean - low), np.nan_to_num(high - mean)], color=colour, marker=marker,
                    capsize=3, lw=1.6, label=label,
                )
            else:
                n, mean, sd, low, high = _t_interval(g[col].tolist(), share=True)
                ax.bar(i, mean, color=colour, alpha=0.85, label=label)
                if n > 1:
                    ax.errorbar(i, mean, yerr=[[mean - low], [high - mean]], color="black", capsize=4)
        if x:
            ax.set_xlabel(x)
        else:
            ax.set_xticks(range(len(hues)), [_label_value(h) for h, _ in hues], rotation=20)
        if facets:
            ax.set_title(_facet_title(facets, key), fontsize=9)
        ax.grid(alpha=0.3)
        _percent(ax)
    for ax in axes[len(keys) :]:
        ax.set_visible(False)
    axes[0].set_ylabel(f"final {behaviour} (% of people)")
    if hue and x:
        _legend_outside(fig, axes[0], title=hue)
    fig.suptitle(f"Final adoption of {behaviour} (mean, 95% interval)", fontsize=11)
    return fig


def groups_figure(df: pd.DataFrame, behaviour: str, grid_paths: list[str]):
    prefix = f"final.{behaviour}."
    cols = [c for c in df.columns if c.startswith(prefix)]
    ok = df[df["status"] == "ok"]
    if not cols or ok.empty:
        return None
    hue, _, _ = _hue_and_facets(ok, grid_paths) if grid_paths else (None, None, [])
    hues = list(ok.groupby(hue, sort=True)) if hue else [("all runs", ok)]
    fig, axes = _figure(max(6.0, 0.9 * len(cols) * max(len(hues), 1) / 2 + 3), 4.0)
    ax = axes[0]
    width = 0.8 / len(hues)
    for i, (h, g) in enumerate(hues):
        stats_ = [_t_interval(g[c].tolist(), share=True) for c in cols]
        mean = np.array([s[1] for s in stats_])
        low = np.array([s[3] for s in stats_])
        high = np.array([s[4] for s in stats_])
        xs = np.arange(len(cols)) + (i - (len(hues) - 1) / 2) * width
        ax.bar(xs, mean, width=width, color=_style(_label_value(h), i)[0], alpha=0.85, label=_label_value(h))
        ax.errorbar(xs, mean, yerr=[np.nan_to_num(mean - low), np.nan_to_num(high - mean)], fmt="none", color="black",
                    capsize=2, lw=0.8)
    ax.set_xticks(range(len(cols)), [c[len(prefix) :] for c in cols], rotation=20, fontsize=8)
    ax.set_ylabel(f"final {behaviour} (% of group)")
    _percent(ax)
    ax.grid(alpha=0.3, axis="y")
    _legend_outside(fig, ax, title=hue)
    others = [p for p in grid_paths if p != hue]
    pooled = f" (pooled over {', '.join(others)})" if others else ""
    fig.suptitle(f"Final adoption of {behaviour} by group: mean and 95% interval{pooled}", fontsize=10)
    return fig


def effects_figure(df: pd.DataFrame, behaviour: str, sampled: list[str]):
    col = f"final.{behaviour}"
    ok = df[df["status"] == "ok"]
    if ok.empty or not sampled:
        return None
    means = ok.groupby("point").agg({**{p: "first" for p in sampled}, col: "mean"})
    ncols = min(3, len(sampled))
    nrows = math.ceil(len(sampled) / ncols)
    fig, axes = _figure(4.0 * ncols + 0.6, 3.2 * nrows + 0.4, ncols, nrows)
    for ax, p in zip(axes, sampled, strict=False):
        ax.scatter(means[p], means[col], s=10, alpha=0.6, color=COLOURS[0])
        ax.set_xlabel(p)
        ax.grid(alpha=0.3)
        _percent(ax)
    for ax in axes[len(sampled) :]:
        ax.set_visible(False)
    axes[0].set_ylabel(f"final {behaviour} (%, mean over replicates)")
    fig.suptitle(f"Final adoption of {behaviour} across the design", fontsize=11)
    return fig


# --- sensitivity -----------------------------------------------------------------------------------
def _design_spec(info: dict):
    from .design import Bound, DesignSpec

    d = info.get("experiment", {}).get("design")
    if not d:
        return None
    bounds = {p: Bound(lo, hi, bool(integer)) for p, (lo, hi, integer) in d["bounds"].items()}
    return DesignSpec(
        d["kind"],
        d["samples"],
        bounds,
        d.get("second_order", True),
        d.get("levels", 4),
        tuple(info.get("design", {}).get("outputs", [])),
    )


def sensitivity(root, df: pd.DataFrame | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Sobol or Morris indices per output metric (and per combination of listed [vary] values).

    Returns (indices, notes): indices has columns output, [vary paths], parameter, index, value,
    low, high; notes say what could not be analysed and why (e.g. design points not finished).
    """
    from .design import analyze

    root = Path(root)
    info = Store(root).info()
    spec = _design_spec(info)
    if spec is None or spec.kind not in ("sobol", "morris"):
        return pd.DataFrame(), []
    df = load_results(root) if df is None else df
    design = pd.read_parquet(root / "design.parquet")
    grid_paths = list(info.get("experiment", {}).get("vary", {}))
    outputs = list(spec.outputs) or [f"final.{b}" for b in _behaviours(df)]
    ok = df[df["status"] == "ok"]
    notes = []
    rows = []
    combos = list(design.groupby(grid_paths, sort=True)) if grid_paths else [((), design)]
    raw_cols = [f"raw.{p}" for p in spec.bounds]
    for key, d in combos:
        key = key if isinstance(key, tuple) else (key,)
        d = d.sort_values("sample")
        for out in outputs:
            if out not in ok.columns:
                notes.append(f"{out}: no such metric column")
                continue
            y = ok.groupby("point")[out].mean().reindex(d["point"]).to_numpy(dtype=float)
            where = ", ".join(f"{p} = {_label_value(v)}" for p, v in zip(grid_paths, key, strict=False))
            if np.isnan(y).any():
                missing = int(np.isnan(y).sum())
                notes.append(
                    f"{out}{' for ' + where if where else ''}: {missing} of {len(y)} design points have no finished run "
                    "(or no value); the analysis needs every point"
                )
                continue
            try:
                result = analyze(
                    spec, d[raw_cols].to_numpy(dtype=float), y, seed=int(info.get("experiment", {}).get("seed", 0))
                )
            except Exception as exc:  # noqa: BLE001 - SALib's own complaints go in the notes
                notes.append(f"{out}: analysis failed ({type(exc).__name__}: {exc})")
                continue
            for r in result:
                rows.append({"output": out, **dict(zip(grid_paths, key, strict=False)), **r})
    return pd.DataFrame(rows), notes


def sensitivity_figure(ind: pd.DataFrame, output: str, kind: str, grid_paths: list[str]):
    sub = ind[ind["output"] == output]
    if sub.empty:
        return None
    combos = list(sub.groupby(grid_paths, sort=True)) if grid_paths else [((), sub)]
    ncols = min(3, len(combos))
    nrows = math.ceil(len(combos) / ncols)
    fig, axes = _figure(4.4 * ncols + 0.8, 3.4 * nrows + 0.5, ncols, nrows, sharey=False)
    for ax, (key, g) in zip(axes, combos, strict=False):
        key = key if isinstance(key, tuple) else (key,)
        if kind == "sobol":
            params = list(dict.fromkeys(g[g["index"] == "S1"]["parameter"]))
            ys = np.arange(len(params))
            for j, (index, colour) in enumerate((("S1", COLOURS[0]), ("ST", COLOURS[1]))):
                s = g[g["index"] == index].set_index("parameter").reindex(params)
                v = s["value"].to_numpy(dtype=float)
                err = [v - s["low"].to_numpy(dtype=float), s["high"].to_numpy(dtype=float) - v]
                ax.barh(ys + (j - 0.5) * 0.38, v, height=0.38, color=colour, alpha=0.85, label=index)
                ax.errorbar(v, ys + (j - 0.5) * 0.38, xerr=err, fmt="none", color="black", capsize=3, lw=0.8)
            ax.set_yticks(ys, params, fontsize=8)
            ax.axvline(0, color="grey", lw=0.8)
            ax.set_xlabel("Sobol index (95% interval)")
        else:
            ms = g[g["index"] == "mu_star"].set_index("parameter")
            sg = g[g["index"] == "sigma"].set_index("parameter").reindex(ms.index)
            v = ms["value"].to_numpy(dtype=float)
            ax.errorbar(
                v,
                sg["value"].to_numpy(dtype=float),
                xerr=[v - ms["low"].to_numpy(dtype=float), ms["high"].to_numpy(dtype=float) - v],
                fmt="o",
                color=COLOURS[0],
                capsize=3,
            )
            for name, xv, yv in zip(ms.index, v, sg["value"].to_numpy(dtype=float), strict=False):
                ax.annotate(name, (xv, yv), fontsize=8, xytext=(4, 4), textcoords="offset points")
            ax.set_xlabel("mu* (95% interval)")
            ax.set_ylabel("sigma")
        if grid_paths:
            ax.set_title(
                ", ".join(f"{p} = {_label_value(v)}" for p, v in zip(grid_paths, key, strict=False)), fontsize=9
            )
        ax.grid(alpha=0.3)
    for ax in axes[len(combos) :]:
        ax.set_visible(False)
    if kind == "sobol":
        axes[0].legend(fontsize=8)
    fig.suptitle(f"{'Sobol' if kind == 'sobol' else 'Morris'} sensitivity of {output}", fontsize=11)
    return fig


# --- HTML ------------------------------------------------------------------------------------------
def _fmt_ci(mean, low, high, digits=3) -> str:
    if isinstance(mean, float) and math.isnan(mean):
        return ""
    if isinstance(low, float) and math.isnan(low):
        return f"{mean:.{digits}f} ({NO_INTERVAL})"
    if low == high:
        return f"{mean:.{digits}f}"
    return f"{mean:.{digits}f} [{low:.{digits}f}, {high:.{digits}f}]"


def _point_table(summary: pd.DataFrame, paths: list[str], metrics: list[str]) -> pd.DataFrame:
    rows = []
    for point, g in summary.groupby("point", sort=True):
        row = {"point": point, **{p: g[p].iloc[0] for p in paths if p in g.columns}, "runs": int(g["runs"].iloc[0])}
        by = g.set_index("metric")
        for m in metrics:
            if m in by.index:
                r = by.loc[m]
                digits = 1 if m.startswith("time.") else 3
                cell = _fmt_ci(r["mean"], r["ci_low"], r["ci_high"], digits)
                if m.startswith("time.") and r["n"] == 0:
                    cell = f"not reached (0/{int(r['runs'])})"
                elif m.startswith("time.") and r["n"] < r["runs"]:
                    cell += f" ({int(r['n'])}/{int(r['runs'])} reached)"
                row[m] = cell
        rows.append(row)
    return pd.DataFrame(rows)


def report(root, out=None) -> Path:
    """Write the report of results folder ``root`` (into ``out``, default ``root``); returns report.html."""
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: no such results folder")
    if not (root / "sweep.json").exists() and (root / "economics.parquet").exists():
        from .report_economics import economics_report  # a `run` or `compare` folder: CE plane and CEAC

        return economics_report(root, out)
    store = Store(root)
    info = store.info()
    if not info:
        raise ValueError(f"{root}: not a sweep results folder (no sweep.json)")
    out = Path(out) if out is not None else root
    out.mkdir(parents=True, exist_ok=True)
    df = load_results(root)
    exp = info.get("experiment", {})
    grid_paths = [p for p in exp.get("vary", {}) if p in df.columns]
    sampled = [p for p in exp.get("design", {}).get("bounds", {}) if p in df.columns]
    paths = grid_paths + sampled
    behaviours = _behaviours(df)
    planned = int(info.get("planned_runs", 0))
    n_ok = int((df["status"] == "ok").sum()) if len(df) else 0
    n_failed = int((df["status"] == "failed").sum()) if len(df) else 0
    for p in paths:  # lists/tables as text so they can be grouped
        if df[p].map(lambda v: isinstance(v, (list, dict))).any():
            df[p] = df[p].map(_label_value)

    parts: list[str] = []
    images: list[tuple[str, bytes]] = []

    def add_figure(fig, name: str, caption: str = "") -> None:
        if fig is None:
            return
        data = _png(fig)
        (out / name).write_bytes(data)
        images.append((name, data))
        b64 = base64.b64encode(data).decode("ascii")
        parts.append(f'<img src="data:image/png;base64,{b64}" alt="{html.escape(name)}">')
        if caption:
            parts.append(f'<p class="note">{html.escape(caption)}</p>')

    # header
    title = f"wellspread sweep: {info.get('name', root.name)}"
    parts.append(f"<h1>{html.escape(title)}</h1>")
    pending = max(planned - n_ok - n_failed, 0)
    status_line = f"{n_ok} runs ok, {n_failed} failed, {pending} pending of {planned} planned"
    parts.append(
        f"<p>{html.escape(status_line)}; {info.get('points', '?')} design points x {info.get('replicates', '?')} replicates; "
        f"design: <code>{html.escape(info.get('design', {}).get('kind', 'grid'))}</code>; root seed {exp.get('seed', '?')}; "
        f"random streams <code>{html.escape(str(exp.get('rng_streams', '')))}</code>; networks "
        f"<code>{html.escape(str(exp.get('network_policy', '')))}</code>.</p>"
    )
    varied = ", ".join(f"<code>{html.escape(p)}</code>" for p in paths) or "nothing (replicates of the base scenario)"
    parts.append(f"<p>Varied: {varied}. Folder: <code>{html.escape(str(root.resolve()))}</code>.</p>")

    # table per design point
    summary = summarise(df, paths)
    if not summary.empty:
        summary.to_csv(out / "summary.csv", index=False)
        main = [f"final.{b}" for b in behaviours] + sorted(
            c for c in summary["metric"].unique() if c.startswith("gap.")
        )
        main += sorted(c for c in summary["metric"].unique() if c.startswith("time."))
        table = _point_table(summary, paths, main)
        parts.append("<h2>Outcomes per design point: mean [95% interval]</h2>")
        shown = table.head(MAX_TABLE_ROWS)
        parts.append(_table_html(shown, left=set(paths)))
        if len(table) > len(shown):
            parts.append(f'<p class="note">First {len(shown)} of {len(table)} points; all in summary.csv.</p>')
        parts.append(
            '<p class="note">Intervals are 95% intervals of the mean over replicates (Wilson for shares, within 0-1; '
            "t for the rest, cut at 0 for times, which cannot be negative). <code>time.B.x</code> is the first "
            "step at which a share x of everyone adopts B, averaged over the runs that reached it. "
            "<code>gap.B.attr</code> is adoption in the highest-valued group minus the lowest "
            "(for deprivation: least deprived minus most deprived). Per-group finals are in summary.csv.</p>"
        )
    else:
        parts.append('<p class="bad">No finished runs yet.</p>')

    # figures
    if behaviours and n_ok:
        if any(f"series.{b}" in df.columns for b in behaviours):
            parts.append("<h2>Adoption curves</h2>")
            for b in behaviours:
                add_figure(
                    curves_figure(df, b, grid_paths),
                    f"adoption_curves_{b}.png" if len(behaviours) > 1 else "adoption_curves.png",
                )
        else:
            parts.append("<h2>Adoption curves</h2>")
            parts.append(
                '<p class="note">Not kept: set <code>keep_timeseries = true</code> under [metrics] to get curves.</p>'
            )
        if grid_paths:
            parts.append("<h2>Comparison</h2>")
            for b in behaviours:
                add_figure(
                    comparison_figure(df, b, grid_paths),
                    f"comparison_{b}.png" if len(behaviours) > 1 else "comparison.png",
                )
        if any(c.startswith(f"final.{b}.") for b in behaviours for c in df.columns):
            parts.append("<h2>Adoption by group</h2>")
            for b in behaviours:
                add_figure(groups_figure(df, b, grid_paths), f"groups_{b}.png" if len(behaviours) > 1 else "groups.png")
        if sampled:
            parts.append("<h2>Outcomes across the design</h2>")
            for b in behaviours:
                add_figure(effects_figure(df, b, sampled), f"effects_{b}.png" if len(behaviours) > 1 else "effects.png")

    # sensitivity
    kind = info.get("design", {}).get("kind", "grid")
    if kind in ("sobol", "morris"):
        parts.append(f"<h2>Sensitivity ({'Sobol' if kind == 'sobol' else 'Morris'}, SALib)</h2>")
        ind, notes = sensitivity(root, df)
        for note in notes:
            parts.append(f'<p class="note bad">{html.escape(note)}</p>')
        if not ind.empty:
            ind.to_csv(out / "sensitivity.csv", index=False)
            for output in ind["output"].unique():
                safe = output.replace("/", "_")
                add_figure(sensitivity_figure(ind, output, kind, grid_paths), f"sensitivity_{safe}.png")
            shown = ind.copy()
            shown["95% interval"] = [
                "" if (lo is None or (isinstance(lo, float) and math.isnan(lo))) else f"[{lo:.3f}, {hi:.3f}]"
                for lo, hi in zip(shown["low"], shown["high"], strict=False)
            ]
            shown["value"] = shown["value"].map(lambda v: f"{v:.3f}")
            shown = shown.drop(columns=["low", "high"])
            parts.append(
                _table_html(shown.head(MAX_TABLE_ROWS * 2), left={"output", "parameter", "index", *grid_paths})
            )
            parts.append(
                '<p class="note">Indices use the mean over replicates at each design point; SALib assumes a deterministic '
                "model, so replicate noise shows up as interaction (ST above S1) and widens the intervals. All in sensitivity.csv.</p>"
            )

    # failures
    if n_failed:
        parts.append("<h2>Failed runs</h2>")
        failed = df[df["status"] == "failed"]
        counts = (
            failed.groupby("error", dropna=False).size().reset_index(name="runs").sort_values("runs", ascending=False)
        )
        parts.append(_table_html(counts, left={"error"}))
        cols = ["run_id", "point", *paths, "replicate", "error"]
        parts.append(
            _table_html(failed[[c for c in cols if c in failed.columns]].head(20), left={"run_id", "error", *paths})
        )

    parts.append(
        f'<p class="note">Written {time.strftime("%Y-%m-%d %H:%M")} by <code>wellspread report</code>. '
        f'Query the runs with <code>wellspread query {html.escape(str(root))} "select ... from runs"</code>.</p>'
    )
    page = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"<style>{CSS}</style></head><body>{''.join(parts)}</body></html>"
    )
    path = out / "report.html"
    tmp = out / ".report.html.tmp"
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(path)
    return path
