"""The single panels of a result: latency CDF, throughput, throttles, concurrency, ages and
outcomes. Each returns a Figure, or draws into ``ax=``.

A source has one colour in every panel (:func:`~lambdasim.plots.common.source_colors`) and
its legend entry says whether it pushes or is pulled (``uploads (s3, push)``). What is per
function (concurrency, its limits) takes the colour of the one source feeding the function,
or near-black for a function fed by several; throttles are drawn per source, the reason as a
hatch. Legends sit to the right of the axes, outside the data.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator, NullFormatter

from ..spec import SqsSourceSpec, StreamSourceSpec
from .common import (
    _AGE_STYLE,
    _TO_SECONDS,
    AGE_METRICS,
    AGE_NAMES,
    OUTCOME_HATCHES,
    REASON_HATCHES,
    _axes,
    _finish,
    _metrics,
    _note,
    _plain,
    _step,
    _time_axis,
    _zero_floor,
    age_unit,
    function_colors,
    function_label,
    nice_period,
    source_colors,
    source_label,
)

_CDF_POINTS = 1500  # a CDF of many events is drawn through this many quantiles


# -- latency ----------------------------------------------------------------------------------
def _has_events(result) -> bool:
    return result.record_detail == "full"


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
    full = _has_events(result)
    lats = latencies(result) if full else {}
    summ = None if full else result.summary.set_index("source")
    drawn = False
    for s in result.scenario.sources:
        c = colors[s.name]
        if full:
            lat = lats[s.name]
            if len(lat) == 0:
                continue
            x, y = _cdf_points(lat)
            ax.step(x, y, where="post", color=c, label=f"{label}{source_label(s)}")
            marks = [(q, float(np.quantile(lat, q))) for q in (0.5, 0.99)]
        else:
            p50, p99 = summ.loc[s.name, "latency_p50_s"], summ.loc[s.name, "latency_p99_s"]
            if not np.isfinite(p50):
                continue
            marks = [(0.5, float(p50)), (0.99, float(p99))]
            ax.plot([m[1] for m in marks], [0.5, 0.99], ":", color=c,
                    label=f"{label}{source_label(s)} p50, p99")
        drawn = True
        for q, v in marks:
            ax.plot([v], [q], "o" if q == 0.5 else "^", color=c, ms=5)
            # p50 right of its mark, p99 left of it (the curve's end may be at the edge)
            ax.annotate(f"p{q * 100:.0f} {v:.3g} s", (v, q), textcoords="offset points",
                        xytext=(5, -11) if q == 0.5 else (-5, 3),
                        ha="left" if q == 0.5 else "right", fontsize=7, color=c)
    if drawn:
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(FuncFormatter(_plain))
        ax.xaxis.set_minor_formatter(NullFormatter())
    else:
        _note(ax, "no event succeeded")
    if not full:
        _note(ax, 'per-event latencies not kept (record_detail="histogram"):\n'
                  "p50 and p99 from the summary", y=0.2)
    ax.set_ylim(0, 1.12)  # room above the p99 label
    _finish(ax, "latency, arrival to successful end (s)", "fraction of events (0-1)",
            title or "Latency distribution per source")
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
              label=f"{source_label(s)} offered")
        t, ok = m.get("Succeeded", s.name, s.function)
        _step(ax, t, ok / period_s, period_s, color=colors[s.name],
              label=f"{source_label(s)} processed")
    _zero_floor(ax)
    _finish(ax, "simulated time (s)", "events per second (1/s)",
            title or f"Throughput: offered vs processed (per {period_s:g} s)")
    return fig


def _throttle_counts(result, period_s: float) -> dict[tuple[str, str], np.ndarray]:
    """Throttled Invoke calls per period, by (source, reason), from ``result.throttles``;
    only the pairs with any."""
    thr = result.throttles
    nb = int(np.ceil(result.duration_s / period_s - 1e-9))
    out = {}
    if thr.empty:
        return out
    idx = np.floor(thr.time_s.to_numpy(dtype=float) / period_s).astype(np.int64)
    src, why = thr.source.astype(str).to_numpy(), thr.reason.astype(str).to_numpy()
    keep = (idx >= 0) & (idx < nb)
    for s in result.scenario.sources:
        for reason in REASON_HATCHES:
            sel = keep & (src == s.name) & (why == reason)
            if sel.any():
                out[(s.name, reason)] = np.bincount(idx[sel], minlength=nb).astype(float)
    return out


def throttles(result, period_s: float | None = 10.0, ax=None, colors: dict | None = None,
              title: str | None = None) -> Figure:
    """Throttled Invoke calls per second, stacked per source (in the source's colour) and
    reason (the hatch: account ``xx``, reserved ``//``, scaling ``..``). A throttle is counted
    against the function, but each Invoke call throttled came from one source: drawing it in
    that source's colour keeps a colour meaning one source in every panel."""
    period_s = period_s or nice_period(result.duration_s)
    fig, ax = _axes(ax)
    colors = colors or source_colors(result)
    _time_axis(ax, result)
    counts = _throttle_counts(result, period_s)
    edges = np.arange(int(np.ceil(result.duration_s / period_s - 1e-9)) + 1) * period_s
    bottom = np.zeros(len(edges) - 1)
    specs = {s.name: s for s in result.scenario.sources}
    for (name, reason), v in counts.items():
        v = v / period_s
        # one stacked step patch per source and reason (bars would be one artist per period)
        ax.stairs(bottom + v, edges, baseline=bottom.copy(), fill=True, facecolor=colors[name],
                  alpha=0.85, hatch=REASON_HATCHES[reason], edgecolor="white", linewidth=0,
                  label=f"{source_label(specs[name])}: {reason}")
        bottom = bottom + v
    _zero_floor(ax)
    if not counts:
        _note(ax, "no throttles")
        ax.update_datalim([(0, 0), (0, 1)])
    _finish(ax, "simulated time (s)", "throttles per second (1/s)",
            title or f"Throttled Invoke calls by source and reason (per {period_s:g} s)")
    return fig


def _mapping_caps(result) -> list[tuple[str, str, int]]:
    """(function, label, cap) of event source mappings that bound their own concurrency."""
    caps = []
    for s in result.scenario.sources:
        if isinstance(s, StreamSourceSpec):
            caps.append((s.function, f"{s.name}: shards x ParallelizationFactor",
                         s.shards * s.parallelization_factor))
        elif isinstance(s, SqsSourceSpec) and s.max_concurrency is not None:
            caps.append((s.function, f"{s.name}: MaximumConcurrency", s.max_concurrency))
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
        _step(ax, t, v, period_s, color=fcol[f.name], label=function_label(result, f.name))
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
    """Age of the oldest waiting work, maximum per period, in seconds: a stream's IteratorAge
    (solid), the async queue's OldestWaitingEventAge (dashed) and an SQS queue's
    ApproximateAgeOfOldestMessage (dotted). For a push source lambdasim samples the oldest
    event still waiting every second: AWS's AsyncEventAge is emitted only when an event is
    invoked, so while throttled events wait it has no data point, or a small one from a fresh
    event invoked meanwhile. A period without a data point is a gap, never a 0. AWS reports
    the first two in milliseconds and the SQS one in seconds; all are converted to seconds
    (units from ``lambdasim.METRICS``)."""
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
                        marker=".", ms=3, color=colors[s.name],
                        label=f"{source_label(s)}: {AGE_NAMES[metric]}")
                drawn = True
    if not drawn:
        _note(ax, "no queue or stream source (sync only)")
    _zero_floor(ax)
    _finish(ax, "simulated time (s)", "age of oldest waiting event (s)",
            title or f"Age of the oldest waiting event (max per {period_s:g} s)")
    return fig


def _pale(color, amount: float = 0.6):
    """``color`` mixed with white."""
    from matplotlib.colors import to_rgba

    r, g, b, _ = to_rgba(color)
    return (r + (1 - r) * amount, g + (1 - g) * amount, b + (1 - b) * amount, 1.0)


def outcomes(result, ax=None, title: str | None = None, colors: dict | None = None) -> Figure:
    """What became of the events offered after the warm-up, per source: a stacked bar in the
    source's colour, succeeded solid and every other outcome pale with its hatch."""
    fig, ax = _axes(ax)
    colors = colors or source_colors(result)
    summ = result.summary
    specs = {s.name: s for s in result.scenario.sources}
    names = [source_label(specs[r.source]) for r in summ.itertuples()]
    fills = [colors[r.source] for r in summ.itertuples()]
    left = np.zeros(len(summ))
    handles = []
    for o, hatch in OUTCOME_HATCHES.items():
        v = summ[o].to_numpy(dtype=float)
        if not v.any():
            continue
        face = fills if o == "succeeded" else [_pale(c) for c in fills]
        ax.barh(names, v, left=left, color=face, hatch=hatch, edgecolor="0.25", linewidth=0.5)
        left += v
        # the legend entry shows the outcome's pattern in grey: the bars' colours are sources
        handles.append(Patch(facecolor="0.45" if o == "succeeded" else "0.88", hatch=hatch,
                             edgecolor="0.25", linewidth=0.5, label=o.replace("_", " ")))
    for tick, c in zip(ax.get_yticklabels(), fills, strict=False):
        tick.set_color(c)
    ax.invert_yaxis()
    ax.set_xlabel("events offered after warm-up (count)")
    ax.set_ylabel("source (kind, side)")
    ax.set_title(title or "Outcome of every event offered", fontsize=10, y=1.0)
    if handles:
        ax.legend(handles=handles, fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0),
                  borderaxespad=0.0)
    ax.grid(alpha=0.3, axis="x")
    return fig
