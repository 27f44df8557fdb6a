"""Compare: targeting strategies side by side, or two whole scenarios (A against B), with replicates.

The work is ``experiments.compare``'s, as in ``wellspread compare``: every strategy runs the same
replicates on the same network with the same replicate seeds (``compare_strategies``); two scenarios
run the same replicate seeds each (``run_replicates``). The table is ``comparison_table`` (95%
intervals from ``experiments.intervals``: shares stay in [0, 1]) and the charts are
``plot_comparison``'s, with each strategy's colour and marker from ``experiments.palette``.

It runs in a child process (``dashboards.jobs``): Stop ends it at once, even inside a CELF seed choice.
"""

from __future__ import annotations

import dataclasses
import html
import logging
import math
import tempfile
from pathlib import Path

import pandas as pd
import solara

from experiments.palette import styles
from model import Scenario

from .export import ScenarioExport, TableDownloads
from .forms import strategy_names
from .jobs import ProcessJob
from .labels import strategy_label
from .state import Session

__all__ = ["Compare", "CompareRun", "table_html", "runnable_strategies", "compare_job"]

log = logging.getLogger("wellspread.dashboard")
SMALL = {"font-size": "0.85rem", "color": "#555"}

#: strategies that need an option the comparison cannot invent: {name: (option, why)}
NEEDS = {
    "given": ("nodes", "it seeds people you list by id: choose it in Explore's first adopters"),
    "group": ("attribute", "it needs a group attribute (e.g. deprivation): set it in Explore with the group strategy"),
}


def runnable_strategies(scenario: Scenario | None) -> tuple[list[str], dict[str, str]]:
    """(strategies Compare can run on ``scenario``, {strategy left out: why})."""
    names = strategy_names()
    if scenario is None:
        return names, {}
    seeding = scenario.seeding.model_dump(exclude_none=True)
    params = {**seeding, **(seeding.get("params") or {})}
    ok, left_out = [], {}
    for name in names:
        need = NEEDS.get(name)
        if need is not None and not params.get(need[0]):
            left_out[name] = need[1]
        else:
            ok.append(name)
    return ok, left_out


@dataclasses.dataclass(frozen=True)
class CompareState:
    status: str = ""  # "" when idle
    done: int = 0
    total: int = 0
    error: str | None = None
    result: dict | None = None  # mode, labels, scenarios, replicates, table, images, timeseries


def compare_job(mode: str, items: list, replicates: int, behaviour: str | None, weeks_per_round: float = 1.0,
                progress=None) -> dict:
    """What the child process computes: {table, images, timeseries, people}; charts in weeks, as the table.

    ``mode`` "strategies": ``items`` is [(scenario, [strategy, ...])]; "scenarios": [(label, scenario), ...].
    """
    from experiments.compare import compare_strategies, comparison_table
    from experiments.replicates import run_replicates, timeseries_of

    done = [0]
    if mode == "strategies":
        scenario, strategies = items[0]
        total = len(strategies) * replicates
    else:
        total = len(items) * replicates

    def on_done(_result):
        done[0] += 1
        if progress:
            progress(done=done[0], total=total)

    if progress:
        progress(done=0, total=total, status="building the network and choosing first adopters")
    if mode == "strategies":
        runs = compare_strategies(scenario, strategies, replicates, on_done=on_done)
    else:
        runs = {label: run_replicates(sc, replicates, on_done=on_done) for label, sc in items}
    ran = {name: results for name, results in runs.items() if results}  # a strategy that failed: a row saying why
    if not ran:
        raise ValueError("; ".join(f"{name}: {getattr(results, 'reason', 'did not run')}" for name, results in runs.items()))
    table = comparison_table(runs, behaviour=behaviour)
    images = plots(runs, table, behaviour, weeks_per_round)
    series = pd.concat([timeseries_of(results).assign(strategy=name) for name, results in ran.items()],
                       ignore_index=True)
    return {"table": table, "images": images, "timeseries": series,
            "people": next(iter(ran.values()))[0].group_sizes.get("all", 0)}


