"""An interactive explorer: one workload, pushed to a function and pulled by it, side by side.

``explorer()`` returns an ipywidgets UI (needs the ``notebooks`` extra: ``pip install
-e ".[notebooks]"``). Its knobs are the workload (arrival rate and pattern), the function
(mean duration, cold start), concurrency (account, reserved, provisioned), the push source
(S3 or SNS), the pull source (Kinesis: shards, BatchSize, batching window,
ParallelizationFactor; SQS: BatchSize, batching window, MaximumConcurrency) and the run
(horizon, seed).

How a comparison is made: the knob values become TWO scenarios, built by
:func:`build_scenarios` and run with the same seed. Both have the same account and the same
function; one has the push source, the other the pull source, each named ``events`` with the
same workload. Because lambdasim draws each source's arrivals from a stream named after the
source, both runs see exactly the same arrivals (common random numbers), and each function has
its account to itself, so the two do not compete for concurrency. The figure is
:func:`lambdasim.plots.compare` (push in the left column, pull in the right) and the table
puts the two summaries side by side.

A run at most :data:`AUTO_RUN_MAX_S` simulated seconds long is redone on every change; a
longer one waits for the Run button and shows its progress. An invalid combination (reserved
concurrency above the account's limit less 100, provisioned above reserved, an SQS BatchSize
above 10 without a batching window, ...) shows lambdasim's validation message above the
figure; any other error shows its message there and its traceback below the table.

The widgets hold no model logic: values -> scenario dicts -> :meth:`Scenario.from_dict` ->
simulate -> plots.
"""

from __future__ import annotations

import copy
import html
import io
import time
import traceback
import typing
from contextlib import contextmanager
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd

from . import plots
from ._validation import ScenarioError
from .engine import Engine
from .scenario import Scenario

try:
    import ipywidgets as W
except ImportError:  # pragma: no cover - depends on the environment
    raise ImportError("lambdasim.widgets needs ipywidgets (the notebooks extra): "
                      "pip install -e '.[notebooks]'") from None

__all__ = ["AUTO_RUN_MAX_S", "DEFAULT_BASE", "KNOB_HELP", "SECTIONS", "Explorer",
           "build_scenarios", "default_values", "explorer", "knob_help_html", "pull_kinds",
           "record_detail_for", "simulate_in_slices", "summary_table", "values_from_scenario"]

#: longest horizon (simulated seconds) redone on every change; longer ones wait for Run
AUTO_RUN_MAX_S = 300.0
#: above this many expected events per run, runs keep no per-event table (histogram detail)
FULL_DETAIL_MAX_EVENTS = 200_000
#: progress steps per simulation (the run is advanced in this many slices)
SLICES = 10
PATTERNS = ("poisson", "constant", "bursts", "ramp", "diurnal")
PUSH_KINDS = ("s3", "sns")
ASYNC_KINDS = ("s3", "sns", "eventbridge", "async")
HORIZONS = (("30 s", 30.0), ("1 min", 60.0), ("2 min", 120.0), ("5 min", 300.0),
            ("10 min", 600.0), ("30 min", 1800.0), ("1 h", 3600.0), ("6 h", 21600.0),
            ("1 day", 86400.0))
SOURCE = "events"  # the source's name in both scenarios: same name, same arrivals
LABELS = ("push", "pull")
PNG_DPI = 72

#: the base scenario of ``explorer()``: what the knobs do not set comes from here
DEFAULT_BASE = {
    "duration_s": 120.0,
    "account": {"concurrency_limit": 1000},
    "functions": [{"name": "fn", "memory_mb": 512, "timeout_s": 30,
                   "duration": {"dist": "lognormal", "mean_s": 0.2, "cv": 0.5},
                   "cold_start": {"dist": "lognormal", "mean_s": 0.3, "cv": 0.5}}],
    "sources": [{"name": SOURCE, "kind": "s3", "function": "fn",
                 "workload": {"pattern": "poisson", "rate_per_s": 20.0}}],
}


def source_kinds() -> set[str]:
    """Every ``kind`` lambdasim's scenarios accept (from ``lambdasim.sources.KINDS``)."""
    from .sources import KINDS

    out: set[str] = set()
    for spec, _ in KINDS:
        out.update(typing.get_args(spec.model_fields["kind"].annotation))
    return out


