"""Calibration data: the networks of the units and the observed cells, read and checked once.

Several networks, one per unit (a village), from a node table and an edge table (CSV or Parquet),
joined into one graph whose units never touch; the observed data as cells (a unit, a group within
it, a step) with the people counted in each. Errors are ``ValueError`` with one line naming the
file and the field.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import networkx as nx
import pandas as pd

from model import Scenario

if TYPE_CHECKING:
    from .calibrate import Calibration

__all__ = ["Network", "read_units", "read_observed"]


def _resolve(cal: Calibration, name: str) -> Path:
    p = Path(name)
    return p if p.is_absolute() else Path(cal.base_dir) / p


# --- the networks ---------------------------------------------------------------------------------
def _read_table(path: Path, field: str, source: str, header: bool = True) -> pd.DataFrame:
    try:
        if path.suffix.lower() in (".parquet", ".pq"):
            return pd.read_parquet(path)
        if path.suffix.lower() == ".csv":
            return pd.read_csv(path)
        return pd.read_csv(path, sep=r"\s+", header=None, names=["source", "target"], comment="#")
    except FileNotFoundError:
        raise ValueError(f"{source}: {field}: file {path} not found") from None
    except Exception as exc:  # noqa: BLE001 - any reader failure is a bad file
        raise ValueError(f"{path}: cannot read as a table ({type(exc).__name__})") from None


def _column(table: pd.DataFrame, column: str, path, field: str) -> pd.Series:
    if column not in table.columns:
        raise ValueError(f"{path}: {field} {column!r} is not a column (it has {', '.join(map(str, table.columns))})")
    return table[column]


class Network:
    """All units' people as one graph (frozen), each person's unit, and who is seeded."""

    def __init__(self, graph: nx.Graph, unit_of: dict, seeds: list, units: list):
        self.graph, self.unit_of, self.seeds, self.units = graph, unit_of, seeds, units


def read_units(cal: Calibration, base: dict) -> Network:
    """The graph of every unit (or the scenario's own network as the single unit 'all')."""
    if cal.units is None:
        sc = Scenario.model_validate(base)
        G = sc.network.build(seed=cal.seed)
        if not isinstance(G, nx.Graph):
            raise ValueError(f"{cal.source}: scenario.network: a network built as arrays cannot be calibrated")
        return Network(G, dict.fromkeys(G, "all"), None, ["all"])
    u = cal.units
    nodes_path, edges_path = _resolve(cal, u.nodes), _resolve(cal, u.edges)
    nodes = _read_table(nodes_path, "units.nodes", cal.source)
    edges = _read_table(edges_path, "units.edges", cal.source)
    ids = _column(nodes, u.id_column, nodes_path, "units.id_column")
    units = _column(nodes, u.unit_column, nodes_path, "units.unit_column")
    if ids.duplicated().any():
        raise ValueError(f"{nodes_path}: column {u.id_column!r}: id {ids[ids.duplicated()].iloc[0]} appears twice")
    G = nx.Graph()
    records = nodes.to_dict("records")
    G.add_nodes_from((r[u.id_column], r) for r in records)
    src = _column(edges, u.source, edges_path, "units.source").tolist()
    dst = _column(edges, u.target, edges_path, "units.target").tolist()
    known = [a in G and b in G for a, b in zip(src, dst, strict=True)]
    if not all(known) and u.unknown_edges == "error":
        bad = next(i for i, k in enumerate(known) if not k)
        raise ValueError(
            f"{edges_path}: {known.count(False)} edge(s) name people not in {nodes_path.name} (e.g. {src[bad]} - {dst[bad]}); "
            "set units.unknown_edges = 'drop' to leave them out"
        )
    G.add_edges_from((a, b) for a, b, k in zip(src, dst, known, strict=True) if k and a != b)
    unit_of = dict(zip(ids.tolist(), units.tolist(), strict=True))
    crossing = next(((a, b) for a, b in G.edges if unit_of[a] != unit_of[b]), None)
    if crossing:
        raise ValueError(f"{edges_path}: edge {crossing[0]} - {crossing[1]} joins two units")
    seeds = None
    if u.seeds is not None:
        column = _column(nodes, u.seeds.attribute, nodes_path, "units.seeds.attribute")
        wanted = {str(v) for v in u.seeds.values}
        seeds = [i for i, v in zip(ids.tolist(), column.tolist(), strict=True) if str(v) in wanted]
    return Network(G, unit_of, seeds, sorted(set(unit_of.values()), key=lambda v: (str(type(v)), v)))


# --- the observed data ----------------------------------------------------------------------------
def read_observed(cal: Calibration, net: Network) -> pd.DataFrame:
    """Observed cells: columns unit, group (None without ``observed.group``), step (-1: the final
    state), value (the share), eligible (people counted) and adopters (value x eligible)."""
    ob = cal.observed
    if (ob.attribute is None) == (ob.file is None):
        raise ValueError(f"{cal.source}: observed: give either attribute = '...' or file = '...'")
    key_of = _cell_keys(cal, net)  # person -> (unit, group) for everyone counted
    eligible = pd.Series(list(key_of.values()), dtype=object).value_counts().to_dict()
    if ob.attribute is not None:
        values = nx.get_node_attributes(net.graph, ob.attribute)
        if len(values) < len(net.graph):
            raise ValueError(f"{cal.source}: observed.attribute: not every person carries {ob.attribute!r}")
        wanted = {str(v) for v in ob.values}
        adopters = dict.fromkeys(eligible, 0)
        for v, key in key_of.items():
            adopters[key] += str(values[v]) in wanted
        missing = [unit for unit in net.units if not any(k[0] == unit for k in eligible)]
        if missing:
            raise ValueError(f"{cal.source}: observed.among: unit {missing[0]} has nobody counted, so its share is always NaN")
        keys = sorted(eligible, key=lambda k: (net.units.index(k[0]), str(k[1])))
        return pd.DataFrame({"unit": [k[0] for k in keys], "group": [k[1] for k in keys], "step": -1,
                             "value": [adopters[k] / eligible[k] for k in keys], "eligible": [eligible[k] for k in keys],
                             "adopters": [float(adopters[k]) for k in keys]})  # fmt: skip
    path = _resolve(cal, ob.file)
    table = _read_table(path, "observed.file", cal.source)
    unit = _column(table, ob.unit_column, path, "observed.unit_column") if cal.units is not None else pd.Series(["all"] * len(table))
    value = pd.to_numeric(_column(table, ob.column, path, "observed.column"), errors="coerce")
    if value.isna().any():
        raise ValueError(f"{path}: column {ob.column!r}: row {int(value.isna().idxmax())} is not a number (NaN summaries cannot be compared)")
    if ((value < 0) | (value > 1)).any():
        raise ValueError(f"{path}: column {ob.column!r}: row {int(((value < 0) | (value > 1)).idxmax())} is not a share in [0, 1]")
    step = _column(table, ob.step_column, path, "observed.step_column").astype(int) if ob.step_column else pd.Series(-1, index=table.index)
    known = {str(x): x for x in net.units}
    strange = [x for x in unit.tolist() if str(x) not in known]
    if strange:
        where = cal.units.nodes if cal.units else "the scenario's network"
        raise ValueError(f"{path}: column {ob.unit_column!r}: unit {strange[0]} has no network in {where}")
    if ob.group is not None:
        column = ob.group_column or ob.group
        group = _column(table, column, path, "observed.group_column").astype(str)
    else:
        column, group = None, pd.Series([None] * len(table), index=table.index)
    out = pd.DataFrame({"unit": [known[str(x)] for x in unit], "group": group.to_numpy(dtype=object), "step": step.to_numpy(),
                        "value": value.to_numpy(dtype=float)})  # fmt: skip
    out["eligible"] = [eligible.get((u, g), 0) for u, g in zip(out["unit"], out["group"], strict=True)]
    empty = out.index[out["eligible"] == 0]
    if len(empty):
        u, g = out.loc[empty[0], "unit"], out.loc[empty[0], "group"]
        cell = f"unit {u}" if column is None else f"unit {u}, {column} {g}"
        raise ValueError(f"{cal.source}: observed.among: {cell} has nobody counted, so its share is always NaN")
    out["adopters"] = out["value"] * out["eligible"]
    return out


def _cell_keys(cal: Calibration, net: Network) -> dict:
    """(unit, group value as text, or None) of every person whose adoption the shares count."""
    counted, group = _counted(cal, net), cal.observed.group
    if group is None:
        return {v: (net.unit_of[v], None) for v in net.graph if counted[v]}
    values = nx.get_node_attributes(net.graph, group)
    if len(values) < len(net.graph):
        raise ValueError(f"{cal.source}: observed.group: not every person carries {group!r}")
    return {v: (net.unit_of[v], str(values[v])) for v in net.graph if counted[v]}


def _counted(cal: Calibration, net: Network) -> dict:
    seeds = set(net.seeds or [])
    if cal.observed.among == "all" or not seeds:
        return dict.fromkeys(net.graph, True)
    return {v: v not in seeds for v in net.graph}
