"""Published English prevalences by deprivation quintile, and starting states built from them.

What: ``PREVALENCE`` holds, per healthy state, the adult prevalence in each IMD quintile (1 = most
deprived) with its source; ``starting_state(graph, behaviours)`` gives every person of a town the
probability of starting in that state (the quintile's prevalence for adults, 0 for children, whose
surveys and values differ), as the table that a behaviour's ``initial = {file, column}`` reads;
``stationary_logits`` gives the logistic rule's intercept and per-quintile offsets under which those
prevalences are (approximately) a steady state of doing nothing.

Why: a programme's effect is the change from where people are. Starting a town at 5% active when
63% of English adults are active overstates every gain tenfold (issue 19).

Where a source gives only the two ends of the gradient, the quintiles in between are interpolated
log-linearly in the *minority* state (inactive, not eating 5-a-day, drinking above guidelines, lonely)
and rescaled to the published national mean, as shared/notes/town-and-economics.md section 4
recommends (gradients are convex). All figures and their derivations are in docs/economics.md.

Regenerate the examples' tables with ``python -m experiments.prevalence`` (it checks them too).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["PREVALENCE", "quintile_prevalence", "starting_state", "stationary_logits", "ADULT_BANDS"]

ADULT_BANDS = ("16-24", "25-44", "45-64", "65+")

#: minority-state prevalence, most and least deprived quintile, and the national mean, adults
_MINORITY = {
    # inactive (<30 min/week): most deprived areas 34%, least 20%, England 25.7%; active = 1 - inactive - 10.9% fairly active
    "physically_active": {"most": 0.34, "least": 0.20, "mean": 0.257, "other": 0.109,
                          "source": "Sport England, Active Lives Adult Survey Nov 2022-23 (2024): active 63.4%, "
                                    "inactive 25.7% (most deprived 34%, least 20%), fairly active 10.9%"},
    # not eating 5-a-day: HSE 2018 28% eat 5-a-day; HSE 2013 by income: lowest quintile 21%, highest 32.5%
    "eating_well": {"most": 0.79, "least": 0.675, "mean": 0.72, "other": 0.0,
                    "source": "NHS Digital, Health Survey for England 2018 (28% eat 5-a-day); gradient by "
                              "household income quintile, HSE 2013 ch. 7 (no IMD gradient published)"},
    # drinking above 14 units: HSE 2022 men 32%, women 15% (about 23%); reverse gradient, HSE 2015 by income
    "drinking_within_guidelines": {"most": 0.19, "least": 0.295, "mean": 0.23, "other": 0.0,
                                   "source": "NHS England, HSE 2022 Part 1 (>14 units: men 32%, women 15%); "
                                             "reverse gradient by income, HSE 2015 (lower 19%, higher 29.5%); "
                                             "Lewer et al., BMC Public Health 2016"},
    # lonely often/always: 7% (CLS 2023/24, 2024/25); by IMD only 'more likely in the most deprived': PLAUSIBLE 9% / 4.5%
    "socially_connected": {"most": 0.09, "least": 0.045, "mean": 0.07, "other": 0.0,
                           "source": "DCMS, Community Life Survey 2024/25 (lonely often/always 7%); quintile "
                                     "ends PLAUSIBLE (9% most, 4.5% least deprived)"},
    # smoking: most / least deprived decile 23.8% / 6.8% (2021); log-linear quintiles 22.3..7.3; UK 2023 11.9%
    "not_smoking": {"most": 0.223, "least": 0.073, "mean": 0.119, "other": 0.0,
                    "source": "ONS, Deprivation and the impact on smoking prevalence, England and Wales 2017-2021 "
                              "(2023); ONS, Adult smoking habits in the UK 2023 (11.9%)"},
}


def quintile_prevalence(state: str) -> np.ndarray:
    """Adult prevalence of ``state`` in IMD quintiles 1 (most deprived) .. 5, equal-sized quintiles.

    Examples
    --------
    >>> p = quintile_prevalence("physically_active")
    >>> round(float(p.mean()), 3), bool(p[0] < p[-1])
    (0.634, True)
    """
    m = _MINORITY[state]
    ratio = (m["least"] / m["most"]) ** (1 / 4)
    minority = m["most"] * ratio ** np.arange(5)
    minority *= m["mean"] / minority.mean()
    return 1.0 - minority - m["other"]


#: the table docs/economics.md prints: state -> (prevalence per quintile, source)
PREVALENCE: dict[str, tuple[np.ndarray, str]] = {s: (quintile_prevalence(s), v["source"]) for s, v in _MINORITY.items()}


def stationary_logits(prevalence, relapse: float, peer: float, neighbour_share: float = 0.9) -> tuple[float, list[float]]:
    """Logistic intercept and per-quintile offsets under which ``prevalence`` is a steady state.

    With no programme a non-adopter adopts with probability sigma(intercept + offset + peer x s), s
    the adopting share of their neighbours (about ``neighbour_share`` x the quintile's prevalence:
    children, who do not adopt, are among the neighbours: 0.9 keeps the examples steady within a few points over 5 years), and an adopter relapses with
    probability ``relapse``. Inflow equals outflow when sigma(...) = p relapse / (1 - p). The steady
    state is stable only if peer x neighbour_share < 1 / (p (1 - p)); larger peer weights tip.
    """
    p = np.asarray(prevalence, dtype=float)
    hazard = p * relapse / (1 - p)
    x = np.log(hazard / (1 - hazard)) - peer * neighbour_share * p
    unstable = peer * neighbour_share >= 1 / (p * (1 - p))
    if unstable.any():
        raise ValueError(f"peer {peer:g} makes the starting prevalence unstable (it tips)")
    intercept = float(x[len(x) // 2])
    return round(intercept, 3), [round(float(v - intercept), 3) for v in x]


def starting_state(graph, states: dict[str, str]) -> pd.DataFrame:
    """Per person: id, deprivation, age_band and, per column, the probability of starting in the state.

    ``states`` maps a column name (e.g. ``"p_activity"``) to a state of ``PREVALENCE``. Adults take
    their quintile's prevalence; children (0-4, 5-15) take 0.
    """
    ids = list(graph.nodes)
    deprivation = np.array([int(graph.nodes[v]["deprivation"]) for v in ids])
    band = np.array([str(graph.nodes[v]["age_band"]) for v in ids])
    adult = np.isin(band, ADULT_BANDS)
    table = pd.DataFrame({"id": ids, "deprivation": deprivation, "age_band": band})
    for column, state in states.items():
        table[column] = np.where(adult, PREVALENCE[state][0][deprivation - 1], 0.0)
    return table


EXAMPLES = {  # example file -> its starting-state table and columns
    "everyone.toml": ("town10k_seed5_start.parquet", {"p_activity": "physically_active"}),
    "reinvest_to_save.toml": (
        "town10k_seed20_start.parquet",
        {"p_activity": "physically_active", "p_diet": "eating_well", "p_alcohol": "drinking_within_guidelines",
         "p_connection": "socially_connected"},
    ),
}


def without_initial(scenario):
    """The scenario with no starting adopters (its network does not depend on them; the table may not exist yet)."""
    return scenario.model_copy(update={"behaviours": [b.model_copy(update={"initial": 0.0}) for b in scenario.behaviours]})


def main() -> None:  # pragma: no cover - regenerates the examples' tables
    from model import Scenario

    from .replicates import build_graph

    folder = Path(__file__).resolve().parent / "examples"
    for example, (name, states) in EXAMPLES.items():
        graph = build_graph(without_initial(Scenario.from_toml(folder / example)))
        starting_state(graph, states).to_parquet(folder / name, index=False)
        print(f"wrote {folder / name}")
    for state, (p, _source) in PREVALENCE.items():
        print(state, " ".join(f"{v:.3f}" for v in p), f"mean {p.mean():.3f}")


if __name__ == "__main__":
    main()
