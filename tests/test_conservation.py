"""The outcome ledger catches a lost event: a path that forgets one, or settles one twice,
makes the run raise ConservationError naming the source; full and histogram detail agree."""

from __future__ import annotations

import pytest
from conftest import const, poisson, scenario

import lambdasim as ls
from lambdasim.sim import engine as engine_module
from lambdasim.sim.async_queue import AsyncSource
from lambdasim.sim.sqs.mapping import SqsSource
from lambdasim.sim.sync import SyncSource


class ForgetsOne(SyncSource):
    """A broken path: event 5 arrives and is never invoked, retried or settled."""

    def arrive(self, i):
        if i != 5:
            super().arrive(i)


class SettlesTwice(SyncSource):
    def completed(self, i, start, end, ok, cold):
        super().completed(i, start, end, ok, cold)
        if i == 3:
            self.ledger.settle_one(i, 1, end)


class ForgetsARetry(AsyncSource):
    """A broken path: a throttled event is neither retried nor discarded."""

    def wait(self, i, delay, then):
        pass


class DeletesTwice(SqsSource):
    """A broken path: the first successful batch's messages are deleted twice."""

    def completed(self, batch, start, end, ok, cold):
        super().completed(batch, start, end, ok, cold)
        if ok and not getattr(self, "_twice", False):
            self._twice = True
            self.queue.finish(batch.ids, 1, end)


def _with(monkeypatch, kind, runtime):
    real = engine_module.runtime
    monkeypatch.setattr(engine_module, "runtime",
                        lambda k: runtime if k == kind else real(k))


@pytest.mark.parametrize("warmup", [0.0, 5.0])
def test_a_lost_event_raises(monkeypatch, warmup):
    _with(monkeypatch, "sync", ForgetsOne)
    sc = scenario(source={"workload": poisson(20)}, duration_s=30, warmup_s=warmup)
    with pytest.raises(ls.ConservationError, match="^api: "):
        ls.simulate(sc, seed=1)


def test_an_event_settled_twice_raises(monkeypatch):
    _with(monkeypatch, "sync", SettlesTwice)
    with pytest.raises(ls.ConservationError, match="api: event 3 ended twice"):
        ls.simulate(scenario(duration_s=10, warmup_s=0), seed=1)


@pytest.mark.parametrize("detail", ["full", "histogram"])
def test_an_sqs_message_deleted_twice_raises(monkeypatch, detail):
    _with(monkeypatch, "sqs", DeletesTwice)
    sc = scenario(source={"kind": "sqs", "workload": poisson(20)}, duration_s=30, warmup_s=0)
    with pytest.raises(ls.ConservationError, match="^api: "):
        ls.simulate(sc, seed=1, record_detail=detail)


def test_a_dropped_retry_raises(monkeypatch):
    _with(monkeypatch, "s3", ForgetsARetry)
    sc = scenario(function={"reserved_concurrency": 1, "duration": const(1.0)},
                  source={"kind": "s3", "workload": poisson(5)}, duration_s=30, warmup_s=0)
    with pytest.raises(ls.ConservationError,
                       match="^api: offered 1[0-9][0-9] events .* but settled"):
        ls.simulate(sc, seed=1)


def test_the_real_paths_conserve_with_warmup():
    sc = scenario(function={"reserved_concurrency": 2, "duration": const(1.0)},
                  source={"kind": "s3", "workload": poisson(5)}, duration_s=120, warmup_s=30)
    s = ls.simulate(sc, seed=2).summary.iloc[0]
    assert s.offered == sum(s[o] for o in ls.OUTCOMES)
    assert s.in_flight > 0 and s.throttles > 0  # a live backlog at the horizon, counted


def test_series_picks_one_metric():
    r = ls.simulate(scenario(duration_s=120, warmup_s=0), seed=1)
    inv = r.series("Invocations", function="f", period_s=10)
    assert len(inv) == 12 and inv.index.name == "time_s"
    assert inv.sum() == len(r.invocations)
    assert r.series("Offered", period_s=10).sum() == r.summary.offered.sum()
    with pytest.raises(ValueError, match="several series, choose one of: function='f', "
                                         "source='api'"):
        r.series("Invocations")
    with pytest.raises(ValueError, match="not a lambdasim metric"):
        r.series("Nope")


def test_bulk_booking_keeps_each_events_last_value_and_names_the_first_event_ended_twice():
    """Invocations are booked in bulk at the horizon: an event invoked several times keeps
    its last invocation's value, and of the events ended twice the lowest is named."""
    import numpy as np

    from lambdasim.sim.ledger import SUCCEEDED, Ledger

    rng = np.random.default_rng(3)
    ids = rng.integers(0, 500, 3000)
    values = rng.random(3000)
    column = np.full(600, -1.0)
    Ledger.set_last(column, ids, values)
    expect = np.full(600, -1.0)
    for i, v in zip(ids.tolist(), values.tolist(), strict=True):
        expect[i] = v  # in order: the last one stays
    assert np.array_equal(column, expect)

    led = Ledger("src", 0.0)
    led.offer(np.zeros(10))
    with pytest.raises(ls.ConservationError, match="^src: event 4 ended twice"):
        led.ended([1, 7, 4, 7, 4], [1.0] * 5, SUCCEEDED, False)
