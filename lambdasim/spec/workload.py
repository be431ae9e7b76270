"""Workloads: when events (S3 puts, API calls, stream records) arrive at a source.

Arrivals are drawn in vectorised chunks, one time window at a time, from the source's own
random stream (``sim.arrivals``). Time-varying patterns are non-homogeneous Poisson processes
drawn by thinning; ``constant`` is evenly spaced; ``trace`` replays recorded timestamps or
per-period counts (a CloudWatch export of ``Invocations`` or ``IncomingRecords`` works). numpy
is imported where it is used, so that reading and checking a scenario does not load it.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field, field_validator, model_validator

from .base import Spec, limits

if TYPE_CHECKING:
    import numpy as np

Rate = Annotated[float, limits(0, 10_000_000, "events per second")]
Time = Annotated[float, limits(0, 31_536_000, "seconds")]


class _Pattern(Spec):
    record_bytes: Annotated[int, limits(1, 1_048_576, "bytes; a Kinesis record is <= 1 MiB")] = 1024

    def rate(self, t: np.ndarray) -> np.ndarray:  # pragma: no cover - overridden
        raise NotImplementedError

    def peak_rate(self) -> float:  # pragma: no cover - overridden
        raise NotImplementedError

    def mean_rate(self, t0: float, t1: float) -> float:
        """Average arrival rate over [t0, t1), by numerical integration of ``rate``."""
        import numpy as np

        t = np.linspace(t0, t1, 20001)
        return float(np.mean(self.rate(t)))


class Poisson(_Pattern):
    """Independent arrivals at a constant mean rate (exponential gaps)."""

    pattern: Literal["poisson"] = "poisson"
    rate_per_s: Rate

    def rate(self, t):
        import numpy as np

        return np.full(np.shape(t), self.rate_per_s)

    def peak_rate(self):
        return self.rate_per_s


class ConstantRate(_Pattern):
    """Evenly spaced arrivals, one every ``1 / rate_per_s`` seconds, the first at ``start_s``."""

    pattern: Literal["constant"] = "constant"
    rate_per_s: Rate
    start_s: Time = 0.0

    def rate(self, t):
        import numpy as np

        return np.where(np.asarray(t) >= self.start_s, self.rate_per_s, 0.0)

    def peak_rate(self):
        return self.rate_per_s

    def arrivals(self, rng, t0, t1):
        import numpy as np

        if self.rate_per_s <= 0:
            return np.empty(0)
        k0 = max(0, math.ceil((t0 - self.start_s) * self.rate_per_s - 1e-9))
        k1 = max(0, math.ceil((t1 - self.start_s) * self.rate_per_s - 1e-9))
        return self.start_s + np.arange(k0, k1) / self.rate_per_s


class Bursts(_Pattern):
    """On/off traffic: Poisson at ``rate_per_s`` for ``on_s``, then ``off_rate_per_s`` for
    ``off_s``, repeating from ``start_s``."""

    pattern: Literal["bursts"] = "bursts"
    rate_per_s: Rate
    on_s: Annotated[float, limits(0.001, 31_536_000, "seconds")]
    off_s: Time
    off_rate_per_s: Rate = 0.0
    start_s: Time = 0.0

    def rate(self, t):
        import numpy as np

        t = np.asarray(t, dtype=float)
        phase = np.mod(t - self.start_s, self.on_s + self.off_s)
        on = (t >= self.start_s) & (phase < self.on_s)
        return np.where(on, self.rate_per_s, self.off_rate_per_s)

    def peak_rate(self):
        return max(self.rate_per_s, self.off_rate_per_s)


class Step(_Pattern):
    """Piecewise-constant Poisson rate: each step sets the rate from ``at_s`` on (0 before)."""

    pattern: Literal["step"] = "step"
    steps: tuple[tuple[Time, Rate], ...] = Field(min_length=1)

    @field_validator("steps", mode="before")
    @classmethod
    def _pairs(cls, v):
        if isinstance(v, list | tuple):
            return [(s["at_s"], s["rate_per_s"]) if isinstance(s, dict) else s for s in v]
        return v

    @field_validator("steps")
    @classmethod
    def _sorted(cls, v):
        at = [s[0] for s in v]
        if at != sorted(at):
            raise ValueError("step times at_s must be increasing")
        return v

    def rate(self, t):
        import numpy as np

        at = np.array([s[0] for s in self.steps])
        rates = np.array([0.0] + [s[1] for s in self.steps])
        return rates[np.searchsorted(at, np.asarray(t, dtype=float), side="right")]

    def peak_rate(self):
        return max(s[1] for s in self.steps)


class Ramp(_Pattern):
    """Poisson rate rising (or falling) linearly from ``from_rate_per_s`` to ``to_rate_per_s``
    over ``ramp_s`` seconds starting at ``start_s``, then holding."""

    pattern: Literal["ramp"] = "ramp"
    from_rate_per_s: Rate
    to_rate_per_s: Rate
    ramp_s: Annotated[float, limits(0.001, 31_536_000, "seconds")]
    start_s: Time = 0.0

    def rate(self, t):
        import numpy as np

        f = np.clip((np.asarray(t, dtype=float) - self.start_s) / self.ramp_s, 0.0, 1.0)
        return self.from_rate_per_s + f * (self.to_rate_per_s - self.from_rate_per_s)

    def peak_rate(self):
        return max(self.from_rate_per_s, self.to_rate_per_s)


class Diurnal(_Pattern):
    """Daily cycle: ``mean_rate_per_s * (1 + amplitude * cos(2 pi (t - peak_s) / period_s))``."""

    pattern: Literal["diurnal"] = "diurnal"
    mean_rate_per_s: Rate
    amplitude: Annotated[float, limits(0, 1, "fraction of the mean")] = 0.5
    period_s: Annotated[float, limits(1, 31_536_000, "seconds")] = 86400.0
    peak_s: Time = 50400.0

    def rate(self, t):
        import numpy as np

        w = 2 * np.pi * (np.asarray(t, dtype=float) - self.peak_s) / self.period_s
        return self.mean_rate_per_s * (1 + self.amplitude * np.cos(w))

    def peak_rate(self):
        return self.mean_rate_per_s * (1 + self.amplitude)


class Trace(_Pattern):
    """Replay of a CSV trace. A ``timestamp`` column gives one arrival per row (seconds, or
    dates, taken relative to the first row); a ``count`` column with a ``time_s`` or
    ``timestamp`` column gives that many arrivals spread at random over each ``period_s``
    (60 for a per-minute CloudWatch export). Relative paths are resolved against the YAML file
    the scenario came from, or else the working directory."""

    pattern: Literal["trace"] = "trace"
    path: str
    period_s: Annotated[float, limits(0.001, 86400, "seconds")] = 1.0

    @field_validator("path")
    @classmethod
    def _exists(cls, v):
        if not Path(v).is_file():
            raise ValueError(f"no such trace file: {v}")
        return v

    @model_validator(mode="after")
    def _readable(self):
        """Read the trace once when validating, so that ``validate`` catches what ``run``
        would trip on."""
        self.load()
        return self

    def load(self) -> tuple[np.ndarray, np.ndarray | None]:
        """(times, counts): counts is None for one-arrival-per-row traces."""
        import numpy as np
        import pandas as pd

        df = pd.read_csv(self.path)
        cols = {c.lower().strip(): c for c in df.columns}
        tcol = cols.get("time_s") or cols.get("timestamp") or cols.get("timestamp_s")
        if tcol is None:
            raise ValueError(f"trace {self.path}: needs a time_s or timestamp column")
        t = df[tcol]
        if not pd.api.types.is_numeric_dtype(t):  # dates (a StringDtype under pandas 3)
            try:
                d = pd.to_datetime(t, utc=True, format="mixed")
            except (ValueError, TypeError) as exc:
                raise ValueError(f"trace {self.path}: column {tcol!r} holds neither numbers "
                                 f"nor dates ({exc})") from None
            t = (d - d.min()).dt.total_seconds()
        times = t.to_numpy(dtype=float)
        if "count" in cols:
            counts = df[cols["count"]].to_numpy(dtype=np.int64)
            times = times - times.min()
            return times, counts
        return np.sort(times - times.min()), None

    def rate(self, t):  # only used for plots: the average rate of the trace
        import numpy as np

        times, counts = self.load()
        total = len(times) if counts is None else counts.sum()
        span = max(float(times.max()) + (self.period_s if counts is not None else 0), 1e-9)
        return np.full(np.shape(t), total / span)

    def peak_rate(self):
        import numpy as np

        return float(self.rate(np.zeros(1))[0])


Workload = Annotated[
    Poisson | ConstantRate | Bursts | Step | Ramp | Diurnal | Trace, Field(discriminator="pattern")
]
