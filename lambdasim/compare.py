"""What-if: two templates or scenarios run with the same seed and workloads, side by side.

``compare(a, b, workloads=None, seed=0)`` takes templates (SAM or CloudFormation), scenario
YAML files, bundled examples' names, :class:`Scenario` objects or dicts, runs both, and returns
a :class:`Comparison`: ``.a`` and ``.b`` (the :class:`Result` s) and ``.diff``, one row per
source (and ``(all)`` for the totals) and metric with ``a``, ``b``, ``change`` (b - a) and
``change_pct``. A source keeps its name across the two, so it draws the same arrivals in
both runs (lambdasim's random streams are named after sources) and a difference in the
outcome comes from the change, not from chance.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .results import Result, simulate
from .spec import Scenario
from .spec.template import TemplateImport

#: compared per source: outcomes, latency, throttles, ages, cost
METRICS = ("offered", "succeeded", "failed", "dropped", "rejected", "expired", "in_flight",
           "throttles", "cold_starts", "latency_p50_s", "latency_p99_s", "throughput_per_s",
           "iterator_age_max_s", "queue_age_max_s", "cost_usd")
TOTALS = ("offered", "succeeded", "failed", "dropped", "rejected", "expired", "in_flight",
          "throttles", "cold_starts", "cost_usd")


@dataclass(frozen=True)
class Comparison:
    """Two runs of the same traffic and what changed between them."""

    a: Result
    b: Result
    diff: pd.DataFrame
    labels: tuple[str, str]

    def figure(self, **kwargs):
        """``lambdasim.plots.compare`` of the two runs, labelled."""
        from . import plots

        return plots.compare(self.a, self.b, labels=self.labels, **kwargs)

    def write(self, out: str | Path) -> list[Path]:
        """compare.png, diff.csv and each run's summary under ``out``."""
        import matplotlib

        matplotlib.use("Agg")
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        paths = [out / "compare.png", out / "diff.csv", out / "summary_a.csv",
                 out / "summary_b.csv"]
        self.figure().savefig(paths[0], dpi=110)
        self.diff.to_csv(paths[1], index=False)
        self.a.summary.to_csv(paths[2], index=False)
        self.b.summary.to_csv(paths[3], index=False)
        return paths


def _scenario(x: Any, workloads, parameters) -> Scenario:
    if isinstance(x, Scenario):
        return x
    if isinstance(x, TemplateImport):
        return x.scenario
    if isinstance(x, dict):
        return Scenario.from_dict(x)
    from .cli.template import load_any

    return load_any(x, workloads, parameters)


def _label(x: Any, default: str) -> str:
    if isinstance(x, str | Path):
        return Path(x).stem
    return default


def compare(a: Any, b: Any, workloads: str | Path | dict | None = None, seed: int = 0,
            parameters: dict | None = None, labels: tuple[str, str] | None = None,
            record_detail: str = "full") -> Comparison:
    """Run ``a`` and ``b`` with the same seed (templates: the same workloads and parameter
    values) and put their summaries side by side."""
    sa, sb = (_scenario(x, workloads, parameters) for x in (a, b))
    ra = simulate(sa, seed=seed, record_detail=record_detail)
    rb = simulate(sb, seed=seed, record_detail=record_detail)
    if labels is None:
        la, lb = _label(a, "A"), _label(b, "B")
        labels = (la, lb) if la != lb else (f"A: {la}", f"B: {lb}")
    return Comparison(ra, rb, diff(ra, rb), tuple(labels))


def diff(a: Result, b: Result) -> pd.DataFrame:
    """One row per source and metric (and ``(all)`` for the totals): a, b, change, change_pct.
    A source in one run only has NaN on the other side."""
    sa, sb = a.summary.set_index("source"), b.summary.set_index("source")
    names = list(dict.fromkeys([*sa.index, *sb.index]))
    rows = []
    for name in names:
        for metric in METRICS:
            va, vb = _get(sa, name, metric), _get(sb, name, metric)
            if np.isnan(va) and np.isnan(vb):
                continue
            rows.append(_row(name, metric, va, vb))
    for metric in TOTALS:
        rows.append(_row("(all)", metric, float(sa[metric].sum()), float(sb[metric].sum())))
    return pd.DataFrame(rows, columns=["source", "metric", "a", "b", "change", "change_pct"])


def _get(frame: pd.DataFrame, name: str, metric: str) -> float:
    if name not in frame.index or metric not in frame.columns:
        return float("nan")
    v = frame.at[name, metric]
    return float(v) if v is not None and not pd.isna(v) else float("nan")


def _row(name: str, metric: str, va: float, vb: float) -> dict:
    change = vb - va
    pct = 100.0 * change / abs(va) if va and not np.isnan(va) else float("nan")
    return {"source": name, "metric": metric, "a": va, "b": vb, "change": change,
            "change_pct": pct}


def format_comparison(c: Comparison) -> str:
    """The diff as text: a block per source, a row per metric, the two runs side by side."""
    la, lb = c.labels
    out = [f"A = {la}, B = {lb} (seed {c.a.seed}, {c.a.duration_s:g} s simulated)"]
    for name, block in c.diff.groupby("source", sort=False):
        table = block.drop(columns="source").rename(columns={"a": la, "b": lb})
        out.append(f"\n{name}")
        out.append(table.to_string(index=False, na_rep="-",
                                   float_format=lambda v: f"{v:.4g}"))
    return "\n".join(out)


__all__ = ["Comparison", "compare", "diff", "format_comparison"]
