"""The system-dynamics twin: a scenario solved as a well-mixed stock-and-flow model.

What: every behaviour is a stock (the share adopting) with an inflow, adoption = (1 - A) x P(adopt |
the shares), and an outflow, relapse = A x relapse, stepped in the same synchronous weekly rounds as
the agent model (a difference equation), or, with ``method="ode"``, in continuous time
(``scipy.integrate.solve_ivp``). Everyone is everyone's neighbour, as on a complete graph of ``n``
people, so comparing the twin with the agent model shows what network structure and targeting add
beyond a Vensim-style model (Sterman 2000, *Business Dynamics*; Homer & Hirsch 2006, *Am. J. Public
Health* 96:452 on system dynamics in public health).

Mean-field adoption probability of a non-adopter on the complete graph K_n, with A the adopting share
at the start of the round (n A adopters, all of them neighbours; share of neighbours n A / (n - 1)):

* ``independent_cascade`` (p): with N the share who adopted last round (seeds and initial adopters at
  round 0), P = 1 - (1 - p) ** (n N). This is the expected-value (Reed-Frost) recursion
  S_{t+1} = S_t (1 - p) ** I_t of the chain-binomial epidemic (Abbey 1952).
* ``sis`` (beta, relapse): P = 1 - (1 - beta) ** (n A); adopters relapse with probability ``relapse``.
* ``logistic``: P = sigmoid(intercept + peer x n A / (n - 1) + norm x visible + coupling . own other
  behaviours + offset); ``visible`` is A for people a ``publicise`` intervention reaches, else 0.
* ``threshold`` / ``linear_threshold`` (thresholds with CDF F; LT: U(0,1), F(s) = s): progressive with
  thresholds drawn once, so the non-adopters are those whose threshold exceeded every share seen so
  far, m. The round's hazard is (F(s) - F(m)) / (1 - F(m)) with s = n A / (n - 1) (Granovetter 1978).
  A single threshold makes it deterministic: everyone adopts in the round after s >= threshold.
* ``absolute_threshold`` (k): everyone adopts in the round after n A >= k (deterministic).

Coupled behaviours (``logistic`` coupling) see whether the person holds the other behaviour, so with
up to ``JOINT_LIMIT`` behaviours the stocks are the 2^B combinations of behaviours (a compartmental
model of who does what), and each round's flows use each combination's own probability; the
behaviours change independently within a round given the start-of-round state, as in the agent
model. With more behaviours the stocks are the B shares and coupling acts through the other shares
(the plain Vensim form). Seeds: ``seeding`` (count, budget at a uniform cost, phases) and ``recruit``
interventions add round(count) people at their round, as the agent model does; ``initial`` adds
round(initial x n) adopters at round 0 among the non-seeds. ``campaign``, ``publicise`` and
``environment`` interventions that target everyone act through their reach and effect (a reached
share mixed in every round, an approximation: the agent model reaches a fixed set of people);
targeted ones and ``bring_together`` (already everyone's neighbour) are left out with a warning.
"""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pandas as pd
from scipy import stats
from scipy.integrate import solve_ivp

__all__ = ["solve", "solve_arrays", "seed_schedule", "threshold_cdf", "JOINT_LIMIT"]

JOINT_LIMIT = 6  # behaviours up to which the stocks are all 2^B combinations


