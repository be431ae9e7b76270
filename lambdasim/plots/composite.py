"""Figures of several panels: :func:`overview` of one result and :func:`compare`, two
results side by side on shared axes (the explorer's figure)."""

from __future__ import annotations

import weakref

import numpy as np
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .common import (
    _metrics,
    _reset,
    artist_style,
    nice_period,
    outside_legend,
    pair_colors,
    side,
    source_label,
)
from .panels import ages, concurrency, latency_cdf, outcomes, throttles, throughput


def overview(result, period_s: float | None = 10.0) -> Figure:
    """Six panels: latency CDF, throughput, concurrency, throttles, ages and outcomes, each
    legend to the right of its panel. The title lists the sources, each saying whether it
    pushes or is pulled."""
    fig = Figure(figsize=(16, 11), layout="constrained")
    axs = fig.subplots(3, 2)
    latency_cdf(result, ax=axs[0, 0])
    throughput(result, period_s, ax=axs[0, 1])
    concurrency(result, ax=axs[1, 0])
    throttles(result, period_s, ax=axs[1, 1])
    ages(result, period_s, ax=axs[2, 0])
    outcomes(result, ax=axs[2, 1])
    kinds = ", ".join(source_label(s) for s in result.scenario.sources)
    fig.suptitle(f"lambdasim: {kinds}; {result.duration_s:g} s simulated, seed {result.seed}")
    return fig


def _peak_concurrency(result, period_s: float) -> float:
    m = _metrics(result, period_s)
    peaks = [m.get("ConcurrentExecutions", "", f.name)[1] for f in result.scenario.functions]
    return max((float(np.nanmax(p)) for p in peaks if len(p)), default=0.0)


def _describe(result, label: str) -> str:
    """The sources of ``result`` for the title: kind, name and, unless ``label`` (the
    column's name) says it already, push or pull."""
    return ", ".join(f"{s.kind} '{s.name}'"
                     + ("" if side(s.kind) in label.lower() else f", {side(s.kind)}")
                     for s in result.scenario.sources)


def _color_key(handle) -> str:
    for get in ("get_color", "get_facecolor", "get_edgecolor"):
        try:
            c = getattr(handle, get)()
            return to_hex(c[0] if np.ndim(c) == 2 else c, keep_alpha=False)
        except (AttributeError, ValueError, TypeError, IndexError):
            continue
    return ""


def _row_legend(left, right, labels: tuple[str, str]):
    """One legend for a row, right of its second axes: each column's entries, an entry found
    alike in both (same text, same colour) once, any other prefixed with its column's label
    unless its text names it already (``pull: events: shards x ParallelizationFactor 1``).
    The second axes' legend is kept if it shows the same entries."""
    cols = []
    for ax in (left, right):
        h, t = ax.get_legend_handles_labels()
        cols.append([(hh, tt, (tt, _color_key(hh))) for hh, tt in zip(h, t, strict=True)])
    both = {k for _, _, k in cols[0]} & {k for _, _, k in cols[1]}
    handles, texts, seen = [], [], set()
    for (h, t, k), lbl in [(e, lbl) for col, lbl in zip(cols, labels, strict=True)
                           for e in col]:
        if k in seen:
            continue
        seen.add(k)
        handles.append(h)
        texts.append(t if k in both or lbl.lower() in t.lower() else f"{lbl}: {t}")
    key = (texts, [artist_style(h) for h in handles])
    leg = right.get_legend()
    if leg is None or getattr(leg, "_lambdasim_key", None) != key:
        for ax in (left, right):
            if ax.get_legend() is not None:
                ax.get_legend().remove()
        leg = outside_legend(right, handles, texts)
        if leg is not None:
            leg._lambdasim_key = key
    return leg, max((len(t) for t in texts), default=0)


def _panel(row: str, res, ax, lbl: str, colors: dict, period_s: float, conc_top) -> None:
    """Draw the ``row`` view of ``res`` into ``ax`` (a panel of :func:`compare`)."""
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


#: rows of :func:`compare`, top to bottom
COMPARE_ROWS = ("latency", "throughput", "throttles", "concurrency", "ages")


