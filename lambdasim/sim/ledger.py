"""The outcome ledger: every event or record a source is offered ends in exactly one outcome.

``offered`` is counted when an event arrives, ``in_flight`` from what the source still holds
at the horizon (queued, in a shard, in a batch, waiting to retry, running), and the outcomes
as they are settled; the run then checks ``offered = succeeded + failed + dropped + rejected +
expired + in_flight`` for every source and raises :class:`ConservationError` if an event was
lost or settled twice. Only events arriving at or after the warm-up count (a stream's backlog,
written before time 0, counts as arriving at 0).

With rows (``record_detail="full"``, and always for push sources, whose retries need them)
the ledger keeps one row per event, indexed by id: arrival, start and end of its last
invocation, attempts, cold start, outcome and any extra columns; counts and latencies are
computed from the rows. Without rows it keeps exact counts and a latency histogram.
"""

from __future__ import annotations

from collections.abc import Sized
from enum import IntEnum
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from .histogram import LatencyHistogram

IN_FLIGHT, SUCCEEDED, FAILED, DROPPED, REJECTED, EXPIRED = range(6)
OUTCOMES = ("in_flight", "succeeded", "failed", "dropped", "rejected", "expired")


class Reason(IntEnum):
    """Why an event ended as it did (the events table's ``reason``); 0 = nothing to add."""

    NONE = 0
    THROTTLED = 1  # still throttled after the caller's last attempt (429)
    RETRIES_EXHAUSTED = 2  # function errors beyond the retry attempts
    MAX_EVENT_AGE = 3  # older than MaximumEventAgeInSeconds
    FUNCTION_DISABLED = 4  # reserved concurrency 0: the function is switched off
    PERMISSION = 5  # the caller or service may not invoke the function (403)
    RETENTION = 6  # trimmed from the stream or queue after its retention period
    RECORD_AGE = 7  # older than MaximumRecordAgeInSeconds (streams)
    REDRIVE = 8  # received maxReceiveCount times: moved to the dead-letter queue (SQS)
    PUT_THROTTLED = 9  # the producer gave up after its put was throttled (Kinesis)

    @property
    def label(self) -> str:
        return "" if self is Reason.NONE else self.name.lower()


REASONS = tuple(r.label for r in Reason)


class ConservationError(RuntimeError):
    """An event was lost (in no outcome and not in flight) or settled twice."""


_ROWS = {"arrival": float, "start": float, "end": float, "attempts": np.int32, "cold": bool,
         "outcome": np.int8, "reason": np.int8}


