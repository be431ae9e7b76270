"""The event source mapping's pollers: how many there are, and how they receive batches.

- The mapping has a target number of pollers, each with at most one batch in flight, so the
  mapping's concurrency never exceeds the target. The target starts at 5 (at least
  ``min_pollers``, at most the cap) and, once a second, grows by 300/60 = 5 (``scaling_rule:
  "2023"``; ``"legacy"``: 60/60 = 1) while every poller is busy and messages are waiting, up
  to 1,250 (legacy 1,000) or ``max_concurrency`` (MaximumConcurrency, 2-1,000) if set.
- Scale-down: once a minute the target drops by the number of pollers that stayed idle
  through the whole minute (the fewest idle at any moment of it), not below ``min_pollers``
  (default 5; AWS goes down to 2).
- A poller long-polls: with visible messages its ReceiveMessage call returns after
  ``receive_delay`` (the long poll's return and round trip, and the Invoke overhead) holding up
  to ``batch_size`` of the messages visible by then, so under load a batch gathers what
  arrived during the call; with none visible it waits until one becomes visible (the 20 s
  long-poll timeout and re-poll change nothing in the model and are not simulated). A call
  in flight counts for a batch of the visible messages, so other pollers do not chase them.
  With ``batching_window_s`` > 0 a poller that
  receives fewer than ``batch_size`` keeps gathering until the batch is full or the window
  (counted from its first receive) has passed; one poller gathers at a time, the others wait
  or take full batches. A batch is also capped at the 6 MB payload limit
  (6,291,456 / the workload's ``record_bytes``).
- Throttles: the target drops to the number of batches in flight (not below
  ``min_pollers``), the throttled poller retires if over the target or else sleeps, and
  growth pauses for a backoff of 1 s, doubling with every new throttle episode within a
  minute of the previous throttle, up to 60 s.
- Function errors: AWS "gradually backs off, reducing the amount of concurrency allocated"
  (LDG: services-sqs-errorhandling); with ReportBatchItemFailures it does not. Modelled as
  additive increase, multiplicative decrease: each failed invocation multiplies the target by
  ``error_backoff`` (not below ``min_pollers``) and pauses its poller for ``error_pause_s``;
  the defaults reproduce the concurrency and throughput measured by rehanvdm.com (2025/26)
  with 1 %, 5 % and 10 % of invocations failing (docs/calibration.md).

Events are polls, batch ends and one bookkeeping tick per simulated second, never one per
message. Below capacity a long-polling poller takes a message as soon as it arrives, so
batches (and events) are then about one per message, as they are in AWS.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Final

from ...spec.aws import SQS_SCALING, SQS_START_POLLERS, SYNC_PAYLOAD_BYTES
from ...spec.sqs import SqsSourceSpec
from ..clock import Clock, Timer
from .queues import Queue
from .store import EPS, Batch

if TYPE_CHECKING:  # typed, so that compiled pollers call their mapping natively
    from .mapping import SqsSource

TICK_S = 1.0  # bookkeeping: scaling, metric samples
LONG_POLL_S = 20.0  # a waiting poller's ReceiveMessage call: the 20 s long poll (billing only)
SCALE_DOWN_S = 60.0
BACKOFF_MIN_S, BACKOFF_MAX_S, BACKOFF_RESET_S = 1.0, 60.0, 60.0

# what a poller asking for work ends up doing
BUSY: Final = 0
WAIT: Final = 1
RETIRED: Final = 2


def batch_cap(spec: SqsSourceSpec) -> int:
    """Most messages in a batch: BatchSize, capped by the 6 MB synchronous payload."""
    return min(spec.batch_size, max(1, SYNC_PAYLOAD_BYTES // spec.workload.record_bytes))


class Scaler:
    """The target number of pollers: its bounds, growth step and throttle back-off."""

    def __init__(self, spec: SqsSourceSpec):
        per_min, most = SQS_SCALING[spec.scaling_rule]
        self.cap = min(most, spec.max_concurrency or most)
        self.floor = min(spec.min_pollers, self.cap)
        self.growth = max(1, round(per_min * TICK_S / 60.0))
        self.target = float(min(max(SQS_START_POLLERS, spec.min_pollers), self.cap))
        self.error_backoff = 1.0 if spec.report_batch_item_failures else spec.error_backoff
        self.pause_until = -math.inf  # no growth before this (throttle back-off)
        self._last_throttle = -math.inf
        self._backoff = BACKOFF_MIN_S
        self.next_scale_down = SCALE_DOWN_S

    def may_grow(self, now: float) -> bool:
        return now >= self.pause_until and self.target < self.cap

    def grow(self) -> None:
        self.target = min(self.cap, self.target + self.growth)

    def errored(self) -> None:
        """A batch failed: back off multiplicatively."""
        self.target = max(float(self.floor), self.target * self.error_backoff)

    def shrink(self, idle: int) -> None:
        """``idle`` pollers stayed idle through the last minute."""
        self.target = max(self.floor, self.target - idle)

    def throttled(self, now: float, busy: int) -> None:
        """An invocation was throttled with ``busy`` batches in flight."""
        self.target = max(self.floor, min(self.target, busy))
        if now >= self.pause_until:  # a new throttle episode
            if now - self._last_throttle > BACKOFF_RESET_S:
                self._backoff = BACKOFF_MIN_S
            else:
                self._backoff = min(BACKOFF_MAX_S, 2 * self._backoff)
            self.pause_until = now + self._backoff
        self._last_throttle = now


class IdleTime:
    """Poller-seconds spent waiting for messages after ``start`` (the warm-up): the long
    polls that return empty, billed as empty receives. Counting draws no random number."""

    def __init__(self):
        self.count, self.start, self._s, self._t = 0, 0.0, 0.0, 0.0

    def _to(self, now: float) -> None:
        t0 = max(self._t, self.start)
        if now > t0:
            self._s += self.count * (now - t0)
        self._t = max(self._t, now)

    def set(self, k: int, now: float) -> None:
        self._to(now)
        self.count = k

    def seconds(self, horizon: float) -> float:
        self._to(horizon)
        return self._s


class Pollers:
    """The mapping's pollers: each asks the queue for a batch, waits for messages, or
    retires. The ``mapping`` invokes a batch (``mapping.dispatch(batch)``: whether it started)
    and is told of every receive (``mapping.received(batch, now)``; a gathering batch's parts
    each)."""

    def __init__(self, clock: Clock, queue: Queue, spec: SqsSourceSpec, mapping: SqsSource,
                 receive_delay=None):
        self.clock, self.queue = clock, queue
        self.receive_delay = receive_delay  # a sampler, or None: receives return at once
        self.error_pause = 0.0 if spec.report_batch_item_failures else spec.error_pause_s
        self.receiving = 0  # receive calls in flight
        self.scaler = Scaler(spec)
        self.batch_size = batch_cap(spec)
        self.window = spec.batching_window_s
        self.mapping = mapping
        self.idle = IdleTime()  # poller-seconds spent waiting (for the bill)
        self.n = self.busy = 0  # pollers; with a batch in flight
        #: pollers waiting for messages, each long-polling (their time is added up in ``idle``)
        self.waiting = 0
        self.min_waiting = 0  # fewest waiting since the last scale-down
        self.filler: Batch | None = None  # the batch gathering during its batching window
        self._wake = Timer(clock, self.wake_waiting)  # a message becomes receivable
        self._fill = Timer(clock, self._gather)  # the filler's next receive

    def _set_waiting(self, k: int) -> None:
        self.idle.set(k, self.clock.now)
        self.waiting = k

    def start(self) -> None:
        self.spawn(int(self.scaler.target))
        self.min_waiting = self.waiting

    def spawn(self, k: int) -> None:
        for _ in range(k):
            self.n += 1
            self.poll()

    def poll(self) -> int:
        """A free poller asks for work: BUSY (a batch, or gathering one), WAIT or RETIRED."""
        if self.n > self.scaler.target:
            self.n -= 1
            return RETIRED
        now = self.clock.now
        q, b = self.queue, self.batch_size
        if self.window > 0:
            vis = q.visible(now)
            if vis == 0 or (vis < b and self.filler is not None):
                return self._wait()
        elif not q.has_work(now, self.receiving * b):
            return self._wait()
        elif self.receive_delay is not None:
            self.receiving += 1
            self.clock.after(self.receive_delay(), self._returned)
            return BUSY
        return self._receive(now)

    def _returned(self) -> None:
        """A receive call returns with what is visible now."""
        self.receiving -= 1
        if self._receive(self.clock.now) != WAIT:
            self.wake_waiting()

    def _receive(self, now: float) -> int:
        batch = self.queue.receive(now, self.batch_size)
        if batch is None:
            return self._wait()
        self.mapping.received(batch, now)
        if self.window > 0 and batch.n < self.batch_size:
            batch.parts.append(batch.ids)
            batch.deadline = now + self.window
            self.filler = batch
            self.schedule_fill()
            return BUSY
        self._invoke(batch)
        return BUSY

    def _wait(self) -> int:
        self._set_waiting(self.waiting + 1)
        self._arm()
        return WAIT

    def _worth_filling(self, now: float) -> bool:
        """With a batching window: a full batch is visible, or some and no one gathers."""
        vis = self.queue.visible(now)
        return vis >= self.batch_size or (vis > 0 and self.filler is None)

    def wake_waiting(self) -> None:
        """Waiting pollers poll while there is work for them."""
        now = self.clock.now
        q, b = self.queue, self.batch_size
        # without a window: messages are receivable beyond those the calls in flight take
        while self.waiting > 0 and (self._worth_filling(now) if self.window > 0
                                    else q.has_work(now, self.receiving * b)):
            self._set_waiting(self.waiting - 1)
            self.min_waiting = min(self.min_waiting, self.waiting)
            if self.poll() == WAIT:
                break
        if self.waiting:
            self._arm()

    def _arm(self) -> None:
        """Keep the wake-up timer set for when a message next becomes receivable."""
        if self.waiting == 0 or (self.window > 0 and self.filler is not None):
            return
        # None: what is visible is being received (the call's return wakes them) or nothing
        t = self.queue.wake_time(self.clock.now, self.receiving * self.batch_size)
        if t is None:
            return
        due = self._wake.due
        if due is not None and due <= t:
            return
        self._wake.set(t)

    def freed(self, error: bool = False) -> None:
        """A batch ended: its poller asks for work (if it finds none, neither will the
        others); after a function error the mapping backs off first."""
        self.busy -= 1
        if error and self.error_pause >= 0:
            self.scaler.errored()
            if self.error_pause > 0:
                self.clock.after(self.error_pause, self._woke)
                return
        if self.poll() != WAIT:
            self.wake_waiting()

    # -- the batching window (standard queues only) ------------------------------------------
    def schedule_fill(self) -> None:
        """Set the filler's next receive: when enough messages will be visible to fill it, or
        at its deadline."""
        b, now = self.filler, self.clock.now
        assert b is not None  # (only while a batch gathers)
        need = self.batch_size - sum(len(p) for p in b.parts)
        self._fill.set(min(b.deadline, self.queue.fill_time(now, need)))

    def _gather(self) -> None:
        b = self.filler
        assert b is not None  # (the fill timer is set only while a batch gathers)
        now = self.clock.now
        have = sum(len(p) for p in b.parts)
        need = self.batch_size - have
        if need > 0 and self.queue.visible(now) > 0:
            more = self.queue.receive(now, need)
            if more is not None:
                b.parts.append(more.ids)
                b.lo = -1  # parts: not known to be one range
                self.mapping.received(more, now)
                have += more.n
        if have >= self.batch_size or now >= b.deadline - EPS:
            self.filler = None
            b.join()
            self._invoke(b)
            self.wake_waiting()
        else:
            self.schedule_fill()

    # -- invoking, throttles, scaling ----------------------------------------------------------
    def _invoke(self, batch: Batch) -> None:
        if self.mapping.dispatch(batch):
            self.busy += 1
            return
        # throttled (the batch is back in the queue): waiting pollers must see it come back
        self._arm()
        now = self.clock.now
        sc = self.scaler
        sc.throttled(now, self.busy)
        if self.n > sc.target:
            self.n -= 1
            return
        self.clock.at(sc.pause_until, self._woke)

    def _woke(self) -> None:
        self.poll()
        self.wake_waiting()

    def scale(self, now: float, visible: int) -> None:
        """Once a second: grow while every poller is busy and messages wait; once a minute,
        retire the pollers idle through the whole minute."""
        sc = self.scaler
        if (sc.may_grow(now) and self.waiting == 0
                and (visible > 0 if self.window > 0 else self.queue.receivable(now))):
            sc.grow()
            self.spawn(max(0, int(sc.target) - self.n))
        if now >= sc.next_scale_down - EPS:
            sc.next_scale_down += SCALE_DOWN_S
            if self.min_waiting > 0 and sc.target > sc.floor:
                sc.shrink(self.min_waiting)
                k = min(self.waiting, max(0, self.n - int(sc.target)))
                self._set_waiting(self.waiting - k)
                self.n -= k
            self.min_waiting = self.waiting
