"""Figures of a parameter sweep (the frame :func:`lambdasim.sweep` returns): a metric against
one swept parameter with 95 % confidence bands, and a heatmap over two parameters. Both return
a matplotlib Figure and work headless. Axes name the swept paths by their short labels
(``batch_size`` for ``sources.clicks.batch_size``, see :func:`~lambdasim.sweep.stats.
short_labels`) and numbers are formatted to be read (``12,345``, ``0.0123``)."""

from __future__ import annotations

import math

import numpy as np
from matplotlib.figure import Figure

from ..sweep.stats import fmt_number, param_columns, short_labels, summarize
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
    xl = short_labels(param_columns(df))[x]
    ax.set_xlabel(xl)
    ax.set_ylabel(metric)
    ax.set_title(f"{metric} vs {xl}: mean and 95 % CI over {reps} replication(s)", fontsize=10)
    ax.grid(alpha=0.3)
    if ax.get_legend_handles_labels()[1] and any(ax.get_legend_handles_labels()[1]):
        ax.legend(fontsize=8)
    return fig


def plot_heatmap(df, x: str, y: str, metric: str, source: str | None = None, ax=None,
                 log: bool = False) -> Figure:
    """Mean of ``metric`` over two swept parameters, ``x`` across and ``y`` up, each cell
    annotated with its mean; one source (``source`` may be left out if there is only one).
    ``log=True`` colours on a log scale (symmetric-log if some means are 0 or negative), for
    metrics spanning orders of magnitude such as ages or costs."""
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
    norm = _log_norm(grid) if log else None
    im = ax.imshow(grid, origin="lower", aspect="auto", cmap="viridis", norm=norm)
    for (i, j), v in np.ndenumerate(grid):
        if not np.isnan(v):
            dark = float(im.norm(v)) < 0.5
            ax.text(j, i, fmt_number(v), ha="center", va="center", fontsize=8,
                    color="white" if dark else "black")
    labels = short_labels(param_columns(df))
    ax.set_xticks(range(len(xs)), [_tick(v) for v in xs])
    ax.set_yticks(range(len(ys)), [_tick(v) for v in ys])
    ax.set_xlabel(labels[x])
    ax.set_ylabel(labels[y])
    ax.set_title(f"{metric} (mean){f', {sources[0]}' if sources else ''}", fontsize=10)
    fig.colorbar(im, ax=ax, label=f"{metric}{' (log scale)' if log else ''}")
    return fig


def _tick(v) -> str:
    return fmt_number(v) if _is_number(v) else _text(v)


def _log_norm(grid: np.ndarray):
    """A log colour scale for the cells: LogNorm when every mean is positive, else a
    symmetric log with its linear part up to the smallest non-zero magnitude."""
    from matplotlib.colors import LogNorm, SymLogNorm

    v = grid[~np.isnan(grid)]
    if len(v) and (v > 0).all():
        return LogNorm(vmin=v.min(), vmax=v.max())
    nz = np.abs(v[v != 0])
    return SymLogNorm(linthresh=float(nz.min()) if len(nz) else 1.0,
                      vmin=float(v.min()) if len(v) else 0.0,
                      vmax=float(v.max()) if len(v) else 1.0)
