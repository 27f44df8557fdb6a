"""A synthetic English town: people in households, areas, schools, workplaces, clubs and friendships.

What: ``town(n, seed)`` builds ``n`` people as an undirected ``networkx.Graph`` whose ties come from the
settings where people actually meet, each tie labelled with its ``context``:

* ``household``: everyone in a household is tied to everyone else in it.
* ``school``: pupils aged 5-15 go to a primary (ages 5-10) or secondary (11-15) school near home and sit
  in classes of about 27 / 22; most school ties fall inside the class, a few cross classes, and each
  class has one teacher (an employed adult whose workplace is the school) tied to its pupils.
* ``work``: 75% of people aged 16-64 are employed; workplaces follow the business-size mix and ties form
  inside teams of about eight, with a few across teams. Sole traders have no workplace.
* ``community``: about half of adults belong to one local club or group (sports, faith, ...).
* ``friend``: local friendships, mostly in one's own or a neighbouring area and age band, plus a few
  long-range friendships anywhere in town.

Why: behaviour spreads along these settings differently (households and schools are dense and
clustered, long-range friendships are the bridges), and the areas carry an IMD-style deprivation
quintile so that inequalities in uptake can be measured. Deprivation is not assigned to people
directly: as the sources advise, deprivation mixing follows from geography (friends and clubs are local).

Every node carries ``area`` (int), ``deprivation`` (1 = most deprived quintile .. 5), ``age_band``
(``"0-4" "5-15" "16-24" "25-44" "45-64" "65+"``), ``household`` (int), ``school``, ``school_class``,
``workplace`` and ``community`` (ints, -1 for none) and ``employed`` (bool). All values are scalars, so
the graph can be written to GraphML, GML or GEXF as it is; ``organisations(G)`` lists the households,
schools, classes, workplaces and clubs with their sizes. Node ids are ``0..n-1``, household members are
consecutive and households are ordered by area, so each area is one contiguous block of ids.

Sources (each figure says whether it is sourced, derived or merely plausible):

* Age bands 5.7 / 13.5 / 10.5 / 26.2 / 25.6 / 18.5 %: ONS mid-2020 population estimates (MYE2), England,
  derived; Census 2021 (ONS, 2022) agrees on the 0-4 and 65+ anchors. The ``older_coastal`` and
  ``young_urban`` presets set 65+ to 30% and 12% (Census 2021 press reports of North Norfolk / Rother and
  London) and rescale the other bands (derived).
* Household sizes 1..6+ = 30 / 34 / 16 / 13 / 5 / 2 %, mean about 2.36: ONS Census 2021 (30.2% one-person,
  mean 2.4) and Lancashire County Council's Census 2021 split; the 5 vs 6+ split is plausible, unsourced.
* Schools: mean primary / secondary size 275 / 1,065 pupils and class sizes 27 / 22 (DfE, *Schools, pupils
  and their characteristics* 2019/20 and 2023/24; sizes derived).
* Employment 75% of ages 16-64 (ONS, *Labour market overview, UK: November 2024*: 74.8%).
* Workplaces: 18% of workers in the public sector (ONS LFS via ICAEW, 2024, derived); private employment
  48 / 13 / 40 % in small (0-49) / medium (50-249) / large (250+) firms (BEIS, *Business population
  estimates 2018*); the split of "small" into sole traders / 1-9 / 10-49 is plausible, unsourced.
* Community groups: about 50% of adults are members of an organisation (ONS, *Measuring National
  Well-being* 2015, secondary report).
* Areas: LSOA-like units of about 1,500 residents; quintile 1 = most deprived 20% (MHCLG, *English Indices
  of Deprivation 2019*). Quintiles are balanced across areas and spatially smoothed.
* Tie counts are calibrated so the mean degree (about 10) sits near UK POLYMOD daily contacts (10.8 for
  adults; Mossong et al., PLoS Med 2008; Jarvis et al., BMC Med 2020); within-group ties use a ring of
  nearest neighbours, which gives clustering near 0.4-0.5 as reported for school friendship networks,
  and 60-80% of friendships are local (plausible; ONS *Our relationships* 2015 reports 14% of adults
  whose friends are all local).
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import networkx as nx
import numpy as np
from pydantic import BaseModel, ValidationError, ValidationInfo, field_validator

from .errors import NetworkError

__all__ = ["town", "organisations", "AGE_BANDS", "AGE_PRESETS", "HOUSEHOLD_SHARES", "CONTEXTS"]

KIND = "town"

AGE_BANDS: tuple[str, ...] = ("0-4", "5-15", "16-24", "25-44", "45-64", "65+")
_ENGLAND_AGES = (0.057, 0.135, 0.105, 0.262, 0.256, 0.185)


def _with_65_plus(share65: float) -> tuple[float, ...]:
    base = np.asarray(_ENGLAND_AGES[:5]) / sum(_ENGLAND_AGES[:5]) * (1.0 - share65)
    return tuple(float(round(x, 4)) for x in base) + (share65,)


AGE_PRESETS: dict[str, tuple[float, ...]] = {
    "england": _ENGLAND_AGES,
    "older_coastal": _with_65_plus(0.30),
    "young_urban": _with_65_plus(0.12),
}
HOUSEHOLD_SHARES: tuple[float, ...] = (0.30, 0.34, 0.16, 0.13, 0.05, 0.02)  # sizes 1, 2, 3, 4, 5, 6+
CONTEXTS: tuple[str, ...] = ("household", "school", "work", "community", "friend")  # priority order

# Structural constants (documented defaults; the sourced ones are cited in the module docstring).
PRIMARY_SIZE, SECONDARY_SIZE = 275, 1065          # pupils per school (DfE, derived)
PRIMARY_CLASS, SECONDARY_CLASS = 27, 22           # pupils per class (DfE)
PRIMARY_YEARS, SECONDARY_YEARS = 6, 5             # ages 5-10 and 11-15 within the 5-15 band
SCHOOL_MIXING = 1.0                               # mean ties per pupil to other classes of the school
PUBLIC_SHARE = 0.18                               # of all workers (ONS LFS 2024, derived)
# Private employment: sole trader / 1-9 / 10-49 / 50-249 / 250+ (BEIS 2018; the small split is plausible).
PRIVATE_SHARES = (17.5, 17.5, 13.0, 13.0, 40.0)
FIRM_SIZES = ((0, 0), (2, 9), (10, 49), (50, 249), (250, 2000))
PUBLIC_SITE_SIZE = (250, 2000)
TEAM_SIZE = 8                                     # work ties form inside teams of about this size
WORK_MIXING = 0.5                                 # mean ties per worker to other teams
CLUB_SIZE = (10, 40)                              # members per club or group (plausible)
LONE_PARENT_SHARE = 0.15                          # of 2-person households: parent + child (plausible)
PARENT_AGES = (0.05, 0.65, 0.30, 0.0)             # bands 16-24 .. 65+ of parents (plausible)
OTHER_ADULT_AGES = (0.60, 0.25, 0.10, 0.05)       # grown-up children, lodgers, grandparents (plausible)
FRIEND_WINDOW = 150                               # local friends are drawn within this rank distance


# --------------------------------------------------------------------------- parameter checks


def _fail(message: str):
    raise NetworkError(f"network kind {KIND!r}: {message}")


def _real(name: str, value, lo: float, hi: float) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a number, got {value!r}")
    value = float(value)
    if not (math.isfinite(value) and lo <= value <= hi):
        raise ValueError(f"{name} must be in [{lo:g}, {hi:g}], got {value!r}")
    return value


def _integer(name: str, value, lo: int, hi: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    value = int(value)
    if value < lo or (hi is not None and value > hi):
        span = f">= {lo}" if hi is None else f"in [{lo}, {hi}]"
        raise ValueError(f"{name} must be an integer {span}, got {value}")
    return value


def _shares(name: str, value, k: int) -> np.ndarray:
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or len(value) != k:
        raise ValueError(f"{name} must be a list of {k} non-negative shares, got {value!r}")
    out = np.array([_real(f"{name}[{i}]", x, 0.0, 1e9) for i, x in enumerate(value)], dtype=float)
    if out.sum() <= 0:
        raise ValueError(f"{name} must have a positive sum, got {value!r}")
    return out / out.sum()


def _rate(hi: float):
    """A plain pydantic validator for a number in [0, hi], named by its field."""
    return lambda cls, v, info: _real(info.field_name, v, 0.0, hi)


class TownParams(BaseModel):
    """The town's parameters, checked once (pydantic) before anything is built; shares normalised."""

    n: Any
    seed: Any
    area_size: Any = 1500
    areas: Any = None
    employment_rate: Any = 0.75
    community_share: Any = 0.5
    friend_ties: Any = 1.0
    local_friends: Any = 2.0
    school_ties: Any = 6.0
    work_ties: Any = 4.0
    community_ties: Any = 3.0
    age_shares: Any = "england"
    household_shares: Any = HOUSEHOLD_SHARES

    _n = field_validator("n", mode="plain")(lambda cls, v: _integer("n", v, 1))
    _seed = field_validator("seed", mode="plain")(lambda cls, v: _integer("seed", v, -(2**63)))
    _area_size = field_validator("area_size", mode="plain")(lambda cls, v: _integer("area_size", v, 1))
    _shares_of_people = field_validator("employment_rate", "community_share", mode="plain")(_rate(1.0))
    _ties = field_validator(
        "friend_ties", "local_friends", "school_ties", "work_ties", "community_ties", mode="plain"
    )(_rate(50.0))

    @field_validator("areas", mode="plain")
    @classmethod
    def _areas(cls, v, info: ValidationInfo):
        n, area_size = info.data.get("n"), info.data.get("area_size")
        if v is None:
            return None if n is None or area_size is None else max(5, int(round(n / area_size)))
        return _integer("areas", v, 1, n)

    @field_validator("age_shares", mode="plain")
    @classmethod
    def _age_shares(cls, v):
        if isinstance(v, str):
            if v not in AGE_PRESETS:
                raise ValueError(f"age_shares must be one of {', '.join(AGE_PRESETS)} or a list of 6 shares, got {v!r}")
            v = AGE_PRESETS[v]
        return _shares("age_shares", v, len(AGE_BANDS))

    _household = field_validator("household_shares", mode="plain")(lambda cls, v: _shares("household_shares", v, 6))


