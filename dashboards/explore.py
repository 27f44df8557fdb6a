"""Explore: edit a scenario, see its first adopters on the network, then run, step, pause and reset it live.

Every valid change of the scenario rebuilds the model in the background (the network itself only
when the network or the seed changed: built networks and their layouts are cached), so the seeds
the strategy picks show at once. Each round then updates the network picture (colours only), the
adoption chart per behaviour and per group (deprivation quintile in the town) and the round line in
place, through a sink the ``LiveRun`` calls: no re-render of the page per round.

Layout (made for 1440x900 and up): the grouped controls in a left panel that scrolls on its own, the
run controls, the network and the charts side by side in the main area. Earlier runs can be kept on
the chart to overlay, and a band over replicates (95% interval from ``experiments.intervals``, within
0-100%) computed in a child process that Stop ends.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
import solara
from solara.alias import rv as v

from .charts import BEHAVIOUR_COLOURS, GROUP_COLOURS, LiveChart, group_attribute
from .export import ScenarioExport, ScenarioImport, ScenarioLink
from .forms import ScenarioEditor
from .jobs import ProcessJob
from .labels import strategy_label
from .network_view import COLOURS, DRAW_LIMIT
from .state import LiveRun, Session, to_bytes_csv, to_bytes_parquet

__all__ = ["Explore", "LivePanel", "BandRun", "band_job"]

LEFT_PANEL = {"width": "400px", "min-width": "360px", "flex": "0 0 400px", "max-height": "calc(100vh - 110px)",
              "overflow-y": "auto", "padding-right": "6px"}
KEPT_COLOURS = ["#332288", "#999933", "#AA4499", "#44AA99", "#882255", "#117733"]


def band_job(scenario, replicates: int, progress=None) -> dict:
    """Child process: ``replicates`` runs of ``scenario``; per behaviour the mean curve and its 95% band."""
    from experiments.intervals import band
    from experiments.replicates import run_replicates

    done = [0]

    def on_done(_r):
        done[0] += 1
        if progress:
            progress(done=done[0], total=replicates)

    results = run_replicates(scenario, replicates, on_done=on_done)
    T = max(len(r.history) for r in results)
    out = {}
    for b, name in enumerate(results[0].behaviours):
        curves = np.array([np.pad(r.history[:, b, 0], (0, T - len(r.history)), mode="edge") for r in results])
        mean, low, high = band(curves)
        out[name] = {"mean": mean, "low": low, "high": high}
    return {"replicates": replicates, "curves": out}


class BandRun:
    """The replicate band of the Explore scenario, computed in a child process."""

    def __init__(self):
        self.status = solara.reactive("")
        self.result = solara.reactive(None)  # {"scenario", "replicates", "curves"}
        self.error = solara.reactive(None)
        self.job: ProcessJob | None = None

    def start(self, scenario, replicates: int) -> None:
        if self.status.value:
            return
        self.error.value = None
        self.status.value = f"running {replicates} replicates for the band"

        def on_progress(info):
            self.status.value = f"band: {info.get('done', 0)} of {info.get('total', replicates)} runs"

        def on_done(value):
            self.result.value = {**value, "scenario": scenario}
            self.status.value = ""

        def on_error(message):
            self.error.value = message
            self.status.value = ""

        self.job = ProcessJob(band_job, (scenario, int(replicates)), on_progress, on_done, on_error).start()

    def cancel(self) -> None:
        if self.job is not None:
            self.job.cancel()
        if self.status.value:
            self.status.value = ""
            self.error.value = "Stopped: the band was cancelled."

SMALL = {"font-size": "0.85rem", "color": "#555"}


def _hex(rgb) -> str:
    r, g, b = rgb
    return f"#{r:02x}{g:02x}{b:02x}"


@solara.component
def Explore(session: Session):
    scenario, _error = session.scenario()
    live = session.live
    key = scenario.model_dump_json() if scenario is not None else None

    def rebuild():
        if scenario is not None and (live.scenario != scenario or (live.model is None and not live.busy)):
            live.build(scenario)

    solara.use_effect(rebuild, [key])

    with solara.Row(gap="16px", style={"align-items": "flex-start", "flex-wrap": "nowrap"}):
        with solara.Column(style=LEFT_PANEL, classes=["left-panel"]):
            ScenarioEditor(session)
        with solara.Column(style={"flex": "1 1 auto", "min-width": "0"}, classes=["main-area"]):
            LivePanel(live, session)
            ExploreExports(session)


def _cycle(colours: list[str], n: int) -> list[str]:
    return [colours[i % len(colours)] for i in range(n)]


def _charts(live: LiveRun) -> dict:
    """The live charts for the current model (new ones when behaviours or groups change)."""
    model = live.model
    names = list(model.population.names)
    labels = list(model.groups.labels)
    weeks = float(getattr(live, "weeks_per_round", 1.0))
    key = (id(model), weeks)  # new charts per model: the round axis starts small again
    cache = getattr(live, "_charts", None)
    if cache is None or cache["key"] != key:
        attribute, columns = group_attribute(labels)
        cache = {
            "key": key,
            "overlay_key": None,
            "behaviours": LiveChart(names, _cycle(BEHAVIOUR_COLOURS, len(names)), "adoption per behaviour",
                                    weeks_per_round=weeks),
            "attribute": attribute,
            "columns": columns,
            "groups": {},
        }
        if attribute:
            group_labels = [labels[g].split("=", 1)[1] for g in columns]
            for name in names:
                title = f"{name} by {attribute}" + (" quintile (1 = most deprived)" if attribute == "deprivation" else "")
                cache["groups"][name] = LiveChart(group_labels, _cycle(GROUP_COLOURS, len(group_labels)), title,
                                                  legend_title=attribute, weeks_per_round=weeks)
        live._charts = cache
    overlays = getattr(live, "overlays", [])
    okey = (id(overlays), len(overlays))
    if cache["overlay_key"] != okey:
        cache["behaviours"].set_overlays(overlays)
        cache["overlay_key"] = okey
    return cache


def _overlays(session: Session, band) -> list[dict]:
    """Kept runs (dashed) and the replicate band of the current scenario, for the behaviours chart."""
    out = [dict(k) for k in session.kept_runs.value]
    if band is not None:
        name, curve = next(iter(band["curves"].items()))
        out.append({"label": f"mean of {band['replicates']} runs, 95% band", "colour": "#555555", "style": "-",
                    **curve})
    return out


@solara.component
def LivePanel(live: LiveRun, session: Session | None = None):
    st = live.state  # changes when a build starts or ends, a run starts or stops: not every round
    version = live.version.value
    model = live.model
    scenario, error = session.scenario() if session is not None else (live.scenario, None)
    # the model on screen is the one the fields show, or nothing runs: never a stale, last valid one
    current = scenario is not None and live.scenario == scenario
    can = live.can_step() and not st.playing and current
    bands = session.part("band", BandRun) if session is not None else None
    band = bands.result.value if bands is not None else None
    if band is not None and band.get("scenario") != scenario:
        band = None
    if session is not None:
        overlays = _overlays(session, band)
        live.weeks_per_round = session.weeks_per_round.value
        if [o["label"] for o in getattr(live, "overlays", [])] != [o["label"] for o in overlays]:
            live.overlays = overlays

    with solara.Card(margin=0, classes=["mb-2"], style={"padding": "6px 12px"}):
        LiveControls(live, can, st.playing, bool(st.status) or live.scenario is None or scenario is None, session,
                     scenario)
        if scenario is None and error:
            solara.Error(f"{error}. Fix the marked field on the left; Run is disabled until then.", dense=True,
                         classes=["invalid-note"])
        if st.status:
            solara.ProgressLinear(True)
            with solara.Row(gap="8px", style={"align-items": "center"}):
                solara.Text(st.status + "…", style=SMALL, classes=["build-status"])
                solara.Button("Stop", icon_name="mdi-stop", small=True, on_click=live.stop, classes=["build-stop"])
        if bands is not None and bands.status.value:
            with solara.Row(gap="8px", style={"align-items": "center"}):
                solara.Text(bands.status.value + "…", style=SMALL, classes=["band-status"])
                solara.Button("Stop", icon_name="mdi-stop", small=True, on_click=bands.cancel, classes=["band-stop"])
        if bands is not None and bands.error.value:
            solara.Warning(bands.error.value, dense=True)
        if st.error:
            solara.Error(st.error, classes=["model-error"])
        if model is None:
            if not st.status and not st.error:
                solara.Text("Fix the scenario on the left to build a model.", style=SMALL)
            return
    LivePictures(live, version, len(getattr(live, "overlays", [])))


@solara.component
def LiveControls(live: LiveRun, can_step: bool, playing: bool, resetting_blocked: bool, session=None, scenario=None):
    with solara.Row(gap="8px", style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.Button("Run", icon_name="mdi-play", color="primary", on_click=live.play, disabled=not can_step,
                      classes=["run-button"])
        solara.Button("Step", icon_name="mdi-step-forward", on_click=live.step, disabled=not can_step)
        solara.Button("Pause", icon_name="mdi-pause", on_click=live.pause, disabled=not playing)
        solara.Button("Reset", icon_name="mdi-restore", on_click=live.reset, disabled=resetting_blocked)
        speeds = list(LiveRun.SPEEDS)
        current = next((k for k, v in LiveRun.SPEEDS.items() if v == live.delay.value), speeds[0])
        with solara.Div(style={"width": "170px"}):
            solara.Select("speed", value=current, values=speeds, on_value=lambda k: live.delay.set(LiveRun.SPEEDS[k]),
                          dense=True)
        if session is not None:
            bands = session.part("band", BandRun)

            def keep():
                if live.model is None:
                    return
                hist = np.stack(live.model.history)[:, 0, 0]
                kept = session.kept_runs.value
                label = f"kept {len(kept) + 1}: {live.model.spec.seeding.strategy}, {live.model.spec.seeding.count} first"
                session.kept_runs.value = [*kept, {"label": label, "mean": hist,
                                                   "colour": KEPT_COLOURS[len(kept) % len(KEPT_COLOURS)]}][-6:]

            solara.Button("Keep this run", icon_name="mdi-pin", small=True, text=True, on_click=keep,
                          disabled=live.model is None, classes=["keep-run"])
            if session.kept_runs.value:
                solara.Button("Clear kept", small=True, text=True, on_click=lambda: session.kept_runs.set([]))
            solara.Button("Band over 10 runs", icon_name="mdi-chart-bell-curve", small=True, text=True,
                          disabled=scenario is None or bool(bands.status.value), classes=["band-button"],
                          on_click=lambda: bands.start(scenario, 10))


def round_line(live: LiveRun) -> str:
    """"round 12 (week 12) · activity 34.5% · ..." for the model's current round."""
    model = live.model
    pop = model.population
    ended = "" if model.running and pop.t < model.spec.steps else (" (steady state)" if not model.running else " (last round)")
    weeks = float(getattr(live, "weeks_per_round", 1.0)) * pop.t
    when = f"week {weeks:g}" if weeks < 104 else f"year {weeks / 52:.1f}"
    return f"round {pop.t} ({when}){ended} · " + " · ".join(f"{k} {v:.1%}" for k, v in model.adoption().items())


