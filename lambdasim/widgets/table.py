"""The summary table of the explorer: the two runs' summaries side by side, and as HTML; and
what the push run's latency is made of (a note when it is mostly the assumed delivery delay)."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

from .. import plots
from .scenarios import ASYNC_KINDS, LABELS

#: the note on the page appears when the assumed delivery and dequeue delays make at least this
#: share of the push run's mean latency
ASSUMED_DELAY_NOTE_SHARE = 0.5

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


_CELL = "padding:0 10px;line-height:1.35"
_NOTE = "font-size:90%;line-height:1.3;margin:2px 0 4px;padding:3px 8px;"


def table_html(table: pd.DataFrame, note: str = "") -> str:
    """``table`` as a compact HTML table (class ``lambdasim-summary``), ``note`` under it."""
    head = "".join(f"<th style='text-align:right;{_CELL}'>{html.escape(c)}</th>"
                   for c in table.columns)
    body = "".join(
        f"<tr><td style='{_CELL}'>{html.escape(name)}</td>"
        + "".join(f"<td style='text-align:right;{_CELL}'>{_fmt(v)}</td>" for v in row)
        + "</tr>" for name, row in zip(table.index, table.itertuples(index=False), strict=True))
    caption = f"<div style='color:#555;font-size:90%'>{html.escape(note)}</div>" if note else ""
    return (f"<table class='lambdasim-summary' style='border-collapse:collapse;font-size:95%'>"
            f"<thead><tr><th></th>{head}</tr></thead><tbody>{body}</tbody></table>{caption}")



def push_latency_parts(result) -> dict | None:
    """What the mean latency of ``result``'s first source (an asynchronous one: S3, SNS,
    EventBridge) is made of, in seconds, over the events that succeeded after the warm-up:

    - ``delivery_s``: the service handing the event to Lambda's queue, and ``dequeue_s``: the
      queue's pollers taking it; both are lambdasim's assumptions (``delivery_delay``,
      ``dequeue_delay``: AWS publishes no distribution; docs/calibration.md);
    - ``retry_wait_s``: waiting in the queue for retries after throttles or errors (the model);
    - ``invocation_s``: the invocation that succeeded, cold start included.

    They add up to ``latency_s``; ``assumed_share`` is (delivery + dequeue) / latency. From the
    per-event table (an event invoked at its first attempt waited exactly its dequeue delay; a
    retried one is counted the dequeue delay's mean, at most its time in the queue); with
    ``record_detail="histogram"`` from the delay distributions' means and the summary's mean
    latency. None for a source that is not asynchronous, or without a succeeded event."""
    src = result.scenario.sources[0]
    if src.kind not in ASYNC_KINDS:
        return None
    dequeue_mean = src.dequeue.mean if src.dequeue is not None else 0.0
    if result.record_detail == "full":
        ev = result.events
        ev = ev[(ev.source == src.name) & (ev.outcome == "succeeded")
                & (ev.arrival_s >= result.warmup_s)]
        if ev.empty:
            return None
        delivery = (ev.enqueued_s - ev.arrival_s).to_numpy()
        queue = (ev.start_s - ev.enqueued_s).to_numpy()
        dequeue = np.where(ev.attempts.to_numpy() <= 1, queue, np.minimum(queue, dequeue_mean))
        parts = {"delivery_s": float(delivery.mean()), "dequeue_s": float(dequeue.mean()),
                 "retry_wait_s": float((queue - dequeue).mean()),
                 "invocation_s": float((ev.end_s - ev.start_s).mean())}
        latency = float((ev.end_s - ev.arrival_s).mean())
    else:
        latency = float(result.summary.iloc[0]["latency_mean_s"])
        if not np.isfinite(latency) or latency <= 0:
            return None
        delivery = src.delivery.mean if src.delivery is not None else 0.0
        parts = {"delivery_s": float(delivery), "dequeue_s": float(dequeue_mean),
                 "retry_wait_s": float("nan"), "invocation_s": float("nan")}
    assumed = parts["delivery_s"] + parts["dequeue_s"]
    return {"kind": src.kind, "latency_s": latency, **parts,
            "assumed_share": assumed / latency if latency > 0 else float("nan")}


def push_latency_note(result) -> str:
    """A sentence for the page when the assumed delivery and dequeue delays make at least
    :data:`ASSUMED_DELAY_NOTE_SHARE` of the push run's mean latency (else "")."""
    parts = push_latency_parts(result)
    if parts is None or not parts["assumed_share"] >= ASSUMED_DELAY_NOTE_SHARE:
        return ""
    rest = ("" if not np.isfinite(parts["invocation_s"]) else
            f"; the invocation, cold start included, {parts['invocation_s']:.3g} s"
            + (f", waiting for retries {parts['retry_wait_s']:.3g} s"
               if parts["retry_wait_s"] >= 0.0005 else ""))
    return (f"Push latency is mostly an assumed delay: of its mean {parts['latency_s']:.3g} s, "
            f"{parts['kind'].upper()} delivering the event to Lambda's queue takes "
            f"{parts['delivery_s']:.3g} s and Lambda taking it from there "
            f"{parts['dequeue_s']:.3g} s ({parts['assumed_share']:.0%}){rest}. AWS publishes "
            "no distribution of these delays: lambdasim's are fitted to published measurements "
            "or, for S3, assumed (docs/calibration.md; delivery_delay in a scenario).")


def notes_html(fitted: list[str], latency: str = "") -> str:
    """The notes above the table, as HTML: concurrency values lowered to what the account
    allows (amber, class ``lambdasim-fitted``), and the push latency's assumed part
    (blue-grey, class ``lambdasim-latency-note``)."""
    boxes = [f"<div class='lambdasim-fitted' style='{_NOTE}background:#fff4e0;"
             f"border-left:3px solid #e8a33d'>{html.escape(n)}</div>" for n in fitted]
    if latency:
        boxes.append(f"<div class='lambdasim-latency-note' style='{_NOTE}background:#eef3f8;"
                     f"border-left:3px solid #6b8bb0'>{html.escape(latency)}</div>")
    return "".join(boxes)
