"""SQS event source mapping: poller scaling, visibility timeout and redrive, batch item failures,
FIFO order per message group, throughput against capacity, queue metrics, validation,
conservation, and the latency histogram used by record_detail="histogram"."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lambdasim as ls
from lambdasim.results.metrics import concurrency_steps
from lambdasim.sim.histogram import LatencyHistogram
from lambdasim.spec.sqs import check_sqs

OUTCOMES = ("in_flight", "succeeded", "failed", "dropped", "rejected", "expired")


def const(v: float) -> dict:
    return {"dist": "constant", "value_s": v}


def poisson(rate: float) -> dict:
    return {"pattern": "poisson", "rate_per_s": rate}


#: the queue's semantics, hand-derived: receives return at once and errors do not shrink the
#: mapping (the measured receive delay and error back-off are tested in test_fidelity.py)
IDEAL = {"receive_delay": None, "error_backoff": 1.0, "error_pause_s": 0.0}


def sqs_dict(duration_s=300.0, warmup_s=0.0, function=None, account=None, **src) -> dict:
    source = {"name": "orders", "kind": "sqs", "function": "worker", "workload": poisson(200),
              **IDEAL}
    source.update(src)
    fn = {"name": "worker", "duration": const(0.2), "cold_start": None}
    fn.update(function or {})
    acct = {"concurrency_limit": 3000, "scaling_rate_per_10s": None, "unreserved_minimum": 0}
    acct.update(account or {})
    return {"duration_s": duration_s, "warmup_s": warmup_s, "account": acct,
            "functions": [fn], "sources": [source]}


def sqs_scenario(*args, **kw) -> ls.Scenario:
    return ls.Scenario.from_dict(sqs_dict(*args, **kw))


def one_message(**kw) -> ls.Scenario:
    """A single message, arriving at t = 1 s."""
    return sqs_scenario(600.0, workload={"pattern": "constant", "rate_per_s": 0.001,
                                         "start_s": 1.0}, **kw)


def conserved(r: ls.Result) -> None:
    """Summary and events table agree, and every message is in exactly one outcome."""
    for row in r.summary.itertuples():
        assert row.offered == sum(getattr(row, o) for o in OUTCOMES), row
        assert row.dropped == 0 and row.rejected == 0
    if r.record_detail != "full":
        return
    ev = r.events
    for row in r.summary.itertuples():
        mine = ev[ev.source == row.source]
        assert mine.id.is_unique
        counted = mine[mine.arrival_s >= r.warmup_s]
        by = counted.outcome.astype(str).value_counts()
        for o in OUTCOMES:
            assert int(by.get(o, 0)) == int(getattr(row, o)), o
        done = mine[mine.outcome != "in_flight"]
        assert (done.end_s >= done.arrival_s - 1e-9).all()
        assert (done.end_s <= r.duration_s + 1e-9).all()
        assert mine[mine.outcome == "in_flight"].end_s.isna().all()
        ok = mine[mine.outcome == "succeeded"]
        assert (ok.attempts >= 1).all() and (ok.start_s >= ok.arrival_s - 1e-9).all()
        # NumberOfMessagesReceived counts every receive: the receive counts add up to it
        m = r.metrics(r.duration_s)
        m = m[m.source == row.source].groupby("metric").value.sum()
        assert m["NumberOfMessagesReceived"] == mine.attempts.sum()
        assert m["NumberOfMessagesDeleted"] == (mine.outcome == "succeeded").sum()
        assert m["Offered"] == len(mine)


def concurrency_reached(r: ls.Result, level: float) -> float:
    """First time the function's concurrency reaches ``level``."""
    inv = r.invocations
    t, lv = concurrency_steps(inv.start_s.to_numpy(), inv.end_s.fillna(r.duration_s).to_numpy())
    i = int(np.argmax(lv >= level))
    assert lv[i] >= level, f"concurrency never reached {level} (max {lv.max()})"
    return float(t[i])


