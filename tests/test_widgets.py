"""The explorer, driven headless: changing a knob redraws figure and table, an invalid
combination shows the validation message (no traceback), a long horizon waits for the Run
button, and the scenarios the knobs build share their arrivals."""

from __future__ import annotations

import html

import pytest

pytest.importorskip("ipywidgets")

import lambdasim as ls  # noqa: E402
from lambdasim import widgets  # noqa: E402


@pytest.fixture
def ui() -> widgets.Explorer:
    return widgets.explorer()


def shown(ui) -> tuple[bytes, str]:
    return bytes(ui.figure.value), ui.summary.value


def test_default_explorer_shows_figure_and_table(ui):
    assert ui.runs == 1 and ui.error.value == ""
    assert bytes(ui.figure.value).startswith(b"\x89PNG")
    assert "<table" in ui.summary.value and "latency p99 (s)" in ui.summary.value
    push, pull = ui.results
    assert push.scenario.sources[0].kind == "s3" and pull.scenario.sources[0].kind == "kinesis"
    assert list(ui.table.columns) == ["push (s3)", "pull (kinesis)"]
    assert ui.progress.value == ui.progress.max
    assert "push and pull re-run" in ui.status.value
    # each knob is a widget attribute; sliders update when released
    for w in ui.knobs():
        if hasattr(w, "continuous_update") and "Slider" in type(w).__name__:
            assert w.continuous_update is False


def test_changing_a_knob_redraws(ui):
    before = shown(ui)
    offered = ui.table.loc["offered"].tolist()
    ui.rate.value = 40
    assert ui.runs == 2
    after = shown(ui)
    assert after[0] != before[0] and after[1] != before[1]
    assert ui.table.loc["offered"].iloc[0] > offered[0]
    # push and pull see the same arrivals
    assert ui.table.loc["offered"].iloc[0] == ui.table.loc["offered"].iloc[1]
    push = ui.results[0]
    ui.shards.value = 3
    assert ui.results[1].scenario.sources[0].shards == 3
    assert ui.results[0] is push  # a pull knob leaves the push run as it was
    assert "pull re-run" in ui.status.value and "push and" not in ui.status.value
    assert "shards x ParallelizationFactor 3" in " ".join(
        t.get_text() for ax in ui.fig.axes if ax.get_legend()
        for t in ax.get_legend().get_texts())
    ui.push_kind.value = "sns"
    assert ui.results[0].scenario.sources[0].kind == "sns"
    assert list(ui.table.columns)[0] == "push (sns)"


def test_invalid_combination_shows_the_validation_message(ui):
    ui.reserved_on.value = True  # reserved 100: valid, redrawn
    figure = shown(ui)[0]
    ui.reserved.value = 950  # account 1000 - 100 unreserved = 900 at most
    assert "reserved_concurrency = 950" in ui.error.value
    assert "Invalid settings" in ui.error.value
    assert "Traceback" not in ui.error.value and not ui.messages.outputs
    assert shown(ui)[0] == figure and "Not simulated" in ui.status.value
    assert isinstance(ui.last_error, ls.ScenarioError)
    ui.reserved.value = 10
    assert ui.error.value == "" and shown(ui)[0] != figure
    ui.provisioned.value = 20  # above reserved
    assert "provisioned_concurrency = 20" in ui.error.value
    ui.provisioned.value = 5
    assert ui.error.value == ""
    assert ui.results[0].scenario.functions[0].provisioned_concurrency == 5


def test_sqs_pull_source_and_its_batch_window_rule(ui):
    with ui.hold():
        ui.rate.value = 5
        ui.horizon.value = 60
        ui.pull_kind.value = "sqs"
    assert ui.sqs_box.layout.display is None and ui.kinesis_box.layout.display == "none"
    assert ui.results[1].scenario.sources[0].kind == "sqs"
    assert list(ui.table.columns)[1] == "pull (sqs)"
    ui.sqs_batch_size.value = 50  # BatchSize above 10 needs a batching window
    assert "batching_window_s" in ui.error.value
    ui.sqs_window.value = 1
    assert ui.error.value == ""
    assert ui.results[1].scenario.sources[0].batch_size == 50
    ui.sqs_max_concurrency.value = 1  # MaximumConcurrency is 2..1000
    assert "max_concurrency" in ui.error.value


