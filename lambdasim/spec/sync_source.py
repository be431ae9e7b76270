"""A custom application calling Invoke synchronously (RequestResponse).

Lambda does not retry a throttled synchronous call: the caller gets HTTP 429. What happens
next is the caller's SDK retry mode, modelled on boto3's (``none``, ``standard``, ``legacy``).

``caller_account``: the account the application runs in (None: the function's). From another
account each call needs a statement for that account in the function's resource-based policy,
else it gets AccessDeniedException (HTTP 403), which the SDK does not retry (see
``spec.permissions``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import Spec
from .permissions import AccountId
from .workload import Workload


class SyncSourceSpec(Spec):
    """A custom application calling Invoke with InvocationType RequestResponse."""

    name: str = Field(min_length=1)
    kind: Literal["sync"] = "sync"
    function: str
    workload: Workload
    client_retry: Literal["none", "standard", "legacy"] = "none"
    caller_account: AccountId | None = None
