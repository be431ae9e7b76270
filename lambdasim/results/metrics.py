"""CloudWatch-named metrics: the catalogue (unit, statistic, meaning), the binning of
metric samples into one value per period, and a run's table of series."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..spec.aws import THROTTLE_REASONS as REASONS

#: the kinds read by an event source mapping (a BatchSize series each)
PULL_KINDS = ("kinesis", "dynamodb", "sqs")

#: metric name -> (unit, CloudWatch statistic used per period, meaning)
METRICS = {
    "Invocations": ("Count", "Sum", "invocations started (throttled calls excluded)"),
    "Errors": ("Count", "Sum", "invocations ending in a function error or timeout"),
    "Throttles": ("Count", "Sum", "Invoke calls throttled (429)"),
    **{f"Throttles.{r}": ("Count", "Sum", f"throttles for reason '{r}' (lambdasim)")
       for r in REASONS},
    "Duration": ("Milliseconds", "Average", "run time of the invoke phase"),
    "ConcurrentExecutions": ("Count", "Maximum", "invocations in flight"),
    "ColdStarts": ("Count", "Sum", "invocations that needed a new environment (lambdasim)"),
    "Offered": ("Count", "Sum", "events or records arriving at the source (lambdasim)"),
    "Succeeded": ("Count", "Sum", "events or records processed successfully (lambdasim)"),
    "AsyncEventsReceived": ("Count", "Sum", "events queued for asynchronous invocation"),
    "AsyncEventAge": ("Milliseconds", "Maximum", "time from queueing to invocation, emitted "
                      "at each invocation (no data point while nothing is invoked)"),
    "OldestWaitingEventAge": ("Milliseconds", "Maximum", "age of the oldest event waiting in "
                              "the async queue, sampled once a second (lambdasim)"),
    "AsyncEventsDropped": ("Count", "Sum", "events dropped, after sending to a destination if "
                           "one is set"),
    "ApproximateAgeOfOldestMessage": ("Seconds", "Maximum", "age of the oldest message not yet "
                                      "deleted, in a batch or not; messages received 3+ times "
                                      "left out, as in SQS"),
    "ApproximateNumberOfMessagesVisible": ("Count", "Maximum", "messages available for "
                                           "retrieval, sampled once a second"),
    "ApproximateNumberOfMessagesNotVisible": ("Count", "Maximum", "messages in a batch or "
                                              "waiting out their visibility timeout"),
    "NumberOfMessagesReceived": ("Count", "Sum", "messages returned by receives (every receive "
                                 "counts)"),
    "NumberOfMessagesDeleted": ("Count", "Sum", "messages deleted after their batch succeeded"),
    "BatchSize": ("Count", "Average", "records per invocation of a pull source (lambdasim)"),
    "IteratorAge": ("Milliseconds", "Maximum", "age of a batch's last record when it was sent "
                    "to the function"),
    "GetRecords.Records": ("Count", "Sum", "records read from the stream by the mapping"),
    "WriteProvisionedThroughputExceeded": ("Count", "Sum", "puts throttled by a shard's write "
                                           "limit"),
    "ReadProvisionedThroughputExceeded": ("Count", "Sum", "GetRecords calls throttled (or cut "
                                          "short) by a shard's read limit"),
    "NumberOfNotificationsFailed": ("Count", "Sum", "SNS messages the function's policy "
                                    "refused, counted once when SNS gives up (at once: not "
                                    "retried, or at the end of its delivery policy)"),
    "FailedInvocations": ("Count", "Sum", "EventBridge events the function's policy refused, "
                          "counted when EventBridge gives up (failed permanently)"),
    "DeliveryAttempts": ("Count", "Sum", "SNS or EventBridge attempts to invoke a function whose "
                         "policy refuses them, retries included (lambdasim; EventBridge's "
                         "InvocationAttempts)"),
}


def aggregate(times: np.ndarray, values: np.ndarray, stat: str, period: float, nbins: int):
    idx = np.floor(np.asarray(times, dtype=float) / period).astype(np.int64)
    keep = (idx >= 0) & (idx < nbins)
    idx, values = idx[keep], np.asarray(values, dtype=float)[keep]
    if stat == "sum":
        return np.bincount(idx, values, minlength=nbins)
    if stat == "max":
        out = np.full(nbins, np.nan)
        np.fmax.at(out, idx, values)
        return out
    count = np.bincount(idx, minlength=nbins)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.bincount(idx, values, minlength=nbins) / np.where(count, count, np.nan)


def concurrency_steps(start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The in-flight count as a step function: (change times, level after each change).
    At equal times ends come before starts."""
    times = np.concatenate([start, end])
    delta = np.concatenate([np.ones(len(start)), -np.ones(len(end))])
    order = np.lexsort((delta, times))
    return times[order], np.cumsum(delta[order])


