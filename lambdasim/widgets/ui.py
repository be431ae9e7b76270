"""The explorer UI: the controls made from the knob table, the output column (status,
validation message, notes, summary table, figure), and what a change does (re-simulate the
side it changes, redraw). The table comes before the figure so that it is seen without
scrolling on a laptop screen; the notes say when a concurrency value was fitted to the
account and when the push run's latency is mostly the assumed delivery delay."""

from __future__ import annotations

import html
import time
import traceback
from contextlib import contextmanager

import pandas as pd

from ..plots.live import LiveCompare
from ..spec import Scenario, ScenarioError
from .controls import W, control, css, lay_out, switch
from .knobs import KNOBS
from .scenarios import (
    LABELS,
    SLICES,
    _build,
    _scenario_dict,
    record_detail_for,
    simulate_in_slices,
    values_from_scenario,
)
from .table import notes_html, push_latency_note, summary_table, table_html

#: longest horizon (simulated seconds) redone on every change; longer ones wait for Run
AUTO_RUN_MAX_S = 300.0
PNG_DPI = 72
_OUTPUTS = ("progress", "status", "error", "note", "figure", "summary", "messages")


class Explorer(W.VBox):
    """The explorer UI. Child widgets are attributes (``rate``, ``pattern``, ``duration``,
    ``cold_start``, ``account``, ``reserved_on``, ``reserved``, ``provisioned``, ``push_kind``,
    ``pull_kind``, ``shards``, ``batch_size``, ``window``, ``parallelization``,
    ``sqs_batch_size``, ``sqs_window``, ``sqs_max_concurrency``, ``horizon``, ``seed``,
    ``run_button``, ``progress``, ``status``, ``error``, ``note``, ``summary``, ``figure``,
    ``messages``); ``run()`` simulates and redraws synchronously; after a run ``results``,
    ``scenarios``, ``table``, ``fig`` and ``notes`` hold what is shown. ``controls`` (the
    knobs) and ``output`` (status, messages, notes, table, figure) are the two columns, for an
    app that lays them out itself (``notebooks/explorer.ipynb``). Each knob's tooltip explains
    it in AWS terms (:data:`KNOB_HELP`); each part has the CSS class ``lambdasim-<attribute>``
    (underscores as dashes: ``lambdasim-run-button``)."""

    def __init__(self, scenario=None):
        self.base = _scenario_dict(scenario)
        v = values_from_scenario(self.base)
        self.results = self.scenarios = self.fig = None
        self._live = LiveCompare(PNG_DPI)  # the figure, kept and redrawn
        self.table: pd.DataFrame | None = None
        self.last_error: Exception | None = None
        self.notes: list[str] = []  # the notes shown; _fitted: those of the last settings
        self._fitted: list[str] = []
        self.runs = 0
        self._held = self._dirty = False
        # the last (scenario, seed, detail) and result of each side: a knob of one side only
        # (e.g. shards) leaves the other side's run as it was
        self._last: list = [None, None]

        for knob in KNOBS:  # the knobs' controls, made from the knob table
            value = v[knob.key] if knob.key else None
            setattr(self, knob.attr, control(knob, value))
            if knob.none == "unchecked":
                setattr(self, f"{knob.attr}_on", switch(knob, value))
        self.progress = W.IntProgress(value=0, min=0, max=2 * SLICES + 1,
                                      layout=W.Layout(width="200px"))
        self.status = W.Label(value="")
        self.error = W.HTML(value="")
        self.note = W.HTML(value="")
        self.figure = W.Image(format="png", layout=W.Layout(width="100%", max_width="1000px"))
        self.summary = W.HTML(value="")
        self.messages = W.Output()
        for name in _OUTPUTS:
            css(getattr(self, name), name)

        self.controls, self.kind_boxes = lay_out(self, {"run_button": [self.progress]})
        self.kinesis_box, self.sqs_box = self.kind_boxes["kinesis"], self.kind_boxes["sqs"]
        self.output = css(W.VBox([self.status, self.error, self.note, self.summary, self.figure,
                                  self.messages], layout=W.Layout(flex="1 1 600px")), "output")
        super().__init__([
            W.HTML("<h3>lambdasim explorer: one workload, pushed vs pulled</h3>"),
            W.HBox([self.controls, self.output], layout=W.Layout(flex_flow="row wrap")),
        ])

        for w in self.knobs():
            w.observe(self._on_change, names="value")
        for knob in KNOBS:
            if knob.none == "unchecked":
                getattr(self, f"{knob.attr}_on").observe(self._on_change, names="value")
        self.run_button.on_click(lambda _b: self.run())
        self._show_kind()
        self._on_change(None)

    # -- values ---------------------------------------------------------------------------
    def knobs(self) -> list:
        """The widgets whose values make the scenarios."""
        return [getattr(self, k.attr) for k in KNOBS if k.key]

    def values(self) -> dict:
        """The current knob values (see :func:`default_values`)."""
        out = {}
        for k in (k for k in KNOBS if k.key):
            value = getattr(self, k.attr).value
            if k.none == "unchecked" and not getattr(self, f"{k.attr}_on").value:
                value = None
            elif k.none == "zero":
                value = value or None
            out[k.key] = value
        return out

    @contextmanager
    def hold(self):
        """Change several knobs at once: one update when the block ends."""
        self._held, self._dirty = True, False
        try:
            yield self
        finally:
            self._held = False
            if self._dirty:
                self._on_change(None)

    @property
    def auto(self) -> bool:
        """Whether changes redraw at once (horizon <= AUTO_RUN_MAX_S)."""
        return self.horizon.value <= AUTO_RUN_MAX_S

    # -- callbacks ------------------------------------------------------------------------
    def _show_kind(self) -> None:
        for kind, box in self.kind_boxes.items():
            box.layout.display = None if kind == self.pull_kind.value else "none"
        for k in KNOBS:
            if k.none == "unchecked":
                getattr(self, k.attr).disabled = not getattr(self, f"{k.attr}_on").value

    def _on_change(self, _change) -> None:
        if self._held:
            self._dirty = True
            return
        self._show_kind()
        if self.auto:
            self.run()
            return
        # long horizon: check the settings now, simulate on Run
        if self._build() is not None:
            self.status.value = (f"Horizon above {AUTO_RUN_MAX_S:g} s: press Run to "
                                 "simulate (the figure shows the last run).")
            self.run_button.button_style = "warning"
            self._show_notes(self._fitted)

    def _build(self):
        """Validated (push, pull) scenarios, or None after showing why not."""
        fitted: list[str] = []
        try:
            dicts = _build(self.values(), self.base, fitted)
            scenarios = tuple(Scenario.from_dict(d) for d in dicts)
        except ScenarioError as exc:
            self._invalid(exc)
            return None
        except Exception as exc:  # noqa: BLE001 - shown to the user, not swallowed
            self._failed(exc)
            return None
        self.error.value = ""
        self._fitted = fitted
        return scenarios

    def _invalid(self, exc: Exception) -> None:
        self.last_error = exc
        self.error.value = (f"<div style='color:#b00020'><b>Invalid settings:</b> "
                            f"{html.escape(str(exc))}</div>")
        self.status.value = "Not simulated: fix the settings (the figure shows the last run)."

    def _failed(self, exc: Exception) -> None:
        self.last_error = exc
        what = html.escape(f"{type(exc).__name__}: {exc}")
        self.error.value = (f"<div style='color:#b00020'><b>Error:</b> {what} (traceback "
                            "below)</div>")
        self.status.value = "Failed (the figure shows the last run)."
        self.messages.append_stderr("".join(traceback.format_exception(exc)))

    def run(self) -> bool:
        """Simulate both scenarios and redraw figure and table, synchronously. Returns whether
        it did (False: the settings are invalid or the run failed; the message is shown)."""
        scenarios = self._build()
        if scenarios is None:
            return False
        values = self.values()
        detail = record_detail_for(values)
        self.run_button.button_style = ""
        self.run_button.disabled = True
        self.progress.value = 0
        self.status.value = "running..."
        t0 = time.perf_counter()
        try:
            results, simulated = _simulate_sides(
                scenarios, values["seed"], detail, self._last,
                lambda i, k: setattr(self.progress, "value", i * SLICES + k))
            self._draw(results)
            self.progress.value = self.progress.max
        except Exception as exc:  # noqa: BLE001 - shown to the user, not swallowed
            self._failed(exc)
            return False
        finally:
            self.run_button.disabled = False
        self.scenarios, self.results = scenarios, tuple(results)
        self.runs += 1
        self.last_error = None
        self.messages.outputs = ()
        note = "" if detail == "full" else (
            " Long run: per-event data not kept (record_detail='histogram'); latency "
            "percentiles from a histogram.")
        which = " and ".join(simulated) or "nothing (unchanged)"
        self.status.value = (f"{values['horizon_s']:g} s simulated, seed {values['seed']}: "
                             f"{which} re-run, redrawn in {time.perf_counter() - t0:.2f} s."
                             f"{note}")
        return True

    def _draw(self, results) -> None:
        a, b = results
        png = self._live.update(a, b, labels=LABELS)
        self.fig = self._live.fig
        self.table = summary_table(results, (f"push ({a.scenario.sources[0].kind})",
                                             f"pull ({b.scenario.sources[0].kind})"))
        self._show_notes(self._fitted, push_latency_note(a))  # first: shown with the table
        self.figure.value = png
        self.summary.value = table_html(
            self.table, "Same arrivals in both runs (same seed and source name); each run has "
                        "the account to itself. The figure is below.")

    def _show_notes(self, fitted: list[str], latency: str = "") -> None:
        self.notes = [*fitted, *([latency] if latency else [])]
        self.note.value = notes_html(fitted, latency)


