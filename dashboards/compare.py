"""Compare: targeting strategies side by side on the Explore scenario, with replicates.

The work is ``experiments.compare``'s, as in ``wellspread compare``: every strategy runs the same
replicates on the same network with the same replicate seeds (``compare_strategies``), the table is
``comparison_table`` and the curves with 95% bands and the bars by deprivation quintile are
``plot_comparison``'s PNGs. This module only runs it off the UI thread with a progress bar and shows it.
"""

from __future__ import annotations

import dataclasses
import html
import logging
import math
import tempfile
import threading
from pathlib import Path

import pandas as pd
import solara

from model import Scenario

from .export import ScenarioExport, TableDownloads
from .forms import strategy_names
from .state import Session, graph_for, user_message

__all__ = ["Compare", "CompareRun", "table_html"]

log = logging.getLogger("wellspread.dashboard")
SMALL = {"font-size": "0.85rem", "color": "#555"}


class Cancelled(Exception):
    """Raised from the progress hook to stop a comparison."""


@dataclasses.dataclass(frozen=True)
class CompareState:
    status: str = ""  # "" when idle
    done: int = 0
    total: int = 0
    error: str | None = None
    result: dict | None = None  # scenario, strategies, replicates, table, images, timeseries


class CompareRun:
    """Runs a comparison in the background; its ``state`` is what the view shows."""

    def __init__(self):
        self.state = solara.reactive(CompareState())
        self._cancel = threading.Event()
        self.thread: threading.Thread | None = None

    def _update(self, **changes) -> None:
        # no lock: setting the value renders the page in this thread; one writer at a time by design
        self.state.value = dataclasses.replace(self.state.value, **changes)

    def start(self, scenario: Scenario, strategies: list[str], replicates: int, behaviour: str | None = None):
        if self.state.value.status:
            return None
        self._cancel.clear()
        total = len(strategies) * replicates
        self._update(status="building the network", done=0, total=total, error=None)
        self.thread = threading.Thread(target=self._run, args=(scenario, list(strategies), int(replicates), behaviour),
                                       daemon=True, name="wellspread-compare")
        self.thread.start()
        return self.thread

    def cancel(self) -> None:
        self._cancel.set()

    def _run(self, scenario, strategies, replicates, behaviour):
        from experiments.compare import compare_strategies, comparison_table, plot_comparison
        from experiments.replicates import timeseries_of

        done = [0]

        def on_done(_result):
            if self._cancel.is_set():
                raise Cancelled()
            done[0] += 1
            self._update(status=f"running: {done[0]} of {len(strategies) * replicates} runs", done=done[0])

        try:
            graph = graph_for(scenario)
            self._update(status="running")
            runs = compare_strategies(scenario, strategies, replicates, graph=graph, on_done=on_done)
            table = comparison_table(runs, behaviour=behaviour)
            images = plots(runs, table, behaviour, plot_comparison)
            ran = {name: results for name, results in runs.items() if results}  # failed strategies: a row saying why
            if not ran:
                raise ValueError("; ".join(f"{name}: {results.reason}" for name, results in runs.items()))
            series = pd.concat(
                [timeseries_of(results).assign(strategy=name) for name, results in ran.items()], ignore_index=True
            )
            result = {
                "scenario": scenario,
                "strategies": strategies,
                "replicates": replicates,
                "behaviour": behaviour or scenario.behaviours[0].name,
                "people": next(iter(ran.values()))[0].group_sizes.get("all", 0),
                "table": table,
                "images": images,
                "timeseries": series,
            }
        except Cancelled:
            self._update(status="", error="Stopped: the comparison was cancelled.")
            return
        except Exception as exc:
            if not isinstance(exc, ValueError):
                log.exception("comparison failed")
            self._update(status="", error=user_message(exc))
            return
        self._update(status="", error=None, result=result)


_PYPLOT = threading.Lock()  # plot_comparison uses pyplot, whose global state is not thread-safe


