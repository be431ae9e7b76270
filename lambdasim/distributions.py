"""Duration distributions for function run time, cold-start init and delivery delays.

Each distribution knows its ``mean`` (seconds) so tests and notebooks can compare simulated
numbers with theory, and draws vectorised samples from a numpy ``Generator``.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

import numpy as np
from pydantic import Field, model_validator

from ._validation import Spec, limits

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
    """Right-skewed durations, as Lambda run times usually are; give ``mean_s`` with ``cv``
    (coefficient of variation) or with ``p99_s``."""

    dist: Literal["lognormal"] = "lognormal"
    mean_s: Annotated[float, limits(1e-6, 86400, "seconds")]
    cv: Annotated[float | None, limits(0, 20, "coefficient of variation")] = None
    p99_s: Annotated[float | None, limits(1e-6, 864000, "seconds")] = None

    @model_validator(mode="after")
    def _one_shape(self):
        if (self.cv is None) == (self.p99_s is None):
            raise ValueError(f"cv = {self.cv!r}: give exactly one of cv or p99_s with mean_s")
        if self.p99_s is not None:
            r = math.log(self.p99_s / self.mean_s)
            if r <= 0 or 2 * r > _Z99**2:
                raise ValueError(
                    f"p99_s = {self.p99_s:g}: must be between mean_s and "
                    f"{self.mean_s * math.exp(_Z99**2 / 2):.4g} (a lognormal's p99/mean "
                    f"lies in 1..{math.exp(_Z99**2 / 2):.3g})"
                )
        return self

    @property
    def sigma(self) -> float:
        if self.cv is not None:
            return math.sqrt(math.log1p(self.cv**2))
        r = math.log(self.p99_s / self.mean_s)
        return _Z99 - math.sqrt(_Z99**2 - 2 * r)

    @property
    def mu(self) -> float:
        return math.log(self.mean_s) - self.sigma**2 / 2

    @property
    def mean(self) -> float:
        return self.mean_s

    @property
    def variance(self) -> float:
        return self.mean_s**2 * math.expm1(self.sigma**2)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.lognormal(self.mu, self.sigma, n)


class Empirical(Spec):
    """Resamples measured durations, e.g. the ``Duration`` values of a CloudWatch Logs query."""

    dist: Literal["empirical"] = "empirical"
    samples_s: tuple[Seconds, ...] = Field(min_length=1)

    @property
    def mean(self) -> float:
        return float(np.mean(self.samples_s))

    @property
    def variance(self) -> float:
        return float(np.var(self.samples_s))

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.choice(np.asarray(self.samples_s, dtype=float), n)


Distribution = Annotated[
    Constant | Exponential | Lognormal | Empirical, Field(discriminator="dist")
]


class Sampler:
    """Draws one value at a time from a distribution, refilling a vectorised buffer."""

    __slots__ = ("_dist", "_rng", "_buf", "_i", "_n")

    def __init__(self, dist, rng: np.random.Generator, block: int = 4096):
        self._dist, self._rng, self._n = dist, rng, block
        self._buf: list[float] = []
        self._i = 0

    def __call__(self) -> float:
        if self._i >= len(self._buf):
            self._buf = self._dist.sample(self._rng, self._n).tolist()
            self._i = 0
        v = self._buf[self._i]
        self._i += 1
        return v


class _Unit:
    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.random(n)


def uniforms(rng: np.random.Generator) -> Sampler:
    """Uniform(0, 1) draws one at a time."""
    return Sampler(_Unit(), rng)
