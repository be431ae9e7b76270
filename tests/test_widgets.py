"""The explorer, driven headless: changing a knob redraws figure and table, an invalid
combination shows the validation message (no traceback), concurrency the account cannot hold
(a small account, a large reservation) is lowered and explained instead of refused, the page
says when the push latency is mostly the assumed delivery delay, the table comes before the
figure, a long horizon waits for the Run button, and the scenarios the knobs build share
their arrivals."""

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
    figure = shown(ui)[0]
    with ui.hold():
        ui.pull_kind.value = "sqs"
        ui.sqs_batch_size.value = 50  # BatchSize above 10 needs a batching window
    assert "batching_window_s" in ui.error.value and "Invalid settings" in ui.error.value
    assert "Traceback" not in ui.error.value and not ui.messages.outputs
    assert shown(ui)[0] == figure and "Not simulated" in ui.status.value
    assert isinstance(ui.last_error, ls.ScenarioError)
    ui.sqs_window.value = 1
    assert ui.error.value == "" and shown(ui)[0] != figure


def test_concurrency_the_account_cannot_hold_is_lowered_and_explained(ui):
    ui.reserved_on.value = True  # reserved 100: valid, no note
    assert ui.error.value == "" and "lambdasim-fitted" not in ui.note.value
    runs = ui.runs
    ui.reserved.value = 950  # account 1000 - 100 unreserved = 900 at most
    assert ui.error.value == "" and ui.runs == runs + 1
    assert "Reserved concurrency 950 lowered to 900" in ui.note.value
    assert "keeps min(100, 1000) = 100 unreserved" in ui.note.value
    assert ui.results[0].scenario.functions[0].reserved_concurrency == 900
    assert ui.reserved.value == 950  # the knob keeps the value asked for
    ui.reserved.value = 10
    ui.provisioned.value = 20  # above reserved
    assert ui.error.value == "" and "Provisioned concurrency 20 lowered to 10" in ui.note.value
    assert ui.results[0].scenario.functions[0].provisioned_concurrency == 10
    ui.provisioned.value = 5
    assert "lambdasim-fitted" not in ui.note.value
    assert ui.results[0].scenario.functions[0].provisioned_concurrency == 5


def test_a_small_account_is_not_an_error(ui):
    """Accounts under 100 are valid (AWS keeps min(100, limit) unreserved): the slider's
    smallest values run, and a reservation they cannot hold is left out, with a note."""
    ui.account.value = ui.account.min  # 10: a new account
    assert ui.error.value == "" and ui.results[0].scenario.account.concurrency_limit == 10
    with ui.hold():
        ui.account.value = 50
        ui.reserved_on.value = True  # 100, more than an account of 50 can reserve
        ui.provisioned.value = 5
    assert ui.error.value == "" and "Invalid" not in ui.error.value
    fn = ui.results[0].scenario.functions[0]
    assert fn.reserved_concurrency is None and fn.provisioned_concurrency == 0
    assert "Reserved concurrency 100 not applied" in ui.note.value
    assert "Provisioned concurrency 5 lowered to 0" in ui.note.value
    assert ui.results[0].summary.offered.iloc[0] > 0
    ui.account.value = 300  # room again: the knobs' values apply as set
    fn = ui.results[0].scenario.functions[0]
    assert fn.reserved_concurrency == 100 and fn.provisioned_concurrency == 5
    assert "lambdasim-fitted" not in ui.note.value


def test_every_account_slider_value_builds_a_valid_scenario():
    account = next(k for k in widgets.KNOBS if k.attr == "account")
    lo, hi, step = account.kw["min"], account.kw["max"], account.kw["step"]
    limits = sorted({lo, lo + step, 50, 90, 100, 110, 150, 1000, hi})
    for limit in limits:
        assert lo <= limit <= hi
        for reserved in (None, 0, 5, 100, 950, 3000):
            for provisioned in (0, 5, 1000):
                values = {**widgets.default_values(), "account": limit, "reserved": reserved,
                          "provisioned": provisioned}
                notes: list[str] = []
                push, pull = widgets.build_scenarios(values, notes=notes)
                for d in (push, pull):
                    fn = ls.Scenario.from_dict(d).functions[0]  # valid
                    assert fn.provisioned_concurrency <= provisioned
                changed = (push["functions"][0].get("reserved_concurrency") != reserved
                           or push["functions"][0].get("provisioned_concurrency") != provisioned)
                assert bool(notes) == changed, (limit, reserved, provisioned, notes)
    # the rule is the spec's: what the account keeps unreserved
    fn = {"reserved_concurrency": 140, "provisioned_concurrency": 0}
    assert widgets.fit_concurrency({"concurrency_limit": 150, "unreserved_minimum": 20}, fn) == [
        "Reserved concurrency 140 lowered to 130: an account limit of 150 keeps min(20, 150) = "
        "20 unreserved."]
    assert fn["reserved_concurrency"] == 130


