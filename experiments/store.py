"""Durable sweep results: an append-only folder of Parquet parts, a manifest, and DuckDB over it.

Layout of a results folder::

    experiment.toml        the spec as written (copy)
    sweep.json             identity hash of the spec, root seed, planned runs, library versions
    design.parquet         point -> parameter values (sampled designs are stored, not regenerated)
    runs/part-<ns>-<pid>-<rand>.parquet   one row per finished (or failed) run
    manifest.json          parts, rows, ok and failed counts (rewritten atomically after each part)
    .lock                  one driver per folder (fcntl; a guard, not a guarantee on NFS)

Why this shape (measured in ``docs/sweeps.md``, Reproducibility): each part is written to
``*.parquet.tmp``, fsynced, renamed into place and the folder fsynced, so a reader (DuckDB, the
dashboard, ``load_results``) never sees a half-written file and a SIGKILL loses at most the runs not
yet flushed. The committed parts *are* the index of finished runs: resume reads their ``run_id`` and
``status`` columns. A run id can appear more than once (a failed run retried on resume, a part
re-written after a crash between rename and manifest); readers keep one row per run id, preferring
an ``ok`` row, then the newest part.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

__all__ = ["Store", "load_results", "connect", "query", "rows_to_table", "STANDARD_COLUMNS"]

RUNS_DIR = "runs"
STANDARD_COLUMNS = ("run_id", "point", "replicate", "seed", "status", "error", "attempts", "steps")
_STANDARD_TYPES = {
    "run_id": pa.string(),
    "point": pa.int64(),
    "replicate": pa.int64(),
    "seed": pa.int64(),
    "status": pa.string(),
    "error": pa.string(),
    "attempts": pa.int64(),
    "steps": pa.int64(),
    "_wall_s": pa.float64(),
    "_worker": pa.string(),
}
_PARAM_TYPES = {"int": pa.int64(), "float": pa.float64(), "bool": pa.bool_(), "str": pa.string(), "json": pa.string()}


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so readers see the old file or the whole new one, never a part."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def atomic_write_parquet(table: pa.Table, path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(table, tmp)
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def param_value(value, kind: str):
    if kind == "json":
        from .experiment import canonical_json

        return canonical_json(value)
    return value


def rows_to_table(rows: list[dict], paths: list[str], param_types: dict[str, str]) -> pa.Table:
    """Rows (dicts) to an Arrow table with fixed types for the standard, parameter and metric columns."""
    columns: dict[str, list] = {}
    for row in rows:
        for k in row:
            if k not in columns:
                columns[k] = []
    ordered = [c for c in ("run_id", "point") if c in columns]
    ordered += [p for p in paths if p in columns]
    ordered += [c for c in STANDARD_COLUMNS if c in columns and c not in ordered]
    ordered += [c for c in columns if c not in ordered and not c.startswith("_")]
    ordered += [c for c in columns if c.startswith("_") and c not in ordered]
    arrays, names = [], []
    for c in ordered:
        values = [row.get(c) for row in rows]
        if c in param_types:
            kind = param_types[c]
            typ = _PARAM_TYPES[kind]
            values = [None if v is None else param_value(v, kind) for v in values]
        elif c in _STANDARD_TYPES:
            typ = _STANDARD_TYPES[c]
        elif c.startswith("series."):
            typ = pa.list_(pa.float64())
        else:
            typ = pa.float64()
        arrays.append(pa.array(values, type=typ))
        names.append(c)
    return pa.Table.from_arrays(arrays, names=names)


class Store:
    """A results folder: prepare it for a sweep, commit parts, read what is finished."""

    def __init__(self, root):
        self.root = Path(root)
        self.runs_dir = self.root / RUNS_DIR
        self._lock_fd: int | None = None

    # --- files -----------------------------------------------------------------------------------
    @property
    def sweep_path(self) -> Path:
        return self.root / "sweep.json"

    @property
    def design_path(self) -> Path:
        return self.root / "design.parquet"

    @property
    def manifest_path(self) -> Path:
        return self.root / "manifest.json"

    def info(self) -> dict:
        """sweep.json as a dict ({} when absent)."""
        try:
            return json.loads(self.sweep_path.read_text())
        except FileNotFoundError:
            return {}

    def parts(self) -> list[Path]:
        """Committed parts, oldest first (names sort by creation time)."""
        if not self.runs_dir.is_dir():
            return []
        return sorted(self.runs_dir.glob("*.parquet"))

    # --- preparing a sweep -----------------------------------------------------------------------
    @staticmethod
    def check(root, exp, resume: bool) -> None:
        """Raise ValueError (one line) if ``root`` cannot take this sweep; writes nothing."""
        root = Path(root)
        if root.exists() and not root.is_dir():
            raise ValueError(f"{root}: exists and is not a folder")
        info_path = root / "sweep.json"
        if info_path.exists():
            try:
                info = json.loads(info_path.read_text())
            except (OSError, ValueError) as exc:
                raise ValueError(f"{info_path}: unreadable ({exc}); choose another --out") from None
            if info.get("identity") != exp.identity():
                raise ValueError(
                    f"{root}: holds the results of a different experiment ({info.get('name', '?')}, "
                    f"identity {str(info.get('identity'))[:12]}); choose another --out"
                )
            if not resume:
                raise ValueError(
                    f"{root}: already holds this sweep; pass --resume to continue it, or choose another --out"
                )
        elif (root / RUNS_DIR).is_dir() and any((root / RUNS_DIR).iterdir()):
            raise ValueError(f"{root}: has a runs/ folder but no sweep.json; choose another --out")

    def prepare(self, exp, resume: bool = False) -> None:
        """Create the folder (or reopen it on resume), take the lock, write spec, design and sweep.json."""
        self.check(self.root, exp, resume)
        self.runs_dir.mkdir(parents=True, exist_ok=True)
        self.lock()
        for tmp in list(self.runs_dir.glob("*.tmp")) + list(self.root.glob("*.tmp")):
            tmp.unlink(missing_ok=True)  # left by a crash mid-write: never committed
        if exp.text is not None and not (self.root / "experiment.toml").exists():
            atomic_write_bytes(self.root / "experiment.toml", exp.text.encode())
        self._write_design(exp)
        if not self.sweep_path.exists():
            info = {
                "format": 1,
                "name": exp.name,
                "identity": exp.identity(),
                "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "source": exp.source,
                "experiment": exp.to_dict(),
                "paths": exp.paths,
                "param_types": exp.param_types,
                "points": len(exp.points),
                "replicates": exp.replicates,
                "planned_runs": exp.n_runs,
                "design": {"kind": exp.design.kind, "outputs": list(exp.design.outputs)},
                "versions": _versions(),
            }
            atomic_write_bytes(self.sweep_path, json.dumps(info, indent=2).encode())

    def _write_design(self, exp) -> None:
        cols: dict[str, pa.Array] = {"point": pa.array(range(len(exp.points)), type=pa.int64())}
        cols["sample"] = pa.array(exp.samples, type=pa.int64())
        for p in exp.paths:
            kind = exp.param_types[p]
            cols[p] = pa.array([param_value(pt[p], kind) for pt in exp.points], type=_PARAM_TYPES[kind])
        if exp.raw is not None:
            n_combos = len(exp.points) // max(len(exp.raw), 1)
            for j, p in enumerate(exp.design.bounds):
                cols[f"raw.{p}"] = pa.array(list(exp.raw[:, j]) * n_combos, type=pa.float64())
        table = pa.table(cols)
        atomic_write_parquet(table, self.design_path)

    def lock(self) -> None:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: no advisory lock
            return
        fd = os.open(self.root / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise ValueError(f"{self.root}: another sweep is writing to this folder") from None
        self._lock_fd = fd

    def unlock(self) -> None:
        if self._lock_fd is not None:
            import fcntl

            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            os.close(self._lock_fd)
            self._lock_fd = None

    # --- what is done ----------------------------------------------------------------------------
    def statuses(self) -> dict[str, str]:
        """run_id -> status over committed parts ('ok' wins over 'failed')."""
        out: dict[str, str] = {}
        for part in self.parts():
            t = pq.read_table(part, columns=["run_id", "status"])
            for rid, st in zip(t.column("run_id").to_pylist(), t.column("status").to_pylist(), strict=False):
                if out.get(rid) != "ok":
                    out[rid] = st
        return out

    # --- committing ------------------------------------------------------------------------------
    def write_part(self, table: pa.Table) -> Path:
        """Commit one part (tmp name, fsync, rename, fsync folder) and return its path."""
        name = f"part-{time.time_ns():020d}-{os.getpid()}-{secrets.token_hex(4)}.parquet"
        path = self.runs_dir / name
        atomic_write_parquet(table, path)
        return path

    def write_manifest(self, planned: int, ok: int, failed: int, finished: bool = False) -> None:
        parts = self.parts()
        data = {
            "identity": self.info().get("identity"),
            "planned": planned,
            "ok": ok,
            "failed": failed,
            "pending": max(planned - ok - failed, 0),
            "finished": finished,
            "parts": [p.name for p in parts],
            "updated": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        atomic_write_bytes(self.manifest_path, json.dumps(data, indent=2).encode())


def _versions() -> dict:
    import platform
    from importlib import metadata

    out = {"python": platform.python_version()}
    for dist in (
        "wellspread",
        "numpy",
        "numba",
        "networkx",
        "Mesa",
        "pandas",
        "pyarrow",
        "dask",
        "distributed",
        "SALib",
    ):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    return out


# --- reading ---------------------------------------------------------------------------------------
def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def _runs_sql(root: Path, dedupe: bool = True) -> str | None:
    runs_dir = root / RUNS_DIR
    if not runs_dir.is_dir() or not any(runs_dir.glob("*.parquet")):
        return None
    glob = _sql_path(runs_dir / "*.parquet")
    source = f"read_parquet('{glob}', union_by_name = true, filename = true)"
    if not dedupe:
        return f"select * exclude (filename) from {source}"
    return (
        "select * exclude (_rank, filename) from ("
        "select *, row_number() over (partition by run_id order by (status = 'ok') desc, filename desc) as _rank "
        f"from {source}) where _rank = 1"
    )


def connect(root):
    """A DuckDB connection with views ``runs`` (one row per run), ``all_rows`` (every row) and ``design``.

    The views read the committed parts at query time, so they see a sweep that is still writing
    (temporary ``.tmp`` files are never matched).
    """
    import duckdb

    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: no such results folder")
    con = duckdb.connect()
    sql = _runs_sql(root)
    if sql is None:
        empty = "select " + ", ".join(
            f"null::{'bigint' if c in ('point', 'replicate', 'seed', 'attempts', 'steps') else 'varchar'} as {c}"
            for c in STANDARD_COLUMNS
        )
        con.execute(f"create view runs as {empty} where false")
        con.execute(f"create view all_rows as {empty} where false")
    else:
        con.execute(f"create view runs as {sql}")
        con.execute(f"create view all_rows as {_runs_sql(root, dedupe=False)}")
    design = root / "design.parquet"
    if design.exists():
        con.execute(f"create view design as select * from read_parquet('{_sql_path(design)}')")
    return con


def query(root, sql: str):
    """Run ``sql`` against a results folder (tables ``runs``, ``all_rows``, ``design``) -> DataFrame."""
    import duckdb

    con = connect(root)
    try:
        return con.execute(sql).df()
    except duckdb.Error as exc:
        raise ValueError(f"query: {' '.join(str(exc).split())}") from None
    finally:
        con.close()


def load_results(root, include_failed: bool = True):
    """One row per run of a results folder, as a pandas DataFrame.

    Columns: ``run_id``, ``point``, a column per varied path (named by the path), ``replicate``,
    ``seed``, ``status`` ("ok" or "failed"), ``error``, ``attempts``, ``steps``, then the metrics:
    ``final.<behaviour>``, ``final.<behaviour>.<group>`` (e.g. ``final.activity.deprivation=1``),
    ``gap.<behaviour>.<attribute>``, ``time.<behaviour>.<threshold>`` and, when kept,
    ``series.<behaviour>``; ``_``-prefixed columns are diagnostics (wall time, worker). Rows are
    sorted by point and replicate. Works while a sweep is still writing.

    See ``run_sweep`` for an example that writes a folder and reads it back.
    """
    import pandas as pd

    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: no such results folder")
    info = Store(root).info()
    paths = list(info.get("paths", []))
    con = connect(root)
    try:
        where = "" if include_failed else " where status = 'ok'"
        df = con.execute(f"select * from runs{where}").df()
    finally:
        con.close()
    if df.empty and not len(df.columns):
        df = pd.DataFrame(columns=list(STANDARD_COLUMNS))
    order = ["run_id", "point"] + [p for p in paths if p in df.columns]
    order += [c for c in STANDARD_COLUMNS if c in df.columns and c not in order]
    rest = [c for c in df.columns if c not in order]
    metric_rank = {"final.": 0, "gap.": 1, "time.": 2, "cost": 3, "economics.": 3, "series.": 4}

    def rank(c):
        if c.startswith("_"):
            return (9, c)
        for prefix, r in metric_rank.items():
            if c.startswith(prefix):
                return (r, c)
        return (5, c)

    df = df[order + sorted(rest, key=rank)]
    for p in paths:
        if p in df.columns and info.get("param_types", {}).get(p) == "json":
            df[p] = df[p].map(lambda v: json.loads(v) if isinstance(v, str) else v)
    sort = [c for c in ("point", "replicate") if c in df.columns]
    if sort and len(df):
        df = df.sort_values(sort, kind="stable").reset_index(drop=True)
    for c in ("point", "replicate", "seed", "attempts", "steps"):
        if c in df.columns and df[c].notna().all() and len(df):
            df[c] = df[c].astype("int64")
    return df
