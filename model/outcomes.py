"""Outcomes of a run: who adopts, how unequal it is, whether it tipped, who is isolated.

What: prevalence per behaviour by group (deprivation quintile, age band) over time; the slope and
relative indices of inequality (SII, RII) and the gap between the least and the most deprived
quintile over time; tipping-point detection; the share of people socially isolated.

Why: inequality and self-sustaining spread are outcomes a Health and Wellbeing Board reports, so
they are computed the way public-health analysts compute them (the SII as in Mackenbach & Kunst
1997, *Soc. Sci. Med.* 44:757, and PHE's *Technical guide: calculating the slope index of
inequality*, Public Health England / OHID Fingertips methodology).

Every function takes a ``model.simulate`` ``Result`` or anything with the same fields (``history``
(steps + 1, behaviours, groups) of adopted fractions, ``behaviours``, ``groups`` labels such as
"all" and "deprivation=1", ``group_sizes``); ``panel(...)`` builds one from bare arrays.

Sign convention (as PHE's): people are ranked from the most deprived (ridit 0; deprivation = 1 is the
most deprived quintile) to the least deprived (ridit 1). SII = fitted prevalence at the least
deprived end minus at the most deprived end, so SII > 0 means the healthy behaviour is commoner
among the better off; the gap is least deprived minus most deprived quintile, with the same sign.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd

__all__ = [
    "Panel",
    "panel",
    "prevalence",
    "slope_index",
    "inequality",
    "tipping_point",
    "tipping_points",
    "isolated_share",
    "isolated_by_degree",
]


@dataclass
class Panel:
    """The fields of a ``Result`` that outcomes read."""

    history: np.ndarray
    behaviours: list[str]
    groups: list[str]
    group_sizes: dict[str, int]


def panel(history, behaviours, groups, group_sizes) -> Panel:
    """A ``Result``-like view of bare arrays (history (steps + 1, behaviours, groups) of fractions)."""
    history = np.asarray(history, dtype=float)
    if history.ndim != 3 or history.shape[1:] != (len(behaviours), len(groups)):
        raise ValueError(f"history must be (steps + 1, {len(behaviours)}, {len(groups)}), got {history.shape}")
    missing = [g for g in groups if g not in group_sizes]
    if missing:
        raise ValueError(f"group_sizes has no size for group {missing[0]!r}")
    return Panel(history, list(behaviours), list(groups), dict(group_sizes))


def _group_columns(res, attribute: str) -> tuple[list[int], list, np.ndarray]:
    """Columns of ``attribute``'s groups sorted by value, their values, and their sizes."""
    prefix = f"{attribute}="
    found = [(g, label[len(prefix) :]) for g, label in enumerate(res.groups) if label.startswith(prefix)]
    if not found:
        raise ValueError(
            f"the run reports no groups for {attribute!r} (it has {', '.join(res.groups)}); "
            f"list it in the scenario, e.g. groups = ['deprivation', '{attribute}']"
        )
    found.sort(key=lambda item: _order(item[1]))
    columns = [g for g, _ in found]
    values = [_number(v) for _, v in found]
    sizes = np.array([res.group_sizes[res.groups[g]] for g in columns], dtype=float)
    return columns, values, sizes


def _order(value: str):
    """Numbers in numeric order; labels such as age bands ("5-15", "65+") by their leading number."""
    try:
        return (0, float(value), value)
    except ValueError:
        lead = re.match(r"\s*(\d+(?:\.\d+)?)", value)
        return (1, float(lead.group(1)), value) if lead else (2, 0.0, value)


def _number(text: str):
    try:
        f = float(text)
    except ValueError:
        return text
    return int(f) if f.is_integer() else f


def prevalence(res, attribute: str = "deprivation") -> pd.DataFrame:
    """Adopted share per step, behaviour and value of ``attribute`` (long: step, behaviour, <attribute>, prevalence).

    ``attribute`` is a reported group attribute, e.g. "deprivation" or "age_band" (a scenario reports
    age bands when its ``groups`` list names "age_band").
    """
    columns, values, _ = _group_columns(res, attribute)
    h = res.history[:, :, columns]  # (T, B, G)
    T, B, G = h.shape
    return pd.DataFrame(
        {
            "step": np.repeat(np.arange(T), B * G),
            "behaviour": np.tile(np.repeat(res.behaviours, G), T),
            attribute: np.tile(np.array(values, dtype=object), T * B),
            "prevalence": h.reshape(-1),
        }
    )


def slope_index(prevalences, sizes, most_deprived_first: bool = True) -> tuple[float, float]:
    """(SII, RII) of one table of group prevalences.

    Groups are ordered from most to least deprived (reverse them with ``most_deprived_first=False``).
    Each group sits at its ridit, the mid-point of its cumulative population share; the SII is the
    slope of the population-weighted least-squares line of prevalence on ridit (the fitted difference
    between the least and the most deprived ends), and the RII is SII / population-weighted mean
    prevalence (Pamuk 1985; Mackenbach & Kunst 1997). Either is NaN when undefined.
    """
    y = np.asarray(prevalences, dtype=float)
    w = np.asarray(sizes, dtype=float)
    if y.shape != w.shape or y.ndim != 1:
        raise ValueError("prevalences and sizes must be 1-d and the same length")
    if (w < 0).any() or w.sum() <= 0:
        raise ValueError("sizes must be non-negative with a positive total")
    if not most_deprived_first:
        y, w = y[::-1], w[::-1]
    share = w / w.sum()
    x = np.cumsum(share) - share / 2
    xm, ym = (share * x).sum(), (share * y).sum()
    sxx = (share * (x - xm) ** 2).sum()
    if sxx <= 0:
        return np.nan, np.nan
    sii = float((share * (x - xm) * (y - ym)).sum() / sxx)
    return sii, (sii / ym if ym != 0 else np.nan)


