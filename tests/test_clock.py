"""The clock: callbacks in time order (ties first come, first served, as SimPy orders its
events), never overtaking an event on SimPy's own calendar, across several runs; sparse push
windows joined without changing a number; the garbage collector restored after a run."""

from __future__ import annotations

import gc

from conftest import assert_identical, poisson, scenario

import lambdasim as ls
from lambdasim.sim import clock as clock_module
from lambdasim.sim.clock import Clock, Timer


def test_callbacks_run_in_time_order_ties_first_come_first_served():
    c, seen = Clock(100.0), []
    for t, name in [(5.0, "e"), (1.0, "a"), (3.0, "c"), (3.0, "d"), (2.0, "b")]:
        c.at(t, lambda n=name: seen.append((c.now, n)))
    c.run()
    assert seen == [(1.0, "a"), (2.0, "b"), (3.0, "c"), (3.0, "d"), (5.0, "e")]


def test_callbacks_scheduled_by_callbacks_and_at_the_horizon():
    c, seen = Clock(10.0), []

    def tick():
        seen.append(c.now)
        c.after(2.5, tick)

    c.at(0.0, tick)
    c.run()
    assert seen == [0.0, 2.5, 5.0, 7.5]  # the one due at the horizon does not fire
    assert c.now == 10.0


def test_a_simpy_process_interleaves_with_the_callbacks():
    c, seen = Clock(10.0), []
    for t in (1.0, 4.0, 6.0):
        c.at(t, lambda: seen.append(("callback", c.now)))

    def process():
        yield c.env.timeout(5.0)
        seen.append(("simpy", c.env.now))
        c.at(c.env.now, lambda: seen.append(("scheduled by simpy", c.now)))

    c.env.process(process())
    c.run()
    assert seen == [("callback", 1.0), ("callback", 4.0), ("simpy", 5.0),
                    ("scheduled by simpy", 5.0), ("callback", 6.0)]


def test_runs_in_slices_and_a_replaced_wake_up():
    c, seen = Clock(10.0), []
    c.at(9.0, lambda: seen.append(c.now))
    c.at(1.0, lambda: seen.append(c.now))  # earlier: the wake-up for 9 s is replaced
    timer = Timer(c, lambda: seen.append(("timer", c.now)))
    timer.set(4.0)
    timer.set(6.0)  # moved: fires once, at 6 s
    for until in (2.0, 5.0, 8.0):
        c.run(until)
        assert c.now == until
    c.run()
    assert seen == [1.0, ("timer", 6.0), 9.0]


def test_the_garbage_collector_is_restored():
    c = Clock(1.0)
    c.at(0.5, lambda: None)
    assert gc.isenabled()
    c.run()
    assert gc.isenabled()
    gc.disable()
    try:
        Clock(1.0).run()
        assert not gc.isenabled()  # left as it was found
    finally:
        gc.enable()


def test_joining_sparse_windows_changes_no_number(monkeypatch):
    """A sparse S3 source (its delivery delay a mixture, whose draws depend on how many are
    drawn at once: each window is still drawn on its own) and a sync caller: the same tables
    with windows joined and without."""
    sc = scenario(source={"kind": "s3", "workload": poisson(0.5)}, duration_s=600,
                  warmup_s=0)
    sc = sc.model_copy(update={"sources": (
        *sc.sources, ls.Scenario.from_dict({
            "duration_s": 1, "functions": [{"name": "f"}],
            "sources": [{"name": "app", "kind": "sync", "function": sc.functions[0].name,
                         "workload": poisson(0.3)}]}).sources[0])})
    joined = ls.simulate(sc, seed=4)
    monkeypatch.setattr(clock_module, "JOIN_BELOW", 0)
    apart = ls.simulate(sc, seed=4)
    assert len(joined.events) > 400
    assert_identical(joined.events, apart.events)
    assert_identical(joined.invocations, apart.invocations)


