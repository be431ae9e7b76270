"""A latency histogram: exact count and mean, percentiles to within a quarter of a percent,
in fixed memory however many values are added.

Used when a run keeps no per-record table (``record_detail="histogram"``). Bins are spaced
logarithmically, ``bins_per_decade`` to a factor of ten (1,000 by default: neighbouring edges
differ by 0.23 %), from ``lo`` to ``hi`` seconds; values below ``lo`` (zero included) and
above ``hi`` fall in an underflow and an overflow bin. The smallest and largest values are
kept exactly, so ``percentile(0)`` and ``percentile(100)`` are exact and every estimate lies
between them. Within a bin, the k-th of its c values is placed at the log-linear position
``(k + 0.5) / c``; percentiles interpolate between neighbouring ranks as ``np.percentile``
does by default.

Values are buffered and binned in bulk, so adding a handful at a time is cheap.
"""

from __future__ import annotations

import math

import numpy as np

_FLUSH = 1 << 16


class LatencyHistogram:
    """Log-binned histogram of non-negative durations in seconds.

    ``add(latencies)`` takes an array; ``count``, ``total`` and ``mean`` are exact (properties);
    ``percentile(q)`` takes 0..100 like ``np.percentile``; ``stats()`` gives the summary keys.
    """

    def __init__(self, lo: float = 1e-6, hi: float = 1e9, bins_per_decade: int = 1000):
        if not 0 < lo < hi:
            raise ValueError(f"lo = {lo!r}, hi = {hi!r}: must satisfy 0 < lo < hi")
        if bins_per_decade < 1:
            raise ValueError(f"bins_per_decade = {bins_per_decade!r}: must be >= 1")
        self.lo, self.hi, self.bins_per_decade = float(lo), float(hi), int(bins_per_decade)
        self.nbins = math.ceil(math.log10(hi / lo) * bins_per_decade)
        #: counts per bin: [0] underflow (< lo), [1..nbins] the log bins, [nbins + 1] overflow
        self.bins = np.zeros(self.nbins + 2, dtype=np.int64)
        self._n = 0
        self._sum = 0.0
        self._min = math.inf
        self._max = -math.inf
        self._buf: list = []  # arrays of values, and (arrivals, end) of add_ends
        self._nbuf = 0
        self._cum: np.ndarray | None = None

    # -- filling ------------------------------------------------------------------------
    def add(self, latencies) -> None:
        """Add an array (or scalar) of durations in seconds."""
        x = np.array(latencies, dtype=float).ravel()  # a copy: the caller may reuse its array
        if len(x) == 0:
            return
        self._buf.append(x)
        self._nbuf += len(x)
        if self._nbuf >= _FLUSH:
            self._flush()

    def add_ends(self, arrival: np.ndarray, end: float) -> None:
        """Add ``end - arrival`` for a batch ending at one time. The arrivals are kept until
        binned, so the caller must not change them."""
        n = len(arrival)
        if n:
            self._buf.append((arrival, end))
            self._nbuf += n
            if self._nbuf >= _FLUSH:
                self._flush()

    def add_batches(self, batches: list[tuple], n: int) -> None:
        """:meth:`add_ends` of several (arrivals, end) batches holding ``n`` values in all."""
        if n:
            self._buf.extend(batches)
            self._nbuf += n
            if self._nbuf >= _FLUSH:
                self._flush()

    def merge(self, other: LatencyHistogram) -> None:
        """Add every value of ``other`` (same binning) to this histogram."""
        if (other.lo, other.hi, other.bins_per_decade) != (
                self.lo, self.hi, self.bins_per_decade):
            raise ValueError("histograms with different bins cannot be merged")
        other._flush()
        self._flush()
        if not other._n:
            return
        self.bins += other.bins
        self._n += other._n
        self._sum += other._sum
        self._min, self._max = min(self._min, other._min), max(self._max, other._max)
        self._cum = None

    def _flush(self) -> None:
        if not self._buf:
            return
        x = _values(self._buf)
        self._buf, self._nbuf = [], 0
        lo, hi = float(x.min()), float(x.max())
        if not (lo >= 0 and hi < math.inf):  # also catches NaN
            raise ValueError("latencies must be finite and >= 0")
        self._n += len(x)
        self._sum += float(x.sum())
        self._min, self._max = min(self._min, lo), max(self._max, hi)
        self._cum = None
        k = x / self.lo  # the bin, in place: floor(log10(x / lo) * bins_per_decade)
        with np.errstate(divide="ignore"):
            np.log10(k, out=k)
        k *= self.bins_per_decade
        np.floor(k, out=k)
        np.clip(k, -1, self.nbins, out=k)
        idx = k.astype(np.intp)
        idx += 1
        self.bins += np.bincount(idx, minlength=self.nbins + 2)

    # -- reading ------------------------------------------------------------------------
    @property
    def count(self) -> int:
        """Number of values added."""
        self._flush()
        return self._n

    @property
    def total(self) -> float:
        """Sum of the values added."""
        self._flush()
        return self._sum

    @property
    def mean(self) -> float:
        """Exact mean of the values added (NaN when empty)."""
        self._flush()
        return self._sum / self._n if self._n else math.nan

    def _rank_value(self, k: int) -> float:
        """Estimate of the k-th smallest value (0-based)."""
        if k <= 0:
            return self._min
        if k >= self._n - 1:
            return self._max
        cum = self._cum
        b = int(np.searchsorted(cum, k, side="right"))
        c = int(self.bins[b])
        j = k - (int(cum[b]) - c)
        if b == 0:
            return self._min
        if b == self.nbins + 1:
            return self._max
        edge = self.lo * 10.0 ** ((b - 1) / self.bins_per_decade)
        v = edge * 10.0 ** ((j + 0.5) / c / self.bins_per_decade)
        return min(max(v, self._min), self._max)

    def percentile(self, q):
        """The q-th percentile (0..100; a scalar or an array), NaN when empty."""
        qa = np.asarray(q, dtype=float)
        if np.any((qa < 0) | (qa > 100)):
            raise ValueError(f"q = {q!r}: must be 0..100")
        self._flush()
        if self._n == 0:
            return np.full(qa.shape, np.nan) if qa.ndim else math.nan
        if self._cum is None:
            self._cum = np.cumsum(self.bins)
        out = []
        for qi in qa.ravel():
            h = (self._n - 1) * qi / 100.0
            k = math.floor(h)
            f = h - k
            v = self._rank_value(k)
            if f > 0:
                v += f * (self._rank_value(k + 1) - v)
            out.append(v)
        return np.asarray(out).reshape(qa.shape) if qa.ndim else out[0]

    def stats(self) -> dict:
        """``latency_mean_s``, ``latency_p50_s``, ``latency_p99_s`` as in a summary row."""
        p50, p99 = self.percentile([50, 99]) if self.count else (math.nan, math.nan)
        return {"latency_mean_s": self.mean, "latency_p50_s": float(p50),
                "latency_p99_s": float(p99)}


def _values(buf: list) -> np.ndarray:
    """The buffered values in order; each run of (arrivals, end) pairs is one subtraction."""
    parts, pairs = [], []
    for b in buf:
        if b.__class__ is tuple:
            pairs.append(b)
            continue
        if pairs:
            parts.append(_ends(pairs))
            pairs = []
        parts.append(b)
    if pairs:
        parts.append(_ends(pairs))
    return np.concatenate(parts) if len(parts) > 1 else parts[0]


def _ends(pairs: list) -> np.ndarray:
    arrival = np.concatenate([a for a, _ in pairs])
    end = np.repeat(np.array([e for _, e in pairs], dtype=float), [len(a) for a, _ in pairs])
    return end - arrival
