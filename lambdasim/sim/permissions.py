"""Invoke calls the function's resource-based policy refuses, at run time (the configuration
checks are in ``spec.permissions``; the engine passes the sources they refuse in the context).

- **SNS and EventBridge** (the subscription or rule exists, the function's policy does not
  admit the service): every delivery fails and the function is never invoked. The service
  makes its first attempt when it would have handed the event to Lambda (after the source's
  ``delivery_delay``). AWS does not retry such a failure: SNS treats "the policy attached to
  the subscribed endpoint" preventing delivery as a client-side error and "doesn't retry"
  (SNS Developer Guide, sns-dead-letter-queues); EventBridge: "for errors that result from
  missing permissions to a target ... no retry attempts will happen" (EventBridge User Guide,
  eb-rule-dlq). The message goes to the subscription's or the target's DLQ (the source's
  ``destination``: ``failed``) or is discarded (``dropped``), reason ``permission``, at once.
  With ``retry_access_denied: true`` the service retries as for a server-side error, by
  :data:`SNS_AWS_MANAGED` or :data:`EVENTBRIDGE_DEFAULT`, and gives up at the policy's end.
  The schedule is deterministic (AWS's jitter is left out), so an event's give-up time is
  its first attempt plus :attr:`RetryPolicy.give_up`: one timer per event, not one per
  attempt, and the attempts per second come from one convolution of the first attempts with
  the schedule (:func:`attempts_per_bin`).
  Metrics: ``NumberOfNotificationsFailed`` (SNS: for a Lambda endpoint "the count increases
  by 1 when the message fails to deliver (regardless of the number of attempts)", SNS
  Developer Guide, sns-monitoring-using-cloudwatch) or ``FailedInvocations`` (EventBridge:
  "invocations that failed permanently. This doesn't include invocations that are retried",
  EventBridge User Guide, eb-monitoring) when an event is given up, and lambdasim's
  ``DeliveryAttempts``; none of Lambda's (nothing reaches Lambda).
- **Another account's application** (``sync`` or ``async``) without a statement for its
  account: each call gets AccessDeniedException (HTTP 403) at once. boto3 retries throttling
  and transient errors, not an access denial, so the call is ``rejected`` after one attempt,
  reason ``permission``, whatever ``client_retry`` says (boto3 retries guide).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .caller import Caller
from .ledger import DROPPED, FAILED, REJECTED, Reason

#: at most this many bins for the attempts-per-bin convolution (bins are 1 s, or wider)
MAX_BINS = 2**21


@dataclass(frozen=True)
class RetryPolicy:
    """A service's delivery retries, as offsets from the first attempt (at 0): ``head`` (the
    first attempts), then ``tail_count`` more ``tail_step`` apart after the last of them; the
    service gives up after the last attempt, or when the event is ``max_age`` old."""

    name: str
    head: tuple[float, ...]
    tail_step: float
    tail_count: int
    max_age: float = np.inf

    @cached_property
    def _head(self) -> np.ndarray:
        return np.asarray(self.head, float)

    @property
    def last_attempt(self) -> float:
        return self.head[-1] + self.tail_step * self.tail_count

    @property
    def give_up(self) -> float:
        """Seconds from the first attempt to giving up."""
        return min(self.last_attempt, self.max_age)

    def offsets(self, upto: float) -> np.ndarray:
        """Every attempt's offset below ``upto`` (and within the policy), ascending."""
        end = min(upto, self.give_up + 1e-9)
        head = self._head[self._head < end]
        k = int(min(self.tail_count, np.floor((end - self.head[-1]) / self.tail_step)))
        tail = self.head[-1] + self.tail_step * np.arange(1, k + 1) if k > 0 else ()
        tail = np.asarray(tail, float)
        return np.concatenate([head, tail[tail < end]])

    @cached_property
    def attempts(self) -> int:
        """Attempts in all, the first included."""
        return len(self.offsets(np.inf))


def _sns_head() -> tuple[float, ...]:
    """SNS's delivery policy for AWS-managed endpoints (Lambda, SQS): the first attempt, then
    3 retries without delay, 2 one second apart, 10 with exponential backoff from 1 s to 20 s
    (each delay 20 ** (k / 9) s, k = 0..9), then 100,000 twenty seconds apart (SNS Developer
    Guide, sns-message-delivery-retries: "100,015 times, over 23 days")."""
    delays = [0.0, 0.0, 0.0, 1.0, 1.0] + [20.0 ** (k / 9) for k in range(10)]
    return (0.0, *np.cumsum(delays).tolist())


SNS_AWS_MANAGED = RetryPolicy("SNS delivery policy for AWS-managed endpoints", _sns_head(),
                              tail_step=20.0, tail_count=100_000)
EVENTBRIDGE_DEFAULT = RetryPolicy(
    "EventBridge target retry policy (24 h, 185 retries)",
    (0.0, *np.cumsum(2.0 ** np.arange(10)).tolist()), tail_step=512.0, tail_count=175,
    max_age=86_400.0)
