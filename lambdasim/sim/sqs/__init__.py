"""Amazon SQS and its Lambda event source mapping: a queue, and pollers reading it in batches.

- :mod:`.queues` (with :mod:`.store`): the queue: visibility timeout, redrive to the
  dead-letter queue, retention; the standard queue. :mod:`.fifo`: the FIFO queue's
  message-group locks.
- :mod:`.pollers`: the mapping's pollers: how many (start, scale-up, scale-down, throttle
  back-off), long polling and the batching window.
- :mod:`.mapping`: :class:`SqsSource`, the mapping at run time: arrivals, invoking batches
  (ReportBatchItemFailures, poison messages), settling outcomes in the ledger, the run log.
- :mod:`.rows`: full detail's per-message rows, booked in bulk at the horizon.
- :mod:`.metrics`: the queue's per-second CloudWatch metrics.
"""

from .mapping import SqsSource

__all__ = ["SqsSource"]
