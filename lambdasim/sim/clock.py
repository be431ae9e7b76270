"""Simulated time: the only module that touches SimPy events.

SimPy is the calendar. Everything in the model is a callback at a time, never a process per
event: :meth:`Clock.at` calls ``fn(*args)`` at a time, :class:`Timer` is a callback that can be
moved or cancelled, and :class:`Feeder` delivers a workload's arrivals window by window.
"""

from __future__ import annotations

import numpy as np
import simpy

WINDOW_S = 10.0  # arrivals are drawn this many simulated seconds at a time


def _fire(ev) -> None:
    fn, args = ev.value
    fn(*args)


class Clock:
    """A SimPy environment seen as a calendar of callbacks."""

    __slots__ = ("env", "horizon")

    def __init__(self, horizon: float):
        self.env = simpy.Environment()
        self.horizon = horizon

    @property
    def now(self) -> float:
        return self.env.now

    def at(self, t: float, fn, *args) -> None:
        """Call ``fn(*args)`` at time ``t`` (now if ``t`` has passed)."""
        env = self.env
        d = t - env.now
        env.timeout(d if d > 0.0 else 0.0, (fn, args)).callbacks.append(_fire)

    def on(self, t: float, callback, value=None) -> None:
        """At time ``t`` call ``callback(event)``, ``event.value`` being ``value``: the hot
        paths' form, without :meth:`at`'s packing of arguments."""
        env = self.env
        d = t - env.now
        env.timeout(d if d > 0.0 else 0.0, value).callbacks.append(callback)

    def after(self, delay: float, fn, *args) -> None:
        """Call ``fn(*args)`` ``delay`` seconds from now."""
        self.env.timeout(delay, (fn, args)).callbacks.append(_fire)

    def run(self, until: float | None = None) -> None:
        """Advance to ``until`` (default: the horizon); events at that time do not fire."""
        self.env.run(until=self.horizon if until is None else until)


class Timer:
    """A callback that fires once at the time last set; setting it again or cancelling it
    forgets the earlier time."""

    __slots__ = ("clock", "fn", "due", "_gen")

    def __init__(self, clock: Clock, fn):
        self.clock, self.fn, self.due, self._gen = clock, fn, None, 0

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
    chained: one scheduled callback per delivery, never a process per event.
    """

    def __init__(self, clock: Clock, stream, on_window, on_event=None,
                 window_s: float = WINDOW_S):
        self.clock, self.stream = clock, stream
        self.on_window, self.on_event, self.window_s = on_window, on_event, window_s
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
        elif len(arrivals):
            times, ids = self.on_window(arrivals)
            self.chains.add(_Chain(self, times.tolist(), ids.tolist()))
        if t1 < clock.horizon:
            clock.at(t1, self._window)

    def pending_ids(self) -> list:
        """Events still on their way: deliveries scheduled and not yet made."""
        return [i for c in self.chains for i in c.ids[c.i:]]


class _Chain:
    """Deliveries of one window, each scheduled when the one before it fires."""

    __slots__ = ("feeder", "times", "ids", "i", "env")

    def __init__(self, feeder: Feeder, times: list, ids: list):
        self.feeder, self.times, self.ids, self.i = feeder, times, ids, 0
        self.env = feeder.clock.env
        feeder.clock.on(times[0], self._fire)

    def _fire(self, _ev) -> None:
        i, env = self.i + 1, self.env
        self.i = i
        self.feeder.on_event(self.ids[i - 1])
        if i < len(self.times):
            d = self.times[i] - env.now
            env.timeout(d if d > 0.0 else 0.0).callbacks.append(self._fire)
        else:
            self.feeder.chains.discard(self)
