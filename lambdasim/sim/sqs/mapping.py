"""The event source mapping at run time: arrivals, invoking batches, settling their messages.

- The function is invoked synchronously with the batch. Success: its messages are deleted.
  Error or timeout: the whole batch returns (visible after the visibility timeout, counted
  from the batch's first receive). With ``report_batch_item_failures`` only the failed
  messages return: on a standard queue the poison ones; on a FIFO queue the first poison one
  and everything after it in the batch, as AWS asks of FIFO handlers. ``poison_rate`` is the
  probability that a message always fails (fixed per message); without
  ReportBatchItemFailures a poison message fails its whole batch, and the invocation is
  logged as an error.
- Throttles: a throttled batch is not invoked; its messages were received (receive count
  incremented) and become visible again after the visibility timeout, as in AWS (so throttles
  can send messages to the DLQ). The pollers back off (:mod:`.pollers`).
- Outcomes: ``succeeded`` (deleted after its batch succeeded), ``failed`` (moved to the DLQ),
  ``expired``, ``in_flight`` (still in the queue or in a batch at the horizon); ``dropped`` and
  ``rejected`` are always 0. ``attempts`` is the receive count (ApproximateReceiveCount).
"""

from __future__ import annotations

import numpy as np
from mypy_extensions import mypyc_attr

from ...spec.distributions import sampler
from ...spec.pricing import SQS_BATCH_MAX, batched_requests, chunks
from ...spec.sqs import SqsSourceSpec
from ..arrivals import arrivals
from ..clock import Feeder
from ..function import Function
from ..ledger import EXPIRED, FAILED, SUCCEEDED, ConservationError, Ledger, Reason
from ..log import SourceLog
from ..source import Context
from .fifo import FifoQueue
from .metrics import QueueMetrics
from .pollers import LONG_POLL_S, TICK_S, Pollers
from .queues import Queue, StandardQueue
from .rows import Rows
from .store import Batch

_REASONS = {EXPIRED: Reason.RETENTION, FAILED: Reason.REDRIVE}  # why messages end so


