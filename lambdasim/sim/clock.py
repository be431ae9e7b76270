"""Simulated time: the only module that touches SimPy events.

SimPy is the calendar; the model's callbacks ride on it in batches. Everything in the model is
a callback at a time, never a process per event: :meth:`Clock.at` calls ``fn(*args)`` at a
time, :class:`Timer` is a callback that can be moved or cancelled, and :class:`Feeder`
delivers a workload's arrivals window by window.

The callbacks wait in the clock's own calendar, ordered by time and then by when they were
scheduled (SimPy's order for events of one priority). SimPy holds a wake-up for the earliest;
when it fires, the clock runs, in order, every callback due up to the next event on SimPy's
calendar (callbacks due at that same instant first; at the end of a run, those due then wait
for the next run, as SimPy's own events do). So a callback never overtakes a SimPy event, and
it costs a list append and a share of a sort instead of a SimPy event
(``benchmarks/bench_async.py``).
"""

from __future__ import annotations

import gc
import math
from bisect import insort
from heapq import heapify, heappop, heappush
from typing import Final

import numpy as np
import simpy
from mypy_extensions import mypyc_attr

WINDOW_S = 10.0  # arrivals are drawn this many simulated seconds at a time
JOIN_BELOW = 1024  # per-event sources join sparse windows until they hold this many arrivals
_INF: Final = float("inf")
#: the calendar's buckets: their first width, its limits, and the callbacks per bucket
#: (a moving average) that make them wider (below FILL_LOW) or narrower (above FILL_HIGH)
BUCKET_S, BUCKET_MIN_S, BUCKET_MAX_S = 0.01, 1e-4, 100.0
FILL_LOW, FILL_HIGH = 3, 48