def concurrency_at(r: ls.Result, when: float) -> float:
    inv = r.invocations
    t, lv = concurrency_steps(inv.start_s.to_numpy(), inv.end_s.fillna(r.duration_s).to_numpy())
    i = int(np.searchsorted(t, when, side="right"))
    return float(lv[i - 1]) if i else 0.0


# -- scaling --------------------------------------------------------------------------------
def test_flood_scales_from_5_to_1250_at_300_per_minute():
    """AWS: start with 5 concurrent batches, add up to 300 per minute while messages are
    available, up to 1,250: (1,250 - 5) / 300 minutes = 249 s. 5 % of batches fail: their
    messages are received again after the visibility timeout, and a message whose batch
    failed twice goes to the DLQ (maxReceiveCount 2)."""
    sc = sqs_scenario(280.0, function={"duration": const(4.0), "error_rate": 0.05},
                      max_receive_count=2, visibility_timeout_s=30,
                      workload={"pattern": "constant", "rate_per_s": 3500})
    r = ls.simulate(sc, seed=1, record_detail="histogram")
    conserved(r)
    s = r.summary.iloc[0]
    inv = r.invocations
    m = r.metrics(r.duration_s).groupby("metric").value.sum()
    # every receive is a message in a batch that was deleted, failed, or is still running
    # (SimPy stops before events at the horizon: a batch ending exactly then is running)
    ended = inv.end_s < r.duration_s
    in_failed = int(inv.records[ended & inv.error].sum())
    assert m["NumberOfMessagesReceived"] == (
        s.succeeded + in_failed + int(inv.records[~ended].sum()))
    assert in_failed > 0.04 * m["NumberOfMessagesReceived"]
    # retried messages were received again; 2 failed batches each for the DLQ'd ones
    assert m["NumberOfMessagesReceived"] > s.succeeded + in_failed * 0.5
    assert 0 < 2 * s.failed <= in_failed
    expected = (1250 - 5) / 300 * 60
    reached = concurrency_reached(r, 1250)
    assert abs(reached - expected) <= 2.0, reached
    assert abs(reached - expected) <= 60.0  # the tolerance: one scaling step
    assert concurrency_at(r, 0.5) == 5
    for minute in (1, 2, 3, 4):  # 5 + 300 per minute
        assert concurrency_at(r, 60.0 * minute + 0.5) == pytest.approx(5 + 300 * minute, abs=5)
    assert r.functions.max_concurrency[0] == 1250
    assert r.summary.throttles[0] == 0


def test_legacy_rule_adds_60_per_minute():
    sc = sqs_scenario(130.0, function={"duration": const(2.0)}, scaling_rule="legacy",
                      workload={"pattern": "constant", "rate_per_s": 1000})
    r = ls.simulate(sc, seed=1, record_detail="histogram")
    conserved(r)
    assert concurrency_at(r, 60.5) == pytest.approx(65, abs=1)
    assert concurrency_at(r, 120.5) == pytest.approx(125, abs=1)


def test_max_concurrency_caps_the_mapping():
    sc = sqs_scenario(200.0, function={"duration": const(2.0)}, max_concurrency=300,
                      workload={"pattern": "constant", "rate_per_s": 3000})
    r = ls.simulate(sc, seed=1, record_detail="histogram")
    conserved(r)
    assert r.functions.max_concurrency[0] == 300
    assert concurrency_reached(r, 300) == pytest.approx((300 - 5) / 5, abs=2)


def test_pollers_scale_back_when_the_queue_is_idle():
    """A flood for 60 s, then nothing for 4 minutes, then another flood: the second one starts
    again from 5 concurrent batches."""
    wl = {"pattern": "bursts", "rate_per_s": 2000, "on_s": 60, "off_s": 240}
    r = ls.simulate(sqs_scenario(330.0, function={"duration": const(1.0)}, workload=wl),
                    seed=2, record_detail="histogram")
    conserved(r)
    assert concurrency_at(r, 59.5) >= 250
    assert concurrency_at(r, 300.5) == 5
    assert concurrency_at(r, 310.5) == pytest.approx(55, abs=5)


