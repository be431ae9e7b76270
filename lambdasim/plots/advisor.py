"""Figures of the advisor's answer (:func:`lambdasim.advise`): the Pareto front of the
objective against each target, and why each rejected configuration was rejected. Both return
a matplotlib Figure built without pyplot."""

from __future__ import annotations

import math
import re

import numpy as np
from matplotlib.figure import Figure

from ..sweep.stats import fmt_number, short_labels
from .common import _axes


def _unit(column: str) -> str:
    if column.endswith("_usd"):
        return "USD"
    if column.endswith("_s"):
        return "s"
    if column.endswith("_per_s"):
        return "per s"
    return "count"


def _label(advice, row) -> str:
    labels = short_labels(advice.knobs)
    return ", ".join(f"{labels[k]}={fmt_number(row[k])}" for k in advice.knobs)


def plot_pareto(advice, target: str | None = None, ax=None) -> Figure:
    """The objective (x, mean with its 95 % CI) against a target (y), one point per
    configuration that ran: filled where it meets every target, hollow where it misses one,
    small grey where its feasibility was not decided (stopped early by racing). The Pareto
    front (no configuration better on both) is a line, the target's limit a dashed line and
    the recommended configuration is labelled. ``target`` defaults to each target in turn,
    one panel each (``ax`` needs one target)."""
    names = [t.name for t in advice.targets]
    if target is not None and target not in names:
        raise ValueError(f"target = {target!r}: not a target (targets: {', '.join(names)})")
    chosen = [t for t in advice.targets if target in (None, t.name)]
    if ax is not None and len(chosen) > 1:
        raise ValueError("ax: pass target= to draw one target into your axes")
    if ax is None:
        fig = Figure(figsize=(6.5 * len(chosen), 4.5), layout="constrained")
        axes = fig.subplots(1, len(chosen), squeeze=False)[0]
    else:
        fig, axes = ax.figure, [ax]
    obj = advice.objective
    t = advice.table[advice.table.n > 0]
    for a, tg in zip(axes, chosen, strict=True):
        x, y = t[f"{obj}_mean"].to_numpy(float), t[f"{tg.name}_mean"].to_numpy(float)
        xe, ye = np.nan_to_num(t[f"{obj}_ci95"]), np.nan_to_num(t[f"{tg.name}_ci95"])
        f = t.feasible
        for sel, style in ((f.fillna(False), {"fmt": "o", "color": "tab:green",
                                              "label": "meets every target"}),
                           (~f.fillna(True), {"fmt": "o", "mfc": "none", "color": "tab:red",
                                              "label": "misses a target"}),
                           (f.isna(), {"fmt": ".", "color": "0.6",
                                       "label": "not decided (stopped early)"})):
            sel = sel.to_numpy(bool)
            if sel.any():
                a.errorbar(x[sel], y[sel], xerr=xe[sel], yerr=ye[sel], capsize=2,
                           linestyle="none", alpha=0.9, **style)
        front = advice.pareto.get(tg.name)
        if front is not None and len(front):
            f = front.sort_values(f"{obj}_mean")
            a.step(f[f"{obj}_mean"], f[f"{tg.name}_mean"], where="post", color="0.3",
                   linewidth=1, label="Pareto front")
        a.axhline(tg.limit, color="tab:orange", linestyle="--", linewidth=1,
                  label=f"target {tg.op} {fmt_number(tg.limit)}")
        if advice.best is not None:
            b = advice.best.row
            a.annotate(f"chosen: {_label(advice, b)}", (b[f"{obj}_mean"], b[f"{tg.name}_mean"]),
                       xytext=(12, 14), textcoords="offset points", fontsize=8,
                       arrowprops={"arrowstyle": "->", "color": "0.2"})
        pos = y[np.isfinite(y) & (y > 0)]
        if len(pos) > 1 and pos.max() / pos.min() > 50 and tg.limit > 0:
            a.set_yscale("log")
        a.set_xlabel(f"{obj} (mean, {_unit(obj)})")
        a.set_ylabel(f"{tg.name} (mean, {_unit(tg.column)})")
        a.set_title(f"{obj} vs {tg.name}: {len(t)} configurations\n"
                    f"(mean and 95 % CI over up to {advice.replications} runs each)",
                    fontsize=10)
        a.grid(alpha=0.3)
        a.legend(fontsize=7, loc="best")
    return fig


def plot_why_not(advice, max_rows: int = 30, ax=None) -> Figure:
    """Why each rejected configuration was rejected: one row per configuration that misses a
    target (the cheapest ``max_rows``), one column per target, each cell its mean / limit
    (above 1: missed; for a lower limit, limit / mean), red the further it misses. Rows
    ruled out without running say why in the target's column: the capacity bound's lower
    limit on the target (``>= 6x (capacity bound)``) or ``dominated``."""
    obj = advice.objective
    t = advice.table
    rejected = (~t.feasible.fillna(True)).to_numpy(bool)
    rej = t[rejected]
    rej = rej.sort_values(f"{obj}_mean", na_position="last").head(max_rows)
    fig, ax = _axes(ax, (max(6.5, 3.5 + 1.6 * len(advice.targets)),
                         1.6 + 0.32 * max(len(rej), 1)))
    ax.set_facecolor("0.9")  # cells without a value (ruled out without a run)
    names = [tg.name for tg in advice.targets]
    grid = np.full((len(rej), len(names)), np.nan)
    notes = {}
    for i, (_, row) in enumerate(rej.iterrows()):
        missed = set(filter(None, (row["missed"] or "").split(", ")))
        for j, tg in enumerate(advice.targets):
            m = row[f"{tg.name}_mean"]
            if row["n"] and not (isinstance(m, float) and math.isnan(m)) and tg.limit:
                grid[i, j] = m / tg.limit if tg.upper else tg.limit / m if m else np.inf
            elif tg.name in missed:
                bound = re.search(r">= ([0-9.,e+-]+) s", row["reason"] or "")
                if row["reason"].startswith("capacity") and bound and tg.limit:
                    grid[i, j] = float(bound.group(1).replace(",", "")) / tg.limit
                    notes[i, j] = f">= {fmt_number(grid[i, j], 2)}x (capacity bound)"
                else:
                    notes[i, j] = row["reason"].split(":")[0] or "no value"
    from matplotlib.colors import TwoSlopeNorm

    shown = np.clip(grid, 0, 3)
    ax.imshow(shown, aspect="auto", cmap="RdYlGn_r",
              norm=TwoSlopeNorm(vmin=0, vcenter=1, vmax=3))
    for (i, j), v in np.ndenumerate(grid):
        text = notes.get((i, j)) or ("" if np.isnan(v) else f"{fmt_number(v, 2)}x")
        ax.text(j, i, text, ha="center", va="center", fontsize=7,
                color="white" if v > 2.2 else "black")
    ax.set_xticks(range(len(names)), [f"{n}\n{tg.op} {fmt_number(tg.limit)}"
                                      for n, tg in zip(names, advice.targets, strict=True)],
                  fontsize=8)
    ax.set_yticks(range(len(rej)), [_label(advice, r) for _, r in rej.iterrows()], fontsize=7)
    ax.set_xlabel("target (cell: mean / limit; above 1x = missed)")
    ax.set_ylabel(f"rejected configuration (by {obj})")
    more = int(rejected.sum()) - len(rej)
    ax.set_title("Why not: the target each rejected configuration misses"
                 + (f"\n({more} more not shown)" if more > 0 else ""), fontsize=10)
    return fig