@mypyc_attr(allow_interpreted_subclasses=True)  # tests subclass it
class Clock:
    """A calendar of callbacks on a SimPy environment; ``now`` is the simulated time.

    The callbacks wait in buckets of ``width`` simulated seconds: the earliest bucket sorted
    (by time, then scheduling order), the later ones unsorted until their turn, their numbers
    in a heap. Sorting a bucket of tuples keyed by a float is much cheaper per callback than
    a heap push and pop; the width adapts (by factors of 4) so that a bucket holds a few to a
    few dozen callbacks, sparse runs and dense ones alike."""

    __slots__ = ("env", "horizon", "now", "_seq", "_wake", "_until", "_limit", "_per_s", "_fill",
                 "_buckets", "_order", "_cur", "_ci", "_cb")

    def __init__(self, horizon: float):
        self.env = simpy.Environment()
        self.horizon = horizon
        self.now = 0.0
        self._seq = 0  # callbacks scheduled so far: the tie-break of equal times
        self._wake = _INF  # time of the pending SimPy wake-up (-inf while draining)
        self._until = horizon
        self._limit = -_INF  # while draining: callbacks due before this run now
        self._per_s = 1.0 / BUCKET_S  # buckets per simulated second
        self._fill = float(FILL_LOW + FILL_HIGH) / 2  # callbacks per bucket, a moving average
        self._buckets: dict[int, list] = {}  # bucket number -> its callbacks, unsorted
        self._order: list[int] = []  # the numbers of ``_buckets``, a heap
        self._cur: list[tuple] = []  # the earliest bucket, sorted, done up to ``_ci``
        self._ci = 0
        self._cb = -1  # the number of ``_cur``'s bucket (-1: none)

    def on(self, t: float, fn, args: tuple) -> None:
        """Call ``fn(*args)`` at time ``t`` (now if ``t`` has passed): the hot paths' form,
        without :meth:`at`'s packing of arguments."""
        if t < self.now:
            t = self.now
        self._seq += 1
        e = (t, self._seq, fn, args)
        b = int(t * self._per_s)
        if b == self._cb:
            insort(self._cur, e, self._ci)
        else:
            bucket = self._buckets.get(b)
            if bucket is not None:
                bucket.append(e)
            else:
                if 0 <= self._cb and b < self._cb:  # before the sorted bucket
                    self._shelve()
                self._buckets[b] = [e]
                heappush(self._order, b)
        if t < self._wake:
            self._wake_at(t)

    def at(self, t: float, fn, *args) -> None:
        """Call ``fn(*args)`` at time ``t`` (now if ``t`` has passed)."""
        self.on(t, fn, args)

    def after(self, delay: float, fn, *args) -> None:
        """Call ``fn(*args)`` ``delay`` seconds from now."""
        self.on(self.now + delay, fn, args)

    def run(self, until: float | None = None) -> None:
        """Advance to ``until`` (default: the horizon); callbacks due then do not fire.

        Python's cyclic garbage collector pauses meanwhile and is restored after: the model
        makes no reference cycles per event, and the collector would otherwise walk the
        run's young tuples again and again (about a tenth of a push path's run)."""
        self._until = self.horizon if until is None else until
        collecting = gc.isenabled()
        gc.disable()
        try:
            self.env.run(until=self._until)
        finally:
            if collecting:
                gc.enable()
        self.now = max(self.now, self.env.now)

    def _wake_at(self, t: float) -> None:
        self._wake = t
        d = t - self.env.now
        self.env.timeout(d if d > 0.0 else 0.0, t).callbacks.append(self._drain)

    def _drain(self, ev) -> None:
        """Run, in order, the callbacks due up to SimPy's next event (before it, if that is
        the end of the run)."""
        if ev.value != self._wake:
            return  # a wake-up that an earlier one replaced
        limit = self.env.peek()
        if limit < self._until:
            limit = math.nextafter(limit, _INF)  # callbacks due then go first
        self._limit = limit
        self._wake = -_INF  # callbacks scheduled meanwhile join the calendar only
        first = self._first
        while True:
            cur, ci = self._cur, self._ci
            e = cur[ci] if ci < len(cur) else first()
            if e is None or e[0] >= limit:
                break
            self._ci += 1
            self.now = e[0]
            e[2](*e[3])
        self._wake, self._limit = _INF, -_INF
        e = first()
        if e is not None:
            self._wake_at(e[0])

    def next_up(self, t: float) -> bool:
        """Whether a callback scheduled now for time ``t`` would be the next to run, in this
        same drain: before every waiting callback (strictly: one due at ``t`` already waits
        ahead of it) and before SimPy's next event. A callback that chains to the next one of
        a sequence may then set ``now = t`` and go on itself: the order is the same, without
        the calendar's round trip."""
        if t >= self._limit:
            return False
        cur, ci = self._cur, self._ci
        e = cur[ci] if ci < len(cur) else self._first()
        return e is None or t < e[0]

    def _first(self) -> tuple | None:
        """The earliest callback (None: none), its bucket sorted."""
        cur = self._cur
        if self._ci < len(cur):
            return cur[self._ci]
        if cur:  # a bucket is done: keep buckets a few to a few dozen callbacks long
            self._fill += 0.1 * (len(cur) - self._fill)
            if self._fill < FILL_LOW or self._fill > FILL_HIGH:
                self._regrid(4.0 if self._fill < FILL_LOW else 0.25)
            self._cur, self._ci, self._cb = [], 0, -1
        if not self._order:
            return None
        b = heappop(self._order)
        cur = self._buckets.pop(b)
        cur.sort()
        self._cur, self._ci, self._cb = cur, 0, b
        return cur[0]

    def _shelve(self) -> None:
        """Put the sorted bucket's remaining callbacks back with the others."""
        rest, cb = self._cur[self._ci:], self._cb
        if rest and cb >= 0:
            self._buckets[cb] = rest
            heappush(self._order, cb)
        self._cur, self._ci, self._cb = [], 0, -1

    def _regrid(self, factor: float) -> None:
        """Make the buckets ``factor`` times wider (within the limits) and re-file the
        callbacks still waiting."""
        width = min(max(factor / self._per_s, BUCKET_MIN_S), BUCKET_MAX_S)
        self._fill = float(FILL_LOW + FILL_HIGH) / 2
        if width == 1.0 / self._per_s:
            return
        self._shelve()
        waiting = [e for bucket in self._buckets.values() for e in bucket]
        self._per_s = 1.0 / width
        self._buckets = {}
        for e in waiting:
            self._buckets.setdefault(int(e[0] * self._per_s), []).append(e)
        self._order = list(self._buckets)
        heapify(self._order)


