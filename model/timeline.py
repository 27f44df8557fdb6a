"""The timeline: runs a scenario's interventions round by round for ``BehaviourModel``.

Before each round it gathers the interventions' effects on the population arrays (log-odds offsets,
threshold shifts, visible prevalence, new ties), and after the round it enrols recruits; it books
what each costs per round. Because every effect is written into the shared arrays, the python and
numba engines see exactly the same interventions. The schema of each kind lives in
``model.interventions``; this module is the runtime that acts on it.
"""

from __future__ import annotations

import numpy as np

from .interventions import bring_together, campaign, environment, publicise
from .interventions.base import target_mask
from .interventions.reach import Effects
from .interventions.recruit import Recruit
from .seeding import plan_seeds

__all__ = ["Timeline", "plan_recruits"]

#: kinds that shape each round's arrays: name -> (start(model, iv, rng) -> state, act(model, iv, state, effects) -> people)
EFFECTS = {"campaign": campaign, "publicise": publicise, "environment": environment}


class Timeline:
    """Runs a scenario's interventions round by round and books their costs."""

    def __init__(self, model, interventions: list, seed_sequence: np.random.SeedSequence):
        self.model = model
        self.interventions = list(interventions)
        self.rngs = [np.random.default_rng(s) for s in seed_sequence.spawn(len(self.interventions))]
        self.state: list = [None] * len(self.interventions)
        self.ties: list[tuple[int, np.ndarray]] = []  # (round the ties fade, pairs)
        self.spent: dict[str, float] = {}
        self._shaped = False  # did interventions shape the arrays last round (so they must be reset)?

    def finished(self, t: int) -> bool:
        """No intervention will act after round t (so a steady state may end the run)."""
        return all(iv.end is not None and iv.end <= t + 1 for iv in self.interventions) and not self.ties

    # --- before round t: effects on the arrays --------------------------------------------------------
    def before_round(self, t: int) -> float:
        model, pop = self.model, self.model.population
        shaping = any(iv.kind != "recruit" and iv.active(t) for iv in self.interventions)
        if not shaping and model.organisations is None and not self.ties and not self._shaped:
            return 0.0  # nothing acts on the arrays this round, as in the last: leave them be
        self._shaped = shaping or model.organisations is not None
        effects = Effects(pop.n_behaviours, pop.n)
        cost = 0.0
        for i, iv in enumerate(self.interventions):
            if iv.kind == "recruit" or not iv.active(t):
                continue
            if self.state[i] is None:
                cost += iv.cost_fixed
                self.state[i] = (EFFECTS[iv.kind].start if iv.kind in EFFECTS else _no_state)(model, iv, self.rngs[i])
            if iv.kind == "bring_together":
                people = self._bring_together(iv, t, self.rngs[i])
            else:
                people = EFFECTS[iv.kind].act(model, iv, self.state[i], effects)
            cost += self._book(iv, iv.cost_per_round + iv.cost_per_person * people)
        self._fade_ties(t)
        if model.organisations is not None:
            model.organisations.contribute(effects)
        np.add(pop.offset_base, effects.offset, out=pop.offset)
        pop.visible[:] = effects.visible
        if effects.shift.any() or pop.theta is not pop.theta_base:
            pop.set_thresholds(effects.shift)
        return cost

    # --- after round t: recruits adopt ------------------------------------------------------------------
    def recruit_at(self, t: int) -> float:
        """Enrol recruits due at state t (t = 0 is the start, beside the scenario's seeds); return cost."""
        model = self.model
        cost = 0.0
        for i, iv in enumerate(self.interventions):
            if iv.kind != "recruit" or t < iv.start:
                continue
            if self.state[i] is None:
                self.state[i] = plan_recruits(model, iv, self.rngs[i])
                cost += self._book(iv, iv.cost_fixed)
            plan = self.state[i]
            due = plan.rounds == t
            if due.any():
                model.enrol(plan.positions[due], iv.behaviours)
                unit = plan.cost / max(len(plan.positions), 1)
                cost += self._book(iv, due.sum() * (unit + iv.cost_per_person))
        return cost

    def recruited(self) -> np.ndarray:
        """Positions recruited by interventions so far."""
        t = self.model.population.t
        plans = [s for iv, s in zip(self.interventions, self.state, strict=True) if iv.kind == "recruit" and s is not None]
        return np.concatenate([p.positions[p.rounds <= t] for p in plans]) if plans else np.zeros(0, dtype=np.int64)

    # --- helpers ------------------------------------------------------------------------------------------
    def _book(self, iv, amount: float) -> float:
        self.spent[iv.label] = self.spent.get(iv.label, 0.0) + float(amount)
        return float(amount)

    def _bring_together(self, iv, t: int, rng) -> int:
        if (t - iv.start) % iv.every:
            return 0
        new = self.model.change_ties(add=bring_together.pairs(self.model, iv, rng, self.model.csr))
        if len(new) and iv.lasts is not None:
            self.ties.append((t + iv.lasts, new))
        return len(new)

    def _fade_ties(self, t: int) -> None:
        fading = [pairs for until, pairs in self.ties if until <= t]
        if fading:
            self.ties = [(until, pairs) for until, pairs in self.ties if until > t]
            self.model.change_ties(remove=np.concatenate(fading))


def _no_state(model, iv, rng):
    return ()


def plan_recruits(model, iv: Recruit, rng: np.random.Generator):
    """Who starts when (rounds counted from the intervention's start), and what they cost."""
    mask = target_mask(model, iv.target)
    among = None if mask.all() else model.graph.subgraph(model.csr.ids(np.flatnonzero(mask)))
    seeding_plan = plan_seeds(model.graph, model.csr, model.spec.model_copy(update={"seeding": iv.seeding}), rng, among=among)
    seeding_plan.rounds = seeding_plan.rounds + iv.start
    return seeding_plan
