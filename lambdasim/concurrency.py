"""Account concurrency and scaling rate.

Concurrency is the number of in-flight invocations. A region's functions share the account's
concurrency limit (1,000 by default), minus what is set aside: reserved concurrency is both a
function's cap and capacity carved out of the shared pool, and provisioned concurrency of an
unreserved function is carved out of it too. AWS keeps at least 100 unreserved.

Scaling rate: since November 2023 each function may add 1,000 execution environments every
10 seconds, refilling continuously (a token bucket of 1,000 tokens refilled at 100/s that does
not accumulate beyond 1,000). A request that would need a new environment beyond that is
throttled. The older rule (``scaling_rule: burst``) allowed an initial burst of 500, 1,000 or
3,000 (by region), then 500 more per minute; lambdasim applies it per function.
"""

from __future__ import annotations

from typing import Annotated, Literal

from ._validation import Spec, limits


class AccountSpec(Spec):
    """The region's concurrency quota and scaling rule."""

    concurrency_limit: Annotated[int, limits(1, 10_000_000, "account concurrency")] = 1000
    scaling_rate_per_10s: Annotated[
        int | None, limits(1, 10_000_000, "new environments per 10 s per function")
    ] = 1000
    scaling_rule: Literal["2023", "burst"] = "2023"
    burst_concurrency: Literal[500, 1000, 3000] = 3000
    burst_growth_per_min: Annotated[int, limits(1, 1_000_000, "per minute")] = 500
    unreserved_minimum: Annotated[
        int, limits(0, 10_000_000, "concurrency AWS keeps unreserved; 100 in AWS")
    ] = 100


class ScalingBucket:
    """Token bucket limiting how fast a function adds execution environments."""

    __slots__ = ("capacity", "rate", "tokens", "t")

    def __init__(self, capacity: float, rate_per_s: float):
        self.capacity, self.rate = capacity, rate_per_s
        self.tokens, self.t = capacity, 0.0

    def take(self, now: float) -> bool:
        """Take a token for one new environment; False means throttle."""
        self.tokens = min(self.capacity, self.tokens + (now - self.t) * self.rate)
        self.t = now
        if self.tokens < 1.0:
            return False
        self.tokens -= 1.0
        return True

    @classmethod
    def for_account(cls, spec: AccountSpec) -> ScalingBucket | None:
        if spec.scaling_rule == "burst":
            return cls(spec.burst_concurrency, spec.burst_growth_per_min / 60.0)
        if spec.scaling_rate_per_10s is None:
            return None
        return cls(spec.scaling_rate_per_10s, spec.scaling_rate_per_10s / 10.0)


class Account:
    """The shared, unreserved concurrency pool at run time."""

    __slots__ = ("pool", "in_use")

    def __init__(self, spec: AccountSpec, functions):
        carved = sum(
            f.reserved_concurrency if f.reserved_concurrency is not None
            else f.provisioned_concurrency
            for f in functions
        )
        self.pool = spec.concurrency_limit - carved
        self.in_use = 0