def max_level(times, levels, t0: float, t1: float) -> float:
    if len(times) == 0:
        return 0.0
    i0 = np.searchsorted(times, t0, side="right")
    i1 = np.searchsorted(times, t1, side="right")
    before = levels[i0 - 1] if i0 > 0 else 0.0
    inside = levels[i0:i1].max() if i1 > i0 else 0.0
    return float(max(before, inside))


def max_levels(times, levels, t0: np.ndarray, t1: np.ndarray) -> np.ndarray:
    """:func:`max_level` of each interval ``t0[k]..t1[k]``, in one pass: the level at the
    interval's start, or the highest level it reaches up to its end (a step at ``t1[k]``
    counts, as in :func:`max_level`; 0 without steps)."""
    if len(times) == 0:
        return np.zeros(len(t0))
    i0 = np.searchsorted(times, t0, side="right")
    i1 = np.searchsorted(times, t1, side="right")
    before = np.where(i0 > 0, levels[np.maximum(i0 - 1, 0)], 0.0)
    bounds = np.empty(2 * len(i0), dtype=np.int64)
    bounds[0::2], bounds[1::2] = i0, i1
    # max over levels[i0:i1] (reduceat's even slots); a padded level keeps i0 == len valid
    inside = np.maximum.reduceat(np.append(levels, 0.0), bounds)[0::2]
    return np.maximum(before, np.where(i1 > i0, inside, 0.0))


def time_alive(t: np.ndarray, t0: float, t1: float) -> float:
    """Sum over t of the time in [t0, t1] after t."""
    return float(np.clip(t1 - np.maximum(t, t0), 0.0, None).sum())


def metrics_table(scenario, inv: dict, thr: dict, sources: list, steps: dict, period_s: float
                  ) -> pd.DataFrame:
    """The CloudWatch-style series of a run, one value per period: ``inv`` and ``thr`` are
    the invocations' and throttles' columns as arrays, ``sources`` (name, kind, function,
    samples) per source, ``steps`` each function's :func:`concurrency_steps`. Function-wide
    series have ``source == ""``."""
    h = scenario.duration_s
    nb = int(np.ceil(h / period_s - 1e-9))
    t = np.arange(nb) * period_s
    keys: list[tuple[str, str, str]] = []  # (function, source, metric) of each series
    values: list = []

    def add(function, source, metric, series):
        keys.append((function, source, metric))
        values.append(np.asarray(series, dtype=float))

    used = ("start_s", "end_s", "init_s", "error", "cold_start", "records")

    def rows(mask):  # the columns used of the invocations selected
        return {c: inv[c][mask] for c in used}

    def counts(i, thr_times, function, source):
        start = i["start_s"]
        add(function, source, "Invocations", aggregate(start, np.ones(len(start)), "sum",
                                                  period_s, nb))
        add(function, source, "Errors", aggregate(start, i["error"], "sum", period_s, nb))
        add(function, source, "ColdStarts", aggregate(start, i["cold_start"], "sum",
                                                 period_s, nb))
        add(function, source, "Throttles", aggregate(thr_times, np.ones(len(thr_times)),
                                                "sum", period_s, nb))

    for f in scenario.functions:
        i = rows(inv["function"] == f.name)
        mine = thr["function"] == f.name
        thr_times, reasons = thr["time_s"][mine], thr["reason"][mine]
        counts(i, thr_times, f.name, "")
        for r in REASONS:
            sel = thr_times[reasons == r]
            add(f.name, "", f"Throttles.{r}", aggregate(sel, np.ones(len(sel)), "sum",
                                                  period_s, nb))
        start, end = i["start_s"], i["end_s"]
        done = ~np.isnan(end)
        add(f.name, "", "Duration", aggregate(start[done], (end[done] - start[done]
                                                           - i["init_s"][done]) * 1e3,
                                         "mean", period_s, nb))
        add(f.name, "", "ConcurrentExecutions", max_levels(*steps[f.name], t, t + period_s))
    for name, kind, fn, samples in sources:
        i = rows(inv["source"] == name)
        counts(i, thr["time_s"][thr["source"] == name], fn, name)
        if kind in PULL_KINDS:
            add(fn, name, "BatchSize",
                aggregate(i["start_s"], i["records"], "mean", period_s, nb))
        for metric, stat, times, vals in samples:
            add(fn, name, metric, aggregate(times, vals, stat, period_s, nb))
    cols = np.array(keys, dtype=object).reshape(-1, 3).repeat(nb, axis=0)
    return pd.DataFrame({"time_s": np.tile(t, len(keys)), "function": cols[:, 0],
                         "source": cols[:, 1], "metric": cols[:, 2],
                         "value": np.concatenate(values) if values else np.empty(0)})
