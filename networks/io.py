"""Read and write network files: edge lists, CSV, GraphML, GML, GEXF and Pajek.

What: ``load(path)`` picks the reader from the file name (``.edgelist`` ``.txt`` ``.csv`` ``.graphml``
``.gml`` ``.gexf`` ``.net``, each optionally ``.gz`` or ``.bz2``) and returns an undirected
``networkx.Graph`` with the file's node and edge attributes. ``save(G, path)`` writes the same formats.

Why: researchers bring their own networks in whatever format their tools export, and a bad file should
stop a run with one clear line, not a parser traceback. Every failure here raises ``NetworkError`` whose
message starts with the path and names the problem.

Conventions:

* Node ids that are canonical integer strings (``"7"``, ``"-2"``, not ``"07"``) become ``int``, in every
  format, so a file written from integer ids reads back with the same ids.
* Multigraphs (Pajek, some GraphML) are collapsed to simple graphs; a repeated tie keeps the last
  attributes. Directed files become undirected unless ``directed=True``.
* Edge lists: ``source target [weight]`` per line, whitespace-separated; ``#`` and ``%`` start comments.
* CSV: a header naming ``source`` and ``target`` columns (or ``from``/``to``, ``u``/``v``,
  ``node1``/``node2``); other columns become edge attributes (numbers where they parse as numbers).
  ``nodes=PATH`` adds a node CSV whose ``id`` (or ``node``/``name``) column names the node.

Formats: GraphML (Brandes et al., graphml.graphdrawing.org), GML (Himsolt 1997), GEXF 1.2
(gexf.net), Pajek (Batagelj & Mrvar); the XML and GML parsers are networkx's.
"""

from __future__ import annotations

import bz2
import codecs
import contextlib
import csv
import gc
import gzip
import io
import math
import os
import re
import resource
import warnings
from pathlib import Path

import networkx as nx
import numpy as np

from .errors import NetworkError

__all__ = ["load", "load_arrays", "is_edge_list", "save", "FORMATS", "unpack_limit", "FILE_LIMIT_ENV"]

#: environment variable: the most bytes a network file may hold (unpacked)
FILE_LIMIT_ENV = "WELLSPREAD_MAX_FILE"
#: bytes of memory a graph read from text takes per byte of that text (networkx, then CSR arrays):
#: measured 20-50 on edge lists (a 43.7 MB list took 2.2 GB)
TEXT_EXPANSION = 40
#: the same for a plain edge list read straight into CSR arrays (``load_arrays``): the text, pyarrow's
#: columns, int64 ends and the CSR; measured about 7 on 20 and 200 MB lists
ARRAY_EXPANSION = 12

FORMATS: dict[str, str] = {
    ".edgelist": "edgelist",
    ".edges": "edgelist",
    ".txt": "edgelist",
    ".csv": "csv",
    ".graphml": "graphml",
    ".gml": "gml",
    ".gexf": "gexf",
    ".net": "pajek",
    ".pajek": "pajek",
}
_NAMES = {"edgelist", "csv", "graphml", "gml", "gexf", "pajek"}
_COMPRESSED = {".gz": gzip, ".bz2": bz2}
_INT = re.compile(r"-?(0|[1-9][0-9]*)\Z")
_FLOAT = re.compile(r"[-+]?(\d+\.?\d*([eE][-+]?\d+)?|\.\d+([eE][-+]?\d+)?)\Z")
_SOURCE = ("source", "from", "u", "node1", "src")
_TARGET = ("target", "to", "v", "node2", "dst")
_NODE_ID = ("id", "node", "name")


# --------------------------------------------------------------------------- helpers


def _short(exc: BaseException, limit: int = 160) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _int64(token: str) -> int | None:
    """The canonical integer string as an int when it fits in int64 (node ids go into int64 arrays)."""
    if _INT.match(token) and len(token) <= 20:
        value = int(token)
        if -(2**63) <= value < 2**63:
            return value
    return None


def _node_id(token: str):
    """``"12"`` -> 12; anything else (ids beyond int64 included) stays a string."""
    value = _int64(token)
    return token if value is None else value