def frame(live: LiveRun, b: int) -> tuple[bytes, bytes, bytes | None, str, str]:
    """The pictures and text lines of the current round, for behaviour ``b``."""
    model, pic = live.model, live.picture
    charts = _charts(live)
    names = list(model.population.names)
    hist = np.stack(model.history)  # (rounds+1, behaviours, groups)
    network = pic.png(model.population.adopted[b])
    behaviours = charts["behaviours"].png(hist[:, :, 0].T)
    groups = charts["groups"][names[b]].png(hist[:, b, charts["columns"]].T) if charts["attribute"] else None
    rate = f" · {live.rate:.1f} rounds/s" if live._playing and live.rate else ""
    spent = float(sum(getattr(model, "costs", []) or [0.0]))
    cost = f" · spent {spent:,.0f} budget units" if spent else ""
    info = (f"{live.graph_info} · first adopters: {len(model.seeds):,} by {strategy_label(model.spec.seeding.strategy)}"
            f"{cost}{rate}")
    return network, behaviours, groups, round_line(live), info


@solara.component
def LivePictures(live: LiveRun, version: int, overlays: int = 0):
    """The network picture, the charts and the round line.

    Rendered once per model (and per chosen behaviour); after that every round updates these widgets
    in place through a sink registered with the ``LiveRun``, so a round costs its pictures, not a
    re-render of the page. The arguments change only with a new model, so starting or stopping a run
    does not re-render it.
    """
    behaviour, set_behaviour = solara.use_state(0)
    model = live.model
    pic = live.picture
    names = list(model.population.names)
    b = behaviour if behaviour < len(names) else 0
    # a re-render (a new behaviour chosen, a run ending) shows the current round, like the sink does
    network_png, behaviours_png, groups_png, line, info = solara.use_memo(
        lambda: frame(live, b), [version, b, model.population.t, live.playing.value, overlays]
    )

    # raw widget elements (not solara components) so that get_widget finds them in this component
    els: dict = {}
    with v.Html(tag="div", style_="margin-bottom:8px"):
        els["line"] = v.Html(tag="div", children=[line], class_="live-round", style_="font-size:1.05rem;font-weight:500")
        els["info"] = v.Html(tag="div", children=[info], class_="live-info", style_="font-size:0.85rem;color:#555")
    with v.Html(tag="div", style_="display:flex;flex-wrap:nowrap;gap:12px;align-items:flex-start"):
        with v.Html(tag="div", style_="width:440px;flex:0 0 440px"):
            if len(names) > 1:
                solara.ToggleButtonsSingle(value=names[b], values=names, on_value=lambda x: set_behaviour(names.index(x)))
            els["network"] = widgets.Image.element(value=network_png, format="png", layout=widgets.Layout(width="440px"),
                                                   _dom_classes=["network-picture"])
            shown = (f"showing {len(pic.people):,} of {pic.total:,} people (a sample grown from random people; "
                     f"first adopters always shown)") if pic.sampled else f"all {pic.total:,} people"
            if getattr(pic, "layout_note", ""):
                shown += f"; {pic.layout_note}"
            solara.HTML(
                tag="div",
                unsafe_innerHTML=(
                    f'<span style="color:{_hex(COLOURS["seed"])}">&#9679;</span> first adopter &nbsp; '
                    f'<span style="color:{_hex(COLOURS["adopting"])}">&#9679;</span> adopting {names[b]} &nbsp; '
                    f'<span style="color:{_hex(COLOURS["not adopting"])}">&#9679;</span> not adopting'
                    f'<br><span style="font-size:0.8rem;color:#666">{shown}; {pic.ties:,} ties drawn; '
                    f"at most {DRAW_LIMIT:,} people are drawn</span>"
                ),
            )
        with v.Html(tag="div", style_="display:flex;flex-direction:column;gap:4px;min-width:0"):
            els["behaviours"] = widgets.Image.element(value=behaviours_png, format="png", _dom_classes=["chart-behaviours"])
            if groups_png is not None:
                els["groups"] = widgets.Image.element(value=groups_png, format="png", _dom_classes=["chart-groups"])
            else:
                solara.Text("People in this network carry no deprivation quintile; choose the town network "
                            "to see adoption by deprivation.", style=SMALL)

    def attach():
        w = {k: solara.get_widget(el) for k, el in els.items()}

        def sink(run: LiveRun):
            if run.model is not model:  # a newer model is being drawn: this sink is about to go
                return
            network, behaviours, groups, line_text, info_text = frame(run, b)
            w["network"].value = network
            w["behaviours"].value = behaviours
            if groups is not None and "groups" in w:
                w["groups"].value = groups
            w["line"].children = [line_text]
            w["info"].children = [info_text]

        live.add_sink(sink)
        return lambda: live.remove_sink(sink)

    solara.use_effect(attach, [version, b])


