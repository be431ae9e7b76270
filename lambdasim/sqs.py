"""Amazon SQS and its Lambda event source mapping: a queue, and pollers reading it in batches.

The queue
- Standard queue: a message is visible from its arrival; a receive makes it invisible (in a
  batch) and increments its receive count. If the batch fails, the message becomes visible
  again ``visibility_timeout_s`` after that receive (or when the batch ends, if later).
  Receives take the messages that became visible again first (earliest returned first), then
  the never-received ones in arrival order.
- FIFO queue (``fifo: true``): every message carries a message group id, drawn uniformly from
  ``message_groups`` groups (default 100; ignored for a standard queue). A group with a message
  in a batch, or waiting out its visibility timeout, is locked: none of its messages is
  received, so a failed message is retried before anything newer of its group and order is
  kept per group. A receive takes as many messages of one group as it can (oldest group head
  first), then moves to the next unlocked group.
- Redrive (``max_receive_count``, null = none): a message received that many times and still
  not deleted is moved to the dead-letter queue at its next receive, as SQS does; it does not
  go into the batch (the receive fills the batch from other messages) -> ``failed``.
- Retention (``retention_s``, 60 s-14 days, default 4 days): a message not deleted within it
  is removed -> ``expired`` (at arrival + retention_s; noticed at the next receive, at the
  once-a-second bookkeeping for never-received messages, or at the horizon).
- Outcomes: ``succeeded`` (deleted after its batch succeeded), ``failed`` (moved to the DLQ),
  ``expired``, ``in_flight`` (still in the queue or in a batch at the horizon); ``dropped`` and
  ``rejected`` are always 0. ``attempts`` is the receive count (ApproximateReceiveCount).

The pollers (the event source mapping)
- The mapping has a target number of pollers, each with at most one batch in flight, so the
  mapping's concurrency never exceeds the target. The target starts at 5 (at least
  ``min_pollers``, at most the cap) and, once a second, grows by 300/60 = 5 (``scaling_rule:
  "2023"``; ``"legacy"``: 60/60 = 1) while every poller is busy and messages are waiting, up
  to 1,250 (legacy 1,000) or ``max_concurrency`` (MaximumConcurrency, 2-1,000) if set.
- Scale-down: once a minute the target drops by the number of pollers that stayed idle
  through the whole minute (the fewest idle at any moment of it), not below ``min_pollers``
  (default 5; AWS goes down to 2).
- A poller long-polls: with visible messages it receives up to ``batch_size`` at once; with
  none it waits until one becomes visible (the 20 s long-poll timeout and re-poll change
  nothing in the model and are not simulated). With ``batching_window_s`` > 0 a poller that
  receives fewer than ``batch_size`` keeps gathering until the batch is full or the window
  (counted from its first receive) has passed; one poller gathers at a time, the others wait
  or take full batches. A batch is also capped at the 6 MB payload limit
  (6,291,456 / the workload's ``record_bytes``).
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
  can send messages to the DLQ). The target drops to the number of batches in flight (not
  below ``min_pollers``), the throttled poller retires if over the target or else sleeps, and
  growth pauses for a backoff of 1 s, doubling with every new throttle episode within a
  minute of the previous throttle, up to 60 s.
- A message is never in two batches at once: the model assumes the visibility timeout is
  long enough (validation requires it to be >= the function timeout; AWS advises 6 x the
  timeout + the batching window).

Metrics (per second): ApproximateNumberOfMessagesVisible (messages neither in a batch nor
waiting out a visibility timeout; on a FIFO queue this includes those behind a locked group)
and ApproximateNumberOfMessagesNotVisible (max, sampled once a second),
ApproximateAgeOfOldestMessage (max, seconds, sampled once a second: the oldest
message not yet deleted, in a batch or not; as in SQS, messages received three times or more
are left out), NumberOfMessagesReceived and NumberOfMessagesDeleted (sum), Offered and
Succeeded (sum). Series have 1 s resolution, so any period that is a whole number of seconds
is exact.

Implementation: messages live in numpy columns indexed by id (ids follow arrival order),
appended one 10 s window of arrivals at a time; the finished prefix is dropped, so memory is
bounded by the messages since the oldest unfinished one (a message retried for minutes keeps
minutes of arrivals; one that never leaves, with no redrive, keeps everything after it) plus
the per-second metric arrays. A batch is an id array and per-message work at batch end is
vectorised; events are polls, batch ends and one bookkeeping tick per simulated second, never
one per message. Below capacity a long-polling poller takes a message as soon as it arrives,
so batches (and events) are then about one per message, as they are in AWS.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from typing import Annotated, Literal

import numpy as np
from pydantic import AliasChoices, Field, model_validator

from ._validation import ScenarioError, Spec, limits
from .events import (
    EXPIRED,
    FAILED,
    IN_FLIGHT,
    OUTCOMES,
    SUCCEEDED,
    ConservationError,
    Feeder,
    Ledger,
    ledger_stats,
)
from .histogram import LatencyHistogram
from .workload import Workload

#: scaling rule -> (pollers added per minute, most pollers)
SCALING = {"2023": (300, 1250), "legacy": (60, 1000)}
START_POLLERS = 5
TICK_S = 1.0  # bookkeeping: scaling, metric samples
SCALE_DOWN_S = 60.0
BACKOFF_MIN_S, BACKOFF_MAX_S, BACKOFF_RESET_S = 1.0, 60.0, 60.0
PAYLOAD_BYTES = 6 * 1024 * 1024
AGE_SKIP_RECEIVES = 3  # ApproximateAgeOfOldestMessage ignores messages received 3+ times
EPS = 1e-9  # timer round-off when comparing event times with arrival / visibility times

QUEUED, IN_BATCH, DONE = 0, 1, 2
BUSY, WAIT, RETIRED = 0, 1, 2


def _alias(*names: str):
    return AliasChoices(*names)


class SqsSourceSpec(Spec):
    """An SQS queue read by a Lambda event source mapping."""

    name: str = Field(min_length=1)
    kind: Literal["sqs"] = "sqs"
    function: str
    workload: Workload
    fifo: bool = False
    message_groups: Annotated[int, limits(1, 1_000_000, "FIFO message group ids")] = 100
    batch_size: Annotated[int, limits(1, 10000, "SQS BatchSize")] = Field(
        10, validation_alias=_alias("batch_size", "BatchSize"))
    batching_window_s: Annotated[float, limits(0, 300, "MaximumBatchingWindowInSeconds")] = Field(
        0.0, validation_alias=_alias("batching_window_s", "MaximumBatchingWindowInSeconds"))
    max_concurrency: Annotated[int | None, limits(2, 1000, "SQS MaximumConcurrency")] = Field(
        None, validation_alias=_alias("max_concurrency", "MaximumConcurrency"))
    visibility_timeout_s: Annotated[float, limits(0, 43200, "SQS VisibilityTimeout, seconds")] = (
        Field(30.0, validation_alias=_alias("visibility_timeout_s", "VisibilityTimeout")))
    max_receive_count: Annotated[int | None, limits(1, 1000, "redrive maxReceiveCount")] = Field(
        5, validation_alias=_alias("max_receive_count", "maxReceiveCount"))
    retention_s: Annotated[float, limits(60, 1209600, "SQS MessageRetentionPeriod")] = Field(
        345600.0, validation_alias=_alias("retention_s", "MessageRetentionPeriod"))
    report_batch_item_failures: bool = False
    poison_rate: Annotated[float, limits(0, 1, "probability")] = 0.0
    scaling_rule: Literal["2023", "legacy"] = "2023"
    min_pollers: Annotated[int, limits(2, 1250, "pollers kept when idle; AWS: 2-5")] = 5

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


def _visibility_problem(i: int, spec: SqsSourceSpec, timeout_s: float) -> str | None:
    vt = spec.visibility_timeout_s
    if vt >= timeout_s:
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


# -- the messages -------------------------------------------------------------------------
class _Store:
    """Per-message columns, row = id - base. Ids below ``head`` are all finished; the finished
    prefix is dropped when the arrays are reallocated."""

    _COLS = {"arrival": float, "receives": np.int32, "poison": bool, "state": np.int8}

    def __init__(self):
        self.base = self.head = self.n = 0
        for name, dt in self._COLS.items():
            setattr(self, name, np.zeros(4096, dtype=dt))

    def add(self, arrival, poison) -> int:
        first, k = self.n, len(arrival)
        if first + k - self.base > len(self.arrival):
            self._realloc(k)
        r = first - self.base
        self.arrival[r:r + k] = arrival
        self.receives[r:r + k] = 0
        self.poison[r:r + k] = poison
        self.state[r:r + k] = QUEUED
        self.n += k
        return first

    def _realloc(self, extra: int) -> None:
        self.advance()
        live = self.n - self.head
        cap = max(4096, 2 * (live + extra))
        lo = self.head - self.base
        for name in self._COLS:
            old = getattr(self, name)
            new = np.zeros(cap, dtype=old.dtype)
            new[:live] = old[lo:lo + live]
            setattr(self, name, new)
        self.base = self.head

    def advance(self) -> None:
        """Move ``head`` past finished messages."""
        h, n = self.head - self.base, self.n - self.base
        while h < n:
            blk = self.state[h:min(n, h + 8192)]
            nz = np.flatnonzero(blk != DONE)
            if len(nz):
                h += int(nz[0])
                break
            h += len(blk)
        self.head = h + self.base

    def oldest(self, arrived: int) -> float | None:
        """Arrival time of the oldest unfinished message received fewer than 3 times."""
        h, n = self.head - self.base, arrived - self.base
        while h < n:
            e = min(n, h + 8192)
            ok = (self.state[h:e] != DONE) & (self.receives[h:e] < AGE_SKIP_RECEIVES)
            nz = np.flatnonzero(ok)
            if len(nz):
                return float(self.arrival[h + nz[0]])
            h = e
        return None


class _IdQueue:
    """A FIFO of message ids in a numpy buffer (one per message group)."""

    __slots__ = ("buf", "h", "t")

    def __init__(self):
        self.buf = np.empty(8, dtype=np.int64)
        self.h = self.t = 0

    def __len__(self) -> int:
        return self.t - self.h

    def first(self) -> int:
        return int(self.buf[self.h])

    def extend(self, ids: np.ndarray) -> None:
        k = len(ids)
        if self.t + k > len(self.buf):
            live = self.t - self.h
            new = np.empty(max(8, 2 * (live + k)), dtype=np.int64)
            new[:live] = self.buf[self.h:self.t]
            self.buf, self.h, self.t = new, 0, live
        self.buf[self.t:self.t + k] = ids
        self.t += k

    def peek(self, k: int) -> np.ndarray:
        return self.buf[self.h:min(self.t, self.h + k)]

    def pop(self, k: int) -> np.ndarray:
        out = self.buf[self.h:self.h + k].copy()
        self.h += len(out)
        return out

    def push_front(self, ids: np.ndarray) -> None:
        k = len(ids)
        if k <= self.h:
            self.h -= k
            self.buf[self.h:self.h + k] = ids
        else:
            live = self.buf[self.h:self.t]
            self.buf = np.concatenate([ids, live, np.empty(len(live) + k, dtype=np.int64)])
            self.h, self.t = 0, k + len(live)


class _Batch:
    """Messages received by one poller: ids, FIFO group segments, time of first receive."""

    __slots__ = ("ids", "segs", "received", "parts", "deadline", "poisoned")

    def __init__(self, ids: np.ndarray, segs, received: float):
        self.ids, self.segs, self.received = ids, segs, received
        self.parts: list[np.ndarray] = [ids]
        self.deadline = received
        self.poisoned: np.ndarray | None = None


class _Queue:
    """What standard and FIFO queues share: the message store and the outcome counters."""

    def __init__(self, spec: SqsSourceSpec, on_finish):
        self.store = _Store()
        self.on_finish = on_finish
        self.retention = spec.retention_s
        self.mrc = spec.max_receive_count
        self.win_first = 0
        self.win_arr = np.empty(0)
        self._arrived_at: float | None = None
        self._arrived = 0
        self.n_done = self.n_in_batch = self.n_invisible = 0
        self.seq = 0

    def add(self, arrival, poison, group) -> int:
        self.win_first = self.store.n
        self.win_arr = arrival
        self._arrived_at = None
        return self.store.add(arrival, poison)

    def arrived(self, now: float) -> int:
        """Number of messages that have arrived by ``now``."""
        if now != self._arrived_at:
            self._arrived_at = now
            self._arrived = self.win_first + int(self.win_arr.searchsorted(now + EPS, "right"))
        return self._arrived

    def visible(self, now: float) -> int:
        self.release(now)
        return self.arrived(now) - self.n_done - self.n_in_batch - self.n_invisible

    def finish(self, ids: np.ndarray, outcome: int, end) -> None:
        if not len(ids):
            return
        st = self.store
        rows = ids - st.base
        if st.state[rows].max() == DONE:
            raise ConservationError(f"SQS message ended twice ({OUTCOMES[outcome]})")
        st.state[rows] = DONE
        self.n_done += len(ids)
        self.on_finish(ids, rows, outcome, end)

    def _screen(self, ids: np.ndarray, now: float) -> np.ndarray:
        """Finish received messages past retention (expired) or past maxReceiveCount (to the
        DLQ); return the rest."""
        st = self.store
        rows = ids - st.base
        arrival = st.arrival[rows]
        old = arrival + self.retention <= now + EPS
        bad = old
        if old.any():
            self.finish(ids[old], EXPIRED, arrival[old] + self.retention)
        if self.mrc is not None:
            dlq = (st.receives[rows] >= self.mrc) & ~old
            if dlq.any():
                self.finish(ids[dlq], FAILED, now)
                bad = bad | dlq
        return ids[~bad] if bad.any() else ids

    def _mark_received(self, ids: np.ndarray, contiguous: bool = False) -> None:
        n = len(ids)
        if not n:
            return
        st = self.store
        rows = slice(int(ids[0]) - st.base, int(ids[0]) - st.base + n) if contiguous else (
            ids - st.base)
        st.receives[rows] += 1
        st.state[rows] = IN_BATCH
        self.n_in_batch += n

    def expire(self, now: float) -> None:  # pragma: no cover - overridden
        pass


class _StandardQueue(_Queue):
    def __init__(self, spec, on_finish):
        super().__init__(spec, on_finish)
        self.fresh = 0  # first id never received
        self.returning: list = []  # heap of (visible_at, seq, ids)
        self.ready: deque[np.ndarray] = deque()  # returned messages visible again
        self.n_ready = 0

    def release(self, now: float) -> None:
        r = self.returning
        while r and r[0][0] <= now + EPS:
            ids = heapq.heappop(r)[2]
            self.ready.append(ids)
            self.n_ready += len(ids)
            self.n_invisible -= len(ids)

    def expire(self, now: float) -> None:
        """Never-received messages past retention (they are in arrival order)."""
        st = self.store
        lo, hi = self.fresh - st.base, self.arrived(now) - st.base
        if hi <= lo or st.arrival[lo] + self.retention > now + EPS:
            return
        j = int(np.searchsorted(st.arrival[lo:hi], now + EPS - self.retention, side="right"))
        if j:
            ids = np.arange(self.fresh, self.fresh + j)
            self.fresh += j
            self.finish(ids, EXPIRED, st.arrival[lo:lo + j] + self.retention)

    def receivable(self, now: float) -> bool:
        return self.visible(now) > 0

    def next_time(self, now: float) -> float | None:
        """When a message next becomes visible (``now`` if one is)."""
        if self.visible(now) > 0:
            return now
        t = math.inf
        a = self.arrived(now)
        if a < self.store.n:
            t = float(self.store.arrival[a - self.store.base])
        if self.returning:
            t = min(t, self.returning[0][0])
        return None if t == math.inf else t

    def fill_time(self, now: float, need: int) -> float:
        """When ``need`` more messages will have become visible, as far as is known now."""
        t = math.inf
        i = self.fresh + max(0, need - 1 - self.n_ready)
        if i < self.store.n:
            t = float(self.store.arrival[i - self.store.base])
        if self.returning:
            t = min(t, self.returning[0][0])
        return max(t, now)

    def _take(self, now: float, k: int) -> np.ndarray | None:
        if self.ready:
            ids = self.ready.popleft()
            if len(ids) > k:
                self.ready.appendleft(ids[k:])
                ids = ids[:k]
            self.n_ready -= len(ids)
            return self._screen(ids, now)
        m = min(k, self.arrived(now) - self.fresh)
        if m <= 0:
            return None
        ids = np.arange(self.fresh, self.fresh + m)  # never received, within retention
        self.fresh += m
        return ids

    def receive(self, now: float, k: int):
        """Receive up to ``k`` messages: (ids, None)."""
        self.release(now)
        self.expire(now)
        got, n = [], 0
        fresh0 = self.fresh
        while n < k:
            ids = self._take(now, k - n)
            if ids is None:
                break
            if len(ids):
                got.append(ids)
                n += len(ids)
        if len(got) == 1:
            ids = got[0]
            self._mark_received(ids, contiguous=self.fresh - fresh0 == n)  # one fresh range
        else:
            ids = np.concatenate(got) if got else np.empty(0, dtype=np.int64)
            self._mark_received(ids)
        return ids, None

    def settle(self, batch: _Batch, ok: np.ndarray | None, now: float,
               visible_at: float) -> None:
        """The batch ended at ``now``: delete the ``ok`` messages (None: all), return the rest
        at ``visible_at``."""
        ids = batch.ids
        self.n_in_batch -= len(ids)
        if ok is None:
            self.finish(ids, SUCCEEDED, now)
            return
        self.finish(ids[ok], SUCCEEDED, now)
        back = ids[~ok]
        if len(back):
            self.store.state[back - self.store.base] = QUEUED
            self.n_invisible += len(back)
            heapq.heappush(self.returning, (visible_at, self.seq, back))
            self.seq += 1


class _FifoQueue(_Queue):
    def __init__(self, spec, on_finish):
        super().__init__(spec, on_finish)
        self.groups: dict[int, _IdQueue] = {}
        self.locked = np.zeros(spec.message_groups, dtype=bool)
        self.ready: list = []  # heap of (head arrival, group) of unlocked groups
        self.unlocks: list = []  # heap of (visible_at, seq, groups, messages)

    def _head(self, g: int) -> float:
        return float(self.store.arrival[self.groups[g].first() - self.store.base])

    def add(self, arrival, poison, group) -> int:
        first = super().add(arrival, poison, group)
        if len(arrival):
            order = np.argsort(group, kind="stable")
            gs = group[order]
            cuts = np.flatnonzero(np.diff(gs)) + 1
            starts = np.concatenate([[0], cuts])
            ends = np.concatenate([cuts, [len(gs)]])
            ids = order + first
            for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
                g = int(gs[s])
                q = self.groups.get(g)
                if q is None:
                    q = self.groups[g] = _IdQueue()
                was_empty = len(q) == 0
                q.extend(ids[s:e])
                if was_empty and not self.locked[g]:
                    heapq.heappush(self.ready, (float(arrival[order[s]]), g))
        return first

    def _unlock(self, g: int) -> None:
        self.locked[g] = False
        q = self.groups[g]
        if len(q):
            heapq.heappush(self.ready, (self._head(g), g))

    def release(self, now: float) -> None:
        u = self.unlocks
        while u and u[0][0] <= now + EPS:
            _, _, groups, n = heapq.heappop(u)
            self.n_invisible -= n
            for g in groups:
                self._unlock(g)

    def _top(self) -> float | None:
        """Head arrival of the first unlocked group with messages (stale entries dropped)."""
        r = self.ready
        while r:
            a, g = r[0]
            q = self.groups.get(g)
            if self.locked[g] or q is None or not len(q) or self._head(g) != a:
                heapq.heappop(r)
                continue
            return a
        return None

    def receivable(self, now: float) -> bool:
        self.release(now)
        a = self._top()
        return a is not None and a <= now + EPS

    def next_time(self, now: float) -> float | None:
        self.release(now)
        a = self._top()
        t = math.inf if a is None else max(a, now)
        if self.unlocks:
            t = min(t, self.unlocks[0][0])
        return None if t == math.inf else t

    def expire(self, now: float) -> None:
        pass  # noticed at receive and at the horizon

    def receive(self, now: float, k: int):
        """Receive up to ``k`` messages, whole groups first: (ids, [(group, count), ...])."""
        self.release(now)
        st = self.store
        got, segs, n = [], [], 0
        while n < k:
            a = self._top()
            if a is None or a > now + EPS:
                break
            g = heapq.heappop(self.ready)[1]
            q = self.groups[g]
            head = q.peek(k - n)
            m = int(np.searchsorted(st.arrival[head - st.base], now + EPS, side="right"))
            good = self._screen(q.pop(m), now)
            if len(good):
                self.locked[g] = True
                got.append(good)
                segs.append((g, len(good)))
                n += len(good)
            elif len(q):
                heapq.heappush(self.ready, (self._head(g), g))
        ids = np.concatenate(got) if got else np.empty(0, dtype=np.int64)
        self._mark_received(ids)
        return ids, segs

    def settle(self, batch: _Batch, ok: np.ndarray | None, now: float,
               visible_at: float) -> None:
        ids = batch.ids
        self.n_in_batch -= len(ids)
        if ok is None:
            ok = np.ones(len(ids), dtype=bool)
        self.finish(ids[ok], SUCCEEDED, now)
        held, n_back, o = [], 0, 0
        for g, c in batch.segs:
            seg_ok = ok[o:o + c]
            if seg_ok.all():
                self._unlock(g)
            else:
                back = ids[o:o + c][~seg_ok]
                self.store.state[back - self.store.base] = QUEUED
                self.groups[g].push_front(back)
                held.append(g)
                n_back += len(back)
            o += c
        if held:
            self.n_invisible += n_back
            heapq.heappush(self.unlocks, (visible_at, self.seq, held, n_back))
            self.seq += 1


class _Tally:
    """Stands in for a ledger when no per-message table is kept."""

    def __init__(self, store: _Store):
        self._store = store

    @property
    def n(self) -> int:
        return self._store.n


# -- the event source mapping ---------------------------------------------------------------
class SqsSource:
    """Run-time state of one SQS queue and its event source mapping."""

    def __init__(self, spec: SqsSourceSpec, index: int, engine):
        self.spec, self.index, self.name = spec, index, spec.name
        self.env = engine.env
        self.function = engine.functions[spec.function]
        problem = _visibility_problem(index, spec, self.function.spec.timeout_s)
        if problem:
            raise ScenarioError(problem)
        self.horizon = float(engine.horizon)
        self.warmup = float(engine.scenario.warmup_s)
        self.full = engine.record_detail == "full"
        self.rng = engine.rng("source", spec.name)
        self._poison_rng, self._group_rng = self.rng.spawn(2)
        per_min, most = SCALING[spec.scaling_rule]
        self.cap = min(most, spec.max_concurrency or most)
        self.floor = min(spec.min_pollers, self.cap)
        self.growth = max(1, round(per_min * TICK_S / 60.0))
        self.batch_size = min(spec.batch_size,
                              max(1, PAYLOAD_BYTES // spec.workload.record_bytes))
        self.window = spec.batching_window_s
        self.vt = spec.visibility_timeout_s
        queue_cls = _FifoQueue if spec.fifo else _StandardQueue
        self.queue = queue_cls(spec, self._on_finish)
        self.ledger = (Ledger(spec.name, {"group": np.int32} if spec.fifo else None)
                       if self.full else _Tally(self.queue.store))
        # pollers
        self.target = min(max(START_POLLERS, spec.min_pollers), self.cap)
        self.n_pollers = self.n_busy = self.n_waiting = 0
        self._min_waiting = 0
        self._filler: _Batch | None = None
        self._fill_token = 0
        self._wake_at: float | None = None
        self._wake_token = 0
        self._pause_until = -math.inf
        self._last_throttle = -math.inf
        self._backoff = BACKOFF_MIN_S
        # results
        self._counts = [0] * len(OUTCOMES)  # messages arriving at or after warmup
        self._counts_all = [0] * len(OUTCOMES)
        self._offered_w = 0
        self._ok_in_window = 0
        self._hist = LatencyHistogram()
        self._lat: list[np.ndarray] = []  # latencies not yet in the histogram
        self._age_max = math.nan
        nb = int(math.ceil(self.horizon / TICK_S)) + 1
        self._sum = {k: np.zeros(nb) for k in (
            "Offered", "Succeeded", "NumberOfMessagesReceived")}  # Deleted = Succeeded
        self._max = {k: np.full(nb, np.nan) for k in (
            "ApproximateNumberOfMessagesVisible", "ApproximateNumberOfMessagesNotVisible",
            "ApproximateAgeOfOldestMessage")}
        self._closed = False

    # -- arrivals ---------------------------------------------------------------------------
    def start(self, engine) -> None:
        stream = self.spec.workload.stream(engine.rng("arrivals", self.name))
        self.feeder = Feeder(self.env, stream, self.horizon, self._on_window).start()
        self._spawn(self.target)
        self._min_waiting = self.n_waiting
        self._next_scale_down = SCALE_DOWN_S
        self._tick(None)

    def _on_window(self, arrivals: np.ndarray) -> None:
        k = len(arrivals)
        spec = self.spec
        poison = (self._poison_rng.random(k) < spec.poison_rate if spec.poison_rate > 0
                  else np.zeros(k, dtype=bool))
        group = (self._group_rng.integers(0, spec.message_groups, k).astype(np.int32)
                 if spec.fifo else np.zeros(k, dtype=np.int32))
        first = self.queue.add(arrivals, poison, group)
        if self.full:
            self.ledger.add(arrivals)
            if spec.fifo:
                self.ledger.group[first:first + k] = group
        if k:
            self._offered_w += int(np.count_nonzero(arrivals >= self.warmup))
            self._bin_sum("Offered", arrivals, 1.0)
        if self._filler is not None:
            self._fill_schedule()
        self._wake_waiting()

    # -- outcomes and metrics -----------------------------------------------------------------
    def _bin_sum(self, metric: str, t, n) -> None:
        arr = self._sum[metric]
        if isinstance(t, np.ndarray):
            idx = np.minimum((np.asarray(t) / TICK_S).astype(np.int64), len(arr) - 1)
            np.add.at(arr, idx, n)
        else:
            arr[min(int(t / TICK_S), len(arr) - 1)] += n

    def _bin_max(self, metric: str, t: float, v: float) -> None:
        arr = self._max[metric]
        i = min(int(t / TICK_S), len(arr) - 1)
        if not v <= arr[i]:  # also when NaN
            arr[i] = v

    def _on_finish(self, ids, rows, outcome: int, end) -> None:
        arrival = self.queue.store.arrival[rows]
        n = len(ids)
        if arrival[0] >= self.warmup and (n == 1 or arrival.min() >= self.warmup):
            nc, counted = n, None
        else:
            counted = arrival >= self.warmup
            nc = int(np.count_nonzero(counted))
        self._counts[outcome] += nc
        self._counts_all[outcome] += n
        if outcome == SUCCEEDED:  # end is the batch's end time
            if nc:
                lat = self._lat
                lat.append(end - (arrival if counted is None else arrival[counted]))
                if len(lat) >= 2048:
                    self._flush_latency()
            if end >= self.warmup:
                self._ok_in_window += n
            self._bin_sum("Succeeded", end, n)
        if self.full:
            led = self.ledger
            if (led.outcome[ids] != IN_FLIGHT).any():
                raise ConservationError(f"{self.name}: a message ended twice")
            led.outcome[ids] = outcome
            led.end[ids] = end

    def _flush_latency(self) -> None:
        if self._lat:
            self._hist.add(np.concatenate(self._lat))
            self._lat = []

    # -- pollers ------------------------------------------------------------------------------
    def _spawn(self, k: int) -> None:
        for _ in range(k):
            self.n_pollers += 1
            self._poll()

    def _poll(self) -> int:
        """A free poller asks for work: BUSY (a batch, or gathering one), WAIT or RETIRED."""
        if self.n_pollers > self.target:
            self.n_pollers -= 1
            return RETIRED
        now = self.env.now
        q, b = self.queue, self.batch_size
        if self.window > 0:
            vis = q.visible(now)
            if vis == 0 or (vis < b and self._filler is not None):
                return self._wait()
        elif not q.receivable(now):
            return self._wait()
        ids, segs = q.receive(now, b)
        if not len(ids):
            return self._wait()
        batch = _Batch(ids, segs, now)
        self._received(ids, now)
        if self.window > 0 and len(ids) < b:
            batch.deadline = now + self.window
            self._filler = batch
            self._fill_schedule()
            return BUSY
        self._invoke(batch)
        return BUSY

    def _wait(self) -> int:
        self.n_waiting += 1
        self._arm()
        return WAIT

    def _received(self, ids: np.ndarray, now: float) -> None:
        self._bin_sum("NumberOfMessagesReceived", now, len(ids))
        if self.full:
            self.ledger.attempts[ids] = self.queue.store.receives[ids - self.queue.store.base]

    def _worth_waking(self, now: float) -> bool:
        if self.window > 0:
            vis = self.queue.visible(now)
            return vis >= self.batch_size or (vis > 0 and self._filler is None)
        return self.queue.receivable(now)

    def _wake_waiting(self) -> None:
        now = self.env.now
        while self.n_waiting > 0 and self._worth_waking(now):
            self.n_waiting -= 1
            self._min_waiting = min(self._min_waiting, self.n_waiting)
            if self._poll() == WAIT:
                break
        self._arm()

    def _arm(self) -> None:
        """Keep one timer pending for when a message next becomes receivable."""
        if self.n_waiting == 0 or (self.window > 0 and self._filler is not None):
            return
        now = self.env.now
        t = self.queue.next_time(now)
        if t is None:
            return
        t = max(t, now)
        if self._wake_at is not None and self._wake_at <= t:
            return
        self._wake_at = t
        self._wake_token += 1
        self.env.timeout(t - now, self._wake_token).callbacks.append(self._wake)

    def _wake(self, ev) -> None:
        if ev.value != self._wake_token:
            return
        self._wake_at = None
        self._wake_waiting()

    # batching window (standard queues only)
    def _fill_schedule(self) -> None:
        b, now = self._filler, self.env.now
        need = self.batch_size - sum(len(p) for p in b.parts)
        t = min(b.deadline, self.queue.fill_time(now, need))
        self._fill_token += 1
        self.env.timeout(max(t - now, 0.0), self._fill_token).callbacks.append(self._fill)

    def _fill(self, ev) -> None:
        b = self._filler
        if ev.value != self._fill_token or b is None:
            return
        now = self.env.now
        have = sum(len(p) for p in b.parts)
        need = self.batch_size - have
        if need > 0 and self.queue.visible(now) > 0:
            ids, _ = self.queue.receive(now, need)
            if len(ids):
                b.parts.append(ids)
                self._received(ids, now)
                have += len(ids)
        if have >= self.batch_size or now >= b.deadline - EPS:
            self._filler = None
            b.ids = np.concatenate(b.parts) if len(b.parts) > 1 else b.parts[0]
            self._invoke(b)
            self._wake_waiting()
        else:
            self._fill_schedule()

    # invocation
    def _invoke(self, batch: _Batch) -> None:
        now = self.env.now
        ids = batch.ids
        st = self.queue.store
        poisoned = st.poison[ids - st.base] if self.spec.poison_rate > 0 else None
        # without ReportBatchItemFailures a poison message makes the handler raise
        raises = (poisoned is not None and not self.spec.report_batch_item_failures
                  and bool(poisoned.any()))
        reason = self.function.invoke(self, len(ids), batch, fail=raises)
        if reason is None:
            self.n_busy += 1
            batch.poisoned = poisoned
            if self.full:
                self.ledger.start[ids] = now
            return
        # throttled: the messages come back after the visibility timeout
        self.queue.settle(batch, np.zeros(len(ids), dtype=bool), now,
                          max(now, batch.received + self.vt))
        self._arm()  # waiting pollers must see them come back
        self.target = max(self.floor, min(self.target, self.n_busy))
        if now >= self._pause_until:  # a new throttle episode
            if now - self._last_throttle > BACKOFF_RESET_S:
                self._backoff = BACKOFF_MIN_S
            else:
                self._backoff = min(BACKOFF_MAX_S, 2 * self._backoff)
            self._pause_until = now + self._backoff
        self._last_throttle = now
        if self.n_pollers > self.target:
            self.n_pollers -= 1
            return
        self.env.timeout(self._pause_until - now).callbacks.append(self._woke)

    def _woke(self, _ev) -> None:
        self._poll()
        self._wake_waiting()

    def completed(self, batch: _Batch, start: float, end: float, ok: bool,
                  cold: bool) -> None:
        """Called by the function when the batch's invocation ends."""
        self.n_busy -= 1
        ids = batch.ids
        n = len(ids)
        if not ok:
            good = np.zeros(n, dtype=bool)
        elif batch.poisoned is None or not batch.poisoned.any():
            good = None  # all
        elif not self.spec.report_batch_item_failures:
            good = np.zeros(n, dtype=bool)
        elif self.spec.fifo:  # the first failure and everything after it come back
            good = np.arange(n) < int(np.argmax(batch.poisoned))
        else:
            good = ~batch.poisoned
        if self.full:
            self.ledger.cold[ids] = cold
        self.queue.settle(batch, good, end, max(end, batch.received + self.vt))
        if self._poll() != WAIT:  # if this poller found nothing, neither will the others
            self._wake_waiting()

    # -- once a second: scaling and metric samples ---------------------------------------------
    def _tick(self, _ev) -> None:
        now = self.env.now
        q = self.queue
        q.release(now)
        q.expire(now)
        q.store.advance()
        arrived = q.arrived(now)
        vis = arrived - q.n_done - q.n_in_batch - q.n_invisible
        oldest = q.store.oldest(arrived)
        age = 0.0 if oldest is None else max(0.0, now - oldest)
        self._bin_max("ApproximateNumberOfMessagesVisible", now, vis)
        self._bin_max("ApproximateNumberOfMessagesNotVisible", now, q.n_in_batch + q.n_invisible)
        self._bin_max("ApproximateAgeOfOldestMessage", now, age)
        if now >= self.warmup and not age <= self._age_max:
            self._age_max = age
        # scale up while every poller is busy and messages wait
        if (now >= self._pause_until and self.n_waiting == 0 and self.target < self.cap
                and (vis > 0 if self.window > 0 else q.receivable(now))):
            self.target = min(self.cap, self.target + self.growth)
            self._spawn(max(0, self.target - self.n_pollers))
        # scale down: retire the pollers idle through the whole last minute
        if now >= self._next_scale_down - EPS:
            self._next_scale_down += SCALE_DOWN_S
            if self._min_waiting > 0 and self.target > self.floor:
                self.target = max(self.floor, self.target - self._min_waiting)
                k = min(self.n_waiting, max(0, self.n_pollers - self.target))
                self.n_waiting -= k
                self.n_pollers -= k
            self._min_waiting = self.n_waiting
        self._wake_waiting()
        if now + TICK_S < self.horizon:
            self.env.timeout(TICK_S).callbacks.append(self._tick)

    # -- results -------------------------------------------------------------------------------
    def close(self) -> None:
        """At the horizon: queued messages past retention are expired, the rest in flight."""
        if self._closed:
            return
        self._closed = True
        q, st, h = self.queue, self.queue.store, self.horizon
        st.advance()
        lo, hi = st.head - st.base, st.n - st.base
        state, arrival = st.state[lo:hi], st.arrival[lo:hi]
        old = (state == QUEUED) & (arrival + q.retention <= h + EPS)
        if old.any():
            q.finish(np.flatnonzero(old) + st.head, EXPIRED, arrival[old] + q.retention)
        left = state != DONE  # the view sees the expiries just made
        self._in_flight_all = int(np.count_nonzero(left))
        self._counts[0] = int(np.count_nonzero(left & (arrival >= self.warmup)))
        self._counts_all[0] = self._in_flight_all

    def check(self) -> None:
        """Every message the workload produced ends in exactly one outcome."""
        self.close()
        produced = self.feeder.offered
        if produced != self.queue.store.n or sum(self._counts_all) != produced:
            raise ConservationError(
                f"{self.name}: produced {produced} messages, stored {self.queue.store.n}, "
                f"counted {sum(self._counts_all)} outcomes")
        if sum(self._counts) != self._offered_w:
            raise ConservationError(f"{self.name}: offered {self._offered_w} after warm-up, "
                                    f"counted {sum(self._counts)} outcomes")

    def record_stats(self, warmup: float, horizon: float) -> dict:
        self.close()
        if self.full:
            out = ledger_stats(self.ledger, warmup, horizon)
        else:
            if warmup != self.warmup:
                raise ValueError(f"warmup = {warmup:g}: histogram detail keeps counts for "
                                 f"the scenario's warmup_s ({self.warmup:g}) only")
            out = {"offered": self._offered_w}
            out.update({name: int(c) for name, c in zip(OUTCOMES, self._counts, strict=True)})
            self._flush_latency()
            out.update(self._hist.stats())
            out["throughput_per_s"] = self._ok_in_window / (horizon - warmup)
        out["queue_age_max_s"] = float(self._age_max)
        return out

    def events_frame(self):
        if not self.full:
            return None
        import pandas as pd

        self.close()
        led = self.ledger
        out = led.view("outcome")
        frame = {
            "source": self.name,
            "id": np.arange(led.n),
            "arrival_s": led.view("arrival"),
            "start_s": led.view("start"),
            "end_s": np.where(out == IN_FLIGHT, np.nan, led.view("end")),
            "attempts": led.view("attempts"),
            "cold_start": led.view("cold"),
            "outcome": pd.Categorical.from_codes(out, OUTCOMES),
        }
        if self.spec.fifo:
            frame["message_group"] = led.view("group")
        return pd.DataFrame(frame)

    def metric_samples(self) -> list:
        """Per-second series (see the module docstring)."""
        self.close()
        t = np.arange(len(self._sum["Offered"])) * TICK_S
        out = [(k, "sum", t, v) for k, v in self._sum.items()]
        out.append(("NumberOfMessagesDeleted", "sum", t, self._sum["Succeeded"]))
        for k, v in self._max.items():
            has = ~np.isnan(v)
            out.append((k, "max", t[has], v[has]))
        return out
