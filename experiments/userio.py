"""Talking to people at the command line: user errors as one line and exit status 2, tables, progress.

Why one place: every verb must treat bad input the same way (contract: one line on stderr naming
the file, field and problem; no traceback; exit 2) and nothing already computed may be lost.
"""

from __future__ import annotations

import contextlib
import sys

import typer
from rich.console import Console

err_console = Console(stderr=True, soft_wrap=True)
console = Console(width=None if sys.stdout.isatty() else 200)  # tables stay whole in logs and pipes

#: errors that mean "the input is wrong", not "the program is wrong"
USER_ERRORS: tuple[type[BaseException], ...] = (ValueError, FileNotFoundError, PermissionError, IsADirectoryError)


@contextlib.contextmanager
def user_errors():
    """Turn user errors into one stderr line and exit status 2."""
    try:
        yield
    except typer.Exit:
        raise
    except USER_ERRORS as exc:
        message = " ".join(str(exc).split()) or type(exc).__name__
        err_console.print(f"error: {message}", markup=False, highlight=False)
        raise typer.Exit(2) from None
    except KeyboardInterrupt:
        err_console.print("interrupted: results written so far are kept", markup=False)
        raise typer.Exit(130) from None


def fail(message: str) -> None:
    err_console.print(f"error: {message}", markup=False, highlight=False)
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