def inequality(res, attribute: str = "deprivation", most_deprived_first: bool = True) -> pd.DataFrame:
    """SII, RII and gap per step and behaviour (columns step, behaviour, sii, rii, gap, most, least, mean).

    ``most`` and ``least`` are the prevalences in the most and the least deprived groups (the lowest
    and the highest value of ``attribute`` when ``most_deprived_first``, as with deprivation quintiles
    where 1 is the most deprived), ``gap`` = least - most.
    """
    columns, _, sizes = _group_columns(res, attribute)
    h = res.history[:, :, columns]
    if not most_deprived_first:
        h, sizes = h[:, :, ::-1], sizes[::-1]
    T, B, _ = h.shape
    rows = []
    for t in range(T):
        for b in range(B):
            sii, rii = slope_index(h[t, b], sizes)
            rows.append(
                (
                    t,
                    res.behaviours[b],
                    sii,
                    rii,
                    h[t, b, -1] - h[t, b, 0],
                    h[t, b, 0],
                    h[t, b, -1],
                    (h[t, b] * sizes).sum() / sizes.sum(),
                )
            )
    return pd.DataFrame(rows, columns=["step", "behaviour", "sii", "rii", "gap", "most", "least", "mean"])


def tipping_point(
    series, recruitment_end_step: int, window: int = 4, factor: float = 2.0, min_rise: float = 0.01
) -> int | None:
    """The step from which adoption kept growing on its own until it had clearly taken off; None if never.

    Definition. Let a_t be the adopted share, R = ``recruitment_end_step`` (the last step at which
    anyone was recruited) and L = max(factor x a_R, a_R + min_rise) the take-off level. Let C be the
    first step after R with a_C >= L; if there is none the run did not tip. Otherwise the tipping point
    is the earliest step s in [R, C) such that for every t in [s, C) the growth over the next window,
    a_{min(t + window, C)} - a_t, is positive: from s on, without further recruitment, adoption grew
    in every window until it had (by default) doubled its level at the end of recruitment. A series
    that stalls or falls back below L has no tipping point. The window (default 4 steps, a month of
    weekly steps) smooths the noise of a single run.
    """
    a = np.asarray(series, dtype=float)
    if a.ndim != 1:
        raise ValueError("series must be one-dimensional")
    if window < 1 or factor < 1 or min_rise < 0:
        raise ValueError("window must be >= 1, factor >= 1 and min_rise >= 0")
    R = int(recruitment_end_step)
    if not 0 <= R < len(a):
        raise ValueError(f"recruitment_end_step {R} is outside the series (0..{len(a) - 1})")
    level = max(factor * a[R], a[R] + min_rise)
    after = np.flatnonzero(a[R + 1 :] >= level)
    if not len(after):
        return None
    C = R + 1 + int(after[0])
    t = np.arange(R, C)
    growing = a[np.minimum(t + window, C)] - a[t] > 0
    failures = np.flatnonzero(~growing)
    return R if not len(failures) else R + int(failures[-1]) + 1


def tipping_points(res, recruitment_end_step: int | None = None, **kwargs) -> dict[str, int | None]:
    """``tipping_point`` of each behaviour's whole-population series.

    ``recruitment_end_step`` defaults to the last round at which a seed was recruited (``seed_rounds``
    of a Result; 0 without phases).
    """
    if recruitment_end_step is None:
        rounds = getattr(res, "seed_rounds", None)
        recruitment_end_step = int(np.max(rounds)) if rounds is not None and len(rounds) else 0
    all_col = res.groups.index("all")
    return {
        name: tipping_point(res.history[:, b, all_col], recruitment_end_step, **kwargs)
        for b, name in enumerate(res.behaviours)
    }


def isolated_share(res, behaviour: str = "connection", attribute: str | None = None) -> pd.DataFrame:
    """Share of people socially isolated over time: 1 - prevalence of the ``connection`` behaviour.

    Columns step, isolated (whole population); with ``attribute`` (e.g. "deprivation") one column per group value.
    """
    if behaviour not in res.behaviours:
        raise ValueError(f"the run has no behaviour {behaviour!r} (it has {', '.join(res.behaviours)})")
    b = res.behaviours.index(behaviour)
    out = pd.DataFrame(
        {"step": np.arange(res.history.shape[0]), "isolated": 1.0 - res.history[:, b, res.groups.index("all")]}
    )
    if attribute is not None:
        columns, values, _ = _group_columns(res, attribute)
        for g, v in zip(columns, values, strict=True):
            out[f"{attribute}={v}"] = 1.0 - res.history[:, b, g]
    return out


def isolated_by_degree(degrees, k: int = 0) -> float:
    """Share of people with at most ``k`` ties (``degrees`` an array of degrees, or a networkx graph)."""
    if isinstance(degrees, nx.Graph):
        degrees = [d for _, d in degrees.degree()]
    d = np.asarray(degrees)
    if d.size == 0:
        raise ValueError("no people")
    return float((d <= k).mean())