def plots(runs, table: pd.DataFrame, behaviour, weeks_per_round: float = 1.0) -> dict[str, bytes]:
    """``plot_comparison``'s PNGs and SVGs as {file name: bytes} (written to a temporary folder)."""
    from experiments.compare import plot_comparison

    with tempfile.TemporaryDirectory(prefix="wellspread-compare-") as tmp:
        paths = plot_comparison(runs, table, Path(tmp), behaviour=behaviour, svg=True,
                                weeks_per_round=weeks_per_round)
        out = {p.name: p.read_bytes() for p in paths}
        for p in Path(tmp).glob("*.svg"):
            out[p.name] = p.read_bytes()
        return out


class CompareRun:
    """Runs a comparison in a child process; its ``state`` is what the view shows."""

    def __init__(self):
        self.state = solara.reactive(CompareState())
        self.job: ProcessJob | None = None

    def _update(self, **changes) -> None:
        self.state.value = dataclasses.replace(self.state.value, **changes)

    @property
    def thread(self):
        return self.job.thread if self.job is not None else None

    def start(self, scenario: Scenario, strategies: list[str], replicates: int, behaviour: str | None = None,
              weeks_per_round: float = 1.0):
        """Strategies side by side on ``scenario``; times (table and charts) in weeks of ``weeks_per_round`` a round."""
        meta = {"mode": "strategies", "labels": list(strategies), "scenarios": {"": scenario}, "scenario": scenario,
                "strategies": list(strategies), "weeks_per_round": float(weeks_per_round)}
        return self._start("strategies", [(scenario, list(strategies))], len(strategies), replicates, behaviour, meta)

    def start_scenarios(self, scenarios: dict[str, Scenario], replicates: int, behaviour: str | None = None,
                        weeks_per_round: float = 1.0):
        """Whole scenarios side by side: {label: scenario} (A against B)."""
        meta = {"mode": "scenarios", "labels": list(scenarios), "scenarios": dict(scenarios),
                "scenario": next(iter(scenarios.values())), "strategies": list(scenarios),
                "weeks_per_round": float(weeks_per_round)}
        return self._start("scenarios", list(scenarios.items()), len(scenarios), replicates, behaviour, meta)

    def _start(self, mode, items, arms, replicates, behaviour, meta):
        if self.state.value.status:
            return None
        total = arms * int(replicates)
        self._update(status="starting", done=0, total=total, error=None)
        first = meta["scenario"]
        meta = {**meta, "replicates": int(replicates), "behaviour": behaviour or first.behaviours[0].name}

        def on_progress(info):
            done = info.get("done", 0)
            status = info.get("status") or f"running: {done} of {info.get('total', total)} runs"
            self._update(status=status, done=done, total=info.get("total", total))

        def on_done(value):
            self._update(status="", error=None, result={**meta, **value})

        def on_error(message):
            self._update(status="", error=message)

        self.job = ProcessJob(compare_job, (mode, items, int(replicates), behaviour, meta["weeks_per_round"]), on_progress, on_done, on_error)
        self.job.start()
        return self.job.thread

    def cancel(self) -> None:
        """Stop now: the child process ends and the page is idle at once."""
        job = self.job
        if job is not None:
            job.cancel()
        if self.state.value.status:
            self._update(status="", error="Stopped: the comparison was cancelled; nothing is running.")


def _pct(x) -> str:
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.1%}"


def _pp(x) -> str:
    """A difference of shares in percentage points, signed."""
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x * 100:+.1f} pts"


def _num(x, digits=1) -> str:
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:,.{digits}f}"


def _interval_cell(r) -> str:
    from experiments.intervals import Interval, format_interval

    runs = r.get("runs")
    if runs is None or (isinstance(runs, float) and math.isnan(runs)) or r["final"] != r["final"]:
        return "-"  # a strategy that could not run (its reason is in the last column)
    iv = Interval(r["final"], r["ci_low"], r["ci_high"], int(runs))
    return format_interval(iv, digits=1, percent=True, with_mean=False)


