"""The wellspread model: scenarios, the Mesa behaviour model, and headless runs.

    from model import Scenario, BehaviourModel, simulate
"""

import networks  # noqa: F401  (first: it points numba's cache at this version's folder, networks/_jit_cache.py)

from .behaviour_model import BehaviourModel
from .scenario import NetworkSpec, Scenario, ScenarioError, SeedingSpec
from .simulate import Replicates, Result, simulate

__all__ = ["Scenario", "ScenarioError", "NetworkSpec", "SeedingSpec", "BehaviourModel", "simulate", "Result", "Replicates"]
