"""The event source mapping for Kinesis and DynamoDB Streams: pollers, batches, retries.

- Polling: one poller per shard polls at the base rate (Kinesis once per second, DynamoDB
  four times) while the shard is idle and keeps reading, within its share of the shard's
  5 GetRecords calls/s and 2 MB/s (shared with the other standard consumers; enhanced fan-out
  gets a dedicated 2 MB/s pushed to it, modelled as reads every 50 ms while records flow), at
  most 10,000 records per call (DynamoDB 1,000). It reads while some lane of the shard has
  fewer than two batches waiting, so what is read ahead is bounded by what is unprocessed.
  A DynamoDB stream shard serves two readers; with more consumers a share of the calls is
  throttled (ReadProvisionedThroughputExceeded).
- Batching: a batch holds records of one shard and is invoked when it reaches BatchSize, when
  MaximumBatchingWindowInSeconds has passed since its first record was read, or at the 6 MB
  payload limit. The function is invoked synchronously.
- ParallelizationFactor F: each shard has F lanes; a record's partition key picks its lane, so
  order is kept per key and the mapping's concurrency never exceeds shards x F.
- Errors: a failed batch is retried and blocks its lane until it succeeds, its records pass
  MaximumRecordAgeInSeconds (to the on-failure destination: ``failed``, or ``dropped``) or the
  retention period (``expired``), or MaximumRetryAttempts is used up. BisectBatchOnFunctionError
  splits a failed batch in two (splits do not count as retries); ReportBatchItemFailures
  checkpoints at the first failed record. Throttles do not count as retries: the lane backs
  off (``throttle_backoff_min_s`` doubling to ``throttle_backoff_max_s``) and tries again.
- Delivery latency: a record is readable ``propagation_delay_s`` after it is written (0 by
  default; ~0.2 s more per extra standard consumer, KDS docs), and each GetRecords call's
  records reach the lanes ``read_delay`` after the call (the call's round trip and Lambda's
  Invoke overhead; responses keep their order). With polls once a second (Kinesis), four
  times a second (DynamoDB) or pushed (enhanced fan-out, modelled as reads every 10 ms), the
  defaults reproduce the measured end-to-end latencies (docs/calibration.md).
- IteratorAge, emitted when an invocation ends: the time from when the stream received the
  batch's last record to when the batch was sent to the function.

Batches are arrays of the records' global positions in their shard (:mod:`.shards`).
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import deque
from dataclasses import dataclass

import numpy as np

from ...spec.aws import DYNAMODB_READERS
from ...spec.stream import StreamSourceSpec
from ..clock import Clock, Timer
from ..ledger import DROPPED, EXPIRED, FAILED, SUCCEEDED, Reason
from .metrics import M_READ, M_READ_THROTTLES, StreamMetrics
from .shards import ShardRecords

EFO_INTERVAL_S = 0.01


@dataclass(frozen=True, slots=True)
class MappingSettings:
    """The mapping's numbers, derived once from the spec."""

    call_interval: float  # seconds between one poller's GetRecords calls (its share of 5/s)
    bytes_per_s: float  # the poller's share of the shard's read bandwidth
    records_per_call: int
    record_bytes: int
    poll_interval: float  # base rate while the shard is idle
    propagation: float  # a record is readable this long after it is written
    read_throttle_p: float  # DynamoDB, more than two readers: share of calls throttled
    batch_cap: int  # BatchSize, lowered to fit the 6 MB payload
    window: float  # MaximumBatchingWindowInSeconds
    lane_ahead: int  # read ahead while some lane has fewer records waiting than this
    lanes: int  # ParallelizationFactor
    max_retry_attempts: int  # -1: until the records expire
    max_record_age_s: float  # -1: no limit
    retry_delay_s: float
    bisect_on_error: bool
    report_batch_item_failures: bool
    has_poison: bool
    discard: int  # the outcome of records given up on: FAILED with a destination, else DROPPED
    backoff_min_s: float  # throttle back-off, doubling from min to max
    backoff_max_s: float

    @classmethod
    def from_spec(cls, spec: StreamSourceSpec) -> MappingSettings:
        lim = spec.read_limits
        efo = spec.enhanced_fan_out
        share = 1 if efo else spec.consumers
        return cls(
            call_interval=EFO_INTERVAL_S if efo else share / lim["calls_per_s"],
            bytes_per_s=lim["bytes_per_s"] / share,
            records_per_call=lim["records_per_call"],
            record_bytes=spec.workload.record_bytes,
            poll_interval=EFO_INTERVAL_S if efo else spec.poll_interval,
            propagation=spec.propagation_delay,
            read_throttle_p=(1 - DYNAMODB_READERS / spec.consumers
                             if spec.kind == "dynamodb" and spec.consumers > DYNAMODB_READERS
                             else 0.0),
            batch_cap=spec.batch_cap,
            window=spec.batching_window_s,
            lane_ahead=2 * spec.batch_cap,
            lanes=spec.parallelization_factor,
            max_retry_attempts=spec.max_retry_attempts,
            max_record_age_s=spec.max_record_age_s,
            retry_delay_s=spec.retry_delay_s,
            bisect_on_error=spec.bisect_on_error,
            report_batch_item_failures=spec.report_batch_item_failures,
            has_poison=spec.poison_rate > 0 or spec.poison_key is not None,
            discard=FAILED if spec.destination else DROPPED,
            backoff_min_s=spec.throttle_backoff_min_s,
            backoff_max_s=spec.throttle_backoff_max_s)


