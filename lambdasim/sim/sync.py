"""Synchronous invocation (RequestResponse) by a custom application.

Lambda does not retry a throttled synchronous call: the caller gets HTTP 429
(TooManyRequestsException). What happens next is the caller's SDK retry policy, modelled on
boto3's modes: ``none`` (give up at once), ``standard`` (3 attempts in all, waiting
``random() * min(20 s, 2 ** (attempt - 1))`` between them: exponential backoff with full
jitter, capped at 20 s) and ``legacy`` (5 attempts, same backoff). A call still throttled after
its last attempt is ``rejected``. A function error is returned to the caller and counts as
``failed``: Lambda retries nothing on the synchronous path. A caller in another account
without a statement for it in the function's policy gets AccessDeniedException (403) on every
call, not retried (``sim.permissions``).
"""

from __future__ import annotations

from mypy_extensions import mypyc_attr

from ..spec.aws import SDK_ATTEMPTS, SDK_BACKOFF_CAP_S
from ..spec.distributions import uniforms
from .caller import Caller
from .ledger import FAILED, REJECTED, SUCCEEDED, Reason
from .permissions import forbidden, reject


@mypyc_attr(allow_interpreted_subclasses=True)  # tests subclass it
class SyncSource(Caller):
    def __init__(self, spec, index: int, ctx):
        super().__init__(spec, index, ctx)
        self.max_attempts = SDK_ATTEMPTS[spec.client_retry]
        self._u = uniforms(self.rng)
        self._forbidden = forbidden(index, ctx)  # another account, no statement for it: 403

    def handler(self):
        return self._reject if self._forbidden else self.arrive

    def _reject(self, i: int) -> None:
        reject(self, i)

    def arrive(self, i: int) -> None:
        if self.function.invoke(self, 1, i) is None:
            self.began(i)
            return
        led, now = self.ledger, self.clock.now
        n = led.attempts.item(i) + 1  # attempts so far: all throttled
        led.attempts[i] = n
        if n >= self.max_attempts:
            led.settle_one(i, REJECTED, now, Reason.THROTTLED)
            return
        self.wait(i, self._u() * min(SDK_BACKOFF_CAP_S, 2.0 ** (n - 1)), self.arrive)

    def completed(self, i: int, start: float, end: float, ok: bool, cold: bool) -> None:
        self.running.discard(i)
        self.ended(i, end, SUCCEEDED if ok else FAILED, cold)
