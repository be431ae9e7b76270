"""The event source mapping for Kinesis and DynamoDB Streams: pollers, batches, retries.

- Polling: one poller per shard polls at the base rate (Kinesis once per second, DynamoDB
  four times) while the shard is idle and keeps reading, within its share of the shard's
  5 GetRecords calls/s and 2 MB/s (shared with the other standard consumers; enhanced fan-out
  gets a dedicated 2 MB/s pushed to it, modelled as reads every 50 ms while records flow), at
  most 10,000 records per call (DynamoDB 1,000). It reads while some lane of the shard has
  fewer than two batches waiting, so what is read ahead is bounded by what is unprocessed.
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
- IteratorAge, emitted when an invocation ends: the time from when the stream received the
  batch's last record to when the batch was sent to the function.

Records live in per-shard numpy arrays appended a window at a time; batches are index arrays
and every per-record computation is vectorised. Consumed prefixes are dropped, so memory is
bounded by what is unprocessed. With ``record_detail="histogram"`` no per-record table is kept;
counts stay exact and latency percentiles come from a fine log-scale histogram.
"""

from __future__ import annotations

import math

import numpy as np

from .events import (
    DROPPED,
    EXPIRED,
    FAILED,
    IN_FLIGHT,
    OUTCOMES,
    SUCCEEDED,
    ConservationError,
    Feeder,
    latency_stats,
)
from .histogram import LatencyHistogram
from .stream import DYNAMODB_READERS, StreamSourceSpec, key_to_lane, key_to_shard
from .workload import sorted_uniforms

EFO_INTERVAL_S = 0.05
_COLS = {"written": float, "arrival": float, "done": bool, "lane": np.int16, "poison": bool,
         "key": np.int64, "id": np.int64, "attempts": np.int32}