def _value(token: str):
    """A CSV or Pajek cell: int or float where it reads as one, else the string."""
    value = _int64(token)
    if value is not None:
        return value
    if _INT.match(token) or _FLOAT.match(token):  # integers beyond int64 are kept as floats
        return float(token)
    return token


def _split_name(path: Path, fmt: str | None) -> tuple[str, str | None]:
    """(format, compression suffix) from the file name or the ``format`` option."""
    suffixes = [s.lower() for s in path.suffixes]
    compression = suffixes[-1] if suffixes and suffixes[-1] in _COMPRESSED else None
    if fmt is not None:
        name = str(fmt).lower().lstrip(".")
        name = FORMATS.get("." + name, name)
        if name not in _NAMES:
            raise NetworkError(f"{path}: unknown format {fmt!r}; use one of {', '.join(sorted(_NAMES))}")
        return name, compression
    ext = suffixes[-2] if compression and len(suffixes) >= 2 else (suffixes[-1] if suffixes and not compression else "")
    if ext not in FORMATS:
        shown = "".join(path.suffixes[-2:]) if compression else (path.suffix or "(none)")
        raise NetworkError(
            f"{path}: unknown network file extension {shown!r}; use .edgelist, .txt, .csv, .graphml, "
            ".gml, .gexf or .net (optionally .gz or .bz2)"
        )
    return FORMATS[ext], compression


