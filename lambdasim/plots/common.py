"""What every figure shares: the colours (a source keeps one in every figure of a result),
the push/pull side of a source, the metric periods, the age units, and the axes helpers
(titles, legends outside the data, steps, redraws)."""

from __future__ import annotations

import weakref

import numpy as np
from matplotlib.figure import Figure

from ..results.metrics import METRICS
from ..results.result import PULL_KINDS

#: age metrics, in the order they are drawn: a stream's IteratorAge, the async queue's
#: OldestWaitingEventAge (AWS's AsyncEventAge is emitted only when an event is invoked, so it
#: says nothing while events wait; lambdasim samples the oldest waiting event every second)
#: and the SQS queue's ApproximateAgeOfOldestMessage
AGE_METRICS = ("IteratorAge", "OldestWaitingEventAge", "ApproximateAgeOfOldestMessage")
_TO_SECONDS = {"Milliseconds": 1e-3, "Seconds": 1.0, "Microseconds": 1e-6}
_AGE_STYLE = {"IteratorAge": "-", "AsyncEventAge": "--", "OldestWaitingEventAge": "--",
              "ApproximateAgeOfOldestMessage": ":"}
#: what each age metric is, in the legend
AGE_NAMES = {"IteratorAge": "IteratorAge",
             "OldestWaitingEventAge": "oldest waiting event",
             "AsyncEventAge": "AsyncEventAge (at invocation)",
             "ApproximateAgeOfOldestMessage": "ApproximateAgeOfOldestMessage"}
#: hatch per throttle reason: throttles are filled in their source's colour, the reason is
#: the pattern (a colour of its own would stand for a source elsewhere)
REASON_HATCHES = {"account": "xx", "reserved": "//", "scaling": ".."}
#: hatch per outcome: an outcome bar is filled in its source's colour, solid for succeeded,
#: pale and hatched for the others
OUTCOME_HATCHES = {"succeeded": "", "failed": "xx", "dropped": "//", "rejected": "\\\\",
                   "expired": "..", "in_flight": "--"}
#: colour of a function fed by several sources (its own, not one of theirs), or by none
MIXED_COLOR = (0.1, 0.1, 0.1, 1.0)
_NICE_PERIODS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 86400)


# -- push or pull -----------------------------------------------------------------------------
def side(kind: str) -> str:
    """``"pull"`` for a source an event source mapping polls (Kinesis, DynamoDB Streams, SQS),
    ``"push"`` for one that invokes the function (S3, SNS, EventBridge, async, sync)."""
    return "pull" if kind in PULL_KINDS else "push"


def source_label(spec) -> str:
    """A source as the legends name it: ``uploads (s3, push)``."""
    return f"{spec.name} ({spec.kind}, {side(spec.kind)})"


def function_label(result, name: str) -> str:
    """A function as the legends name it, with the sources feeding it and their side:
    ``worker (from uploads, push)``, ``f (from api + clicks, push + pull)``."""
    feeds = [s for s in result.scenario.sources if s.function == name]
    if not feeds:
        return f"{name} (no source)"
    sides = " + ".join(dict.fromkeys(side(s.kind) for s in feeds))
    return f"{name} (from {' + '.join(s.name for s in feeds)}, {sides})"


# -- colours ----------------------------------------------------------------------------------
def _palette(i: int):
    from matplotlib import colormaps

    return colormaps["tab10"](i % 10)


def source_colors(result) -> dict[str, tuple]:
    """Colour of each source of ``result``: ``tab10`` in scenario order."""
    return {s.name: _palette(i) for i, s in enumerate(result.scenario.sources)}


def pair_colors(a, b) -> tuple[dict, dict]:
    """Source colours for two results shown together: a source with the same name and kind in
    both keeps one colour; every other source gets a colour of its own."""
    ca = source_colors(a)
    kinds = {(s.name, s.kind): ca[s.name] for s in a.scenario.sources}
    cb, n = {}, len(ca)
    for s in b.scenario.sources:
        if (s.name, s.kind) in kinds:
            cb[s.name] = kinds[(s.name, s.kind)]
        else:
            cb[s.name] = _palette(n)
            n += 1
    return ca, cb


def function_colors(result, colors: dict | None = None) -> dict[str, tuple]:
    """Colour of each function: that of the source feeding it when there is one; a function
    fed by several sources (or none) is drawn in :data:`MIXED_COLOR`, near-black, a colour no
    source has, and its label names its sources (:func:`function_label`)."""
    colors = colors or source_colors(result)
    out = {}
    for f in result.scenario.functions:
        feeds = [s.name for s in result.scenario.sources if s.function == f.name]
        out[f.name] = colors[feeds[0]] if len(feeds) == 1 else MIXED_COLOR
    return out


# -- helpers ----------------------------------------------------------------------------------
def _axes(ax, figsize=(8.5, 4)):
    if ax is not None:
        return ax.figure, ax
    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot()


