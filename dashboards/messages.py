"""One line for the page from an exception: shared by the page's state and its worker processes."""

from __future__ import annotations

import networks
from model import ScenarioError


def user_message(exc: BaseException) -> str:
    """One line for the page: the project's own errors as they are, anything else with its type.

    Examples
    --------
    >>> user_message(ValueError("steps: must be at least 1"))
    'steps: must be at least 1'
    >>> user_message(KeyError("x"))
    "KeyError: 'x'"
    """
    if isinstance(exc, (ScenarioError, networks.NetworkError)):
        return str(exc)
    if isinstance(exc, ValueError):
        return f"{exc}"
    return f"{type(exc).__name__}: {exc}"
