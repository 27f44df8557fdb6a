"""The dashboard rendered in-process with ``solara.render`` (no browser): components, threads, exports.

These drive the same widgets a browser would (buttons, text fields, selects) and wait for the
background threads the page starts. Browser tests are in ``test_dashboard_browser.py``.
"""

from __future__ import annotations

import time

import ipyvuetify as v
import ipywidgets as widgets
import numpy as np
import pytest
import solara

from dashboards.app import Dashboard
from dashboards.compare import Compare
from dashboards.explore import Explore
from dashboards.forms import ScenarioEditor, accept_upload
from dashboards.network_view import DRAW_LIMIT, Layout, Picture
from dashboards.state import GRAPHS, Session
from dashboards.sweeps import Sweeps
from model import Scenario, simulate

# a town where 5 seeds fizzle and 40 best-connected seeds tip it: a parameter that visibly matters
SMALL_TOWN = {
    "seed": 3,
    "steps": 60,
    "network": {"kind": "town", "n": 1500},
    "behaviours": [{"name": "activity", "rule": "threshold", "threshold": {"dist": "normal", "mean": 0.3, "sd": 0.1}}],
    "seeding": {"strategy": "degree", "count": 5},
}


# --------------------------------------------------------------------------- helpers
@pytest.fixture
def render():
    """solara.render with every render context and session thread closed after the test."""
    opened = []

    def _render(element, *sessions):
        box, rc = solara.render(element, handle_error=False)
        opened.append((rc, sessions))
        return rc

    yield _render
    for rc, sessions in opened:
        for s in sessions:
            s.live.pause()
            s.live.wait(30)
        rc.close()


