"""One line for the page from an exception: shared by the page's state and its worker processes.

The page uses the command line's one error boundary (``experiments.userio``): the same line, the
same split between a user's error and a bug, whatever the surface.
"""

from __future__ import annotations

from experiments.userio import user_line


def user_message(exc: BaseException, source=None, *, shown: str | None = None) -> str:
    """One line for the page: ``experiments.userio.user_line`` (``shown``: the name a file is shown
    under, an upload's own name rather than the server's path).

    Examples
    --------
    >>> user_message(ValueError("steps: must be at least 1"))
    'steps: must be at least 1'
    >>> user_message(ValueError("/tmp/up/1f/x.edgelist: empty file"), "/tmp/up/1f/x.edgelist", shown="x.edgelist")
    'x.edgelist: empty file'
    >>> user_message(KeyError("x"))
    "internal error (KeyError: 'x'); please report it (WELLSPREAD_DEBUG=1 shows the traceback)"
    """
    return user_line(exc, source, shown=shown)