def test_throttles_make_the_pollers_back_off():
    """Reserved concurrency 20 below what the mapping would scale to: the mapping holds about
    20 batches in flight, tries to grow after a backoff doubling 1, 2, 4 ... 60 s, and its
    throughput is the function's capacity, 20 x 10 / 0.5 s = 400 messages/s."""
    sc = sqs_scenario(600.0, 100.0, function={"duration": const(0.5), "reserved_concurrency": 20},
                      workload=poisson(1000))
    r = ls.simulate(sc, seed=3, record_detail="histogram")
    conserved(r)
    s = r.summary.iloc[0]
    assert s.throughput_per_s == pytest.approx(400, rel=0.03)
    thr = np.sort(r.throttles.time_s.to_numpy())
    assert set(r.throttles.reason.astype(str).unique()) == {"reserved"}
    gaps = np.diff(thr)
    assert list(np.round(gaps[:6])) == [1, 2, 4, 8, 16, 32]
    assert np.allclose(gaps[6:], 60, atol=1)
    assert r.functions.max_concurrency[0] == 20


# -- visibility timeout, redrive, batch item failures ----------------------------------------
def test_failing_message_is_retried_every_visibility_timeout_then_moved_to_the_dlq():
    sc = one_message(function={"error_rate": 1.0}, visibility_timeout_s=30,
                     max_receive_count=5)
    r = ls.simulate(sc, seed=0)
    conserved(r)
    assert r.invocations.start_s.tolist() == [1.0, 31.0, 61.0, 91.0, 121.0]
    ev = r.events.iloc[0]
    assert ev.outcome == "failed" and ev.attempts == 5
    assert ev.end_s == pytest.approx(151.0)  # moved at the 6th receive attempt
    assert r.functions.errors[0] == 5


def test_no_redrive_retries_until_the_horizon():
    sc = one_message(function={"error_rate": 1.0}, visibility_timeout_s=45,
                     max_receive_count=None)
    r = ls.simulate(sc, seed=0)
    conserved(r)
    assert r.invocations.start_s.tolist() == [1.0 + 45 * k for k in range(14)]
    ev = r.events.iloc[0]
    assert ev.outcome == "in_flight" and ev.attempts == 14


def test_throttled_receives_count_toward_max_receive_count():
    """A throttled batch returns to the queue after the visibility timeout with its receive
    count incremented, as in AWS: with no concurrency at all the message reaches the DLQ
    without ever running."""
    sc = one_message(function={"reserved_concurrency": 0}, visibility_timeout_s=30,
                     max_receive_count=3)
    r = ls.simulate(sc, seed=0)
    conserved(r)
    assert len(r.invocations) == 0
    assert r.throttles.time_s.tolist() == [1.0, 31.0, 61.0]
    ev = r.events.iloc[0]
    assert ev.outcome == "failed" and ev.attempts == 3 and ev.end_s == pytest.approx(91.0)


def test_retried_messages_wait_a_visibility_timeout_per_failure():
    sc = sqs_scenario(600.0, 60.0, function={"error_rate": 0.3}, visibility_timeout_s=40,
                      max_receive_count=4, workload=poisson(50))
    r = ls.simulate(sc, seed=5)
    conserved(r)
    ev = r.events
    ok = ev[ev.outcome == "succeeded"]
    lat = ok.end_s - ok.arrival_s
    assert (lat >= (ok.attempts - 1) * 40 - 1e-9).all()
    assert (ok.attempts > 1).mean() == pytest.approx(0.3, abs=0.03)
    dlq = ev[ev.outcome == "failed"]
    assert (dlq.attempts == 4).all()
    # a message fails 4 times in a row with probability 0.3^4 (batches fail as a whole, but
    # batch membership does not change the per-message probability)
    s = r.summary.iloc[0]
    assert s.failed / s.offered == pytest.approx(0.3**4, abs=0.005)


