"""The explorer's knobs, as ONE table (:data:`KNOBS`): each record says which control shows the
knob (its ipywidgets class, range and options), its default, what it means in AWS terms (its
tooltip and its note in :func:`knob_help_html`) and where its value goes in the scenario.

Everything else is generated from the table: the controls (:mod:`.controls`), the notes, the
sections, :func:`default_values`, and the push and pull scenarios (:mod:`.scenarios`).

Where a value goes (``target``) is ``<part>.<field>``; the parts are ``scenario`` (the
scenario's top level), ``account``, ``function`` (the base's first function), ``push`` and
``pull`` (the two sources), ``kinesis`` and ``sqs`` (the pull source, when it is of that
kind: the control is shown only then), and ``workload`` (the pattern and its rate, shaped to
the horizon by :func:`lambdasim.widgets.scenarios.workload`). How it goes there (``codec``):
``int``, ``float``, ``as_is``, ``mean`` (the mean of a distribution, whose shape is kept;
must be > 0) or ``mean_or_none`` (the same, 0 = no distribution).
"""

from __future__ import annotations

import html
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

PATTERNS = ("poisson", "constant", "bursts", "ramp", "diurnal")
PUSH_KINDS = ("s3", "sns")
HORIZONS = (("30 s", 30.0), ("1 min", 60.0), ("2 min", 120.0), ("5 min", 300.0),
            ("10 min", 600.0), ("30 min", 1800.0), ("1 h", 3600.0), ("6 h", 21600.0),
            ("1 day", 86400.0))


def source_kinds() -> set[str]:
    """Every ``kind`` lambdasim's scenarios accept."""
    from ..spec import SOURCE_SPECS

    out: set[str] = set()
    for spec in SOURCE_SPECS:
        out.update(typing.get_args(spec.model_fields["kind"].annotation))
    return out


def pull_kinds() -> tuple[str, ...]:
    """Pull sources the explorer offers: Kinesis, and SQS when lambdasim has it."""
    return ("kinesis", "sqs") if "sqs" in source_kinds() else ("kinesis",)


@dataclass(frozen=True, eq=False)
class Knob:
    """One knob: its control, its meaning in AWS terms, and where its value goes."""

    attr: str  # the Explorer's attribute for the control; CSS class lambdasim-<attr>
    section: str  # the controls' section it is in
    label: str  # the control's description
    name: str  # its name in the notes
    help: str  # what it means in AWS terms: the tooltip and the note
    control: str  # ipywidgets class of the control
    key: str | None = None  # its key in the knob values (None: not a value, e.g. Run)
    default: Any = None
    kw: Mapping = field(default_factory=dict)  # the control's range: min, max, step, ...
    options: tuple | Callable[[], tuple] = ()  # choices (a Dropdown's are the valid values)
    target: str | None = None  # where the value goes: "<part>.<field>"
    codec: str = "as_is"  # how it goes there (see the module's docstring)
    none: str | None = None  # how the control shows None: "unchecked" (a checkbox) or "zero"
    none_shows: Any = None  # with none="unchecked": the value the disabled control shows

    def choices(self) -> tuple:
        return self.options() if callable(self.options) else self.options

    @property
    def part(self) -> str | None:
        return self.target.split(".")[0] if self.target else None

    @property
    def field(self) -> str | None:
        return self.target.split(".", 1)[1] if self.target else None

    @property
    def pull_kind(self) -> str | None:
        """The pull source kind this knob is for (its control is shown only then)."""
        return self.part if self.part in ("kinesis", "sqs") else None


K = Knob
_LOG = {"base": 10, "step": 0.05, "readout_format": ".3g"}
_WINDOW = {"min": 0, "max": 300, "step": 0.5}

