"""Sweeps: start a small sweep from the page, and open any results folder to browse its tables and plots.

The work is the experiments package's: ``Experiment.from_dict`` validates the TOML typed in (or the
one prefilled from the Explore scenario), ``run_sweep`` runs it on a local Dask cluster and reports
progress, ``load_results`` reads a folder as one row per run, and ``experiments.report.report`` writes
the summary table and the figures (into a temporary folder: browsing writes nothing into the results).
Those modules are imported only when used, so the rest of the dashboard works without them.
"""

from __future__ import annotations

import dataclasses
import logging
import tempfile
import threading
import tomllib
from pathlib import Path

import pandas as pd
import solara
import tomli_w

from .export import TableDownloads
from .state import BackgroundThreads, Session, user_message

__all__ = ["Sweeps", "SweepRun", "default_experiment", "find_results"]

log = logging.getLogger("wellspread.dashboard")
SMALL = {"font-size": "0.85rem", "color": "#555"}
MAX_ROWS_SHOWN = 500


def default_experiment(draft: dict, strategies=("random", "degree"), replicates: int = 3) -> str:
    """A small experiment TOML: the Explore scenario as the base, the strategies varied."""
    base = {k: v for k, v in draft.items() if k != "seed"}
    exp = {
        "name": "dashboard-sweep",
        "seed": int(draft.get("seed", 1)),
        "replicates": replicates,
        "base": base,
        "vary": {"seeding.strategy": list(strategies)},
        "metrics": {"thresholds": [0.1, 0.25], "keep_timeseries": True},
    }
    return "# a sweep started from the wellspread dashboard; edit freely\n" + tomli_w.dumps(exp)


def find_results(root: Path = Path("results"), extra: list[str] = ()) -> list[str]:
    """Results folders (those holding sweep.json) under ``root``, plus ``extra`` ones that exist."""
    found = []
    if root.is_dir():
        found = sorted(str(p.parent) for p in root.glob("*/sweep.json"))
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


class SweepRun:
    """A sweep started from the page and the results folder being browsed."""

    def __init__(self):
        self.sweep = solara.reactive(SweepState())
        self.browse = solara.reactive(BrowseState())
        self._stop = threading.Event()
        self.threads = BackgroundThreads("wellspread-sweeps")

    def _set(self, which: solara.Reactive, **changes) -> None:
        # no lock: setting the value renders the page in this thread; one writer at a time by design
        which.value = dataclasses.replace(which.value, **changes)

    def _thread(self, target, *args) -> threading.Thread:
        return self.threads.start(target, *args)

    def wait(self, timeout: float = 120.0) -> None:
        self.threads.wait(timeout)

    # ---- running a sweep
    def start(self, text: str, out: str, workers: int = 1, resume: bool = False):
        if self.sweep.value.status:
            return None
        self._stop.clear()
        self._set(self.sweep, status="starting", fraction=0.0, line="", error=None, out=out)
        return self._thread(self._run, text, out, workers, resume)

    def stop(self) -> None:
        self._stop.set()

    def _run(self, text: str, out: str, workers: int, resume: bool) -> None:
        try:
            from experiments.experiment import Experiment
            from experiments.runner import run_sweep
        except ImportError as exc:
            self._set(self.sweep, status="", error=f"sweeps are not available in this installation ({exc})")
            return

        def progress(p):
            if self._stop.is_set():
                raise KeyboardInterrupt("stopped from the dashboard")
            self._set(self.sweep, status="running", fraction=p.fraction, line=p.line())

        try:
            try:
                data = tomllib.loads(text)
            except tomllib.TOMLDecodeError as exc:
                raise ValueError(f"experiment: not valid TOML ({exc})") from None
            name = data.get("name") if isinstance(data.get("name"), str) else "dashboard-sweep"
            exp = Experiment.from_dict(data, source="experiment", base_dir=Path.cwd(), name=name, text=text)
            self._set(self.sweep, status=f"starting {exp.n_runs} runs on {workers} worker(s)")
            result = run_sweep(exp, out=out, workers=workers, resume=resume, progress=progress)
        except KeyboardInterrupt:
            self._set(self.sweep, status="", error="Stopped: finished runs are kept (tick 'resume' to go on).")
            self.open(out)
            return
        except Exception as exc:
            if not isinstance(exc, ValueError):
                log.exception("sweep failed")
            self._set(self.sweep, status="", error=user_message(exc))
            return
        self._set(self.sweep, status="", fraction=1.0,
                  line=f"{result.ok} runs ok, {result.failed} failed, in {result.elapsed:.1f} s", error=None)
        self.open(out)

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
                raise ValueError(f"{root}: not a results folder (no sweep.json); run `wellspread sweep` into it first")
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


