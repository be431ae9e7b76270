"""Figures of a parameter sweep (the frame :func:`lambdasim.sweep` returns): a metric against
one swept parameter with 95 % confidence bands, and a heatmap over two parameters. Both return
a matplotlib Figure and work headless."""

from __future__ import annotations

import math

import numpy as np
from matplotlib.figure import Figure

from ..sweep.stats import param_columns, summarize
from .common import _axes


def _is_number(v) -> bool:
    return isinstance(v, int | float | np.integer | np.floating) and not isinstance(
        v, bool | np.bool_) and not math.isnan(v)


def _levels(values) -> tuple[list, bool]:
    """Distinct values in plotting order, and whether they are all numbers (then sorted)."""
    seen: dict[str, object] = {}
    for v in values:
        seen.setdefault(_text(v), v)
    levels = list(seen.values())
    numeric = all(_is_number(v) for v in levels)
    return (sorted(levels) if numeric else levels), numeric


def _text(v) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "null"
    return f"{v:g}" if isinstance(v, float) else str(v)


def _select(df, metric: str, keep: list[str], source: str | None):
    """The summarized sweep for ``metric``, one source, other parameters checked constant."""
    for col in keep:
        if col not in param_columns(df):
            raise ValueError(f"{col!r}: not a swept parameter (swept: "
                             f"{', '.join(param_columns(df)) or 'none'})")
    s = summarize(df, [metric])
    s = s[s["n"] > 0]
    if source is not None:
        if source not in set(s["source"]):
            raise ValueError(f"source = {source!r}: not in the sweep (sources: "
                             f"{', '.join(dict.fromkeys(s['source']))})")
        s = s[s["source"] == source]
    for col in param_columns(df):
        if col not in keep and len({_text(v) for v in s[col]}) > 1:
            raise ValueError(f"{col!r} varies too: select one of its values first, or pass it "
                             "as hue")
    return s


def plot_sweep(df, x: str, metric: str, hue: str | None = None, source: str | None = None,
               ax=None) -> Figure:
    """``metric`` (mean over replications) against the swept parameter ``x``, one line per
    source (or only ``source``) and per value of the parameter ``hue``, with a band of the
    95 % confidence interval. Numeric ``x`` values are spaced by value, others evenly."""
    s = _select(df, metric, [x] + ([hue] if hue else []), source)
    fig, ax = _axes(ax, (7, 4))
    xs, numeric = _levels(s[x])
    pos = {_text(v): (float(v) if numeric else i) for i, v in enumerate(xs)}
    hues = _levels(s[hue])[0] if hue else [None]
    sources = list(dict.fromkeys(s["source"]))
    for src in sources:
        for h in hues:
            g = s[s["source"] == src]
            if hue:
                g = g[[_text(v) == _text(h) for v in g[hue]]]
            if g.empty:
                continue
            g = g.assign(_x=[pos[_text(v)] for v in g[x]]).sort_values("_x")
            mean, ci = g[f"{metric}_mean"].to_numpy(), g[f"{metric}_ci95"].to_numpy()
            label = ", ".join(filter(None, [src if len(sources) > 1 or not hue else "",
                                            f"{hue} = {_text(h)}" if hue else ""]))
            line, = ax.plot(g["_x"], mean, marker="o", label=label)
            ax.fill_between(g["_x"], mean - np.nan_to_num(ci), mean + np.nan_to_num(ci),
                            color=line.get_color(), alpha=0.2, linewidth=0)
    if not numeric:
        ax.set_xticks(list(pos.values()), list(pos))
    n = s["n"]
    reps = f"{n.min()}" if n.min() == n.max() else f"{n.min()}-{n.max()}"
    ax.set_xlabel(x)
    ax.set_ylabel(metric)
    ax.set_title(f"{metric} vs {x}: mean and 95 % CI over {reps} replication(s)", fontsize=10)
    ax.grid(alpha=0.3)
    if ax.get_legend_handles_labels()[1] and any(ax.get_legend_handles_labels()[1]):
        ax.legend(fontsize=8)
    return fig


def plot_heatmap(df, x: str, y: str, metric: str, source: str | None = None, ax=None) -> Figure:
    """Mean of ``metric`` over two swept parameters, ``x`` across and ``y`` up, each cell
    annotated with its mean; one source (``source`` may be left out if there is only one)."""
    s = _select(df, metric, [x, y], source)
    sources = list(dict.fromkeys(s["source"]))
    if len(sources) > 1:
        raise ValueError(f"source: the sweep has several ({', '.join(sources)}); pick one")
    fig, ax = _axes(ax, (7, 5))
    xs, ys = _levels(s[x])[0], _levels(s[y])[0]
    grid = np.full((len(ys), len(xs)), np.nan)
    col = {_text(v): j for j, v in enumerate(xs)}
    row = {_text(v): i for i, v in enumerate(ys)}
    for xv, yv, m in zip(s[x], s[y], s[f"{metric}_mean"], strict=True):
        grid[row[_text(yv)], col[_text(xv)]] = m
    im = ax.imshow(grid, origin="lower", aspect="auto", cmap="viridis")
    lo, hi = np.nanmin(grid), np.nanmax(grid)
    for (i, j), v in np.ndenumerate(grid):
        if not np.isnan(v):
            dark = hi > lo and (v - lo) / (hi - lo) < 0.5
            ax.text(j, i, f"{v:.4g}", ha="center", va="center", fontsize=8,
                    color="white" if dark else "black")
    ax.set_xticks(range(len(xs)), [_text(v) for v in xs])
    ax.set_yticks(range(len(ys)), [_text(v) for v in ys])
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.set_title(f"{metric} (mean){f', {sources[0]}' if sources else ''}", fontsize=10)
    fig.colorbar(im, ax=ax, label=metric)
    return fig