@mypyc_attr(allow_interpreted_subclasses=True)  # tests subclass it
class SqsSource:
    """Run-time state of one SQS queue and its event source mapping."""

    def __init__(self, spec: SqsSourceSpec, index: int, ctx: Context):
        self.spec, self.index, self.name = spec, index, spec.name
        self.clock = ctx.clock
        self.function: Function = ctx.functions[spec.function]
        self._arrivals = ctx.rng("arrivals", spec.name)
        self._poison_rng, self._group_rng, rtt_rng = ctx.rng("source", spec.name).spawn(3)
        self.vt = spec.visibility_timeout_s
        self.queue: Queue = (FifoQueue if spec.fifo else StandardQueue)(spec, self)
        self.fifo, self.item_failures = spec.fifo, spec.report_batch_item_failures
        self.poisoning = spec.poison_rate > 0
        self.ledger = Ledger(spec.name, ctx.warmup, rows=ctx.full,
                             columns={"group": np.int32} if spec.fifo else None)
        self.rows = Rows(self.ledger) if ctx.full else None  # full detail's rows, booked late
        self.metrics = QueueMetrics(self.clock.horizon, TICK_S, ctx.warmup)
        self.pollers = Pollers(
            self.clock, self.queue, spec, self,
            sampler(spec.receive_delay, rtt_rng) if spec.receive_delay else None)
        self.pollers.idle.start = self.warmup = ctx.warmup
        self.receive_requests = self.delete_requests = 0  # billed, at or after the warm-up
        self._receive_cost: dict[int, int] = {}  # billed ReceiveMessage calls per batch size

    # -- arrivals ---------------------------------------------------------------------------
    def start(self) -> None:
        stream = arrivals(self.spec.workload, self._arrivals)
        self.feeder = Feeder(self.clock, stream, self._on_window).start()
        self.pollers.start()
        self._tick()

    def _on_window(self, arrivals: np.ndarray) -> None:
        k = len(arrivals)
        spec = self.spec
        poison = (self._poison_rng.random(k) < spec.poison_rate if spec.poison_rate > 0
                  else np.zeros(k, dtype=bool))
        group = (self._group_rng.integers(0, spec.message_groups, k).astype(np.int32)
                 if spec.fifo else np.zeros(k, dtype=np.int32))
        self.queue.add(arrivals, poison, group)
        self.ledger.offer(arrivals, **({"group": group} if spec.fifo else {}))
        if k:
            self.metrics.count("Offered", arrivals)
        if self.pollers.filler is not None:
            self.pollers.schedule_fill()
        self.pollers.wake_waiting()

    # -- receives, invocations, outcomes --------------------------------------------------------
    def received(self, batch: Batch, now: float) -> None:
        n = batch.n
        self.metrics.count_at("NumberOfMessagesReceived", now, n)
        if now >= self.warmup:  # ReceiveMessage calls of up to 10 messages, per 64 KB
            cost = self._receive_cost
            if n not in cost:
                cost[n] = batched_requests(n, self.spec.workload.record_bytes)
            self.receive_requests += cost[n]
        if self.rows:
            self.rows.received.add(batch)

    def dispatch(self, batch: Batch) -> bool:
        """Invoke the function with the batch; False if throttled (the messages return)."""
        now = self.clock.now
        st = self.queue.store
        poisoned = st.poison[st.rows(batch)] if self.poisoning else None
        # without ReportBatchItemFailures a poison message makes the handler raise
        raises = (poisoned is not None and not self.item_failures
                  and bool(poisoned.any()))
        if self.function.invoke(self, batch.n, batch, fail=raises) is None:
            batch.poisoned = poisoned
            if self.rows:
                self.rows.started.add(batch, now)
            return True
        # throttled: the messages come back after the visibility timeout
        self.queue.settle(batch, np.zeros(batch.n, dtype=bool), now,
                          max(now, batch.received + self.vt))
        return False

    def completed(self, batch: Batch, start: float, end: float, ok: bool,
                  cold: bool) -> None:
        """Called by the function when the batch's invocation ends."""
        n = batch.n
        if not ok:
            good = np.zeros(n, dtype=bool)
        elif batch.poisoned is None or not batch.poisoned.any():
            good = None  # all
        elif not self.item_failures:
            good = np.zeros(n, dtype=bool)
        elif self.fifo:  # the first failure and everything after it come back
            good = np.arange(n) < int(np.argmax(batch.poisoned))
        else:
            good = ~batch.poisoned
        if self.rows:
            self.rows.cold.add(batch, cold)
        deleted = n if good is None else int(np.count_nonzero(good))
        if deleted and end >= self.warmup:  # DeleteMessageBatch calls of up to 10
            self.delete_requests += -(-deleted // SQS_BATCH_MAX)
        self.queue.settle(batch, good, end, max(end, batch.received + self.vt))
        self.pollers.freed(error=not ok)

    def finished(self, ids: np.ndarray | Batch, outcome: int, end) -> None:
        """Messages ``ids`` ended in ``outcome`` at ``end``."""
        if outcome == SUCCEEDED:  # end is the batch's end time
            self.metrics.count_at("Succeeded", end, len(ids))
            if self.rows:  # booked at the horizon
                self.rows.deleted.add(ids, end)
                return
        led = self.ledger
        st = self.queue.store
        arrival = st.arrival[st.rows(ids)]
        if led.rows:  # start and cold stay those of the message's last invocation
            led.settle(ids, arrival, outcome, end, start=None, cold=None,
                       reason=_REASONS.get(outcome, 0))
        else:
            led.settle(ids, arrival, outcome, end)

    # -- once a second: metric samples and scaling ------------------------------------------------
    def _tick(self) -> None:
        now = self.clock.now
        visible, not_visible, oldest = self.queue.census(now)
        self.metrics.sample(now, visible, not_visible, oldest)
        self.pollers.scale(now, visible)
        self.pollers.wake_waiting()
        if now + TICK_S < self.clock.horizon:
            self.clock.after(TICK_S, self._tick)

    # -- the horizon and the run log ------------------------------------------------------------
    def close(self, horizon: float) -> None:
        """Queued messages past retention expire; the messages still held are in flight."""
        if self.ledger.closed:
            return
        held = self.queue.at_horizon(horizon)
        q = self.queue
        if q.n_done + len(held) != q.store.n or q.store.n != self.feeder.produced:
            raise ConservationError(
                f"{self.name}: produced {self.feeder.produced} messages, stored {q.store.n}, "
                f"{q.n_done} ended and {len(held)} held")
        if self.rows:
            self.rows.book()
        self.ledger.close(held, horizon)

    def usage(self) -> dict:
        """Billable SQS requests after the warm-up: SendMessage (one per message and 64 KB;
        the producer is taken to send one message per call), ReceiveMessage with messages,
        empty receives (a waiting poller long-polls: one 20 s call per idle poller-20 s) and
        DeleteMessageBatch."""
        idle = self.pollers.idle.seconds(self.clock.horizon)
        return {"sqs_send_requests": self.ledger.offered * chunks(self.spec.workload.record_bytes),
                "sqs_receive_requests": self.receive_requests,
                "sqs_empty_receives": idle / LONG_POLL_S,
                "sqs_idle_poller_s": idle,
                "sqs_delete_requests": self.delete_requests}

    def log(self) -> SourceLog:
        return SourceLog(
            self.name, self.spec.kind, self.spec.function, self.ledger,
            samples=self.metrics.samples(),
            stats={"queue_age_max_s": float(self.metrics.age_max)},
            event_columns={"group": "message_group"} if self.spec.fifo else {},
            usage=self.usage())
