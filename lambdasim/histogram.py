"""Latency histogram: exact count and mean, percentiles from fine log-spaced bins."""

from __future__ import annotations

import numpy as np

_LO, _HI, _PER_DECADE = 1e-6, 1e7, 2000  # 0.115 % wide bins from 1 us to 116 days


class LatencyHistogram:
    """Accumulates latencies (seconds) in log-spaced bins: percentiles within 0.12 %."""

    def __init__(self):
        self._edges_log = np.log10(_LO)
        self.nbins = int((np.log10(_HI) - np.log10(_LO)) * _PER_DECADE) + 2
        self.bins = np.zeros(self.nbins, dtype=np.int64)
        self.count = 0
        self.total = 0.0

    def add(self, lat: np.ndarray) -> None:
        lat = np.asarray(lat, dtype=float)
        if len(lat) == 0:
            return
        i = np.floor((np.log10(np.maximum(lat, _LO)) - self._edges_log) * _PER_DECADE)
        i = np.clip(i.astype(np.int64) + 1, 0, self.nbins - 1)
        self.bins += np.bincount(i, minlength=self.nbins)
        self.count += len(lat)
        self.total += float(lat.sum())

    @property
    def mean(self) -> float:
        return self.total / self.count if self.count else float("nan")

    def percentile(self, q: float) -> float:
        """The q-th percentile (0-100), at the geometric centre of its bin."""
        if not self.count:
            return float("nan")
        rank = q / 100.0 * (self.count - 1)
        i = int(np.searchsorted(np.cumsum(self.bins), rank, side="right"))
        if i == 0:
            return 0.0
        return 10 ** (self._edges_log + (i - 0.5) / _PER_DECADE)