def table_html(table: pd.DataFrame, baseline: str | None = "random", weeks_per_round: float = 1.0) -> str:
    """The comparison table, best first: shares in percent, a "vs baseline" column, each row's colour + marker."""
    groups = [c for c in table.columns if "=" in c]
    known = {"strategy", "final", "ci_low", "ci_high", "runs", "tipped", "adopters_per_seed", "adopters_per_budget",
             "t25", "t50"}
    extra = [c for c in table.columns if c not in known and c not in groups]
    table = table.sort_values("final", ascending=False, kind="stable")
    base = baseline if baseline in set(table["strategy"]) else None
    base_final = float(table.loc[table["strategy"] == base, "final"].iloc[0]) if base else None
    look = styles(list(table["strategy"]))
    head = ["", "strategy", "final adoption", "95% interval"]
    if base:
        head.append(f"vs {base}")
    head += ["weeks to 25%", "weeks to 50%", "runs that tipped", "adopters gained per first adopter",
             "adopters gained per unit of budget"]
    head += [f"Q{c.split('=', 1)[1]}" if c.startswith("deprivation=") else c for c in groups]
    head += ["why it could not run" if c == "error" else c for c in extra]
    rows = []
    for r in table.to_dict(orient="records"):
        s = look[str(r["strategy"])]
        swatch = f'<span style="color:{s.colour};font-size:1.1rem" title="{html.escape(s.marker)}">{s.glyph}</span>'
        cells = [swatch, html.escape(strategy_label(str(r["strategy"]))), _pct(r["final"]), _interval_cell(r)]
        if base:
            cells.append("baseline" if r["strategy"] == base else _pp(r["final"] - base_final))
        cells += [_num(_weeks(r.get("t25"), weeks_per_round)), _num(_weeks(r.get("t50"), weeks_per_round)),
                  _pct(r.get("tipped")), _num(r.get("adopters_per_seed")), _num(r.get("adopters_per_budget"), 2)]
        cells += [_pct(r[c]) for c in groups]
        cells += [html.escape(_num(r[c], 3) if isinstance(r[c], float) else str(r[c] if r[c] is not None else ""))
                  for c in extra]
        rows.append(f'<tr data-strategy="{html.escape(str(r["strategy"]))}">' + "".join(f"<td>{c}</td>" for c in cells)
                    + "</tr>")
    style = ("<style>.cmp-table{border-collapse:collapse;font-size:0.88rem}.cmp-table td,.cmp-table th"
             "{border-bottom:1px solid #ddd;padding:4px 8px;text-align:right}.cmp-table td:nth-child(2),"
             ".cmp-table th:nth-child(2){text-align:left}.cmp-table th{font-weight:500;color:#333}</style>")
    header = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    notes = ["Sorted by final adoption, best first. Shares are percentages of everyone in the network; "
             "differences are in percentage points (pts)."]
    if groups:
        notes.append("Q1..Q5: final adoption by deprivation quintile (1 = most deprived).")
    note = "".join(f'<p style="font-size:0.8rem;color:#666;margin:4px 0">{n}</p>' for n in notes)
    return (f'{style}<table class="cmp-table comparison-table"><thead><tr>{header}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>{note}')


def _weeks(rounds, weeks_per_round: float):
    if rounds is None or (isinstance(rounds, float) and math.isnan(rounds)):
        return float("nan")
    return rounds * weeks_per_round


def _note(text: str, cls: str | None = None) -> None:
    """A line of small text on its own line (solara.Text alone is inline)."""
    with solara.Div(classes=[cls] if cls else []):
        solara.Text(text, style=SMALL)