"""EventBridge retries "for 24 hours and up to 185 times with an exponential back off and
jitter" (EventBridge User Guide, eb-rule-retry-policy). The delays are not published: an
ASSUMPTION of 1 s doubling to 512 s, so that 185 retries would span about the 24 hours
(the age limit ends them first, after 176)."""
POLICIES = {"sns": SNS_AWS_MANAGED, "eventbridge": EVENTBRIDGE_DEFAULT}
FAILED_METRIC = {"sns": "NumberOfNotificationsFailed", "eventbridge": "FailedInvocations"}


def attempts_per_bin(first: np.ndarray, policy: RetryPolicy, horizon: float,
                     bin_s: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Delivery attempts per bin (start times, counts) for events first attempted at
    ``first``, retried by ``policy``, up to ``horizon``: the histogram of first attempts
    convolved with the histogram of the schedule's offsets (attempts are placed in the bin of
    their first attempt plus their offset, so each is off by less than one bin)."""
    bin_s = max(bin_s, horizon / MAX_BINS)
    n = int(np.ceil(horizon / bin_s))
    starts = np.arange(n) * bin_s
    first = np.asarray(first, float)
    first = first[first < horizon]
    if len(first) == 0 or n == 0:
        return starts, np.zeros(n)
    a = np.bincount((first // bin_s).astype(np.int64), minlength=n)[:n].astype(float)
    s = np.bincount((policy.offsets(horizon) // bin_s).astype(np.int64), minlength=n)[:n]
    size = 1 << int(np.ceil(np.log2(2 * n)))
    conv = np.fft.irfft(np.fft.rfft(a, size) * np.fft.rfft(s.astype(float), size), size)[:n]
    return starts, np.rint(conv)


class Refused:
    """The run-time side of a push source (SNS, EventBridge) or an ``async`` application
    whose Invoke calls the function's policy refuses. Its source calls :meth:`on_window`,
    :meth:`arrive` and :meth:`samples` instead of its own."""

    def __init__(self, source: Caller):
        self.source = source
        spec = source.spec
        self.service = spec.kind in POLICIES
        self.policy = POLICIES[spec.kind] if self.service and spec.retry_access_denied else None
        self.outcome = FAILED if spec.destination else DROPPED
        self._rng = source.rng.spawn(1)[0]
        self._first: list[np.ndarray] = []

    def on_window(self, times: np.ndarray):
        """A service attempts each event when it would have handed it to Lambda (after the
        delivery delay); an application's call fails when it is made."""
        first_id = self.source.ledger.offer(times)
        ids = np.arange(first_id, first_id + len(times))
        delivery = self.source.spec.delivery if self.service else None
        first = times if delivery is None else times + delivery.sample(self._rng, len(times))
        self._first.append(first)
        order = np.argsort(first, kind="stable")
        return first[order], ids[order]

    def arrive(self, i: int) -> None:
        src = self.source
        led, now = src.ledger, src.clock.now
        led.attempts[i] = 1
        if not self.service:
            led.settle_one(i, REJECTED, now, Reason.PERMISSION)
        elif self.policy is None:
            led.settle_one(i, self.outcome, now, Reason.PERMISSION)
        else:
            src.wait(i, self.policy.give_up, self._give_up)

    def _give_up(self, i: int) -> None:
        led = self.source.ledger
        led.attempts[i] = self.policy.attempts
        led.settle_one(i, self.outcome, self.source.clock.now, Reason.PERMISSION)

    def samples(self) -> list:
        """Offered and Succeeded (none), the service's failure metric and the attempts."""
        src = self.source
        out = Caller.samples(src)
        if not self.service:
            return out
        led, h = src.ledger, src.clock.horizon
        gone = led.view("end")[led.view("reason") == Reason.PERMISSION]
        first = np.concatenate(self._first) if self._first else np.zeros(0)
        if self.policy is None:
            t, n = first[first < h], np.ones(int(np.count_nonzero(first < h)))
        else:
            t, n = attempts_per_bin(first, self.policy, h)
        return out + [(FAILED_METRIC[src.spec.kind], "sum", gone, np.ones(len(gone))),
                      ("DeliveryAttempts", "sum", t, n)]


def refusal(source: Caller, ctx) -> Refused | None:
    """The :class:`Refused` side of an async source whose calls are refused, else None."""
    return Refused(source) if source.index in ctx.refused else None


def forbidden(index: int, ctx) -> bool:
    """Whether a synchronous application's calls are refused (403)."""
    return index in ctx.refused


def reject(source: Caller, i: int) -> None:
    """Call ``i`` of a synchronous application gets AccessDeniedException (403): rejected
    after one attempt (the SDK does not retry an access denial)."""
    led = source.ledger
    led.attempts[i] += 1
    led.settle_one(i, REJECTED, source.clock.now, Reason.PERMISSION)