def compare(a, b, labels: tuple[str, str] = ("push", "pull"), period_s: float | None = None,
            rows: tuple[str, ...] = COMPARE_ROWS, figsize: tuple[float, float] | None = None,
            title: str | None = None, layout: str | None = "constrained",
            fig: Figure | None = None) -> Figure:
    """Two results side by side in one figure: a column each, a row per view (latency CDF,
    throughput offered vs processed, throttles by reason, concurrency against limits, age of
    the oldest waiting event), x and y axes shared along each row so the columns compare at a
    glance. Each source has one colour in every row (:func:`pair_colors`) and its legend entry
    says push or pull; each row has one legend, right of the second column, outside the data.

    ``labels`` name the columns; ``period_s`` is the metric period (None: about 60 points over
    the longer horizon); ``rows`` picks and orders the views (see :data:`COMPARE_ROWS`);
    ``layout=None`` uses fixed margins instead of matplotlib's constrained layout, which draws
    about twice as fast; ``fig`` redraws into an existing figure: its axes are emptied and
    reused when ``compare`` made them with the same rows, size and layout (their ticks are
    kept, which is much faster; a panel drawn from the same result and settings is kept
    whole), else the figure is cleared. The explorer does both."""
    if len(labels) != 2:
        raise ValueError(f"labels = {labels!r}: must be two names, one per result")
    unknown = [r for r in rows if r not in COMPARE_ROWS]
    if unknown or not rows:
        raise ValueError(f"rows = {rows!r}: must be a non-empty selection of "
                         f"{', '.join(COMPARE_ROWS)}")
    horizon = max(a.duration_s, b.duration_s)
    period_s = period_s or nice_period(horizon)
    height = 2.6 * len(rows) + 0.6
    size = tuple(figsize or (13, height))
    key = (tuple(rows), size, layout)
    reuse = fig is not None and getattr(fig, "_lambdasim_compare", (None,))[0] == key
    if reuse:
        axs = fig._lambdasim_compare[1]
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
        for ax in axs.flat:
            ax._lambdasim_row_legend = True  # no legend per panel: _row_legend makes them
        fig._lambdasim_compare, fig._lambdasim_panels = (key, axs), {}
    cols = pair_colors(a, b)
    conc_top = None
    if "concurrency" in rows:
        conc_top = max(_peak_concurrency(r, period_s) for r in (a, b))
    shown = fig._lambdasim_panels  # (row, column) -> (result, what else the panel shows)
    for j, (res, lbl, colors) in enumerate(zip((a, b), labels, cols, strict=True)):
        for i, row in enumerate(rows):
            ax = axs[i, j]
            what = (lbl, colors, period_s, conc_top if row == "concurrency" else None)
            last = shown.get((i, j))
            if last is not None and last[0]() is res and last[1] == what:
                continue  # drawn from the same result and settings: it stays
            if reuse:
                _reset(ax)
            _panel(row, res, ax, lbl, colors, period_s, conc_top)
            if j == 1:  # the row's y axis is shared: its label and ticks are on the left
                ax.set_ylabel("")
            if row != "latency":
                ax.xaxis.set_major_locator(MaxNLocator(5))
            ax.yaxis.set_major_locator(MaxNLocator(4, integer=row == "concurrency"))
            shown[(i, j)] = (weakref.ref(res), what)
    widest = 0
    for i, row in enumerate(rows):
        if row != "latency":
            axs[i, 0].set_xlim(0, horizon)
        axs[i, 0].autoscale_view()  # fit both columns now (a reused figure needs it)
        leg, chars = _row_legend(axs[i, 0], axs[i, 1], labels)
        if leg is not None:
            leg.set_in_layout(False)  # its room is set aside below, the same for every row
            widest = max(widest, chars)
    # room right of the second column for the legends: the handle, padding and the text
    right = 1 - (0.6 + 0.048 * widest) / fig.get_figwidth() if widest else 0.985
    if layout is None:
        fig.subplots_adjust(right=right)
    else:
        fig.get_layout_engine().set(rect=(0, 0, right + 0.01, 1))
    span = (f"{a.duration_s:g} s simulated" if a.duration_s == b.duration_s
            else f"{a.duration_s:g} s vs {b.duration_s:g} s simulated")
    seeds = f"seed {a.seed}" if a.seed == b.seed else f"seeds {a.seed} and {b.seed}"
    fig.suptitle(title or f"{labels[0]} ({_describe(a, labels[0])}) vs {labels[1]} "
                          f"({_describe(b, labels[1])}): {span}, {seeds}")
    return fig