def nice_period(duration_s: float, points: int = 60) -> float:
    """A round metric period giving about ``points`` points over ``duration_s``."""
    want = duration_s / points
    return float(next((p for p in _NICE_PERIODS if p >= want), _NICE_PERIODS[-1]))


class _Series:
    """The metric series of one result and period, looked up by (metric, source, function)."""

    def __init__(self, frame):
        self.t = frame.time_s.to_numpy()
        self.v = frame.value.to_numpy(dtype=float)
        self.rows = frame.groupby(["metric", "source", "function"], sort=False).indices

    def get(self, metric: str, source: str, function: str) -> tuple[np.ndarray, np.ndarray]:
        """(period start times, values); empty arrays if the series does not exist."""
        idx = self.rows.get((metric, source, function))
        if idx is None:
            return np.empty(0), np.empty(0)
        return self.t[idx], self.v[idx]


_METRIC_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _metrics(result, period_s: float) -> _Series:
    """``result.metrics(period_s)``, computed and indexed once per result and period."""
    per = _METRIC_CACHE.setdefault(result, {})
    if period_s not in per:
        per[period_s] = _Series(result.metrics(period_s))
    return per[period_s]


def _note(ax, text: str, y: float = 0.5) -> None:
    ax.text(0.5, y, text, transform=ax.transAxes, ha="center", va="center", fontsize=8,
            color="0.35")


def outside_legend(ax, handles=None, labels=None):
    """A legend to the right of ``ax``, outside its data area (a constrained layout makes room
    for it); None if there is nothing to list."""
    if handles is None:
        handles, labels = ax.get_legend_handles_labels()
    if not handles:
        return None
    return ax.legend(handles, labels, fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0),
                     borderaxespad=0.0)


def _legend(ax) -> None:
    if not getattr(ax, "_lambdasim_row_legend", False):  # compare() makes one per row
        outside_legend(ax)


def _finish(ax, xlabel: str, ylabel: str, title: str) -> None:
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    # an explicit y skips matplotlib's search for a title position clear of the tick labels
    # (there are none on top), a large part of the drawing time
    ax.set_title(title, fontsize=10, y=1.0)
    _legend(ax)
    if not getattr(ax, "_lambdasim_grid", False):  # a _reset axes keeps its grid
        ax.grid(alpha=0.3)


def _reset(ax) -> None:
    """Empty ``ax`` for a redraw, keeping its ticks (creating them is slow), grid, scales and
    legend (:func:`compare` replaces the legend when its entries change)."""
    for container in list(ax.containers):  # bars: they would stay in the legend
        container.remove()
    for art in [*ax.lines, *ax.patches, *ax.texts, *ax.collections]:
        art.remove()
    ax.relim()
    ax.set_autoscale_on(True)
    ax._lambdasim_grid = True


def artist_style(artist) -> tuple:
    """An artist's type and look (colours, lines, markers, hatch): what its legend entry
    shows."""
    out = [type(artist).__name__]
    for name in ("color", "facecolor", "edgecolor", "linestyle", "linewidth", "marker",
                 "markersize", "hatch", "alpha", "drawstyle", "fill"):
        get = getattr(artist, f"get_{name}", None)
        if get is not None:
            out.append(repr(get()))
    return tuple(out)


def _step(ax, t: np.ndarray, v: np.ndarray, period_s: float, **kw):
    """Per-period values as steps, the last period drawn to its end."""
    if len(t):
        t, v = np.append(t, t[-1] + period_s), np.append(v, v[-1])
    return ax.step(t, v, where="post", **kw)


def _zero_floor(ax) -> None:
    """A zero line the y autoscaling stops at (it stays on, so shared axes still fit)."""
    line = ax.axhline(0, color="0.6", lw=0.6)
    line.sticky_edges.y[:] = [0]


def _time_axis(ax, result) -> None:
    ax.set_xlim(0, result.duration_s)
    if result.warmup_s > 0:
        ax.axvspan(0, result.warmup_s, color="0.9", zorder=0, label="warm-up")


def _plain(v: float, _pos=None) -> str:
    """Log-axis tick labels as plain numbers (0.1, 1, 10), not powers of ten."""
    return f"{v:g}"


def age_unit(metric: str) -> str:
    """Unit of an age metric's values (``Milliseconds`` or ``Seconds``)."""
    return METRICS[metric][0]


def max_age_s(result, source: str) -> float:
    """Largest age of the oldest waiting event of ``source`` over the run, in seconds (from
    IteratorAge, OldestWaitingEventAge or ApproximateAgeOfOldestMessage; NaN for a sync
    source)."""
    period = nice_period(result.duration_s)
    m = _metrics(result, period)
    fn = result.scenario.source(source).function
    peaks = []
    for metric in AGE_METRICS:
        _, v = m.get(metric, source, fn)
        if len(v) and not np.isnan(v).all():
            peaks.append(float(np.nanmax(v)) * _TO_SECONDS.get(age_unit(metric), 1e-3))
    return max(peaks) if peaks else float("nan")

