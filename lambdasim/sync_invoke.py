"""Synchronous invocation (RequestResponse) by a custom application.

Lambda does not retry a throttled synchronous call: the caller gets HTTP 429
(TooManyRequestsException). What happens next is the caller's SDK retry policy, modelled on
boto3's modes: ``none`` (give up at once), ``standard`` (3 attempts in all, waiting
``random() * min(20 s, 2 ** (attempt - 1))`` between them: exponential backoff with full
jitter, capped at 20 s) and ``legacy`` (5 attempts, same backoff). A call still throttled after
its last attempt is ``rejected``. A function error is returned to the caller and counts as
``failed``: Lambda retries nothing on the synchronous path.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ._validation import Spec
from .distributions import uniforms
from .events import FAILED, REJECTED, SUCCEEDED, PushSource
from .workload import Workload

ATTEMPTS = {"none": 1, "standard": 3, "legacy": 5}
BACKOFF_CAP_S = 20.0


class SyncSourceSpec(Spec):
    """A custom application calling Invoke with InvocationType RequestResponse."""

    name: str = Field(min_length=1)
    kind: Literal["sync"] = "sync"
    function: str
    workload: Workload
    client_retry: Literal["none", "standard", "legacy"] = "none"


class SyncSource(PushSource):
    def __init__(self, spec: SyncSourceSpec, index: int, engine):
        super().__init__(spec, index, engine)
        self.max_attempts = ATTEMPTS[spec.client_retry]
        self._u = uniforms(self.rng)

    def arrive(self, i: int) -> None:
        led = self.ledger
        led.attempts[i] += 1
        if self.function.invoke(self, 1, i) is None:
            led.start[i] = self.env.now
            return
        n = int(led.attempts[i])
        if n >= self.max_attempts:
            led.finish(i, REJECTED, self.env.now)
            return
        wait = self._u() * min(BACKOFF_CAP_S, 2.0 ** (n - 1))
        self.env.timeout(wait, i).callbacks.append(self._retry)

    def _retry(self, ev) -> None:
        self.arrive(ev._value)

    def completed(self, i: int, start: float, end: float, ok: bool, cold: bool) -> None:
        led = self.ledger
        led.cold[i] = cold
        led.finish(i, SUCCEEDED if ok else FAILED, end)