class Ledger:
    """Offered events and their outcomes, for one source."""

    if TYPE_CHECKING:  # the row columns are attributes made by ``_alloc``, one per column
        def __getattr__(self, name: str) -> np.ndarray: ...

    def __init__(self, source: str, warmup: float, rows: bool = True,
                 columns: dict | None = None):
        self.source, self.warmup, self.rows = source, float(warmup), rows
        self.n = 0  # events offered, warm-up included; ids are 0..n-1
        self.offered = 0  # events offered at or after the warm-up
        self.counts = np.zeros(len(OUTCOMES), dtype=np.int64)
        self.settled = 0  # events settled, warm-up included
        self.done_in_window = 0  # successes ending at or after the warm-up
        self.latency = LatencyHistogram()
        self.closed = False
        self._columns = dict(_ROWS, **(columns or {})) if rows else {}
        self._cap = 0
        if rows:
            self._alloc(1024)

    def _alloc(self, cap: int, keep: int = 0) -> None:
        for name, dt in self._columns.items():
            new = np.full(cap, np.nan) if dt is float else np.zeros(cap, dtype=dt)
            old = getattr(self, name, None)
            if old is not None:
                new[:keep] = old[:keep]
            setattr(self, name, new)
        self._cap = cap

    def counted(self, arrival) -> np.ndarray | bool:
        """Which of these arrivals count (at or after the warm-up; a backlog counts at 0)."""
        return np.maximum(arrival, 0.0) >= self.warmup

    def n_counted(self, arrival) -> int:
        """How many of these arrivals count (with no warm-up, all: no numpy call then)."""
        return len(arrival) if self.warmup <= 0.0 else int(np.count_nonzero(self.counted(arrival)))

    # -- offer and settle -------------------------------------------------------------------
    def offer(self, arrival: np.ndarray, **columns) -> int:
        """Events arriving at ``arrival`` (with extra row columns); returns the first new id."""
        first, k = self.n, len(arrival)
        self.n = first + k
        self.offered += self.n_counted(arrival)
        if self.rows:
            if self.n > self._cap:
                self._alloc(max(2 * self._cap, self.n), keep=first)
            self.arrival[first:self.n] = arrival
            for name, values in columns.items():
                getattr(self, name)[first:self.n] = values
        return first

    def settle_one(self, i: int, outcome: int, end: float, reason: int = 0) -> None:
        """Event ``i`` (rows only) ends in ``outcome`` at ``end`` (for ``reason``)."""
        if self.outcome[i] != IN_FLIGHT:
            raise ConservationError(f"{self.source}: event {i} ended twice "
                                    f"({OUTCOMES[self.outcome[i]]}, then {OUTCOMES[outcome]})")
        self.outcome[i] = outcome
        self.end[i] = end
        if reason:
            self.reason[i] = reason

    def settle(self, ids: np.ndarray | Sized, arrival: np.ndarray, outcome: int, end,
               start: float | None = np.nan, cold: bool | None = False,
               reason: int = 0) -> None:
        """Events ``ids`` (arriving at ``arrival``) end in ``outcome`` at ``end`` (for
        ``reason``); with rows, ``start`` and ``cold`` None keep the rows' values. Without
        rows only their number counts (``ids`` may be anything with a length)."""
        n = len(ids)
        if n == 0:
            return
        if self.rows:
            if self.outcome[ids].any():  # IN_FLIGHT is 0
                raise ConservationError(f"{self.source}: an event ended twice")
            self.outcome[ids] = outcome
            self.end[ids] = end
            if start is not None:  # None: keep what the path booked
                self.start[ids] = start
            if cold is not None:
                self.cold[ids] = cold
            if reason:
                self.reason[ids] = reason
            return
        w = self.warmup
        self.settled += n
        counted = self.counted(arrival) if w > 0 else None  # no warm-up: every one counts
        k = n if counted is None else int(np.count_nonzero(counted))
        self.counts[outcome] += k
        if outcome == SUCCEEDED:
            if counted is None and isinstance(end, float):  # a batch, all counted
                self.latency.add_ends(arrival, end)
                self.done_in_window += n
                return
            lat = np.asarray(end - arrival, dtype=float)
            self.latency.add(lat if lat.ndim == 0 or k == n else lat[counted])
            if not isinstance(end, np.ndarray):  # a batch: one end for all
                self.done_in_window += n if end >= w else 0
            else:
                self.done_in_window += int(np.count_nonzero(end >= w))

    def started(self, ids: ArrayLike, times: ArrayLike) -> None:
        """Invocations of events ``ids`` started at ``times`` (in time order), booked in bulk
        (rows only): each is an attempt, and the last one of an event sets its ``start``."""
        ids, times = np.asarray(ids, np.int64), np.asarray(times, float)
        if len(ids) == 0:
            return
        self.attempts[: self.n] += np.bincount(ids, minlength=self.n).astype(np.int32)
        self.set_last(self.start, ids, times)

    @staticmethod
    def set_last(column: np.ndarray, ids: np.ndarray, values: np.ndarray) -> None:
        """``column[ids] = values`` where the last value of an id repeated wins."""
        if len(ids):  # each id's last position, without a sort
            last = np.full(int(ids.max()) + 1, -1, np.int64)
            np.maximum.at(last, ids, np.arange(len(ids)))
            has = np.flatnonzero(last >= 0)
            column[has] = values[last[has]]

    def ended(self, ids: ArrayLike, end: ArrayLike, outcome: ArrayLike, cold: ArrayLike) -> None:
        """Events ``ids`` settled by their last invocation (ending at ``end`` in ``outcome``,
        ``cold`` or not), booked in bulk (rows only); an event settled twice raises."""
        ids = np.asarray(ids, np.int64)
        if len(ids) == 0:
            return
        twice = ids[self.outcome[ids] != IN_FLIGHT]
        if not len(twice):
            twice = np.flatnonzero(np.bincount(ids) > 1)
        if len(twice):
            raise ConservationError(f"{self.source}: event {int(twice[0])} ended twice")
        self.outcome[ids] = outcome
        self.end[ids] = end
        self.cold[ids] = cold

    def succeeded(self, batches: list[tuple], n: int) -> None:
        """``n`` events succeeded, in ``batches`` of (arrivals, end time), without rows or a
        warm-up (so every one counts): their latencies are binned later, in bulk."""
        self.settled += n
        self.counts[SUCCEEDED] += n
        self.done_in_window += n
        self.latency.add_batches(batches, n)

    # -- the horizon ------------------------------------------------------------------------
    def close(self, live_arrival: np.ndarray, horizon: float) -> None:
        """Count what the source still holds at the horizon (their arrivals) as in flight,
        then check conservation."""
        self.closed = True
        live_arrival = np.asarray(live_arrival, float)
        in_flight = self.n_counted(live_arrival)
        if self.rows:
            self.settled = int(np.count_nonzero(self.outcome[: self.n] != IN_FLIGHT))
        if self.settled + len(live_arrival) != self.n:
            raise ConservationError(
                f"{self.source}: offered {self.n} events (warm-up included) but settled "
                f"{self.settled} and holds {len(live_arrival)} at the horizon")
        if self.rows:
            arrival, outcome = self.arrival[: self.n], self.outcome[: self.n]
            counted = self.counted(arrival)
            self.counts = np.bincount(outcome[counted], minlength=len(OUTCOMES)).astype(np.int64)
            ok = outcome == SUCCEEDED
            end = self.end[: self.n]
            self.done_in_window = int(np.count_nonzero(ok & (end >= self.warmup)
                                                       & (end <= horizon)))
            open_rows = int(self.counts[IN_FLIGHT])
            if open_rows != in_flight:
                raise ConservationError(
                    f"{self.source}: {open_rows} events have no outcome but the source holds "
                    f"{in_flight} at the horizon")
        self.counts[IN_FLIGHT] = in_flight
        self.check()

    def check(self) -> None:
        total = int(self.counts.sum())
        if total != self.offered:
            raise ConservationError(
                f"{self.source}: offered {self.offered} != outcomes + in flight {total} "
                f"({', '.join(f'{o} {c}' for o, c in zip(OUTCOMES, self.counts, strict=True))})")

    # -- results ------------------------------------------------------------------------------
    def stats(self, horizon: float) -> dict:
        """Counts per outcome, latency of successes, throughput (after the warm-up)."""
        out = {"offered": self.offered}
        out.update({name: int(c) for name, c in zip(OUTCOMES, self.counts, strict=True)})
        if self.rows:
            arrival, end = self.arrival[: self.n], self.end[: self.n]
            sel = (self.outcome[: self.n] == SUCCEEDED) & self.counted(arrival)
            out.update(latency_stats(end[sel] - arrival[sel]))
        else:
            out.update(self.latency.stats())
        out["throughput_per_s"] = self.done_in_window / (horizon - self.warmup)
        return out

    def view(self, name: str) -> np.ndarray:
        """A row column (rows only), events 0..n-1."""
        return getattr(self, name)[: self.n]


def latency_stats(lat: np.ndarray) -> dict:
    if len(lat) == 0:
        return {"latency_mean_s": np.nan, "latency_p50_s": np.nan, "latency_p99_s": np.nan}
    p50, p99 = np.percentile(lat, [50, 99])
    return {"latency_mean_s": float(lat.mean()), "latency_p50_s": float(p50),
            "latency_p99_s": float(p99)}
