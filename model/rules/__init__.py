"""The contagion rules. Each module holds one rule, side by side in the same shape:

* ``Params``: its pydantic schema (part of ``Scenario.behaviours``);
* ``prepare(pop, b, params, rng)``: per-run set-up (thresholds drawn once, tables);
* ``decide(person, b, t)``: the readable Mesa-agent form, run by ``engine = "python"``;
* ``sweep`` / ``frontier``: the numba kernels; ``numba_step(pop, b, t)`` picks one for ``engine = "numba"``;
* ``PROGRESSIVE``: adopters never stop (so a round with no change is a steady state);
* ``enrol(pop, b, positions)`` (optional): what being seeded means, when not simply adopting.

Tests run ``decide`` and the kernels against each other on the same draws.
"""

from . import absolute_threshold, independent_cascade, information, linear_threshold, logistic, sis, threshold

RULES = {
    "independent_cascade": independent_cascade,
    "linear_threshold": linear_threshold,
    "threshold": threshold,
    "absolute_threshold": absolute_threshold,
    "sis": sis,
    "logistic": logistic,
    "information": information,
}

__all__ = ["RULES"]