# --- thresholds -------------------------------------------------------------------------------------
def threshold_cdf(spec):
    """F(s) = P(threshold <= s) for a rule's ``threshold`` field (a number or a distribution)."""
    if isinstance(spec, (int, float)):
        theta = float(spec)
        return lambda s: np.where(np.asarray(s) >= theta, 1.0, 0.0)
    dist = spec.dist
    if dist == "uniform":
        low, high = spec.low, spec.high
        if high <= low:
            return lambda s: np.where(np.asarray(s) >= low, 1.0, 0.0)
        return lambda s: np.clip((np.asarray(s) - low) / (high - low), 0.0, 1.0)
    if dist == "normal":  # drawn then clipped to [0, 1]
        mean, sd = spec.mean, spec.sd
        if sd == 0:
            theta = min(max(mean, 0.0), 1.0)
            return lambda s: np.where(np.asarray(s) >= theta, 1.0, 0.0)
        return lambda s: np.where(
            np.asarray(s) < 0, 0.0, np.where(np.asarray(s) >= 1, 1.0, stats.norm.cdf(np.asarray(s), mean, sd))
        )
    if dist == "beta":
        return lambda s: stats.beta.cdf(np.asarray(s), spec.a, spec.b)
    raise ValueError(f"unknown threshold distribution {dist!r}")


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
    return {int(s) + offset: int(c) for s, c in zip(*np.unique(steps, return_counts=True))}


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


# --- interventions acting on everyone ---------------------------------------------------------------
def _reach_classes(scenario, t: int, B: int, names: list[str]) -> list[list[tuple[float, float, bool, float]]]:
    """Per behaviour, [(weight, log-odds offset, sees prevalence, threshold shift)] over reach patterns."""
    active = [iv for iv in getattr(scenario, "interventions", None) or [] if iv.kind in ("campaign", "publicise", "environment") and iv.target == "everyone" and iv.active(t)]
    out = []
    for b in range(B):
        here = [iv for iv in active if iv.behaviours is None or names[b] in iv.behaviours]
        classes = []
        for hit in itertools.product((False, True), repeat=len(here)):
            w, offset, sees, shift = 1.0, 0.0, False, 0.0
            for iv, h in zip(here, hit):
                reach = 1.0 if iv.kind == "environment" else iv.reach
                w *= reach if h else 1.0 - reach
                if h and iv.kind == "publicise":
                    sees = True
                elif h:
                    offset += iv.effect
                    shift += iv.threshold_shift
            if w > 0:
                classes.append((w, offset, sees, shift))
        out.append(classes)
    return out


def _warn_left_out(scenario) -> None:
    left = [
        f"interventions.{i} ({iv.kind})"
        for i, iv in enumerate(getattr(scenario, "interventions", None) or [])
        if iv.kind == "bring_together" or (iv.kind in ("campaign", "publicise", "environment") and iv.target != "everyone")
    ]
    left += [name for name in ("stress", "turnover", "organisations") if getattr(scenario, name, None)]
    if left:
        warnings.warn(f"the well-mixed twin leaves out {', '.join(left)}", stacklevel=3)


