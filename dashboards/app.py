"""The wellspread dashboard: explore a scenario live, compare targeting strategies, browse sweeps.

    wellspread dashboard            # or: make dashboard; serves http://127.0.0.1:8765
    solara run dashboards/app.py    # the same, by hand (SOLARA_TELEMETRY_MIXPANEL_ENABLE=False)

``Page`` is the app Solara serves. Each browser tab gets its own ``Session`` (the scenario being
edited, the live model, the comparison and the sweep), so tabs do not disturb each other. See
docs/dashboard.md for a tour.
"""

from __future__ import annotations

import os

import solara

from dashboards.compare import Compare
from dashboards.explore import Explore
from dashboards.state import Session
from dashboards.sweeps import Sweeps

__all__ = ["Page", "Dashboard", "VIEWS"]

VIEWS = ["Explore", "Compare", "Sweeps"]
TITLE = "wellspread: healthy behaviours spreading through a network"


@solara.component
def Dashboard(session: Session, view: int = 0):
    """The three views under tabs; ``view`` is the one shown first."""
    tab = solara.use_reactive(view)
    solara.Title("wellspread")
    with solara.Column(style={"padding": "8px 16px"}):
        with solara.Row(style={"align-items": "baseline", "gap": "16px"}):
            solara.HTML(tag="h2", unsafe_innerHTML="wellspread", style={"margin": "0"})
            solara.Text("healthy behaviours spreading through social networks: who to recruit, what it buys, who gains",
                        style={"color": "#555"})
        with solara.lab.Tabs(value=tab):
            for name in VIEWS:
                solara.lab.Tab(name)
        # only the active view is mounted: a hidden live view would still redraw every round
        if tab.value == 0:
            Explore(session)
        elif tab.value == 1:
            Compare(session)
        else:
            Sweeps(session)


def initial_session() -> Session:
    """A new session; ``WELLSPREAD_SCENARIO=path.toml`` opens with that scenario instead of the default."""
    path = os.environ.get("WELLSPREAD_SCENARIO")
    if path:
        from dashboards.export import draft_from_toml
        from model import ScenarioError

        try:
            return Session(draft_from_toml(path))
        except ScenarioError as exc:
            session = Session()
            session.start_note = f"WELLSPREAD_SCENARIO not used: {exc}"
            return session
    return Session()


@solara.component
def Page():
    session = solara.use_memo(initial_session, [])
    if getattr(session, "start_note", None):
        solara.Warning(session.start_note)
    Dashboard(session)


@solara.component
def Layout(children=[]):  # noqa: B006 (Solara's layout signature)
    # no app bar / sidebar chrome: the dashboard lays itself out
    return solara.Column(children=children, style={"padding": "0"})