def test_report_batch_item_failures_retries_only_the_poison_messages():
    base = dict(duration_s=250.0, warmup_s=0.0, workload=poisson(500), batch_size=10,
                batching_window_s=1, poison_rate=0.05, visibility_timeout_s=30,
                max_receive_count=3)
    with_rbif = ls.simulate(sqs_scenario(**base, report_batch_item_failures=True), seed=7)
    without = ls.simulate(sqs_scenario(**base), seed=7)
    for r in (with_rbif, without):
        conserved(r)
    ev = with_rbif.events
    ev = ev[ev.arrival_s < 140]  # poison messages arriving later are still being retried
    assert (ev.outcome != "in_flight").all()
    done = ev
    # only poison messages fail, each after exactly max_receive_count receives; the rest
    # succeed at their first receive
    assert (done[done.outcome == "failed"].attempts == 3).all()
    assert (done[done.outcome == "succeeded"].attempts == 1).all()
    assert (done.outcome == "failed").mean() == pytest.approx(0.05, abs=0.005)
    assert with_rbif.functions.errors[0] == 0
    # without it a poison message fails its whole batch of 10: up to 1 - 0.95^10 = 40 % of
    # messages share a batch with one (fewer: returning messages mix with others)
    ev2 = without.events
    failed = (ev2[ev2.arrival_s < 140].outcome == "failed").mean()
    assert 4 * 0.05 < failed <= 1 - 0.95**10 + 0.01
    inv = without.invocations
    assert inv.error.sum() > 0.3 * len(inv)  # the handler raised: logged as function errors


def test_messages_past_retention_expire():
    sc = sqs_scenario(400.0, function={"duration": const(1.0)}, max_concurrency=2,
                      retention_s=60, workload=poisson(100))
    r = ls.simulate(sc, seed=2)
    conserved(r)
    ev = r.events
    exp = ev[ev.outcome == "expired"]
    assert len(exp) > 10000
    assert np.allclose(exp.end_s - exp.arrival_s, 60.0)
    ok = ev[ev.outcome == "succeeded"]
    assert (ok.start_s - ok.arrival_s <= 60.0 + 1e-9).all()
    assert r.summary.throughput_per_s[0] == pytest.approx(2 * 10 / 1.0, rel=0.01)


# -- FIFO -----------------------------------------------------------------------------------
def group_order_violations(ev: pd.DataFrame) -> int:
    """Messages of a group that finished out of order: one that succeeded or went to the DLQ
    after an earlier message of its group (still in flight at the horizon) had not finished,
    or one that succeeded having started before the previous message of its group ended
    (unless both succeeded in the same batch). Retention may expire messages in any order."""
    ev = ev.sort_values(["message_group", "id"])
    out = ev.outcome.astype(str).to_numpy()
    grp = ev.message_group.to_numpy()
    start, end = ev.start_s.to_numpy(), ev.end_s.to_numpy()
    ran = (out == "succeeded") | (out == "failed")
    blocked = pd.Series(out == "in_flight").groupby(grp).cummax().to_numpy()
    bad = int((ran & blocked).sum())
    same = grp[1:] == grp[:-1]
    nxt_ok = out[1:] == "succeeded"
    prev_done = out[:-1] != "in_flight"
    same_batch = (out[:-1] == "succeeded") & (start[1:] == start[:-1]) & (end[1:] == end[:-1])
    early = start[1:] < end[:-1] - 1e-9
    return bad + int((same & nxt_ok & prev_done & ~same_batch & early).sum())


