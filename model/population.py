"""The population's state as arrays: what every engine reads and writes.

One ``Population`` per run holds, for each behaviour b and person i (CSR position), whether i adopts
b now, when i last adopted it, and the per-person parameters the rules drew at set-up. Both engines
share it: the numba kernels read the arrays directly and the Mesa ``Person`` agents are views onto
them, so ``model.agents`` always tells the truth whichever engine steps the model.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from networks import CSR

from . import spares
from .groups import adopting_per_row
from .rules import population_arrays


class Population:
    """Array state of a run.

    Attributes:
        adopted: uint8 (behaviours, people), 1 = adopting now.
        adopted_at: int32, the round each person last adopted (-1 never; seeds and initial: 0).
        frontier: per behaviour, the people who adopted in the last round (ascending positions).
        theta: float64 per-person thresholds (threshold rules).
        offset: float64 per-person log-odds offsets that interventions set (logistic rule).
        visible: float64 prevalence each person sees (zero unless a publicise intervention shows it).
        p, k, relapse, logit, ...: the rules' own per-behaviour arrays (``model.rules.population_arrays``).
        prevalence: float64 per behaviour, the adopting share at the start of the round.
        t: rounds completed.
    """

    def __init__(self, csr: CSR, names: list[str], weights: np.ndarray | None = None):
        self.csr = csr
        self.names = list(names)
        self.n = csr.n
        self.n_behaviours = B = len(names)
        n = self.n
        self.adopted = spares.take((B, n), np.uint8, 0)
        self.adopted_at = spares.take((B, n), np.int32, -1)
        self.frontier = [np.zeros(0, dtype=np.int64) for _ in range(B)]
        self._theta: np.ndarray | None = None  # allocated by the first threshold rule (8 B a person)
        self._theta_base: np.ndarray | None = None  # thresholds as drawn; ``theta`` is what environments leave
        self._keyed: set[int] = set()  # behaviours whose thresholds are keyed draws not yet written out
        self._lazy: dict[str, np.ndarray] = {}  # offset, offset_base, visible: allocated on first use
        self.full_round = np.zeros(B, dtype=bool)  # thresholds moved: evaluate everyone this round
        self.keys = np.zeros(B, dtype=np.int64)
        self.prevalence = np.zeros(B, dtype=np.float64)
        # each rule's own per-behaviour arrays (IC's p, absolute_threshold's k, logistic's logit...),
        # as the rule modules declare them in ``ARRAYS``
        for name, array in population_arrays().items():
            setattr(self, name, array.allocate(B))
        self.weights = weights
        self.t = 0
        self._caches: dict = {}
        self._marks: dict = {}
        self._scratch: np.ndarray | None = None

    # --- arrays only some scenarios use, allocated on first use (offsets and visible: 24 B a person) ---
    def _lazy_array(self, name: str, dtype=np.float64, per_behaviour: bool = True) -> np.ndarray:
        array = self._lazy.get(name)
        if array is None:
            shape = (self.n_behaviours, self.n) if per_behaviour else self.n
            array = self._lazy[name] = np.zeros(shape, dtype=dtype)
        return array

    @property
    def stressed(self) -> np.ndarray:
        """uint8 per person: stress / low mood (``model.stress``); zero unless a scenario has stress."""
        return self._lazy_array("stressed", dtype=np.uint8, per_behaviour=False)

    @property
    def theta(self) -> np.ndarray:
        """Per-person thresholds (threshold rules), what environments leave of ``theta_base``."""
        if self._theta is None:
            self._theta = self._theta_base = spares.take((self.n_behaviours, self.n), np.float64, 0.0)
        if self._keyed:
            self._write_keyed()
        return self._theta

    @theta.setter
    def theta(self, value: np.ndarray) -> None:
        self._theta = value

    def key_thresholds(self, b: int) -> None:
        """Behaviour b's thresholds are ``keyed_threshold(keys[b], i)`` (U(0,1]), written into
        ``theta`` only when someone reads it; compiled runs draw them as a cascade reaches people."""
        self._keyed.add(b)

    def keyed_thresholds(self, b: int) -> bool:
        """Are behaviour b's thresholds keyed draws not yet written out?"""
        return b in self._keyed

    def _write_keyed(self) -> None:
        from .rules._params import keyed_thresholds

        keyed, self._keyed = self._keyed, set()
        for b in keyed:
            self._theta_base[b] = keyed_thresholds(self.keys[b], self.n)
            if self._theta is not self._theta_base:
                self._theta[b] = self._theta_base[b]

    @property
    def theta_base(self) -> np.ndarray:
        """Thresholds as drawn."""
        self.theta  # noqa: B018 - allocates both on first use
        return self._theta_base

    @property
    def offset(self) -> np.ndarray:
        return self._lazy_array("offset")

    @property
    def offset_base(self) -> np.ndarray:
        """Lasting log-odds differences (logistic ``by_attribute``)."""
        return self._lazy_array("offset_base")

    @property
    def visible(self) -> np.ndarray:
        return self._lazy_array("visible")

    # --- helpers the rules use ---------------------------------------------------------------------
    def behaviour_index(self, name: str, where: str = "behaviour") -> int:
        try:
            return self.names.index(name)
        except ValueError:
            raise ValueError(f"{where}: unknown behaviour {name!r}; the scenario has {', '.join(self.names)}") from None

    def require_weights(self, attribute: str | None) -> None:
        if attribute is not None and self.weights is None:
            raise ValueError(f"edge weights {attribute!r} were asked for but the network has none")

    def cache(self, b: int, factory):
        """A per-behaviour cache object (e.g. incremental counts), created on first use."""
        if b not in self._caches:
            self._caches[b] = factory(self.n)
        return self._caches[b]

    def marks(self, b: int) -> np.ndarray:
        if b not in self._marks:
            self._marks[b] = np.full(self.n, -1, dtype=np.int32)  # round stamps: rounds stay far below 2**31
        return self._marks[b]

    def scratch(self) -> np.ndarray:
        if self._scratch is None:
            self._scratch = spares.take(self.n, np.uint8, 0)
        return self._scratch

    def set_thresholds(self, shift: np.ndarray) -> None:
        """Effective thresholds = drawn thresholds lowered by ``shift`` (B, n), never below zero."""
        if self.theta is self.theta_base:
            self.theta = self.theta_base.copy()
        new = np.maximum(self.theta_base - shift, 0.0)
        moved = (new != self.theta).any(axis=1)
        self.theta[:] = new
        self.full_round |= moved

    def rewire(self, csr: CSR) -> None:
        """Ties changed: new CSR, counts must be recomputed, tables resized for larger degrees."""
        self.csr = csr
        for cache in self._caches.values():
            cache.valid = False

    def release(self) -> None:
        """Hand the big arrays to later runs (``model.spares``); this population is unusable after."""
        arrays = [self.adopted, self.adopted_at, self._theta_base, self._scratch]
        if self._theta is not self._theta_base:
            arrays.append(self._theta)
        for cache in self._caches.values():
            arrays += [getattr(cache, "count", None), getattr(cache, "_mark", None)]
        self.adopted = self.adopted_at = self._theta = self._theta_base = self._scratch = None
        self._caches = {}
        spares.give(*arrays)

    def adopting(self) -> np.ndarray:
        """Number of people adopting each behaviour now (int64)."""
        return adopting_per_row(self.adopted)

    # --- changing the state ------------------------------------------------------------------------
    def begin_round(self) -> int:
        """Freeze what the round's rules see (visible prevalence); return the round number."""
        self.prevalence[:] = self.adopting() / max(self.n, 1)
        return self.t + 1

    def apply(self, b: int, adopters: np.ndarray, relapsers: np.ndarray | None, t: int) -> int:
        """Make ``adopters`` adopt and ``relapsers`` stop behaviour b at round t; return the number changed."""
        adopters = np.asarray(adopters, dtype=np.int64)
        adopters = adopters[self.adopted[b, adopters] == 0]
        self.adopted[b, adopters] = 1
        self.adopted_at[b, adopters] = t
        self.frontier[b] = adopters
        changed = len(adopters)
        if relapsers is not None and len(relapsers):
            self.adopted[b, relapsers] = 0
            changed += len(relapsers)
            if b in self._caches:  # counts assume adopters stay: recount next time
                self._caches[b].valid = False
        return changed

    def replace(self, b: int, leaving: np.ndarray, adopting: np.ndarray) -> None:
        """Newcomers in the places of ``leaving``: not adopting b, except ``adopting``, who start now."""
        stopped = leaving[self.adopted[b, leaving] == 1]
        self.adopted[b, leaving] = 0
        self.adopted_at[b, leaving] = -1
        if len(stopped) and b in self._caches:
            self._caches[b].valid = False
        if len(self.frontier[b]):
            self.frontier[b] = self.frontier[b][self.adopted[b, self.frontier[b]] == 1]
        self.seed(b, adopting)

    def seed(self, b: int, positions: np.ndarray) -> None:
        """Adopters at the current round from outside the rules (seeding, recruitment)."""
        if len(positions) == 0:
            return
        fresh = sorted_unique(_adopt_fresh(self.adopted[b], self.adopted_at[b], np.asarray(positions, dtype=np.int64), self.t))
        front = self.frontier[b]
        self.frontier[b] = sorted_unique(np.concatenate((front, fresh))) if len(front) else fresh


@njit(cache=True)
def _adopt_fresh(row, adopted_at, positions, t):
    """Mark ``positions`` adopting at round t; return those not adopting before, each once, in the
    order given (one pass instead of numpy's gather, mask and two scatters: 10,000 seeds 30 -> 8 us)."""
    fresh = np.empty(len(positions), dtype=np.int64)
    m = 0
    for p in positions:
        if p < 0 or p >= len(row):
            raise IndexError("a position outside the population")
        if row[p] == 0:
            row[p] = 1
            adopted_at[p] = t
            fresh[m] = p
            m += 1
    return fresh[:m]


def sorted_unique(a: np.ndarray) -> np.ndarray:
    """``np.unique`` of an integer array by sorting: numpy 2's hashing ``unique`` is ~10x slower on
    the thousands of seed positions a run starts with (0.14 ms against 0.012 ms for 1,000)."""
    if len(a) < 2 or (a[1:] > a[:-1]).all():  # already ascending, as given seed lists usually are
        return a
    a = np.sort(a)
    keep = np.empty(len(a), dtype=bool)
    keep[0] = True
    np.not_equal(a[1:], a[:-1], out=keep[1:])
    return a[keep]
