"""Duration distributions for function run time, cold-start init and delivery delays.

Each distribution knows its ``mean`` (seconds) so tests and notebooks can compare simulated
numbers with theory, and draws vectorised samples from a numpy ``Generator`` (numpy is imported
when a sample is first drawn, so that reading and checking a scenario does not load it).
"""

from __future__ import annotations

import math
from itertools import chain
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field, model_validator

from .base import Spec, limits

if TYPE_CHECKING:
    import numpy as np

Seconds = Annotated[float, limits(0, 86400, "seconds")]
_Z99 = 2.3263478740408408  # standard normal 99th percentile


class Constant(Spec):
    """Always the same value."""

    dist: Literal["constant"] = "constant"
    value_s: Seconds

    @property
    def mean(self) -> float:
        return self.value_s

    @property
    def variance(self) -> float:
        return 0.0

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        import numpy as np

        return np.full(n, self.value_s)


class Exponential(Spec):
    """Memoryless durations with the given mean (M/M/c in queueing terms)."""

    dist: Literal["exponential"] = "exponential"
    mean_s: Annotated[float, limits(1e-6, 86400, "seconds")]

    @property
    def mean(self) -> float:
        return self.mean_s

    @property
    def variance(self) -> float:
        return self.mean_s**2

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.exponential(self.mean_s, n)


class Lognormal(Spec):
    """Right-skewed durations, as Lambda run times and delivery latencies usually are.

    Give the scale as ``mean_s`` or ``median_s`` and the shape as ``cv`` (coefficient of
    variation), ``p99_s`` or ``sigma`` (log-space standard deviation). ``shift_s`` is a floor
    added to every draw (the other fields describe the part above it), e.g. the fixed round
    trips under a measured delivery latency."""

    dist: Literal["lognormal"] = "lognormal"
    mean_s: Annotated[float | None, limits(1e-6, 86400, "seconds")] = None
    median_s: Annotated[float | None, limits(1e-6, 86400, "seconds")] = None
    cv: Annotated[float | None, limits(0, 20, "coefficient of variation")] = None
    p99_s: Annotated[float | None, limits(1e-6, 864000, "seconds")] = None
    sigma: Annotated[float | None, limits(0, 5, "log-space standard deviation")] = None
    shift_s: Seconds = 0.0

    @model_validator(mode="after")
    def _one_shape(self):
        if (self.mean_s is None) == (self.median_s is None):
            raise ValueError(f"mean_s = {self.mean_s!r}: give exactly one of mean_s or "
                             "median_s")
        shapes = [k for k in ("cv", "p99_s", "sigma") if getattr(self, k) is not None]
        if len(shapes) != 1:
            raise ValueError(f"cv = {self.cv!r}: give exactly one of cv, p99_s or sigma "
                             "with mean_s or median_s")
        if self.p99_s is not None:
            scale = self.mean_s if self.mean_s is not None else self.median_s
            r = math.log(self.p99_s / scale)
            top = _Z99**2 / 2 if self.mean_s is not None else 5 * _Z99
            if r <= 0 or r > top:
                what = "mean_s" if self.mean_s is not None else "median_s"
                raise ValueError(
                    f"p99_s = {self.p99_s:g}: must be between {what} and "
                    f"{scale * math.exp(top):.4g} (a lognormal's p99/{what[:-2]} lies in "
                    f"1..{math.exp(top):.3g})")
        return self

    @property
    def log_sigma(self) -> float:
        if self.sigma is not None:
            return self.sigma
        if self.cv is not None:
            return math.sqrt(math.log1p(self.cv**2))
        if self.median_s is not None:
            return math.log(self.p99_s / self.median_s) / _Z99
        r = math.log(self.p99_s / self.mean_s)
        return _Z99 - math.sqrt(_Z99**2 - 2 * r)

    @property
    def mu(self) -> float:
        if self.median_s is not None:
            return math.log(self.median_s)
        return math.log(self.mean_s) - self.log_sigma**2 / 2

    @property
    def mean(self) -> float:
        return self.shift_s + math.exp(self.mu + self.log_sigma**2 / 2)

    @property
    def variance(self) -> float:
        m = self.mean - self.shift_s
        return m**2 * math.expm1(self.log_sigma**2)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        x = rng.lognormal(self.mu, self.log_sigma, n)
        return x + self.shift_s if self.shift_s else x