def pull_kinds() -> tuple[str, ...]:
    """Pull sources the explorer offers: Kinesis, and SQS when lambdasim has it."""
    return ("kinesis", "sqs") if "sqs" in source_kinds() else ("kinesis",)


# -- values -> scenarios ------------------------------------------------------------------------
def default_values() -> dict:
    """The knob values of the default explorer."""
    return {"rate": 20.0, "pattern": "poisson", "duration_s": 0.2, "cold_start_s": 0.3,
            "account": 1000, "reserved": None, "provisioned": 0, "push_kind": "s3",
            "pull_kind": "kinesis", "shards": 1, "batch_size": 100, "window_s": 0.0,
            "parallelization": 1, "sqs_batch_size": 10, "sqs_window_s": 0.0,
            "sqs_max_concurrency": None, "horizon_s": 120.0, "seed": 0}


def _scenario_dict(scenario) -> dict:
    if scenario is None:
        return copy.deepcopy(DEFAULT_BASE)
    if isinstance(scenario, Scenario):
        return scenario.to_dict()
    if isinstance(scenario, dict):
        return Scenario.from_dict(scenario).to_dict()
    path = Path(scenario)
    if not path.suffix:  # a bundled example's name
        path = Path(__file__).parent / "examples" / f"{scenario}.yaml"
    return Scenario.from_yaml(path).to_dict()


def _mean_of(dist: dict | None) -> float:
    if not dist:
        return 0.0
    if dist["dist"] == "constant":
        return float(dist["value_s"])
    if dist["dist"] == "empirical":
        return float(np.mean(dist["samples_s"]))
    return float(dist["mean_s"])


def _with_mean(dist: dict | None, mean: float, default_cv: float = 0.5) -> dict | None:
    """``dist`` rescaled to mean ``mean`` (None for 0); its shape is kept."""
    if mean <= 0:
        return None
    if not dist:
        return {"dist": "lognormal", "mean_s": mean, "cv": default_cv}
    d = {k: v for k, v in dist.items() if v is not None}
    if d["dist"] == "constant":
        d["value_s"] = mean
    elif d["dist"] == "empirical":
        f = mean / float(np.mean(d["samples_s"]))
        d["samples_s"] = [s * f for s in d["samples_s"]]
    else:
        if d.get("p99_s") is not None:
            d["p99_s"] = d["p99_s"] * mean / d["mean_s"]
        d["mean_s"] = mean
    return d


def _workload(pattern: str, rate: float, horizon: float, record_bytes: int) -> dict:
    """A workload of peak (or mean) rate ``rate`` shaped to fit the horizon: ``bursts`` is on
    and off for an eighth of the horizon each, ``ramp`` rises from 0 over the first half,
    ``diurnal`` makes one cycle (amplitude 0.8, peak in the middle)."""
    wl: dict = {"pattern": pattern, "record_bytes": record_bytes}
    if pattern in ("poisson", "constant"):
        wl["rate_per_s"] = rate
    elif pattern == "bursts":
        wl.update(rate_per_s=rate, on_s=horizon / 8, off_s=horizon / 8)
    elif pattern == "ramp":
        wl.update(from_rate_per_s=0.0, to_rate_per_s=rate, ramp_s=horizon / 2)
    elif pattern == "diurnal":
        wl.update(mean_rate_per_s=rate, amplitude=0.8, period_s=horizon, peak_s=horizon / 2)
    else:
        raise ScenarioError(f"pattern = {pattern!r}: must be one of {', '.join(PATTERNS)}")
    return wl


