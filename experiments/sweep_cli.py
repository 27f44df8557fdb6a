"""The ``sweep``, ``report`` and ``query`` verbs of ``wellspread`` (registered on ``experiments.cli.app``)."""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from .cli import app
from .userio import MAX_MEMORY_HELP, console, err_console, fail, limit_memory, progress, user_errors

LOG_EVERY_SECONDS = 30.0


@app.command()
def sweep(
    experiment: Annotated[Path, typer.Argument(help="experiment TOML file")],
    out: Annotated[Path | None, typer.Option(help="results folder (default results/<experiment file stem>)")] = None,
    workers: Annotated[int | None, typer.Option(min=1, help="local worker processes (default: one per core)")] = None,
    scheduler: Annotated[
        str | None, typer.Option(help="address of a running Dask scheduler, e.g. tcp://host:8786")
    ] = None,
    slurm_queue: Annotated[
        str | None, typer.Option(help="SLURM partition: run on SLURM jobs via dask-jobqueue")
    ] = None,
    slurm_cores: Annotated[int | None, typer.Option(min=1, help="SLURM: cores (= worker processes) per job")] = None,
    slurm_memory: Annotated[str | None, typer.Option(help="SLURM: memory per job, e.g. 16GB")] = None,
    slurm_walltime: Annotated[str | None, typer.Option(help="SLURM: walltime per job, e.g. 02:00:00")] = None,
    slurm_jobs: Annotated[int | None, typer.Option(min=1, help="SLURM: number of jobs")] = None,
    slurm_account: Annotated[str | None, typer.Option(help="SLURM: account to charge")] = None,
    resume: Annotated[bool, typer.Option(help="continue a sweep in --out: finished runs are skipped")] = False,
    batch_size: Annotated[
        int | None, typer.Option(min=1, help="runs per Dask task (default: about 1 s of work)")
    ] = None,
    retries: Annotated[
        int, typer.Option(min=0, help="extra attempts of a run that raises before it is recorded as failed")
    ] = 2,
    max_memory: Annotated[str | None, typer.Option(help=MAX_MEMORY_HELP)] = None,
):
    """Run an experiment's sweep on Dask (a local cluster by default); resumable, results in Parquet."""
    from .experiment import Experiment
    from .runner import run_sweep

    with user_errors(experiment):
        limit_memory(max_memory)
        slurm_given = {
            k: v
            for k, v in (
                ("queue", slurm_queue),
                ("cores", slurm_cores),
                ("memory", slurm_memory),
                ("walltime", slurm_walltime),
                ("jobs", slurm_jobs),
                ("account", slurm_account),
            )
            if v is not None
        }
        modes = [m for m, on in (("--workers", workers), ("--scheduler", scheduler), ("--slurm-*", slurm_given)) if on]
        if len(modes) > 1:
            fail(f"choose one of --workers, --scheduler and --slurm-*, not {' and '.join(modes)}")
        slurm = None
        if slurm_given:
            missing = [f"--slurm-{k}" for k in ("cores", "memory", "walltime") if k not in slurm_given]
            if missing:
                fail(f"SLURM needs {', '.join(missing)} (and optionally --slurm-queue, --slurm-jobs, --slurm-account)")
            slurm = {**slurm_given, "jobs": slurm_given.get("jobs", 1)}
        if not scheduler and not slurm and not resume:
            # local workers are forked from a process that imports the model: start it now, so
            # its imports overlap this process's own (reading and validating the experiment)
            from .runner import start_worker_template

            start_worker_template(warm=experiment)
        exp = Experiment.from_toml(experiment)
        out = out if out is not None else Path("results") / experiment.stem
        where = scheduler or (f"SLURM ({slurm['jobs']} jobs x {slurm['cores']} cores)" if slurm else None)
        console.print(
            f"{exp.name}: {len(exp.points)} design points x {exp.replicates} replicates = {exp.n_runs} runs -> {out}"
            + (f" on {where}" if where else ""),
            highlight=False,
        )
        with _progress_display(exp.n_runs) as hook:
            res = run_sweep(
                exp,
                out,
                workers=workers,
                scheduler=scheduler,
                slurm=slurm,
                resume=resume,
                progress=hook,
                batch_size=batch_size,
                retries=retries,
            )
        skipped = f", {res.skipped} already done" if res.skipped else ""
        console.print(
            f"{res.ok} ok, {res.failed} failed{skipped} of {res.total} runs in {res.elapsed:.1f} s -> {res.out}",
            highlight=False,
        )
        if res.failed:
            err_console.print(
                f"{res.failed} runs failed: see their error with  wellspread query {res.out} "
                "\"select error, count(*) from runs where status = 'failed' group by error\"",
                highlight=False,
                markup=False,
            )
        console.print(f"next: wellspread report {res.out}", highlight=False)