def _program(seed: int):
    """A random schedule: each callback, when it fires, schedules the next of its chain
    (sometimes none, sometimes two) at a delay from 0 (ties) to 1 s in dense stretches and
    to 30 s in sparse ones, so the calendar's buckets widen and narrow."""
    import random

    def children(i: int, now: float) -> list[float]:
        r = random.Random(seed * 1_000_003 + i)
        dense = int(now // 40) % 2 == 0
        k = 1 + (r.random() < 0.05) - (r.random() < 0.05)
        return [now + r.choice((0.0, 1e-4, r.random() * (1.0 if dense else 30.0)))
                for _ in range(k)]
    return children


def test_the_calendar_fires_in_time_then_scheduling_order_as_its_buckets_adapt():
    """Against a plain sort by (time, scheduling order): thousands of callbacks, ties, runs
    in slices and callbacks added between slices earlier than any waiting one."""
    from heapq import heappop, heappush

    children, horizon, slices = _program(7), 120.0, (37.5, 80.0, 80.5, 101.0)
    c, fired, ids = Clock(horizon), [], iter(range(10**9))

    def fire(i):
        fired.append((c.now, i))
        for t in children(i, c.now):
            c.at(t, fire, next(ids))

    extra = {}  # slice end -> ids scheduled then, 1e-6 s ahead
    for _ in range(30):
        c.at(0.0, fire, next(ids))
    for until in slices:
        c.run(until)
        extra[until] = [next(ids) for _ in range(3)]
        for i in extra[until]:
            c.at(c.now + 1e-6, fire, i)
    c.run()

    ref, q, seq, n = [], [], iter(range(10**9)), iter(range(10**9))
    for _ in range(30):
        heappush(q, (0.0, next(seq), next(n)))
    cut = iter(slices)
    until = next(cut)
    while q and q[0][0] < horizon:
        if until is not None and q[0][0] >= until:  # between slices: the extra callbacks
            for _ in extra[until]:
                heappush(q, (until + 1e-6, next(seq), next(n)))
            until = next(cut, None)
            continue
        t, _, i = heappop(q)
        ref.append((t, i))
        for u in children(i, t):
            heappush(q, (max(u, t), next(seq), next(n)))
    assert len(fired) > 5000
    assert fired == ref


def test_deliveries_that_run_next_skip_the_calendar_in_the_same_order():
    """A feeder's deliveries go on without the calendar while each would run next anyway:
    against the same run with every delivery scheduled, in the same order with ties (a
    delivery due with a waiting callback runs after it), a SimPy process and run slices."""
    import numpy as np

    class Grid:  # arrivals on a 10 ms grid, so deliveries tie with other callbacks
        def __init__(self):
            self.rng = np.random.default_rng(5)

        def next(self, t0, t1):
            t = np.round(np.sort(self.rng.uniform(t0, t1, 400)), 2)
            return t[(t >= t0) & (t < t1)]

    class Scheduling(Clock):  # every delivery goes through the calendar
        asked = 0

        def next_up(self, t):
            Scheduling.asked += 1
            return False

    def run(skip: bool) -> tuple[list, list]:
        c, seen, pending = (Clock if skip else Scheduling)(60.0), [], []
        u = iter(np.random.default_rng(6).random(10**5).tolist())

        def deliver(i):
            seen.append((c.now, "delivery", i))
            c.at(c.now + (0.0 if next(u) < 0.2 else round(next(u) * 0.05, 2)),
                 lambda: seen.append((c.now, "end", i)))

        def process():
            while True:
                yield c.env.timeout(0.25)
                seen.append((c.env.now, "simpy"))

        def window(times):
            return times, np.arange(len(times)) + 1000 * int(times[0]) if len(times) else times

        feeder = clock_module.Feeder(c, Grid(), window, deliver).start()
        c.env.process(process())
        for until in (7.5, 23.0, 23.01, 41.0):
            c.run(until)
            pending.append(sorted(feeder.pending_ids()))
        c.run()
        return seen, pending

    skipped, scheduled = run(True), run(False)
    assert Scheduling.asked > 2000  # (a compiled clock calls the override too)
    assert len(skipped[0]) > 4000 and sum(len(p) for p in skipped[1]) > 0
    assert skipped == scheduled
