"""Sources that make one Invoke call per event (synchronous and asynchronous callers).

The shared part of the two push paths: arrivals come from the workload through the
:class:`~lambdasim.sim.clock.Feeder`, each event gets a ledger row, and what the source holds
at the horizon (on its way, waiting to retry, running) is counted as in flight.
"""

from __future__ import annotations

from itertools import chain

import numpy as np
from mypy_extensions import mypyc_attr

from ..spec.pricing import chunks
from .arrivals import arrivals
from .clock import Feeder
from .columns import Column
from .ledger import SUCCEEDED, Ledger
from .log import SourceLog
from .source import Context


@mypyc_attr(allow_interpreted_subclasses=True)  # tests subclass it
class Caller:
    """Base of the sync and async paths: one Invoke call per event."""

    extra_columns: dict = {}
    event_columns: dict = {}
    #: ``on_window`` draws nothing per window: sparse windows joined are offered in one call
    windows_at_once: bool = True

    def __init__(self, spec, index: int, ctx: Context):
        self.spec, self.index, self.name = spec, index, spec.name
        self.clock = ctx.clock
        self.function = ctx.functions[spec.function]
        self.ledger = Ledger(spec.name, ctx.warmup, rows=True, columns=self.extra_columns)
        self.rng = ctx.rng("source", spec.name)
        self._arrivals = ctx.rng("arrivals", spec.name)
        self.waiting: set[int] = set()  # events waiting out a retry delay or backoff
        self.running: set[int] = set()  # events being invoked
        # appended per event: ids and times in typed columns (no Python object kept per event)
        self._start_ids, self._start_times = Column(np.int64), Column(float)  # each invocation
        # each event's last invocation, when it settles the event: id, end, outcome, cold
        self._end_ids, self._end_times = Column(np.int64), Column(float)
        self._outcomes: list[int] = []
        self._colds: list[bool] = []

    def start(self) -> None:
        stream = arrivals(self.spec.workload, self._arrivals)
        self.feeder = Feeder(self.clock, stream, self.on_window, self.handler(),
                             at_once=self.windows_at_once).start()

    def on_window(self, times: np.ndarray):
        first = self.ledger.offer(times)
        return times, np.arange(first, first + len(times))

    def handler(self):
        """What each delivered event calls (a path may skip checks that cannot apply)."""
        return self.arrive

    def arrive(self, i: int) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def began(self, i: int) -> None:
        """Event ``i``'s invocation started now (its attempt and start: booked at close)."""
        self.running.add(i)
        self._start_ids.add_int(i)
        self._start_times.add(self.clock.now)

    def ended(self, i: int, end: float, outcome: int, cold: bool) -> None:
        """Event ``i``'s invocation ending at ``end`` settles it (booked at close)."""
        self._end_ids.add_int(i)
        self._end_times.add(end)
        self._outcomes.append(outcome)
        self._colds.append(cold)

    def wait(self, i: int, delay: float, then) -> None:
        """Event ``i`` waits ``delay`` seconds, then ``then(i)``."""
        self.waiting.add(i)
        self.clock.after(delay, self._woken, i, then)

    def _woken(self, i: int, then) -> None:
        self.waiting.discard(i)
        then(i)

    def close(self, horizon: float) -> None:
        # attempts, starts and endings, booked in bulk
        self.ledger.started(self._start_ids.values(), self._start_times.values())
        outcome, cold = self._outcomes, self._colds
        self.ledger.ended(self._end_ids.values(), self._end_times.values(),
                          np.fromiter(outcome, np.int8, len(outcome)),
                          np.fromiter(cold, bool, len(cold)))
        live = np.fromiter(chain(self.feeder.pending_ids(), self.waiting, self.running),
                           dtype=np.int64)
        self.ledger.close(self.ledger.arrival[live], horizon)

    def samples(self) -> list:
        led = self.ledger
        arrival = led.view("arrival")
        done = led.view("end")[led.view("outcome") == SUCCEEDED]
        return [("Offered", "sum", arrival, np.ones(len(arrival))),
                ("Succeeded", "sum", done, np.ones(len(done)))]

    def usage(self) -> dict:
        """Billable activity: the events the caller or service sent after the warm-up (one
        Invoke, SNS publish, EventBridge event or S3 notification each), and their 64 KB
        chunks (SNS and EventBridge bill each chunk)."""
        n = self.ledger.offered
        return {"events": n, "event_chunks_64kb": n * chunks(self.spec.workload.record_bytes)}

    def log(self) -> SourceLog:
        return SourceLog(self.name, self.spec.kind, self.spec.function, self.ledger,
                         samples=self.samples(), event_columns=dict(self.event_columns),
                         usage=self.usage())
