"""An SQS queue (standard or FIFO, visibility timeout, redrive, retention) and the Lambda
event source mapping reading it (BatchSize, batching window, MaximumConcurrency, scaling rule).
The behaviour is described in :mod:`lambdasim.sim.sqs`."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AliasChoices, Field, model_validator

from .base import Spec, limits
from .distributions import Distribution, Lognormal
from .workload import Workload


class SqsSourceSpec(Spec):
    """An SQS queue read by a Lambda event source mapping."""

    name: str = Field(min_length=1)
    kind: Literal["sqs"] = "sqs"
    function: str
    workload: Workload
    fifo: bool = False
    message_groups: Annotated[int, limits(1, 1_000_000, "FIFO message group ids")] = 100
    batch_size: Annotated[int, limits(1, 10000, "SQS BatchSize")] = Field(
        10, validation_alias=AliasChoices("batch_size", "BatchSize"))
    batching_window_s: Annotated[float, limits(0, 300, "MaximumBatchingWindowInSeconds")] = Field(
        0.0, validation_alias=AliasChoices("batching_window_s", "MaximumBatchingWindowInSeconds"))
    max_concurrency: Annotated[int | None, limits(2, 1000, "SQS MaximumConcurrency")] = Field(
        None, validation_alias=AliasChoices("max_concurrency", "MaximumConcurrency"))
    visibility_timeout_s: Annotated[float, limits(0, 43200, "SQS VisibilityTimeout, seconds")] = (
        Field(30.0, validation_alias=AliasChoices("visibility_timeout_s", "VisibilityTimeout")))
    max_receive_count: Annotated[int | None, limits(1, 1000, "redrive maxReceiveCount")] = Field(
        5, validation_alias=AliasChoices("max_receive_count", "maxReceiveCount"))
    retention_s: Annotated[float, limits(60, 1209600, "SQS MessageRetentionPeriod")] = Field(
        345600.0, validation_alias=AliasChoices("retention_s", "MessageRetentionPeriod"))
    report_batch_item_failures: bool = False
    poison_rate: Annotated[float, limits(0, 1, "probability")] = 0.0
    scaling_rule: Literal["2023", "legacy"] = "2023"
    min_pollers: Annotated[int, limits(2, 1250, "pollers kept when idle; AWS: 2-5")] = 5
    #: message visible -> batch handed to Invoke: long-poll return, receive round trip and
    #: Invoke overhead; fitted to SQS -> Lambda p10/p50/p90/p99 of 13.7/16.2/33.8/105 ms
    #: (Bite-Sized Serverless, Sep 2022): a 10 ms floor plus a lognormal
    receive_delay: Distribution | None = Lognormal(median_s=0.0062, sigma=1.17, shift_s=0.010)
    #: on a function error the mapping's concurrency target is multiplied by this, and the
    #: poller pauses (fitted to rehanvdm.com's measurements; see docs/calibration.md)
    error_backoff: Annotated[float, limits(0.01, 1, "multiplicative decrease")] = 0.93
    error_pause_s: Annotated[float, limits(0, 600, "seconds")] = 1.2

    @model_validator(mode="after")
    def _batching(self):
        b, w = self.batch_size, self.batching_window_s
        if self.fifo and b > 10:
            raise ValueError(f"batch_size = {b}: must be 1..10 for a FIFO queue "
                             "(AWS: FIFO BatchSize is at most 10)")
        if self.fifo and w > 0:
            raise ValueError(f"batching_window_s = {w:g}: must be 0 for a FIFO queue "
                             "(AWS: no batching window on FIFO queues)")
        if b > 10 and w < 1:
            raise ValueError(f"batching_window_s = {w:g}: must be >= 1 when batch_size > 10 "
                             f"(batch_size = {b}; AWS: BatchSize above 10 needs a window)")
        return self

    @staticmethod
    def min_visibility_timeout_s(function_timeout_s: float) -> float:
        """The least queue visibility timeout AWS accepts for a mapping that invokes a
        function with this timeout: the timeout itself (AWS advises 6 x timeout + batching
        window)."""
        return float(function_timeout_s)


def _visibility_problem(i: int, spec: SqsSourceSpec, timeout_s: float) -> str | None:
    vt = spec.visibility_timeout_s
    if vt >= SqsSourceSpec.min_visibility_timeout_s(timeout_s):
        return None
    return (f"sources[{i}].visibility_timeout_s = {vt:g}: must be >= the function's timeout_s "
            f"({timeout_s:g}) (AWS rejects an SQS mapping whose queue visibility timeout is "
            "below the function timeout; it advises 6 x timeout + batching window)")


def check_sqs(scenario) -> None:
    """Cross-checks of SQS sources against their functions; raises ValueError.

    Call from ``Scenario``'s model validator, after checking that every source's function
    exists."""
    timeouts = {f.name: f.timeout_s for f in scenario.functions}
    for i, s in enumerate(scenario.sources):
        if isinstance(s, SqsSourceSpec) and s.function in timeouts:
            problem = _visibility_problem(i, s, timeouts[s.function])
            if problem:
                raise ValueError(problem)
