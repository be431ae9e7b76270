"""Matplotlib figures of a :class:`~lambdasim.Result`.

Every function returns a :class:`matplotlib.figure.Figure` built without pyplot, so it works
headless (no display, no global figure state); pass ``ax=`` to draw into an axes of your own
figure instead. Each axis carries its unit, each title says what is shown.

Colours: a source keeps one colour in every figure of a result (``tab10``, in scenario
order); a function takes the colour of its first source. :func:`compare` gives a source the
same colour in both columns when it has the same name and kind in both results, and a new
colour otherwise (so push and pull stand apart). Throttle reasons have fixed colours
(:data:`REASON_COLORS`).

Figures:

- :func:`latency_cdf`: distribution of end-to-end latency per source, p50 and p99 marked
- :func:`throughput`: offered vs processed events per second
- :func:`throttles`: throttled Invoke calls per second by reason
- :func:`concurrency`: concurrent executions per function against its limits
- :func:`ages`: IteratorAge, AsyncEventAge and ApproximateAgeOfOldestMessage
- :func:`outcomes`: what became of the events, per source
- :func:`overview`: the above for one result
- :func:`compare`: two results side by side on shared axes (e.g. push vs pull)
- :func:`plot_sweep`, :func:`plot_heatmap`: figures of a parameter sweep

Per-event data (the latency CDF) needs ``record_detail="full"``; with
``record_detail="histogram"`` the CDF panel marks the summary's p50 and p99 and says so.

The modules: :mod:`~lambdasim.plots.common` (colours, periods, units, axes helpers),
:mod:`~lambdasim.plots.panels` (the single panels), :mod:`~lambdasim.plots.composite`
(:func:`overview`, :func:`compare`) and :mod:`~lambdasim.plots.sweep` (sweep figures).
"""

from .common import (
    AGE_METRICS,
    AGE_UNITS,
    OUTCOME_COLORS,
    REASON_COLORS,
    age_unit,
    function_colors,
    max_age_s,
    nice_period,
    pair_colors,
    source_colors,
)
from .composite import COMPARE_ROWS, compare, overview
from .panels import ages, concurrency, latencies, latency_cdf, outcomes, throttles, throughput
from .sweep import plot_heatmap, plot_sweep

#: the figures of parameter sweeps (:mod:`lambdasim.plots.sweep`)
SWEEP_FIGURES = ("plot_sweep", "plot_heatmap")

__all__ = [
    "AGE_METRICS", "AGE_UNITS", "COMPARE_ROWS", "OUTCOME_COLORS", "REASON_COLORS",
    "SWEEP_FIGURES", "age_unit", "ages", "compare", "concurrency", "function_colors",
    "latencies", "latency_cdf", "max_age_s", "nice_period", "outcomes", "overview",
    "pair_colors", "plot_heatmap", "plot_sweep", "source_colors", "throttles", "throughput",
]
