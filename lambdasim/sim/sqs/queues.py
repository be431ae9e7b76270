"""The SQS queue: messages, visibility timeout, redrive, retention; the standard queue (the
FIFO queue is :mod:`.fifo`).

- Standard queue: a message is visible from its arrival; a receive makes it invisible (in a
  batch) and increments its receive count. If the batch fails, the message becomes visible
  again ``visibility_timeout_s`` after that receive (or when the batch ends, if later).
  Receives take the messages that became visible again first (earliest returned first), then
  the never-received ones in arrival order.
- Redrive (``max_receive_count``, null = none): a message received that many times and still
  not deleted is moved to the dead-letter queue at its next receive, as SQS does; it does not
  go into the batch (the receive fills the batch from other messages) -> ``failed``.
- Retention (``retention_s``, 60 s-14 days, default 4 days): a message not deleted within it
  is removed -> ``expired`` (at arrival + retention_s; noticed at the next receive, at the
  once-a-second bookkeeping for never-received messages, or at the horizon).
- A message is never in two batches at once: the model assumes the visibility timeout is
  long enough (validation requires it to be >= the function timeout; AWS advises 6 x the
  timeout + the batching window).

Implementation: messages live in numpy columns indexed by id (ids follow arrival order),
appended one window of arrivals at a time; the finished prefix is dropped, so memory is
bounded by the messages since the oldest unfinished one (a message retried for minutes keeps
minutes of arrivals; one that never leaves, with no redrive, keeps everything after it). A
batch of never-received messages is a range of ids, written to the store only when it ends
(the common batch under load: no per-message work when it is received); any other batch is an
id array. Per-message work at batch end is vectorised.
"""

from __future__ import annotations

import heapq
import math
from bisect import bisect_right
from collections import deque
from typing import TYPE_CHECKING

import numpy as np

from ...spec.sqs import SqsSourceSpec
from ..ledger import EXPIRED, FAILED, SUCCEEDED
from .store import DONE, EPS, IN_BATCH, QUEUED, Batch, Store

if TYPE_CHECKING:  # typed, so that the compiled queue calls its mapping natively
    from .mapping import SqsSource


class Queue:
    """What standard and FIFO queues share: the message store and the outcome counters.

    The queue tells its ``mapping`` when messages end: ``mapping.finished(ids, outcome, end)``
    (``ids``: an id array, or a whole batch, such as a range of never-received messages, the
    common case)."""

    def __init__(self, spec: SqsSourceSpec, mapping: SqsSource):
        self.store = Store()
        self.mapping = mapping
        self.retention = spec.retention_s
        self.mrc = spec.max_receive_count
        self.win_first = 0
        self.win_arr: list[float] = []  # the current window's arrival times
        self._arrived_at = -1.0  # when ``_arrived`` was counted (-1: not in this window)
        self._arrived = 0
        self.n_done = self.n_in_batch = self.n_invisible = 0
        self.seq = 0
        #: first id never received. A batch of never-received messages (one range of ids) is
        #: not written to the store when received: its messages stay QUEUED with no receive
        #: counted until the batch ends (so ids below ``fresh`` QUEUED with no receive are in a
        #: batch); the FIFO queue counts every receive at once and leaves this at 0
        self.fresh = 0

    def add(self, arrival, poison, group) -> int:
        self.win_first = self.store.n
        self.win_arr = arrival.tolist()  # bisect on a list beats searchsorted per call
        self._arrived_at = -1.0
        self._arrived = self.win_first
        return self.store.add(arrival, poison)

    def arrived(self, now: float) -> int:
        """Number of messages that have arrived by ``now``."""
        if now != self._arrived_at:  # time only moves forward: go on from the last count
            self._arrived_at = now
            arr, t = self.win_arr, now + EPS
            i, n = self._arrived - self.win_first, len(arr)
            stop = min(n, i + 8)  # a few steps (the usual case), then a binary search
            while i < stop and arr[i] <= t:
                i += 1
            if i == stop and i < n and arr[i] <= t:
                i = bisect_right(arr, t, i)
            self._arrived = self.win_first + i
        return self._arrived

    def visible(self, now: float) -> int:
        self.release(now)
        return self.arrived(now) - self.n_done - self.n_in_batch - self.n_invisible

    def census(self, now: float) -> tuple[int, int, float | None]:
        """The once-a-second bookkeeping: release and expire what is due, drop the finished
        prefix; (visible, not visible, arrival of the oldest message for the age metric)."""
        self.release(now)
        self.expire(now)
        self.store.advance()
        arrived = self.arrived(now)
        vis = arrived - self.n_done - self.n_in_batch - self.n_invisible
        return vis, self.n_in_batch + self.n_invisible, self.store.oldest(arrived)

    def finish(self, ids: np.ndarray | Batch, outcome: int, end) -> None:
        """Messages ``ids`` (an array, or a whole batch: for a range, no array is made) end in
        ``outcome`` at ``end``."""
        n = len(ids)
        if not n:
            return
        # a message ended twice counts twice in n_done: the check at the horizon catches it
        self.store.mark_done(ids)
        self.n_done += n
        self.mapping.finished(ids, outcome, end)

    def _screen(self, ids: np.ndarray, now: float) -> np.ndarray:
        """Finish received messages past retention (expired) or past maxReceiveCount (to the
        DLQ); return the rest."""
        st = self.store
        rows = st.rows(ids)
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

    def _mark_received(self, ids: np.ndarray) -> None:
        n = len(ids)
        if not n:
            return
        st = self.store
        rows = st.rows(ids)
        st.receives[rows] += 1
        st.state[rows] = IN_BATCH
        self.n_in_batch += n

    def at_horizon(self, horizon: float) -> np.ndarray:
        """Expire the queued messages past retention; return the arrival times of the
        messages still held (queued, in a batch, or waiting out a visibility timeout)."""
        st = self.store
        st.advance()
        lo, hi = st.head - st.base, st.n - st.base
        state, arrival = st.state[lo:hi], st.arrival[lo:hi]
        queued = state == QUEUED
        k = self.fresh - st.head  # QUEUED below fresh with no receive counted: in a batch
        if k > 0:
            queued[:k] &= st.receives[lo:lo + k] > 0
        old = queued & (arrival + self.retention <= horizon + EPS)
        if old.any():
            self.finish(np.flatnonzero(old) + st.head, EXPIRED, arrival[old] + self.retention)
        return arrival[state != DONE]  # the view sees the expiries just made

    def wake_time(self, now: float, reserved: int) -> float | None:
        """When waiting pollers should next look: ``now`` if more than ``reserved`` messages
        are receivable, else when the next one becomes receivable (None: no need to look;
        what is visible is being received, or nothing is due)."""
        t = self.next_time(now)
        if t is None:
            return None
        t = max(t, now)
        return None if t <= now and not self.has_work(now, reserved) else t

    # what each kind of queue does its own way
    def release(self, now: float) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def expire(self, now: float) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def has_work(self, now: float, reserved: int) -> bool:  # pragma: no cover - overridden
        raise NotImplementedError

    def receivable(self, now: float) -> bool:  # pragma: no cover - overridden
        raise NotImplementedError

    def next_time(self, now: float) -> float | None:  # pragma: no cover - overridden
        raise NotImplementedError

    def fill_time(self, now: float, need: int) -> float:  # pragma: no cover - standard only
        raise NotImplementedError

    def receive(self, now: float, k: int) -> Batch | None:  # pragma: no cover - overridden
        raise NotImplementedError

    def settle(self, batch: Batch, ok: np.ndarray | None, now: float,
               visible_at: float) -> None:  # pragma: no cover - overridden
        raise NotImplementedError


