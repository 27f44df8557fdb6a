"""Issue 20, in process (no browser): Stop, invalid fields, Compare's choices and A vs B, intervals, links.

The same behaviours are driven in a real browser in ``test_dashboard_browser.py``.
"""

from __future__ import annotations

import os
import time

import ipyvuetify as v
import solara

from dashboards.compare import Compare, CompareRun, runnable_strategies, table_html
from dashboards.explore import Explore
from dashboards.jobs import live_jobs
from dashboards.state import Session, check
from model import Scenario

from .test_dashboard import (
    SMALL_TOWN,
    built,
    button,
    render,  # noqa: F401 (the fixture)
    slider,
    type_into,
    wait_until,
)

CELF_TOWN = {**SMALL_TOWN, "seeding": {"strategy": "celf", "count": 30, "trials": 400}}


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and its threads (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_stop_ends_a_comparison_inside_celf_within_2_seconds_and_the_cpu_goes_idle():
    run = CompareRun()
    scenario = Scenario.model_validate(CELF_TOWN)
    run.start(scenario, ["random", "celf"], 5)
    wait_until(lambda: run.job is not None and run.job.alive, 30, "the child process")
    child = run.job.process.pid
    # well inside the work: the child has burnt CPU (building, then CELF's simulations)
    wait_until(lambda: cpu_seconds(child) > 2.0, 120, "the child to be busy")
    assert run.state.value.status and run.state.value.result is None
    t0 = time.monotonic()
    run.cancel()
    wait_until(lambda: not run.state.value.status, 2.0, "the page to be idle")
    idle_after = time.monotonic() - t0
    wait_until(lambda: not os.path.exists(f"/proc/{child}") or open(f"/proc/{child}/stat").read().split()[2] == "Z",
               5.0, "the child to end")
    assert live_jobs() == []
    assert "Stopped" in run.state.value.error and idle_after < 2.0
    # this (server) process is idle too: under 0.25 s of CPU over the next 2 s
    before = time.process_time()
    time.sleep(2.0)
    assert time.process_time() - before < 0.25


def test_stop_ends_explores_build_inside_celf_within_2_seconds_and_the_cpu_goes_idle():
    """Explore's model build chooses CELF's first adopters in a child process: Stop ends it at once."""
    from dashboards.state import LiveRun

    live = LiveRun()
    live.build(Scenario.model_validate(CELF_TOWN))
    wait_until(lambda: live.stoppable, 60, "the child choosing first adopters")
    child = live._job.process.pid
    wait_until(lambda: cpu_seconds(child) > 2.0, 120, "the child to be busy")
    assert live.busy and live.model is None
    t0 = time.monotonic()
    live.stop()
    wait_until(lambda: not live.busy, 2.0, "the page to be idle")
    idle_after = time.monotonic() - t0
    wait_until(lambda: not os.path.exists(f"/proc/{child}") or open(f"/proc/{child}/stat").read().split()[2] == "Z",
               5.0, "the child to end")
    live.wait(2.0)
    assert not any(t.is_alive() for t in live._threads.threads), "the build thread still waits"
    assert live_jobs() == [] and "Stopped" in live.error.value and idle_after < 2.0
    before = time.process_time()
    time.sleep(2.0)
    assert time.process_time() - before < 0.25


def test_a_celf_build_in_the_child_recruits_the_seeds_the_model_chooses_itself():
    """The plan made in the child is the model's own: same seeds as a model built in one go."""
    from model import BehaviourModel

    scenario = Scenario.model_validate({**SMALL_TOWN, "seeding": {"strategy": "celf", "count": 3, "trials": 20}})
    from dashboards.state import LiveRun

    live = LiveRun()
    live.build(scenario)
    live.wait(240)
    assert live.error.value is None and live.model is not None
    direct = BehaviourModel(scenario, agents=False)
    assert list(live.model.seeds) == list(direct.seeds) and len(direct.seeds) == 3
    for _ in range(5):
        live.model.step()
        direct.step()
    assert live.model.adoption() == direct.adoption()


def test_invalid_field_is_marked_run_disabled_and_the_old_model_is_not_run(render):  # noqa: F811
    session = Session(SMALL_TOWN)
    rc = render(Explore(session), session)
    model = built(session)
    type_into(rc, "people in the network", 0)
    assert session.scenario()[0] is None
    fields = [w for w in rc.find(v.TextField).widgets if w.label == "people in the network"]
    assert fields and fields[0].error and "greater than" in str(fields[0].messages)
    assert "field-invalid" in (fields[0].class_ or "")
    assert fields[0].v_model == "0"  # the field shows what was typed, not a stale value
    run = [w for w in rc.find(v.Btn).widgets if "Run" in w.children][0]
    assert run.disabled
    assert session.live.model is model  # nothing ran
    type_into(rc, "people in the network", 1500)
    wait_until(lambda: not [w for w in rc.find(v.Btn).widgets if "Run" in w.children][0].disabled, 60, "Run enabled")


def test_more_first_adopters_than_people_is_refused_not_everyone():
    scenario, error = check({**SMALL_TOWN, "seeding": {"strategy": "degree", "count": 2000}})
    assert scenario is None and "seeding.count" in error and "more than the 1,500 people" in error
    session = Session({**SMALL_TOWN, "seeding": {"strategy": "degree", "count": 2000}})
    assert "more than the 1,500 people" in session.field_error(("seeding", "count"))


def test_compare_offers_only_strategies_that_can_run():
    scenario = Scenario.model_validate(SMALL_TOWN)
    names, left_out = runnable_strategies(scenario)
    assert "group" not in names and "given" not in names
    assert "attribute" in left_out["group"]
    grouped = Scenario.model_validate({**SMALL_TOWN, "seeding": {"strategy": "group", "count": 20,
                                                                 "attribute": "deprivation", "values": [1]}})
    assert "group" in runnable_strategies(grouped)[0]


def test_compare_renders_no_group_option(render):  # noqa: F811
    session = Session(SMALL_TOWN)
    rc = render(Compare(session))
    select = [w for w in rc.find(v.Select).widgets if w.label == "strategies (two or more)"][0]
    assert "group" not in select.items and "degree" in select.items


def test_a_against_b_compares_two_scenarios(render):  # noqa: F811
    session = Session({**SMALL_TOWN, "seeding": {"strategy": "degree", "count": 5}})
    rc = render(Compare(session))
    rc.find(v.BtnToggle).widgets[0].v_model = 1  # scenarios (A vs B)
    button(rc, "keep Explore as A").click()
    session.edit(("seeding", "count"), 40)
    button(rc, "keep Explore as B").click()
    slider(rc, "runs per arm").v_model = 3
    button(rc, "Compare").click()
    run = session.part("compare", CompareRun)
    run.job.join(240)
    res = run.state.value.result
    assert run.state.value.error is None and res is not None and res["mode"] == "scenarios"
    table = res["table"].set_index("strategy")
    assert set(table.index) == {"A", "B"} and table.loc["B", "final"] > table.loc["A", "final"]
    assert ((0 <= table["ci_low"]) & (table["ci_high"] <= 1)).all()
    html = " ".join(w.unsafe_innerHTML for w in rc.find(solara.widgets.HTML).widgets)
    assert "<th>vs A</th>" in html


def test_comparison_table_is_sorted_with_vs_random_and_bounded_intervals():
    import pandas as pd

    table = pd.DataFrame([
        {"strategy": "random", "final": 0.02, "ci_low": 0.0, "ci_high": 0.09, "runs": 5, "tipped": 0.0,
         "adopters_per_seed": 1.0, "adopters_per_budget": 1.0, "t25": float("nan"), "t50": float("nan")},
        {"strategy": "degree", "final": 0.8, "ci_low": 0.6, "ci_high": 0.93, "runs": 5, "tipped": 0.8,
         "adopters_per_seed": 30.0, "adopters_per_budget": 30.0, "t25": 4.0, "t50": 6.0},
        {"strategy": "celf", "final": 0.5, "ci_low": float("nan"), "ci_high": float("nan"), "runs": 1, "tipped": 1.0,
         "adopters_per_seed": 20.0, "adopters_per_budget": 20.0, "t25": 5.0, "t50": 9.0},
    ])
    html = table_html(table)
    order = [html.index(f'data-strategy="{s}"') for s in ("degree", "celf", "random")]
    assert order == sorted(order)
    assert "+78.0 pts" in html and "no interval (1 replicate)" in html
    assert "60.0% - 93.0%" in html


def test_a_link_reproduces_the_scenario():
    from dashboards.export import draft_from_query, scenario_query

    draft = {**SMALL_TOWN, "seeding": {"strategy": "pagerank", "count": 12}}
    query = scenario_query(draft)
    assert draft_from_query(f"scenario={query}") == draft
    assert draft_from_query("scenario=not-base64!") is None and draft_from_query(None) is None


def test_info_page_explains_first_adopters_and_the_random_seed():
    from dashboards.info import info_html

    text = info_html()
    assert "first adopters" in text and "random seed" in text and "week" in text


def test_report_intervals_for_shares_stay_in_unit_range(tmp_path):
    """report's summary of a sweep whose runs split between fizzling and tipping: no bound outside [0, 1]."""
    import pandas as pd

    from experiments.report import summarise

    runs = pd.DataFrame({"point": [0] * 4 + [1] * 4, "status": ["ok"] * 8,
                         "final.activity": [0.0, 0.0, 0.01, 0.97, 0.99, 1.0, 1.0, 0.2]})
    summary = summarise(runs, [])
    assert summary["ci_low"].between(0, 1).all() and summary["ci_high"].between(0, 1).all()


def test_report_times_never_below_zero_and_curves_in_percent():
    """report: a "weeks to 25%" interval never starts below 0; its share axes read in % (as the dashboard)."""
    import numpy as np
    import pandas as pd
    from matplotlib.ticker import PercentFormatter

    from experiments.report import curves_figure, summarise

    runs = pd.DataFrame({"point": [0] * 4, "status": ["ok"] * 4, "final.activity": [0.3, 0.4, 0.5, 0.2],
                         "time.activity.0.25": [0.0, 0.0, 0.0, 9.0],
                         "series.activity": [np.linspace(0, s, 6) for s in (0.3, 0.4, 0.5, 0.2)]})
    summary = summarise(runs, []).set_index("metric")
    row = summary.loc["time.activity.0.25"]
    assert row["ci_low"] == 0.0 and row["ci_high"] > row["mean"] > 0
    fig = curves_figure(runs, "activity", [])
    assert fig is not None and all(isinstance(ax.yaxis.get_major_formatter(), PercentFormatter) for ax in fig.axes if ax.get_visible())


def test_compare_charts_time_axis_is_in_weeks(monkeypatch, tmp_path):
    """Compare's curves are drawn against weeks, as its table's "weeks to 25%": 2 weeks a round."""
    import matplotlib.figure

    from dashboards.compare import compare_job

    figures = []
    save = matplotlib.figure.Figure.savefig

    def keep(fig, *args, **kwargs):
        figures.append(fig)
        return save(fig, *args, **kwargs)

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", keep)
    scenario = Scenario.model_validate({**SMALL_TOWN, "steps": 10, "stop_when_steady": False})
    out = compare_job("strategies", [(scenario, ["random", "degree"])], 2, None, 2.0)
    assert "curves.png" in out["images"]
    ax = figures[0].axes[0]
    assert ax.get_xlabel() == "week"
    rounds = max(len(line.get_xdata()) for line in ax.get_lines()) - 1
    assert max(float(line.get_xdata()[-1]) for line in ax.get_lines()) == 2.0 * rounds
