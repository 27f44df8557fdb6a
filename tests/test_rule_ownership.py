"""Each rule module owns its arrays, its mean-field law and its help text, behind ``model.rules.Rule``:
the population, the well-mixed twin and the dashboard ask the registry, never name a rule."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

from model import Scenario
from model.population import Population
from model.rules import RULES, Array, help_text, population_arrays
from networks import csr_of

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("name", list(RULES))
def test_every_rule_module_provides_the_protocol(name):
    rule = RULES[name]
    for attr in ("Params", "HELP", "ARRAYS", "PROGRESSIVE", "prepare", "decide", "numba_step"):
        assert hasattr(rule, attr), f"{name} lacks {attr}"
    assert isinstance(rule.HELP, str) and rule.HELP and "\n" not in rule.HELP
    assert help_text(name) == rule.HELP
    assert all(isinstance(a, Array) for a in rule.ARRAYS.values())


def test_population_allocates_what_the_rules_declare():
    import networkx as nx

    pop = Population(csr_of(nx.path_graph(5)), ["a", "b", "c"])
    for name, array in population_arrays().items():
        value = getattr(pop, name)
        if array.dtype is None:
            assert value == [None, None, None]
        else:
            shape = (3, *(3 if d == "B" else d for d in array.shape))
            assert value.shape == shape and value.dtype == array.dtype and not value.any()
    assert pop.logit.shape == (3, 3) and pop.coupling.shape == (3, 3) and pop.k.dtype == np.int64


def test_rules_are_named_only_in_their_modules_and_the_registry():
    """population.py and system_dynamics.py hold no rule-name literal; the dashboard's editor no help text."""
    for path in ("model/population.py", "model/system_dynamics.py"):
        tree = ast.parse((ROOT / path).read_text())
        literals = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
        assert not literals & set(RULES), f"{path} names rules {literals & set(RULES)}"
    forms = (ROOT / "dashboards" / "forms.py").read_text()
    assert "RULE_NOTES" not in forms and not any(rule.HELP in forms for rule in RULES.values())


def test_twin_refuses_a_rule_without_a_law():
    from model.system_dynamics import solve_arrays

    lawless = [name for name, rule in RULES.items() if not hasattr(rule, "mean_field")]
    for name in lawless:
        sc = Scenario.model_validate({"steps": 1, "network": {"n": 100}, "behaviours": [{"name": "b", "rule": name}]})
        with pytest.raises(ValueError, match=f"no law for rule '{name}'"):
            solve_arrays(sc)


def test_mean_field_laws_come_from_the_rules():
    """A twin run of each rule matches its law computed by hand for the first round (n = 1000, 10 seeds)."""
    from model.system_dynamics import solve_arrays

    n, seeds = 1000, 10
    A0 = seeds / n
    cases = {
        "independent_cascade": ({"p": 0.01}, 1 - (1 - 0.01) ** seeds),
        "sis": ({"beta": 0.02}, 1 - (1 - 0.02) ** seeds),
        "absolute_threshold": ({"k": 10}, 1.0),
        "threshold": ({"threshold": 0.005}, 1.0),
        "logistic": ({"intercept": -3.0, "peer": 4.0}, 1 / (1 + np.exp(-(-3.0 + 4.0 * seeds / (n - 1))))),
    }
    for rule, (params, p) in cases.items():
        sc = Scenario.model_validate({"steps": 1, "network": {"n": n}, "seeding": {"count": seeds},
                                      "behaviours": [{"name": "b", "rule": rule, **params}]})
        out = solve_arrays(sc)
        assert out[1, 0] == pytest.approx(A0 + (1 - A0) * p, rel=1e-9), rule
