"""The name -> function table of seeding strategies, filled by each strategy module."""

from __future__ import annotations

STRATEGIES: dict = {}


class TargetingError(ValueError):
    """Bad seeding request: unknown strategy, count or parameter."""


def strategy(name: str):
    """Register ``fn(G, count, rng, **params) -> iterable of node ids`` under ``name``."""

    def register(fn):
        STRATEGIES[name] = fn
        return fn

    return register


def get_strategy(name: str):
    try:
        return STRATEGIES[name]
    except KeyError:
        raise TargetingError(f"unknown strategy {name!r}; choose one of {', '.join(STRATEGIES)}") from None