def values_from_scenario(scenario=None) -> dict:
    """Knob values read from a scenario (its first function, first source's workload, first
    push and pull sources); knobs it does not set keep :func:`default_values`."""
    base = _scenario_dict(scenario)
    v = default_values()
    fn = base["functions"][0]
    v.update(duration_s=_mean_of(fn.get("duration")) or v["duration_s"],
             cold_start_s=_mean_of(fn.get("cold_start")),
             account=base.get("account", {}).get("concurrency_limit", v["account"]),
             reserved=fn.get("reserved_concurrency"),
             provisioned=fn.get("provisioned_concurrency", 0) or 0,
             horizon_s=float(base.get("duration_s", v["horizon_s"])))
    wl = base["sources"][0]["workload"]
    if wl["pattern"] in ("poisson", "constant", "bursts"):
        v.update(pattern=wl["pattern"], rate=float(wl["rate_per_s"]))
    elif wl["pattern"] == "ramp":
        v.update(pattern="ramp", rate=float(wl["to_rate_per_s"]))
    elif wl["pattern"] == "diurnal":
        v.update(pattern="diurnal", rate=float(wl["mean_rate_per_s"]))
    for s in base["sources"]:
        if s["kind"] in PUSH_KINDS:
            v["push_kind"] = s["kind"]
            break
    for s in base["sources"]:
        if s["kind"] == "kinesis":
            v.update(shards=s.get("shards", 1), batch_size=s.get("batch_size", 100),
                     window_s=s.get("batching_window_s", 0.0),
                     parallelization=s.get("parallelization_factor", 1))
        elif s["kind"] == "sqs":
            v.update(sqs_batch_size=s.get("batch_size", 10),
                     sqs_window_s=s.get("batching_window_s", 0.0),
                     sqs_max_concurrency=s.get("max_concurrency"))
    kinds = [s["kind"] for s in base["sources"]]
    pulls = [k for k in kinds if k in pull_kinds()]
    if pulls:
        v["pull_kind"] = pulls[0]
    return v


_SOURCE_KEYS = ("name", "kind", "function", "workload")


def _extras(base: dict, kinds) -> dict:
    """Fields of the base's first source of one of ``kinds``, other than name, kind,
    function and workload (e.g. an S3 source's max_event_age_s)."""
    for s in base["sources"]:
        if s["kind"] in kinds:
            return {k: v for k, v in s.items() if k not in _SOURCE_KEYS}
    return {}


def build_scenarios(values: dict, base=None) -> tuple[dict, dict]:
    """The push and the pull scenario (as dicts for :meth:`Scenario.from_dict`) for the knob
    ``values`` (see :func:`default_values`) on ``base`` (a Scenario, dict, YAML path or
    bundled example name; None: :data:`DEFAULT_BASE`). Both have the base's account and its
    first function; the push one a ``push_kind`` source, the pull one a ``pull_kind`` source,
    both named ``events`` with the same workload. Fields the knobs do not set (memory,
    timeout, retries, keys, ...) come from the base's first function and its first source of
    the same kind."""
    return _build(values, _scenario_dict(base))


def _build(values: dict, base: dict) -> tuple[dict, dict]:
    v = {**default_values(), **values}
    horizon = float(v["horizon_s"])
    fn = dict(base["functions"][0])
    fn.update(duration=_with_mean(fn.get("duration"), float(v["duration_s"])),
              cold_start=_with_mean(fn.get("cold_start"), float(v["cold_start_s"])),
              reserved_concurrency=v["reserved"], provisioned_concurrency=int(v["provisioned"]))
    if fn["duration"] is None:
        raise ScenarioError(f"function duration = {v['duration_s']:g} s: must be > 0")
    first = base["sources"][0]["workload"]
    workload = _workload(v["pattern"], float(v["rate"]), horizon,
                         int(first.get("record_bytes", 1024)))
    account = {**base.get("account", {}), "concurrency_limit": int(v["account"])}
    common = {"duration_s": horizon, "warmup_s": 0.0, "account": account, "functions": [fn]}
    if "pricing" in base:
        common["pricing"] = base["pricing"]
    src = {"name": SOURCE, "function": fn["name"], "workload": workload}
    if v["push_kind"] not in PUSH_KINDS:
        raise ScenarioError(f"push_kind = {v['push_kind']!r}: must be one of "
                            f"{', '.join(PUSH_KINDS)}")
    push = {**_extras(base, ASYNC_KINDS), **src, "kind": v["push_kind"]}
    kind = v["pull_kind"]
    if kind not in pull_kinds():
        raise ScenarioError(f"pull_kind = {kind!r}: must be one of {', '.join(pull_kinds())}")
    pull = {**_extras(base, (kind,)), **src, "kind": kind}
    if kind == "kinesis":
        pull.update(shards=int(v["shards"]), batch_size=int(v["batch_size"]),
                    batching_window_s=float(v["window_s"]),
                    parallelization_factor=int(v["parallelization"]))
    else:
        pull.update(batch_size=int(v["sqs_batch_size"]),
                    batching_window_s=float(v["sqs_window_s"]),
                    max_concurrency=v["sqs_max_concurrency"])
        # SQS requires a visibility timeout >= the function timeout: follow the function
        timeout = float(fn.get("timeout_s", 30))
        if pull.get("visibility_timeout_s", 30.0) < timeout:
            pull["visibility_timeout_s"] = timeout
    return ({**copy.deepcopy(common), "sources": [push]},
            {**copy.deepcopy(common), "sources": [pull]})


