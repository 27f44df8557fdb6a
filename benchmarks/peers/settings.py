"""The peer benchmark's settings: time caps and budgets, seeds, the rules compared (``CASES``), the
libraries and which cases each runs, trial counts and data sets."""

from __future__ import annotations

CAP_S = 60.0  # one cascade longer than this stops the case
CASE_BUDGET_S = 60.0  # repeats / trials of one case stop once it has used this long
REPEAT_FOR_S = 1.0  # a deterministic case repeats (up to MAX_REPEATS) until it has used this long
MAX_REPEATS = 25
SLOW_S = 5.0  # a first run longer than this is a timed run, not a warm-up
PROCESS_TIMEOUT_S = 900  # one (library, graph) process
SEED_SHARE = 0.01
SEED = 42  # the seed set
GRAPH_SEED = 1

CASES: dict[str, dict] = {
    "threshold 0.2": {"behaviour": {"rule": "threshold", "threshold": 0.2}, "kind": "exact"},
    "threshold 0.15": {"behaviour": {"rule": "threshold", "threshold": 0.15}, "kind": "exact"},
    "linear_threshold": {"behaviour": {"rule": "linear_threshold"}, "kind": "mean"},
    "independent_cascade 0.05": {"behaviour": {"rule": "independent_cascade", "p": 0.05}, "kind": "mean"},
    "sis 0.15": {"behaviour": {"rule": "sis", "beta": 0.15, "relapse": 1.0}, "kind": "mean", "steps": 100},
}
SIS_WINDOW = (51, 101)  # SIS metric: mean adopting share over rounds 51..100

LIBRARIES = ("wellspread", "wellspread-python", "mesa", "ndlib", "cynetdiff", "eon")
PEER_MODULES = {"ndlib": ("ndlib", "six"), "cynetdiff": ("cynetdiff",), "eon": ("EoN",)}
MAX_N = {"wellspread-python": 10_000, "mesa": 100_000, "ndlib": 100_000}  # beyond: one cascade exceeds the cap
LIBRARY_CASES = {
    "wellspread": tuple(CASES),
    "wellspread-python": ("threshold 0.2", "threshold 0.15", "linear_threshold", "independent_cascade 0.05"),
    "mesa": ("threshold 0.2", "threshold 0.15"),
    "ndlib": tuple(CASES),
    "cynetdiff": ("threshold 0.2", "threshold 0.15", "linear_threshold", "independent_cascade 0.05"),
    "eon": ("independent_cascade 0.05", "sis 0.15"),
}
TRIALS = {"wellspread": 50, "cynetdiff": 50, "wellspread-python": 3}  # stochastic trials; others: 10, within the budget
DEFAULT_TRIALS = 10
DATASETS = ("highschool_2013", "facebook_ego")


def _cases(library: str, cases=None) -> tuple[str, ...]:
    """The cases a library runs: its own, restricted to ``cases`` when given."""
    return tuple(c for c in LIBRARY_CASES[library] if cases is None or c in cases)