# --------------------------------------------------------------------------- small vector helpers


def _round_shares(total: int, shares) -> np.ndarray:
    """Integer counts summing to ``total`` in proportion to ``shares`` (largest remainder)."""
    shares = np.asarray(shares, dtype=float)
    if total <= 0 or shares.sum() <= 0:
        return np.zeros(len(shares), dtype=np.int64)
    exact = total * shares / shares.sum()
    counts = np.floor(exact).astype(np.int64)
    rest = total - int(counts.sum())
    if rest > 0:
        counts[np.argsort(-(exact - counts), kind="stable")[:rest]] += 1
    return counts


def _allocate(size: int, weights, avail: np.ndarray) -> np.ndarray:
    """Counts per band for ``size`` people, following ``weights`` but never beyond ``avail``."""
    take = np.minimum(_round_shares(size, weights), avail)
    for _ in range(len(avail) + 1):
        short = size - int(take.sum())
        if short <= 0:
            break
        room = avail - take
        if room.sum() <= 0:
            break
        take += np.minimum(_round_shares(short, room), room)
    return take


def _fill_by_household(slots: np.ndarray, counts: np.ndarray, household_order: np.ndarray, out: np.ndarray):
    """Give ``slots`` the band labels in ``counts`` so members of a household get neighbouring labels."""
    if slots.size == 0:
        return
    ordered = slots[np.argsort(household_order[slots], kind="stable")]
    out[ordered] = np.repeat(np.arange(len(counts)) + (len(AGE_BANDS) - len(counts)), counts)


