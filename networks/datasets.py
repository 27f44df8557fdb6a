"""Real social networks shipped in ``shared/data``, read into ``networkx`` graphs with their attributes.

What: one reader per data set, a registry ``DATASETS`` and ``dataset(name, **options)`` so a scenario
can use a real network by name. Each graph carries ``G.graph["name"]``, ``["source"]`` (the citation),
``["licence"]`` and ``["url"]``; edge ``weight`` is contact time in seconds where the data measure it.

Why: synthetic towns need checking against real contact and friendship structure, and real adoption
data (the Karnataka microfinance loans) give a benchmark for spreading models.

Where: the folder is ``$WELLSPREAD_DATA`` if set, else ``shared/data`` inside the project root or
beside it (the project root is the folder that holds ``networks/``). Each data folder's README gives
the provenance, the licence and the counts the tests check; see ``shared/data/README.md``.

References:
    Mastrandrea, Fournet & Barrat (2015) PLoS ONE 10(9): e0136497 (high school, Marseille 2013).
    Stehle et al. (2011) PLoS ONE 6(8): e23176; Gemmetto, Barrat & Cattuto (2014) BMC Infect Dis 14:695
    (primary school, Lyon 2009).
    Banerjee, Chandrasekhar, Duflo & Jackson (2013) Science 341: 1236498; data doi:10.7910/DVN/U3BIHX
    (Karnataka villages).
    McAuley & Leskovec (2012) NIPS 25 (SNAP ego-Facebook).
    Kleynhans, Dall'Amico et al. (2023) eLife 12: e84753 (South African household contacts).
"""

from __future__ import annotations

import csv
import functools
import gzip
import inspect
import io
import math
import numbers
import os
import zipfile
from pathlib import Path

import networkx as nx
import numpy as np

from .errors import NetworkError

__all__ = [
    "DATASETS",
    "data_dir",
    "dataset",
    "facebook_ego",
    "highschool_2013",
    "karnataka_households",
    "karnataka_village",
    "primaryschool",
    "sa_households",
]

_ROOT = Path(__file__).resolve().parent.parent
CONTACT_SECONDS = 20  # SocioPatterns: one record per active 20-second window


def data_dir() -> Path:
    """The ``shared/data`` folder; ``NetworkError`` saying where it looked if there is none."""
    env = os.environ.get("WELLSPREAD_DATA")
    candidates = [Path(env)] if env else [_ROOT / "shared" / "data", _ROOT.parent / "shared" / "data"]
    for folder in candidates:
        if folder.is_dir():
            return folder
    where = " or ".join(str(c) for c in candidates)
    raise NetworkError(f"real data sets not found: looked in {where}; set WELLSPREAD_DATA to the shared/data folder")


def _file(*parts: str) -> Path:
    path = data_dir().joinpath(*parts)
    if not path.is_file():
        raise NetworkError(f"{path}: data file missing")
    return path


def _stamp(G: nx.Graph, name: str, source: str, licence: str, url: str) -> nx.Graph:
    G.graph.update(name=name, source=source, licence=licence, url=url)
    return G


def _bad(name: str, message: str):
    raise NetworkError(f"data set {name!r}: {message}")


def _seconds(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value) or value < 0:
        _bad(name, f"min_seconds must be a number >= 0, got {value!r}")
    return float(value)


def _add_contacts(G: nx.Graph, rows, min_seconds: float) -> None:
    """Sum 20-second contact records into edge weights (seconds) and drop pairs below ``min_seconds``."""
    total: dict[tuple, int] = {}
    for i, j in rows:
        if i == j:
            continue
        key = (i, j) if i < j else (j, i)
        total[key] = total.get(key, 0) + CONTACT_SECONDS
    G.add_edges_from((i, j, {"weight": w}) for (i, j), w in total.items() if w >= min_seconds)


# --------------------------------------------------------------------------- SocioPatterns

_SP_LICENCE = "CC BY-NC-SA 3.0 (non-commercial; cite the papers)"