# --- one round ----------------------------------------------------------------------------------------
class _Twin:
    """The stocks and the flow laws of one scenario on K_n."""

    def __init__(self, scenario, n: int, joint: bool | None):
        self.sc, self.n = scenario, n
        self.specs = list(scenario.behaviours)
        self.names = [b.name for b in self.specs]
        B = self.B = len(self.specs)
        coupled = any(getattr(b, "coupling", None) for b in self.specs)
        self.joint = (B <= JOINT_LIMIT) if joint is None else joint
        if self.joint and B > 12:
            raise ValueError(f"joint stocks for {B} behaviours would be 2^{B} compartments; use joint=False")
        self.bits = np.array(list(itertools.product((0, 1), repeat=B)), dtype=float)[:, ::-1] if self.joint else None
        self.coupling = np.zeros((B, B))
        for b, spec in enumerate(self.specs):
            for other, weight in (getattr(spec, "coupling", None) or {}).items():
                self.coupling[b, self.names.index(other)] = weight
        self.coupled = coupled
        self.relapse = np.array([getattr(s, "relapse", 0.0) for s in self.specs])
        self.cdf = [
            threshold_cdf(s.threshold) if s.rule == "threshold" else (lambda x: np.clip(np.asarray(x), 0.0, 1.0)) if s.rule == "linear_threshold" else None
            for s in self.specs
        ]
        self.seen = np.full(B, -1.0)  # highest share each threshold behaviour's non-adopters have seen
        self.state = None

    # marginals of the state
    def shares(self, state=None) -> np.ndarray:
        state = self.state if state is None else state
        return state @ self.bits if self.joint else state.copy()

    def initial(self, schedule) -> None:
        n, B = self.n, self.B
        step0 = [(k, m) for t, k, m in schedule if t == 0]
        seeds0 = step0[0] if step0 else (0, np.zeros(B, bool))
        later = sum(k for t, k, _ in schedule if t > 0)
        k0 = seeds0[0]
        eligible = max(n - k0 - later, 0)
        q = np.array([min(round(s.initial * n), eligible) / eligible if eligible else 0.0 for s in self.specs])
        w_seed, w_elig, w_late = k0 / n, eligible / n, later / n
        if self.joint:
            seed_combo = seeds0[1].astype(float)
            x = w_elig * np.prod(np.where(self.bits == 1, q, 1 - q), axis=1)
            x += w_seed * np.all(self.bits == seed_combo, axis=1)
            x += w_late * np.all(self.bits == 0, axis=1)
            self.state = x
        else:
            self.state = w_elig * q + w_seed * seeds0[1]
        for k, m in step0[1:]:  # recruits at round 0 beside the scenario's seeds
            self.recruit(k, m)

    def recruit(self, k: int, mask: np.ndarray) -> None:
        f = min(k / self.n, 1.0)
        if self.joint:
            moved = np.where(mask, 1.0, self.bits)  # each combination's image
            target = (moved @ (2 ** np.arange(self.B))).astype(int)
            x = self.state
            self.state = (1 - f) * x + f * np.bincount(target, weights=x, minlength=len(x))
        else:
            self.state = np.where(mask, self.state + f * (1 - self.state), self.state)

    def adopt_probability(self, b: int, A: np.ndarray, new: np.ndarray, classes, own) -> np.ndarray:
        """P(adopt b this round) for a non-adopter; ``own`` (C, B) the combinations (or shares)."""
        spec, n = self.specs[b], self.n
        count = n * A[b]
        if abs(count - round(count)) < 1e-9:
            count = float(round(count))
        share = count / (n - 1) if n > 1 else 0.0
        rule = spec.rule
        if rule == "independent_cascade":
            return np.full(len(own), 1.0 - (1.0 - spec.p) ** (n * new[b]))
        if rule == "sis":
            return np.full(len(own), 1.0 - (1.0 - spec.beta) ** count)
        if rule == "absolute_threshold":
            return np.full(len(own), 1.0 if count >= spec.k - 1e-9 else 0.0)
        if rule in ("threshold", "linear_threshold"):
            F = self.cdf[b]
            total = 0.0
            for w, _, _, shift in classes:
                before = float(F(self.seen[b] + shift)) if self.seen[b] >= 0 else 0.0
                now = float(F(share + shift))
                total += w * ((now - before) / (1.0 - before) if before < 1.0 else 0.0)
            return np.full(len(own), max(total, 0.0))
        if rule == "logistic":
            base = spec.intercept + spec.peer * share + own @ self.coupling[b]
            prob = np.zeros(len(own))
            for w, offset, sees, _ in classes:
                prob += w / (1.0 + np.exp(-(base + offset + (spec.norm * A[b] if sees else 0.0))))
            return prob
        raise ValueError(f"the twin has no law for rule {rule!r}")

    def transition(self, t: int, new: np.ndarray) -> np.ndarray:
        """(C, B) or (B,) probability of holding each behaviour after round t."""
        A = self.shares()
        classes = _reach_classes(self.sc, t, self.B, self.names)
        own = self.bits if self.joint else A[None, :]
        q = np.empty((len(own), self.B))
        for b in range(self.B):
            adopt = self.adopt_probability(b, A, new, classes[b], own)
            if self.joint:
                q[:, b] = np.where(own[:, b] == 1, 1.0 - self.relapse[b], adopt)
            else:
                q[0, b] = A[b] * (1.0 - self.relapse[b]) + (1.0 - A[b]) * adopt[0]
        share = self.n * A / max(self.n - 1, 1)
        for b, F in enumerate(self.cdf):
            if F is not None:
                self.seen[b] = max(self.seen[b], share[b])
        return q

    def step(self, t: int, new: np.ndarray) -> None:
        q = self.transition(t, new)
        if self.joint:
            M = np.ones((len(self.bits), len(self.bits)))
            for b in range(self.B):
                M *= np.where(self.bits[None, :, b] == 1, q[:, None, b], 1.0 - q[:, None, b])
            self.state = self.state @ M
        else:
            self.state = q[0]

    def rates(self, t: int) -> np.ndarray:
        """Continuous-time flip rates (C, B) (or (1, B) of adoption for marginals): -log(1 - P) per round."""
        A = self.shares()
        classes = _reach_classes(self.sc, t, self.B, self.names)
        own = self.bits if self.joint else A[None, :]
        r = np.empty((len(own), self.B))
        for b in range(self.B):
            adopt = np.minimum(self.adopt_probability(b, A, A * 0, classes[b], own), 1 - 1e-12)
            up, down = -np.log1p(-adopt), -math.log1p(-min(self.relapse[b], 1 - 1e-12))
            r[:, b] = np.where(own[:, b] == 1, down, up) if self.joint else up
        return r