class _progress_display:
    """A rich bar on a terminal; a log line every 30 s otherwise (SLURM logs, CI)."""

    def __init__(self, total: int):
        self.total = total
        self.live = err_console.is_terminal
        self.bar = None
        self.task = None
        self.last_log = 0.0

    def __enter__(self):
        if self.live:
            self.bar = progress()
            self.bar.__enter__()
            self.task = self.bar.add_task("sweep", total=self.total, status="starting")
        return self.update

    def update(self, p) -> None:
        if self.bar is not None:
            status = f"{p.failed} failed" + (f", {p.skipped} resumed" if p.skipped else "")
            if p.message and p.message != "running":
                status += f" ({p.message})"
            self.bar.update(self.task, completed=p.done, status=status)
        else:
            now = time.monotonic()
            if now - self.last_log >= LOG_EVERY_SECONDS or p.done >= p.total or p.message == "starting workers":
                self.last_log = now
                err_console.print(p.line(), highlight=False, markup=False)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.__exit__(*exc)
        return False


@app.command()
def report(
    directory: Annotated[Path, typer.Argument(help="results folder of a sweep")],
    out: Annotated[
        Path | None, typer.Option(help="where to write report.html and the PNGs (default: the folder)")
    ] = None,
):
    """Tables with 95% intervals, adoption curves, comparisons and sensitivity indices: PNGs + report.html
    (for a calibration's folder: marginals, pairs and the posterior predictive check)."""
    from .report import report as write_report

    with user_errors(directory):
        if (directory / "posterior.parquet").exists():
            from .calibrate_report import report as write_report
        path = write_report(directory, out)
        console.print(str(path), highlight=False)


@app.command()
def query(
    directory: Annotated[Path, typer.Argument(help="results folder of a sweep")],
    sql: Annotated[
        str,
        typer.Argument(help='SQL over the table "runs" (also "design", "all_rows"), e.g. "select count(*) from runs"'),
    ],
    max_rows: Annotated[int, typer.Option(min=1, help="rows to print")] = 200,
    csv: Annotated[bool, typer.Option(help="print CSV instead of a table")] = False,
):
    """DuckDB SQL over a results folder (also while a sweep is writing); the runs are the table `runs`."""
    from .store import query as run_query

    with user_errors(directory):
        df = run_query(directory, sql)
        if csv:
            sys.stdout.write(df.head(max_rows).to_csv(index=False))
            return
        table = Table(show_lines=False)
        for c in df.columns:
            table.add_column(str(c), justify="right" if _numeric(df[c]) else "left", overflow="fold")
        for row in df.head(max_rows).itertuples(index=False):
            table.add_row(*(_cell(v) for v in row))
        console.print(table)
        if len(df) > max_rows:
            console.print(f"{len(df)} rows; first {max_rows} shown (--max-rows)", highlight=False)


def _numeric(series) -> bool:
    import pandas as pd

    return pd.api.types.is_numeric_dtype(series)


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return "" if math.isnan(v) else f"{v:.6g}"
    return str(v)
