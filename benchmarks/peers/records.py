"""One measured row: ``_record`` appends it and, in a child process, streams it as an ``@@`` JSON line;
``_json_default`` writes numpy values as JSON."""

from __future__ import annotations

import json
import os

import numpy as np

from .graphs import Graph


def _record(out: list, graph: Graph, library: str, case: str, variant: str, m: dict | None = None, **extra) -> dict:
    row = {"graph": graph.name, "n": graph.n, "library": library, "case": case, "variant": variant}
    if m is not None:
        row.update(m)
    row.update(extra)
    out.append(row)
    if os.environ.get("_BENCH_PEERS_STREAM"):
        print("@@" + json.dumps(row, default=_json_default), flush=True)
    return row


def _json_default(x):
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.floating):
        return float(x)
    if isinstance(x, np.ndarray):
        return x.tolist()
    raise TypeError(type(x))