def test_long_horizon_waits_for_the_run_button(ui):
    runs, figure = ui.runs, shown(ui)[0]
    ui.horizon.value = 600
    assert ui.runs == runs and shown(ui)[0] == figure
    assert "press Run" in ui.status.value and ui.run_button.button_style == "warning"
    ui.rate.value = 5
    assert ui.runs == runs
    ui.reserved_on.value = True
    ui.reserved.value = 5000  # checked at once even without a run
    assert "reserved_concurrency" in ui.error.value
    ui.reserved_on.value = False
    assert ui.error.value == ""
    ui.run_button.click()
    assert ui.runs == runs + 1 and shown(ui)[0] != figure
    assert ui.results[0].duration_s == 600
    assert ui.progress.value == ui.progress.max and ui.run_button.button_style == ""


def test_other_errors_are_shown_not_swallowed(ui, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("engine on fire")

    monkeypatch.setattr(widgets.ui, "simulate_in_slices", broken)
    ui.rate.value = 33
    assert "RuntimeError: engine on fire" in ui.error.value
    assert "engine on fire" in "".join(o.get("text", "") for o in ui.messages.outputs)
    assert "Traceback" in "".join(o.get("text", "") for o in ui.messages.outputs)
    assert isinstance(ui.last_error, RuntimeError) and not ui.run_button.disabled
    monkeypatch.undo()
    ui.rate.value = 34  # a good run clears the message and the traceback
    assert ui.error.value == "" and not ui.messages.outputs and ui.last_error is None


def test_hold_runs_once(ui):
    with ui.hold():
        ui.rate.value = 10
        ui.duration.value = 0.1
        ui.cold_start.value = 0
    assert ui.runs == 2
    fn = ui.results[0].scenario.functions[0]
    assert fn.cold_start is None and fn.duration.mean == pytest.approx(0.1)


def test_explorer_from_a_bundled_example():
    ui = widgets.explorer("async_overload")  # 900 s: waits for Run
    assert ui.runs == 0 and shown(ui)[0] == b""
    assert ui.rate.value == pytest.approx(40) and ui.reserved.value == 20
    assert ui.reserved_on.value and ui.horizon.value == 900
    push, pull = (ls.Scenario.from_dict(d) for d in widgets.build_scenarios(
        ui.values(), "async_overload"))
    # what the knobs do not set comes from the example
    assert push.sources[0].max_event_age_s == 300 and push.sources[0].destination == "dlq"
    assert push.functions[0].memory_mb == 1769 and pull.functions[0].memory_mb == 1769


def test_build_scenarios_same_arrivals_and_slices_change_nothing():
    values = {**widgets.default_values(), "horizon_s": 30.0, "pattern": "bursts"}
    push, pull = (ls.Scenario.from_dict(d) for d in widgets.build_scenarios(values))
    a = ls.simulate(push, seed=3)
    b = widgets.simulate_in_slices(pull, seed=3, slices=7)
    pa, pb = a.events, b.events
    assert pa.arrival_s.tolist() == pb.arrival_s.tolist()
    ref = ls.simulate(pull, seed=3)
    assert b.summary.equals(ref.summary)
    assert b.events.equals(ref.events)
    assert widgets.record_detail_for(values) == "full"
    assert widgets.record_detail_for({**values, "rate": 1000, "horizon_s": 3600}) == "histogram"


def test_app_parts_tooltips_and_css_classes(ui):
    # the two columns an app lays out itself (notebooks/explorer.ipynb)
    assert ui.rate in ui.controls.children[0].children and ui.figure in ui.output.children
    assert ui.summary in ui.output.children and ui.error in ui.output.children
    # every knob is explained in AWS terms, as its tooltip and in the notes
    notes = widgets.knob_help_html()
    for title, names in widgets.SECTIONS:
        assert f"<i>{title}</i>" in notes
        for name in names:
            w = getattr(ui, name)
            assert w.tooltip == widgets.KNOB_HELP[name] and w.tooltip != w.description
            assert f"lambdasim-{name.replace('_', '-')}" in w._dom_classes
            assert html.escape(widgets.KNOB_HELP[name]) in notes
    assert "ReservedConcurrentExecutions" in ui.reserved_on.tooltip
    assert "lambdasim-reserved-on" in ui.reserved_on._dom_classes
    assert "ParallelizationFactor" in notes and "MaximumConcurrency" in notes
    # each section of the controls column holds its knobs' controls (rows and kind boxes)
    def leaves(widget):
        kids = getattr(widget, "children", None)
        return [leaf for kid in kids for leaf in leaves(kid)] if kids else [widget]

    for (title, names), box in zip(widgets.SECTIONS, ui.controls.children, strict=True):
        assert title in box.children[0].value
        assert all(any(getattr(ui, n) is w for w in leaves(box)) for n in names)
    assert ui.shards in ui.kinesis_box.children and ui.sqs_window in ui.sqs_box.children


def test_knob_values_round_trip_through_the_scenarios():
    """What the knobs put into the two scenarios is what reading them back gives (every knob
    the table maps), on a base with an empirical duration and a constant cold start."""
    base = {**widgets.DEFAULT_BASE, "functions": [{
        "name": "fn", "timeout_s": 60, "duration": {"dist": "empirical", "samples_s": [0.1, 0.3]},
        "cold_start": {"dist": "constant", "value_s": 0.5}}]}
    values = {"rate": 7.0, "pattern": "ramp", "duration_s": 0.4, "cold_start_s": 1.5,
              "account": 800, "reserved": 40, "provisioned": 3, "push_kind": "sns",
              "pull_kind": "sqs", "sqs_batch_size": 50, "sqs_window_s": 2.0,
              "sqs_max_concurrency": 20, "horizon_s": 90.0}
    push, pull = widgets.build_scenarios(values, base)
    for side in (push, pull):
        back = widgets.values_from_scenario(side)
        for key in ("rate", "pattern", "duration_s", "cold_start_s", "account", "reserved",
                    "provisioned", "horizon_s"):
            assert back[key] == pytest.approx(values[key]), key
    assert widgets.values_from_scenario(push)["push_kind"] == "sns"
    back = widgets.values_from_scenario(pull)
    assert {k: back[k] for k in ("pull_kind", "sqs_batch_size", "sqs_window_s",
                                 "sqs_max_concurrency")} == {
        "pull_kind": "sqs", "sqs_batch_size": 50, "sqs_window_s": 2.0, "sqs_max_concurrency": 20}
    fn = ls.Scenario.from_dict(pull).functions[0]
    assert fn.duration.dist == "empirical" and fn.cold_start.dist == "constant"  # shapes kept
    # the queue's visibility timeout was raised to the function's timeout (the spec's rule)
    assert ls.Scenario.from_dict(pull).sources[0].visibility_timeout_s == 60
    kinesis = widgets.build_scenarios({**values, "pull_kind": "kinesis", "shards": 5,
                                       "batch_size": 500, "window_s": 1.5,
                                       "parallelization": 3}, base)[1]
    back = widgets.values_from_scenario(kinesis)
    assert {k: back[k] for k in ("shards", "batch_size", "window_s", "parallelization")} == {
        "shards": 5, "batch_size": 500, "window_s": 1.5, "parallelization": 3}
    with pytest.raises(ls.ScenarioError, match=r"^function duration = 0 s: must be > 0$"):
        widgets.build_scenarios({**values, "duration_s": 0})
    with pytest.raises(ls.ScenarioError, match=r"^pattern = 'step': must be one of poisson, "):
        widgets.build_scenarios({**values, "pattern": "step"})
