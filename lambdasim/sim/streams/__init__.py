"""Kinesis Data Streams and DynamoDB Streams, and the Lambda event source mapping reading them.

- :mod:`.producer`: the applications writing to the stream and the Kinesis shard write limits
  (retried, then dropped).
- :mod:`.shards`: partition keys to shards, each shard's records, retention.
- :mod:`.pollers`: the mapping: one poller per shard (GetRecords calls and bytes, enhanced
  fan-out, DynamoDB's two readers) and its lanes (batching window, BatchSize,
  ParallelizationFactor, retries, bisection, ReportBatchItemFailures, record age, throttle
  back-off), configured by :class:`~.pollers.MappingSettings`.
- :mod:`.metrics`: the per-second CloudWatch metrics (IteratorAge, GetRecords.Records, ...).
- :mod:`.runtime`: :class:`StreamSource`, which wires them to the clock, the function and the
  ledger.
"""

from .runtime import StreamSource

__all__ = ["StreamSource"]