def plots(runs, table: pd.DataFrame, behaviour, plot_comparison) -> dict[str, bytes]:
    """``plot_comparison``'s PNGs as {file name: bytes} (written to a temporary folder)."""
    with _PYPLOT, tempfile.TemporaryDirectory(prefix="wellspread-compare-") as tmp:
        try:
            paths = plot_comparison(runs, table, Path(tmp), behaviour=behaviour)
        except KeyError:
            # experiments.compare.plot_comparison reads quintile columns through itertuples(), which
            # renames "deprivation=1" to "_9": the curves are written by then; draw the bars here
            log.warning("plot_comparison failed on the quintile chart; drawing it in the dashboard")
            paths = sorted(Path(tmp).glob("*.png"))
            quintiles = _quintile_bars(table)
            if quintiles is not None:
                path = Path(tmp) / "by_quintile.png"
                path.write_bytes(quintiles)
                paths.append(path)
        return {p.name: p.read_bytes() for p in paths}


def _quintile_bars(table: pd.DataFrame) -> bytes | None:
    """Final adoption by deprivation quintile per strategy (the same chart as plot_comparison's)."""
    import io

    import numpy as np
    from matplotlib.figure import Figure

    quintiles = [c for c in table.columns if c.startswith("deprivation=")]
    if not quintiles:
        return None
    fig = Figure(figsize=(7, 4.2))
    ax = fig.subplots()
    width = 0.8 / len(table)
    for i, row in enumerate(table.to_dict(orient="records")):
        ax.bar(np.arange(len(quintiles)) + i * width, [row[q] for q in quintiles], width, label=row["strategy"])
    ax.set_xticks(np.arange(len(quintiles)) + 0.4 - width / 2, [q.split("=")[1] for q in quintiles])
    ax.set_xlabel("deprivation quintile (1 = most deprived)")
    ax.set_ylabel("final share adopting")
    ax.legend(fontsize=8)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    return buf.getvalue()


def _pct(x) -> str:
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.1%}"


def _num(x, digits=1) -> str:
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


def table_html(table: pd.DataFrame) -> str:
    """The comparison table as an HTML table: shares in percent, final with its 95% interval."""
    groups = [c for c in table.columns if "=" in c]
    known = {"strategy", "final", "ci_low", "ci_high", "tipped", "adopters_per_seed", "adopters_per_budget", "t25", "t50"}
    extra = [c for c in table.columns if c not in known and c not in groups]
    head = ["strategy", "final adoption", "95% interval", "rounds to 25%", "rounds to 50%", "tipped",
            "adopters per seed", "per unit budget"]
    head += [f"Q{c.split('=', 1)[1]}" if c.startswith("deprivation=") else c for c in groups] + extra
    rows = []
    for r in table.to_dict(orient="records"):
        cells = [html.escape(str(r["strategy"])), _pct(r["final"]), f"{_pct(r['ci_low'])} - {_pct(r['ci_high'])}",
                 _num(r.get("t25")), _num(r.get("t50")), _pct(r.get("tipped")), _num(r.get("adopters_per_seed")),
                 _num(r.get("adopters_per_budget"))]
        cells += [_pct(r[c]) for c in groups]
        cells += [html.escape(_num(r[c], 3) if isinstance(r[c], float) else str(r[c])) for c in extra]
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    style = ("<style>.cmp-table{border-collapse:collapse;font-size:0.9rem}.cmp-table td,.cmp-table th"
             "{border-bottom:1px solid #ddd;padding:4px 8px;text-align:right}.cmp-table td:first-child,"
             ".cmp-table th:first-child{text-align:left}</style>")
    header = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    note = ""
    if groups:
        note = ('<p style="font-size:0.8rem;color:#666">Q1..Q5: final adoption by deprivation quintile '
                "(1 = most deprived).</p>")
    return f'{style}<table class="cmp-table comparison-table"><thead><tr>{header}</tr></thead><tbody>{"".join(rows)}</tbody></table>{note}'


