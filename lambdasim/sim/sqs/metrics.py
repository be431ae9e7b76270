"""The queue's CloudWatch metrics, per second.

ApproximateNumberOfMessagesVisible (messages neither in a batch nor waiting out a visibility
timeout; on a FIFO queue this includes those behind a locked group) and
ApproximateNumberOfMessagesNotVisible (max, sampled once a second),
ApproximateAgeOfOldestMessage (max, seconds, sampled once a second: the oldest message not yet
deleted, in a batch or not; as in SQS, messages received three times or more are left out),
NumberOfMessagesReceived and NumberOfMessagesDeleted (sum), Offered and Succeeded (sum).
Series have 1 s resolution, so any period that is a whole number of seconds is exact.
"""

from __future__ import annotations

import math

import numpy as np

SUMS = ("Offered", "Succeeded", "NumberOfMessagesReceived")  # Deleted = Succeeded
MAXES = ("ApproximateNumberOfMessagesVisible", "ApproximateNumberOfMessagesNotVisible",
         "ApproximateAgeOfOldestMessage")


class QueueMetrics:
    """Per-bin sums and maxima of the queue's metrics, and the largest age after warm-up."""

    def __init__(self, horizon: float, tick: float, warmup: float):
        self.tick, self.warmup = tick, warmup
        nb = int(math.ceil(horizon / tick)) + 1
        self.sums = {k: np.zeros(nb) for k in SUMS}
        self._scalar = {k: [0] * nb for k in SUMS}  # count_at's sums, added in samples()
        self._last = nb - 1
        self.maxes = {k: np.full(nb, np.nan) for k in MAXES}
        self.age_max = math.nan  # largest ApproximateAgeOfOldestMessage after the warm-up

    def count(self, metric: str, t: np.ndarray) -> None:
        """Add one to ``metric`` at each of the times ``t``."""
        arr = self.sums[metric]
        idx = np.minimum((t / self.tick).astype(np.int64), len(arr) - 1)
        arr += np.bincount(idx, minlength=len(arr))

    def count_at(self, metric: str, t: float, n: int) -> None:
        """Add ``n`` to ``metric`` at time ``t`` (kept in a Python list: cheaper per call)."""
        arr = self._scalar[metric]
        arr[min(int(t / self.tick), self._last)] += n

    def _high(self, metric: str, t: float, v: float) -> None:
        arr = self.maxes[metric]
        i = min(int(t / self.tick), len(arr) - 1)
        if not v <= arr[i]:  # also when NaN
            arr[i] = v

    def sample(self, now: float, visible: int, not_visible: int, oldest: float | None) -> None:
        """The once-a-second samples (``oldest``: arrival of the oldest message counted)."""
        age = 0.0 if oldest is None else max(0.0, now - oldest)
        self._high("ApproximateNumberOfMessagesVisible", now, visible)
        self._high("ApproximateNumberOfMessagesNotVisible", now, not_visible)
        self._high("ApproximateAgeOfOldestMessage", now, age)
        if now >= self.warmup and not age <= self.age_max:
            self.age_max = age

    def samples(self) -> list:
        """The series as (metric, statistic, times, values)."""
        for k, v in self._scalar.items():
            self.sums[k] += v
            self._scalar[k] = [0] * len(v)
        t = np.arange(len(self.sums["Offered"])) * self.tick
        out: list[tuple] = [(k, "sum", t, v) for k, v in self.sums.items()]
        out.append(("NumberOfMessagesDeleted", "sum", t, self.sums["Succeeded"]))
        for k, m in self.maxes.items():
            has = ~np.isnan(m)
            out.append((k, "max", t[has], m[has]))
        return out
