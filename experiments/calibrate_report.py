"""The report of a calibration folder: posterior marginals, pairs and the posterior predictive check.

``wellspread report DIR`` sends a folder holding ``posterior.parquet`` here. It draws
``marginals.png`` (weighted histograms with the 90% interval), ``pairs.png`` (every pair of
parameters, points sized by weight) and ``predictive.png`` (each unit's observed share against
the posterior predictive mean and 90% interval, fitted and held-out units apart), and writes
``calibration.html`` with the posterior table and the held-out R^2.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import numpy as np
import pandas as pd

from .calibrate_abc import weighted_quantile

__all__ = ["report"]


def report(directory, out=None) -> Path:
    """Draw the calibration in ``directory`` into ``out`` (default: the same folder); return the HTML path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    directory = Path(directory)
    out = Path(out) if out is not None else directory
    out.mkdir(parents=True, exist_ok=True)
    posterior = pd.read_parquet(directory / "posterior.parquet")
    paths = [c for c in posterior.columns if c != "weight"]
    w = posterior["weight"].to_numpy(float)
    k = len(paths)

    fig, axes = plt.subplots(1, k, figsize=(3.6 * k, 3.0), squeeze=False)
    for ax, p in zip(axes[0], paths, strict=True):
        v = posterior[p].to_numpy(float)
        ax.hist(v, bins=30, weights=w, color="#0072B2", alpha=0.8)
        for q in weighted_quantile(v, w, [0.05, 0.95]):
            ax.axvline(q, color="#D55E00", linestyle="--", linewidth=1)
        ax.set_xlabel(p)
    axes[0][0].set_ylabel("posterior weight")
    fig.tight_layout()
    fig.savefig(out / "marginals.png", dpi=110)
    plt.close(fig)

    if k > 1:
        fig, axes = plt.subplots(k, k, figsize=(2.8 * k, 2.8 * k), squeeze=False)
        for r, a in enumerate(paths):
            for c, b in enumerate(paths):
                ax = axes[r][c]
                if r == c:
                    ax.hist(posterior[a], bins=25, weights=w, color="#0072B2")
                else:
                    ax.scatter(posterior[b], posterior[a], s=4 + 400 * w, alpha=0.4, color="#009E73")
                if r == k - 1:
                    ax.set_xlabel(b, fontsize=8)
                if c == 0:
                    ax.set_ylabel(a, fontsize=8)
        fig.tight_layout()
        fig.savefig(out / "pairs.png", dpi=100)
        plt.close(fig)

    predictive_file = directory / "predictive.parquet"
    if predictive_file.exists():
        pred = pd.read_parquet(predictive_file)
        if "group" not in pred:  # written before groups existed
            pred["group"] = None
        if len(pred):
            g = pred.groupby(["set", "unit", "group", "step"], sort=False, dropna=False)["simulated"]
            table = g.mean().to_frame("mean").join(g.quantile(0.05).rename("q05")).join(g.quantile(0.95).rename("q95"))
            table = table.join(pred.groupby(["set", "unit", "group", "step"], sort=False, dropna=False)["observed"].first()).reset_index()
            fig, ax = plt.subplots(figsize=(5, 5))
            for label, colour, marker in (("fit", "#0072B2", "o"), ("holdout", "#D55E00", "s")):
                t = table[table["set"] == label]
                if len(t):
                    ax.errorbar(t["observed"], t["mean"], yerr=[t["mean"] - t["q05"], t["q95"] - t["mean"]], fmt=marker,
                                color=colour, alpha=0.7, label=f"{label} units", markersize=4, elinewidth=0.8)  # fmt: skip
            top = float(np.nanmax([table["observed"].max(), table["q95"].max()])) * 1.05 or 1.0
            ax.plot([0, top], [0, top], color="grey", linewidth=0.8)
            ax.set_xlabel("observed share")
            ax.set_ylabel("posterior predictive (mean, 90%)")
            ax.legend()
            fig.tight_layout()
            fig.savefig(out / "predictive.png", dpi=110)
            plt.close(fig)

    summary = json.loads((directory / "summary.json").read_text()) if (directory / "summary.json").exists() else {}
    rows = "".join(
        f"<tr><td>{html.escape(p)}</td><td>{s['mean']:.4g}</td><td>{s['q05']:.4g}</td><td>{s['q95']:.4g}</td></tr>"
        for p, s in summary.get("posterior", {}).items()
    )
    held = summary.get("holdout")
    held_line = (
        f"<p>Held-out units ({len(summary['holdout_units'])}): R<sup>2</sup> = {held['r2']:.3f} against the mean "
        f"predictor ({held['mean_predictor']:.3f}); Pearson r = {held['pearson_r']:.3f}.</p>" if held else ""
    )
    images = "".join(f'<img src="{n}">' for n in ("marginals.png", "pairs.png", "predictive.png") if (out / n).exists())
    page = out / "calibration.html"
    page.write_text(
        f"<html><body><h1>Calibration: {html.escape(str(summary.get('source', directory)))}</h1>"
        f"<table border=1><tr><th>path</th><th>mean</th><th>5%</th><th>95%</th></tr>{rows}</table>{held_line}{images}</body></html>"
    )
    return page