def _chunks(total: int, lo: int, hi: int, rng) -> np.ndarray:
    """Sizes in [lo, hi] (log-uniform) adding up to ``total``; the last one takes the remainder."""
    if total <= 0:
        return np.zeros(0, dtype=np.int64)
    draws = int(total // max(lo, 1)) + 1
    sizes = np.exp(rng.uniform(math.log(lo), math.log(hi + 1), size=draws)).astype(np.int64)
    sizes = np.clip(sizes, lo, hi)
    ends = np.cumsum(sizes)
    k = int(np.searchsorted(ends, total))
    sizes = sizes[: k + 1].copy()
    sizes[-1] = total - (ends[k - 1] if k > 0 else 0)
    return sizes


def _rank_within(group: np.ndarray, rng) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A random order grouped by ``group``: (order, position in group, group size), aligned with order."""
    order = np.lexsort((rng.random(group.size), group))
    g = group[order]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    sizes = np.diff(np.r_[starts, g.size])
    idx = np.repeat(np.arange(starts.size), sizes)
    return order, np.arange(g.size) - starts[idx], sizes[idx]


def _group_edges(rng, members: np.ndarray, group: np.ndarray, ring: int, extra: float):
    """Ties inside groups: each member to its ``ring`` nearest in a random circle, plus random ties.

    The ring (Watts & Strogatz 1998 with no rewiring) gives clustering of about 0.5 inside a group; the
    random ties add on average ``extra`` to each member's degree.
    """
    empty = np.zeros(0, dtype=np.int64)
    if members.size == 0:
        return empty, empty
    order, pos, size = _rank_within(group, rng)
    m = members[order]
    start = np.arange(m.size) - pos
    us, vs = [empty], [empty]
    for d in range(1, ring // 2 + 1):
        ok = size > d
        us.append(m[ok])
        vs.append(m[(start + (pos + d) % size)[ok]])
    if extra > 0:
        k = rng.poisson(extra / 2.0, size=m.size)
        k[size < 2] = 0
        src = np.repeat(np.arange(m.size), k)
        off = rng.integers(1, size[src]) if src.size else empty
        us.append(m[src])
        vs.append(m[start[src] + (pos[src] + off) % size[src]])
    return np.concatenate(us), np.concatenate(vs)


def _ring_and_extra(degree: float) -> tuple[int, float]:
    ring = min(4, 2 * int(degree // 2))
    return ring, degree - ring


# --------------------------------------------------------------------------- the generator


def town(
    n: int,
    seed: int,
    areas: int | None = None,
    employment_rate: float = 0.75,
    community_share: float = 0.5,
    friend_ties: float = 1.0,
    local_friends: float = 2.0,
    area_size: int = 1500,
    age_shares="england",
    household_shares=HOUSEHOLD_SHARES,
    school_ties: float = 6.0,
    work_ties: float = 4.0,
    community_ties: float = 3.0,
) -> nx.Graph:
    """Build a synthetic town of ``n`` people (see the module docstring for the settings and sources).

    Args:
        n: number of people (>= 1).
        seed: integer seed; the same seed and parameters give the same town.
        areas: number of LSOA-like areas; default ``max(5, round(n / area_size))``.
        employment_rate: share of people aged 16-64 in work (ONS 2024: 0.75).
        community_share: share of adults (16+) in a club or community group (ONS 2015: about 0.5).
        friend_ties: mean number of long-range friendships per person (anyone in town).
        local_friends: mean number of local friendships per person (own or neighbouring area, similar age).
        area_size: people per area when ``areas`` is not given (LSOA: about 1,500).
        age_shares: a preset (``"england"``, ``"older_coastal"``, ``"young_urban"``) or 6 shares for the
            bands 0-4, 5-15, 16-24, 25-44, 45-64, 65+ (normalised).
        household_shares: 6 shares for household sizes 1, 2, 3, 4, 5, 6+ (6+ means 6 or 7; normalised).
        school_ties: mean ties per pupil inside the class.
        work_ties: mean ties per worker inside the team.
        community_ties: mean ties per member inside the club.

    Returns:
        An undirected graph with nodes ``0..n-1``; node and edge attributes as in the module docstring.

    Raises:
        NetworkError: a parameter out of range, or household sizes that leave no room for the children
        the age shares ask for.
    """
    try:
        p = TownParams(
            n=n, seed=seed, area_size=area_size, areas=areas, employment_rate=employment_rate,
            community_share=community_share, friend_ties=friend_ties, local_friends=local_friends,
            school_ties=school_ties, work_ties=work_ties, community_ties=community_ties,
            age_shares=age_shares, household_shares=household_shares,
        )
    except ValidationError as exc:
        problem = exc.errors()[0]["msg"].removeprefix("Value error, ")
        raise NetworkError(f"network kind {KIND!r}: {problem}") from None
    n, seed, n_areas, ages, hh_shares = p.n, p.seed, p.areas, p.age_shares, p.household_shares
    employment_rate, community_share, friend_ties, local_friends = (
        p.employment_rate, p.community_share, p.friend_ties, p.local_friends)
    school_ties, work_ties, community_ties = p.school_ties, p.work_ties, p.community_ties

    rng = np.random.default_rng(seed if seed >= 0 else [1, -seed])
    people = np.arange(n, dtype=np.int64)

    # Households: sizes 1..5 and 6+ (6 or 7), drawn until they hold n people; the last one is trimmed.
    mean_size = float(hh_shares @ np.array([1, 2, 3, 4, 5, 6.5]))
    sizes = np.zeros(0, dtype=np.int64)
    while sizes.sum() < n:
        batch = int(n / mean_size * 1.05) + 8
        s = rng.choice(6, size=batch, p=hh_shares) + 1
        s = s + (s == 6) * rng.integers(0, 2, size=batch)
        sizes = np.concatenate([sizes, s])
    ends = np.cumsum(sizes)
    H = int(np.searchsorted(ends, n)) + 1
    sizes = sizes[:H].copy()
    sizes[-1] -= int(ends[H - 1]) - n
    hh_start = np.r_[0, np.cumsum(sizes)[:-1]]
    hh = np.repeat(np.arange(H), sizes)
    pos = people - hh_start[hh]
    size = sizes[hh]

    # Ages: exact band counts; children (0-15) only in households with an adult at position 0.
    counts = _round_shares(n, ages)
    rank_hh = rng.random(H)
    lone = rng.random(H) < LONE_PARENT_SHARE
    key = np.full(n, np.inf)
    family_slot = ((size >= 3) & (pos >= 2)) | ((size == 2) & (pos == 1) & lone[hh])
    key[family_slot] = rank_hh[hh][family_slot]
    spare = (pos == 1) & ~family_slot
    key[spare] = 1.0 + rank_hh[hh][spare]
    capacity = int(np.isfinite(key).sum())
    children = int(counts[0] + counts[1])
    if children > capacity:
        excess = children - capacity
        if excess > max(2, 0.01 * n):
            _fail(
                f"household_shares leave room for {capacity} children but age_shares ask for {children}; "
                "allow more households of 2 or more"
            )
        for band in (0, 1):
            moved = min(excess, int(counts[band]))
            counts[band] -= moved
            counts[2] += moved
            excess -= moved
        children = int(counts[0] + counts[1])
    band = np.full(n, -1, dtype=np.int64)
    child_ids = np.argsort(key, kind="stable")[:children]
    band[rng.permutation(child_ids)] = np.repeat([0, 1], counts[:2])
    is_child = band >= 0
    family = np.bincount(hh[is_child], minlength=H) > 0
    adult = ~is_child
    parents = np.flatnonzero(adult & family[hh] & (pos <= 1))
    others = np.flatnonzero(adult & ~(family[hh] & (pos <= 1)) & (pos >= 2))
    rest = np.flatnonzero(adult & ~(family[hh] & (pos <= 1)) & (pos < 2))
    avail = counts[2:].copy()
    for slots, weights in ((parents, PARENT_AGES), (others, OTHER_ADULT_AGES), (rest, None)):
        take = avail.copy() if weights is None else _allocate(slots.size, weights, avail)
        avail -= take
        _fill_by_household(slots, take, rng.random(H)[hh] + pos * 1e-9, band)

    # Areas: contiguous blocks of households of about n / areas people; quintiles balanced and smoothed.
    hh_area = np.minimum(hh_start * n_areas // n, n_areas - 1)
    area = hh_area[hh]
    noise = rng.normal(size=n_areas)
    smooth = np.convolve(np.r_[noise[-1:], noise, noise[:1]], [0.25, 0.5, 0.25], mode="valid")
    quintile = np.empty(n_areas, dtype=np.int64)
    quintile[np.argsort(smooth, kind="stable")] = 1 + np.arange(n_areas) * 5 // n_areas
    deprivation = quintile[area]

    edges_u: list[np.ndarray] = []
    edges_v: list[np.ndarray] = []
    edges_c: list[int] = []

    def add(u, v, context):
        edges_u.append(np.asarray(u, dtype=np.int64))
        edges_v.append(np.asarray(v, dtype=np.int64))
        edges_c.append(CONTEXTS.index(context))

    # Household ties: everyone with everyone (households are small).
    for a in range(1, int(sizes.max())):
        for b in range(a):
            ok = size > a
            add(people[ok] - pos[ok] + b, people[ok] - pos[ok] + a, "household")

    # Schools: catchments are contiguous in space, classes random within a school.
    school = np.full(n, -1, dtype=np.int64)
    school_class = np.full(n, -1, dtype=np.int64)
    pupils = np.flatnonzero(band == 1)
    primary = np.zeros(n, dtype=bool)
    n_primary = int(round(pupils.size * PRIMARY_YEARS / (PRIMARY_YEARS + SECONDARY_YEARS)))
    primary[rng.permutation(pupils)[:n_primary]] = True
    n_schools = [0, 0]
    n_classes = 0
    for level, (mask, school_size, class_size) in enumerate(
        ((primary, PRIMARY_SIZE, PRIMARY_CLASS), ((band == 1) & ~primary, SECONDARY_SIZE, SECONDARY_CLASS))
    ):
        ids = np.flatnonzero(mask)
        if ids.size == 0:
            continue
        k = max(1, int(round(ids.size / school_size)))
        local = np.arange(ids.size) * k // ids.size
        school[ids] = sum(n_schools) + local
        n_schools[level] = k
        order, rank, members = _rank_within(local, rng)
        classes = np.maximum(1, np.rint(members / class_size).astype(np.int64))
        cls_local = rank * classes // members
        per_school = np.zeros(k, dtype=np.int64)
        np.maximum.at(per_school, local[order], cls_local + 1)
        offset = np.r_[0, np.cumsum(per_school)[:-1]]
        school_class[ids[order]] = n_classes + offset[local[order]] + cls_local
        n_classes += int(per_school.sum())
    in_school = np.flatnonzero(school >= 0)
    ring, extra = _ring_and_extra(school_ties)
    add(*_group_edges(rng, in_school, school_class[in_school], ring, extra), "school")
    add(*_group_edges(rng, in_school, school[in_school], 0, SCHOOL_MIXING), "school")

    # Work: employment among 16-64; one teacher per class; the others by public / firm-size mix.
    workplace = np.full(n, -1, dtype=np.int64)
    employed = np.zeros(n, dtype=bool)
    working_age = np.flatnonzero((band >= 2) & (band <= 4))
    n_employed = int(round(employment_rate * working_age.size))
    employed[rng.permutation(working_age)[:n_employed]] = True
    total_schools = sum(n_schools)
    class_school = np.full(n_classes, -1, dtype=np.int64)
    class_school[school_class[in_school]] = school[in_school]
    candidates = rng.permutation(np.flatnonzero(employed & (band >= 3)))
    teachers = candidates[:n_classes]
    workplace[teachers] = class_school[: teachers.size]
    teacher_of = np.full(n_classes, -1, dtype=np.int64)
    teacher_of[: teachers.size] = teachers
    taught = in_school[teacher_of[school_class[in_school]] >= 0]
    add(teacher_of[school_class[taught]], taught, "school")
    workers = rng.permutation(np.flatnonzero(employed & (workplace < 0)))
    public = min(workers.size, max(0, int(round(PUBLIC_SHARE * n_employed)) - teachers.size))
    per_kind = np.r_[public, _round_shares(workers.size - public, PRIVATE_SHARES)]
    ranges = (PUBLIC_SITE_SIZE,) + FIRM_SIZES
    next_id, start = total_schools, 0
    for count, (lo, hi) in zip(per_kind, ranges, strict=True):
        group = workers[start : start + count]
        start += count
        if hi == 0 or group.size == 0:  # sole traders: employed, no workplace
            continue
        chunk = _chunks(group.size, lo, hi, rng)
        workplace[group] = next_id + np.repeat(np.arange(chunk.size), chunk)
        next_id += chunk.size
    at_work = np.flatnonzero(workplace >= 0)
    order, rank, members = _rank_within(workplace[at_work], rng)
    teams = np.maximum(1, np.ceil(members / TEAM_SIZE)).astype(np.int64)
    team = workplace[at_work][order] * (n + 1) + rank * teams // members
    ring, extra = _ring_and_extra(work_ties)
    add(*_group_edges(rng, at_work[order], team, ring, extra), "work")
    add(*_group_edges(rng, at_work, workplace[at_work], 0, WORK_MIXING), "work")

    # Community groups: local clubs (members sorted by area with a little spill-over to neighbours).
    community = np.full(n, -1, dtype=np.int64)
    adults = np.flatnonzero(band >= 2)
    n_members = int(round(community_share * adults.size))
    members_ = rng.permutation(adults)[:n_members]
    members_ = members_[np.argsort(area[members_] + rng.normal(0.5, 0.35, size=n_members), kind="stable")]
    club = _chunks(n_members, CLUB_SIZE[0], CLUB_SIZE[1], rng)
    community[members_] = np.repeat(np.arange(club.size), club)
    ring, extra = _ring_and_extra(community_ties)
    add(*_group_edges(rng, members_, community[members_], ring, extra), "community")

    # Friendships: local (same or neighbouring area, similar age) and long-range (anyone).
    if n > 1:
        order = np.lexsort((rng.random(n), band, area))
        where = np.empty(n, dtype=np.int64)
        where[order] = people
        k = rng.poisson(local_friends / 2.0, size=n)
        src = np.repeat(people, k)
        step = rng.integers(1, FRIEND_WINDOW + 1, size=src.size) * rng.choice([-1, 1], size=src.size)
        add(src, order[np.clip(where[src] + step, 0, n - 1)], "friend")
        k = rng.poisson(friend_ties / 2.0, size=n)
        src = np.repeat(people, k)
        add(src, (src + rng.integers(1, n, size=src.size)) % n, "friend")

    # Keep one tie per pair, labelled with the closest setting (household > school > work > ...).
    u = np.concatenate(edges_u)
    v = np.concatenate(edges_v)
    c = np.repeat(np.asarray(edges_c, dtype=np.int64), [a.size for a in edges_u])
    keep = u != v
    lo, hi, c = np.minimum(u, v)[keep], np.maximum(u, v)[keep], c[keep]
    pair = lo * n + hi
    order = np.lexsort((c, pair))
    first = order[np.r_[True, pair[order][1:] != pair[order][:-1]]] if order.size else order
    lo, hi, c = lo[first], hi[first], c[first]

    G = nx.Graph(
        name="town",
        seed=int(seed),
        areas=n_areas,
        households=H,
        primary_schools=n_schools[0],
        secondary_schools=n_schools[1],
        classes=n_classes,
        workplaces=int(next_id),
        community_groups=int(club.size),
    )
    labels = np.asarray(AGE_BANDS, dtype=object)[band]
    columns = zip(
        area.tolist(), deprivation.tolist(), labels.tolist(), hh.tolist(), school.tolist(),
        school_class.tolist(), workplace.tolist(), community.tolist(), employed.tolist(), strict=True,
    )
    G.add_nodes_from(
        (i, {"area": a, "deprivation": d, "age_band": b, "household": h, "school": s, "school_class": sc,
             "workplace": w, "community": cm, "employed": e})
        for i, (a, d, b, h, s, sc, w, cm, e) in enumerate(columns)
    )
    for code, context in enumerate(CONTEXTS):
        sel = c == code
        G.add_edges_from(zip(lo[sel].tolist(), hi[sel].tolist(), strict=True), context=context)
    return G


def organisations(G: nx.Graph) -> list[dict]:
    """The households, schools, classes, workplaces and clubs of a town, with their member counts.

    Rebuilt from the node attributes (so it works on a town read back from a file). Each row is
    ``{"kind", "id", "members"}``; kinds are ``household``, ``primary_school``, ``secondary_school``,
    ``class``, ``school_staff`` (workplace ids below the number of schools), ``workplace``, ``community``.
    """
    primary = int(G.graph.get("primary_schools", 0))
    schools = primary + int(G.graph.get("secondary_schools", 0))
    tallies: dict[tuple[str, int], int] = {}
    for _, data in G.nodes(data=True):
        for attr in ("household", "school", "school_class", "workplace", "community"):
            value = data.get(attr, -1)
            if value is None or value < 0:
                continue
            if attr == "school":
                kind = "primary_school" if value < primary else "secondary_school"
            elif attr == "school_class":
                kind = "class"
            elif attr == "workplace":
                kind = "school_staff" if value < schools else "workplace"
            else:
                kind = attr
            tallies[(kind, int(value))] = tallies.get((kind, int(value)), 0) + 1
    return [{"kind": k, "id": i, "members": m} for (k, i), m in sorted(tallies.items())]
