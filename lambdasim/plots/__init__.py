"""Matplotlib figures of a :class:`~lambdasim.Result`.

Every function returns a :class:`matplotlib.figure.Figure` built without pyplot, so it works
headless (no display, no global figure state); pass ``ax=`` to draw into an axes of your own
figure instead. Each axis carries its unit, each title says what is shown.

Colours: a source keeps one colour in every panel of a result (``tab10``, in scenario
order), and its legend entry says whether it pushes events to the function or is pulled by
an event source mapping: ``uploads (s3, push)``, ``clicks (kinesis, pull)``. What is per
function (concurrency and its limits) takes the colour of the one source feeding the
function; a function fed by several sources is near-black (:data:`MIXED_COLOR`), labelled
with its sources. Throttles are drawn per source in its colour, the reason as a hatch
(:data:`REASON_HATCHES`); outcome bars likewise (:data:`OUTCOME_HATCHES`), so no colour means
a reason or an outcome in one panel and a source in another. :func:`compare` gives a source
the same colour in both columns when it has the same name and kind in both results, and a
new colour otherwise (so push and pull stand apart). Legends are outside the data, to the
right of the axes (in :func:`compare`, one per row, right of the second column).

Figures:

- :func:`latency_cdf`: distribution of end-to-end latency per source, p50 and p99 marked
- :func:`throughput`: offered vs processed events per second
- :func:`throttles`: throttled Invoke calls per second by source and reason
- :func:`concurrency`: concurrent executions per function against its limits
- :func:`ages`: age of the oldest waiting event: IteratorAge (streams), OldestWaitingEventAge
  (the async queue, sampled every second; AWS's AsyncEventAge has no data point while events
  wait) and ApproximateAgeOfOldestMessage (SQS)
- :func:`outcomes`: what became of the events, per source
- :func:`overview`: the above for one result
- :func:`compare`: two results side by side on shared axes (e.g. push vs pull)
- :func:`plot_sweep`, :func:`plot_heatmap`: figures of a parameter sweep

Per-event data (the latency CDF) needs ``record_detail="full"``; with
``record_detail="histogram"`` the CDF panel marks the summary's p50 and p99 and says so.

The modules: :mod:`~lambdasim.plots.common` (colours, periods, units, axes helpers),
:mod:`~lambdasim.plots.panels` (the single panels), :mod:`~lambdasim.plots.composite`
(:func:`overview`, :func:`compare`), :mod:`~lambdasim.plots.live` (the explorer's
:func:`compare` figure kept across redraws, rendered to PNG fast) and
:mod:`~lambdasim.plots.sweep` (sweep figures).
"""

from .common import (
    AGE_METRICS,
    AGE_NAMES,
    MIXED_COLOR,
    OUTCOME_HATCHES,
    REASON_HATCHES,
    age_unit,
    function_colors,
    function_label,
    max_age_s,
    nice_period,
    pair_colors,
    side,
    source_colors,
    source_label,
)
from .composite import COMPARE_ROWS, compare, overview
from .panels import ages, concurrency, latencies, latency_cdf, outcomes, throttles, throughput
from .sweep import plot_heatmap, plot_sweep

#: the figures of parameter sweeps (:mod:`lambdasim.plots.sweep`)
SWEEP_FIGURES = ("plot_sweep", "plot_heatmap")

__all__ = [
    "AGE_METRICS", "AGE_NAMES", "COMPARE_ROWS", "MIXED_COLOR", "OUTCOME_HATCHES",
    "REASON_HATCHES", "SWEEP_FIGURES", "age_unit", "ages", "compare", "concurrency",
    "function_colors", "function_label", "latencies", "latency_cdf", "max_age_s",
    "nice_period", "outcomes", "overview", "pair_colors", "plot_heatmap", "plot_sweep", "side",
    "source_colors", "source_label", "throttles", "throughput",
]
from .advisor import plot_pareto, plot_why_not  # noqa: E402, F401 - advisor figures
