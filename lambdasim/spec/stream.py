"""Kinesis Data Streams and DynamoDB Streams: shards, partition keys, write limits, retention.

A record's partition key (an item, for DynamoDB) is hashed to a shard, so a hot key makes a
hot shard. A Kinesis shard accepts 1,000 records/s or 1 MB/s; puts beyond that are throttled
(WriteProvisionedThroughputExceeded) and the producer tries again a second later, up to
``producer_max_attempts`` attempts in all, after which the record is ``dropped``. Records stay
readable for the retention period (Kinesis 24 h by default, up to 365 days; DynamoDB 24 h);
records trimmed before Lambda processes them are ``expired``. A record becomes readable
``propagation_delay_s`` after it is written, and reaches the function ``read_delay`` after the
mapping reads it (defaults below, fitted to measurements).

The runtime (shards, pollers, lanes) is :mod:`lambdasim.sim.streams`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import AliasChoices, Field, model_validator

from .aws import (
    DYNAMODB_READERS,
    SHARD_WRITE_BYTES,
    SHARD_WRITE_RECORDS,
    STREAM_READ,
    SYNC_PAYLOAD_BYTES,
)
from .base import Spec, check_order, limits
from .distributions import Distribution, Lognormal
from .workload import Workload

if TYPE_CHECKING:
    import numpy as np

__all__ = ["DYNAMODB_READERS", "SHARD_WRITE_RECORDS", "Backlog", "Keys", "StreamSourceSpec"]


#: A GetRecords call's records reach the function this long after the call: the call's round
#: trip, the records' remaining propagation and Lambda's Invoke overhead. With Lambda's polls
#: (Kinesis once a second at a random phase, DynamoDB four times) they reproduce the end-to-end
#: latencies measured by Bite-Sized Serverless ("Serverless messaging latency compared",
#: eu-west-1, Sep 2022), p10/p50/p90/p99: Kinesis 267/627/965/1,580 ms, enhanced fan-out
#: 28.8/49.4/67.5/109 ms (AWS documents ~70 ms), DynamoDB Streams 118/213/341/552 ms.
DEFAULT_READ_DELAY = {
    "kinesis": Lognormal(median_s=0.1, sigma=0.9, shift_s=0.02),
    "efo": Lognormal(median_s=0.044, sigma=0.36),
    "dynamodb": Lognormal(median_s=0.085, sigma=0.65),
}


class Keys(Spec):
    """Partition keys (DynamoDB: items). ``uniform`` over ``count`` keys; ``hot`` sends
    ``hot_fraction`` of the records to one key and spreads the rest; ``zipf`` gives key k a
    share proportional to 1 / k ** ``exponent``."""

    distribution: Literal["uniform", "hot", "zipf"] = "uniform"
    count: Annotated[int, limits(1, 100_000_000, "distinct keys")] = 10_000
    hot_fraction: Annotated[float, limits(0, 1, "fraction of records")] = 0.0
    exponent: Annotated[float, limits(0, 10, "Zipf exponent")] = 1.0

    def sampler(self, rng: np.random.Generator):
        """A function n -> n key ids."""
        import numpy as np

        if self.distribution == "zipf":
            w = 1.0 / np.arange(1, self.count + 1) ** self.exponent
            cdf = np.cumsum(w) / w.sum()
            return lambda n: np.minimum(np.searchsorted(cdf, rng.random(n)), self.count - 1)
        if self.distribution == "hot" and self.count > 1:
            def hot(n):
                k = rng.integers(1, self.count, n)
                k[rng.random(n) < self.hot_fraction] = 0
                return k
            return hot
        return lambda n: rng.integers(0, self.count, n)


class Backlog(Spec):
    """Records already in each shard when the mapping starts, written evenly over the
    ``span_s`` seconds before it (read with TRIM_HORIZON or AT_TIMESTAMP)."""

    records_per_shard: Annotated[int, limits(0, 100_000_000, "records")] = 0
    span_s: Annotated[float, limits(0.001, 31_536_000, "seconds")] = 3600.0


class StreamSourceSpec(Spec):
    """A Kinesis data stream or DynamoDB stream and the event source mapping reading it."""

    name: str = Field(min_length=1)
    kind: Literal["kinesis", "dynamodb"]
    function: str
    workload: Workload
    shards: Annotated[int, limits(1, 10_000, "shards")] = 1
    keys: Keys = Keys()
    batch_size: Annotated[int, limits(1, 10_000, "BatchSize")] = Field(
        100, validation_alias=AliasChoices("batch_size", "BatchSize"))
    batching_window_s: Annotated[float, limits(0, 300, "MaximumBatchingWindowInSeconds")] = Field(
        0.0, validation_alias=AliasChoices("batching_window_s", "MaximumBatchingWindowInSeconds"))
    parallelization_factor: Annotated[int, limits(1, 10, "ParallelizationFactor")] = Field(
        1, validation_alias=AliasChoices("parallelization_factor", "ParallelizationFactor"))
    max_retry_attempts: Annotated[int, limits(0, 10_000, "MaximumRetryAttempts", allow=(-1,))] = (
        Field(-1, validation_alias=AliasChoices("max_retry_attempts", "MaximumRetryAttempts")))
    max_record_age_s: Annotated[
        int, limits(60, 604_800, "MaximumRecordAgeInSeconds", allow=(-1,))] = Field(
        -1, validation_alias=AliasChoices("max_record_age_s", "MaximumRecordAgeInSeconds"))
    bisect_on_error: bool = Field(False, validation_alias=AliasChoices(
        "bisect_on_error", "BisectBatchOnFunctionError"))
    report_batch_item_failures: bool = False
    starting_position: Literal["LATEST", "TRIM_HORIZON", "AT_TIMESTAMP"] = Field(
        "LATEST", validation_alias=AliasChoices("starting_position", "StartingPosition"))
    starting_timestamp_s: Annotated[float, limits(-31_536_000, 0, "seconds before start")] = 0.0
    initial_backlog: Backlog = Backlog()
    retention_h: Annotated[float, limits(24, 8760, "Kinesis retention, hours")] = 24.0
    poll_interval_s: Annotated[float | None, limits(0.01, 60, "seconds")] = None
    propagation_delay_s: Annotated[float | None, limits(0, 60, "seconds")] = None
    read_delay: Distribution | None | Literal["default"] = "default"
    enhanced_fan_out: bool = False
    consumers: Annotated[int, limits(1, 20, "standard consumers sharing the shard reads")] = 1
    destination: str | None = None
    poison_rate: Annotated[float, limits(0, 1, "probability a record always fails")] = 0.0
    poison_key: Annotated[int | None, limits(0, 100_000_000, "key id")] = None
    producer_max_attempts: Annotated[int, limits(1, 100, "put attempts per record")] = 3
    retry_delay_s: Annotated[float, limits(0, 3600, "seconds before a failed batch is retried")] = (
        0.0)
    throttle_backoff_min_s: Annotated[float, limits(0.001, 60, "seconds")] = 0.1
    throttle_backoff_max_s: Annotated[float, limits(0.001, 600, "seconds")] = 1.0

    @model_validator(mode="after")
    def _kind_rules(self):
        check_order(self, "throttle_backoff_min_s", "throttle_backoff_max_s")
        if self.kind == "dynamodb":
            if self.starting_position == "AT_TIMESTAMP":
                raise ValueError("starting_position = 'AT_TIMESTAMP': must be LATEST or "
                                 "TRIM_HORIZON (DynamoDB Streams)")
            if self.retention_h != 24:
                raise ValueError(f"retention_h = {self.retention_h:g}: must be 24 "
                                 "(DynamoDB Streams retention is fixed)")
            if self.enhanced_fan_out:
                raise ValueError("enhanced_fan_out = True: must be false (Kinesis only)")
        span = self.initial_backlog.span_s
        if self.initial_backlog.records_per_shard and span > self.retention_h * 3600:
            raise ValueError(f"initial_backlog.span_s = {span:g}: must be <= the retention "
                             f"({self.retention_h * 3600:g} s)")
        return self

    # -- derived settings -----------------------------------------------------------------
    @property
    def read_limits(self) -> dict:
        return STREAM_READ[self.kind]

    @property
    def poll_interval(self) -> float:
        return self.poll_interval_s if self.poll_interval_s is not None else (
            self.read_limits["poll_interval_s"])

    @property
    def propagation_delay(self) -> float:
        """Seconds before a written record is readable: 0 by default (the measured latency is
        in ``read_delay``), plus ~0.2 s per extra standard Kinesis consumer (KDS docs: ~200 ms
        average propagation with one consumer, ~1 s with five)."""
        if self.propagation_delay_s is not None:
            return self.propagation_delay_s
        if self.kind == "kinesis" and not self.enhanced_fan_out:
            return 0.2 * (self.consumers - 1)
        return 0.0

    @property
    def read_latency(self):
        """GetRecords (or SubscribeToShard push) -> Invoke: see ``DEFAULT_READ_DELAY``."""
        if self.read_delay != "default":
            return self.read_delay
        return DEFAULT_READ_DELAY["efo" if self.enhanced_fan_out else self.kind]

    @property
    def write_cap_per_s(self) -> int | None:
        """Records a shard accepts per second (Kinesis only)."""
        if self.kind != "kinesis":
            return None
        return min(SHARD_WRITE_RECORDS, SHARD_WRITE_BYTES // self.workload.record_bytes)

    @property
    def batch_cap(self) -> int:
        """BatchSize, lowered if the records would exceed the 6 MB payload."""
        return max(1, min(self.batch_size, SYNC_PAYLOAD_BYTES // self.workload.record_bytes))
