"""Concurrency admission: may this function start one more invocation now?

The single admission point, in the order Lambda applies it (LDG: lambda-concurrency,
scaling-behavior):

1. An idle provisioned environment is used first; provisioned concurrency is already carved
   out of the pool, so nothing else is checked.
2. A function with reserved concurrency is capped at it (``Throttle.RESERVED``); an
   unreserved one shares the account's unreserved pool (``Throttle.ACCOUNT``).
3. A warm idle environment is reused; a new one needs a token of the scaling rate
   (``Throttle.SCALING``): since November 2023 each function may add 1,000 environments every
   10 s, refilling continuously (a bucket of 1,000 refilled at 100/s); under the older burst
   rule, a burst of 500-3,000 then 500 per minute.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Final

from ..spec.account import AccountSpec, carved
from ..spec.aws import THROTTLE_REASONS


class Throttle(IntEnum):
    """Why an Invoke call was throttled (429)."""

    ACCOUNT = 0
    RESERVED = 1
    SCALING = 2

    @property
    def label(self) -> str:
        return THROTTLE_REASONS[self]


#: what an admitted invocation runs on, or THROTTLED + the :class:`Throttle` reason why it was
#: not admitted (plain ints: this is the hot path)
PROVISIONED: Final = 0
WARM: Final = 1
COLD: Final = 2
THROTTLED: Final = 3


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


class Pool:
    """The account's shared, unreserved concurrency at run time."""

    __slots__ = ("size", "in_use")

    def __init__(self, spec: AccountSpec, functions):
        self.size = spec.concurrency_limit - sum(carved(f) for f in functions)
        self.in_use = 0


class Admission:
    """One function's admission: its reserved cap or the shared pool, and its scaling rate."""

    __slots__ = ("reserved", "pool", "scaling", "busy")

    def __init__(self, reserved: int | None, pool: Pool, scaling: ScalingBucket | None):
        self.reserved, self.pool, self.scaling = reserved, pool, scaling
        self.busy = 0  # invocations in flight

    def acquire(self, now: float, provisioned_idle: bool, warm_idle: bool) -> int:
        """Admit one invocation now (``PROVISIONED``, ``WARM`` or ``COLD``), or say why not
        (``THROTTLED`` + a :class:`Throttle`)."""
        if provisioned_idle:
            self.busy += 1
            return PROVISIONED
        reserved = self.reserved
        if reserved is not None:
            if self.busy >= reserved:
                return THROTTLED + Throttle.RESERVED
        elif self.pool.in_use >= self.pool.size:
            return THROTTLED + Throttle.ACCOUNT
        if warm_idle:
            grant = WARM
        elif self.scaling is not None and not self.scaling.take(now):
            return THROTTLED + Throttle.SCALING
        else:
            grant = COLD
        if reserved is None:
            self.pool.in_use += 1
        self.busy += 1
        return grant

    def release(self, grant: int) -> None:
        self.busy -= 1
        if grant != PROVISIONED and self.reserved is None:
            self.pool.in_use -= 1
