"""The HTML pieces the reports share (``report`` and ``report_economics``): style sheet and tables."""

from __future__ import annotations

import html
import json
import math

import pandas as pd

__all__ = ["CSS"]


def _label_value(v) -> str:
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, (list, dict)):
        return json.dumps(v)
    return str(v)

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1100px;color:#222;padding:0 1rem}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
table{border-collapse:collapse;font-size:.82rem;margin:.5rem 0}th,td{border:1px solid #ddd;padding:.25rem .5rem;text-align:right}
th{background:#f4f6f8}td.l,th.l{text-align:left}img{max-width:100%;height:auto;border:1px solid #eee;margin:.5rem 0}
.note{color:#555;font-size:.85rem}.bad{color:#a4262c}code{background:#f4f6f8;padding:0 .2rem}
"""


def _table_html(df: pd.DataFrame, left: set[str] = frozenset()) -> str:
    head = "".join(f'<th class="{"l" if c in left else ""}">{html.escape(str(c))}</th>' for c in df.columns)
    body = []
    for row in df.itertuples(index=False):
        cells = []
        for c, v in zip(df.columns, row, strict=False):
            text = _label_value(v) if not (isinstance(v, float) and math.isnan(v)) else ""
            cells.append(f'<td class="{"l" if c in left else ""}">{html.escape(text)}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
