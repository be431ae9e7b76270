"""The Lambda bill of a run, from its invocations and the scenario's prices.

Duration is billed per 1 ms, in GB-seconds (memory in GB x billed seconds); since 1 August 2025
the init phase of a cold start is billed too (``Pricing.bill_init``). Each request costs a
fixed fee. Provisioned concurrency costs an allocation fee for every GB-second it is
configured, and a lower duration price for the invocations it serves (aws.amazon.com/lambda/
pricing, us-east-1).
"""

from __future__ import annotations

import numpy as np

from ..spec.pricing import Pricing


def invocation_costs(pricing: Pricing, memory_mb: int, arch: str, run_s: np.ndarray,
                     init_s: np.ndarray, provisioned: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(GB-seconds, USD) of each invocation."""
    billed = run_s + (init_s if pricing.bill_init else 0.0)
    gb_s = np.ceil(np.round(billed * 1000.0, 6)) / 1000.0 * (memory_mb / 1024.0)
    price = pricing.arm_gb_second_usd if arch == "arm64" else pricing.gb_second_usd
    rate = np.where(provisioned, pricing.provisioned_duration_gb_second_usd, price)
    return gb_s, gb_s * rate + pricing.request_usd_per_million / 1e6


def provisioned_cost(pricing: Pricing, memory_mb: int, count: int, seconds: float) -> float:
    """Allocation fee of ``count`` provisioned environments configured for ``seconds``."""
    return count * memory_mb / 1024.0 * seconds * pricing.provisioned_gb_second_usd
