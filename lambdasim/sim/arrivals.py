"""A workload's arrival times, drawn window by window for the :class:`~.clock.Feeder`.

Poisson arrivals are drawn as a Poisson count per window, then that many sorted uniform times
(normalised sums of exponential gaps); time-varying patterns are thinned from their peak rate
(a non-homogeneous Poisson process); a constant rate is evenly spaced; a trace replays its
file (``spec.workload``). The draws of a window come from the source's own random stream in a
fixed order, so the same seed gives the same arrivals however the windows are grouped.
"""

from __future__ import annotations

from itertools import accumulate
from typing import Final

import numpy as np

from ..spec.workload import ConstantRate, Poisson, Trace

_FEW: Final = 64  # below this many draws, Python floats are faster than numpy calls


def arrivals(workload, rng: np.random.Generator):
    """The stream of ``workload``'s arrivals: ``next(t0, t1)`` gives them in [t0, t1)."""
    return TraceStream(workload, rng) if isinstance(workload, Trace) else ArrivalStream(
        workload, rng)


class ArrivalStream:
    """Draws a pattern's arrival times window by window: ``next(t0, t1)`` gives the sorted
    arrivals in [t0, t1). Windows must be asked for in order."""

    def __init__(self, pattern, rng: np.random.Generator):
        self.pattern, self.rng = pattern, rng
        self._peak: float = pattern.peak_rate()
        self._homogeneous = isinstance(pattern, Poisson)
        self._constant = isinstance(pattern, ConstantRate)

    def next(self, t0: float, t1: float) -> np.ndarray:
        p, rng = self.pattern, self.rng
        if self._constant:
            return p.arrivals(rng, t0, t1)
        if self._peak <= 0 or t1 <= t0:
            return np.empty(0)
        n = rng.poisson(self._peak * (t1 - t0))
        t = sorted_uniforms(rng, n, t0, t1)
        if self._homogeneous:
            return t
        keep = rng.random(n) * self._peak < p.rate(t)
        return t[keep]


def sorted_uniforms(rng: np.random.Generator, n: int, t0: float, t1: float) -> np.ndarray:
    """n sorted Uniform(t0, t1) draws in O(n): normalised sums of exponential gaps. A sparse
    window's few draws are summed and scaled in Python floats: the same operations in the same
    order as numpy's, so the same numbers, without numpy's cost per call."""
    gaps = rng.standard_exponential(n + 1)
    if n < _FEW:
        c: list[float] = list(accumulate(gaps.tolist()))
        total, span = c[n], t1 - t0
        return np.fromiter([t0 + span * (x / total) for x in c[:n]], float, n)
    c2 = np.cumsum(gaps, out=gaps)
    t = c2[:n]  # t0 + (t1 - t0) * (c[:n] / c[n]), in place
    t /= c2[n]
    t *= t1 - t0
    t += t0
    return t


class TraceStream:
    """A trace's arrivals (``Trace.load``): each period's count spread at random over the
    period, once, then replayed window by window."""

    def __init__(self, pattern: Trace, rng: np.random.Generator):
        times, counts = pattern.load()
        if counts is not None:
            times = np.repeat(times, counts) + rng.random(int(counts.sum())) * pattern.period_s
        self.times = np.sort(times)

    def next(self, t0: float, t1: float) -> np.ndarray:
        i0, i1 = self.times.searchsorted([t0, t1])
        return self.times[i0:i1]