class Shard:
    """The mapping's poller of one shard, and the shard's lanes."""

    def __init__(self, records: ShardRecords, cfg: MappingSettings, clock: Clock,
                 metrics: StreamMetrics, invoke, rng: np.random.Generator, read_delay=None):
        self.records, self.cfg, self.clock, self.metrics = records, cfg, clock, metrics
        self.invoke = invoke  # invoke(records, token, fail=...): None, or the throttle reason
        self.rng = rng
        self.read = 0  # global position of the next unread record
        self.next_call = 0.0
        self.timer = Timer(clock, self._poll)
        self.sleeping: str | None = None  # "full": read-ahead full; "empty": nothing written
        self.byte_tokens = cfg.bytes_per_s
        self.byte_t = 0.0
        self.lanes = [Lane(self, i) for i in range(cfg.lanes)]
        self.read_delay = read_delay  # a sampler, or None: records reach the lanes at once
        self.responses: deque[np.ndarray] = deque()  # read, on their way to the lanes
        self.last_response = 0.0

    def schedule(self, t: float) -> None:
        self.sleeping = None
        self.timer.set(t)

    def sleep(self, reason: str) -> None:
        self.timer.cancel()
        self.sleeping = reason

    def kick(self, now: float) -> None:
        """A lane took a batch: if the poller waits for read-ahead room, poll now."""
        if self.sleeping == "full":
            self.schedule(max(now, self.next_call))

    def written(self, now: float) -> None:
        """New records were written: a poller that had nothing to read plans its next poll."""
        if self.sleeping == "empty":
            self.idle_until(now, self.cfg.poll_interval)

    def idle_until(self, now: float, interval: float) -> None:
        """Nothing more to read now: next poll on the base-rate grid once a record will be
        readable (or on new writes, which kick the poller)."""
        rec = self.records
        if self.read < rec.end:
            ready = rec.cols["written"][self.read - rec.base] + self.cfg.propagation
            k = max(1, math.ceil((ready - now) / interval - 1e-9))
            self.schedule(now + k * interval)
        else:
            self.sleep("empty")

    def _poll(self) -> None:
        cfg, rec, now = self.cfg, self.records, self.clock.now
        self.next_call = now + cfg.call_interval
        if cfg.read_throttle_p and self.rng.random() < cfg.read_throttle_p:
            self.metrics.count(M_READ_THROTTLES, now, 1)
            self.metrics.tally("get_records_calls", now)
            self.schedule(now + cfg.poll_interval)
            return
        cols, base = rec.cols, rec.base
        hi = base + int(np.searchsorted(cols["written"], now - cfg.propagation, side="right"))
        lo = self.read = rec.trim(self.read, hi, now)  # unread records past retention expire
        if min(lane.pending() for lane in self.lanes) + self._in_response() >= cfg.lane_ahead:
            self.sleep("full")  # every lane has its next batches: wait until one takes some
            return
        self.metrics.tally("get_records_calls", now)
        self.byte_tokens = min(cfg.bytes_per_s,
                               self.byte_tokens + (now - self.byte_t) * cfg.bytes_per_s)
        self.byte_t = now
        by_bytes = int(self.byte_tokens // cfg.record_bytes)
        if by_bytes == 0 and self.byte_tokens >= cfg.bytes_per_s - 1e-9:
            # a record larger than this reader's share of 2 MiB/s: a GetRecords call may
            # return up to 10 MiB and the calls after it are throttled until the share is
            # paid back (the bucket goes negative)
            by_bytes = 1
        n = min(hi - lo, cfg.records_per_call, by_bytes)
        if n < min(hi - lo, cfg.records_per_call):
            self.metrics.count(M_READ_THROTTLES, now, 1)  # out of bytes for this second
        if n > 0:
            self.byte_tokens -= n * cfg.record_bytes
            self.read = lo + n
            self.metrics.count(M_READ, now, n)
            self.metrics.tally("records_read", now, n)
            idx = np.arange(lo, lo + n)
            if self.read_delay is None:
                self._deliver(idx, now)
            else:
                self.responses.append(idx)
                self.last_response = max(now + self.read_delay(), self.last_response)
                self.clock.at(self.last_response, self._response)
        if self.read < hi:  # more to read now: as soon as the call rate allows
            self.schedule(self.next_call)
        else:
            self.idle_until(now, cfg.poll_interval)


    def _in_response(self) -> int:
        return sum(len(r) for r in self.responses) // max(1, len(self.lanes))

    def _response(self) -> None:
        """The oldest GetRecords response arrives."""
        self._deliver(self.responses.popleft(), self.clock.now)

    def _deliver(self, idx: np.ndarray, now: float) -> None:
        """Records read reach their lanes, which invoke what is due."""
        if len(self.lanes) == 1:
            self.lanes[0].add(idx, now)
        else:
            rec = self.records
            lanes = rec.cols["lane"][idx - rec.base]
            for lane in self.lanes:
                sel = idx[lanes == lane.index]
                if len(sel):
                    lane.add(sel, now)
        for lane in self.lanes:
            lane.dispatch(now)
        low = int(self.responses[0][0]) if self.responses else self.read
        for lane in self.lanes:
            low = lane.lowest(low)
        self.records.compact(low)


class Lane:
    """A sequence of batches of one shard (ParallelizationFactor lanes per shard)."""

    def __init__(self, shard: Shard, index: int):
        self.index = index
        self.records, self.cfg, self.clock = shard.records, shard.cfg, shard.clock
        self.metrics = shard.metrics
        self.invoke, self.kick = shard.invoke, shard.kick
        self.buf = np.empty(0, dtype=np.int64)  # read, not yet batched (global positions)
        self.head = 0
        self.stack: list[list] = []  # [batch positions, retries]; top = in progress
        self.busy = False
        self.retry = Timer(shard.clock, self._wake)  # a retry delay or throttle back-off
        self.window = Timer(shard.clock, self._wake)  # the batching window closes
        self.opened: float | None = None  # when the first record of ``buf`` was read
        self.backoff = 0.0

    def pending(self) -> int:
        return len(self.buf) - self.head + sum(len(b) for b, _ in self.stack)

    def lowest(self, low: int) -> int:
        """The lowest position this lane holds, if below ``low``."""
        for b, _ in self.stack:
            if len(b):
                low = min(low, b.item(0))
        if self.head < len(self.buf):
            low = min(low, self.buf.item(self.head))
        return low

    def add(self, idx: np.ndarray, now: float) -> None:
        if self.head >= len(self.buf):
            self.buf, self.head = idx, 0
            self.opened = now
        else:
            self.buf = np.concatenate([self.buf[self.head:], idx])
            self.head = 0

    def _wake(self) -> None:
        self.dispatch(self.clock.now)

    def dispatch(self, now: float) -> None:
        """Invoke the next batch if this lane is free and a batch is due."""
        if self.busy or self.retry.due is not None:
            return
        while True:
            if self.stack:
                batch = self._age_out(self.stack[-1][0], now)
                if len(batch) == 0:
                    self.stack.pop()
                    continue
                self.stack[-1][0] = batch
                self._invoke(batch, now)
                return
            n = len(self.buf) - self.head
            if n == 0:
                self.opened = None
                return
            cfg = self.cfg
            cap = cfg.batch_cap
            if n < cap and cfg.window > 0 and now < self.opened + cfg.window:
                t = self.opened + cfg.window  # the window closes then, unless BatchSize first
                if self.window.due != t:
                    self.window.set(t)
                return
            if n >= cap and self._age_out_whole_batches(now):
                continue
            batch = self.buf[self.head: self.head + cap]
            self.head += len(batch)
            self.opened = now if self.head < len(self.buf) else None
            self.stack.append([batch, 0])
            self.kick(now)

    def _age_out_whole_batches(self, now: float) -> bool:
        """Settle in one call the full batches at the head of ``buf`` whose every record is
        past retention or MaximumRecordAgeInSeconds (the same outcomes as batch by batch, for
        far less work when a backlog of small batches ages out); True if there were any."""
        rec, cfg, buf, head = self.records, self.cfg, self.buf, self.head
        written, base, cap = rec.cols["written"], rec.base, cfg.batch_cap
        age = rec.retention_s if cfg.max_record_age_s < 0 else min(rec.retention_s,
                                                                   cfg.max_record_age_s)
        cutoff = now - age
        if written[buf[head + cap - 1] - base] >= cutoff:  # the first batch is not all old
            return False
        # records are read in write order: the old ones are a prefix of the buffer
        old = bisect_left(buf, cutoff, lo=head, key=lambda p: written[p - base]) - head
        k = old - old % cap
        self.head += k
        self.opened = now if self.head < len(buf) else None
        self._age_out(buf[head: head + k], now)
        self.kick(now)
        return True

    def _age_out(self, batch: np.ndarray, now: float) -> np.ndarray:
        """Settle the records of ``batch`` past retention (expired) or
        MaximumRecordAgeInSeconds (to the destination, or dropped); return the rest."""
        rec, max_age = self.records, self.cfg.max_record_age_s
        written = rec.cols["written"]
        oldest = written.item(batch.item(0) - rec.base)
        if oldest >= now - rec.retention_s and (max_age < 0 or oldest >= now - max_age):
            return batch
        w = written[batch - rec.base]
        gone = w < now - rec.retention_s
        if gone.any():
            rec.settle(batch[gone], EXPIRED, now)
        if max_age >= 0:
            old = ~gone & (w < now - max_age)
            if old.any():
                rec.settle(batch[old], self.cfg.discard, now, reason=Reason.RECORD_AGE)
            gone |= old
        return batch[~gone]

    def _invoke(self, batch: np.ndarray, now: float) -> None:
        cfg, rec = self.cfg, self.records
        # a poison record makes the handler raise, unless it reports batch item failures
        raises = (cfg.has_poison and not cfg.report_batch_item_failures
                  and bool(rec.cols["poison"][batch - rec.base].any()))
        if self.invoke(len(batch), (self, batch), fail=raises) is not None:
            self.backoff = min(cfg.backoff_max_s, max(cfg.backoff_min_s, 2 * self.backoff))
            self.retry.set(now + self.backoff)
            return
        self.busy = True
        self.backoff = 0.0
        rec.attempted(batch)

    def completed(self, batch: np.ndarray, start: float, end: float, ok: bool,
                  cold: bool) -> None:
        self.busy = False
        cfg, rec = self.cfg, self.records
        self.metrics.iterator_age(end, start - rec.cols["written"].item(batch.item(-1) - rec.base))
        fail_at = 0 if not ok else None  # an error (or a poison record) fails the whole batch
        if ok and cfg.has_poison:  # with ReportBatchItemFailures: from the first poison record
            bad = rec.cols["poison"][batch - rec.base]
            if bad.any():
                fail_at = int(np.argmax(bad))
        entry = self.stack[-1]
        if fail_at is None:
            rec.settle(batch, SUCCEEDED, end, start, cold)
            self.stack.pop()
        elif cfg.report_batch_item_failures and fail_at > 0:
            rec.settle(batch[:fail_at], SUCCEEDED, end, start, cold)
            entry[0], entry[1] = batch[fail_at:], entry[1] + 1
            self._check_retries(entry, end)
        elif cfg.bisect_on_error and len(batch) > 1:
            half = len(batch) // 2
            self.stack[-1:] = [[batch[half:], entry[1]], [batch[:half], entry[1]]]
        else:
            entry[1] += 1
            self._check_retries(entry, end)
        if cfg.retry_delay_s > 0 and fail_at is not None and self.stack:
            self.retry.set(end + cfg.retry_delay_s)
        else:
            self.dispatch(end)
        self.kick(end)

    def _check_retries(self, entry: list, now: float) -> None:
        limit = self.cfg.max_retry_attempts
        if limit >= 0 and entry[1] > limit:
            self.records.settle(entry[0], self.cfg.discard, now,
                                reason=Reason.RETRIES_EXHAUSTED)
            self.stack.pop()