def test_fifo_completes_each_group_in_arrival_order():
    sc = sqs_scenario(300.0, fifo=True, message_groups=20, workload=poisson(150),
                      function={"duration": {"dist": "lognormal", "mean_s": 0.1, "cv": 1.0}})
    r = ls.simulate(sc, seed=4)
    conserved(r)
    ev = r.events
    assert "message_group" in ev.columns and ev.message_group.nunique() == 20
    ok = ev[ev.outcome == "succeeded"].sort_values("id")
    assert ok.groupby("message_group").end_s.apply(
        lambda e: bool(np.all(np.diff(e.to_numpy()) >= 0))).all()
    assert ok.groupby("message_group").start_s.apply(
        lambda e: bool(np.all(np.diff(e.to_numpy()) >= 0))).all()
    assert group_order_violations(ev) == 0
    # groups run in parallel, but never more batches than groups
    assert 1 < r.functions.max_concurrency[0] <= 20
    assert r.summary.throughput_per_s[0] == pytest.approx(150, rel=0.03)


def test_fifo_capacity_is_groups_x_batch_over_duration():
    """A receive takes as many messages of one group as it can and a group has one batch in
    flight at a time: overloaded, 5 groups give 5 batches of 10 per second of run time."""
    sc = sqs_scenario(300.0, 60.0, fifo=True, message_groups=5, workload=poisson(200),
                      function={"duration": const(1.0)})
    r = ls.simulate(sc, seed=1, record_detail="histogram")
    conserved(r)
    assert r.summary.throughput_per_s[0] == pytest.approx(5 * 10 / 1.0, rel=0.03)
    assert r.functions.max_concurrency[0] == 5


@pytest.mark.parametrize("rbif", [False, True])
def test_fifo_failures_block_their_group(rbif):
    sc = sqs_scenario(300.0, fifo=True, message_groups=30, workload=poisson(60),
                      function={"error_rate": 0.1}, poison_rate=0.01, visibility_timeout_s=30,
                      max_receive_count=2, report_batch_item_failures=rbif)
    r = ls.simulate(sc, seed=6)
    conserved(r)
    ev = r.events
    assert (ev.outcome == "failed").sum() > 0 and (ev.attempts > 1).sum() > 0
    assert group_order_violations(ev) == 0


# -- throughput -----------------------------------------------------------------------------
def test_below_capacity_throughput_equals_offered_rate():
    sc = sqs_scenario(200.0, 20.0, workload=poisson(200))  # the contract's example source
    r = ls.simulate(sc, seed=1, record_detail="histogram")
    conserved(r)
    s = r.summary.iloc[0]
    assert s.throughput_per_s == pytest.approx(200, rel=0.03)
    assert s.failed == s.expired == s.throttles == 0
    assert s.latency_p50_s == pytest.approx(0.2, rel=0.01)  # no queueing: the duration


@pytest.mark.parametrize(("batch", "window", "dur", "per_record"),
                         [(10, 0.0, 0.5, 0.0), (100, 1.0, 0.2, 0.003)])
def test_above_capacity_throughput_is_max_concurrency_x_batch_over_duration(
        batch, window, dur, per_record):
    cap = 10 * batch / (dur + per_record * batch)
    sc = sqs_scenario(300.0, 60.0, max_concurrency=10, batch_size=batch,
                      batching_window_s=window, workload=poisson(3 * cap),
                      function={"duration": const(dur), "per_record_s": per_record})
    r = ls.simulate(sc, seed=2, record_detail="histogram")
    conserved(r)
    s = r.summary.iloc[0]
    assert s.throughput_per_s == pytest.approx(cap, rel=0.03)
    assert r.functions.max_concurrency[0] == 10


def test_batching_window_gathers_batches_at_low_rates():
    """At 20 messages/s a 2 s window gathers about 40 messages a batch (BatchSize 100), and a
    message waits about half a window on average."""
    sc = sqs_scenario(600.0, 60.0, batch_size=100, batching_window_s=2.0, workload=poisson(20))
    r = ls.simulate(sc, seed=3, record_detail="histogram")
    conserved(r)
    inv = r.invocations[r.invocations.start_s >= 60]
    assert inv.records.mean() == pytest.approx(40, rel=0.05)
    assert inv.start_s.diff().dropna().mean() == pytest.approx(2.0, rel=0.05)
    assert r.summary.latency_mean_s[0] == pytest.approx(1.0 + 0.2, rel=0.05)


