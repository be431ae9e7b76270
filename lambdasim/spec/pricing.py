"""Lambda prices (us-east-1 list prices as defaults; set your region's or your discount's).

Duration is billed per 1 ms, in GB-seconds (memory in GB x billed seconds); since August 2025
the init phase of a cold start is billed too (``bill_init``). Each request costs a fixed fee.
Provisioned concurrency costs an allocation fee for every GB-second it is configured, and a
lower duration price for the invocations it serves.
"""

from __future__ import annotations

from typing import Annotated

from .base import Spec, limits

Usd = Annotated[float, limits(0, 1000, "USD")]


class Pricing(Spec):
    """Lambda list prices (USD); the bill is computed in :mod:`lambdasim.results.cost`."""

    request_usd_per_million: Usd = 0.20
    gb_second_usd: Usd = 0.0000166667
    arm_gb_second_usd: Usd = 0.0000133334
    provisioned_gb_second_usd: Usd = 0.0000041667
    provisioned_duration_gb_second_usd: Usd = 0.0000097222
    bill_init: bool = True