class Timer:
    """A callback that fires once at the time last set; setting it again or cancelling it
    forgets the earlier time."""

    __slots__ = ("clock", "fn", "due", "_gen")

    def __init__(self, clock: Clock, fn):
        self.clock, self.fn, self._gen = clock, fn, 0
        self.due: float | None = None

    def set(self, t: float) -> None:
        self._gen += 1
        self.due = t
        self.clock.at(t, self._fire, self._gen)

    def cancel(self) -> None:
        self._gen += 1
        self.due = None

    def _fire(self, gen: int) -> None:
        if gen == self._gen:
            self.due = None
            self.fn()


class Feeder:
    """Delivers a workload's arrivals to a source, one window of arrivals at a time.

    Each window's arrival times are drawn in one vectorised call, at the window's start, and
    handed to ``on_window(arrivals)`` (``window`` holds the window's bounds). Sources that take
    arrivals in bulk (streams, queues) stop there. With ``on_event``, ``on_window`` returns
    (delivery times, event ids), e.g. after S3's notification delay, and the deliveries are
    chained: one scheduled callback per delivery, never a process per event. ``at_once``:
    ``on_window`` draws nothing per window, so windows joined for a chain are handed to it in
    one call.
    """

    def __init__(self, clock: Clock, stream, on_window, on_event=None,
                 window_s: float = WINDOW_S, at_once: bool = False):
        self.clock, self.stream = clock, stream
        self.on_window, self.on_event, self.window_s = on_window, on_event, window_s
        self.at_once = at_once
        self.produced = 0
        self.chains: set[_Chain] = set()  # windows whose deliveries are not all made
        self.window = (0.0, 0.0)

    def start(self) -> Feeder:
        """Draw the first window now; the others follow at their start times."""
        self._window()
        return self

    def _window(self) -> None:
        clock = self.clock
        t0 = self.window[1]
        t1 = min(t0 + self.window_s, clock.horizon)
        self.window = (t0, t1)
        arrivals = np.asarray(self.stream.next(t0, t1), dtype=float)
        self.produced += len(arrivals)
        if self.on_event is None:
            self.on_window(arrivals)
        else:
            self._deliver(arrivals)
        if self.window[1] < clock.horizon:
            clock.at(self.window[1], self._window)

    def _deliver(self, arrivals: np.ndarray) -> None:
        """Chain a window's deliveries. Sparse windows are joined: the next windows are drawn
        now, each handed to ``on_window`` as before (the same draws), until the chain holds
        ``JOIN_BELOW`` events, so a sparse workload does not pay a window's work per event."""
        times, ids, n, h = [], [], 0, self.clock.horizon
        while True:
            if len(arrivals):
                if self.at_once:  # offered once the chain is full
                    t = arrivals
                else:
                    t, i = self.on_window(arrivals)
                    ids.append(i)
                times.append(t)
                n += len(t)
            t1 = self.window[1]
            if n >= JOIN_BELOW or t1 >= h:
                break
            self.window = (t1, min(t1 + self.window_s, h))
            arrivals = np.asarray(self.stream.next(*self.window), dtype=float)
            self.produced += len(arrivals)
        if n == 0:
            return
        if self.at_once:  # (windows follow each other, each sorted: so are their arrivals)
            t, i = self.on_window(np.concatenate(times) if len(times) > 1 else times[0])
            times, ids = [t], [i]
        elif len(times) > 1:
            t, i = np.concatenate(times), np.concatenate(ids)
            order = np.argsort(t, kind="stable")
            times, ids = [t[order]], [i[order]]
        self.chains.add(_Chain(self, times[0].tolist(), ids[0].tolist()))

    def pending_ids(self) -> list:
        """Events still on their way: deliveries scheduled and not yet made."""
        return [i for c in self.chains for i in c.ids[c.i:]]


class _Chain:
    """Deliveries of one window, each scheduled when the one before it fires."""

    __slots__ = ("feeder", "times", "ids", "i")

    def __init__(self, feeder: Feeder, times: list, ids: list):
        self.feeder, self.times, self.ids, self.i = feeder, times, ids, 0
        feeder.clock.on(times[0], self._fire, ())

    def _fire(self) -> None:
        times, deliver, clock = self.times, self.feeder.on_event, self.feeder.clock
        while True:
            i = self.i + 1
            self.i = i
            deliver(self.ids[i - 1])
            if i == len(times):
                self.feeder.chains.discard(self)
                return
            t = times[i]
            if not clock.next_up(t):
                clock.on(t, self._fire, ())
                return
            clock.now = t  # the next delivery would run next anyway