@solara.component
def Compare(session: Session):
    run = session.part("compare", CompareRun)
    st = run.state.value
    scenario, error = session.scenario()
    names = [s for s in strategy_names() if s != "given"]
    chosen = solara.use_reactive([s for s in ("random", "degree") if s in names])
    replicates = solara.use_reactive(10)
    behaviour = solara.use_reactive(None)

    with solara.Columns([4, 8], gutters_dense=True):
        with solara.Column():
            with solara.Card("Strategies to compare", margin=0, classes=["mb-2"]):
                if scenario is None:
                    solara.Error(f"The scenario in Explore is not valid: {error}")
                else:
                    net = scenario.network
                    what = net.name if net.kind == "dataset" else Path(net.path).name if net.kind == "file" else (
                        f"{net.kind}, {net.n:,} people")
                    solara.Text(
                        f"On the Explore scenario: {what}; {', '.join(b.name + ' (' + b.rule + ')' for b in scenario.behaviours)}; "
                        f"{scenario.seeding.count} seeds; seed {scenario.seed}. Change it in Explore.",
                        style=SMALL,
                    )
                solara.SelectMultiple("strategies (two or more)", values=chosen.value, all_values=names,
                                      on_value=lambda v: chosen.set(list(v)))
                solara.InputInt("replicates per strategy", value=replicates, continuous_update=False)
                if scenario is not None and len(scenario.behaviours) > 1:
                    solara.Select("behaviour", value=behaviour.value or scenario.behaviours[0].name,
                                  values=[b.name for b in scenario.behaviours], on_value=behaviour.set)
                problems = []
                if len(chosen.value) < 2:
                    problems.append("choose at least two strategies")
                if replicates.value < 1:
                    problems.append("replicates must be at least 1")
                for p in problems:
                    solara.Warning(p)

                def start():
                    if scenario is not None and not problems:
                        run.start(scenario, chosen.value, replicates.value, behaviour.value)

                with solara.Row():
                    solara.Button("Compare", icon_name="mdi-scale-balance", color="primary", on_click=start,
                                  disabled=scenario is None or bool(problems) or bool(st.status))
                    solara.Button("Stop", icon_name="mdi-stop", on_click=run.cancel, disabled=not st.status)
                if st.status:
                    solara.ProgressLinear(100 * st.done / st.total if st.total and st.done else True)
                    solara.Text(st.status + "…", style=SMALL)
                if st.error:
                    solara.Error(st.error, classes=["compare-error"])
            if st.result is not None:
                res = st.result
                with solara.Card("Reproduce and export", margin=0):
                    command = (f"wellspread compare scenario.toml --strategies {','.join(res['strategies'])} "
                               f"--replicates {res['replicates']}")
                    ScenarioExport(res["scenario"], None, command=command)
                    TableDownloads(res["table"], "comparison", "comparison table")
                    TableDownloads(res["timeseries"], "comparison_timeseries", "time series")
        with solara.Column():
            if st.result is None:
                solara.Info("Choose strategies and press Compare: each runs the same replicates on the same network "
                            "with the same replicate seeds, so differences come from whom they recruit.")
            else:
                CompareResult(st.result)


@solara.component
def CompareResult(res: dict):
    scenario: Scenario = res["scenario"]
    with solara.Card(f"{res['behaviour']}: {', '.join(res['strategies'])}", margin=0, classes=["mb-2"]):
        solara.Text(f"{res['replicates']} runs per strategy on one network of {res['people']:,} people, "
                    f"{scenario.seeding.count} seeds each; mean and 95% interval over runs.", style=SMALL)
        solara.HTML(tag="div", unsafe_innerHTML=table_html(res["table"]))
    with solara.Row(gap="8px", style={"flex-wrap": "wrap"}):
        for name, data in res["images"].items():
            solara.Image(data, width="560px", classes=[f"compare-{Path(name).stem}"])