class StandardQueue(Queue):
    def __init__(self, spec, mapping):
        super().__init__(spec, mapping)
        self.returning: list[tuple[float, int, np.ndarray]] = []  # heap: (visible_at, seq, ids)
        self.ready: deque[np.ndarray] = deque()  # returned messages visible again
        self.n_ready = 0
        self._quiet_until = -math.inf  # no never-received message can expire before this

    def visible(self, now: float) -> int:
        r = self.returning
        if r and r[0][0] <= now + EPS:
            self.release(now)
        a = self._arrived if now == self._arrived_at else self.arrived(now)
        return a - self.n_done - self.n_in_batch - self.n_invisible

    def has_work(self, now: float, reserved: int) -> bool:
        """More than ``reserved`` messages are visible."""
        return self.visible(now) > reserved

    def release(self, now: float) -> None:
        r = self.returning
        while r and r[0][0] <= now + EPS:
            ids = heapq.heappop(r)[2]
            self.ready.append(ids)
            self.n_ready += len(ids)
            self.n_invisible -= len(ids)

    def expire(self, now: float) -> None:
        """Never-received messages past retention (they are in arrival order)."""
        if now < self._quiet_until:
            return
        st = self.store
        lo, hi = self.fresh - st.base, self.arrived(now) - st.base
        if hi <= lo:  # none waiting: the next to arrive comes after now
            self._quiet_until = now + self.retention - 2 * EPS
            return
        first = float(st.arrival[lo])
        if first + self.retention > now + EPS:  # the oldest waiting is within retention
            self._quiet_until = first + self.retention - 2 * EPS
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
        return self._next_visible(now)

    def wake_time(self, now: float, reserved: int) -> float | None:
        vis = self.visible(now)
        if vis > 0:
            return now if vis > reserved else None
        return self._next_visible(now)

    def _next_visible(self, now: float) -> float | None:
        t = math.inf
        a = self.arrived(now) - self.win_first  # the next arrival is in the current window
        if a < len(self.win_arr):
            t = self.win_arr[a]
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

    def receive(self, now: float, k: int) -> Batch | None:
        """Receive up to ``k`` messages (None: none)."""
        self.release(now)
        self.expire(now)
        if not self.ready:  # never-received messages only: one range of ids, not written
            lo = self.fresh
            m = min(k, self.arrived(now) - lo)
            if m <= 0:
                return None
            self.fresh = lo + m
            self.n_in_batch += m
            return Batch(None, None, now, lo, m)
        got, n = [], 0
        while n < k:
            ids = self._take(now, k - n)
            if ids is None:
                break
            if len(ids):
                got.append(ids)
                n += len(ids)
        if not got:
            return None
        ids = np.concatenate(got) if len(got) > 1 else got[0]
        self._mark_received(ids)
        return Batch(ids, None, now)

    def settle(self, batch: Batch, ok: np.ndarray | None, now: float,
               visible_at: float) -> None:
        """The batch ended at ``now``: delete the ``ok`` messages (None: all), return the rest
        at ``visible_at``."""
        self.n_in_batch -= batch.n
        if ok is None:
            self.finish(batch, SUCCEEDED, now)
            return
        ids = batch.ids
        st = self.store
        rows = st.rows(ids)  # never-received messages' receives are counted now
        st.receives[rows] = np.maximum(st.receives[rows], 1)
        self.finish(ids[ok], SUCCEEDED, now)
        back = ids[~ok]
        if len(back):
            st.state[st.rows(back)] = QUEUED
            self.n_invisible += len(back)
            heapq.heappush(self.returning, (visible_at, self.seq, back))
            self.seq += 1
