"""The system-dynamics twin: a scenario solved as a well-mixed stock-and-flow model.

What: every behaviour is a stock (the share adopting) with an inflow, adoption = (1 - A) x P(adopt |
the shares), and an outflow, relapse = A x relapse, stepped in the same synchronous weekly rounds as
the agent model (a difference equation), or, with ``method="ode"``, in continuous time
(``scipy.integrate.solve_ivp``). Everyone is everyone's neighbour, as on a complete graph of ``n``
people, so comparing the twin with the agent model shows what network structure and targeting add
beyond a Vensim-style model (Sterman 2000, *Business Dynamics*; Homer & Hirsch 2006, *Am. J. Public
Health* 96:452 on system dynamics in public health).

Each rule's mean-field law (the adoption probability of a non-adopter on the complete graph K_n,
with A the adopting share at the start of the round: n A adopters, all of them neighbours, a share
n A / (n - 1) of each person's neighbours) lives in the rule's module, as ``mean_field(params,
field)`` (see ``model.rules``): independent cascade's Reed-Frost recursion, SIS, the threshold
rules' hazard over thresholds drawn once, absolute threshold and logistic. Adopters relapse at
the behaviour's ``relapse``.

Coupled behaviours (``logistic`` coupling) see whether the person holds the other behaviour, so with
up to ``JOINT_LIMIT`` behaviours the stocks are the 2^B combinations of behaviours (a compartmental
model of who does what), and each round's flows use each combination's own probability; the
behaviours change independently within a round given the start-of-round state, as in the agent
model. With more behaviours the stocks are the B shares and coupling acts through the other shares
(the plain Vensim form). Seeds: ``seeding`` (count, budget at a uniform cost, phases) and ``recruit``
interventions add round(count) people at their round, as the agent model does; ``initial`` adds
round(initial x n) adopters at round 0 among the non-seeds. ``campaign``, ``publicise`` and
``environment`` interventions that target everyone reach a fixed random share of people, as in the
agent model, so the stocks are split into strata by who each one reaches (2^k strata for k partial
reaches); the reached get the effect (log-odds, threshold shift, visible prevalence) while it runs.
Targeted interventions, ``bring_together`` (everyone is already a neighbour), stress, turnover and
organisations are left out with a warning.
"""

from __future__ import annotations

import itertools
import math
import warnings
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, NonNegativeInt, PositiveInt
from scipy.integrate import solve_ivp

from .rules import RULES, MeanField
from .rules.threshold import threshold_cdf

__all__ = ["solve", "solve_arrays", "seed_schedule", "threshold_cdf", "JOINT_LIMIT"]

JOINT_LIMIT = 6  # behaviours up to which the stocks are all 2^B combinations


# --- seeds ------------------------------------------------------------------------------------------
def _unit_cost(cost, n: int) -> float:
    if isinstance(cost, (int, float)):
        return float(cost)
    if hasattr(cost, "per_degree"):
        return cost.base + cost.per_degree * (n - 1)
    raise ValueError(f"seeding.cost {cost!r} is a node attribute; the well-mixed twin needs a number")


def _seeding_rounds(seeding, n: int, offset: int = 0) -> dict[int, int]:
    """{round: people recruited} of one seeding table on K_n (everyone costs the same there)."""
    if seeding.strategy == "given":
        count = len(seeding.nodes or [])
    elif seeding.budget is not None:
        count = math.floor(seeding.budget / _unit_cost(seeding.cost, n) + 1e-9)
    else:
        count = seeding.count
    count = min(count, n)
    if not count:
        return {}
    if not seeding.phases:
        return {offset: count}
    unit = 1.0 if seeding.budget is None else _unit_cost(seeding.cost, n)
    total = seeding.budget if seeding.budget is not None else count * unit
    edges = np.cumsum([p.share for p in seeding.phases]) * total
    phase = np.searchsorted(edges, unit * np.arange(1, count + 1) - 1e-9 * total)
    steps = np.array([p.step for p in seeding.phases])[np.minimum(phase, len(seeding.phases) - 1)]
    return {int(s) + offset: int(c) for s, c in zip(*np.unique(steps, return_counts=True), strict=True)}


