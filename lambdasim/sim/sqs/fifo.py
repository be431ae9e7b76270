"""A FIFO queue (``fifo: true``): every message carries a message group id, drawn uniformly from
``message_groups`` groups (default 100; ignored for a standard queue). A group with a message
in a batch, or waiting out its visibility timeout, is locked: none of its messages is
received, so a failed message is retried before anything newer of its group and order is
kept per group. A receive takes as many messages of one group as it can (oldest group head
first), then moves to the next unlocked group.
Redrive, retention and the message store are shared with the standard queue (the
:class:`~.queues.Queue` base class).
"""

from __future__ import annotations

import heapq
import math

import numpy as np

from ..ledger import SUCCEEDED
from .queues import Queue
from .store import EPS, QUEUED, Batch, IdQueue


class FifoQueue(Queue):
    def __init__(self, spec, mapping):
        super().__init__(spec, mapping)
        self.groups: dict[int, IdQueue] = {}
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
                    q = self.groups[g] = IdQueue()
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

    def has_work(self, now: float, reserved: int) -> bool:
        """A message is receivable and more than ``reserved`` are visible."""
        return self.receivable(now) and (reserved == 0 or self.visible(now) > reserved)

    def next_time(self, now: float) -> float | None:
        self.release(now)
        a = self._top()
        t = math.inf if a is None else max(a, now)
        if self.unlocks:
            t = min(t, self.unlocks[0][0])
        return None if t == math.inf else t

    def expire(self, now: float) -> None:
        pass  # noticed at receive and at the horizon

    def receive(self, now: float, k: int) -> Batch | None:
        """Receive up to ``k`` messages, whole groups first (segments: [(group, count), ...];
        None: none)."""
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
            m = int(np.searchsorted(st.arrival[st.rows(head)], now + EPS, side="right"))
            good = self._screen(q.pop(m), now)
            if len(good):
                self.locked[g] = True
                got.append(good)
                segs.append((g, len(good)))
                n += len(good)
            elif len(q):
                heapq.heappush(self.ready, (self._head(g), g))
        if not got:
            return None
        ids = np.concatenate(got)
        self._mark_received(ids)
        return Batch(ids, segs, now)

    def settle(self, batch: Batch, ok: np.ndarray | None, now: float,
               visible_at: float) -> None:
        ids = batch.ids
        self.n_in_batch -= batch.n
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
                self.store.state[self.store.rows(back)] = QUEUED
                self.groups[g].push_front(back)
                held.append(g)
                n_back += len(back)
            o += c
        if held:
            self.n_invisible += n_back
            heapq.heappush(self.unlocks, (visible_at, self.seq, held, n_back))
            self.seq += 1
