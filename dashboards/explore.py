"""Explore: edit a scenario, see its seeds on the network, then run, step, pause and reset it live.

Every valid change of the scenario rebuilds the model in the background (the network itself only
when the network or the seed changed: built networks and their layouts are cached), so the seeds
the strategy picks show at once. Each round then updates the network picture (colours only), the
adoption chart per behaviour and per group (deprivation quintile in the town) and the round line in
place, through a sink the ``LiveRun`` calls: no re-render of the page per round.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
import solara
from solara.alias import rv as v

from .charts import BEHAVIOUR_COLOURS, GROUP_COLOURS, LiveChart, group_attribute
from .export import ScenarioExport, ScenarioImport
from .forms import ScenarioEditor
from .network_view import COLOURS, DRAW_LIMIT
from .state import LiveRun, Session, to_bytes_csv, to_bytes_parquet

__all__ = ["Explore", "LivePanel"]

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

    with solara.Columns([4, 8], gutters_dense=True):
        with solara.Column():
            ScenarioEditor(session)
        with solara.Column():
            LivePanel(live)
            ExploreExports(session)


def _cycle(colours: list[str], n: int) -> list[str]:
    return [colours[i % len(colours)] for i in range(n)]


def _charts(live: LiveRun) -> dict:
    """The live charts for the current model (new ones when behaviours or groups change)."""
    model = live.model
    names = list(model.population.names)
    labels = list(model.groups.labels)
    key = id(model)  # new charts per model: the round axis starts small again
    cache = getattr(live, "_charts", None)
    if cache is None or cache["key"] != key:
        attribute, columns = group_attribute(labels)
        cache = {
            "key": key,
            "behaviours": LiveChart(names, _cycle(BEHAVIOUR_COLOURS, len(names)), "adoption per behaviour"),
            "attribute": attribute,
            "columns": columns,
            "groups": {},
        }
        if attribute:
            group_labels = [labels[g].split("=", 1)[1] for g in columns]
            for name in names:
                title = f"{name} by {attribute}" + (" quintile (1 = most deprived)" if attribute == "deprivation" else "")
                cache["groups"][name] = LiveChart(group_labels, _cycle(GROUP_COLOURS, len(group_labels)), title,
                                                  legend_title=attribute)
        live._charts = cache
    return cache


@solara.component
def LivePanel(live: LiveRun):
    st = live.state  # changes when a build starts or ends, a run starts or stops: not every round
    version = live.version.value
    model = live.model
    can = live.can_step() and not st.playing

    with solara.Card(margin=0, classes=["mb-2"]):
        LiveControls(live, can, st.playing, bool(st.status) or live.scenario is None)
        if st.status:
            solara.ProgressLinear(True)
            solara.Text(st.status + "…", style=SMALL)
        if st.error:
            solara.Error(st.error, classes=["model-error"])
        if model is None:
            if not st.status and not st.error:
                solara.Text("Fix the scenario on the left to build a model.", style=SMALL)
            return
    LivePictures(live, version)


@solara.component
def LiveControls(live: LiveRun, can_step: bool, playing: bool, resetting_blocked: bool):
    with solara.Row(gap="8px", style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.Button("Run", icon_name="mdi-play", color="primary", on_click=live.play, disabled=not can_step)
        solara.Button("Step", icon_name="mdi-step-forward", on_click=live.step, disabled=not can_step)
        solara.Button("Pause", icon_name="mdi-pause", on_click=live.pause, disabled=not playing)
        solara.Button("Reset", icon_name="mdi-restore", on_click=live.reset, disabled=resetting_blocked)
        speeds = list(LiveRun.SPEEDS)
        current = next((k for k, v in LiveRun.SPEEDS.items() if v == live.delay.value), speeds[0])
        with solara.Div(style={"width": "200px"}):
            solara.Select("speed", value=current, values=speeds, on_value=lambda k: live.delay.set(LiveRun.SPEEDS[k]))


def round_line(live: LiveRun) -> str:
    """"round 12 · activity 34.5% · ..." for the model's current round."""
    model = live.model
    pop = model.population
    ended = "" if model.running and pop.t < model.spec.steps else (" (steady state)" if not model.running else " (last round)")
    return f"round {pop.t}{ended} · " + " · ".join(f"{k} {v:.1%}" for k, v in model.adoption().items())


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
    cost = f" · spent {spent:,.0f}" if spent else ""
    info = f"{live.graph_info} · seeds: {len(model.seeds):,} by {model.spec.seeding.strategy}{cost}{rate}"
    return network, behaviours, groups, round_line(live), info


@solara.component
def LivePictures(live: LiveRun, version: int):
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
        lambda: frame(live, b), [version, b, model.population.t, live.playing.value]
    )

    # raw widget elements (not solara components) so that get_widget finds them in this component
    els: dict = {}
    with v.Html(tag="div", style_="margin-bottom:8px"):
        els["line"] = v.Html(tag="div", children=[line], class_="live-round", style_="font-size:1.05rem;font-weight:500")
        els["info"] = v.Html(tag="div", children=[info], class_="live-info", style_="font-size:0.85rem;color:#555")
    with v.Html(tag="div", style_="display:flex;flex-wrap:wrap;gap:12px;align-items:flex-start"):
        with v.Html(tag="div", style_="width:490px;max-width:100%"):
            if len(names) > 1:
                solara.ToggleButtonsSingle(value=names[b], values=names, on_value=lambda x: set_behaviour(names.index(x)))
            els["network"] = widgets.Image.element(value=network_png, format="png", layout=widgets.Layout(width="480px"),
                                                   _dom_classes=["network-picture"])
            shown = (f"showing {len(pic.people):,} of {pic.total:,} people (a sample grown from random people; "
                     f"seeds always shown)") if pic.sampled else f"all {pic.total:,} people"
            solara.HTML(
                tag="div",
                unsafe_innerHTML=(
                    f'<span style="color:{_hex(COLOURS["seed"])}">&#9679;</span> seed &nbsp; '
                    f'<span style="color:{_hex(COLOURS["adopting"])}">&#9679;</span> adopting {names[b]} &nbsp; '
                    f'<span style="color:{_hex(COLOURS["not adopting"])}">&#9679;</span> not adopting'
                    f'<br><span style="font-size:0.8rem;color:#666">{shown}; {pic.ties:,} ties drawn; '
                    f"at most {DRAW_LIMIT:,} people are drawn</span>"
                ),
            )
        with v.Html(tag="div", style_="display:flex;flex-direction:column;gap:4px"):
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
        if live.model is not None and version:
            with solara.Row(gap="8px"):
                # made when clicked: the rounds run so far (all of them once the run has ended)
                solara.FileDownload(lambda: to_bytes_csv(live.result().timeseries), filename="timeseries.csv",
                                    label="time series so far (CSV)")
                solara.FileDownload(lambda: to_bytes_parquet(live.result().timeseries), filename="timeseries.parquet",
                                    label="(Parquet)")