def seed_schedule(scenario, n: int) -> list[tuple[int, int, np.ndarray]]:
    """[(round, people, behaviour mask)] recruited by ``seeding`` and by ``recruit`` interventions."""
    names = [b.name for b in scenario.behaviours]

    def mask(chosen):
        return np.array([chosen is None or nm in chosen for nm in names])

    out = [(t, k, mask(scenario.seeding.behaviours)) for t, k in _seeding_rounds(scenario.seeding, n).items()]
    for iv in getattr(scenario, "interventions", None) or []:
        if iv.kind == "recruit":
            m = mask(iv.behaviours) & mask(iv.seeding.behaviours)
            out += [(t, k, m) for t, k in _seeding_rounds(iv.seeding, n, offset=iv.start).items()]
    return sorted(out, key=lambda item: item[0])


# --- interventions acting on everyone: fixed reached strata -------------------------------------------
REACHING = ("campaign", "publicise", "environment")


def _reaching(scenario) -> list:
    """Interventions the twin models: campaign, publicise and environment aimed at everyone."""
    return [
        iv for iv in getattr(scenario, "interventions", None) or [] if iv.kind in REACHING and iv.target == "everyone"
    ]


def _strata(interventions) -> tuple[np.ndarray, np.ndarray]:
    """(weights (S,), membership (S, I)): who each intervention reaches, chosen once and independently.

    As in the agent model, an intervention reaches a fixed random share ``reach`` of everyone (an
    environment reaches all), so the population splits into fixed strata by the pattern of reach.
    """
    reach = np.array([1.0 if iv.kind == "environment" else iv.reach for iv in interventions])
    split = [i for i, r in enumerate(reach) if 0.0 < r < 1.0]
    rows, weights = [], []
    for hit in itertools.product((False, True), repeat=len(split)):
        member = reach >= 1.0
        member[split] = hit
        rows.append(member)
        weights.append(float(np.prod([reach[i] if h else 1 - reach[i] for i, h in zip(split, hit, strict=True)])))
    return np.array(weights), np.array(rows, dtype=bool).reshape(len(rows), len(interventions))


def _warn_left_out(scenario) -> None:
    left = [
        f"interventions.{i} ({iv.kind})"
        for i, iv in enumerate(getattr(scenario, "interventions", None) or [])
        if iv.kind == "bring_together" or (iv.kind in REACHING and iv.target != "everyone")
    ]
    left += [name for name in ("stress", "turnover", "organisations") if getattr(scenario, name, None)]
    left += [f"behaviours.{b}.initial (observed)" for b, s in enumerate(scenario.behaviours) if s.observed_initial]
    if left:
        warnings.warn(f"the well-mixed twin leaves out {', '.join(left)}", stacklevel=3)


