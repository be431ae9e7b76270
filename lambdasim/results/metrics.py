"""CloudWatch-named metrics: the catalogue (unit, statistic, meaning) and the binning of
metric samples into one value per period."""

from __future__ import annotations

import numpy as np

from ..spec.aws import THROTTLE_REASONS as REASONS

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


def time_alive(t: np.ndarray, t0: float, t1: float) -> float:
    """Sum over t of the time in [t0, t1] after t."""
    return float(np.clip(t1 - np.maximum(t, t0), 0.0, None).sum())
