"""Asynchronous invocation: S3, SNS, EventBridge, or a custom application with InvocationType
Event. The caller hands the event to Lambda's internal queue and gets 202 at once
(LDG: invocation-async, invocation-async-error-handling).

- The event reaches Lambda's queue after the service's delivery delay and is taken from it
  after the dequeue delay (both parameters of the source; see ``spec.async_source``).
- Throttles and system errors: the event returns to the queue and is retried with exponential
  backoff from 1 s up to 5 minutes (each wait drawn uniformly between half and all of
  ``min(max, 1 s * 2 ** (n - 1))`` so retries do not move in lock-step); throttles do not use
  up retry attempts.
- Function errors: retried ``max_retry_attempts`` times, ``retry_delays_s`` apart (about 1 and
  2 minutes).
- An event older than ``max_event_age_s``, or out of retries, goes to the on-failure
  destination (``failed``) if one is set, else is discarded (``dropped``). With reserved
  concurrency 0 the function is off: events go there at once, never invoked.
- Metrics: AsyncEventAge as AWS emits it, at each invocation (time since the event was
  queued); lambdasim adds OldestWaitingEventAge, the age of the oldest event still waiting in
  the queue, sampled once a second, which is what a backlog plot means.
"""

from __future__ import annotations

import numpy as np
from mypy_extensions import mypyc_attr

from ..spec.distributions import uniforms
from .caller import Caller
from .ledger import DROPPED, FAILED, SUCCEEDED, Reason
from .permissions import refusal


@mypyc_attr(allow_interpreted_subclasses=True)  # tests subclass it
class AsyncSource(Caller):
    extra_columns = {"enqueued": float, "throttled": np.int32, "errors": np.int32}
    event_columns = {"enqueued": "enqueued_s"}
    windows_at_once = False  # each window's delivery delays are drawn on their own

    def __init__(self, spec, index: int, ctx):
        super().__init__(spec, index, ctx)
        seeds = self.rng.spawn(3)
        self._delivery, self._dequeue = spec.delivery, spec.dequeue
        self._delay_rng, self._dequeue_rng = seeds[0], seeds[2]
        self._u = uniforms(seeds[1])
        self._outcome = FAILED if spec.destination else DROPPED
        self._off = self.function.spec.reserved_concurrency == 0
        self._refused = refusal(self, ctx)  # the function's policy refuses these calls

    def handler(self):
        return self.arrive if self._refused or self._off else self._attempt

    def on_window(self, times):
        """Events of a window: when each reaches the queue, and when a poller takes it."""
        if self._refused:
            return self._refused.on_window(times)
        first = self.ledger.offer(times)
        ids = np.arange(first, first + len(times))
        enq = times if self._delivery is None else (
            times + self._delivery.sample(self._delay_rng, len(times)))
        self.ledger.enqueued[first:first + len(times)] = enq
        due = enq if self._dequeue is None else (
            enq + self._dequeue.sample(self._dequeue_rng, len(times)))
        order = np.argsort(due, kind="stable")
        return due[order], ids[order]

    def arrive(self, i: int) -> None:
        if self._refused:
            self._refused.arrive(i)
            return
        if self._off:
            self.ledger.settle_one(i, self._outcome, self.clock.now, Reason.FUNCTION_DISABLED)
            return
        self._attempt(i)

    def _attempt(self, i: int) -> None:
        if self.function.invoke(self, 1, i) is None:
            self.began(i)
            return
        led = self.ledger  # (item() and plain ints: a throttle storm makes millions)
        led.attempts[i] = led.attempts.item(i) + 1
        n = led.throttled[i] = led.throttled.item(i) + 1
        base = self.spec.throttle_backoff_min_s * 2.0 ** (n - 1)
        wait = min(self.spec.throttle_backoff_max_s, base) * (0.5 + 0.5 * self._u())
        self._later(i, wait)

    def _later(self, i: int, wait: float) -> None:
        expires = self.ledger.enqueued.item(i) + self.spec.max_event_age_s
        now = self.clock.now
        if now + wait < expires:
            self.wait(i, wait, self._attempt)
        else:
            self.wait(i, max(expires - now, 0.0), self._too_old)

    def _too_old(self, i: int) -> None:
        self.ledger.settle_one(i, self._outcome, self.clock.now, Reason.MAX_EVENT_AGE)

    def completed(self, i: int, start: float, end: float, ok: bool, cold: bool) -> None:
        self.running.discard(i)
        if ok:
            self.ended(i, end, SUCCEEDED, cold)
            return
        led = self.ledger
        led.cold[i] = cold
        led.errors[i] += 1
        n = int(led.errors[i])
        if n > self.spec.max_retry_attempts:
            led.settle_one(i, self._outcome, end, Reason.RETRIES_EXHAUSTED)
        else:
            self._later(i, self.spec.retry_delays_s[n - 1])

    def samples(self) -> list:
        if self._refused:
            return self._refused.samples()
        led = self.ledger
        enq = led.view("enqueued")
        out = led.view("outcome")
        gone = (out == FAILED) | (out == DROPPED)
        received = enq[enq <= self.clock.now]
        ids, started_at = self._start_ids.values(), self._start_times.values()
        t, oldest = self._oldest_waiting()
        return super().samples() + [
            ("AsyncEventsReceived", "sum", received, np.ones(len(received))),
            ("AsyncEventAge", "max", started_at, (started_at - enq[ids]) * 1e3),
            ("AsyncEventsDropped", "sum", led.view("end")[gone], np.ones(int(gone.sum()))),
            ("OldestWaitingEventAge", "max", t, oldest * 1e3),
        ]

    def _oldest_waiting(self) -> tuple[np.ndarray, np.ndarray]:
        """Age of the oldest event waiting in the queue, once a second: an event waits from
        when it is queued until its last invocation starts (or it is discarded; or the
        horizon). Events sorted by queueing time; the oldest waiting at t is the first whose
        leaving time exceeds t, found with a running maximum of leaving times."""
        led, h = self.ledger, self.clock.horizon
        enq = led.view("enqueued")
        start, end, out = led.view("start"), led.view("end"), led.view("outcome")
        leave = np.where(out == SUCCEEDED, start, end)
        leave = np.where(np.isnan(leave), np.where(np.isnan(start), h, start), leave)
        order = np.argsort(enq, kind="stable")
        enq, leave = enq[order], leave[order]
        t = np.arange(0.0, h, 1.0)
        if len(enq) == 0:
            return t, np.zeros(len(t))
        first = np.searchsorted(np.maximum.accumulate(leave), t, side="right")
        arrived = np.searchsorted(enq, t, side="right")
        waiting = first < arrived
        age = np.zeros(len(t))
        age[waiting] = t[waiting] - enq[first[waiting]]
        return t, age
