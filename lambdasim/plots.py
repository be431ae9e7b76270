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

Per-event data (the latency CDF) needs ``record_detail="full"``; with
``record_detail="histogram"`` the CDF panel marks the summary's p50 and p99 and says so.
"""

from __future__ import annotations

import weakref

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator, NullFormatter

from .result import METRICS

#: age metrics, in the order they are drawn
AGE_METRICS = ("IteratorAge", "AsyncEventAge", "ApproximateAgeOfOldestMessage")
#: unit of each age metric as AWS reports it, used when ``lambdasim.METRICS`` does not list it
AGE_UNITS = {"IteratorAge": "Milliseconds", "AsyncEventAge": "Milliseconds",
             "ApproximateAgeOfOldestMessage": "Seconds"}
_TO_SECONDS = {"Milliseconds": 1e-3, "Seconds": 1.0, "Microseconds": 1e-6}
_AGE_STYLE = {"IteratorAge": "-", "AsyncEventAge": "--", "ApproximateAgeOfOldestMessage": ":"}
#: fixed colour per throttle reason
REASON_COLORS = {"account": "tab:red", "reserved": "tab:orange", "scaling": "tab:purple"}
_HATCHES = ("", "//", "..", "xx", "\\\\", "++")
OUTCOME_COLORS = {"succeeded": "tab:green", "failed": "tab:red", "dropped": "tab:brown",
                  "rejected": "tab:pink", "expired": "tab:gray", "in_flight": "tab:olive"}
_NICE_PERIODS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 86400)
_CDF_POINTS = 1500  # a CDF of many events is drawn through this many quantiles


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
    """Colour of each function: that of its first source (grey if no source invokes it)."""
    colors = colors or source_colors(result)
    out = {}
    for f in result.scenario.functions:
        first = next((s.name for s in result.scenario.sources if s.function == f.name), None)
        out[f.name] = colors[first] if first is not None else (0.4, 0.4, 0.4, 1.0)
    return out


# -- helpers ----------------------------------------------------------------------------------
def _axes(ax, figsize=(7, 4)):
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


def _legend(ax, loc: str = "best") -> None:
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=7, loc=loc)


def _finish(ax, xlabel: str, ylabel: str, title: str, legend: str = "best") -> None:
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    # an explicit y skips matplotlib's search for a title position clear of the tick labels
    # (there are none on top), a large part of the drawing time
    ax.set_title(title, fontsize=10, y=1.0)
    _legend(ax, legend)
    ax.grid(alpha=0.3)


def _reset(ax) -> None:
    """Empty ``ax`` for a redraw, keeping its ticks (creating them is slow) and scales."""
    for container in list(ax.containers):  # bars: they would stay in the legend
        container.remove()
    for art in [*ax.lines, *ax.patches, *ax.texts, *ax.collections]:
        art.remove()
    if ax.get_legend() is not None:
        ax.get_legend().remove()
    ax.relim()
    ax.set_autoscale_on(True)


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
    return METRICS.get(metric, (AGE_UNITS.get(metric, "Milliseconds"),))[0]


def max_age_s(result, source: str) -> float:
    """Largest age of the oldest waiting event of ``source`` over the run, in seconds (from
    IteratorAge, AsyncEventAge or ApproximateAgeOfOldestMessage; NaN for a sync source)."""
    period = nice_period(result.duration_s)
    m = _metrics(result, period)
    fn = result.scenario.source(source).function
    peaks = []
    for metric in AGE_METRICS:
        _, v = m.get(metric, source, fn)
        if len(v) and not np.isnan(v).all():
            peaks.append(float(np.nanmax(v)) * _TO_SECONDS.get(age_unit(metric), 1e-3))
    return max(peaks) if peaks else float("nan")


# -- latency ----------------------------------------------------------------------------------
def _has_events(result) -> bool:
    return getattr(result, "record_detail", "full") == "full"


def latencies(result) -> dict[str, np.ndarray]:
    """Sorted latencies (arrival to successful end, seconds) of the events arriving at or
    after the warm-up, per source. Needs ``record_detail="full"``."""
    ev = result.events
    out = {s.name: np.empty(0) for s in result.scenario.sources}
    if ev.empty:
        return out
    ok = ev[(ev.outcome == "succeeded") & (ev.arrival_s >= result.warmup_s)]
    lat = (ok.end_s - ok.arrival_s).to_numpy()
    src = ok.source.astype(str).to_numpy()
    for name in out:
        out[name] = np.sort(lat[src == name])
    return out


def _cdf_points(lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Points of the empirical CDF; many events are thinned to quantiles (tail kept dense)."""
    n = len(lat)
    y = np.arange(1, n + 1) / n
    if n <= _CDF_POINTS:
        return lat, y
    body = np.linspace(0, n - 1, _CDF_POINTS // 2)
    tail = n - np.geomspace(1, n * 0.1, _CDF_POINTS // 2)
    idx = np.unique(np.concatenate([body, tail, [n - 1]]).astype(np.int64))
    return lat[idx], y[idx]


def latency_cdf(result, ax=None, label: str = "", colors: dict | None = None,
                title: str | None = None) -> Figure:
    """Cumulative distribution of end-to-end latency (arrival to successful end) per source,
    with p50 (circle) and p99 (triangle) marked. Only events arriving after the warm-up count,
    as in ``result.summary``. With ``record_detail="histogram"`` only the summary's p50 and p99
    are drawn, with a note saying so."""
    fig, ax = _axes(ax)
    colors = colors or source_colors(result)
    summ = result.summary.set_index("source")
    full = _has_events(result)
    lats = latencies(result) if full else {}
    drawn = False
    for s in result.scenario.sources:
        c = colors[s.name]
        if full:
            lat = lats[s.name]
            if len(lat) == 0:
                continue
            x, y = _cdf_points(lat)
            ax.step(x, y, where="post", color=c, label=f"{label}{s.name} ({s.kind})")
            marks = [(q, float(np.quantile(lat, q))) for q in (0.5, 0.99)]
        else:
            p50, p99 = summ.loc[s.name, "latency_p50_s"], summ.loc[s.name, "latency_p99_s"]
            if not np.isfinite(p50):
                continue
            marks = [(0.5, float(p50)), (0.99, float(p99))]
            ax.plot([m[1] for m in marks], [0.5, 0.99], ":", color=c,
                    label=f"{label}{s.name} ({s.kind}) p50, p99")
        drawn = True
        for q, v in marks:
            ax.plot([v], [q], "o" if q == 0.5 else "^", color=c, ms=5)
            ax.annotate(f"p{q * 100:.0f} {v:.3g} s", (v, q), textcoords="offset points",
                        xytext=(5, -11), fontsize=7, color=c)
    if drawn:
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(FuncFormatter(_plain))
        ax.xaxis.set_minor_formatter(NullFormatter())
    else:
        _note(ax, "no event succeeded")
    if not full:
        _note(ax, 'per-event latencies not kept (record_detail="histogram"):\n'
                  "p50 and p99 from the summary", y=0.2)
    ax.set_ylim(0, 1.05)
    _finish(ax, "latency, arrival to successful end (s)", "fraction of events (0-1)",
            title or "Latency distribution per source", legend="lower right")
    return fig


# -- time series ------------------------------------------------------------------------------
def throughput(result, period_s: float | None = 10.0, ax=None, colors: dict | None = None,
               title: str | None = None) -> Figure:
    """Offered (dashed) versus successfully processed (solid) events per second, per source.
    ``period_s=None`` picks a round period giving about 60 points."""
    period_s = period_s or nice_period(result.duration_s)
    fig, ax = _axes(ax)
    m = _metrics(result, period_s)
    colors = colors or source_colors(result)
    _time_axis(ax, result)
    for s in result.scenario.sources:
        t, off = m.get("Offered", s.name, s.function)
        _step(ax, t, off / period_s, period_s, ls="--", color=colors[s.name],
              label=f"{s.name} offered")
        t, ok = m.get("Succeeded", s.name, s.function)
        _step(ax, t, ok / period_s, period_s, color=colors[s.name], label=f"{s.name} processed")
    _zero_floor(ax)
    _finish(ax, "simulated time (s)", "events per second (1/s)",
            title or f"Throughput: offered vs processed (per {period_s:g} s)",
            legend="lower right")
    return fig


def throttles(result, period_s: float | None = 10.0, ax=None, colors: dict | None = None,
              title: str | None = None) -> Figure:
    """Throttled Invoke calls per second, stacked by reason (account, reserved, scaling), per
    function (hatched when there are several)."""
    period_s = period_s or nice_period(result.duration_s)
    fig, ax = _axes(ax)
    m = _metrics(result, period_s)
    _time_axis(ax, result)
    several = len(result.scenario.functions) > 1
    bottom = None
    for i, f in enumerate(result.scenario.functions):
        for reason, color in REASON_COLORS.items():
            t, v = m.get(f"Throttles.{reason}", "", f.name)
            v = v / period_s
            if not v.any():
                continue
            bottom = np.zeros_like(v) if bottom is None else bottom
            # one stacked step patch per reason (bars would be one artist per period)
            ax.stairs(bottom + v, np.append(t, t[-1] + period_s), baseline=bottom, fill=True,
                      color=color, alpha=0.8, hatch=_HATCHES[i % len(_HATCHES)] if several
                      else None, label=f"{f.name}: {reason}" if several else reason)
            bottom = bottom + v
    _zero_floor(ax)
    if bottom is None:
        _note(ax, "no throttles")
        ax.update_datalim([(0, 0), (0, 1)])
    _finish(ax, "simulated time (s)", "throttles per second (1/s)",
            title or f"Throttled Invoke calls by reason (per {period_s:g} s)",
            legend="upper left")
    return fig


def _mapping_caps(result) -> list[tuple[str, str, int]]:
    """(function, label, cap) of event source mappings that bound their own concurrency."""
    caps = []
    for s in result.scenario.sources:
        shards, pf = getattr(s, "shards", None), getattr(s, "parallelization_factor", None)
        if shards is not None and pf is not None:
            caps.append((s.function, f"{s.name}: shards x ParallelizationFactor", shards * pf))
        mc = getattr(s, "max_concurrency", None)
        if mc is not None:
            caps.append((s.function, f"{s.name}: MaximumConcurrency", mc))
    return caps


def concurrency(result, period_s: float | None = None, ax=None, colors: dict | None = None,
                title: str | None = None, scale_top: float | None = None) -> Figure:
    """ConcurrentExecutions (maximum per period) per function against its limits: reserved
    (dashed), provisioned (dotted), an event source mapping's own cap (dash-dot) and the
    account limit (grey). A limit more than twice the highest concurrency is listed in the
    legend as "(off scale)" instead of drawn, so it does not flatten the curve.
    ``period_s=None``: 1 s up to 10 minutes, else about 600 points. ``scale_top`` is the
    concurrency the "far above" rule compares with (default: this plot's highest value)."""
    period_s = period_s or nice_period(result.duration_s, 600)
    fig, ax = _axes(ax)
    m = _metrics(result, period_s)
    fcol = function_colors(result, colors)
    _time_axis(ax, result)
    top = 1.0
    for f in result.scenario.functions:
        t, v = m.get("ConcurrentExecutions", "", f.name)
        _step(ax, t, v, period_s, color=fcol[f.name], label=f.name)
        if len(v):
            top = max(top, float(np.nanmax(v)))
    top = max(top, scale_top or 0)
    limits = []
    for f in result.scenario.functions:
        if f.reserved_concurrency is not None:
            limits.append((f"{f.name} reserved", f.reserved_concurrency, "--", fcol[f.name]))
        if f.provisioned_concurrency:
            limits.append((f"{f.name} provisioned", f.provisioned_concurrency, ":",
                           fcol[f.name]))
    for fn, lbl, cap in _mapping_caps(result):
        limits.append((lbl, cap, "-.", fcol[fn]))
    limits.append(("account limit", result.scenario.account.concurrency_limit, "-", "0.5"))
    for lbl, v, ls, c in limits:
        if v <= 2 * top:
            ax.axhline(v, ls=ls, color=c, lw=1, label=f"{lbl} {v}")
        else:  # far above: a legend entry, not a line squashing the curve
            ax.plot([], [], ls=ls, color=c, lw=1, label=f"{lbl} {v} (off scale)")
    _zero_floor(ax)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    _finish(ax, "simulated time (s)", "concurrent executions (count)",
            title or f"Concurrency against its limits (max per {period_s:g} s)")
    return fig


def ages(result, period_s: float | None = 10.0, ax=None, colors: dict | None = None,
         title: str | None = None) -> Figure:
    """Age of the oldest waiting work, maximum per period, in seconds: IteratorAge (streams,
    solid), AsyncEventAge (asynchronous queue, dashed), ApproximateAgeOfOldestMessage (SQS,
    dotted). AWS reports the first two in milliseconds and the SQS one in seconds; all are
    converted to seconds (units from ``lambdasim.METRICS``)."""
    period_s = period_s or nice_period(result.duration_s)
    fig, ax = _axes(ax)
    m = _metrics(result, period_s)
    colors = colors or source_colors(result)
    _time_axis(ax, result)
    drawn = False
    for s in result.scenario.sources:
        for metric in AGE_METRICS:
            t, v = m.get(metric, s.name, s.function)
            if len(v) and not np.isnan(v).all():
                scale = _TO_SECONDS.get(age_unit(metric), 1e-3)
                ax.plot(t + period_s / 2, v * scale, _AGE_STYLE[metric],
                        marker=".", ms=3, color=colors[s.name], label=f"{s.name} {metric}")
                drawn = True
    if not drawn:
        _note(ax, "no queue or stream source (sync only)")
    _zero_floor(ax)
    _finish(ax, "simulated time (s)", "age of oldest event (s)",
            title or f"Age of the oldest waiting event (max per {period_s:g} s)")
    return fig


def outcomes(result, ax=None, title: str | None = None) -> Figure:
    """What became of the events offered after the warm-up, per source (stacked bars)."""
    fig, ax = _axes(ax)
    summ = result.summary
    names = [f"{r.source} ({r.kind})" for r in summ.itertuples()]
    left = np.zeros(len(summ))
    for o, c in OUTCOME_COLORS.items():
        v = summ[o].to_numpy(dtype=float)
        if v.any():
            ax.barh(names, v, left=left, color=c, label=o)
            left += v
    ax.invert_yaxis()
    ax.set_xlabel("events offered after warm-up (count)")
    ax.set_ylabel("source (kind)")
    ax.set_title(title or "Outcome of every event offered", fontsize=10, y=1.0)
    _legend(ax)
    ax.grid(alpha=0.3, axis="x")
    return fig


# -- composites -------------------------------------------------------------------------------
def overview(result, period_s: float | None = 10.0) -> Figure:
    """Six panels: latency CDF, throughput, concurrency, throttles, ages and outcomes."""
    fig = Figure(figsize=(13, 11), layout="constrained")
    axs = fig.subplots(3, 2)
    latency_cdf(result, ax=axs[0, 0])
    throughput(result, period_s, ax=axs[0, 1])
    concurrency(result, ax=axs[1, 0])
    throttles(result, period_s, ax=axs[1, 1])
    ages(result, period_s, ax=axs[2, 0])
    outcomes(result, ax=axs[2, 1])
    kinds = ", ".join(f"{s.name} ({s.kind})" for s in result.scenario.sources)
    fig.suptitle(f"lambdasim: {kinds}; {result.duration_s:g} s simulated, seed {result.seed}")
    return fig


def _peak_concurrency(result, period_s: float) -> float:
    m = _metrics(result, period_s)
    peaks = [m.get("ConcurrentExecutions", "", f.name)[1] for f in result.scenario.functions]
    return max((float(np.nanmax(p)) for p in peaks if len(p)), default=0.0)


def _describe(result) -> str:
    return ", ".join(f"{s.kind} '{s.name}'" for s in result.scenario.sources)


#: rows of :func:`compare`, top to bottom
COMPARE_ROWS = ("latency", "throughput", "throttles", "concurrency", "ages")


def compare(a, b, labels: tuple[str, str] = ("push", "pull"), period_s: float | None = None,
            rows: tuple[str, ...] = COMPARE_ROWS, figsize: tuple[float, float] | None = None,
            title: str | None = None, layout: str | None = "constrained",
            fig: Figure | None = None) -> Figure:
    """Two results side by side in one figure: a column each, a row per view (latency CDF,
    throughput offered vs processed, throttles by reason, concurrency against limits, age of
    the oldest waiting event), x and y axes shared along each row so the columns compare at a
    glance.

    ``labels`` name the columns; ``period_s`` is the metric period (None: about 60 points over
    the longer horizon); ``rows`` picks and orders the views (see :data:`COMPARE_ROWS`);
    ``layout=None`` uses fixed margins instead of matplotlib's constrained layout, which draws
    about twice as fast; ``fig`` redraws into an existing figure: its axes are emptied and
    reused when ``compare`` made them with the same rows, size and layout (their ticks are
    kept, which is much faster), else the figure is cleared. The explorer does both."""
    if len(labels) != 2:
        raise ValueError(f"labels = {labels!r}: must be two names, one per result")
    unknown = [r for r in rows if r not in COMPARE_ROWS]
    if unknown or not rows:
        raise ValueError(f"rows = {rows!r}: must be a non-empty selection of "
                         f"{', '.join(COMPARE_ROWS)}")
    horizon = max(a.duration_s, b.duration_s)
    period_s = period_s or nice_period(horizon)
    height = 2.6 * len(rows) + 0.6
    size = tuple(figsize or (12, height))
    key = (tuple(rows), size, layout)
    if fig is not None and getattr(fig, "_lambdasim_compare", (None,))[0] == key:
        axs = fig._lambdasim_compare[1]
        for ax in axs.flat:
            _reset(ax)
    else:
        if fig is None:
            fig = Figure(figsize=size, layout=layout)
        else:
            fig.clear()
            fig.set_layout_engine(layout)
            fig.set_size_inches(size)
        if layout is None:
            h = fig.get_figheight()
            fig.subplots_adjust(left=0.065, right=0.985, wspace=0.06, top=1 - 0.75 / h,
                                bottom=0.5 / h, hspace=0.8 / (h / len(rows) - 0.8))
        axs = fig.subplots(len(rows), 2, sharex="row", sharey="row", squeeze=False)
        fig._lambdasim_compare = (key, axs)
    cols = pair_colors(a, b)
    conc_top = None
    if "concurrency" in rows:
        conc_top = max(_peak_concurrency(r, period_s) for r in (a, b))
    for j, (res, lbl, colors) in enumerate(zip((a, b), labels, cols, strict=True)):
        for i, row in enumerate(rows):
            ax = axs[i, j]
            if row == "latency":
                latency_cdf(res, ax=ax, colors=colors, title=f"{lbl}: latency distribution")
            elif row == "throughput":
                throughput(res, period_s, ax=ax, colors=colors,
                           title=f"{lbl}: offered vs processed (per {period_s:g} s)")
            elif row == "throttles":
                throttles(res, period_s, ax=ax, colors=colors,
                          title=f"{lbl}: throttles by reason (per {period_s:g} s)")
            elif row == "concurrency":
                concurrency(res, period_s, ax=ax, colors=colors, scale_top=conc_top,
                            title=f"{lbl}: concurrency vs limits (max per {period_s:g} s)")
            else:
                ages(res, period_s, ax=ax, colors=colors,
                     title=f"{lbl}: age of oldest waiting event (max per {period_s:g} s)")
            if j == 1:  # the row's y axis is shared: its label and ticks are on the left
                ax.set_ylabel("")
            if row != "latency":
                ax.xaxis.set_major_locator(MaxNLocator(5))
            ax.yaxis.set_major_locator(MaxNLocator(4, integer=row == "concurrency"))
    for i, row in enumerate(rows):
        if row != "latency":
            axs[i, 0].set_xlim(0, horizon)
        axs[i, 0].autoscale_view()  # fit both columns now (a reused figure needs it)
    span = (f"{a.duration_s:g} s simulated" if a.duration_s == b.duration_s
            else f"{a.duration_s:g} s vs {b.duration_s:g} s simulated")
    seeds = f"seed {a.seed}" if a.seed == b.seed else f"seeds {a.seed} and {b.seed}"
    fig.suptitle(title or f"{labels[0]} ({_describe(a)}) vs {labels[1]} ({_describe(b)}): "
                          f"{span}, {seeds}")
    return fig


# -- sweep figures ----------------------------------------------------------------------------
# Figures of parameter sweeps (plot_sweep, plot_heatmap) live in lambdasim.sweep_plots; they are
# re-exported here lazily, so that importing lambdasim.plots does not import the sweep machinery.
SWEEP_FIGURES = ("plot_sweep", "plot_heatmap")


def __getattr__(name: str):
    if name in SWEEP_FIGURES:
        from . import sweep_plots

        return getattr(sweep_plots, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