def _simulate_sides(scenarios, seed: int, detail: str, last: list, on_step):
    """The result of each side, and the labels of the sides simulated: a side whose
    (scenario, seed, detail) is that of its ``last`` run keeps that run's result; ``last`` is
    updated. ``on_step(i, k)`` reports slice k (1..SLICES) of side i."""
    results, simulated = [], []
    for i, sc in enumerate(scenarios):
        key = (sc, seed, detail)
        if last[i] is not None and last[i][0] == key:  # this side did not change
            results.append(last[i][1])
            on_step(i, SLICES)
            continue
        results.append(simulate_in_slices(sc, seed, detail, SLICES,
                                          lambda k, i=i: on_step(i, k)))
        last[i] = (key, results[-1])
        simulated.append(LABELS[i])
    return results, simulated


def explorer(scenario=None) -> Explorer:
    """The push-vs-pull explorer (an ipywidgets VBox; display it in a notebook or Voila).

    ``scenario`` (a Scenario, a dict, a YAML path or a bundled example's name) provides what
    the knobs do not set and their starting values (see :func:`build_scenarios`); None
    starts from :data:`DEFAULT_BASE` (S3 vs a one-shard Kinesis stream at 20 events/s for
    2 simulated minutes)."""
    return Explorer(scenario)
