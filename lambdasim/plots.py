"""Matplotlib figures of a :class:`~lambdasim.Result`. Each function returns a Figure and
works headless. Sources keep one colour across every figure (their order in the scenario)."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

AGE_METRICS = ("IteratorAge", "AsyncEventAge", "ApproximateAgeOfOldestMessage")


def source_colors(result) -> dict[str, str]:
    from matplotlib import colormaps

    cmap = colormaps["tab10"]
    return {s.name: cmap(i % 10) for i, s in enumerate(result.scenario.sources)}


def _axes(ax, figsize=(7, 4)):
    if ax is not None:
        return ax.figure, ax
    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot()


def _latencies(result, source: str) -> np.ndarray:
    ev = result.events
    ok = ev[(ev.source == source) & (ev.outcome == "succeeded")
            & (ev.arrival_s >= result.warmup_s)]
    return np.sort((ok.end_s - ok.arrival_s).to_numpy())


def latency_cdf(result, ax=None, label: str = "") -> Figure:
    """Cumulative distribution of end-to-end latency (arrival to successful end) per source,
    with p50 and p99 marked."""
    fig, ax = _axes(ax)
    colors = source_colors(result)
    for s in result.scenario.sources:
        lat = _latencies(result, s.name)
        if len(lat) == 0:
            continue
        y = np.arange(1, len(lat) + 1) / len(lat)
        ax.step(lat, y, where="post", color=colors[s.name], label=f"{label}{s.name}")
        for q, mk in ((0.5, "o"), (0.99, "^")):
            v = np.quantile(lat, q)
            ax.plot([v], [q], mk, color=colors[s.name])
            ax.annotate(f"p{int(q * 100)} {v:.3g} s", (v, q), textcoords="offset points",
                        xytext=(5, -10), fontsize=8, color=colors[s.name])
    ax.set_xscale("log")
    ax.set_xlabel("latency, arrival to processed (s)")
    ax.set_ylabel("fraction of events")
    ax.set_title("Latency distribution per source")
    _legend(ax)
    ax.grid(alpha=0.3)
    return fig


def _series(m, metric, source=None, function=None):
    sel = m.metric == metric
    if source is not None:
        sel &= m.source == source
    if function is not None:
        sel &= m.function == function
    return m[sel]


def throughput(result, period_s: float = 10.0, ax=None) -> Figure:
    """Offered versus successfully processed events per second, per source."""
    fig, ax = _axes(ax)
    m = result.metrics(period_s)
    colors = source_colors(result)
    for s in result.scenario.sources:
        off = _series(m, "Offered", s.name)
        ok = _series(m, "Succeeded", s.name)
        ax.plot(off.time_s, off.value / period_s, ls="--", color=colors[s.name],
                label=f"{s.name} offered")
        ax.plot(ok.time_s, ok.value / period_s, color=colors[s.name],
                label=f"{s.name} processed")
    ax.set_xlabel("time (s)")
    ax.set_ylabel("events per second")
    ax.set_title(f"Throughput: offered vs processed ({period_s:g} s periods)")
    _legend(ax)
    ax.grid(alpha=0.3)
    return fig


def throttles(result, period_s: float = 10.0, ax=None) -> Figure:
    """Throttled Invoke calls per second, stacked by reason (account, reserved, scaling)."""
    fig, ax = _axes(ax)
    m = result.metrics(period_s)
    bottom = None
    for f in result.scenario.functions:
        for reason, color in (("account", "tab:red"), ("reserved", "tab:orange"),
                              ("scaling", "tab:purple")):
            s = _series(m, f"Throttles.{reason}", "", f.name)
            v = s.value.to_numpy() / period_s
            if not v.any():
                continue
            bottom = np.zeros_like(v) if bottom is None else bottom
            ax.bar(s.time_s, v, width=period_s, bottom=bottom, align="edge", color=color,
                   alpha=0.8, label=f"{f.name}: {reason}")
            bottom = bottom + v
    if bottom is None:
        ax.text(0.5, 0.5, "no throttles", transform=ax.transAxes, ha="center")
    ax.set_xlabel("time (s)")
    ax.set_ylabel("throttles per second")
    ax.set_title("Throttles by reason")
    _legend(ax)
    ax.grid(alpha=0.3)
    return fig


def concurrency(result, period_s: float = 1.0, ax=None) -> Figure:
    """ConcurrentExecutions (maximum per period) per function, against its limits."""
    fig, ax = _axes(ax)
    m = result.metrics(period_s)
    acct = result.scenario.account.concurrency_limit
    for f in result.scenario.functions:
        s = _series(m, "ConcurrentExecutions", "", f.name)
        line, = ax.step(s.time_s, s.value, where="post", label=f"{f.name}")
        if f.reserved_concurrency is not None:
            ax.axhline(f.reserved_concurrency, ls="--", color=line.get_color(),
                       label=f"{f.name} reserved {f.reserved_concurrency}")
        if f.provisioned_concurrency:
            ax.axhline(f.provisioned_concurrency, ls=":", color=line.get_color(),
                       label=f"{f.name} provisioned {f.provisioned_concurrency}")
    top = max(ax.get_ylim()[1], 1)
    if acct <= 2 * top:
        ax.axhline(acct, ls="-.", color="grey", label=f"account limit {acct}")
    ax.set_xlabel("time (s)")
    ax.set_ylabel("concurrent executions")
    ax.set_title("Concurrency against its limits")
    _legend(ax)
    ax.grid(alpha=0.3)
    return fig


def ages(result, period_s: float = 10.0, ax=None) -> Figure:
    """Age of the oldest waiting work: IteratorAge (streams), AsyncEventAge (async queue),
    ApproximateAgeOfOldestMessage (SQS), maximum per period."""
    fig, ax = _axes(ax)
    m = result.metrics(period_s)
    colors = source_colors(result)
    drawn = False
    for s in result.scenario.sources:
        for metric in AGE_METRICS:
            v = _series(m, metric, s.name)
            if len(v) and v.value.notna().any():
                ax.plot(v.time_s, v.value / 1e3, color=colors[s.name],
                        label=f"{s.name} {metric}")
                drawn = True
    if not drawn:
        ax.text(0.5, 0.5, "no queue or stream source", transform=ax.transAxes, ha="center")
    ax.set_xlabel("time (s)")
    ax.set_ylabel("age (s)")
    ax.set_title("Age of the oldest waiting event")
    _legend(ax)
    ax.grid(alpha=0.3)
    return fig


def overview(result, period_s: float = 10.0) -> Figure:
    """Four panels: latency CDF, throughput, concurrency and throttles."""
    fig = Figure(figsize=(13, 8), layout="constrained")
    axs = fig.subplots(2, 2)
    latency_cdf(result, ax=axs[0, 0])
    throughput(result, period_s, ax=axs[0, 1])
    concurrency(result, period_s=1.0, ax=axs[1, 0])
    throttles(result, period_s, ax=axs[1, 1])
    fig.suptitle(f"lambdasim: {result.duration_s:g} s simulated, seed {result.seed}")
    return fig


def _legend(ax) -> None:
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8)