# -- metrics --------------------------------------------------------------------------------
def test_queue_metrics_match_fluid_theory_when_overloaded():
    """Arrivals at lam, service at mu < lam, oldest first: at time t the backlog is
    (lam - mu) t and the oldest message arrived at mu t / lam, so its age is t (1 - mu / lam)."""
    lam, mu = 600.0, 200.0  # 10 batches of 10 every 0.5 s
    sc = sqs_scenario(300.0, 0.0, max_concurrency=10, function={"duration": const(0.5)},
                      workload={"pattern": "constant", "rate_per_s": lam})
    r = ls.simulate(sc, seed=1, record_detail="histogram")
    m = r.metrics(10.0)
    m = m[m.source == "orders"].pivot_table(index="time_s", columns="metric", values="value")
    t = m.index.to_numpy() + 9.0  # the last sample of each 10 s period is its maximum
    late = t > 30
    age = m.ApproximateAgeOfOldestMessage.to_numpy()[late]
    vis = m.ApproximateNumberOfMessagesVisible.to_numpy()[late]
    assert np.allclose(age, t[late] * (1 - mu / lam), rtol=0.02, atol=1.0)
    assert np.allclose(vis, (lam - mu) * t[late], rtol=0.02, atol=200)
    assert np.allclose(m.ApproximateNumberOfMessagesNotVisible.to_numpy()[late], 100)
    assert np.allclose(m.NumberOfMessagesReceived.to_numpy()[late], mu * 10, rtol=0.01)
    assert r.summary.queue_age_max_s[0] == pytest.approx(299 * (1 - mu / lam), rel=0.01)


def test_histogram_detail_matches_full_detail():
    sc = sqs_scenario(200.0, 30.0, function={"error_rate": 0.05,
                                             "duration": {"dist": "lognormal", "mean_s": 0.3,
                                                          "cv": 1.0}},
                      poison_rate=0.01, workload=poisson(100))
    full = ls.simulate(sc, seed=8)
    hist = ls.simulate(sc, seed=8, record_detail="histogram")
    a, b = full.summary.iloc[0], hist.summary.iloc[0]
    for c in (*OUTCOMES, "offered", "throttles", "invocations", "throughput_per_s",
              "queue_age_max_s"):
        assert a[c] == b[c], c
    for c in ("latency_mean_s", "latency_p50_s", "latency_p99_s"):
        assert b[c] == pytest.approx(a[c], rel=0.01), c
    pd.testing.assert_frame_equal(full.metrics(60), hist.metrics(60))
    with pytest.raises(ValueError, match="histogram"):
        _ = hist.events


def test_metric_units_are_documented():
    sc = sqs_scenario(60.0)
    names = set(ls.simulate(sc, seed=1).metrics(10).metric)
    assert {"ApproximateAgeOfOldestMessage", "ApproximateNumberOfMessagesVisible",
            "NumberOfMessagesReceived"} <= names
    assert names <= set(ls.METRICS)
    assert ls.METRICS["ApproximateAgeOfOldestMessage"][0] == "Seconds"


