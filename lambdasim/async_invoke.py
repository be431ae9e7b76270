"""Asynchronous invocation: S3, SNS, EventBridge, or a custom application with InvocationType
Event. The caller hands the event to Lambda's internal queue and gets 202 at once.

- Delivery: the service delivers the event after a delay (S3 notifications typically arrive in
  seconds, sometimes a minute or more). AWS publishes no distribution, so ``delivery_delay`` is
  a parameter; the defaults per kind are documented in the README.
- Throttles and system errors: the event returns to the queue and is retried with exponential
  backoff from 1 s up to 5 minutes (lambdasim draws each wait uniformly between half and all of
  ``min(max, 1 s * 2 ** (n - 1))`` so retries do not move in lock-step); throttles do not use up
  retry attempts.
- Function errors: retried ``max_retry_attempts`` times (0-2, default 2), about 1 minute before
  the first retry and 2 minutes before the second (``retry_delays_s``).
- An event older than ``max_event_age_s`` (60-21,600 s, default 6 h), or out of retries, is
  sent to the on-failure destination or DLQ (``failed``) if one is set, else discarded
  (``dropped``).
"""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from pydantic import AliasChoices, Field

from ._validation import Spec, limits
from .distributions import Distribution, Lognormal, uniforms
from .events import DROPPED, FAILED, SUCCEEDED, PushSource
from .workload import Workload

DEFAULT_DELIVERY = {
    "async": None,
    "s3": Lognormal(mean_s=1.0, p99_s=10.0),
    "sns": Lognormal(mean_s=0.1, cv=1.0),
    "eventbridge": Lognormal(mean_s=0.5, cv=0.5),
}


class AsyncSourceSpec(Spec):
    """A push source feeding the function's asynchronous event queue."""

    name: str = Field(min_length=1)
    kind: Literal["async", "s3", "sns", "eventbridge"]
    function: str
    workload: Workload
    max_retry_attempts: Annotated[int, limits(0, 2, "async MaximumRetryAttempts")] = Field(
        2, validation_alias=AliasChoices("max_retry_attempts", "MaximumRetryAttempts"))
    max_event_age_s: Annotated[int, limits(60, 21600, "MaximumEventAgeInSeconds")] = Field(
        21600, validation_alias=AliasChoices("max_event_age_s", "MaximumEventAgeInSeconds"))
    retry_delays_s: tuple[
        Annotated[float, limits(0, 3600, "seconds")], Annotated[float, limits(0, 3600, "seconds")]
    ] = (60.0, 120.0)
    throttle_backoff_min_s: Annotated[float, limits(0.001, 300, "seconds")] = 1.0
    throttle_backoff_max_s: Annotated[float, limits(0.001, 3600, "seconds")] = 300.0
    delivery_delay: Distribution | None | Literal["default"] = "default"
    destination: str | None = None

    @property
    def delivery(self):
        return DEFAULT_DELIVERY[self.kind] if self.delivery_delay == "default" else (
            self.delivery_delay)


class AsyncSource(PushSource):
    extra_columns = {"enqueued": float, "throttled": np.int32, "errors": np.int32}

    def __init__(self, spec: AsyncSourceSpec, index: int, engine):
        super().__init__(spec, index, engine)
        seeds = self.rng.spawn(2)
        d = spec.delivery
        self._delay = d.sample if d is not None else None
        self._delay_rng = seeds[0]
        self._u = uniforms(seeds[1])
        self._outcome = FAILED if spec.destination else DROPPED
        self._ages: tuple[list, list] = ([], [])

    def on_window(self, times):
        first = self.ledger.add(times)
        ids = np.arange(first, first + len(times))
        if self._delay is None:
            return times, ids
        due = times + self._delay(self._delay_rng, len(times))
        order = np.argsort(due, kind="stable")
        return due[order], ids[order]

    def arrive(self, i: int) -> None:
        self.ledger.enqueued[i] = self.env.now
        self._attempt(i)

    def _attempt(self, i: int) -> None:
        led, now = self.ledger, self.env.now
        led.attempts[i] += 1
        if self.function.invoke(self, 1, i) is None:
            led.start[i] = now
            self._ages[0].append(now)
            self._ages[1].append(now - led.enqueued[i])
            return
        led.throttled[i] += 1
        base = self.spec.throttle_backoff_min_s * 2.0 ** (int(led.throttled[i]) - 1)
        wait = min(self.spec.throttle_backoff_max_s, base) * (0.5 + 0.5 * self._u())
        self._later(i, wait)

    def _later(self, i: int, wait: float) -> None:
        expires = self.ledger.enqueued[i] + self.spec.max_event_age_s
        now = self.env.now
        if now + wait < expires:
            self.env.timeout(wait, i).callbacks.append(self._retry)
        else:
            self.env.timeout(max(expires - now, 0.0), i).callbacks.append(self._discard)

    def _retry(self, ev) -> None:
        self._attempt(ev._value)

    def _discard(self, ev) -> None:
        self.ledger.finish(ev._value, self._outcome, self.env.now)

    def completed(self, i: int, start: float, end: float, ok: bool, cold: bool) -> None:
        led = self.ledger
        led.cold[i] = cold
        if ok:
            led.finish(i, SUCCEEDED, end)
            return
        led.errors[i] += 1
        n = int(led.errors[i])
        if n > self.spec.max_retry_attempts:
            led.finish(i, self._outcome, end)
        else:
            self._later(i, self.spec.retry_delays_s[n - 1])

    def events_frame(self):
        """Events, plus ``enqueued_s``: when the event reached Lambda's queue (after the
        delivery delay), from which its age is counted."""
        df = super().events_frame()
        df["enqueued_s"] = self.ledger.view("enqueued")
        return df

    def metric_samples(self) -> list:
        led = self.ledger
        enq = led.view("enqueued")
        out = led.view("outcome")
        gone = (out == FAILED) | (out == DROPPED)
        received = enq[~np.isnan(enq)]
        return super().metric_samples() + [
            ("AsyncEventsReceived", "sum", received, np.ones(len(received))),
            ("AsyncEventAge", "max", np.asarray(self._ages[0]), np.asarray(self._ages[1]) * 1e3),
            ("AsyncEventsDropped", "sum", led.view("end")[gone], np.ones(int(gone.sum()))),
        ]