def _describe(scenario: Scenario) -> str:
    net = scenario.network
    what = net.name if net.kind == "dataset" else Path(net.path).name if net.kind == "file" else (
        f"{net.kind.replace('_', ' ')} network, {net.n:,} people")
    rules = ", ".join(f"{b.name} ({b.rule.replace('_', ' ')})" for b in scenario.behaviours)
    ivs = len(scenario.interventions or []) if hasattr(scenario, "interventions") else 0
    extra = f"; {ivs} intervention(s)" if ivs else "; no interventions"
    return (f"{what}; {rules}; {scenario.seeding.count} first adopters by {strategy_label(scenario.seeding.strategy)}"
            f"{extra}")


def scenario_differences(a: Scenario, b: Scenario) -> list[str]:
    """"path: A value -> B value" for every setting that differs (what A vs B compares)."""
    da, db = a.model_dump(mode="json", exclude_none=True), b.model_dump(mode="json", exclude_none=True)
    out: list[str] = []

    def walk(x, y, path):
        if isinstance(x, dict) and isinstance(y, dict):
            for k in sorted(set(x) | set(y)):
                walk(x.get(k), y.get(k), f"{path}.{k}" if path else k)
        elif x != y:
            out.append(f"{path}: {x!r} -> {y!r}")

    walk(da, db, "")
    return out


@solara.component
def Compare(session: Session):
    run = session.part("compare", CompareRun)
    st = run.state.value
    scenario, error = session.scenario()
    mode = solara.use_reactive("strategies")
    names, left_out = runnable_strategies(scenario)
    chosen = solara.use_reactive([s for s in ("random", "degree") if s in names])
    replicates = solara.use_reactive(10)
    behaviour = solara.use_reactive(None)
    kept = session.kept  # {"A": Scenario, "B": Scenario}

    with solara.Row(gap="16px", style={"align-items": "flex-start", "flex-wrap": "nowrap"}):
        with solara.Column(style={"width": "380px", "min-width": "340px", "flex": "0 0 380px"}):
            with solara.Card("What to compare", margin=0, classes=["mb-2"]):
                solara.ToggleButtonsSingle(value=mode, values=["strategies", "scenarios (A vs B)"])
                if scenario is None:
                    solara.Error(f"The scenario in Explore is not valid: {error}")
                problems = []
                if mode.value == "strategies":
                    if scenario is not None:
                        _note(f"Whom to recruit first, on the Explore scenario: {_describe(scenario)}.")
                    offered = [c for c in chosen.value if c in names]
                    solara.SelectMultiple("strategies (two or more)", values=offered, all_values=names,
                                          on_value=lambda v: chosen.set(list(v)), classes=["compare-strategies"])
                    if left_out:
                        _note("Not offered: " + "; ".join(f"{k}: {v}" for k, v in left_out.items()) + ".",
                              "compare-left-out")
                    if len(offered) < 2:
                        problems.append("choose at least two strategies")
                else:
                    _note("Keep the Explore scenario as A, change it in Explore (an intervention, a threshold, "
                          "another network), keep it as B, then compare them.")
                    with solara.Row(gap="8px"):
                        for label in ("A", "B"):
                            solara.Button(f"keep Explore as {label}", small=True, disabled=scenario is None,
                                          on_click=lambda label=label: session.keep(label, scenario))
                    for label in ("A", "B"):
                        sc = kept.value.get(label)
                        _note(f"{label}: " + (_describe(sc) if sc is not None else "not kept yet"), f"kept-{label}")
                    a, b = kept.value.get("A"), kept.value.get("B")
                    if a is None or b is None:
                        problems.append("keep a scenario as A and one as B")
                    else:
                        diffs = scenario_differences(a, b)
                        if diffs:
                            _note("B differs from A in: " + "; ".join(diffs[:6]) + (" ..." if len(diffs) > 6 else ""),
                                  "kept-diff")
                        else:
                            problems.append("A and B are the same scenario")
                with solara.Row(gap="8px", style={"align-items": "center"}):
                    solara.SliderInt("runs per arm", value=replicates, min=1, max=100)
                    solara.Text(f"{replicates.value}", style=SMALL)
                if scenario is not None and len(scenario.behaviours) > 1:
                    solara.Select("behaviour", value=behaviour.value or scenario.behaviours[0].name,
                                  values=[b.name for b in scenario.behaviours], on_value=behaviour.set)
                if replicates.value == 1:
                    _note("With 1 run per arm there is no interval (no spread to measure).")
                for p in problems:
                    solara.Warning(p, classes=["compare-problem"])

                def start():
                    if problems:
                        return
                    if mode.value == "strategies" and scenario is not None:
                        run.start(scenario, [c for c in chosen.value if c in names], replicates.value, behaviour.value,
                                  weeks_per_round=session.weeks_per_round.value)
                    elif mode.value != "strategies":
                        run.start_scenarios({"A": kept.value["A"], "B": kept.value["B"]}, replicates.value,
                                            behaviour.value, weeks_per_round=session.weeks_per_round.value)

                with solara.Row():
                    solara.Button("Compare", icon_name="mdi-scale-balance", color="primary", on_click=start,
                                  disabled=(mode.value == "strategies" and scenario is None) or bool(problems)
                                  or bool(st.status))
                    solara.Button("Stop", icon_name="mdi-stop", on_click=run.cancel, disabled=not st.status,
                                  classes=["compare-stop"])
                if st.status:
                    solara.ProgressLinear(100 * st.done / st.total if st.total and st.done else True)
                    solara.Text(st.status + "…", style=SMALL, classes=["compare-status"])
                if st.error:
                    solara.Error(st.error, classes=["compare-error"])
            if st.result is not None:
                res = st.result
                with solara.Card("Reproduce and export", margin=0):
                    if res["mode"] == "strategies":
                        command = (f"wellspread compare scenario.toml --strategies {','.join(res['strategies'])} "
                                   f"--replicates {res['replicates']}")
                        ScenarioExport(res["scenario"], None, command=command)
                    else:
                        for label, sc in res["scenarios"].items():
                            solara.Text(f"scenario {label}:", style=SMALL)
                            ScenarioExport(sc, None, command=f"wellspread run {label}.toml --replicates {res['replicates']}")
                    TableDownloads(res["table"], "comparison", "comparison table")
                    TableDownloads(res["timeseries"], "comparison_timeseries", "time series")
        with solara.Column(style={"flex": "1 1 auto", "min-width": "0"}):
            if st.result is None:
                solara.Info("Choose strategies (or keep two scenarios as A and B) and press Compare: each arm runs "
                            "the same replicate seeds, so differences come from the choice, not from luck.")
            else:
                CompareResult(st.result)


