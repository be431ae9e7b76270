"""The account: the region's concurrency quota, what is carved out of it, the scaling rule.

A region's functions share the account's concurrency limit (1,000 by default; new accounts
may start at 10). Reserved concurrency is both a function's cap and capacity carved out of
the shared pool; provisioned concurrency of an unreserved function is carved out of it too.
AWS keeps ``min(100, limit)`` unreserved (LDG: lambda-concurrency).

Scaling rate: since November 2023 each function may add 1,000 execution environments every
10 seconds, refilling continuously (LDG: scaling-behavior). The older rule (``scaling_rule:
burst``) allowed an initial burst of 500, 1,000 or 3,000 (by region), then 500 more per minute.
"""

from __future__ import annotations

from typing import Annotated, Literal

from .aws import UNRESERVED_MINIMUM
from .base import Spec, limits
from .permissions import DEFAULT_ACCOUNT, AccountId


class AccountSpec(Spec):
    """The region's concurrency quota and scaling rule, and the account's ID (whose
    applications may invoke its functions without a resource-based policy statement)."""

    concurrency_limit: Annotated[int, limits(1, 10_000_000, "account concurrency")] = 1000
    scaling_rate_per_10s: Annotated[
        int | None, limits(1, 10_000_000, "new environments per 10 s per function")
    ] = 1000
    scaling_rule: Literal["2023", "burst"] = "2023"
    burst_concurrency: Literal[500, 1000, 3000] = 3000
    burst_growth_per_min: Annotated[int, limits(1, 1_000_000, "per minute")] = 500
    unreserved_minimum: Annotated[
        int, limits(0, 10_000_000, "concurrency AWS keeps unreserved; 100 in AWS")
    ] = UNRESERVED_MINIMUM
    id: AccountId = DEFAULT_ACCOUNT

    @property
    def kept_unreserved(self) -> int:
        """What must stay unreserved: ``min(unreserved_minimum, concurrency_limit)``."""
        return min(self.unreserved_minimum, self.concurrency_limit)


def carved(function) -> int:
    """Concurrency a function takes out of the shared pool: its reserved concurrency, or, if
    unreserved, its provisioned concurrency."""
    if function.reserved_concurrency is not None:
        return function.reserved_concurrency
    return function.provisioned_concurrency


def check_carving(account: AccountSpec, functions) -> None:
    """Reserved and provisioned concurrency must leave ``kept_unreserved`` in the pool; the
    message names the first function that over-reserves and the range it may use."""
    room = account.concurrency_limit - account.kept_unreserved
    used = 0
    for i, f in enumerate(functions):
        take = carved(f)
        if used + take > room:
            field = ("reserved_concurrency" if f.reserved_concurrency is not None
                     else "provisioned_concurrency")
            left = max(room - used, 0)
            raise ValueError(
                f"functions[{i}].{field} = {take}: must be 0..{left} (function {f.name!r}; "
                f"reserved and provisioned concurrency must leave {account.kept_unreserved} of "
                f"the account's {account.concurrency_limit} unreserved)")
        used += take