def _display_table(df: pd.DataFrame) -> pd.DataFrame:
    """The runs table without list-valued columns (time series) and diagnostics, for the page."""
    keep = [c for c in df.columns if not str(c).startswith(("series.", "_"))]
    out = df[keep].head(MAX_ROWS_SHOWN).copy()
    for c in out.columns:
        if out[c].dtype == object:
            out[c] = out[c].map(lambda v: v if isinstance(v, (str, int, float, type(None))) else str(v))
        elif pd.api.types.is_float_dtype(out[c]):
            out[c] = out[c].round(4)
    return out


@solara.component
def Sweeps(session: Session):
    sr = session.part("sweeps", SweepRun)
    sweep = sr.sweep.value
    text = solara.use_reactive(solara.use_memo(lambda: default_experiment(session.draft.value), []))
    out = solara.use_reactive("results/dashboard-sweep")
    workers = solara.use_reactive(1)
    resume = solara.use_reactive(False)
    folder = solara.use_reactive("")

    with solara.Columns([4, 8], gutters_dense=True):
        with solara.Column():
            with solara.Card("Start a sweep", margin=0, classes=["mb-2"]):
                solara.Text("The experiment below starts from the Explore scenario; edit it (see docs/sweeps.md) "
                            "or reset it.", style=SMALL)
                solara.InputTextArea("experiment (TOML)", value=text, rows=14, continuous_update=False)
                solara.Button("reset to the Explore scenario", text=True, small=True,
                              on_click=lambda: text.set(default_experiment(session.draft.value)))
                with solara.Row(gap="8px"):
                    solara.InputText("results folder", value=out, continuous_update=False)
                    solara.InputInt("workers", value=workers, continuous_update=False)
                solara.Checkbox(label="resume (go on with a folder holding this sweep)", value=resume)
                with solara.Row():
                    solara.Button("Start sweep", icon_name="mdi-play", color="primary",
                                  on_click=lambda: sr.start(text.value, out.value, max(int(workers.value), 1), resume.value),
                                  disabled=bool(sweep.status))
                    solara.Button("Stop", icon_name="mdi-stop", on_click=sr.stop, disabled=not sweep.status)
                if sweep.status:
                    solara.ProgressLinear(100 * sweep.fraction if sweep.fraction else True)
                    solara.Text(f"{sweep.status}: {sweep.line}" if sweep.line else sweep.status + "…", style=SMALL,
                                classes=["sweep-progress"])
                elif sweep.line:
                    solara.Success(sweep.line)
                if sweep.error:
                    solara.Error(sweep.error, classes=["sweep-error"])
            with solara.Card("Open a results folder", margin=0, classes=["mb-2"]):
                known = find_results(extra=[sweep.out or "", sr.browse.value.folder or ""])
                if known:
                    solara.Select("results folders found", value=None, values=known, on_value=lambda v: (folder.set(v), sr.open(v)))
                solara.InputText("folder", value=folder, continuous_update=False)
                solara.Button("Open", icon_name="mdi-folder-open", on_click=lambda: sr.open(folder.value),
                              disabled=not folder.value)
        with solara.Column():
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
            solara.Info("Start a sweep or open a results folder to see its tables and plots here.")
        return
    with solara.Card(f"Results: {st.folder}", margin=0, classes=["mb-2"]):
        solara.Text(st.info, style=SMALL, classes=["sweep-info"])
        with solara.Row(gap="8px", style={"flex-wrap": "wrap"}):
            if st.experiment_toml:
                solara.FileDownload(st.experiment_toml.encode("utf-8"), filename="experiment.toml",
                                    label="experiment (experiment.toml)")
                solara.Text("then: wellspread sweep experiment.toml", style={"font-family": "monospace", "font-size": "0.85rem"})
            if st.report_html:
                solara.FileDownload(st.report_html, filename="report.html", label="report (HTML)")
        TableDownloads(st.runs, "runs", "runs")
        if st.summary is not None:
            TableDownloads(st.summary, "summary", "summary")
    if st.images:
        with solara.Row(gap="8px", style={"flex-wrap": "wrap"}):
            for name, data in st.images.items():
                solara.Image(data, width="560px", classes=[f"sweep-{Path(name).stem}"])
    if st.summary is not None and len(st.summary):
        with solara.Card("Summary per design point (mean, 95% interval)", margin=0, classes=["mb-2"]):
            solara.DataFrame(_display_table(st.summary), items_per_page=10)
    with solara.Card(f"Runs ({len(st.runs):,}; first {min(len(st.runs), MAX_ROWS_SHOWN)} shown)", margin=0):
        solara.DataFrame(_display_table(st.runs), items_per_page=10)