@solara.component
def CompareResult(res: dict):
    baseline = "random" if res["mode"] == "strategies" else "A"
    title = (f"{res['behaviour']}: " + ", ".join(strategy_label(s) for s in res["strategies"]) if res["mode"] == "strategies"
             else f"{res['behaviour']}: scenario A against scenario B")
    with solara.Card(title, margin=0, classes=["mb-2"]):
        solara.Text(f"{res['replicates']} runs per arm, {res['people']:,} people; mean and 95% interval over runs "
                    "(Wilson interval for shares: always within 0-100%).", style=SMALL)
        solara.HTML(tag="div", unsafe_innerHTML=table_html(res["table"], baseline=baseline,
                                                                weeks_per_round=res.get("weeks_per_round", 1.0)))
    with solara.Row(gap="8px", style={"flex-wrap": "wrap"}):
        for name, data in res["images"].items():
            if name.endswith(".png"):
                with solara.Column(gap="2px"):
                    solara.Image(data, width="520px", classes=[f"compare-{Path(name).stem}"])
                    with solara.Row(gap="4px"):
                        solara.FileDownload(data, filename=name, label=f"{name} (PNG)")
                        svg = res["images"].get(name[:-4] + ".svg")
                        if svg:
                            solara.FileDownload(svg, filename=name[:-4] + ".svg", label="SVG")
