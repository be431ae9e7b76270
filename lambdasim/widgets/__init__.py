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
longer one waits for the Run button and shows its progress. Reserved or provisioned
concurrency the account cannot hold (AWS keeps ``min(100, limit)`` unreserved; provisioned is
at most reserved) is lowered to what it can, with a note on the page
(:func:`fit_concurrency`): a small account is no error. An invalid combination (an SQS
BatchSize above 10 without a batching window, ...) shows lambdasim's validation message above
the table; any other error shows its message there and its traceback below the figure. A note
says when the push run's latency is mostly the assumed delivery delay
(:func:`push_latency_parts`).

The widgets hold no model logic: values -> scenario dicts -> :meth:`Scenario.from_dict` ->
simulate -> plots.

The knobs are one table (:data:`KNOBS`, in :mod:`~lambdasim.widgets.knobs`): each record
gives a knob's control, range and default, its meaning in AWS terms and where its value goes
in the scenario; the controls (:mod:`~lambdasim.widgets.controls`), the notes
(:func:`knob_help_html`) and the scenarios (:mod:`~lambdasim.widgets.scenarios`) are made
from it. :mod:`~lambdasim.widgets.table` is the summary table, :mod:`~lambdasim.widgets.ui`
the :class:`Explorer`.
"""

from .controls import LABEL_WIDTH
from .knobs import (
    HORIZONS,
    KNOB_HELP,
    KNOBS,
    PATTERNS,
    PUSH_KINDS,
    SECTIONS,
    Knob,
    default_values,
    knob_help_html,
    pull_kinds,
    source_kinds,
)
from .scenarios import (
    ASYNC_KINDS,
    DEFAULT_BASE,
    FULL_DETAIL_MAX_EVENTS,
    LABELS,
    SLICES,
    SOURCE,
    build_scenarios,
    fit_concurrency,
    record_detail_for,
    simulate_in_slices,
    values_from_scenario,
)
from .table import (
    ASSUMED_DELAY_NOTE_SHARE,
    push_latency_note,
    push_latency_parts,
    summary_table,
    table_html,
)
from .ui import AUTO_RUN_MAX_S, PNG_DPI, Explorer, explorer

__all__ = [
    "ASSUMED_DELAY_NOTE_SHARE", "ASYNC_KINDS", "AUTO_RUN_MAX_S", "DEFAULT_BASE",
    "FULL_DETAIL_MAX_EVENTS", "HORIZONS", "KNOBS", "KNOB_HELP", "LABELS", "LABEL_WIDTH",
    "PATTERNS", "PNG_DPI", "PUSH_KINDS",
    "SECTIONS", "SLICES", "SOURCE", "Explorer", "Knob", "build_scenarios", "default_values",
    "explorer", "fit_concurrency", "knob_help_html", "pull_kinds", "push_latency_note",
    "push_latency_parts", "record_detail_for", "simulate_in_slices", "source_kinds",
    "summary_table", "table_html", "values_from_scenario",
]