class Shard:
    """One shard's records (arrays indexed by global position minus ``base``) and poller."""

    def __init__(self, index: int, src: StreamSource):
        self.index, self.src = index, src
        self.cols = {k: np.empty(0, dtype=_COLS[k]) for k in src.columns}
        self.base = 0  # global position of cols[...][0]
        self.read = 0  # global position of the next unread record
        self.lanes = [Lane(self, i) for i in range(src.spec.parallelization_factor)]
        self.next_call = 0.0
        self.gen = 0  # poll generation: a newer schedule cancels older ones
        self.sleeping: str | None = None  # "full": read-ahead full; "empty": nothing written
        self.byte_tokens = src.bytes_per_s
        self.byte_t = 0.0

    @property
    def end(self) -> int:
        return self.base + len(self.cols["written"])

    def append(self, cols: dict) -> None:
        self.cols = {k: np.concatenate([v, cols[k]]) for k, v in self.cols.items()}

    def compact(self) -> None:
        low = self.read
        for lane in self.lanes:
            low = min(low, lane.lowest())
        cut = low - self.base
        if cut > 4096:  # views: dropped for good at the next append
            if not self.cols["done"][:cut].all():
                raise ConservationError(f"{self.src.name}: shard {self.index} compacts "
                                        "records that have no outcome")
            self.cols = {k: v[cut:] for k, v in self.cols.items()}
            self.base = low

    # -- polling ------------------------------------------------------------------------
    def schedule(self, t: float) -> None:
        self.gen += 1
        self.sleeping = None
        env = self.src.env
        env.timeout(max(t - env.now, 0.0), self.gen).callbacks.append(self._poll)

    def sleep(self, reason: str) -> None:
        self.gen += 1
        self.sleeping = reason

    def kick(self, now: float) -> None:
        """A lane took a batch: if the poller waits for read-ahead room, poll now."""
        if self.sleeping == "full":
            self.schedule(max(now, self.next_call))

    def written(self, now: float) -> None:
        """New records were written: a poller that had nothing to read plans its next poll."""
        if self.sleeping == "empty":
            self.idle_until(now, self.src.poll_interval)

    def idle_until(self, now: float, interval: float) -> None:
        """Nothing more to read now: next poll on the base-rate grid once a record will be
        readable (or on new writes, which kick the poller)."""
        src = self.src
        if self.read < self.end:
            ready = self.cols["written"][self.read - self.base] + src.propagation
            k = max(1, math.ceil((ready - now) / interval - 1e-9))
            self.schedule(now + k * interval)
        else:
            self.sleep("empty")

    def _poll(self, ev) -> None:
        if ev._value != self.gen:
            return
        src, now = self.src, self.src.env.now
        spec = src.spec
        self.next_call = now + src.call_interval
        if src.read_throttle_p and src.rng.random() < src.read_throttle_p:
            src.count_second(src.read_thr_s, now, 1)
            self.schedule(now + src.poll_interval)
            return
        cols, base = self.cols, self.base
        written = cols["written"]
        lo = self.read
        hi = base + int(np.searchsorted(written, now - src.propagation, side="right"))
        if lo < hi and written[lo - base] < now - src.retention_s:  # trimmed unread
            cut = base + int(np.searchsorted(written, now - src.retention_s, side="left"))
            cut = min(cut, hi)
            src.finish(self, np.arange(lo - base, cut - base), EXPIRED, now)
            lo = self.read = cut
        if min(lane.pending() for lane in self.lanes) >= src.lane_ahead:
            self.sleep("full")  # every lane has its next batches: wait until one takes some
            return
        self.byte_tokens = min(src.bytes_per_s,
                               self.byte_tokens + (now - self.byte_t) * src.bytes_per_s)
        self.byte_t = now
        by_bytes = int(self.byte_tokens // spec.workload.record_bytes)
        n = min(hi - lo, src.records_per_call, by_bytes)
        if n < min(hi - lo, src.records_per_call):
            src.count_second(src.read_thr_s, now, 1)  # ReadProvisionedThroughputExceeded
        if n > 0:
            self.byte_tokens -= n * spec.workload.record_bytes
            self.read = lo + n
            src.count_second(src.getrecords_s, now, n)
            idx = np.arange(lo, lo + n)
            if len(self.lanes) == 1:
                self.lanes[0].add(idx, now)
            else:
                lanes = cols["lane"][lo - base: lo - base + n]
                for lane in self.lanes:
                    sel = idx[lanes == lane.index]
                    if len(sel):
                        lane.add(sel, now)
            for lane in self.lanes:
                lane.dispatch(now)
            self.compact()
        if self.read < hi:  # more to read now: as soon as the call rate allows
            self.schedule(self.next_call)
        else:
            self.idle_until(now, src.poll_interval)


class Lane:
    """A sequence of batches of one shard (ParallelizationFactor lanes per shard)."""

    def __init__(self, shard: Shard, index: int):
        self.shard, self.index = shard, index
        self.buf = np.empty(0, dtype=np.int64)  # read, not yet batched (global positions)
        self.head = 0
        self.stack: list[list] = []  # [batch positions, retries]; top = in progress
        self.busy = False
        self.waiting = False  # a retry delay or throttle backoff is pending
        self.window_at: float | None = None  # when the pending batching-window timer fires
        self.opened: float | None = None
        self.backoff = 0.0

    def pending(self) -> int:
        return len(self.buf) - self.head + sum(len(b) for b, _ in self.stack)

    def lowest(self) -> int:
        low = [int(b[0]) for b, _ in self.stack if len(b)]
        if self.head < len(self.buf):
            low.append(int(self.buf[self.head]))
        return min(low) if low else self.shard.read

    def add(self, idx: np.ndarray, now: float) -> None:
        if self.head >= len(self.buf):
            self.buf, self.head = idx, 0
            self.opened = now
        else:
            self.buf = np.concatenate([self.buf[self.head:], idx])
            self.head = 0

    def _timer(self, t: float) -> None:
        self.waiting = True
        env = self.shard.src.env
        env.timeout(max(t - env.now, 0.0)).callbacks.append(self._wake)

    def _wake(self, _ev) -> None:
        self.waiting = False
        self.dispatch(self.shard.src.env.now)

    def _window_timer(self, t: float) -> None:
        """The batching window closes at ``t``, unless BatchSize is reached first."""
        if self.window_at == t:
            return
        self.window_at = t
        env = self.shard.src.env
        env.timeout(max(t - env.now, 0.0), t).callbacks.append(self._window_closed)

    def _window_closed(self, ev) -> None:
        if self.window_at == ev._value:
            self.window_at = None
            self.dispatch(self.shard.src.env.now)

    def dispatch(self, now: float) -> None:
        """Invoke the next batch if this lane is free and a batch is due."""
        if self.busy or self.waiting:
            return
        src = self.shard.src
        while True:
            if self.stack:
                batch = src.expire(self.shard, self.stack[-1][0], now)
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
            cap = src.batch_cap
            if n < cap and src.window > 0 and now < self.opened + src.window:
                self._window_timer(self.opened + src.window)
                return
            batch = self.buf[self.head: self.head + cap]
            self.head += len(batch)
            self.opened = now if self.head < len(self.buf) else None
            self.stack.append([batch, 0])
            self.shard.kick(now)

    def _invoke(self, batch: np.ndarray, now: float) -> None:
        src = self.shard.src
        # a poison record makes the handler raise, unless it reports batch item failures
        raises = (src.has_poison and not src.spec.report_batch_item_failures
                  and bool(self.shard.cols["poison"][batch - self.shard.base].any()))
        if src.function.invoke(src, len(batch), (self, batch), fail=raises) is not None:
            self.backoff = min(src.spec.throttle_backoff_max_s,
                               max(src.spec.throttle_backoff_min_s, 2 * self.backoff))
            self._timer(now + self.backoff)
            return
        self.busy = True
        self.backoff = 0.0
        if src.full:
            self.shard.cols["attempts"][batch - self.shard.base] += 1

    def completed(self, batch: np.ndarray, start: float, end: float, ok: bool,
                  cold: bool) -> None:
        self.busy = False
        shard, src = self.shard, self.shard.src
        loc = batch - shard.base
        src.iterator_age(end, start - shard.cols["written"][loc[-1]])
        fail_at = 0 if not ok else None  # an error (or a poison record) fails the whole batch
        if ok and src.has_poison:  # with ReportBatchItemFailures: from the first poison record
            bad = shard.cols["poison"][loc]
            if bad.any():
                fail_at = int(np.argmax(bad))
        entry = self.stack[-1]
        if fail_at is None:
            src.finish(shard, loc, SUCCEEDED, end, start, cold)
            self.stack.pop()
        elif src.spec.report_batch_item_failures and fail_at > 0:
            src.finish(shard, loc[:fail_at], SUCCEEDED, end, start, cold)
            entry[0], entry[1] = batch[fail_at:], entry[1] + 1
            self._check_retries(entry, end)
        elif src.spec.bisect_on_error and len(batch) > 1:
            half = len(batch) // 2
            self.stack[-1:] = [[batch[half:], entry[1]], [batch[:half], entry[1]]]
        else:
            entry[1] += 1
            self._check_retries(entry, end)
        if src.spec.retry_delay_s > 0 and fail_at is not None and self.stack:
            self._timer(end + src.spec.retry_delay_s)
        else:
            self.dispatch(end)
        shard.kick(end)

    def _check_retries(self, entry: list, now: float) -> None:
        src = self.shard.src
        limit = src.spec.max_retry_attempts
        if limit >= 0 and entry[1] > limit:
            src.finish(self.shard, entry[0] - self.shard.base, src.discard, now)
            self.stack.pop()


class StreamSource:
    """Runtime of a ``kinesis`` or ``dynamodb`` source: producer, shards and mapping."""

    def __init__(self, spec: StreamSourceSpec, index: int, engine):
        self.spec, self.index, self.name = spec, index, spec.name
        self.env, self.horizon = engine.env, engine.horizon
        self.function = engine.functions[spec.function]
        self.warmup = engine.scenario.warmup_s
        self.full = engine.record_detail == "full"
        self.rng = engine.rng("source", spec.name)
        self._arrival_rng = engine.rng("arrivals", spec.name)
        self._keys = spec.keys.sampler(engine.rng("keys", spec.name))
        self._poison_rng = engine.rng("poison", spec.name)
        lim = spec.read_limits
        share = 1 if spec.enhanced_fan_out else spec.consumers
        self.call_interval = EFO_INTERVAL_S if spec.enhanced_fan_out else (
            share / lim["calls_per_s"])
        self.bytes_per_s = lim["bytes_per_s"] / share
        self.records_per_call = lim["records_per_call"]
        self.poll_interval = EFO_INTERVAL_S if spec.enhanced_fan_out else spec.poll_interval
        self.propagation = spec.propagation_delay
        self.read_throttle_p = (1 - DYNAMODB_READERS / spec.consumers
                                if spec.kind == "dynamodb" and spec.consumers > DYNAMODB_READERS
                                else 0.0)
        self.retention_s = spec.retention_h * 3600.0
        self.window = spec.batching_window_s
        self.batch_cap = spec.batch_cap
        self.lane_ahead = 2 * self.batch_cap  # read ahead while a lane has less than this
        self.discard = FAILED if spec.destination else DROPPED
        self.has_poison = spec.poison_rate > 0 or spec.poison_key is not None
        self.write_cap = spec.write_cap_per_s
        self.columns = ["written", "arrival", "done"]
        if spec.parallelization_factor > 1:
            self.columns.append("lane")
        if self.has_poison:
            self.columns.append("poison")
        if self.full:
            self.columns += ["key", "id", "attempts"]
        self.shards = [Shard(i, self) for i in range(spec.shards)]
        nsec = int(math.ceil(self.horizon)) + 2
        self.offered_s = np.zeros(nsec)
        self.succeeded_s = np.zeros(nsec)
        self.write_thr_s = np.zeros(nsec)
        self.read_thr_s = np.zeros(nsec)
        self.getrecords_s = np.zeros(nsec)
        self.age_s = np.full(nsec, np.nan)
        self.counts = np.zeros(len(OUTCOMES), dtype=np.int64)
        self.produced = 0
        self.done_in_window = 0
        self.age_max = np.nan
        self.latency = LatencyHistogram()
        self._lat: list[np.ndarray] = []  # latencies not yet added to the histogram
        self._exact: list[np.ndarray] = []  # all latencies (record_detail="full")
        self._rows: list[dict] = []
        self._carry = None  # producer records waiting to retry a throttled put
        self._next_id = 0

    # -- producing ----------------------------------------------------------------------
    def start(self, engine) -> None:
        spec = self.spec
        b = spec.initial_backlog
        if b.records_per_shard and spec.starting_position != "LATEST":
            t0 = -b.span_s
            if spec.starting_position == "AT_TIMESTAMP":
                t0 = max(t0, spec.starting_timestamp_s)
            n = b.records_per_shard * spec.shards
            times = sorted_uniforms(engine.rng("backlog", self.name), n, -b.span_s, 0.0)
            times = times[times >= t0]
            keys = self._keys(len(times))
            self._write(times, times, keys, self._new_ids(len(times)), key_to_shard(
                keys, spec.shards), backlog=True)
        for shard in self.shards:
            shard.schedule(self.rng.random() * self.poll_interval)
        self.feeder = Feeder(self.env, spec.workload.stream(self._arrival_rng), self.horizon,
                             self._produce)
        self.feeder.start()

    def _new_ids(self, n: int) -> np.ndarray:
        ids = np.arange(self._next_id, self._next_id + n)
        self._next_id += n
        return ids

    def _produce(self, times: np.ndarray) -> None:
        """A window of records from the producer: keys, shards, write limits."""
        t0, t1 = self.feeder.window
        keys = self._keys(len(times))
        ids = self._new_ids(len(times))
        self.produced += len(times)
        self.count_many(self.offered_s, times)
        shard = key_to_shard(keys, self.spec.shards)
        if self.write_cap is None:
            self._write(times, times, keys, ids, shard)
        else:
            self._put(times, keys, ids, shard, t0, t1)
        now = self.env.now
        for s in self.shards:
            s.written(now)

    def _put(self, times, keys, ids, shard, t0, t1) -> None:
        """Kinesis shard write limits, second by second: a throttled put is retried at the
        start of the next second, ahead of that second's new records."""
        cap, max_att, nshards = self.write_cap, self.spec.producer_max_attempts, self.spec.shards
        carry = self._carry or {"arrival": np.empty(0), "key": np.empty(0, np.int64),
                                "id": np.empty(0, np.int64), "shard": np.empty(0, np.int64),
                                "attempt": np.empty(0, np.int32)}
        nc = len(carry["arrival"])
        pool = {"arrival": np.concatenate([carry["arrival"], times]),
                "key": np.concatenate([carry["key"], keys]),
                "id": np.concatenate([carry["id"], ids]),
                "shard": np.concatenate([carry["shard"], shard]),
                "attempt": np.concatenate([carry["attempt"], np.ones(len(times), np.int32)])}
        written = np.concatenate([np.zeros(nc), times])
        secs = np.arange(math.floor(t0), math.ceil(t1))
        bounds = nc + np.searchsorted(times, secs)
        bounds = np.append(bounds, nc + len(times))
        waiting = np.arange(nc)  # pool positions retrying at the next second
        accepted, dropped = [], []
        for k, sec in enumerate(secs):
            new = np.arange(bounds[k], bounds[k + 1])
            if len(waiting):
                written[waiting] = sec
                cand = np.concatenate([waiting, new])
            else:
                cand = new
            sh = pool["shard"][cand]
            counts = np.bincount(sh, minlength=nshards)
            if counts.max(initial=0) <= cap:
                accepted.append(cand)
                waiting = new[:0]
                continue
            order = np.argsort(sh.astype(np.int16), kind="stable")
            first = np.concatenate([[0], np.cumsum(counts)[:-1]])
            rank = np.empty(len(cand), dtype=np.int64)
            rank[order] = np.arange(len(cand)) - first[sh[order]]
            ok = rank < cap
            accepted.append(cand[ok])
            rej = cand[~ok]
            self.write_thr_s[min(int(sec), len(self.write_thr_s) - 1)] += len(rej)
            pool["attempt"][rej] += 1
            out = pool["attempt"][rej] > max_att
            dropped.append(rej[out])
            waiting = rej[~out]
        gone = np.concatenate(dropped) if dropped else np.empty(0, np.int64)
        if len(gone):
            self._drop_unwritten({k: v[gone] for k, v in pool.items()}, written[gone])
        self._carry = {k: v[waiting] for k, v in pool.items()} if len(waiting) else None
        acc = np.concatenate(accepted) if accepted else np.empty(0, np.int64)
        self._write(written[acc], pool["arrival"][acc], pool["key"][acc], pool["id"][acc],
                    pool["shard"][acc])

    def _drop_unwritten(self, rec: dict, when: np.ndarray) -> None:
        """The producer gave up on records the stream throttled: ``dropped``."""
        counted = rec["arrival"] >= self.warmup
        self.counts[DROPPED] += int(counted.sum())
        if self.full:
            self._row(rec["id"], rec["shard"], rec["key"], rec["arrival"], np.nan, when, 0,
                      False, DROPPED)

    def _write(self, written, arrival, keys, ids, shard, backlog: bool = False) -> None:
        """Append accepted records to their shards (each shard's records in write order)."""
        spec = self.spec
        if backlog:
            self.produced += len(written)
        n = len(written)
        cols = {"written": written, "arrival": arrival, "done": np.zeros(n, bool)}
        if "lane" in self.columns:
            cols["lane"] = key_to_lane(keys, spec.parallelization_factor).astype(np.int16)
        if "poison" in self.columns:
            poison = np.zeros(n, bool)
            if spec.poison_rate > 0:
                poison = self._poison_rng.random(n) < spec.poison_rate
            if spec.poison_key is not None:
                poison |= keys == spec.poison_key
            cols["poison"] = poison
        if self.full:
            cols.update(key=keys, id=ids, attempts=np.zeros(n, np.int32))
        if spec.shards == 1:
            self.shards[0].append(cols)
            return
        order = np.argsort(shard.astype(np.int16), kind="stable")
        cuts = np.cumsum(np.bincount(shard, minlength=spec.shards))
        starts = np.concatenate([[0], cuts[:-1]])
        cols = {k: v[order] for k, v in cols.items()}
        for i, s in enumerate(self.shards):
            if cuts[i] > starts[i]:
                s.append({k: v[starts[i]:cuts[i]] for k, v in cols.items()})

    # -- outcomes -----------------------------------------------------------------------
    def count_second(self, arr: np.ndarray, t: float, n: float) -> None:
        arr[min(max(int(t), 0), len(arr) - 1)] += n

    def count_many(self, arr: np.ndarray, times: np.ndarray) -> None:
        if len(times):
            idx = np.clip(times.astype(np.int64), 0, len(arr) - 1)
            arr += np.bincount(idx, minlength=len(arr))

    def iterator_age(self, t: float, age_s: float) -> None:
        ms = age_s * 1e3
        i = min(int(t), len(self.age_s) - 1)
        if not ms <= self.age_s[i]:
            self.age_s[i] = ms
        if t >= self.warmup and not age_s <= self.age_max:
            self.age_max = age_s

    def expire(self, shard: Shard, batch: np.ndarray, now: float) -> np.ndarray:
        """Drop records of ``batch`` past retention (expired) or MaximumRecordAgeInSeconds
        (to the destination, or dropped); return the rest."""
        written = shard.cols["written"]
        loc = batch - shard.base
        oldest = written[loc[0]]
        if oldest >= now - self.retention_s and (
                self.spec.max_record_age_s < 0 or oldest >= now - self.spec.max_record_age_s):
            return batch
        w = written[loc]
        gone = w < now - self.retention_s
        if gone.any():
            self.finish(shard, loc[gone], EXPIRED, now)
        if self.spec.max_record_age_s >= 0:
            old = ~gone & (w < now - self.spec.max_record_age_s)
            if old.any():
                self.finish(shard, loc[old], self.discard, now)
            gone |= old
        return batch[~gone]

    def finish(self, shard: Shard, loc: np.ndarray, outcome: int, end: float,
               start: float = np.nan, cold: bool = False) -> None:
        """Give records (local positions in ``shard``) their outcome, once."""
        if len(loc) == 0:
            return
        cols = shard.cols
        if cols["done"][loc].any():
            raise ConservationError(f"{self.name}: a record of shard {shard.index} ended twice")
        cols["done"][loc] = True
        arrival = cols["arrival"][loc]
        counted = np.maximum(arrival, 0.0) >= self.warmup
        nc = len(loc) if self.warmup <= 0 else int(counted.sum())
        self.counts[outcome] += nc
        if outcome == SUCCEEDED:
            self.count_second(self.succeeded_s, end, len(loc))
            if end >= self.warmup:
                self.done_in_window += len(loc)
            self._lat.append(end - (arrival if nc == len(loc) else arrival[counted]))
            if len(self._lat) >= 512:
                self._flush_latency()
        if self.full:
            self._row(cols["id"][loc], shard.index, cols["key"][loc], arrival, start, end,
                      cols["attempts"][loc], cold, outcome)

    def _row(self, ids, shard, keys, arrival, start, end, attempts, cold, outcome) -> None:
        """Per-record rows for ``Result.events`` (scalars apply to every record)."""
        n = len(ids)
        self._rows.append({"id": ids, "shard": np.broadcast_to(shard, n),
                           "key": keys, "arrival": arrival,
                           "start": np.broadcast_to(start, n), "end": np.broadcast_to(end, n),
                           "attempts": np.broadcast_to(attempts, n),
                           "cold": np.broadcast_to(cold, n),
                           "outcome": np.full(n, outcome, np.int8)})

    def _flush_latency(self) -> None:
        if self._lat:
            lat = np.concatenate(self._lat)
            self._lat = []
            self.latency.add(lat)
            if self.full:
                self._exact.append(lat)

    def completed(self, ctx, start: float, end: float, ok: bool, cold: bool) -> None:
        lane, batch = ctx
        lane.completed(batch, start, end, ok, cold)

    def close(self) -> None:
        """At the horizon: records past retention are expired; the rest are in flight."""
        now = self.horizon
        for shard in self.shards:
            cols = shard.cols
            open_ = np.flatnonzero(~cols["done"])
            if len(open_):
                old = open_[cols["written"][open_] < now - self.retention_s]
                self.finish(shard, old, EXPIRED, now)
        self._flush_latency()
        self.in_flight_rows()

    def in_flight_rows(self) -> None:
        counted_open = 0
        for shard in self.shards:
            cols = shard.cols
            loc = np.flatnonzero(~cols["done"])
            arrival = cols["arrival"][loc]
            counted_open += int((np.maximum(arrival, 0.0) >= self.warmup).sum())
            if self.full and len(loc):
                self._row(cols["id"][loc], shard.index, cols["key"][loc], arrival, np.nan,
                          np.nan, cols["attempts"][loc], False, IN_FLIGHT)
        carry = self._carry
        if carry is not None:
            counted_open += int((carry["arrival"] >= self.warmup).sum())
            if self.full:
                self._row(carry["id"], carry["shard"], carry["key"], carry["arrival"], np.nan,
                          np.nan, 0, False, IN_FLIGHT)
        self.counts[IN_FLIGHT] = counted_open

    # -- results ------------------------------------------------------------------------
    def record_stats(self, warmup: float, horizon: float) -> dict:
        out = {"offered": int(self.counts.sum())}
        out.update({name: int(c) for name, c in zip(OUTCOMES, self.counts, strict=True)})
        if self.full:
            lat = np.concatenate(self._exact) if self._exact else np.empty(0)
            out.update(latency_stats(lat))
        else:
            out.update(self.latency.stats())
        out["throughput_per_s"] = self.done_in_window / (horizon - warmup)
        out["iterator_age_max_s"] = float(self.age_max)
        out["write_throttles"] = int(self.write_thr_s.sum())
        return out

    def metric_samples(self) -> list:
        t = np.arange(len(self.offered_s), dtype=float)
        has_age = ~np.isnan(self.age_s)
        return [
            ("Offered", "sum", t, self.offered_s),
            ("Succeeded", "sum", t, self.succeeded_s),
            ("IteratorAge", "max", t[has_age], self.age_s[has_age]),
            ("GetRecords.Records", "sum", t, self.getrecords_s),
            ("WriteProvisionedThroughputExceeded", "sum", t, self.write_thr_s),
            ("ReadProvisionedThroughputExceeded", "sum", t, self.read_thr_s),
        ]

    def events_frame(self):
        import pandas as pd

        if not self.full:
            return None
        rows = self._rows
        cat = {k: np.concatenate([r[k] for r in rows]) if rows else np.empty(0)
               for k in ("id", "shard", "key", "arrival", "start", "end", "attempts", "cold",
                         "outcome")}
        order = np.argsort(cat["id"], kind="stable")
        return pd.DataFrame({
            "source": self.name, "id": cat["id"][order].astype(np.int64),
            "arrival_s": cat["arrival"][order], "start_s": cat["start"][order],
            "end_s": cat["end"][order], "attempts": cat["attempts"][order].astype(np.int32),
            "cold_start": cat["cold"][order].astype(bool),
            "outcome": pd.Categorical.from_codes(cat["outcome"][order].astype(np.int8),
                                                 OUTCOMES),
            "shard": cat["shard"][order].astype(np.int64),
            "partition_key": cat["key"][order].astype(np.int64)})

    def check(self) -> None:
        """Every produced record is counted in exactly one outcome (warm-up aside)."""
        if self.warmup <= 0 and self.counts.sum() != self.produced:
            raise ConservationError(f"{self.name}: produced {self.produced} records but "
                                    f"counted {int(self.counts.sum())} outcomes")