def highschool_2013(network: str = "contacts", min_seconds: float = 0) -> nx.Graph:
    """Students of a Marseille high school, Dec 2013, with ``class`` and ``gender`` on every node.

    Args:
        network: ``"contacts"`` (wearable sensors over 5 days: 329 students, 5,818 ties, ``weight`` =
            seconds in contact), ``"friendship"`` (survey: 134 students, 668 nominations kept as
            undirected ties with ``mutual`` True for the 262 reciprocated pairs), ``"diaries"`` (contact
            diaries: 120 students, ``weight`` = the longest reported duration class 1-4) or
            ``"facebook"`` (156 students in known pairs, ties for the 1,437 Facebook friendships).
        min_seconds: contacts only: keep pairs with at least this many seconds of contact.
    """
    name = "highschool_2013"
    choices = ("contacts", "friendship", "diaries", "facebook")
    if network not in choices:
        _bad(name, f"network must be one of {', '.join(choices)}, got {network!r}")
    min_seconds = _seconds(name, min_seconds)
    return _cached(name, network, min_seconds).copy()


def _highschool(network: str, min_seconds: float) -> nx.Graph:
    folder = "sociopatterns_highschool_2013"
    people = {}
    with open(_file(folder, "HighSchool2013_metadata.txt")) as fh:
        for line in fh:
            if line.strip():
                i, cls, gender = line.split()
                people[int(i)] = {"class": cls, "gender": gender}
    G = nx.Graph()
    if network == "contacts":
        G.add_nodes_from(people.items())
        with gzip.open(_file(folder, "HighSchool2013_proximity_net.csv.gz"), "rt") as fh:
            _add_contacts(G, ((int(f[1]), int(f[2])) for f in map(str.split, fh) if f), min_seconds)
    else:
        filename = {
            "friendship": "HighSchool2013_friendship_network.csv.gz",
            "diaries": "HighSchool2013_contactdiaries_network.csv.gz",
            "facebook": "HighSchool2013_facebook_known_pairs.csv.gz",
        }[network]
        arcs = set()
        with gzip.open(_file(folder, filename), "rt") as fh:
            for fields in map(str.split, fh):
                if not fields:
                    continue
                i, j = int(fields[0]), int(fields[1])
                w = int(fields[2]) if len(fields) > 2 else 1
                G.add_nodes_from((i, j))
                if network == "facebook" and w == 0:
                    continue
                arcs.add((i, j))
                if network == "diaries":
                    w = max(w, G.edges[i, j]["weight"]) if G.has_edge(i, j) else w
                    G.add_edge(i, j, weight=w)
                else:
                    G.add_edge(i, j)
        if network == "friendship":
            for i, j, d in G.edges(data=True):
                d["mutual"] = (i, j) in arcs and (j, i) in arcs
        for v in G:
            G.nodes[v].update(people.get(v, {"class": "", "gender": "Unknown"}))
    return _stamp(
        G,
        f"highschool_2013 ({network})",
        "Mastrandrea, Fournet & Barrat (2015) PLoS ONE 10(9): e0136497",
        _SP_LICENCE,
        "https://www.sociopatterns.org/datasets/high-school-contact-and-friendship-networks/",
    )


def primaryschool(min_seconds: float = 0, day: int | None = None) -> nx.Graph:
    """Pupils and teachers of a Lyon primary school, Oct 2009: 242 people, 8,317 contact ties.

    Nodes carry ``class`` (``1A``..``5B`` or ``Teachers``), ``grade`` (1-5, ages about 6-11; 0 for
    teachers), ``role`` (``pupil``/``teacher``) and ``gender``; ``weight`` is seconds in contact.

    Args:
        min_seconds: keep pairs with at least this many seconds of contact.
        day: 1 or 2 to keep one school day's contacts only (all 242 people stay as nodes).
    """
    name = "primaryschool"
    min_seconds = _seconds(name, min_seconds)
    if day is not None and (isinstance(day, bool) or day not in (1, 2)):
        _bad(name, f"day must be 1, 2 or None, got {day!r}")
    return _cached(name, day, min_seconds).copy()


