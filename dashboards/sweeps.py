"""Sweeps: build a sweep with a form (like NetLogo's BehaviorSpace), run it, and browse results from a list.

The form starts from the Explore scenario: choose what to vary (strategies, a count, a rule's
parameter...) and its values, how many runs per point, and a name. The experiment it makes is the
same TOML ``wellspread sweep`` reads (shown, and downloadable). Results go to ``RESULTS_ROOT/<name>``
only (``WELLSPREAD_RESULTS``, default ``./results`` where the server started): the page never writes
anywhere else and never asks for a server path. The results list shows every folder under the root.

The work is the experiments package's (``Experiment.from_dict``, ``run_sweep`` on a local Dask
cluster, ``load_results``, ``experiments.report.report`` for the summary and figures, whose 95%
intervals come from ``experiments.intervals``). A sweep runs in a child process group (``dashboards.jobs``):
Stop ends it and its workers at once; runs already committed are kept.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import os
import re
import tempfile
from pathlib import Path

import pandas as pd
import solara
import tomli_w

from .export import TableDownloads
from .jobs import ProcessJob
from .state import BackgroundThreads, Session, user_message

__all__ = ["Sweeps", "SweepRun", "default_experiment", "find_results", "build_experiment", "RESULTS_ROOT",
           "results_folder", "vary_choices"]

log = logging.getLogger("wellspread.dashboard")
SMALL = {"font-size": "0.85rem", "color": "#555"}
MAX_ROWS_SHOWN = 500
RESULTS_ROOT = Path(os.environ.get("WELLSPREAD_RESULTS", "results")).resolve()
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def results_folder(name: str, root: Path | None = None) -> Path:
    """``root/name`` for a plain folder name; anything else (a path, ``..``) is refused."""
    root = Path(root or RESULTS_ROOT)
    if not isinstance(name, str) or not NAME.match(name) or ".." in name:
        raise ValueError(f"results name {name!r}: use letters, digits, '.', '_' or '-' (no folders); "
                         f"results are kept under {root}")
    return root / name


def vary_choices(draft: dict) -> dict[str, str]:
    """{dotted path: plain label} of what the form offers to vary, from the Explore scenario."""
    from model.rules import RULES

    choices = {"seeding.strategy": "targeting strategy", "seeding.count": "number of first adopters",
               "steps": "weeks (rounds) at most"}
    net = draft.get("network", {})
    if net.get("kind") not in ("file", "dataset"):
        choices["network.n"] = "people in the network"
    for i, b in enumerate(draft.get("behaviours", [])):
        rule = RULES.get(b.get("rule"))
        if rule is None:
            continue
        for name, field in rule.Params.model_fields.items():
            if name in ("name", "rule") or not isinstance(field.default, (int, float)) or isinstance(field.default, bool):
                continue
            choices[f"behaviours.{i}.{name}"] = f"{b.get('name')}: {name.replace('_', ' ')}"
        if b.get("rule") == "threshold":
            th = b.get("threshold")
            if isinstance(th, dict) and "mean" in th:
                choices[f"behaviours.{i}.threshold.mean"] = f"{b.get('name')}: mean threshold"
            else:
                choices[f"behaviours.{i}.threshold"] = f"{b.get('name')}: threshold"
    return choices


def _values(text: str) -> list:
    out = []
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            x = float(part)
            out.append(int(x) if x.is_integer() and "." not in part else x)
        except ValueError:
            out.append(part)
    return out


def build_experiment(draft: dict, name: str, vary: dict[str, list], replicates: int) -> dict:
    """The experiment (a dict with the TOML's structure): the draft as base, ``vary`` as the grid."""
    base = {k: v for k, v in draft.items() if k != "seed"}
    return {
        "name": name,
        "seed": int(draft.get("seed", 1)),
        "replicates": int(replicates),
        "base": base,
        "vary": {k: list(v) for k, v in vary.items() if v},
        "metrics": {"thresholds": [0.25, 0.5], "keep_timeseries": True},
    }


def default_experiment(draft: dict, strategies=("random", "degree"), replicates: int = 3) -> str:
    """A small experiment TOML: the Explore scenario as the base, the strategies varied."""
    exp = build_experiment(draft, "dashboard-sweep", {"seeding.strategy": list(strategies)}, replicates)
    return "# a sweep built in the wellspread dashboard\n" + tomli_w.dumps(exp)


def find_results(root: Path | None = None, extra: list[str] = ()) -> list[str]:
    """Results folders (those holding sweep.json) under ``root`` (the results root), newest first."""
    root = Path(root or RESULTS_ROOT)
    found = []
    if root.is_dir():
        paths = sorted(root.glob("*/sweep.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        found = [str(p.parent) for p in paths]
    for e in extra:
        if e and (Path(e) / "sweep.json").is_file() and e not in found:
            found.append(e)
    return found


@dataclasses.dataclass(frozen=True)
class SweepState:
    status: str = ""  # "" when idle
    fraction: float = 0.0
    line: str = ""
    error: str | None = None
    out: str | None = None  # the folder of the last sweep started here


@dataclasses.dataclass(frozen=True)
class BrowseState:
    status: str = ""
    error: str | None = None
    folder: str | None = None
    runs: pd.DataFrame | None = None
    summary: pd.DataFrame | None = None
    images: dict | None = None  # name -> PNG bytes
    experiment_toml: str | None = None
    report_html: bytes | None = None
    info: str = ""


def sweep_job(data: dict, out: str, workers: int, resume: bool, progress=None) -> str:
    """Child process: validate and run the experiment into ``out``; the summary line."""
    from experiments.experiment import Experiment
    from experiments.runner import run_sweep

    text = tomli_w.dumps(data)
    exp = Experiment.from_dict(data, source="experiment", base_dir=Path.cwd(), name=data.get("name"), text=text)
    if progress:
        progress(status=f"starting {exp.n_runs} runs on {workers} worker(s)", fraction=0.0, line="")

    def on_progress(p):
        if progress:
            progress(status="running", fraction=p.fraction, line=p.line())

    result = run_sweep(exp, out=out, workers=workers, resume=resume, progress=on_progress)
    return f"{result.ok} runs ok, {result.failed} failed, in {result.elapsed:.1f} s"


class SweepRun:
    """A sweep started from the page and the results folder being browsed."""

    def __init__(self, root: Path | None = None):
        self.root = Path(root or RESULTS_ROOT)
        self.sweep = solara.reactive(SweepState())
        self.browse = solara.reactive(BrowseState())
        self.job: ProcessJob | None = None
        self.threads = BackgroundThreads("wellspread-sweeps")

    def _set(self, which: solara.Reactive, **changes) -> None:
        which.value = dataclasses.replace(which.value, **changes)

    def _thread(self, target, *args):
        return self.threads.start(target, *args)

    def wait(self, timeout: float = 120.0) -> None:
        if self.job is not None:
            self.job.join(timeout)
        self.threads.wait(timeout)

    # ---- running a sweep
    def start(self, data: dict | str, name: str | None = None, workers: int = 1, resume: bool = False):
        """Run the experiment ``data`` (a dict, or TOML text) into ``root/name``."""
        import tomllib

        if self.sweep.value.status:
            return None
        try:
            if isinstance(data, str):
                try:
                    data = tomllib.loads(data)
                except tomllib.TOMLDecodeError as exc:
                    raise ValueError(f"experiment: not valid TOML ({exc})") from None
            name = name or data.get("name") or "dashboard-sweep"
            out = results_folder(name, self.root)
        except ValueError as exc:
            self._set(self.sweep, error=user_message(exc))
            return None
        data = {**data, "name": name}
        self._set(self.sweep, status="starting", fraction=0.0, line="", error=None, out=str(out))

        def on_progress(info):
            self._set(self.sweep, status=info.get("status", "running"), fraction=float(info.get("fraction", 0.0)),
                      line=info.get("line", ""))

        def on_done(line):
            self._set(self.sweep, status="", fraction=1.0, line=line, error=None)
            self.open(str(out))

        def on_error(message):
            self._set(self.sweep, status="", error=message)

        self.job = ProcessJob(sweep_job, (data, str(out), int(workers), bool(resume)), on_progress, on_done, on_error,
                              daemon=False).start()
        return self.job.thread

    def stop(self) -> None:
        """End the sweep and its workers now; runs already committed stay in the folder."""
        if self.job is not None:
            self.job.cancel()
        if self.sweep.value.status:
            self._set(self.sweep, status="", error="Stopped: the sweep and its workers have ended; runs already saved "
                      "are kept (tick 'go on with this sweep' to finish it).")
            if self.sweep.value.out and (Path(self.sweep.value.out) / "sweep.json").is_file():
                self.open(self.sweep.value.out)

    cancel = stop

    # ---- browsing a folder
    def open(self, folder: str):
        self._set(self.browse, status="reading the results", error=None)
        return self._thread(self._open, folder)

    def _open(self, folder: str) -> None:
        try:
            from experiments.report import report
            from experiments.store import Store, load_results
        except ImportError as exc:
            self._set(self.browse, status="", error=f"results browsing is not available in this installation ({exc})")
            return
        root = Path(folder).expanduser()
        try:
            if not (root / "sweep.json").is_file():
                raise ValueError(f"{root.name}: not a results folder (no sweep.json); run a sweep into it first")
            runs = load_results(root)
            info = Store(root).info()
            with tempfile.TemporaryDirectory(prefix="wellspread-report-") as tmp:
                page = report(root, out=tmp)
                images = {p.name: p.read_bytes() for p in sorted(Path(tmp).glob("*.png"))}
                summary_path = Path(tmp) / "summary.csv"
                summary = pd.read_csv(summary_path) if summary_path.is_file() else None
                report_html = Path(page).read_bytes()
            toml_path = root / "experiment.toml"
            exp_toml = toml_path.read_text() if toml_path.is_file() else tomli_w.dumps(info.get("experiment", {}))
        except Exception as exc:
            if not isinstance(exc, (ValueError, FileNotFoundError)):
                log.exception("reading results failed")
            self._set(self.browse, status="", error=user_message(exc), folder=str(root))
            return
        ok = int((runs["status"] == "ok").sum()) if "status" in runs else len(runs)
        line = (f"{info.get('name', root.name)}: {len(runs)} runs ({ok} ok) of {info.get('planned_runs', '?')} planned; "
                f"{info.get('points', '?')} design points x {info.get('replicates', '?')} replicates; "
                f"varied: {', '.join(info.get('paths', [])) or 'nothing'}")
        self._set(self.browse, status="", error=None, folder=str(root), runs=runs, summary=summary, images=images,
                  experiment_toml=exp_toml, report_html=report_html, info=line)


HIDDEN = {"run_id", "seed", "attempts", "_wall_s", "_worker"}


def _plain_column(c: str) -> str:
    if c.startswith("final."):
        return f"final {c[6:]} (%)"
    if c.startswith("time."):
        parts = c.split(".")
        return f"weeks to {float(parts[-2] + '.' + parts[-1]) * 100:g}% ({parts[1]})" if len(parts) >= 4 else c
    return c.replace("seeding.", "").replace("network.", "network ").replace("behaviours.", "behaviour ")


def _display_table(df: pd.DataFrame) -> pd.DataFrame:
    """The runs table for reading: no hashes, seeds or time series (they are in the downloads), shares in %."""
    keep = [c for c in df.columns if not str(c).startswith(("series.", "_")) and c not in HIDDEN]
    if "error" in keep and df["error"].isna().all():
        keep.remove("error")
    out = df[keep].head(MAX_ROWS_SHOWN).copy()
    for c in out.columns:
        if out[c].dtype == object:
            out[c] = out[c].map(lambda v: v if isinstance(v, (str, int, float, type(None))) else str(v))
        elif str(c).startswith("final.") and pd.api.types.is_float_dtype(out[c]):
            out[c] = (out[c] * 100).round(1)
        elif pd.api.types.is_float_dtype(out[c]):
            out[c] = out[c].round(2)
    return out.rename(columns={c: _plain_column(str(c)) for c in out.columns})


def _summary_table(summary: pd.DataFrame) -> pd.DataFrame:
    """The summary for reading: mean and 95% interval per point and metric, shares in %."""
    from experiments.intervals import Interval, format_interval, is_share

    rows = []
    params = [c for c in summary.columns if c not in ("point", "metric", "runs", "n", "mean", "sd", "ci_low", "ci_high")]
    for r in summary.to_dict(orient="records"):
        share = is_share(str(r["metric"]))
        iv = Interval(r["mean"], r["ci_low"], r["ci_high"], int(r.get("n") or 0))
        rows.append({**{p: r[p] for p in params}, "measure": _plain_column(str(r["metric"])), "runs": r["runs"],
                     "mean [95% interval]": format_interval(iv, digits=1 if share else 2, percent=share)})
    return pd.DataFrame(rows)


@solara.component
def SweepBuilder(session: Session, sr: SweepRun):
    draft = session.draft.value
    sweep = sr.sweep.value
    choices = vary_choices(draft)
    name = solara.use_reactive("dashboard-sweep")
    replicates = solara.use_reactive(3)
    workers = solara.use_reactive(1)
    resume = solara.use_reactive(False)
    rows = solara.use_reactive([{"path": "seeding.strategy", "values": "random, degree"}])
    from .compare import runnable_strategies
    from .state import check

    scenario, _ = check(draft)
    strategies, _left = runnable_strategies(scenario)

    problems: dict[str, str] = {}
    try:
        results_folder(name.value, sr.root)
    except ValueError as exc:
        problems["name"] = user_message(exc)
    vary = {}
    for i, row in enumerate(rows.value):
        values = _values(row["values"])
        if not values:
            problems[f"row{i}"] = "give at least one value, comma separated"
        elif row["path"] == "seeding.strategy":
            bad = [v for v in values if v not in strategies]
            if bad:
                problems[f"row{i}"] = f"cannot run {', '.join(map(str, bad))} here; choose from {', '.join(strategies)}"
        vary[row["path"]] = values
    points = math.prod(len(v) for v in vary.values()) if vary else 1
    total = points * max(int(replicates.value), 1)
    if scenario is None:
        problems["scenario"] = "the Explore scenario is not valid: fix it there first"

    def set_row(i, **changes):
        new = [dict(r) for r in rows.value]
        new[i].update(changes)
        rows.set(new)

    with solara.Card("Build a sweep", margin=0, classes=["mb-2", "sweep-builder"]):
        solara.Text("Starts from the Explore scenario; choose what to vary and its values. Every combination of "
                    "values is a design point, each run several times with different random seeds.", style=SMALL)
        for i, row in enumerate(rows.value):
            with solara.Row(gap="8px", style={"align-items": "flex-start"}):
                with solara.Div(style={"flex": "1 1 50%"}):
                    solara.Select("vary", value=choices.get(row["path"], row["path"]), values=list(choices.values()),
                                  on_value=lambda lab, i=i: set_row(i, path=next(k for k, v in choices.items() if v == lab),
                                                                    values=""))
                with solara.Div(style={"flex": "1 1 50%"}):
                    solara.InputText("values (comma separated)", value=row["values"], continuous_update=False,
                                     on_value=lambda t, i=i: set_row(i, values=t), error=problems.get(f"row{i}") or False,
                                     classes=[f"vary-values-{i}"])
                if len(rows.value) > 1:
                    solara.Button(icon_name="mdi-delete", icon=True, small=True,
                                  on_click=lambda i=i: rows.set([r for j, r in enumerate(rows.value) if j != i]))
            if row["path"] == "seeding.strategy":
                solara.Text("strategies: " + ", ".join(strategies), style={**SMALL, "font-size": "0.75rem"})
        solara.Button("vary another setting", icon_name="mdi-plus", small=True, text=True,
                      on_click=lambda: rows.set([*rows.value, {"path": "seeding.count", "values": "10, 50"}]))
        with solara.Row(gap="8px", style={"align-items": "center"}):
            solara.SliderInt("runs per design point", value=replicates, min=1, max=50)
            solara.Text(str(replicates.value), style=SMALL)
        with solara.Row(gap="8px"):
            solara.InputText("name of the results", value=name, continuous_update=False,
                             error=problems.get("name") or False, classes=["sweep-name"])
            solara.InputInt("workers (processes)", value=workers, continuous_update=False)
        solara.Text(f"{points} design point(s) x {replicates.value} runs = {total} runs, saved in "
                    f"{sr.root}/{name.value}", style=SMALL, classes=["sweep-plan"])
        solara.Checkbox(label="go on with this sweep if it was stopped (resume)", value=resume)
        if problems.get("scenario"):
            solara.Warning(problems["scenario"])
        exp = build_experiment(draft, name.value, vary, replicates.value)
        with solara.Row():
            solara.Button("Start sweep", icon_name="mdi-play", color="primary",
                          on_click=lambda: sr.start(exp, name.value, max(int(workers.value or 1), 1), resume.value),
                          disabled=bool(sweep.status) or bool(problems))
            solara.Button("Stop", icon_name="mdi-stop", on_click=sr.stop, disabled=not sweep.status,
                          classes=["sweep-stop"])
        if sweep.status:
            solara.ProgressLinear(100 * sweep.fraction if sweep.fraction else True)
            solara.Text(f"{sweep.status}: {sweep.line}" if sweep.line else sweep.status + "…", style=SMALL,
                        classes=["sweep-progress"])
        elif sweep.line:
            solara.Success(sweep.line)
        if sweep.error:
            solara.Error(sweep.error, classes=["sweep-error"])
        with solara.Details(summary="the experiment as TOML (for wellspread sweep)"):
            text = tomli_w.dumps(exp)
            solara.Preformatted(text, class_="sweep-toml")
            solara.FileDownload(text.encode("utf-8"), filename="experiment.toml", label="experiment.toml")


@solara.component
def Sweeps(session: Session):
    sr = session.part("sweeps", SweepRun)
    sweep = sr.sweep.value
    with solara.Row(gap="16px", style={"align-items": "flex-start", "flex-wrap": "nowrap"}):
        with solara.Column(style={"width": "420px", "flex": "0 0 420px", "max-height": "calc(100vh - 110px)",
                                  "overflow-y": "auto"}):
            SweepBuilder(session, sr)
            with solara.Card("Results", margin=0, classes=["mb-2"]):
                known = find_results(sr.root, extra=[sweep.out or "", sr.browse.value.folder or ""])
                solara.Text(f"Sweeps kept under {sr.root}:", style=SMALL)
                if not known:
                    solara.Text("none yet", style=SMALL)
                for folder in known[:20]:
                    solara.Button(Path(folder).name, icon_name="mdi-folder-open", text=True, small=True,
                                  on_click=lambda folder=folder: sr.open(folder), classes=["results-entry"])
        with solara.Column(style={"flex": "1 1 auto", "min-width": "0"}):
            Results(sr)


@solara.component
def Results(sr: SweepRun):
    st = sr.browse.value
    if st.status:
        solara.ProgressLinear(True)
        solara.Text(st.status + "…", style=SMALL)
    if st.error:
        solara.Error(st.error, classes=["browse-error"])
    if st.runs is None:
        if not st.status and not st.error:
            solara.Info("Build and start a sweep, or open one from the results list, to see its tables and plots here.")
        return
    with solara.Card(f"Results: {Path(st.folder).name}", margin=0, classes=["mb-2"]):
        solara.Text(st.info, style=SMALL, classes=["sweep-info"])
        with solara.Row(gap="8px", style={"flex-wrap": "wrap"}):
            if st.experiment_toml:
                solara.FileDownload(st.experiment_toml.encode("utf-8"), filename="experiment.toml",
                                    label="experiment (experiment.toml)")
                solara.Text("then: wellspread sweep experiment.toml", style={"font-family": "monospace", "font-size": "0.85rem"})
            if st.report_html:
                solara.FileDownload(st.report_html, filename="report.html", label="report (HTML)")
        TableDownloads(st.runs, "runs", "runs (with random seeds and run ids)")
        if st.summary is not None:
            TableDownloads(st.summary, "summary", "summary")
    if st.summary is not None and len(st.summary):
        with solara.Card("Summary per design point: mean [95% interval]; shares in %, always within 0-100%",
                         margin=0, classes=["mb-2", "sweep-summary"]):
            solara.DataFrame(_summary_table(st.summary), items_per_page=8)
    if st.images:
        with solara.Row(gap="8px", style={"flex-wrap": "wrap"}):
            for name, data in st.images.items():
                with solara.Column(gap="2px"):
                    solara.Image(data, width="520px", classes=[f"sweep-{Path(name).stem}"])
                    solara.FileDownload(data, filename=name, label=f"{name} (PNG)")
    with solara.Card(f"Runs ({len(st.runs):,}; first {min(len(st.runs), MAX_ROWS_SHOWN)} shown)", margin=0):
        solara.DataFrame(_display_table(st.runs), items_per_page=10)

