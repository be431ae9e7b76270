"""The Lambda part of the bill: each invocation's GB-seconds and cost, and provisioned
concurrency's allocation fee, at the scenario's prices (:class:`~lambdasim.spec.Pricing`).

- Requests: one per invocation that started (each retry, each event source mapping batch;
  throttled calls never start and are not billed).
- Duration is billed per 1 ms, rounded up, in GB-seconds (memory in GB x billed seconds);
  since 1 August 2025 the init phase of a cold start is billed too (``Pricing.bill_init``;
  AWS Compute Blog, "AWS Lambda standardizes billing for INIT Phase", Apr 2025).
- Arm (arm64) duration is 20 % cheaper than x86 (AWS News Blog, Sep 2021).
- Provisioned concurrency: an allocation fee for every GB-second it is configured, and a
  lower duration price for the invocations it serves (aws.amazon.com/lambda/pricing).

The whole bill, event sources included, is :mod:`lambdasim.results.bill`.
"""

from __future__ import annotations

import numpy as np

from ..spec.pricing import Pricing


def arch_key(arch: str) -> str:
    """The price table's name of an architecture."""
    return "arm64" if arch == "arm64" else "x86"


def invocation_costs(pricing: Pricing, memory_mb: int, arch: str, run_s: np.ndarray,
                     init_s: np.ndarray, provisioned: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(GB-seconds, USD) of each invocation."""
    billed = run_s + (init_s if pricing.bill_init else 0.0)
    gb_s = np.ceil(np.round(billed * 1000.0, 6)) / 1000.0 * (memory_mb / 1024.0)
    a = arch_key(arch)
    price = pricing.usd(f"lambda.duration_{a}_gb_s")
    rate = np.where(provisioned, pricing.usd(f"lambda.provisioned_duration_{a}_gb_s"), price)
    return gb_s, gb_s * rate + pricing.usd("lambda.requests")


def provisioned_gb_s(memory_mb: int, count: int, seconds: float) -> float:
    """GB-seconds of ``count`` provisioned environments configured for ``seconds``."""
    return count * memory_mb / 1024.0 * seconds


def provisioned_cost(pricing: Pricing, memory_mb: int, count: int, seconds: float,
                     arch: str = "x86_64") -> float:
    """Allocation fee of ``count`` provisioned environments configured for ``seconds``."""
    return provisioned_gb_s(memory_mb, count, seconds) * pricing.usd(
        f"lambda.provisioned_concurrency_{arch_key(arch)}_gb_s")
