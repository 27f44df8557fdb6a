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
from dashboards.info import Info
from dashboards.messages import user_message
from dashboards.state import Session
from dashboards.sweeps import Sweeps

__all__ = ["Page", "Dashboard", "VIEWS"]

VIEWS = ["Explore", "Compare", "Sweeps", "Info"]
TITLE = "wellspread: healthy behaviours spreading through a network"


@solara.component
def Dashboard(session: Session, view: int = 0):
    """The views under tabs; ``view`` is the one shown first."""
    tab = solara.use_reactive(view)
    solara.Title("wellspread")
    with solara.Column(style={"padding": "4px 16px", "gap": "4px"}):
        with solara.Row(style={"align-items": "center", "gap": "16px"}):
            solara.HTML(tag="h2", unsafe_innerHTML="wellspread", style={"margin": "0", "font-size": "1.4rem"})
            with solara.lab.Tabs(value=tab):
                for name in VIEWS:
                    solara.lab.Tab(name)
            solara.Text("healthy behaviours spreading through social networks: whom to recruit first, what it buys, "
                        "who gains", style={"color": "#555", "font-size": "0.85rem"})
        # only the active view is mounted: a hidden live view would still redraw every round
        if tab.value == 0:
            Explore(session)
        elif tab.value == 1:
            Compare(session)
        elif tab.value == 2:
            Sweeps(session)
        else:
            Info()


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
            session.start_note = f"WELLSPREAD_SCENARIO not used: {user_message(exc, path)}"
            return session
    return Session()


@solara.component
def Page():
    router = solara.use_router()
    search = router.search

    def make() -> Session:
        from dashboards.export import draft_from_query

        draft = draft_from_query(search)
        return Session(draft) if draft is not None else initial_session()

    session = solara.use_memo(make, [])
    # a closed tab stops its work: comparisons, bands and sweeps end with the page
    solara.use_effect(lambda: session.close, [])
    if getattr(session, "start_note", None):
        solara.Warning(session.start_note)
    Dashboard(session)


@solara.component
def Layout(children=[]):  # noqa: B006 (Solara's layout signature)
    # no app bar / sidebar chrome: the dashboard lays itself out
    return solara.Column(children=children, style={"padding": "0"})