@solara.component
def ExploreExports(session: Session):
    live = session.live
    version = live.version.value  # a new model (not every round)
    scenario, error = session.scenario()
    with solara.Card("Reproduce and export", margin=0):
        ScenarioExport(scenario, error, command="wellspread run scenario.toml")
        ScenarioImport(session)
        ScenarioLink(session.draft.value)
        if live.model is not None and version:
            with solara.Row(gap="8px", style={"flex-wrap": "wrap"}):
                # made when clicked: the rounds run so far (all of them once the run has ended)
                solara.FileDownload(lambda: to_bytes_csv(live.result().timeseries), filename="timeseries.csv",
                                    label="time series so far (CSV)")
                solara.FileDownload(lambda: to_bytes_parquet(live.result().timeseries), filename="timeseries.parquet",
                                    label="(Parquet)")
            with solara.Row(gap="8px", style={"flex-wrap": "wrap"}, classes=["figure-downloads"]):
                solara.FileDownload(lambda: _figure(live, "png"), filename="adoption.png", label="chart (PNG)")
                solara.FileDownload(lambda: _figure(live, "svg"), filename="adoption.svg", label="chart (SVG)")
                solara.FileDownload(lambda: _figure(live, "network"), filename="network.png", label="network (PNG)")


def _figure(live: LiveRun, kind: str) -> bytes:
    """The adoption chart (PNG or SVG) or the network picture, as shown now."""
    model = live.model
    hist = np.stack(model.history)[:, :, 0].T
    chart = _charts(live)["behaviours"]
    if kind == "svg":
        return chart.svg(hist)
    if kind == "network":
        return live.picture.png(model.population.adopted[0])
    return chart.png(hist)