def wait_until(condition, timeout: float = 60.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def button(rc, label: str):
    found = [w for w in rc.find(v.Btn).widgets if label in w.children]
    assert len(found) == 1, f"expected one {label!r} button, found {len(found)}"
    return found[0]


def text_field(rc, label: str):
    found = [w for w in rc.find(v.TextField).widgets if w.label == label]
    assert len(found) == 1, f"expected one text field {label!r}, found {len(found)}"
    return found[0]


def type_into(rc, label: str, value) -> None:
    field = text_field(rc, label)
    field.v_model = str(value)
    field.fire_event("keyup.enter", {})


def slider(rc, label: str):
    found = [w for w in rc.find(v.Slider).widgets if w.label == label]
    assert len(found) == 1, f"expected one slider {label!r}, found {len(found)}"
    return found[0]


def html_texts(rc, cls: str) -> list[str]:
    return ["".join(map(str, w.children)) for w in rc.find(v.Html, class_=cls).widgets]


def alerts(rc, cls: str) -> list[str]:
    return ["".join(str(c) for c in w.children) for w in rc.find(v.Alert).widgets if cls in (w.class_ or "")]


def built(session: Session, timeout: float = 60.0):
    """Wait for the model and for the build thread to finish (it renders the page as it ends)."""
    wait_until(lambda: session.live.model is not None and not session.live.busy, timeout, "the model to build")
    session.live.wait(timeout)
    return session.live.model


def chart_values(rc) -> dict[str, bytes]:
    return {cls: bytes(w.value) for w in rc.find(widgets.Image).widgets for cls in w._dom_classes}


# --------------------------------------------------------------------------- explore
def test_explore_draws_network_with_seeds_highlighted(render):
    session = Session(SMALL_TOWN)
    rc = render(Explore(session), session)
    model = built(session)
    pic = session.live.picture
    assert pic.is_seed.sum() == len(model.seeds) == 5
    assert set(pic.people[pic.is_seed]) == set(model.csr.positions(model.seeds.tolist()))
    assert len(pic.people) <= DRAW_LIMIT
    images = chart_values(rc)
    assert {"network-picture", "chart-behaviours", "chart-groups"} <= set(images)
    assert all(data.startswith(b"\x89PNG") for data in images.values())
    assert html_texts(rc, "live-round") == ["round 0 (week 0) · activity 0.3%"]


def test_parameter_change_then_run_updates_the_charts(render):
    session = Session(SMALL_TOWN)
    rc = render(Explore(session), session)
    built(session)
    button(rc, "Run").click()
    session.live.wait(60)  # the run's thread
    fizzled = session.live.model.adoption()["activity"]
    before = chart_values(rc)
    assert fizzled < 0.1

    type_into(rc, "first adopters (how many people)", 40)  # the form writes the draft; the model rebuilds
    wait_until(lambda: session.live.scenario.seeding.count == 40 and not session.live.busy, 60, "the rebuild")
    session.live.wait(60)
    assert session.live.picture.is_seed.sum() == 40
    assert html_texts(rc, "live-round")[0].startswith("round 0")
    button(rc, "Run").click()
    session.live.wait(60)
    after = chart_values(rc)
    assert session.live.model.adoption()["activity"] > 0.9
    assert after["chart-behaviours"] != before["chart-behaviours"]
    assert after["chart-groups"] != before["chart-groups"]
    assert after["network-picture"] != before["network-picture"]
    assert "steady state" in html_texts(rc, "live-round")[0]


def test_step_pause_and_reset(render):
    session = Session({**SMALL_TOWN, "seeding": {"strategy": "degree", "count": 40}})
    rc = render(Explore(session), session)
    model = built(session)
    seeds = model.seeds.copy()
    first = chart_values(rc)["network-picture"]
    for _ in range(3):
        button(rc, "Step").click()
    assert model.population.t == 3
    assert html_texts(rc, "live-round")[0].startswith("round 3 ")
    assert chart_values(rc)["network-picture"] != first

    session.live.delay.value = 0.5  # slow enough to pause mid-run
    button(rc, "Run").click()
    wait_until(lambda: model.population.t >= 4, 10, "a round of the run")
    button(rc, "Pause").click()
    session.live.wait(10)
    paused_at = model.population.t
    assert 4 <= paused_at < 13 and not session.live.playing.value

    button(rc, "Reset").click()
    wait_until(lambda: session.live.model is not model, 30, "the reset")
    fresh = built(session)
    assert fresh.population.t == 0 and np.array_equal(fresh.seeds, seeds)
    assert html_texts(rc, "live-round")[0].startswith("round 0")


def test_invalid_value_shows_a_message_and_keeps_the_model(render):
    session = Session(SMALL_TOWN)
    rc = render(Explore(session), session)
    model = built(session)
    type_into(rc, "threshold mean", 1.7)
    messages = alerts(rc, "scenario-error")
    assert len(messages) == 1
    assert "behaviours.0.threshold" in messages[0] and "less than or equal to 1" in messages[0]
    assert "Traceback" not in messages[0]
    assert session.live.model is model  # the last good model stays
    type_into(rc, "threshold mean", 0.3)
    assert alerts(rc, "scenario-error") == []


def test_network_errors_are_messages_not_tracebacks(render):
    session = Session({**SMALL_TOWN, "network": {"kind": "erdos_renyi", "n": 300, "mean_degree": -2.0}})
    rc = render(Explore(session), session)
    wait_until(lambda: session.live.error.value is not None, 30, "the build error")
    error = session.live.error.value
    assert "mean_degree" in error and "Traceback" not in error
    assert any("mean_degree" in m for m in alerts(rc, "model-error"))


def test_malformed_upload_shows_a_clear_message_and_nothing_breaks(render, tmp_path, monkeypatch):
    import dashboards.state as state

    monkeypatch.setattr(state, "UPLOAD_DIR", tmp_path / "uploads")
    session = Session(SMALL_TOWN)
    rc = render(Explore(session), session)
    built(session)
    rc.find(v.BtnToggle).widgets[0].v_model = 2  # "file"
    bad = b"<graphml><graph><node id='a'/><edge source='a'"
    assert accept_upload(session, {"name": "friends.graphml", "size": len(bad), "data": bad}) is False
    [message] = alerts(rc, "upload-error")
    assert message.startswith("Upload refused: friends.graphml: ") and "GraphML" in message
    assert str(tmp_path) not in message  # names the user's file, not where we kept it
    assert session.draft.value["network"]["kind"] == "town"  # the network in use is unchanged

    monkeypatch.setattr(state, "UPLOAD_LIMIT", 100)
    assert accept_upload(session, {"name": "big.edgelist", "size": 10_000, "data": None}) is False
    assert "over the upload limit" in alerts(rc, "upload-error")[0]

    button(rc, "Step").click()  # still working
    assert session.live.model.population.t == 1

    good = b"0 1\n1 2\n2 3\n3 0\n0 2\n"
    monkeypatch.setattr(state, "UPLOAD_LIMIT", 1024)
    assert accept_upload(session, {"name": "ring.edgelist", "size": len(good), "data": good}) is True
    assert session.draft.value["network"]["kind"] == "file"
    wait_until(lambda: session.live.scenario.network.kind == "file" and not session.live.busy, 30, "the upload build")
    session.live.wait(30)
    assert session.live.model.population.n == 4


def test_toml_export_round_trips_and_reproduces_the_run(render, tmp_path):
    session = Session({**SMALL_TOWN, "seeding": {"strategy": "degree", "count": 40}})
    rc = render(Explore(session), session)
    built(session)
    [toml_text] = [
        "".join(w.children) for w in rc.find(v.Html).widgets if "scenario-toml" in (getattr(w, "class_", "") or "")
    ]
    path = tmp_path / "scenario.toml"
    path.write_text(toml_text)
    scenario = Scenario.from_toml(path)
    assert scenario == session.live.scenario
    button(rc, "Run").click()
    session.live.wait(60)  # the run's thread
    shown = session.live.result()
    again = simulate(scenario)  # what `wellspread run scenario.toml` runs (replicate 0)
    assert np.array_equal(shown.seeds, again.seeds)
    assert shown.steps == again.steps
    np.testing.assert_array_equal(shown.history, again.history)
    assert shown.timeseries.equals(again.timeseries)


def test_opening_a_scenario_file_fills_the_editor():
    from dashboards.export import load_scenario_file

    draft, message = load_scenario_file("mine.toml", Scenario.model_validate(SMALL_TOWN).to_toml().encode())
    assert Scenario.model_validate(draft) == Scenario.model_validate(SMALL_TOWN) and message == "mine.toml: loaded"
    draft, message = load_scenario_file("bad.toml", b'steps = 10\n[[behaviours]]\nname = "a"\nrule = "sis"\nbeta = 3\n')
    assert draft is None and message.startswith("bad.toml: behaviours.0") and "less than or equal to 1" in message
    draft, message = load_scenario_file("broken.toml", b"steps = = 1")
    assert draft is None and message.startswith("broken.toml: not valid TOML")


def test_scenario_editor_covers_every_kind_and_rule(render):
    import networks
    from model.rules import RULES

    session = Session(SMALL_TOWN)
    rc = render(ScenarioEditor(session))
    from dashboards.labels import kind_label

    kind_select = [w for w in rc.find(v.Select).widgets if w.label == "kind of network"][0]
    for kind in networks.KINDS:
        kind_select.v_model = kind_label(kind)
        assert session.draft.value["network"]["kind"] == kind
    for rule in RULES:
        rule_select = [w for w in rc.find(v.Select).widgets if w.label == "rule"][0]  # remade per rule
        rule_select.v_model = rule
        assert session.draft.value["behaviours"][0]["rule"] == rule
        scenario, error = session.scenario()
        assert error is None, error


def test_interventions_and_other_settings_are_edited_and_run(render):
    session = Session(SMALL_TOWN)
    rc = render(Explore(session), session)
    built(session)
    button(rc, "add an intervention").click()
    [campaign] = session.draft.value["interventions"]
    assert campaign["kind"] == "campaign"
    kind = [w for w in rc.find(v.Select).widgets if w.label == "kind" and w.v_model == "campaign"][0]
    kind.v_model = "environment"
    type_into(rc, "threshold shift", 0.15)
    assert session.draft.value["interventions"][0] == {"kind": "environment", "start": 0, "end": 20, "threshold_shift": 0.15}
    area = [w for w in rc.find(v.Textarea).widgets if w.label == "other settings"][0]
    area.v_model = "weeks_per_step = 4.0\n"
    area.fire_event("focusout", {})
    assert session.draft.value["weeks_per_step"] == 4.0
    wait_until(lambda: session.live.scenario.interventions and session.live.scenario.weeks_per_step == 4.0, 30, "rebuild")
    built(session)
    button(rc, "Run").click()
    session.live.wait(60)
    # lowered thresholds let 5 seeds tip the town that they could not tip alone
    assert session.live.model.adoption()["activity"] > 0.5


def test_a_real_data_set_can_be_explored(render):
    import networks

    try:
        networks.datasets.data_dir()
    except networks.NetworkError as exc:
        pytest.skip(str(exc))
    session = Session(SMALL_TOWN)
    rc = render(Explore(session), session)
    built(session)
    rc.find(v.BtnToggle).widgets[0].v_model = 1  # "data set"
    assert session.draft.value["network"] == {"kind": "dataset", "name": "highschool_2013"}
    wait_until(lambda: session.live.scenario.network.kind == "dataset" and not session.live.busy, 60, "the data set")
    built(session)
    assert session.live.model.population.n == 329  # Mastrandrea et al. 2015: 329 students
    assert html_texts(rc, "live-info")[0].startswith("329 people")
    assert chart_values(rc)["network-picture"].startswith(b"\x89PNG")


# --------------------------------------------------------------------------- network view
def test_network_view_samples_big_networks_and_lays_out_once():
    import networks

    G = networks.generate("barabasi_albert", n=6000, seed=1, m=2)
    csr = networks.to_csr(G)
    layout = Layout(csr)
    assert len(layout.order) == DRAW_LIMIT and np.isfinite(layout.xy).all()
    hubs = np.argsort(-csr.degree)[:30]
    pic = Picture(layout, hubs)
    assert len(pic.people) <= DRAW_LIMIT and set(hubs) <= set(pic.people[pic.is_seed])
    adopted = np.zeros(csr.n, dtype=np.uint8)
    adopted[hubs] = 1
    png = pic.png(adopted)
    assert png.startswith(b"\x89PNG") and len(png) > 1000


def test_reset_reuses_the_cached_network_and_layout(render):
    session = Session(SMALL_TOWN)
    render(Explore(session), session)
    model = built(session)
    item = GRAPHS.get(session.live.scenario)
    assert item["graph"] is model.graph and item["layout"] is not None
    session.live.reset()
    wait_until(lambda: session.live.model is not model and not session.live.busy, 30, "the reset")
    session.live.wait(30)
    assert session.live.model.graph is model.graph
    assert GRAPHS.get(session.live.scenario)["layout"] is item["layout"]


# --------------------------------------------------------------------------- compare
def test_strategy_comparison_renders_table_and_plots(render):
    session = Session({**SMALL_TOWN, "seeding": {"strategy": "degree", "count": 30}})
    rc = render(Compare(session))
    slider(rc, "runs per arm").v_model = 3
    button(rc, "Compare").click()
    run = session.part("compare", lambda: None)
    run.job.join(180)
    st = run.state.value
    assert st.error is None and st.result is not None
    table = st.result["table"]
    assert list(table["strategy"]) == ["random", "degree"]
    html = " ".join(w.unsafe_innerHTML for w in rc.find(solara.widgets.HTML).widgets)
    assert "comparison-table" in html and "<td>random: random people</td>" in html
    assert "<td>degree: most connected people</td>" in html
    # best first, with a "vs random" column in percentage points
    assert html.index('data-strategy="degree"') < html.index('data-strategy="random"')
    assert "<th>vs random</th>" in html and "<td>baseline</td>" in html
    images = chart_values(rc)
    assert {"compare-curves", "compare-by_quintile"} <= set(images)
    assert table.loc[table["strategy"] == "degree", "final"].item() > table.loc[table["strategy"] == "random", "final"].item()


# --------------------------------------------------------------------------- sweeps
TINY_SWEEP = """
name = "tiny"
seed = 1
replicates = 2
[base]
steps = 30
[base.network]
kind = "barabasi_albert"
n = 300
m = 3
[[base.behaviours]]
name = "activity"
rule = "independent_cascade"
p = 0.08
[base.seeding]
strategy = "random"
count = 5
[vary]
"seeding.strategy" = ["random", "degree"]
[metrics]
keep_timeseries = true
"""


TINY_BASE = {
    "seed": 1, "steps": 30, "network": {"kind": "barabasi_albert", "n": 300, "m": 3},
    "behaviours": [{"name": "activity", "rule": "independent_cascade", "p": 0.08}],
    "seeding": {"strategy": "random", "count": 5},
}


def test_sweep_built_with_the_form_is_browsable(render, tmp_path):
    from dashboards.sweeps import SweepRun

    session = Session(TINY_BASE)
    sweeps = session.part("sweeps", lambda: SweepRun(tmp_path))
    rc = render(Sweeps(session))
    slider(rc, "runs per design point").v_model = 2
    type_into(rc, "name of the results", "tiny")
    assert "2 design point(s) x 2 runs = 4 runs" in " ".join(
        "".join(map(str, w.children)) for w in rc.find(v.Html).widgets if "sweep-plan" in (w.class_ or ""))
    button(rc, "Start sweep").click()
    sweeps.wait(240)
    assert sweeps.sweep.value.error is None, sweeps.sweep.value.error
    assert sweeps.sweep.value.line.startswith("4 runs ok")
    sweeps.wait(60)  # opening the folder
    st = sweeps.browse.value
    assert st.error is None, st.error
    assert len(st.runs) == 4 and set(st.runs["seeding.strategy"]) == {"random", "degree"}
    assert "tiny: 4 runs (4 ok) of 4 planned" in html_texts(rc, "sweep-info")[0]
    assert any(k.startswith("sweep-") for k in chart_values(rc))
    assert 'name = "tiny"' in st.experiment_toml
    assert (tmp_path / "tiny" / "sweep.json").is_file()  # under the results root, nowhere else
    # the summary's intervals for shares stay within [0, 1]
    shares = st.summary[st.summary["metric"].str.startswith("final.")]
    assert len(shares) and shares["ci_low"].between(0, 1).all() and shares["ci_high"].between(0, 1).all()
    # the results list offers it; the runs table shows no hashes or 19-digit seeds
    assert any("tiny" in w.children for w in rc.find(v.Btn).widgets)
    from dashboards.sweeps import _display_table

    shown = _display_table(st.runs)
    assert "run_id" not in shown.columns and "seed" not in shown.columns


def test_sweep_outputs_are_confined_to_the_results_root(tmp_path):
    from dashboards.sweeps import SweepRun, results_folder

    assert results_folder("ok-name_1", tmp_path) == tmp_path / "ok-name_1"
    for bad in ("../up", "/etc", "a/b", "..", ""):
        with pytest.raises(ValueError, match="results name"):
            results_folder(bad, tmp_path)
    sr = SweepRun(tmp_path)
    assert sr.start({"name": "x"}, name="../../escape") is None
    assert "results name" in sr.sweep.value.error and not (tmp_path.parent.parent / "escape").exists()


def test_opening_a_folder_that_is_not_a_sweep_says_so(tmp_path):
    from dashboards.sweeps import SweepRun

    sweeps = SweepRun(tmp_path)
    sweeps.open(str(tmp_path))
    sweeps.wait(30)
    assert "not a results folder" in sweeps.browse.value.error


# --------------------------------------------------------------------------- the whole page
def test_the_app_renders_all_three_views(render):
    session = Session(SMALL_TOWN)
    rc = render(Dashboard(session), session)
    built(session)
    tabs = rc.find(v.Tabs).widgets[0]
    for index, marker in ((1, "Compare"), (2, "Start sweep"), (0, "Run")):
        tabs.v_model = index
        assert button(rc, marker)
