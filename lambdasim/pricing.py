"""Lambda prices (us-east-1 list prices as defaults; set your region's or your discount's).

Duration is billed per 1 ms, in GB-seconds (memory in GB x billed seconds); since August 2025
the init phase of a cold start is billed too (``bill_init``). Each request costs a fixed fee.
Provisioned concurrency costs an allocation fee for every GB-second it is configured, and a
lower duration price for the invocations it serves.
"""

from __future__ import annotations

from typing import Annotated

import numpy as np

from ._validation import Spec, limits

Usd = Annotated[float, limits(0, 1000, "USD")]


class Pricing(Spec):
    request_usd_per_million: Usd = 0.20
    gb_second_usd: Usd = 0.0000166667
    arm_gb_second_usd: Usd = 0.0000133334
    provisioned_gb_second_usd: Usd = 0.0000041667
    provisioned_duration_gb_second_usd: Usd = 0.0000097222
    bill_init: bool = True

    def invocation_costs(self, memory_mb: int, arch: str, run_s: np.ndarray, init_s: np.ndarray,
                         provisioned: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(GB-seconds, USD) of each invocation."""
        billed = run_s + (init_s if self.bill_init else 0.0)
        gb_s = np.ceil(np.round(billed * 1000.0, 6)) / 1000.0 * (memory_mb / 1024.0)
        price = self.arm_gb_second_usd if arch == "arm64" else self.gb_second_usd
        rate = np.where(provisioned, self.provisioned_duration_gb_second_usd, price)
        return gb_s, gb_s * rate + self.request_usd_per_million / 1e6

    def provisioned_cost(self, memory_mb: int, count: int, seconds: float) -> float:
        return count * memory_mb / 1024.0 * seconds * self.provisioned_gb_second_usd