def _ode_round(twin: _Twin, t: int) -> None:
    """Integrate one round (t - 1 -> t) of the continuous-time twin."""
    B = twin.B

    def rhs(_, y):
        twin.state = y
        r = twin.rates(t)
        if twin.joint:
            out = np.zeros_like(y)
            for b in range(B):
                flip = (np.arange(len(y)) ^ (1 << b))
                flow = y * r[:, b]
                out -= flow
                np.add.at(out, flip, flow)
            return out
        return (1 - y) * r[0] - y * -np.log1p(-np.minimum(twin.relapse, 1 - 1e-12))

    start = twin.state.copy()
    sol = solve_ivp(rhs, (0.0, 1.0), start, rtol=1e-8, atol=1e-10)
    twin.state = np.clip(sol.y[:, -1], 0.0, None)


def solve_arrays(scenario, n: int | None = None, steps: int | None = None, *, method: str = "discrete", joint: bool | None = None) -> np.ndarray:
    """Adopting share per behaviour, (steps + 1, behaviours); row 0 is the state after seeding.

    Args:
        scenario: a ``model.Scenario`` (or a dict for one).
        n: people (default ``scenario.network.n``).
        steps: rounds (default ``scenario.steps``; the twin never stops early).
        method: "discrete" (the agent model's synchronous rounds) or "ode" (continuous time, per-round
            probabilities turned into rates -log(1 - P); sis and logistic only).
        joint: stocks per combination of behaviours (default: when there are at most ``JOINT_LIMIT``).
    """
    from .scenario import Scenario

    if not isinstance(scenario, Scenario):
        scenario = Scenario.model_validate(scenario)
    n = scenario.network.n if n is None else n
    if n is None or n < 1:
        raise ValueError("the twin needs the number of people: pass n=... (the scenario's network has none)")
    steps = scenario.steps if steps is None else steps
    if steps < 0:
        raise ValueError(f"steps must be >= 0, got {steps}")
    if method not in ("discrete", "ode"):
        raise ValueError(f"method must be 'discrete' or 'ode', got {method!r}")
    if method == "ode":
        bad = [b.name for b in scenario.behaviours if b.rule not in ("sis", "logistic")]
        if bad:
            raise ValueError(f"method 'ode' takes sis and logistic behaviours only; {bad[0]!r} is not one")
    _warn_left_out(scenario)
    twin = _Twin(scenario, int(n), joint)
    schedule = seed_schedule(scenario, twin.n)
    twin.initial(schedule)
    out = np.empty((steps + 1, twin.B))
    out[0] = twin.shares()
    new = out[0].copy()
    for t in range(1, steps + 1):
        if method == "discrete":
            twin.step(t, new)
        else:
            _ode_round(twin, t)
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
