"""Experiments: replicates, sweeps on Dask, durable results, reports.

    from experiments import Experiment, run_sweep, load_results

Imports are lazy so ``import experiments`` (and the ``wellspread`` command line) stay cheap: Dask,
DuckDB and the model load only when a sweep or a query needs them.
"""

from __future__ import annotations

__all__ = ["Experiment", "run_sweep", "load_results", "SweepProgress", "SweepResult"]

_LAZY = {
    "Experiment": ("experiments.experiment", "Experiment"),
    "run_sweep": ("experiments.runner", "run_sweep"),
    "SweepProgress": ("experiments.runner", "SweepProgress"),
    "SweepResult": ("experiments.runner", "SweepResult"),
    "load_results": ("experiments.store", "load_results"),
}


def __getattr__(name):
    try:
        module, attr = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'experiments' has no attribute {name!r}") from None
    import importlib

    value = getattr(importlib.import_module(module), attr)
    globals()[name] = value
    return value


def __dir__():
    return sorted(list(globals()) + list(_LAZY))