# -- conservation ---------------------------------------------------------------------------
@st.composite
def small_sqs(draw):
    fifo = draw(st.booleans())
    batch = draw(st.integers(1, 10)) if fifo else draw(st.sampled_from([1, 5, 10, 50, 300]))
    window = 0.0 if fifo else (
        draw(st.sampled_from([1.0, 3.0])) if batch > 10 else draw(st.sampled_from([0.0, 0.5])))
    return sqs_dict(
        duration_s=draw(st.sampled_from([60.0, 100.0])),
        warmup_s=draw(st.sampled_from([0.0, 20.0])),
        function={"duration": {"dist": "exponential", "mean_s": draw(st.sampled_from([0.1, 1.0]))},
                  "error_rate": draw(st.sampled_from([0.0, 0.2, 1.0])), "timeout_s": 5,
                  "reserved_concurrency": draw(st.sampled_from([None, 0, 3, 50]))},
        fifo=fifo, message_groups=draw(st.integers(1, 50)), batch_size=batch,
        batching_window_s=window, workload=poisson(draw(st.sampled_from([5.0, 50.0, 300.0]))),
        max_concurrency=draw(st.sampled_from([None, 2, 20])),
        visibility_timeout_s=draw(st.sampled_from([5, 20])),
        max_receive_count=draw(st.sampled_from([None, 1, 3])),
        retention_s=draw(st.sampled_from([60, 345600])),
        report_batch_item_failures=draw(st.booleans()),
        poison_rate=draw(st.sampled_from([0.0, 0.05])))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=small_sqs(), seed=st.integers(0, 2**31 - 1))
def test_every_message_ends_in_exactly_one_outcome(data, seed):
    sc = ls.Scenario.from_dict(data)
    r = ls.simulate(sc, seed=seed)  # the engine checks conservation as well
    conserved(r)
    ev = r.events
    mc = data["sources"][0]["max_concurrency"]
    assert r.functions.max_concurrency[0] <= (mc or 1250)
    mrc = data["sources"][0]["max_receive_count"]
    if mrc is not None:
        assert (ev.attempts <= mrc).all()
    if data["sources"][0]["fifo"]:
        assert group_order_violations(ev) == 0


# -- validation -----------------------------------------------------------------------------
@pytest.mark.parametrize(("src", "message"), [
    ({"batch_size": 20000}, "sources[0].batch_size = 20000: must be 1..10000 (SQS BatchSize)"),
    ({"batch_size": 20}, "sources[0].batching_window_s = 0: must be >= 1 when batch_size > 10"),
    ({"fifo": True, "batch_size": 20}, "sources[0].batch_size = 20: must be 1..10 for a FIFO"),
    ({"fifo": True, "batching_window_s": 1}, "sources[0].batching_window_s = 1: must be 0 for"),
    ({"batching_window_s": 301}, "sources[0].batching_window_s = 301: must be 0..300"),
    ({"max_concurrency": 1}, "sources[0].max_concurrency = 1: must be 2..1000"),
    ({"max_concurrency": 1001}, "sources[0].max_concurrency = 1001: must be 2..1000"),
    ({"visibility_timeout_s": 43201}, "sources[0].visibility_timeout_s = 43201: must be 0..43200"),
    ({"max_receive_count": 0}, "sources[0].max_receive_count = 0: must be 1..1000"),
    ({"retention_s": 30}, "sources[0].retention_s = 30: must be 60..1209600"),
    ({"scaling_rule": "2019"}, "sources[0].scaling_rule = '2019': must be '2023' or 'legacy'"),
    ({"poison_rate": 2}, "sources[0].poison_rate = 2: must be 0..1"),
])
def test_validation_messages(src, message):
    with pytest.raises(ls.ScenarioError) as err:
        sqs_scenario(**src)
    assert str(err.value).startswith(message), str(err.value)


def test_aws_names_are_accepted():
    sc = sqs_scenario(BatchSize=5, MaximumConcurrency=3, maxReceiveCount=None,
                      VisibilityTimeout=60, MaximumBatchingWindowInSeconds=2)
    s = sc.sources[0]
    assert (s.batch_size, s.max_concurrency, s.max_receive_count, s.visibility_timeout_s,
            s.batching_window_s) == (5, 3, None, 60, 2)


