"""The ``calibrate`` verb of ``wellspread`` (registered on ``experiments.cli.app``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .cli import app
from .userio import console, user_errors


@app.command()
def calibrate(
    calibration: Annotated[Path, typer.Argument(help="CALIBRATION.toml: scenario, priors, networks, observed data")],
    out: Annotated[Path | None, typer.Option(help="results folder (default results/<file stem>)")] = None,
    resume: Annotated[bool, typer.Option(help="continue the calibration stored in --out")] = False,
    scheduler: Annotated[str | None, typer.Option(help="address of a Dask scheduler to sample on")] = None,
):
    """Fit priors over scenario paths to observed adoption by ABC-SMC (pyabc): writes posterior.parquet
    (one column per dotted path, plus weight), a predictive check and held-out R^2; `wellspread report OUT` draws them."""
    from .calibrate_abc import calibrate as run_calibration

    out = out or Path("results") / calibration.stem
    with user_errors(calibration):
        run_calibration(calibration, out, resume=resume, scheduler=scheduler,
                        report=lambda line: console.print(line, highlight=False, markup=False))  # fmt: skip
        console.print(f"posterior: {out / 'posterior.parquet'}", highlight=False)
