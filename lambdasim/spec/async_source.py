"""Asynchronous invocation: S3, SNS, EventBridge, or a custom application with InvocationType
Event. The caller hands the event to Lambda's internal queue and gets 202 at once.

- Delivery, hop by hop: the service hands the event to Lambda's queue after ``delivery_delay``
  (S3 notifications typically arrive in seconds, sometimes a minute or more), and Lambda's
  pollers take it from the queue after ``dequeue_delay``. AWS publishes no distribution, so
  both are parameters with defaults fitted to published measurements (below).
- Reserved concurrency 0 switches the function off (LDG: configuration-concurrency): its events
  are not invoked and not retried; they go to the on-failure destination (``failed``) or are
  dropped at once, with the reason ``function_disabled``.
- Throttles and system errors: the event returns to the queue and is retried with exponential
  backoff from 1 s up to 5 minutes (lambdasim draws each wait uniformly between half and all of
  ``min(max, 1 s * 2 ** (n - 1))`` so retries do not move in lock-step); throttles do not use up
  retry attempts.
- Function errors: retried ``max_retry_attempts`` times (0-2, default 2), about 1 minute before
  the first retry and 2 minutes before the second (``retry_delays_s``).
- An event older than ``max_event_age_s`` (60-21,600 s, default 6 h), or out of retries, is
  sent to the on-failure destination or DLQ (``failed``) if one is set, else discarded
  (``dropped``).
- Permissions (see ``spec.permissions``): ``caller_account`` is the account of the
  application (``async``) or of the bucket, topic or rule (None: the function's); ``arn`` the
  ARN a policy's SourceArn is matched against (None: derived from the name,
  ``arn:aws:s3:::NAME``, ``arn:aws:sns:us-east-1:ACCOUNT:NAME``,
  ``arn:aws:events:us-east-1:ACCOUNT:rule/NAME``). SNS and EventBridge do not retry a delivery
  refused for a missing permission (a client-side error: SNS Developer Guide, sns-dead-letter-
  queues; EventBridge User Guide, eb-rule-dlq); ``retry_access_denied: true`` retries it by
  the service's retry policy instead, as for a server-side error.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AliasChoices, Field, model_validator

from .base import Spec, check_order, limits
from .distributions import Distribution, Lognormal, Mixture, Uniform
from .permissions import AccountId
from .workload import Workload

#: service -> Lambda's queue, by kind. SNS and EventBridge are fitted so that with the default
#: dequeue they reproduce the end-to-end p10/p50/p90/p99 measured by Bite-Sized Serverless
#: ("Serverless messaging latency compared", eu-west-1, Sep 2022; EventBridge re-measured after
#: its 17 Feb 2023 speed-up): SNS 62/73/125/225 ms, EventBridge 113/148/241/387 ms. S3 has no
#: published percentiles: an ASSUMPTION (AWS: "typically in seconds, sometimes a minute or
#: longer"), a 250 ms median with a 0.1 % tail of 10-90 s. See docs/calibration.md.
DEFAULT_DELIVERY = {
    "async": None,
    "s3": Mixture(weights=(0.999, 0.001), parts=(
        Lognormal(median_s=0.2, sigma=0.7), Uniform(low_s=10.0, high_s=90.0))),
    "sns": Lognormal(median_s=0.0247, sigma=0.825),
    "eventbridge": Lognormal(median_s=0.0998, sigma=0.52),
}
#: Lambda's queue -> invocation (the async poller's dequeue). Not measured directly: inferred
#: from the same study's Step Functions async-vs-sync difference (+41-43 ms at p50, +57-63 ms at
#: p99), an ASSUMPTION on shape.
DEFAULT_DEQUEUE = Lognormal(median_s=0.042, sigma=0.45)


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
    dequeue_delay: Distribution | None | Literal["default"] = "default"
    destination: str | None = None
    caller_account: AccountId | None = None
    arn: str | None = None
    retry_access_denied: bool = False

    @model_validator(mode="after")
    def _backoff_order(self):
        check_order(self, "throttle_backoff_min_s", "throttle_backoff_max_s")
        if self.retry_access_denied and self.kind not in ("sns", "eventbridge"):
            raise ValueError(f"retry_access_denied = true: applies to sns and eventbridge only "
                             f"(kind {self.kind!r})")
        return self

    @property
    def delivery(self):
        """The service -> Lambda queue delay (None: none)."""
        return DEFAULT_DELIVERY[self.kind] if self.delivery_delay == "default" else (
            self.delivery_delay)

    @property
    def dequeue(self):
        """The queue -> invocation delay (None: none)."""
        return DEFAULT_DEQUEUE if self.dequeue_delay == "default" else self.dequeue_delay