def test_the_page_says_when_push_latency_is_mostly_the_assumed_delivery_delay(ui):
    parts = widgets.push_latency_parts(ui.results[0])  # S3 at 20/s, no throttles
    total = parts["delivery_s"] + parts["dequeue_s"] + parts["retry_wait_s"] + parts[
        "invocation_s"]
    assert total == pytest.approx(parts["latency_s"], rel=1e-9)
    assert parts["assumed_share"] > widgets.ASSUMED_DELAY_NOTE_SHARE
    assert parts["retry_wait_s"] == pytest.approx(0, abs=1e-12)
    ev = ui.results[0].events
    assert parts["delivery_s"] == pytest.approx((ev.enqueued_s - ev.arrival_s)[
        ev.outcome == "succeeded"].mean())
    assert "lambdasim-latency-note" in ui.note.value
    assert "Push latency is mostly an assumed delay" in ui.note.value
    assert f"S3 delivering the event to Lambda's queue takes {parts['delivery_s']:.3g} s" in (
        html.unescape(ui.note.value))
    # histogram detail: from the delay distributions' means and the summary's mean latency
    push = ui.results[0].scenario
    hist = widgets.push_latency_parts(ls.simulate(push, seed=0, record_detail="histogram"))
    src = push.sources[0]
    assert hist["delivery_s"] == pytest.approx(src.delivery.mean)
    assert hist["assumed_share"] == pytest.approx(parts["assumed_share"], rel=0.1)
    # throttled: the wait for retries dominates, no note
    with ui.hold():
        ui.reserved_on.value = True
        ui.reserved.value = 2
    parts = widgets.push_latency_parts(ui.results[0])
    assert parts["retry_wait_s"] > parts["delivery_s"]
    assert parts["assumed_share"] < widgets.ASSUMED_DELAY_NOTE_SHARE
    assert "lambdasim-latency-note" not in ui.note.value
    assert widgets.push_latency_parts(ui.results[1]) is None  # the pull run
    assert widgets.push_latency_note(ui.results[1]) == ""


def test_the_table_comes_before_the_figure(ui):
    kids = list(ui.output.children)
    assert kids.index(ui.error) < kids.index(ui.note) < kids.index(ui.summary) < kids.index(
        ui.figure)
    assert "lambdasim-note" in ui.note._dom_classes


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
    ui.reserved.value = 3000  # checked at once even without a run: lowered, and said so
    assert ui.runs == runs and ui.error.value == ""
    assert "Reserved concurrency 3000 lowered to 900" in ui.note.value
    ui.sqs_max_concurrency.value = 1  # no effect on Kinesis: still valid
    with ui.hold():
        ui.pull_kind.value = "sqs"
    assert "max_concurrency" in ui.error.value  # invalid, shown without a run
    with ui.hold():
        ui.pull_kind.value = "kinesis"
        ui.reserved_on.value = False
    assert ui.error.value == "" and "lambdasim-fitted" not in ui.note.value
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


def test_permission_toggles_take_one_path_away_at_a_time():
    """Push: SNS deliveries are refused (zero invocations, dropped, reason permission); pull:
    the mapping cannot be created (the execution role reads nothing), a one-line refusal."""
    from lambdasim.widgets.scenarios import build_scenarios

    push, pull = build_scenarios({"push_kind": "sns", "pull_kind": "kinesis",
                                  "push_permission_missing": True, "horizon_s": 60})
    r = ls.simulate(ls.Scenario.from_dict(push), seed=1)
    assert len(r.invocations) == 0
    done = r.events[r.events.outcome != "in_flight"]
    assert len(done) > 0 and (done.reason == "permission").all()
    ls.Scenario.from_dict(pull)  # the pull side keeps its permissions
    push, pull = build_scenarios({"push_kind": "sns", "pull_kind": "kinesis",
                                  "pull_permission_missing": True, "horizon_s": 60})
    ls.Scenario.from_dict(push)
    with pytest.raises(ls.ScenarioError, match="execution_role does not allow kinesis:"):
        ls.Scenario.from_dict(pull)