def record_detail_for(values: dict) -> str:
    """``full`` (per-event table, exact latency CDF) unless a run would offer more than
    :data:`FULL_DETAIL_MAX_EVENTS` events, then ``histogram``."""
    expected = float(values["rate"]) * float(values["horizon_s"])
    return "full" if expected <= FULL_DETAIL_MAX_EVENTS else "histogram"


def simulate_in_slices(scenario: Scenario, seed: int = 0, record_detail: str = "full",
                       slices: int = SLICES, on_slice=None):
    """:func:`lambdasim.simulate`, advanced in ``slices`` equal slices of simulated time,
    calling ``on_slice(k)`` after each (k = 1..slices), for a progress bar. The result is the
    same as ``simulate``'s: SimPy keeps its event order across ``run(until=...)`` calls."""
    engine = Engine(scenario, seed, record_detail)
    for k in range(1, slices):
        engine.env.run(until=scenario.duration_s * k / slices)
        if on_slice:
            on_slice(k)
    result = engine.run()
    if on_slice:
        on_slice(slices)
    return result


# -- the summary table --------------------------------------------------------------------------
_TABLE_ROWS = (
    ("kind", "source kind"), ("offered", "offered"), ("succeeded", "succeeded"),
    ("failed", "failed"), ("dropped", "dropped"), ("expired", "expired"),
    ("in_flight", "in flight at the end"), ("throttles", "throttles"),
    ("invocations", "invocations"), ("cold_starts", "cold starts"),
    ("latency_p50_s", "latency p50 (s)"), ("latency_p99_s", "latency p99 (s)"),
    ("throughput_per_s", "throughput (events/s)"), ("age_max_s", "oldest event age, max (s)"),
    ("max_concurrency", "max concurrency"), ("cost_usd", "cost (USD)"),
)


def summary_table(results, labels=LABELS) -> pd.DataFrame:
    """The summaries of ``results`` side by side: one row per quantity, one column per run."""
    cols = {}
    for res, lbl in zip(results, labels, strict=True):
        row = res.summary.iloc[0].to_dict()
        row["age_max_s"] = plots.max_age_s(res, row["source"])
        row["max_concurrency"] = float(res.functions.max_concurrency.max())
        cols[lbl] = [row.get(k, np.nan) for k, _ in _TABLE_ROWS]
    return pd.DataFrame(cols, index=[name for _, name in _TABLE_ROWS])


def _fmt(v) -> str:
    if isinstance(v, str):
        return html.escape(v)
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return "-"
    if isinstance(v, float) and not v.is_integer():
        return f"{v:.4g}"
    return f"{int(v):,}"


def table_html(table: pd.DataFrame, note: str = "") -> str:
    head = "".join(f"<th style='text-align:right;padding:2px 10px'>{html.escape(c)}</th>"
                   for c in table.columns)
    body = "".join(
        f"<tr><td style='padding:2px 10px'>{html.escape(name)}</td>"
        + "".join(f"<td style='text-align:right;padding:2px 10px'>{_fmt(v)}</td>" for v in row)
        + "</tr>" for name, row in zip(table.index, table.itertuples(index=False), strict=True))
    caption = f"<div style='color:#555;font-size:90%'>{html.escape(note)}</div>" if note else ""
    return (f"<table class='lambdasim-summary' style='border-collapse:collapse'><thead><tr><th>"
            f"</th>{head}</tr></thead><tbody>{body}</tbody></table>{caption}")


# -- the explorer -------------------------------------------------------------------------------
LABEL_WIDTH = "140px"