def unpack_limit(expansion: int = TEXT_EXPANSION) -> int:
    """The most bytes of text a network file may hold once unpacked.

    A graph in memory takes up to ``expansion`` times its text (``TEXT_EXPANSION`` through networkx,
    ``ARRAY_EXPANSION`` straight into arrays), so the default is that share of the memory available
    (at least 64 MB); ``WELLSPREAD_MAX_FILE`` (bytes, or e.g. ``2GB``) sets it.
    """
    text = os.environ.get(FILE_LIMIT_ENV)
    if text:
        units = {"k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}
        s = text.strip().lower().removesuffix("b")
        try:
            return int(float(s[:-1]) * units[s[-1]]) if s and s[-1] in units else int(float(s))
        except ValueError:
            raise NetworkError(f"{FILE_LIMIT_ENV}={text!r}: not a size (use e.g. 2GB)") from None
    try:
        import psutil

        available = psutil.virtual_memory().available
        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
        if soft != resource.RLIM_INFINITY:  # under ulimit -v the address space left is what counts
            available = min(available, max(0, soft - psutil.Process().memory_info().vms))
    except Exception:  # noqa: BLE001 - no psutil or /proc: assume a small machine
        available = 4 * 2**30
    return max(64 * 2**20, available // expansion)


def _read_bytes(path: Path, compression: str | None, limit: int | None = None, expansion: int = TEXT_EXPANSION) -> bytes:
    """The file's bytes, unpacked, read in chunks and stopped at ``limit`` (default ``unpack_limit()``:
    a 2 MB gzip file may unpack to gigabytes); devices, pipes and folders are refused before reading."""
    limit = unpack_limit(expansion) if limit is None else min(limit, unpack_limit(expansion))
    try:
        if not path.is_file():
            if not path.exists():
                raise NetworkError(f"{path}: no such file")
            raise NetworkError(f"{path}: is a directory, not a file" if path.is_dir() else f"{path}: not a regular file")
        if not compression and path.stat().st_size > limit:  # known before reading a byte
            raise NetworkError(
                f"{path}: holds {path.stat().st_size:,} bytes, more than the {limit:,} a network on this machine may "
                f"be read from (set {FILE_LIMIT_ENV} to allow more)"
            )
        opener = _COMPRESSED[compression].open if compression else open
        chunks, total = [], 0
        with opener(path, "rb") as f:
            while chunk := f.read(1 << 20):
                total += len(chunk)
                if total > limit:
                    what = "unpacks to" if compression else "holds"
                    raise NetworkError(
                        f"{path}: {what} more than {limit:,} bytes, more than a network this machine can hold "
                        f"(set {FILE_LIMIT_ENV} to allow more)"
                    )
                chunks.append(chunk)
        data = b"".join(chunks)
    except NetworkError:
        raise
    except FileNotFoundError:
        raise NetworkError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise NetworkError(f"{path}: is a directory, not a file") from None
    except OSError as exc:
        if compression and not isinstance(exc, PermissionError):
            raise NetworkError(f"{path}: not a valid {compression[1:]} file ({_short(exc)})") from None
        raise NetworkError(f"{path}: cannot read ({exc.strerror or _short(exc)})") from None
    except Exception as exc:  # noqa: BLE001 - any decompressor failure is a bad file
        raise NetworkError(f"{path}: not a valid {compression[1:] if compression else ''} file ({_short(exc)})") from None
    if not data.strip():
        raise NetworkError(f"{path}: empty file")
    return data


def _text(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise NetworkError(f"{path}: not UTF-8 text (bad byte at offset {exc.start})") from None


def _relabel_numeric(G: nx.Graph) -> nx.Graph:
    """Turn canonical integer-string node ids into ints, unless that would merge two nodes."""
    mapping = {v: _int64(v) for v in G if isinstance(v, str)}
    mapping = {v: i for v, i in mapping.items() if i is not None}
    beyond = {v: str(v) for v in G if isinstance(v, int) and not -(2**63) <= v < 2**63}  # GML ids parse as ints
    if beyond:
        G = nx.relabel_nodes(G, beyond, copy=True)
    if not mapping:
        return G
    targets = set(mapping.values())
    if len(targets) < len(mapping) or any(v in targets for v in G if not isinstance(v, str)):
        return G
    return nx.relabel_nodes(G, mapping, copy=True)


def _shape(G: nx.Graph, directed: bool) -> nx.Graph:
    """Simple graph, directed or not as asked, keeping graph, node and edge attributes."""
    if G.is_multigraph() or G.is_directed() != directed:
        H = nx.DiGraph() if directed else nx.Graph()
        H.graph.update(G.graph)
        H.add_nodes_from(G.nodes(data=True))
        H.add_edges_from(G.edges(data=True))
        if directed and not G.is_directed():
            H.add_edges_from((v, u, d) for u, v, d in G.edges(data=True))
        G = H
    return G


# --------------------------------------------------------------------------- readers


def _read_edgelist(path: Path, text: str, directed: bool) -> nx.Graph:
    G = _plain_edgelist(text, directed)
    if G is not None:
        return G
    G = nx.DiGraph() if directed else nx.Graph()
    for number, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("%"):
            continue
        fields = line.split()
        if len(fields) not in (2, 3):
            raise NetworkError(
                f"{path}: line {number}: expected 'source target [weight]', got {len(fields)} field(s)"
            )
        u, v = _node_id(fields[0]), _node_id(fields[1])
        if len(fields) == 3:
            G.add_edge(u, v, weight=_number(path, fields[2], f"line {number}"))
        else:
            G.add_edge(u, v)
    return G


def _plain_edgelist(text: str, directed: bool) -> nx.Graph | None:
    """The common edge list (``u v`` or ``u v weight`` per line, integer ids, a header of comments at
    most: ``_plain_columns``) parsed with pyarrow's CSV reader; None for anything else, which the line-by-line reader
    then handles with its line-numbered errors.

    Why: parsing and checking 1.3 million lines one by one in Python took over two minutes on the
    2-core machine; pyarrow parses them in well under a second. The graph is the one the line-by-line
    reader builds: the same canonical int64 ids (``007`` or ids beyond int64 fall back, where they
    stay text), edges added in file order, a later weight replacing an earlier one.
    """
    columns = _plain_columns(text.encode())
    if columns is None:
        return None
    source, target, weights = columns
    G = nx.DiGraph() if directed else nx.Graph()
    with _collector_paused():
        if weights is None:
            G.add_edges_from(zip(source.tolist(), target.tolist(), strict=True))
        else:
            G.add_weighted_edges_from(zip(source.tolist(), target.tolist(), weights.tolist(), strict=True))
    return G


def _plain_columns(data: bytes):
    """(source, target, weights or None) as int64 / float64 arrays when ``data`` is an edge list in
    the common form (see ``_plain_edgelist``); None otherwise.

    The common form: ``source target [weight]`` a line, one space or one tab between fields (the
    same in every line), ``\\n`` or ``\\r\\n`` line ends, comment lines (``#`` or ``%``) only at the
    top, as SNAP and KONECT files have them.
    """
    body = data.removeprefix(codecs.BOM_UTF8)
    start, stop = 0, len(body)
    while start < stop:  # the header: comment lines and blank lines at the top
        if body[start] in b"#%":
            end = body.find(b"\n", start)
            if end < 0:
                return None
            start = end + 1
        elif body[start] in b"\r\n":
            start += 1
        else:
            break
    while stop > start and body[stop - 1] in b"\r\n":
        stop -= 1
    if stop <= start or body.find(b"#", start, stop) >= 0 or body.find(b"%", start, stop) >= 0:
        return None
    delimiter = " "
    if body.find(b"\t", start, stop) >= 0:
        if body.find(b" ", start, stop) >= 0:
            return None  # spaces and tabs mixed: the line-by-line reader splits on any run of them
        delimiter = "\t"
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    try:
        table = pacsv.read_csv(
            pa.py_buffer(memoryview(body)[start:stop]),
            read_options=pacsv.ReadOptions(autogenerate_column_names=True, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, quote_char=False, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(column_types={"f0": pa.string(), "f1": pa.string()}),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None  # ragged lines, extra spaces, bytes that are not UTF-8: the line-by-line reader names the line
    if table.num_columns not in (2, 3):
        return None
    ends = []
    for name in ("f0", "f1"):
        column = table.column(name)
        if column.null_count or not pc.all(pc.match_substring_regex(column, r"^-?(0|[1-9][0-9]{0,18})$")).as_py():
            return None
        try:
            ends.append(pc.cast(column, pa.int64()).to_numpy())
        except (pa.ArrowInvalid, OverflowError):
            return None  # beyond int64: kept as text by the line-by-line reader
    if table.num_columns == 2:
        return ends[0], ends[1], None
    weights = table.column("f2")
    if not pa.types.is_floating(weights.type) and not pa.types.is_integer(weights.type):
        return None
    w = weights.to_numpy(zero_copy_only=False).astype(float)
    if not math.isfinite(float(w.sum())) or not (w == w).all():
        return None  # the line-by-line reader names the line of a non-finite weight
    return ends[0], ends[1], w


@contextlib.contextmanager
def _collector_paused():
    """Python's cyclic garbage collector off while a graph's millions of adjacency dicts are made.

    Why: each new dict counts towards a collection that then walks every dict made so far; building a
    1.3-million-tie graph took 29 s with it and 13 s without (2-core machine, loaded). Nothing made
    here is cyclic garbage.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _number(path: Path, token, where: str) -> float:
    try:
        value = float(token)
    except (TypeError, ValueError):
        raise NetworkError(f"{path}: {where}: weight {token!r} is not a number") from None
    if not math.isfinite(value):
        raise NetworkError(f"{path}: {where}: weight {token!r} is not a finite number")
    return value


def _csv_rows(path: Path, text: str):
    lines = text.splitlines()
    header_line = next((ln for ln in lines if ln.strip() and not ln.lstrip().startswith("#")), "")
    try:
        dialect = csv.Sniffer().sniff(header_line, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    body = [ln for ln in lines if not ln.lstrip().startswith("#")]
    try:
        rows = list(csv.reader(body, dialect))
    except csv.Error as exc:
        raise NetworkError(f"{path}: malformed CSV ({_short(exc)})") from None
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if not rows:
        raise NetworkError(f"{path}: no header and no rows")
    header = [h.strip() for h in rows[0]]
    return header, rows[1:]


def _column(path: Path, header: list[str], names: tuple[str, ...], what: str) -> int:
    lowered = [h.lower() for h in header]
    for name in names:
        if name in lowered:
            return lowered.index(name)
    shown = ", ".join(header[:8]) + (", ..." if len(header) > 8 else "")
    raise NetworkError(f"{path}: no {what} column in the header (found: {shown or 'nothing'})")


def _read_csv(path: Path, text: str, directed: bool, weight: str | None) -> nx.Graph:
    header, rows = _csv_rows(path, text)
    s = _column(path, header, _SOURCE, "'source'")
    t = _column(path, header, _TARGET, "'target'")
    weight_col = (weight or "weight").lower()
    G = nx.DiGraph() if directed else nx.Graph()
    for number, row in enumerate(rows, 2):
        if len(row) != len(header):
            raise NetworkError(f"{path}: row {number}: {len(row)} fields but the header has {len(header)}")
        u, v = row[s].strip(), row[t].strip()
        if not u or not v:
            raise NetworkError(f"{path}: row {number}: empty source or target")
        attrs = {}
        for i, (name, cell) in enumerate(zip(header, row, strict=False)):
            cell = cell.strip()
            if i in (s, t) or cell == "":
                continue
            if name.lower() == weight_col:
                attrs[name] = _number(path, cell, f"row {number}")
            else:
                attrs[name] = _value(cell)
        G.add_edge(_node_id(u), _node_id(v), **attrs)
    return G


def _add_node_table(G: nx.Graph, nodes) -> None:
    path = Path(os.fspath(nodes))
    fmt, compression = _split_name(path, "csv")
    header, rows = _csv_rows(path, _text(path, _read_bytes(path, compression)))
    key = _column(path, header, _NODE_ID, "'id'")
    for number, row in enumerate(rows, 2):
        if len(row) != len(header):
            raise NetworkError(f"{path}: row {number}: {len(row)} fields but the header has {len(header)}")
        node = row[key].strip()
        if not node:
            raise NetworkError(f"{path}: row {number}: empty node id")
        attrs = {h: _value(c.strip()) for i, (h, c) in enumerate(zip(header, row, strict=False)) if i != key and c.strip()}
        G.add_node(_node_id(node), **attrs)


def _parse_gml(data: str) -> nx.Graph:
    try:
        return nx.parse_gml(data, label="label")
    except nx.NetworkXError as exc:
        if "label" not in str(exc):
            raise
        return nx.parse_gml(data, label=None)


def _read_xmlish(path: Path, fmt: str, data: bytes) -> nx.Graph:
    what = {"graphml": "GraphML", "gml": "GML", "gexf": "GEXF", "pajek": "Pajek"}[fmt]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if fmt == "graphml":
                G = nx.read_graphml(io.BytesIO(data))
            elif fmt == "gexf":
                G = nx.read_gexf(io.BytesIO(data))
            elif fmt == "gml":
                G = _parse_gml(_text(path, data))
            else:
                G = nx.parse_pajek(_text(path, data).splitlines())
    except NetworkError:
        raise
    except RecursionError:
        raise NetworkError(f"{path}: not valid {what} (nested too deeply)") from None
    except Exception as exc:  # noqa: BLE001 - parser internals raise many types; all mean a bad file
        raise NetworkError(f"{path}: not valid {what} ({_short(exc)})") from None
    for key in ("node_default", "edge_default"):
        if G.graph.get(key) == {}:
            del G.graph[key]
    if fmt == "gexf":
        for v, d in G.nodes(data=True):
            if d.get("label") == str(v):
                del d["label"]
        for _, _, d in G.edges(data=True):
            d.pop("id", None)
    elif fmt == "pajek":
        for _, d in G.nodes(data=True):
            d.pop("id", None)
            if d.get("x") == 0.0 and d.get("y") == 0.0:
                del d["x"], d["y"]
            if d.get("shape") == "ellipse":
                del d["shape"]
            for k, val in list(d.items()):
                if isinstance(val, str):
                    d[k] = {"True": True, "False": False}.get(val, _value(val))
    return G


# --------------------------------------------------------------------------- public API


def load(
    path, *, format: str | None = None, directed: bool = False, weight: str | None = None, nodes=None, max_text: int | None = None
) -> nx.Graph:
    """Read a network file into a ``networkx.Graph`` (``DiGraph`` when ``directed=True``).

    Args:
        path: the file; the format comes from its extension (see ``FORMATS``), ``.gz``/``.bz2`` allowed.
        format: read as this format whatever the extension (``"edgelist"``, ``"csv"``, ``"graphml"``,
            ``"gml"``, ``"gexf"``, ``"pajek"``).
        directed: keep arcs as a ``DiGraph``; by default ties are undirected.
        weight: the edge attribute that holds tie weights; every value it has must be a finite number
            and is stored as a float. Edge lists always keep a third column as ``weight``.
        nodes: optional CSV of node attributes (an ``id`` column plus attribute columns).
        max_text: most bytes of (unpacked) text to read; default ``unpack_limit()``. A graph takes
            about ``TEXT_EXPANSION`` bytes of memory per byte of text.

    Raises:
        NetworkError: missing, unreadable, empty or malformed file, unknown extension, non-numeric weight.
    """
    try:
        path = Path(os.fspath(path))
    except TypeError:
        raise NetworkError(f"{path!r}: not a file path") from None
    if weight is not None and not isinstance(weight, str):
        raise NetworkError(f"{path}: weight must be an attribute name, got {weight!r}")
    fmt, compression = _split_name(path, format)
    data = _read_bytes(path, compression, max_text)
    if fmt == "edgelist":
        G = _read_edgelist(path, _text(path, data), directed)
    elif fmt == "csv":
        G = _read_csv(path, _text(path, data), directed, weight)
    else:
        G = _shape(_read_xmlish(path, fmt, data), directed)
    if nodes is not None:
        _add_node_table(G, nodes)
    if G.number_of_nodes() == 0:
        raise NetworkError(f"{path}: no nodes and no edges")
    if weight is not None:
        for u, v, d in G.edges(data=True):
            if weight in d:
                d[weight] = _number(path, d[weight], f"edge ({u!r}, {v!r})")
    return _relabel_numeric(G)


def is_edge_list(path, format: str | None = None) -> bool:
    """Is ``path`` (or the ``format`` named) read as an edge list? False for an unknown format."""
    try:
        return _split_name(Path(os.fspath(path)), format)[0] == "edgelist"
    except (NetworkError, TypeError):
        return False


def load_arrays(
    path, *, weight: str | None = None, format: str | None = None, directed: bool = False, nodes=None, max_text: int | None = None
):
    """Read an edge-list file straight into ``networks.CSR`` arrays, without a networkx graph.

    What: the CSR that ``networks.to_csr(load(path), weight=weight)`` gives, identical arrays and
    ids. An edge list in the common form (``u v`` or ``u v weight``, one space, integer ids) is
    parsed by pyarrow and turned into CSR arrays by ``networks.csr.from_edges``; any other edge list
    goes through ``load`` (its line-numbered errors) and ``to_csr``.

    Why: a run on the compiled engine needs only the ties, and an edge list carries nothing else;
    networkx took about 30 s and 1 GB for a 20 MB list of 1.5 million ties (2-core Zen 1). Straight
    into arrays it takes a few seconds and about ``ARRAY_EXPANSION`` bytes of memory per byte of
    text, so larger files may be read (``unpack_limit(ARRAY_EXPANSION)``).

    Args:
        path: the file; ``format`` as in ``load``.
        weight: the tie weights the CSR carries, as ``to_csr``'s ``weight`` (an edge list's third
            column is ``"weight"``; 1.0 where a tie has none); None for none.
        directed, nodes: as in ``load``; a directed read or a node table needs ``load``.
        max_text: most bytes of (unpacked) text to read.

    Returns:
        The CSR, or None when the file is not an edge list read undirected without a node table
        (use ``load``).

    Raises:
        NetworkError: as ``load``, and a file too large to read line by line that is not in the
        common form.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "ties.edgelist"
    >>> _ = path.write_text("10 20\\n20 30\\n30 10\\n")
    >>> csr = load_arrays(path)
    >>> csr.nodes, csr.degree.tolist()
    ([10, 20, 30], [2, 2, 2])
    """
    try:
        path = Path(os.fspath(path))
    except TypeError:
        raise NetworkError(f"{path!r}: not a file path") from None
    fmt, compression = _split_name(path, format)
    if fmt != "edgelist" or directed or nodes is not None:
        return None
    from .csr import from_edges, to_csr

    data = _read_bytes(path, compression, max_text, expansion=ARRAY_EXPANSION)
    columns = _plain_columns(data)
    if columns is None:
        if len(data) > unpack_limit(TEXT_EXPANSION):
            raise NetworkError(
                f"{path}: holds {len(data):,} bytes, more than a network read line by line may take on this machine; "
                "only a plain edge list ('source target [weight]' a line, one space or one tab, integer ids, comments "
                f"only at the top) can be read this large (or set {FILE_LIMIT_ENV})"
            )
        G = _relabel_numeric(_read_edgelist(path, _text(path, data), directed=False))
        if G.number_of_nodes() == 0:
            raise NetworkError(f"{path}: no nodes and no edges")
        return to_csr(G, weight=weight)
    del data
    source, target, weights = columns
    if weight is not None and (weights is None or weight != "weight"):
        weights = np.ones(len(source))  # as to_csr: 1.0 where a tie has no such attribute
    return from_edges(source, target, weights if weight is not None else None)


def save(G: nx.Graph, path, *, format: str | None = None) -> Path:
    """Write ``G`` in the format its file name names (the same formats ``load`` reads).

    Graph-level attributes that are not scalars are left out of the XML and GML formats, which cannot
    hold them; Pajek keeps node attributes as strings. Returns the path written.

    Raises:
        NetworkError: unknown extension, or the file cannot be written.
    """
    path = Path(os.fspath(path))
    fmt, compression = _split_name(path, format)
    H = G.copy()
    for key, value in list(H.graph.items()):
        if not isinstance(value, (str, int, float, bool)):
            del H.graph[key]
    try:
        buffer = io.BytesIO()
        if fmt == "edgelist":
            lines = []
            for v in H:
                if not str(v) or len(str(v).split()) != 1 or str(v).startswith(("#", "%")):
                    raise NetworkError(f"{path}: node id {v!r} cannot be written to an edge list; use .csv or .graphml")
            for u, v, d in H.edges(data=True):
                w = d.get("weight")
                lines.append(f"{u} {v}" if w is None else f"{u} {v} {w}")
            buffer.write(("\n".join(lines) + "\n").encode())
        elif fmt == "csv":
            columns = sorted({k for _, _, d in H.edges(data=True) for k in d})
            text = io.StringIO()
            writer = csv.writer(text, lineterminator="\n")
            writer.writerow(["source", "target", *columns])
            for u, v, d in H.edges(data=True):
                writer.writerow([u, v, *(d.get(k, "") for k in columns)])
            buffer.write(text.getvalue().encode())
        elif fmt == "graphml":
            nx.write_graphml(H, buffer)
        elif fmt == "gml":
            nx.write_gml(H, buffer)
        elif fmt == "gexf":
            nx.write_gexf(H, buffer)
        else:
            for _, d in H.nodes(data=True):
                for k, val in list(d.items()):
                    d[k] = str(val)
            for _, _, d in H.edges(data=True):
                for k, val in list(d.items()):
                    if k != "weight":
                        d[k] = str(val)
            nx.write_pajek(H, buffer)
        data = buffer.getvalue()
        if compression:
            data = _COMPRESSED[compression].compress(data)
        path.write_bytes(data)
    except NetworkError:
        raise
    except OSError as exc:
        raise NetworkError(f"{path}: cannot write ({exc.strerror or _short(exc)})") from None
    except Exception as exc:  # noqa: BLE001 - writer internals; report them as one line
        raise NetworkError(f"{path}: cannot write as {fmt} ({_short(exc)})") from None
    return path