def _primaryschool(day: int | None, min_seconds: float) -> nx.Graph:
    folder = "sociopatterns_primaryschool"
    G = nx.Graph()
    with open(_file(folder, "primaryschool_metadata.txt")) as fh:
        for line in fh:
            if line.strip():
                i, cls, gender = line.split()
                teacher = cls == "Teachers"
                G.add_node(int(i), **{"class": cls, "grade": 0 if teacher else int(cls[0]),
                                      "role": "teacher" if teacher else "pupil", "gender": gender})
    lo, hi = {None: (-math.inf, math.inf), 1: (-math.inf, 62_300), 2: (117_240, math.inf)}[day]
    with gzip.open(_file(folder, "primaryschool.csv.gz"), "rt") as fh:
        rows = ((int(f[1]), int(f[2])) for f in map(str.split, fh) if f and lo <= int(f[0]) <= hi)
        _add_contacts(G, rows, min_seconds)
    suffix = "" if day is None else f" (day {day})"
    return _stamp(
        G,
        "primaryschool" + suffix,
        "Stehle et al. (2011) PLoS ONE 6(8): e23176; Gemmetto, Barrat & Cattuto (2014) BMC Infect Dis 14:695",
        _SP_LICENCE,
        "https://www.sociopatterns.org/datasets/primary-school-temporal-network-data/",
    )


# --------------------------------------------------------------------------- Karnataka microfinance

_KA_SOURCE = (
    "Banerjee, Chandrasekhar, Duflo & Jackson (2013) The Diffusion of Microfinance, Science 341: 1236498; "
    "Harvard Dataverse doi:10.7910/DVN/U3BIHX"
)
_KA_LICENCE = "not stated; public Harvard Dataverse data, check its terms before publishing"
_KA_URL = "https://doi.org/10.7910/DVN/U3BIHX"
_KA_FOLDER = "banerjee2013_karnataka_microfinance"
_KA_COLUMNS = {
    "age": "age", "resp_gend": "gender", "resp_status": "status", "caste": "caste", "religion": "religion",
    "educ": "education", "hhid": "hhid", "workflag": "works", "occupation": "occupation",
    "shgparticipate": "self_help_group", "savings": "savings", "rationcard_colour": "rationcard_colour",
}


def karnataka_village(village: int = 1) -> nx.Graph:
    """People of Karnataka village 1 (843 people, 3,398 ties) or 2 (877, 3,057): all 12 relations merged.

    Every node has ``household`` (its household id, pid // 100) and ``surveyed``; the 203 surveyed
    respondents also have ``age``, ``gender`` (``male``/``female``), ``status``, ``caste``, ``religion``,
    ``education``, ``works``, ``occupation``, ``self_help_group``, ``savings`` and ``rationcard_colour``.
    """
    if isinstance(village, bool) or village not in (1, 2):
        _bad("karnataka_village", f"village must be 1 or 2 (the villages with individual data), got {village!r}")
    return _cached("karnataka_village", int(village)).copy()


