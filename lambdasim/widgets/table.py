"""The summary table of the explorer: the two runs' summaries side by side, and as HTML."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

from .. import plots
from .scenarios import LABELS

_TABLE_ROWS = (
    ("kind", "source kind"), ("offered", "offered"), ("succeeded", "succeeded"),
    ("failed", "failed"), ("dropped", "dropped"), ("expired", "expired"),
    ("in_flight", "in flight at the end"), ("throttles", "throttles"),
    ("invocations", "invocations"), ("cold_starts", "cold starts"),
    ("latency_p50_s", "latency p50 (s)"), ("latency_p99_s", "latency p99 (s)"),
    ("throughput_per_s", "throughput (events/s)"), ("age_max_s", "oldest event age, max (s)"),
    ("max_concurrency", "max concurrency"), ("cost_usd", "cost (USD)"),
)


def summary_table(results, labels=LABELS) -> pd.DataFrame:
    """The summaries of ``results`` side by side: one row per quantity, one column per run."""
    cols = {}
    for res, lbl in zip(results, labels, strict=True):
        row = res.summary.iloc[0].to_dict()
        row["age_max_s"] = plots.max_age_s(res, row["source"])
        row["max_concurrency"] = float(res.functions.max_concurrency.max())
        cols[lbl] = [row.get(k, np.nan) for k, _ in _TABLE_ROWS]
    return pd.DataFrame(cols, index=[name for _, name in _TABLE_ROWS])


def _fmt(v) -> str:
    if isinstance(v, str):
        return html.escape(v)
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return "-"
    if isinstance(v, float) and not v.is_integer():
        return f"{v:.4g}"
    return f"{int(v):,}"


def table_html(table: pd.DataFrame, note: str = "") -> str:
    head = "".join(f"<th style='text-align:right;padding:2px 10px'>{html.escape(c)}</th>"
                   for c in table.columns)
    body = "".join(
        f"<tr><td style='padding:2px 10px'>{html.escape(name)}</td>"
        + "".join(f"<td style='text-align:right;padding:2px 10px'>{_fmt(v)}</td>" for v in row)
        + "</tr>" for name, row in zip(table.index, table.itertuples(index=False), strict=True))
    caption = f"<div style='color:#555;font-size:90%'>{html.escape(note)}</div>" if note else ""
    return (f"<table class='lambdasim-summary' style='border-collapse:collapse'><thead><tr><th>"
            f"</th>{head}</tr></thead><tbody>{body}</tbody></table>{caption}")

