"""Info: what the page's words mean (first adopters vs the random seed, rounds as weeks, intervals)."""

from __future__ import annotations

import html

import solara

from .labels import GLOSSARY, KIND_LABELS, STRATEGY_LABELS

__all__ = ["Info"]


def info_html() -> str:
    terms = "".join(f"<dt>{html.escape(t)}</dt><dd>{html.escape(d)}</dd>" for t, d in GLOSSARY)
    strategies = "".join(f"<tr><td><code>{html.escape(k)}</code></td><td>{html.escape(v)}</td></tr>"
                         for k, v in STRATEGY_LABELS.items())
    kinds = "".join(f"<tr><td><code>{html.escape(k)}</code></td><td>{html.escape(v)}</td></tr>"
                    for k, v in KIND_LABELS.items())
    style = ("<style>.info dt{font-weight:600;margin-top:8px}.info dd{margin:2px 0 0 16px;color:#333}"
             ".info table{border-collapse:collapse;font-size:0.9rem}.info td{padding:2px 10px;border-bottom:1px solid #eee}"
             "</style>")
    return (f'{style}<div class="info" style="max-width:1100px;display:flex;gap:32px;flex-wrap:wrap">'
            f'<div style="flex:1 1 480px"><h3>Words used on this page</h3><dl>{terms}</dl></div>'
            f'<div style="flex:1 1 420px"><h3>Targeting strategies</h3><p style="font-size:0.85rem;color:#555">'
            f"The name in scenario files and on the command line, and what it does.</p><table>{strategies}</table>"
            f"<h3>Kinds of network</h3><table>{kinds}</table></div></div>")


@solara.component
def Info():
    solara.HTML(tag="div", unsafe_innerHTML=info_html(), classes=["info-page"])