def _karnataka_village(village: int) -> nx.Graph:
    sub = (_KA_FOLDER, "individuals_villages_1_2")
    with open(_file(*sub, f"key_vilno_{village}.csv"), newline="") as fh:
        rows = list(csv.reader(fh))[1:]
    pid_of_row = np.array([int(pid) for _, pid in sorted((int(r), pid) for r, pid in rows)], dtype=np.int64)
    matrix = np.loadtxt(_file(*sub, f"adj_allVillageRelationships_vilno_{village}.csv"), delimiter=",", dtype=np.int8)
    if matrix.shape != (pid_of_row.size, pid_of_row.size):
        raise NetworkError(f"karnataka village {village}: matrix {matrix.shape} does not match the key")
    rows_i, cols_i = np.nonzero(np.triu(matrix | matrix.T, k=1))
    G = nx.Graph()
    G.add_nodes_from((int(p), {"household": int(p) // 100, "surveyed": False}) for p in pid_of_row)
    G.add_edges_from(zip(pid_of_row[rows_i].tolist(), pid_of_row[cols_i].tolist(), strict=True))
    with open(_file(*sub, "individual_characteristics.csv"), newline="") as fh:
        for rec in csv.DictReader(fh):
            if rec["village"] != str(village) or int(rec["pid"]) not in G:
                continue
            attrs = {"surveyed": True}
            for column, attr in _KA_COLUMNS.items():
                value = rec.get(column, "").strip()
                if value:
                    attrs[attr] = int(value) if attr in ("age", "hhid") else value
            attrs["gender"] = {"1": "male", "2": "female"}.get(rec.get("resp_gend", ""), "unknown")
            G.nodes[int(rec["pid"])].update(attrs)
    return _stamp(G, f"karnataka_village_{village}", _KA_SOURCE, _KA_LICENCE, _KA_URL)


def karnataka_households(village: int | None = None) -> nx.Graph:
    """Households of 38 Karnataka villages (8,622 households, 40,151 ties) or of one ``village``.

    Node attributes: ``village``, ``loan`` (1 = took a BSS microfinance loan, the observed adoption),
    ``leader`` (1 = first told about the loans: the real seeds), ``religion``, ``roof``, ``rooms``,
    ``beds``, ``electricity``, ``ownership``. The 27 ties to 9 households missing from the household
    table are dropped.
    """
    if village is not None and (isinstance(village, bool) or not isinstance(village, numbers.Integral)):
        _bad("karnataka_households", f"village must be an integer or None, got {village!r}")
    G = _cached("karnataka_households")
    if village is None:
        return G.copy()
    keep = [v for v, d in G.nodes(data=True) if d["village"] == village]
    if not keep:
        villages = sorted({d["village"] for _, d in G.nodes(data=True)})
        _bad("karnataka_households", f"no village {village}; choose one of {', '.join(map(str, villages))}")
    H = G.subgraph(keep).copy()
    H.graph["name"] = f"karnataka_households (village {village})"
    return H


def _karnataka_households() -> nx.Graph:
    sub = (_KA_FOLDER, "households_taddy")
    G = nx.Graph()
    ints = ("village", "loan", "rooms", "beds", "electricity", "leader")
    with open(_file(*sub, "microfi_households.csv"), newline="") as fh:
        for r in csv.DictReader(fh):
            G.add_node(int(r["hh"]), **{k: (int(v) if k in ints else v) for k, v in r.items() if k != "hh"})
    with open(_file(*sub, "microfi_edges.txt")) as fh:
        pairs = (tuple(map(int, line.split())) for line in fh if line.strip())
        G.add_edges_from((a, b) for a, b in pairs if a in G and b in G and a != b)
    return _stamp(G, "karnataka_households", _KA_SOURCE, _KA_LICENCE, _KA_URL)


# --------------------------------------------------------------------------- SNAP ego-Facebook


def facebook_ego(gender: bool = True) -> nx.Graph:
    """Ten merged Facebook ego networks: 4,039 people, 88,234 friendships (McAuley & Leskovec 2012).

    With ``gender=True`` the 3,955 people whose profile has one of the two anonymised gender values get
    ``gender`` = ``"77"`` or ``"78"`` (which one is female is unknown). There is no age.
    """
    if not isinstance(gender, bool):
        _bad("facebook_ego", f"gender must be True or False, got {gender!r}")
    return _cached("facebook_ego", gender).copy()


def _facebook_ego(gender: bool) -> nx.Graph:
    folder = "snap_ego_facebook"
    with gzip.open(_file(folder, "facebook_combined.txt.gz"), "rt") as fh:
        G = nx.parse_edgelist((line for line in fh if line.strip()), nodetype=int)
    if gender:
        egos = data_dir() / folder / "ego_networks"
        for featnames in sorted(egos.glob("*.featnames")):
            ego = int(featnames.stem)
            with open(featnames) as fh:
                names = [line.split(" ", 1)[1].strip() for line in fh if line.strip()]
            columns = {k: n.rsplit(" ", 1)[1] for k, n in enumerate(names) if n.startswith("gender;")}

            def take(node, values, columns=columns):
                on = [columns[k] for k in sorted(columns) if values[k] == "1"]
                if on and node in G:
                    G.nodes[node]["gender"] = on[0]

            with open(egos / f"{ego}.feat") as fh:
                for line in fh:
                    if line.strip():
                        node, *values = line.split()
                        take(int(node), values)
            with open(egos / f"{ego}.egofeat") as fh:
                take(ego, fh.read().split())
    return _stamp(
        G,
        "facebook_ego",
        "McAuley & Leskovec (2012) Learning to Discover Social Circles in Ego Networks, NIPS 25; SNAP",
        "no explicit licence; research use with citation",
        "https://snap.stanford.edu/data/ego-Facebook.html",
    )


# --------------------------------------------------------------------------- South African households


def sa_households() -> nx.Graph:
    """Household contact networks in South Africa: 340 people in 88 households, 542 ties inside households.

    Node ids are the study ids (``"J008-001"``); attributes are the metadata columns (``agegrp9``,
    ``sex``, ``hhid``, ``smokecignow1``, ``bmicat``, ``sars``, ...) plus the aliases ``household``,
    ``age_group``, ``smoker`` and ``bmi``. ``weight`` is the total contact time in seconds.
    """
    return _cached("sa_households").copy()


def _sa_households() -> nx.Graph:
    path = _file("sa_household_contacts_kleynhans2023", "sashts_data.zip")
    G = nx.Graph()
    with zipfile.ZipFile(path) as z:
        with z.open("sashts_metadata.csv") as fh:
            for r in csv.DictReader(io.TextIOWrapper(fh, encoding="utf-8")):
                node = r.pop("indid")
                attrs = {k: v for k, v in r.items() if v != ""}
                for alias, column in (("household", "hhid"), ("age_group", "agegrp9"), ("smoker", "smokecignow1"),
                                      ("bmi", "bmicat")):
                    if column in attrs:
                        attrs[alias] = attrs[column]
                G.add_node(node, **attrs)
        total: dict[tuple, int] = {}
        with z.open("sashts_contact_network.csv") as fh:
            reader = csv.reader(io.TextIOWrapper(fh, encoding="utf-8"))
            header = next(reader)
            d, a, b = header.index("duration_sec"), header.index("indid1"), header.index("indid2")
            for row in reader:
                u, v = row[a], row[b]
                key = (u, v) if u < v else (v, u)
                total[key] = total.get(key, 0) + int(row[d])
    # each event is listed once in each direction: halve the sums
    G.add_edges_from((u, v, {"weight": w // 2}) for (u, v), w in total.items() if u != v)
    return _stamp(
        G,
        "sa_households",
        "Kleynhans, Dall'Amico et al. (2023) eLife 12: e84753",
        "CC0 1.0",
        "https://github.com/crdm-nicd/sashts",
    )


# --------------------------------------------------------------------------- registry

_BUILDERS = {
    "highschool_2013": _highschool,
    "primaryschool": _primaryschool,
    "karnataka_village": _karnataka_village,
    "karnataka_households": _karnataka_households,
    "facebook_ego": _facebook_ego,
    "sa_households": _sa_households,
}


def _cached(name: str, *args) -> nx.Graph:
    """Read a data set once per process and data folder (callers get copies)."""
    return _read(data_dir(), name, *args)


@functools.lru_cache(maxsize=16)
def _read(folder: Path, name: str, *args) -> nx.Graph:
    """Run one reader; file problems become NetworkError."""
    try:
        return _BUILDERS[name](*args)
    except NetworkError:
        raise
    except (OSError, ValueError, KeyError, IndexError, EOFError, csv.Error, zipfile.BadZipFile) as exc:
        text = " ".join(str(exc).split())[:160]
        raise NetworkError(f"data set {name!r}: cannot read its files ({type(exc).__name__}: {text})") from None


DATASETS = {
    "highschool_2013": highschool_2013,
    "primaryschool": primaryschool,
    "karnataka_village": karnataka_village,
    "karnataka_households": karnataka_households,
    "facebook_ego": facebook_ego,
    "sa_households": sa_households,
}


def dataset(name: str, **options) -> nx.Graph:
    """A real network by name (one of ``DATASETS``), with that reader's ``options``.

    Raises:
        NetworkError: unknown name or option, a bad option value, or missing data files.
    """
    try:
        reader = DATASETS[name]
    except (KeyError, TypeError):
        raise NetworkError(f"unknown data set {name!r}; choose one of {', '.join(DATASETS)}") from None
    allowed = list(inspect.signature(reader).parameters)
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise NetworkError(f"data set {name!r}: unknown option {unknown[0]!r}; it takes {', '.join(allowed) or 'none'}")
    return reader(**options)
