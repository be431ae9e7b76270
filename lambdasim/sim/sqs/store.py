"""Where SQS messages are kept: per-message numpy columns, id queues, batches.

Ids follow arrival order. The store appends one window of arrivals at a time and drops the
finished prefix when it reallocates, so its memory is bounded by the messages since the oldest
unfinished one.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np

from ...spec.aws import SQS_AGE_SKIP_RECEIVES

EPS: Final = 1e-9  # timer round-off when comparing event times with arrival / visibility times

# message states
QUEUED: Final = 0
IN_BATCH: Final = 1
DONE: Final = 2
#: a run of DONE states to copy from (a batch has at most 10,000 messages, BatchSize's cap)
_DONES: Final = memoryview(bytes([DONE]) * 10_000).cast("b")


def expand(lo: np.ndarray, n: np.ndarray) -> np.ndarray:
    """The ranges ``lo[i] .. lo[i] + n[i] - 1`` in one array."""
    return np.repeat(lo - (np.cumsum(n) - n), n) + np.arange(int(n.sum()))


class Store:
    """Per-message columns, row = id - base. Ids below ``head`` are all finished; the finished
    prefix is dropped when the arrays are reallocated."""

    def __init__(self):
        self.base = self.head = self.n = 0
        self.arrival = np.zeros(4096, dtype=float)
        self.receives = np.zeros(4096, dtype=np.int32)
        self.poison = np.zeros(4096, dtype=bool)
        self.state = np.zeros(4096, dtype=np.int8)
        self._state_mv: Any = self.state.data  # a memoryview (typeshed's takes ints only)

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

        def moved(old: np.ndarray) -> np.ndarray:
            new = np.zeros(cap, dtype=old.dtype)
            new[:live] = old[lo:lo + live]
            return new

        self.arrival, self.receives = moved(self.arrival), moved(self.receives)
        self.poison, self.state = moved(self.poison), moved(self.state)
        self._state_mv = self.state.data
        self.base = self.head

    def rows(self, ids: np.ndarray | Batch) -> np.ndarray | slice:
        """The rows of messages ``ids`` (an array, or a batch's: a slice for a range)."""
        if isinstance(ids, Batch):
            if ids.lo >= 0:
                return slice(ids.lo - self.base, ids.lo + ids.n - self.base)
            ids = ids.ids
        return ids - self.base

    def mark_done(self, ids: np.ndarray | Batch) -> None:
        """Messages ``ids`` (an array, or a batch's) are finished. A range is written through
        a memoryview: a third of the cost of numpy's slice assignment, paid by every batch."""
        if isinstance(ids, Batch) and ids.lo >= 0 and ids.n <= len(_DONES):
            r = ids.lo - self.base
            self._state_mv[r:r + ids.n] = _DONES[:ids.n]
            return
        self.state[self.rows(ids)] = DONE

    def advance(self) -> None:
        """Move ``head`` past finished messages."""
        h, n, step = self.head - self.base, self.n - self.base, 256
        while h < n:  # blocks growing from 256 rows: what is unfinished is usually near
            blk = self.state[h:min(n, h + step)] != DONE
            i = int(blk.argmax())  # the first unfinished (0 if none)
            if blk[i]:
                h += i
                break
            h += len(blk)
            step = 8192
        self.head = h + self.base

    def oldest(self, arrived: int) -> float | None:
        """Arrival time of the oldest unfinished message received fewer than 3 times."""
        h, n, step = self.head - self.base, arrived - self.base, 256
        while h < n:
            e = min(n, h + step)
            ok = (self.state[h:e] != DONE) & (self.receives[h:e] < SQS_AGE_SKIP_RECEIVES)
            i = int(ok.argmax())
            if ok[i]:
                return float(self.arrival[h + i])
            h, step = e, 8192
        return None


class IdQueue:
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


class Batch:
    """Messages received by one poller: their number ``n``, FIFO group segments, the time of
    the first receive, and the first id ``lo`` if the ids are one range (else -1). A range's
    id array is made only if something asks for :attr:`ids`."""

    __slots__ = ("_ids", "n", "segs", "received", "lo", "parts", "deadline", "poisoned")

    def __init__(self, ids: np.ndarray | None, segs, received: float, lo: int = -1,
                 n: int = 0):
        self._ids, self.segs, self.received, self.lo = ids, segs, received, lo
        self.n = n if ids is None else len(ids)
        self.parts: list[np.ndarray] = []  # what a batch gathering in its window holds
        self.deadline = received
        self.poisoned: np.ndarray | None = None

    @property
    def ids(self) -> np.ndarray:
        if self._ids is None:
            self._ids = np.arange(self.lo, self.lo + self.n)
        return self._ids

    def __len__(self) -> int:
        return self.n

    def join(self) -> None:
        """The gathered parts become the batch's ids."""
        p = self.parts
        self._ids = np.concatenate(p) if len(p) > 1 else p[0]
        self.n = len(self._ids)
