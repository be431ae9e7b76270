"""The stream's CloudWatch metrics, per second.

Sums: ``Offered`` (records the producer put, backlog aside), ``Succeeded``,
``GetRecords.Records`` (records the mapping read), ``WriteProvisionedThroughputExceeded``
(throttled puts, Kinesis) and ``ReadProvisionedThroughputExceeded`` (throttled GetRecords
calls). ``IteratorAge`` (max, milliseconds) is emitted when an invocation ends: the time from
when the stream received the batch's last record to when the batch was sent to the function.
Series have 1 s resolution; a time past the last bin counts in the last bin.
"""

from __future__ import annotations

import math

import numpy as np

M_OFFERED, M_SUCCEEDED = "Offered", "Succeeded"
M_READ = "GetRecords.Records"
M_WRITE_THROTTLES = "WriteProvisionedThroughputExceeded"
M_READ_THROTTLES = "ReadProvisionedThroughputExceeded"
SUMS = (M_OFFERED, M_SUCCEEDED, M_READ, M_WRITE_THROTTLES, M_READ_THROTTLES)


class StreamMetrics:
    """Per-second sums, the per-second IteratorAge maximum, and its maximum after warm-up."""

    def __init__(self, horizon: float, warmup: float):
        n = int(math.ceil(horizon)) + 2
        self.warmup = warmup
        self.sums = {k: np.zeros(n) for k in SUMS}  # added to a window at a time
        # added to one event at a time: Python lists are cheaper per call (see ``series``)
        self._scalar = {k: [0] * n for k in SUMS}
        self._last = n - 1
        self.age_ms = [math.nan] * n
        self.age_max = math.nan  # largest IteratorAge (seconds) at or after the warm-up
        #: billable activity at or after the warm-up (for the bill, not CloudWatch metrics)
        self.usage = {"get_records_calls": 0, "records_read": 0, "records_put": 0}

    def tally(self, key: str, t: float, n: int = 1) -> None:
        """Count ``n`` of the activity ``key`` at time ``t`` (if at or after the warm-up)."""
        if t >= self.warmup:
            self.usage[key] += n

    def tally_times(self, key: str, times: np.ndarray) -> None:
        """Count one of the activity ``key`` per time at or after the warm-up."""
        self.usage[key] += (len(times) if self.warmup <= 0
                            else int(np.count_nonzero(times >= self.warmup)))

    def count(self, metric: str, t: float, n: float) -> None:
        """Add ``n`` to ``metric`` in the second of time ``t``."""
        self._scalar[metric][min(max(int(t), 0), self._last)] += n

    def series(self, metric: str) -> np.ndarray:
        """The per-second sums of ``metric``."""
        return self.sums[metric] + self._scalar[metric]

    def count_sorted(self, metric: str, times: np.ndarray) -> None:
        """Add one to ``metric`` per time in ``times`` (ascending): a search per second
        instead of a pass per time."""
        if len(times):  # the first and last bins also take what lies before and after them
            arr = self.sums[metric]
            last = len(arr) - 1
            lo = min(max(int(times[0]), 0), last)
            hi = min(max(int(times[-1]), 0), last)
            edges = np.searchsorted(times, np.arange(lo, hi + 2), side="left")
            edges[0], edges[-1] = 0, len(times)
            arr[lo:hi + 1] += np.diff(edges)

    def iterator_age(self, t: float, age_s: float) -> None:
        ms = age_s * 1e3
        i = min(int(t), self._last)
        if not ms <= self.age_ms[i]:  # also when NaN
            self.age_ms[i] = ms
        if t >= self.warmup and not age_s <= self.age_max:
            self.age_max = age_s

    def samples(self) -> list:
        """The series as (metric, statistic, times, values)."""
        s = self.series
        t = np.arange(self._last + 1, dtype=float)
        age = np.array(self.age_ms)
        has_age = ~np.isnan(age)
        return [(M_OFFERED, "sum", t, s(M_OFFERED)),
                (M_SUCCEEDED, "sum", t, s(M_SUCCEEDED)),
                ("IteratorAge", "max", t[has_age], age[has_age]),
                (M_READ, "sum", t, s(M_READ)),
                (M_WRITE_THROTTLES, "sum", t, s(M_WRITE_THROTTLES)),
                (M_READ_THROTTLES, "sum", t, s(M_READ_THROTTLES))]