def test_visibility_timeout_below_function_timeout_is_rejected():
    data = sqs_dict(visibility_timeout_s=10, function={"timeout_s": 30})
    data["sources"].insert(0, {"name": "api", "kind": "sync", "function": "worker",
                               "workload": poisson(1)})
    data["sources"].insert(0, {"name": "q0", "kind": "sqs", "function": "worker",
                               "workload": poisson(1), "visibility_timeout_s": 30})
    expected = ("sources[2].visibility_timeout_s = 10: must be >= the function's timeout_s (30) "
                "(AWS rejects")
    try:
        sc = ls.Scenario.from_dict(data)
    except ls.ScenarioError as err:  # once Scenario calls check_sqs
        assert str(err).startswith(expected), str(err)
        return
    with pytest.raises(ValueError) as err:
        check_sqs(sc)
    assert str(err.value).startswith(expected)
    with pytest.raises(ls.ScenarioError, match="visibility_timeout_s = 10"):
        ls.simulate(sc)
    check_sqs(sqs_scenario(visibility_timeout_s=30, function={"timeout_s": 30}))


# -- latency histogram ----------------------------------------------------------------------
def test_latency_histogram_percentiles_within_one_percent():
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.lognormal(-2, 1.5, 200_000), rng.exponential(30, 50_000), [0.0]])
    h = LatencyHistogram()
    for chunk in np.array_split(x, 3000):
        h.add(chunk)
    assert h.count == len(x)
    assert h.mean == pytest.approx(x.mean(), rel=1e-12)
    for q in (0, 1, 10, 50, 90, 99, 99.9, 100):
        assert h.percentile(q) == pytest.approx(np.percentile(x, q), rel=0.005, abs=1e-12), q
    assert np.allclose(h.percentile([50, 99]), np.percentile(x, [50, 99]), rtol=0.005)


def test_latency_histogram_batches_of_arrivals_bin_as_their_latencies():
    """add_ends(arrivals, end) (a batch ending at one time) is add(end - arrivals), in the
    same order, mixed with add(), whatever the flush boundaries."""
    rng = np.random.default_rng(3)
    a, b = LatencyHistogram(), LatencyHistogram()
    for k in range(2000):
        arrival = np.sort(rng.random(rng.integers(0, 60))) * 10.0 + k
        end = float(k + 12.5 + rng.random())
        if k % 7:
            a.add_ends(arrival, end)
        else:
            a.add(end - arrival)
        b.add(end - arrival)
    assert (a.count, a.total, a.percentile(0), a.percentile(100)) == (
        b.count, b.total, b.percentile(0), b.percentile(100))
    assert (a.bins == b.bins).all()


def test_latency_histogram_small_and_empty():
    h = LatencyHistogram()
    assert h.count == 0 and np.isnan(h.mean) and np.isnan(h.percentile(50))
    assert all(np.isnan(v) for v in h.stats().values())
    h.add(np.array([2.0, 4.0]))
    assert h.percentile(0) == 2.0 and h.percentile(100) == 4.0
    assert h.percentile(50) == pytest.approx(3.0)
    other = LatencyHistogram()
    other.add([8.0])
    h.merge(other)
    assert h.count == 3 and h.mean == pytest.approx(14 / 3) and h.percentile(100) == 8.0
    with pytest.raises(ValueError):
        h.add([-1.0])
        _ = h.count


def test_store_marks_range_and_array_batches_done_across_reallocations():
    """``Store.mark_done`` writes a range batch through a memoryview of the state column: it
    must follow the column when the store drops its finished prefix and reallocates."""
    from lambdasim.sim.sqs.store import DONE, QUEUED, Batch, Store

    st = Store()
    st.add(np.arange(3000.0), np.zeros(3000, dtype=bool))
    st.mark_done(Batch(None, None, 0.0, 0, 2000))  # a range: ids 0-1999
    st.mark_done(np.array([2500, 2700]))  # an id array
    st.advance()
    assert st.head == 2000
    st.add(np.arange(3000.0, 9000.0), np.zeros(6000, dtype=bool))  # reallocates: base moves
    assert st.base == 2000
    st.mark_done(Batch(None, None, 0.0, 7000, 10))
    state = st.state[: st.n - st.base]
    done = np.flatnonzero(state == DONE) + st.base
    assert done.tolist() == [2500, 2700, *range(7000, 7010)]
    assert (np.delete(state, done - st.base) == QUEUED).all()
