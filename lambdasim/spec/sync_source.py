"""A custom application calling Invoke synchronously (RequestResponse).

Lambda does not retry a throttled synchronous call: the caller gets HTTP 429. What happens
next is the caller's SDK retry mode, modelled on boto3's (``none``, ``standard``, ``legacy``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import Spec
from .workload import Workload


class SyncSourceSpec(Spec):
    """A custom application calling Invoke with InvocationType RequestResponse."""

    name: str = Field(min_length=1)
    kind: Literal["sync"] = "sync"
    function: str
    workload: Workload
    client_retry: Literal["none", "standard", "legacy"] = "none"