# --- the stocks and their flows -------------------------------------------------------------------------
class _Twin:
    """The stocks and the flow laws of one scenario on K_n.

    ``state`` is (strata, combinations) with each row a distribution over the 2^B combinations of
    behaviours (joint stocks), or (strata, B) shares (marginal stocks).
    """

    def __init__(self, scenario, n: int, joint: bool | None):
        self.sc, self.n = scenario, n
        self.specs = list(scenario.behaviours)
        self.names = [b.name for b in self.specs]
        B = self.B = len(self.specs)
        self.joint = (B <= JOINT_LIMIT) if joint is None else joint
        if self.joint and B > 12:
            raise ValueError(f"joint stocks for {B} behaviours would be 2^{B} compartments; use joint=False")
        self.bits = np.array(list(itertools.product((0, 1), repeat=B)), dtype=float)[:, ::-1] if self.joint else None
        self.flips = np.arange(len(self.bits))[:, None] ^ (1 << np.arange(B))[None, :] if self.joint else None
        self.coupling = np.zeros((B, B))
        for b, spec in enumerate(self.specs):
            for other, weight in (getattr(spec, "coupling", None) or {}).items():
                self.coupling[b, self.names.index(other)] = weight
        self.relapse = np.array([getattr(s, "relapse", 0.0) for s in self.specs])
        self.rules = [RULES[s.rule] for s in self.specs]
        # behaviours whose law needs the highest share their non-adopters were already tested against
        self.remembers = [b for b, rule in enumerate(self.rules) if getattr(rule, "MEAN_FIELD_REMEMBERS", False)]
        self.interventions = _reaching(scenario)
        self.weights, self.member = _strata(self.interventions)
        S = len(self.weights)
        # highest effective share (share + threshold shift) each stratum's non-adopters were tested against
        self.seen = np.full((S, B), -1.0)
        self.state = None
        self._effects = (None, None)

    # --- reading the stocks -----------------------------------------------------------------------------
    def stratum_shares(self, state=None) -> np.ndarray:
        state = self.state if state is None else state
        return state @ self.bits if self.joint else state

    def shares(self, state=None) -> np.ndarray:
        return self.weights @ self.stratum_shares(state)

    # --- seeds ------------------------------------------------------------------------------------------
    def initial(self, schedule) -> None:
        n, B = self.n, self.B
        step0 = [(k, m) for t, k, m in schedule if t == 0]
        k0, seed_mask = step0[0] if step0 else (0, np.zeros(B, bool))
        later = sum(k for t, k, _ in schedule if t > 0)
        eligible = max(n - k0 - later, 0)  # initial adopters are chosen among people who are not seeds
        q = np.array([min(round(s.initial_share * n), eligible) / eligible if eligible else 0.0 for s in self.specs])
        w_seed, w_elig, w_late = k0 / n, eligible / n, later / n
        if self.joint:
            x = w_elig * np.prod(np.where(self.bits == 1, q, 1 - q), axis=1)
            x += w_seed * np.all(self.bits == seed_mask.astype(float), axis=1)
            x += w_late * np.all(self.bits == 0, axis=1)
        else:
            x = w_elig * q + w_seed * seed_mask
        self.state = np.tile(x, (len(self.weights), 1))
        for k, m in step0[1:]:  # recruits at round 0 beside the scenario's seeds
            self.recruit(k, m)

    def recruit(self, k: int, mask: np.ndarray) -> None:
        """k people chosen at random (whatever their state or stratum) adopt the behaviours in ``mask``."""
        f = min(k / self.n, 1.0)
        if self.joint:
            target = (np.where(mask, 1.0, self.bits) @ (2 ** np.arange(self.B))).astype(int)
            moved = np.stack([np.bincount(target, weights=row, minlength=len(row)) for row in self.state])
            self.state = (1 - f) * self.state + f * moved
        else:
            self.state = np.where(mask, self.state + f * (1 - self.state), self.state)

    # --- flows --------------------------------------------------------------------------------------------
    def effects(self, t: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(offset, sees prevalence, threshold shift), each (strata, B), of round t's interventions."""
        if self._effects[0] != t:
            S, B = self.member.shape[0], self.B
            offset, sees, shift = np.zeros((S, B)), np.zeros((S, B), bool), np.zeros((S, B))
            for i, iv in enumerate(self.interventions):
                if not iv.active(t):
                    continue
                acts = np.array([iv.behaviours is None or nm in iv.behaviours for nm in self.names])
                on = self.member[:, i][:, None] & acts[None, :]
                if iv.kind == "publicise":
                    sees |= on
                else:
                    offset += on * iv.effect
                    shift += on * iv.threshold_shift
            self._effects = (t, (offset, sees, shift))
        return self._effects[1]

    def adopt_probability(self, s: int, b: int, A: np.ndarray, new: np.ndarray, t: int, own) -> np.ndarray:
        """P(adopt b in round t) for a non-adopter of stratum s; ``own`` (C, B) combinations (or (1, B) shares)."""
        spec, n = self.specs[b], self.n
        count = n * A[b]
        if abs(count - round(count)) < 1e-9:
            count = float(round(count))
        share = count / (n - 1) if n > 1 else 0.0
        offset, sees, shift = (e[s, b] for e in self.effects(t))
        rule = self.rules[b]
        if not hasattr(rule, "mean_field"):
            raise ValueError(f"the twin has no law for rule {spec.rule!r}")
        field = MeanField(
            n=n, count=count, share=share, prevalence=float(A[b]), new=float(new[b]), own=own,
            coupling=self.coupling[b], offset=float(offset), sees=bool(sees), shift=float(shift), seen=float(self.seen[s, b]),
        )  # fmt: skip
        return np.broadcast_to(np.asarray(rule.mean_field(spec, field), dtype=float), (len(own),))

    def step(self, t: int, new: np.ndarray) -> None:
        """One synchronous round: every stratum's stocks flow with the start-of-round shares."""
        A = self.shares()
        share = self.n * A / max(self.n - 1, 1)
        _, _, shift = self.effects(t)
        rows = []
        for s, x in enumerate(self.state):
            own = self.bits if self.joint else x[None, :]
            q = np.empty((len(own), self.B))
            for b in range(self.B):
                adopt = self.adopt_probability(s, b, A, new, t, own)
                if self.joint:
                    q[:, b] = np.where(own[:, b] == 1, 1.0 - self.relapse[b], adopt)
                else:
                    q[0, b] = x[b] * (1.0 - self.relapse[b]) + (1.0 - x[b]) * adopt[0]
            if self.joint:
                M = np.ones((len(self.bits), len(self.bits)))
                for b in range(self.B):
                    M *= np.where(self.bits[None, :, b] == 1, q[:, None, b], 1.0 - q[:, None, b])
                rows.append(x @ M)
            else:
                rows.append(q[0])
        self.state = np.array(rows)
        tested = self.remembers
        self.seen[:, tested] = np.maximum(self.seen[:, tested], share[tested] + shift[:, tested])

    def derivative(self, t: int, y: np.ndarray) -> np.ndarray:
        """Continuous-time flows: each per-round probability P becomes a rate -log(1 - P) per round."""
        self.state = y.reshape(self.state.shape)
        A = self.shares()
        out = np.empty_like(self.state)
        down = -np.log1p(-np.minimum(self.relapse, 1 - 1e-12))
        for s, x in enumerate(self.state):
            own = self.bits if self.joint else x[None, :]
            up = np.stack(
                [
                    -np.log1p(-np.minimum(self.adopt_probability(s, b, A, A * 0, t, own), 1 - 1e-12))
                    for b in range(self.B)
                ],
                axis=1,
            )
            if self.joint:
                flow = x[:, None] * np.where(own == 1, down, up)  # (C, B): out of each combination by each flip
                out[s] = -flow.sum(axis=1)
                np.add.at(out[s], self.flips.ravel(), flow.ravel())
            else:
                out[s] = (1 - x) * up[0] - x * down
        return out.ravel()


def _ode(twin: _Twin, schedule, steps: int) -> np.ndarray:
    """The continuous-time twin: one ``solve_ivp`` per stretch with no recruitment or intervention change.

    Round t covers time (t - 1, t]; its drivers (interventions) are those of round t, recruits join
    at time t, and the shares are read at whole times.
    """
    shape = twin.state.shape
    marks = {when for when, _, _ in schedule}
    for iv in twin.interventions:
        marks |= {iv.start, iv.end if iv.end is not None else iv.start}
    stops = sorted({0, steps} | {m for m in marks if 0 < m < steps})
    out = np.empty((steps + 1, twin.B))
    out[0] = twin.shares()
    for a, b in zip(stops[:-1], stops[1:], strict=True):
        sol = solve_ivp(
            lambda time, y: twin.derivative(int(math.floor(time)) + 1, y),
            (a, b),
            twin.state.ravel().copy(),
            t_eval=np.arange(a, b + 1),
            rtol=1e-6,
            atol=1e-9,
        )
        for i, y in enumerate(sol.y.T[1:], start=a + 1):
            out[i] = twin.shares(np.clip(y, 0.0, None).reshape(shape))
        twin.state = np.clip(sol.y[:, -1], 0.0, None).reshape(shape)
        for when, k, mask in schedule:
            if when == b:
                twin.recruit(k, mask)
        out[b] = twin.shares()
    return out


class _SolveArgs(BaseModel):
    """The twin's own arguments, checked at the edge (errors name the argument)."""

    n: PositiveInt | None
    steps: NonNegativeInt | None
    method: Literal["discrete", "ode"]
    joint: bool | None


def solve_arrays(
    scenario, n: int | None = None, steps: int | None = None, *, method: str = "discrete", joint: bool | None = None
) -> np.ndarray:
    """Adopting share per behaviour, (steps + 1, behaviours); row 0 is the state after seeding.

    Args:
        scenario: a ``model.Scenario`` (or a dict for one).
        n: people (default ``scenario.network.n``).
        steps: rounds (default ``scenario.steps``; the twin never stops early).
        method: "discrete" (the agent model's synchronous rounds) or "ode" (continuous time, per-round
            probabilities turned into rates -log(1 - P); sis and logistic only).
        joint: stocks per combination of behaviours (default: when there are at most ``JOINT_LIMIT``).

    Raises:
        pydantic.ValidationError: a bad scenario or argument (the message names the field).
        ValueError: no number of people known.
    """
    from .scenario import Scenario

    if not isinstance(scenario, Scenario):
        scenario = Scenario.model_validate(scenario)
    args = _SolveArgs(n=n, steps=steps, method=method, joint=joint)
    n = scenario.network.n if args.n is None else args.n
    if n is None:
        raise ValueError("the twin needs the number of people: pass n=... (the scenario's network has none)")
    steps = scenario.steps if args.steps is None else args.steps
    if method == "ode":
        bad = [b.name for b in scenario.behaviours if not getattr(RULES[b.rule], "MEAN_FIELD_ODE", False)]
        if bad:
            takes = " and ".join(name for name, rule in RULES.items() if getattr(rule, "MEAN_FIELD_ODE", False))
            raise ValueError(f"method 'ode' takes {takes} behaviours only; {bad[0]!r} is not one")
    _warn_left_out(scenario)
    twin = _Twin(scenario, int(n), joint)
    schedule = seed_schedule(scenario, twin.n)
    twin.initial(schedule)
    if method == "ode":
        return np.clip(_ode(twin, schedule, steps), 0.0, 1.0)
    out = np.empty((steps + 1, twin.B))
    out[0] = twin.shares()
    new = out[0].copy()
    for t in range(1, steps + 1):
        twin.step(t, new)
        for when, k, mask in schedule:
            if when == t:
                twin.recruit(k, mask)
        out[t] = twin.shares()
        new = np.maximum(out[t] - out[t - 1], 0.0)
    return np.clip(out, 0.0, 1.0)


def solve(scenario, n: int | None = None, steps: int | None = None, **kwargs) -> pd.DataFrame:
    """``solve_arrays`` in long form: columns step, behaviour, adopted."""
    from .scenario import Scenario

    if not isinstance(scenario, Scenario):
        scenario = Scenario.model_validate(scenario)
    a = solve_arrays(scenario, n, steps, **kwargs)
    names = [b.name for b in scenario.behaviours]
    T, B = a.shape
    return pd.DataFrame(
        {
            "step": np.repeat(np.arange(T), B),
            "behaviour": pd.Categorical(np.tile(names, T), categories=names),
            "adopted": a.reshape(-1),
        }
    )
