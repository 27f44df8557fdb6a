"""The economics part of ``wellspread report``: the cost-effectiveness plane and the acceptability curve.

``wellspread report DIR`` on a folder that ``wellspread run --out DIR`` or ``wellspread compare A B
--out DIR`` wrote (it holds ``economics.parquet``) draws, from that one per-replicate table:

* ``ce_plane.png``: each replicate's incremental QALYs (east) and incremental cost (north) against
  doing nothing, one colour per programme, the mean of each as a large marker, and the willingness-to-pay
  lines (cost = lambda x QALYs) of the stated thresholds: points below a line are cost-effective at it;
* ``ceac.png``: the cost-effectiveness acceptability curve of each programme against doing nothing and,
  for several programmes, the probability that each option (doing nothing included) has the highest net
  monetary benefit (Fenwick, Claxton & Sculpher 2001), with the thresholds marked;
* ``economics_summary.csv`` and a table per programme, all on ``report.html``.

The numbers come from ``experiments.cea`` (headless; the dashboard draws the same data).
"""

from __future__ import annotations

import base64
import html
import time
from pathlib import Path

import numpy as np
import pandas as pd

from . import cea
from .palette import styles

__all__ = ["economics_report", "ce_plane_figure", "ceac_figure", "programmes_of"]


def programmes_of(table: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The per-replicate table split by programme (one unnamed programme for a ``run`` folder)."""
    if "programme" not in table:
        return {"programme": table}
    return {str(name): df.drop(columns="programme") for name, df in table.groupby("programme", sort=False)}


def _figure(width=6.4, height=4.6):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=110)
    return fig, fig.add_subplot(1, 1, 1)


def ce_plane_figure(tables: dict[str, pd.DataFrame], thresholds, currency: str = "GBP", title: str = ""):
    """The cost-effectiveness plane of one or more programmes against doing nothing (a Figure)."""
    fig, ax = _figure()
    palette = styles(tables)  # one colour-blind-safe colour and marker per programme, as everywhere
    for name, table in tables.items():
        plane = cea.ce_plane(table, thresholds)
        pts = plane["points"]
        colour, marker = palette[name].colour, palette[name].marker
        ax.scatter(pts["incremental_qalys"], pts["incremental_cost"], s=14, alpha=0.45, color=colour, marker=marker,
                   label=f"{name}: replicates ({len(pts)})")
        dq, dc = plane["mean"]
        ax.scatter([dq], [dc], s=110, color=colour, marker=marker, edgecolor="black", linewidth=1.2, zorder=5,
                   label=f"{name}: mean ({plane['quadrant']})")
    qs = np.concatenate([t["incremental_qalys"].to_numpy() for t in tables.values()])
    cs = np.concatenate([t["incremental_cost"].to_numpy() for t in tables.values()])
    xlim = _limits(qs)
    ylim = _limits(cs)
    xs = np.array(xlim)
    for j, wtp in enumerate(thresholds):
        ax.plot(xs, wtp * xs, color="0.35", linestyle=["--", ":", "-."][j % 3], linewidth=1,
                label=f"{currency} {wtp:,.0f} per QALY")
    ax.axhline(0, color="black", linewidth=0.8)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_xlabel("incremental QALYs (discounted)")
    ax.set_ylabel(f"incremental cost, {currency} (programme - costs avoided)")
    ax.set_title(title or "Cost-effectiveness plane, against doing nothing", fontsize=10)
    for x, y, text in ((0.98, 0.96, "NE: more QALYs, costs more"), (0.98, 0.04, "SE: dominant"),
                       (0.02, 0.96, "NW: dominated"), (0.02, 0.04, "SW: saves money, fewer QALYs")):
        ax.text(x, y, text, transform=ax.transAxes, ha="right" if x > 0.5 else "left",
                va="top" if y > 0.5 else "bottom", fontsize=7, color="0.4")
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    ax.ticklabel_format(style="plain", useOffset=False)
    fig.tight_layout()
    return fig


def _limits(values: np.ndarray) -> tuple[float, float]:
    """Axis limits around the points that always include the origin (where doing nothing sits)."""
    lo, hi = min(0.0, float(values.min())), max(0.0, float(values.max()))
    pad = 0.08 * (hi - lo) if hi > lo else 1.0
    return lo - pad, hi + pad


def ceac_figure(tables: dict[str, pd.DataFrame], thresholds, currency: str = "GBP", max_wtp: float | None = None):
    """Acceptability curves: each programme against doing nothing, and (several) which option is best."""
    top = max_wtp or max(50_000.0, 1.5 * max(thresholds))
    wtp = np.linspace(0.0, top, 201)
    fig, ax = _figure()
    palette = styles(tables)
    for name, table in tables.items():
        curve = cea.ceac(table, wtp)
        ax.plot(curve["wtp"], curve["probability"], color=palette[name].colour, linewidth=2,
                label=f"{name} vs doing nothing")
    if len(tables) > 1:
        best = cea.ceac_options(tables, wtp)
        for name in best.columns.drop("wtp"):
            colour = palette[name].colour if name in tables else "0.55"
            ax.plot(best["wtp"], best[name], color=colour,
                    linestyle=":", linewidth=1.5, label=f"P({name} has the highest NMB)")
    for wtp_line in thresholds:
        ax.axvline(wtp_line, color="0.5", linewidth=0.8, linestyle="--")
        ax.text(wtp_line, 1.02, f"{currency} {wtp_line:,.0f}", fontsize=7, ha="center", color="0.3")
    ax.set_ylim(-0.02, 1.08)
    ax.set_xlim(0, top)
    ax.set_xlabel(f"willingness to pay per QALY, {currency}")
    ax.set_ylabel("probability cost-effective (share of replicates)")
    ax.set_title("Cost-effectiveness acceptability curve", fontsize=10)
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return fig


def _png(fig) -> bytes:
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def economics_report(root, out=None) -> Path:
    """report.html (+ ce_plane.png, ceac.png, economics_summary.csv) for a folder with economics.parquet."""
    from .programme import summary_of
    from .report_html import CSS, _table_html

    root = Path(root)
    out = Path(out) if out is not None else root
    out.mkdir(parents=True, exist_ok=True)
    table, meta = cea.read_economics(root / "economics.parquet")
    tables = programmes_of(table)
    thresholds = [float(t) for t in meta.get("thresholds", "20000,30000").split(",")]
    currency = meta.get("currency", "GBP")
    parts = [f"<h1>wellspread economics: {html.escape(root.name)}</h1>"]
    from .tables import economics_caption

    summaries = []
    for name, df in tables.items():
        summary = summary_of(df, meta)
        summaries.append(summary.assign(programme=name))
        parts.append(f"<h2>{html.escape(name)} against doing nothing</h2>")
        shown = summary.copy()
        for col in ("mean", "ci_low", "ci_high"):
            shown[col] = shown[col].map(lambda v: "" if v != v else f"{v:,.4g}")
        parts.append(_table_html(shown, left={"metric", "note"}))
        caption = economics_caption(meta, len(df)).replace("\n", "<br>")
        parts.append(f'<p class="note">{caption}</p>')
    pd.concat(summaries, ignore_index=True).to_csv(out / "economics_summary.csv", index=False)
    for name, fig, caption in (
        ("ce_plane.png", ce_plane_figure(tables, thresholds, currency),
         "One point per replicate (paired with doing nothing on the same seed); large markers are the means. "
         "Below a dashed line: cost-effective at that willingness to pay."),
        ("ceac.png", ceac_figure(tables, thresholds, currency),
         "Share of replicates with positive net monetary benefit at each willingness to pay."),
    ):
        data = _png(fig)
        (out / name).write_bytes(data)
        parts.append(f'<img src="data:image/png;base64,{base64.b64encode(data).decode("ascii")}" alt="{name}">')
        parts.append(f'<p class="note">{html.escape(caption)}</p>')
    parts.append(f'<p class="note">Written {time.strftime("%Y-%m-%d %H:%M")} by <code>wellspread report</code> '
                 "from economics.parquet.</p>")
    page = (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>economics</title><style>{CSS}</style>'
            f"</head><body>{''.join(parts)}</body></html>")
    path = out / "report.html"
    tmp = out / ".report.html.tmp"
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(path)
    return path