#: the knobs, section by section, in the order the explorer lays them out
KNOBS: tuple[Knob, ...] = (
    K("rate", "Workload", "arrival rate (1/s)", "arrival rate",
      "Events per second into both sources (peak for bursts and ramp, mean for diurnal): S3 or "
      "SNS notifications, or records put to the stream or messages sent to the queue.",
      "FloatLogSlider", "rate", 20.0, {**_LOG, "min": -1, "max": 4}, target="workload.rate",
      codec="float"),
    K("pattern", "Workload", "arrival pattern", "arrival pattern",
      "How arrivals spread in time: poisson, constant, bursts (on and off), ramp (up from 0 "
      "over the first half), diurnal (one cycle).",
      "Dropdown", "pattern", "poisson", options=PATTERNS, target="workload.pattern"),
    K("duration", "Function", "mean duration (s)", "mean duration",
      "Mean run time of one invocation (the Duration metric); a pull invocation handles a "
      "whole batch in it. Billed per ms at the memory size.",
      "FloatLogSlider", "duration_s", 0.2, {**_LOG, "min": -2, "max": 2.9},
      target="function.duration", codec="mean"),
    K("cold_start", "Function", "cold start (s)", "cold start",
      "Mean init time of a new execution environment (Init Duration in the REPORT log line); "
      "0 = no cold starts.",
      "FloatSlider", "cold_start_s", 0.3, {"min": 0, "max": 10, "step": 0.05},
      target="function.cold_start", codec="mean_or_none"),
    K("push_permission_missing", "Function", "push: permission missing",
      "push: permission missing",
      "Push: the function's resource-based policy admits no service, as a forgotten "
      "AWS::Lambda::Permission does (S3 refuses the notification configuration; every SNS "
      "delivery fails and is not retried: zero invocations, messages dropped).",
      "Checkbox", "push_permission_missing", False,
      target="push_function.permission_missing"),
    K("pull_permission_missing", "Function", "pull: permission missing",
      "pull: permission missing",
      "Pull: the execution role cannot read the stream or queue, as a forgotten IAM line does "
      "(CreateEventSourceMapping fails: the page shows AWS's refusal instead of a run).",
      "Checkbox", "pull_permission_missing", False,
      target="pull_function.permission_missing"),
    K("account", "Concurrency", "account limit", "account limit",
      "The account's concurrency quota in the Region (default 1,000; new accounts may start "
      "at 10), shared by the functions without reserved concurrency. AWS keeps min(100, "
      "limit) of it unreserved.",
      "IntSlider", "account", 1000, {"min": 10, "max": 5000, "step": 10},
      target="account.concurrency_limit", codec="int"),
    K("reserved", "Concurrency", "reserved", "reserved",
      "ReservedConcurrentExecutions: the function's cap, set aside from the account's pool; "
      "AWS keeps min(100, account limit) unreserved, so a larger value is lowered to what the "
      "account allows (the page says so). Unchecked: none.",
      "IntSlider", "reserved", None, {"min": 0, "max": 3000},
      target="function.reserved_concurrency", none="unchecked", none_shows=100),
    K("provisioned", "Concurrency", "provisioned", "provisioned",
      "ProvisionedConcurrentExecutions: environments initialised in advance, no cold starts, "
      "billed while configured; at most the reserved value (or, unreserved, what the account "
      "can set aside): a larger value is lowered to it.",
      "IntSlider", "provisioned", 0, {"min": 0, "max": 1000},
      target="function.provisioned_concurrency", codec="int"),
    K("push_kind", "Push source", "push source", "push source",
      "Asynchronous invocation: S3 or SNS hands each event to Lambda's internal queue, which "
      "invokes once per event and retries throttled events for up to 6 h "
      "(MaximumEventAgeInSeconds).",
      "Dropdown", "push_kind", "s3", options=PUSH_KINDS, target="push.kind"),
    K("pull_kind", "Pull source", "pull source", "pull source",
      "Event source mapping: Lambda polls a Kinesis stream or an SQS queue and invokes the "
      "function with batches.",
      "Dropdown", "pull_kind", "kinesis", options=pull_kinds, target="pull.kind"),
    K("shards", "Pull source", "Kinesis shards", "Kinesis shards",
      "Each shard takes 1,000 records/s or 1 MB/s of writes; the mapping runs one batch at a "
      "time per shard (times ParallelizationFactor).",
      "IntSlider", "shards", 1, {"min": 1, "max": 64}, target="kinesis.shards", codec="int"),
    K("batch_size", "Pull source", "BatchSize", "BatchSize",
      "BatchSize: the most records per invocation (1-10,000).",
      "BoundedIntText", "batch_size", 100, {"min": 1, "max": 10000},
      target="kinesis.batch_size", codec="int"),
    K("window", "Pull source", "batching window (s)", "batching window",
      "MaximumBatchingWindowInSeconds: how long the mapping waits to fill a batch (0-300 s): "
      "fewer, larger invocations, more latency.",
      "BoundedFloatText", "window_s", 0.0, _WINDOW, target="kinesis.batching_window_s",
      codec="float"),
    K("parallelization", "Pull source", "ParallelizationFactor", "ParallelizationFactor",
      "ParallelizationFactor: concurrent batches per shard (1-10); order is kept per "
      "partition key.",
      "IntSlider", "parallelization", 1, {"min": 1, "max": 10},
      target="kinesis.parallelization_factor", codec="int"),
    K("sqs_batch_size", "Pull source", "SQS BatchSize", "SQS BatchSize",
      "BatchSize of the SQS mapping: the most messages per invocation; above 10 it needs a "
      "batching window of at least 1 s.",
      "BoundedIntText", "sqs_batch_size", 10, {"min": 1, "max": 10000},
      target="sqs.batch_size", codec="int"),
    K("sqs_window", "Pull source", "batching window (s)", "SQS batching window",
      "MaximumBatchingWindowInSeconds of the SQS mapping (0-300 s).",
      "BoundedFloatText", "sqs_window_s", 0.0, _WINDOW, target="sqs.batching_window_s",
      codec="float"),
    K("sqs_max_concurrency", "Pull source", "max concurrency", "max concurrency",
      "MaximumConcurrency (ScalingConfig): the SQS mapping's most concurrent invocations "
      "(2-1,000); 0 = not set (up to 1,250).",
      "IntSlider", "sqs_max_concurrency", None, {"min": 0, "max": 1000},
      target="sqs.max_concurrency", none="zero"),
    K("horizon", "Run", "horizon (simulated)", "horizon",
      "Simulated time per run. Up to 5 min every change re-runs; longer runs wait for the Run "
      "button.",
      "SelectionSlider", "horizon_s", 120.0, options=HORIZONS, target="scenario.duration_s",
      codec="float"),
    K("seed", "Run", "seed", "seed",
      "Random seed: same seed, same arrivals and draws; change it for another sample.",
      "BoundedIntText", "seed", 0, {"min": 0, "max": 2**32 - 1}),
    K("run_button", "Run", "Run", "Run", "Simulate both scenarios and redraw.",
      "Button", kw={"icon": "play", "button_style": ""}),
)
del K

#: the controls' sections, in the order the explorer lays them out: (title, knob attributes)
SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = tuple(
    (title, tuple(k.attr for k in KNOBS if k.section == title))
    for title in dict.fromkeys(k.section for k in KNOBS))

#: what each knob means in AWS terms: its tooltip, and its note in :func:`knob_help_html`
KNOB_HELP: dict[str, str] = {k.attr: k.help for k in KNOBS}


def default_values() -> dict:
    """The knob values of the default explorer."""
    return {k.key: k.default for k in KNOBS if k.key}


def knob_help_html() -> str:
    """The knobs explained in AWS terms (:data:`KNOB_HELP`), as HTML grouped by section: the
    side note of the explorer app."""
    parts = []
    for title, attrs in SECTIONS:
        items = "".join(f"<div style='margin:0 0 3px'><b>{html.escape(k.name)}</b>: "
                        f"{html.escape(k.help)}</div>" for k in KNOBS if k.attr in attrs)
        parts.append(f"<div style='margin:0 0 6px'><i>{title}</i>{items}</div>")
    return ("<div class='lambdasim-knob-help' style='font-size:90%;line-height:1.3;"
            "white-space:normal'>" + "".join(parts) + "</div>")
