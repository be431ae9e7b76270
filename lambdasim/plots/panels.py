"""The single panels of a result: latency CDF, throughput, throttles, concurrency, ages and
outcomes. Each returns a Figure, or draws into ``ax=``."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator, NullFormatter

from ..spec import SqsSourceSpec, StreamSourceSpec
from .common import (
    _AGE_STYLE,
    _HATCHES,
    _TO_SECONDS,
    AGE_METRICS,
    OUTCOME_COLORS,
    REASON_COLORS,
    _axes,
    _finish,
    _legend,
    _metrics,
    _note,
    _plain,
    _step,
    _time_axis,
    _zero_floor,
    age_unit,
    function_colors,
    nice_period,
    source_colors,
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