class Uniform(Spec):
    """Equally likely anywhere between ``low_s`` and ``high_s``."""

    dist: Literal["uniform"] = "uniform"
    low_s: Seconds
    high_s: Seconds

    @model_validator(mode="after")
    def _ordered(self):
        if self.low_s > self.high_s:
            raise ValueError(f"low_s = {self.low_s:g}: must be <= high_s ({self.high_s:g})")
        return self

    @property
    def mean(self) -> float:
        return (self.low_s + self.high_s) / 2

    @property
    def variance(self) -> float:
        return (self.high_s - self.low_s) ** 2 / 12

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.uniform(self.low_s, self.high_s, n)


class Empirical(Spec):
    """Resamples measured durations, e.g. the ``Duration`` values of a CloudWatch Logs query."""

    dist: Literal["empirical"] = "empirical"
    samples_s: tuple[Seconds, ...] = Field(min_length=1)

    @property
    def mean(self) -> float:
        import numpy as np

        return float(np.mean(self.samples_s))

    @property
    def variance(self) -> float:
        import numpy as np

        return float(np.var(self.samples_s))

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        import numpy as np

        return rng.choice(np.asarray(self.samples_s, dtype=float), n)


Simple = Annotated[
    Constant | Exponential | Lognormal | Uniform | Empirical, Field(discriminator="dist")
]


class Mixture(Spec):
    """A draw from ``parts[k]`` with probability ``weights[k]`` (e.g. a rare long tail)."""

    dist: Literal["mixture"] = "mixture"
    weights: tuple[Annotated[float, limits(0, 1, "probability")], ...] = Field(min_length=1)
    parts: tuple[Simple, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _weights(self):
        if len(self.weights) != len(self.parts):
            raise ValueError(f"weights = {list(self.weights)}: must have one weight per part "
                             f"({len(self.parts)})")
        if abs(sum(self.weights) - 1) > 1e-9:
            raise ValueError(f"weights = {list(self.weights)}: must add up to 1")
        return self

    @property
    def mean(self) -> float:
        return sum(w * p.mean for w, p in zip(self.weights, self.parts, strict=True))

    @property
    def variance(self) -> float:
        m = self.mean
        return sum(w * (p.variance + p.mean**2) for w, p in zip(
            self.weights, self.parts, strict=True)) - m**2

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        import numpy as np

        k = rng.choice(len(self.parts), size=n, p=np.asarray(self.weights))
        out = np.empty(n)
        for i, part in enumerate(self.parts):
            sel = k == i
            out[sel] = part.sample(rng, int(sel.sum()))
        return out


Distribution = Annotated[
    Constant | Exponential | Lognormal | Uniform | Empirical | Mixture, Field(discriminator="dist")
]


def median_ceiling(dist) -> float:
    """A value the median of 1,001 draws does not exceed, found without drawing them: a bounded
    distribution's largest value, an exponential's or lognormal's 99th percentile (some 30
    standard errors above the median of 1,001 draws); infinity for a mixture."""
    if isinstance(dist, Constant):
        return dist.value_s
    if isinstance(dist, Uniform):
        return dist.high_s
    if isinstance(dist, Empirical):
        return max(dist.samples_s)
    if isinstance(dist, Exponential):
        return dist.mean_s * math.log(100)
    if isinstance(dist, Lognormal):
        return dist.shift_s + math.exp(dist.mu + _Z99 * dist.log_sigma)
    return math.inf


def sampler(dist, rng: np.random.Generator, block: int = 4096):
    """Draws one value at a time from a distribution: a call returns the next value of
    vectorised blocks of ``block`` draws (the hot paths call it once per invocation, so it is
    a C-level iterator's ``__next__``)."""
    def blocks():
        while True:
            yield dist.sample(rng, block).tolist()

    return chain.from_iterable(blocks()).__next__


class _Unit:
    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.random(n)


def uniforms(rng: np.random.Generator):
    """Uniform(0, 1) draws one at a time."""
    return sampler(_Unit(), rng)