#: the controls' sections, in the order the explorer lays them out: (title, widget attributes)
SECTIONS = (
    ("Workload", ("rate", "pattern")),
    ("Function", ("duration", "cold_start")),
    ("Concurrency", ("account", "reserved", "provisioned")),
    ("Push source", ("push_kind",)),
    ("Pull source", ("pull_kind", "shards", "batch_size", "window", "parallelization",
                     "sqs_batch_size", "sqs_window", "sqs_max_concurrency")),
    ("Run", ("horizon", "seed", "run_button")),
)

#: what each knob means in AWS terms: its tooltip, and the notes of :func:`knob_help_html`
KNOB_HELP = {
    "rate": "Events per second into both sources (peak for bursts and ramp, mean for "
            "diurnal): S3 or SNS notifications, or records put to the stream or messages "
            "sent to the queue.",
    "pattern": "How arrivals spread in time: poisson, constant, bursts (on and off), ramp "
               "(up from 0 over the first half), diurnal (one cycle).",
    "duration": "Mean run time of one invocation (the Duration metric); a pull invocation "
                "handles a whole batch in it. Billed per ms at the memory size.",
    "cold_start": "Mean init time of a new execution environment (Init Duration in the "
                  "REPORT log line); 0 = no cold starts.",
    "account": "The account's concurrency quota in the Region (default 1,000), shared by "
               "the functions without reserved concurrency.",
    "reserved": "ReservedConcurrentExecutions: the function's cap, set aside from the "
                "account's pool; AWS keeps 100 unreserved. Unchecked: none.",
    "provisioned": "ProvisionedConcurrentExecutions: environments initialised in advance, "
                   "no cold starts, billed while configured; at most the reserved value.",
    "push_kind": "Asynchronous invocation: S3 or SNS hands each event to Lambda's internal "
                 "queue, which invokes once per event and retries throttled events for up "
                 "to 6 h (MaximumEventAgeInSeconds).",
    "pull_kind": "Event source mapping: Lambda polls a Kinesis stream or an SQS queue and "
                 "invokes the function with batches.",
    "shards": "Each shard takes 1,000 records/s or 1 MB/s of writes; the mapping runs one "
              "batch at a time per shard (times ParallelizationFactor).",
    "batch_size": "BatchSize: the most records per invocation (1-10,000).",
    "window": "MaximumBatchingWindowInSeconds: how long the mapping waits to fill a batch "
              "(0-300 s): fewer, larger invocations, more latency.",
    "parallelization": "ParallelizationFactor: concurrent batches per shard (1-10); order "
                       "is kept per partition key.",
    "sqs_batch_size": "BatchSize of the SQS mapping: the most messages per invocation; above "
                      "10 it needs a batching window of at least 1 s.",
    "sqs_window": "MaximumBatchingWindowInSeconds of the SQS mapping (0-300 s).",
    "sqs_max_concurrency": "MaximumConcurrency (ScalingConfig): the SQS mapping's most "
                           "concurrent invocations (2-1,000); 0 = not set (up to 1,250).",
    "horizon": "Simulated time per run. Up to 5 min every change re-runs; longer runs wait "
               "for the Run button.",
    "seed": "Random seed: same seed, same arrivals and draws; change it for another sample.",
    "run_button": "Simulate both scenarios and redraw.",
}

#: the knobs' names in :func:`knob_help_html`
_KNOB_NAMES = {"rate": "arrival rate", "pattern": "arrival pattern",
               "duration": "mean duration", "cold_start": "cold start",
               "account": "account limit", "reserved": "reserved", "provisioned": "provisioned",
               "push_kind": "push source", "pull_kind": "pull source",
               "shards": "Kinesis shards", "batch_size": "BatchSize",
               "window": "batching window", "parallelization": "ParallelizationFactor",
               "sqs_batch_size": "SQS BatchSize", "sqs_window": "SQS batching window",
               "sqs_max_concurrency": "max concurrency", "horizon": "horizon", "seed": "seed",
               "run_button": "Run"}


