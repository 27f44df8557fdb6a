"""Talking to people at the command line: user errors as one line and exit status 2, tables, progress.

Why one place: every verb must treat bad input the same way (contract: one line on stderr naming
the file, field and problem; no traceback; exit 2) and nothing already computed may be lost.
"""

from __future__ import annotations

import contextlib
import os
import sys

import typer
from rich.console import Console

err_console = Console(stderr=True, soft_wrap=True, emoji=False)
console = Console(width=None if sys.stdout.isatty() else 200, emoji=False)  # tables stay whole in logs and pipes

#: errors that mean "the input is wrong", not "the program is wrong"
USER_ERRORS: tuple[type[BaseException], ...] = (ValueError, FileNotFoundError, PermissionError, IsADirectoryError)
#: errors a size in the input causes: the resource estimate should refuse first, this is the backstop
TOO_LARGE: tuple[type[BaseException], ...] = (MemoryError, OverflowError, RecursionError)


class Interrupted(KeyboardInterrupt):
    """Ctrl-C (or SIGTERM) after some work was kept; the message says what and how to go on."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def error_line(exc: BaseException, source=None, *, shown: str | None = None) -> str:
    """One line for a user error: ``<source>: <field>: <problem>``, the source named once.

    Messages of errors raised while a file was read, validated or run name the file first; one that
    does not (a generator's "network kind 'x': m must be ...") gets the file put in front. ``shown``
    names the source instead of its path (the dashboard shows an upload's own name, never the
    server's folder).

    Examples
    --------
    >>> error_line(ValueError("/srv/up/ab12/x.edgelist: line 3: expected 'source target [weight]'"),
    ...            "/srv/up/ab12/x.edgelist", shown="x.edgelist")
    "x.edgelist: line 3: expected 'source target [weight]'"
    >>> error_line(OverflowError("int too large"), "s.toml")
    's.toml: a number is too large (int too large)'
    """
    message = " ".join(str(exc).split()) or type(exc).__name__
    if source is not None and shown is not None:
        message = message.replace(str(source), shown)
        source = shown
    if isinstance(exc, MemoryError):
        message = f"not enough memory ({message}); use a smaller network, fewer rounds or fewer runs"
    elif isinstance(exc, RecursionError):
        message = "nested too deeply"
    elif isinstance(exc, OverflowError):
        message = f"a number is too large ({message})"
    if source is not None:
        name = str(source)
        if not message.startswith(name):
            message = f"{name}: {message}"
    return message


def user_line(exc: BaseException, source=None, *, shown: str | None = None) -> str:
    """The one line a person is shown for ``exc``, wherever it surfaces (command line, sweep driver,
    dashboard): a user error (``USER_ERRORS``, ``TOO_LARGE``) as ``error_line``; anything else as an
    internal error to report.

    Examples
    --------
    >>> user_line(ValueError("steps: must be at least 1"), "s.toml")
    's.toml: steps: must be at least 1'
    >>> user_line(KeyError("x"))
    "internal error (KeyError: 'x'); please report it (WELLSPREAD_DEBUG=1 shows the traceback)"
    """
    if isinstance(exc, USER_ERRORS + TOO_LARGE):
        return error_line(exc, source, shown=shown)
    where = f"{shown or source}: " if source is not None else ""
    return (f"{where}internal error ({type(exc).__name__}: {' '.join(str(exc).split())[:300]}); "
            "please report it (WELLSPREAD_DEBUG=1 shows the traceback)")


def say(line: str) -> None:
    """Print one plain line on stderr: no markup, emoji codes or highlighting (``root:x:0`` stays as it is)."""
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


@contextlib.contextmanager
def user_errors(source=None):
    """Turn user errors into one stderr line and exit status 2; ``source`` is the file being handled.

    Anything else (a bug) is one line too, with exit status 1, unless ``WELLSPREAD_DEBUG`` is set
    (then the traceback shows).
    """
    try:
        yield
    except typer.Exit:
        raise
    except Interrupted as exc:
        say(exc.message)
        raise typer.Exit(130) from None
    except KeyboardInterrupt:
        say("interrupted: results written so far are kept")
        raise typer.Exit(130) from None
    except USER_ERRORS + TOO_LARGE as exc:
        say(f"error: {error_line(exc, source)}")
        raise typer.Exit(2) from None
    except Exception as exc:
        if os.environ.get("WELLSPREAD_DEBUG"):
            raise
        say(f"error: {user_line(exc, source)}")
        raise typer.Exit(1) from None


MAX_MEMORY_HELP = "refuse runs that would need more memory than this, e.g. 8GB (default: what the machine has free)"


def limit_memory(max_memory: str | None) -> None:
    """``--max-memory``: checked, then handed to the resource estimate (and to sweep workers) by environment."""
    if max_memory is None:
        return
    from model.resources import MEMORY_ENV, parse_bytes

    try:
        parse_bytes(max_memory)
    except ValueError as exc:
        raise ValueError(f"--max-memory: {exc}") from None
    os.environ[MEMORY_ENV] = str(max_memory)


def fail(message: str) -> None:
    say(f"error: {message}")
    raise typer.Exit(2)


def progress():
    """A rich progress bar with runs done and time left."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[status]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=False,
        disable=not err_console.is_terminal,  # a bar is for people; logs and pipes get the results only
    )