def knob_help_html() -> str:
    """The knobs explained in AWS terms (:data:`KNOB_HELP`), as HTML grouped by section: the
    side note of the explorer app."""
    parts = []
    for title, knobs in SECTIONS:
        items = "".join(f"<div style='margin:0 0 3px'><b>{html.escape(_KNOB_NAMES[k])}</b>: "
                        f"{html.escape(KNOB_HELP[k])}</div>" for k in knobs)
        parts.append(f"<div style='margin:0 0 6px'><i>{title}</i>{items}</div>")
    return ("<div class='lambdasim-knob-help' style='font-size:90%;line-height:1.3;"
            "white-space:normal'>" + "".join(parts) + "</div>")


def _slider(cls, description: str, tooltip: str = "", **kw):
    """A slider (or dropdown) 380 px wide; sliders report only when released."""
    if "Slider" in cls.__name__:
        kw["continuous_update"] = False
    return cls(description=description, tooltip=tooltip or description,
               style={"description_width": LABEL_WIDTH}, layout=W.Layout(width="380px"), **kw)


def _text(cls, description: str, tooltip: str = "", **kw):
    return cls(description=description, tooltip=tooltip or description,
               style={"description_width": LABEL_WIDTH}, layout=W.Layout(width="250px"), **kw)


class Explorer(W.VBox):
    """The explorer UI. Child widgets are attributes (``rate``, ``pattern``, ``duration``,
    ``cold_start``, ``account``, ``reserved_on``, ``reserved``, ``provisioned``, ``push_kind``,
    ``pull_kind``, ``shards``, ``batch_size``, ``window``, ``parallelization``,
    ``sqs_batch_size``, ``sqs_window``, ``sqs_max_concurrency``, ``horizon``, ``seed``,
    ``run_button``, ``progress``, ``status``, ``error``, ``figure``, ``summary``,
    ``messages``); ``run()`` simulates and redraws synchronously; after a run ``results``,
    ``scenarios``, ``table`` and ``fig`` hold what is shown.

    ``controls`` (the knobs) and ``output`` (status, validation message, figure, table) are
    the two columns, for an app that lays them out itself (``notebooks/explorer.ipynb``).
    Each knob's tooltip explains it in AWS terms (:data:`KNOB_HELP`), and each part has the
    CSS class ``lambdasim-<attribute>`` (underscores as dashes: ``lambdasim-run-button``)."""

    def __init__(self, scenario=None):
        self.base = _scenario_dict(scenario)
        v = values_from_scenario(self.base)
        self.results = None
        self.scenarios = None
        self.table: pd.DataFrame | None = None
        self.fig = None
        self.last_error: Exception | None = None
        self.runs = 0
        self._held = False
        self._dirty = False
        # the last (scenario, seed, detail) and result of each side: a knob of one side only
        # (e.g. shards) leaves the other side's run as it was
        self._last: list = [None, None]

        # workload and function
        self.rate = _slider(W.FloatLogSlider, "arrival rate (1/s)",
                            "events per second (peak for bursts and ramp, mean for diurnal)",
                            value=v["rate"], base=10, min=-1, max=4, step=0.05,
                            readout_format=".3g")
        self.pattern = _slider(W.Dropdown, "arrival pattern", options=PATTERNS,
                               value=v["pattern"])
        self.duration = _slider(W.FloatLogSlider, "mean duration (s)",
                                "mean run time of one invocation",
                                value=v["duration_s"], base=10, min=-2, max=2.9, step=0.05,
                                readout_format=".3g")
        self.cold_start = _slider(W.FloatSlider, "cold start (s)",
                                  "mean init time of a new environment; 0 = no cold starts",
                                  value=min(v["cold_start_s"], 10.0), min=0, max=10, step=0.05)
        # concurrency
        self.account = _slider(W.IntSlider, "account limit",
                               "the account's concurrency limit (AWS default 1,000)",
                               value=v["account"], min=10, max=5000, step=10)
        self.reserved_on = W.Checkbox(description="reserved",
                                      tooltip="reserved concurrency (unchecked: none)",
                                      value=v["reserved"] is not None, indent=False,
                                      layout=W.Layout(width="146px"))
        self.reserved = W.IntSlider(value=v["reserved"] if v["reserved"] is not None else 100,
                                    min=0, max=3000, continuous_update=False,
                                    layout=W.Layout(width="210px"),
                                    disabled=v["reserved"] is None)
        self.provisioned = _slider(W.IntSlider, "provisioned",
                                   "provisioned concurrency (environments kept initialised)",
                                   value=v["provisioned"], min=0, max=1000)
        # sources
        self.push_kind = _slider(W.Dropdown, "push source", options=PUSH_KINDS,
                                 value=v["push_kind"])
        self.pull_kind = _slider(W.Dropdown, "pull source", options=pull_kinds(),
                                 value=v["pull_kind"])
        self.shards = _slider(W.IntSlider, "Kinesis shards", value=v["shards"], min=1, max=64)
        self.batch_size = _text(W.BoundedIntText, "BatchSize", value=v["batch_size"], min=1,
                                max=10000)
        self.window = _text(W.BoundedFloatText, "batching window (s)", value=v["window_s"],
                            min=0, max=300, step=0.5)
        self.parallelization = _slider(W.IntSlider, "ParallelizationFactor",
                                       value=v["parallelization"], min=1, max=10)
        self.sqs_batch_size = _text(W.BoundedIntText, "SQS BatchSize",
                                    value=v["sqs_batch_size"], min=1, max=10000)
        self.sqs_window = _text(W.BoundedFloatText, "batching window (s)",
                                value=v["sqs_window_s"], min=0, max=300, step=0.5)
        self.sqs_max_concurrency = _slider(W.IntSlider, "max concurrency",
                                           "the mapping's MaximumConcurrency; 0 = not set",
                                           value=v["sqs_max_concurrency"] or 0, min=0,
                                           max=1000)
        # run
        horizon = v["horizon_s"]
        options = list(HORIZONS)
        if horizon not in [h for _, h in options]:
            options = sorted([*options, (f"{horizon:g} s", horizon)], key=lambda o: o[1])
        self.horizon = _slider(W.SelectionSlider, "horizon (simulated)", options=options,
                               value=horizon)
        self.seed = _text(W.BoundedIntText, "seed", value=0, min=0, max=2**32 - 1)
        self.run_button = W.Button(description="Run", icon="play", button_style="",
                                   tooltip="simulate both scenarios and redraw")
        self.progress = W.IntProgress(value=0, min=0, max=2 * SLICES + 1,
                                      layout=W.Layout(width="200px"))
        self.status = W.Label(value="")
        # output
        self.error = W.HTML(value="")
        self.figure = W.Image(format="png", layout=W.Layout(width="100%", max_width="1000px"))
        self.summary = W.HTML(value="")
        self.messages = W.Output()

        # tooltips in AWS terms; a CSS class per part (``lambdasim-rate``, ...) for pages
        # that style the explorer and for browser tests
        for name, text in KNOB_HELP.items():
            getattr(self, name).tooltip = text
        self.reserved_on.tooltip = KNOB_HELP["reserved"]
        for name in ("rate", "pattern", "duration", "cold_start", "account", "reserved_on",
                     "reserved", "provisioned", "push_kind", "pull_kind", "shards",
                     "batch_size", "window", "parallelization", "sqs_batch_size", "sqs_window",
                     "sqs_max_concurrency", "horizon", "seed", "run_button", "progress",
                     "status", "error", "figure", "summary", "messages"):
            getattr(self, name).add_class(f"lambdasim-{name.replace('_', '-')}")

        self.kinesis_box = W.VBox([self.shards, self.batch_size, self.window,
                                   self.parallelization])
        self.sqs_box = W.VBox([self.sqs_batch_size, self.sqs_window, self.sqs_max_concurrency])

        def section(title, *children):
            return W.VBox([W.HTML(f"<b>{title}</b>"), *children])

        self.controls = W.VBox([
            section("Workload", self.rate, self.pattern),
            section("Function", self.duration, self.cold_start),
            section("Concurrency", self.account, W.HBox([self.reserved_on, self.reserved]),
                    self.provisioned),
            section("Push source", self.push_kind),
            section("Pull source", self.pull_kind, self.kinesis_box, self.sqs_box),
            section("Run", self.horizon, self.seed,
                    W.HBox([self.run_button, self.progress])),
        ], layout=W.Layout(min_width="380px"))
        self.controls.add_class("lambdasim-controls")
        self.output = W.VBox([self.status, self.error, self.figure, self.summary,
                              self.messages], layout=W.Layout(flex="1 1 600px"))
        self.output.add_class("lambdasim-output")
        super().__init__([
            W.HTML("<h3>lambdasim explorer: one workload, pushed vs pulled</h3>"),
            W.HBox([self.controls, self.output], layout=W.Layout(flex_flow="row wrap")),
        ])

        for w in self.knobs():
            w.observe(self._on_change, names="value")
        self.reserved_on.observe(self._on_change, names="value")
        self.run_button.on_click(lambda _b: self.run())
        self._show_kind()
        self._on_change(None)

    # -- values ---------------------------------------------------------------------------
    def knobs(self) -> list:
        """The widgets whose values make the scenarios."""
        return [self.rate, self.pattern, self.duration, self.cold_start, self.account,
                self.reserved, self.provisioned, self.push_kind, self.pull_kind, self.shards,
                self.batch_size, self.window, self.parallelization, self.sqs_batch_size,
                self.sqs_window, self.sqs_max_concurrency, self.horizon, self.seed]

    def values(self) -> dict:
        """The current knob values (see :func:`default_values`)."""
        return {"rate": self.rate.value, "pattern": self.pattern.value,
                "duration_s": self.duration.value, "cold_start_s": self.cold_start.value,
                "account": self.account.value,
                "reserved": self.reserved.value if self.reserved_on.value else None,
                "provisioned": self.provisioned.value, "push_kind": self.push_kind.value,
                "pull_kind": self.pull_kind.value, "shards": self.shards.value,
                "batch_size": self.batch_size.value, "window_s": self.window.value,
                "parallelization": self.parallelization.value,
                "sqs_batch_size": self.sqs_batch_size.value,
                "sqs_window_s": self.sqs_window.value,
                "sqs_max_concurrency": self.sqs_max_concurrency.value or None,
                "horizon_s": self.horizon.value, "seed": self.seed.value}

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
        sqs = self.pull_kind.value == "sqs"
        self.kinesis_box.layout.display = "none" if sqs else None
        self.sqs_box.layout.display = None if sqs else "none"
        self.reserved.disabled = not self.reserved_on.value

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

    def _build(self):
        """Validated (push, pull) scenarios, or None after showing why not."""
        try:
            dicts = _build(self.values(), self.base)
            scenarios = tuple(Scenario.from_dict(d) for d in dicts)
        except ScenarioError as exc:
            self._invalid(exc)
            return None
        except Exception as exc:  # noqa: BLE001 - shown to the user, not swallowed
            self._failed(exc)
            return None
        self.error.value = ""
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
            results, simulated = [], []
            for i, sc in enumerate(scenarios):
                def step(k, i=i):
                    self.progress.value = i * SLICES + k
                key = (sc, values["seed"], detail)
                last = self._last[i]
                if last is not None and last[0] == key:  # this side did not change
                    results.append(last[1])
                    step(SLICES)
                    continue
                results.append(simulate_in_slices(sc, values["seed"], detail, SLICES, step))
                self._last[i] = (key, results[-1])
                simulated.append(LABELS[i])
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
        self.fig = plots.compare(a, b, labels=LABELS, layout=None, fig=self.fig)
        buf = io.BytesIO()
        with matplotlib.rc_context({"text.hinting": "none"}):
            self.fig.savefig(buf, format="png", dpi=PNG_DPI, pil_kwargs={"compress_level": 1})
        self.table = summary_table(results, (f"push ({a.scenario.sources[0].kind})",
                                             f"pull ({b.scenario.sources[0].kind})"))
        self.figure.value = buf.getvalue()
        self.summary.value = table_html(
            self.table, "Same arrivals in both runs (same seed and source name); each run has "
                        "the account to itself.")


def explorer(scenario=None) -> Explorer:
    """The push-vs-pull explorer (an ipywidgets VBox; display it in a notebook or Voila).

    ``scenario`` (a Scenario, a dict, a YAML path or a bundled example's name) provides what
    the knobs do not set and their starting values (see :func:`build_scenarios`); None
    starts from :data:`DEFAULT_BASE` (S3 vs a one-shard Kinesis stream at 20 events/s for
    2 simulated minutes)."""
    return Explorer(scenario)
