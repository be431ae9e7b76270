"""Numbers that match measured AWS behaviour (see docs/calibration.md for each source):
push delivery latencies, environment lifetimes, runtime cold starts, reserved concurrency 0,
and the two async age metrics."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import const, poisson, scenario

import lambdasim as ls

#: Bite-Sized Serverless, "Serverless messaging latency compared" (Sep 2022; EventBridge
#: re-measured after 17 Feb 2023): producer -> handler, p50 and p99 in seconds
MEASURED = {"sns": (0.073, 0.225), "eventbridge": (0.148, 0.387)}


@pytest.mark.parametrize("kind", sorted(MEASURED))
def test_push_delivery_reproduces_measured_latency(kind):
    sc = scenario(duration_s=600, warmup_s=0,
                  function={"duration": const(0.01), "cold_start": None},
                  source={"kind": kind, "workload": poisson(20)})
    ev = ls.simulate(sc, seed=1).events
    wait = (ev.start_s - ev.arrival_s).dropna().to_numpy()
    p50, p99 = np.percentile(wait, [50, 99])
    m50, m99 = MEASURED[kind]
    assert abs(p50 / m50 - 1) < 0.1, (p50, m50)
    assert abs(p99 / m99 - 1) < 0.15, (p99, m99)


def test_reserved_zero_switches_an_async_function_off():
    """Reserved concurrency 0: S3's events are not invoked, not throttled, not retried; they
    go to the destination (or are dropped) as soon as Lambda's poller takes them."""
    for destination, outcome in ((None, "dropped"), ("dlq", "failed")):
        sc = scenario(duration_s=60, warmup_s=0, function={"reserved_concurrency": 0},
                      source={"kind": "s3", "workload": poisson(10),
                              "destination": destination})
        r = ls.simulate(sc, seed=1)
        assert len(r.invocations) == 0 and len(r.throttles) == 0
        ev = r.events
        done = ev[ev.outcome != "in_flight"]
        assert len(done) > 500 and (done.outcome == outcome).all()
        assert (done.reason == "function_disabled").all()
        gone_after = done.end_s - done.enqueued_s  # the dequeue, then straight out
        assert (gone_after >= 0).all() and gone_after.max() < 1.0


def test_oldest_waiting_age_never_drops_to_zero_while_events_wait():
    """A backlog (2 environments for 4 erlangs): the model's OldestWaitingEventAge tracks the
    oldest event still in the queue, checked by brute force; AWS's AsyncEventAge exists only
    where an invocation started."""
    sc = scenario(duration_s=300, warmup_s=0,
                  function={"reserved_concurrency": 2, "duration": const(1.0),
                            "cold_start": None},
                  source={"kind": "async", "workload": poisson(4), "dequeue_delay": None})
    r = ls.simulate(sc, seed=3)
    oldest = r.series("OldestWaitingEventAge", period_s=1)
    ev = r.events
    leave = ev.start_s.where(ev.outcome == "succeeded", ev.end_s).fillna(300.0)
    for t in (50.0, 150.0, 299.0):
        waiting = ev[(ev.enqueued_s <= t) & (leave > t)]
        want = (t - waiting.enqueued_s.min()) * 1e3 if len(waiting) else 0.0
        assert oldest.loc[t] == pytest.approx(want), t
    assert (oldest.iloc[60:] > 10_000).all()  # the backlog only grows: never a false 0
    m = r.metrics(1.0)
    age = m[(m.metric == "AsyncEventAge") & (m.source == "api")]
    inv = r.series("Invocations", source="api", period_s=1)
    assert age.value.isna().to_numpy().tolist() == (inv.to_numpy() == 0).tolist()


def test_idle_environments_are_reclaimed_after_keep_alive_plus_a_lag():
    """Idle for keep_alive_s, an environment is reclaimed 0-60 s later (not at a sharp
    deadline); a busy one is recycled before it is 2 h old."""
    sc = scenario(duration_s=4000, warmup_s=0,
                  function={"duration": const(0.1), "cold_start": None, "keep_alive_s": 600},
                  source={"workload": {"pattern": "bursts", "rate_per_s": 50, "on_s": 10,
                                       "off_s": 10_000}})
    r = ls.simulate(sc, seed=2)
    envs = r.environments.dropna()
    assert r.invocations.end_s.max() < 10.2 and len(envs) > 3
    # each last used within the 10 s burst: reclaimed 600-660 s after that
    assert ((envs.death_s >= 600) & (envs.death_s <= 670.2)).all()
    assert envs.death_s.std() > 5
    busy = scenario(duration_s=4 * 3600, warmup_s=0,
                    function={"duration": const(0.5), "cold_start": None},
                    source={"workload": poisson(4)})
    e = ls.simulate(busy, seed=1).environments
    age = e.death_s - e.birth_s
    assert ((age >= 6900) & (age <= 7201)).sum() >= 2  # recycled after 2 h less the jitter
    assert (e[e.death_s.isna()].birth_s > 4 * 3600 - 7200 - 700).all()  # nobody lives longer


def test_runtime_picks_the_measured_cold_start():
    fn = ls.FunctionSpec(name="f", runtime="python3.12", architecture="arm64", memory_mb=1024)
    assert fn.cold_start.median_s == pytest.approx(0.07275)  # lambda-perf, 2025-12-21
    java = ls.FunctionSpec(name="f", runtime="java21", memory_mb=128)
    assert java.cold_start.median_s > 3 * fn.cold_start.median_s
    explicit = ls.FunctionSpec(name="f", runtime="java21", cold_start={"dist": "constant",
                                                                       "value_s": 0.5})
    assert explicit.cold_start.mean == 0.5


# -- SQS -----------------------------------------------------------------------------------
def _sqs(rate, error_rate=0.0, batch_size=10, horizon=300.0):
    return ls.Scenario.from_dict({
        "duration_s": horizon, "warmup_s": 60, "account": {"concurrency_limit": 3000},
        "functions": [{"name": "w", "duration": const(0.05), "cold_start": None,
                       "error_rate": error_rate}],
        "sources": [{"name": "q", "kind": "sqs", "function": "w", "batch_size": batch_size,
                     "workload": poisson(rate)}]})


def test_sqs_delivery_reproduces_measured_latency_and_batches_under_load():
    """Send -> handler p10/p50/p90/p99 = 13.7/16.2/33.8/105 ms (Bite-Sized Serverless, 2022);
    at 500 msg/s the receive round trip gathers several messages per batch."""
    ev = ls.simulate(_sqs(5, horizon=1800), seed=1).events
    wait = (ev.start_s - ev.arrival_s).dropna().to_numpy()
    measured = np.array([0.0137, 0.0162, 0.0338, 0.105])
    got = np.percentile(wait, [10, 50, 90, 99])
    assert (np.abs(got / measured - 1) < [0.25, 0.1, 0.25, 0.15]).all(), got
    inv = ls.simulate(_sqs(500), seed=1).invocations
    assert inv.records.mean() > 7


@pytest.mark.parametrize(("p", "concurrency", "throughput"),
                         [(0.01, 25, 1600), (0.05, 16, 500), (0.10, 13, 300)])
def test_sqs_mapping_backs_off_on_function_errors(p, concurrency, throughput):
    """rehanvdm.com, "SQS Lambda ESM scaling behaviour": 50 ms handler, ~2,000 msg/s; with p of
    invocations failing, concurrency (CloudWatch 1-minute maximum) and throughput fall to the
    measured figures, within 25 %. BatchSize is not published: 5 reproduces the measured
    messages per unit of concurrency (an assumption)."""
    r = ls.simulate(_sqs(2000, p, batch_size=5, horizon=420), seed=1, record_detail="histogram")
    c = r.series("ConcurrentExecutions", function="w", period_s=60).iloc[2:].mean()
    assert abs(c / concurrency - 1) < 0.25, c
    assert abs(r.summary.throughput_per_s.iloc[0] / throughput - 1) < 0.25


def test_report_batch_item_failures_keeps_the_mapping_scaled():
    """With ReportBatchItemFailures Lambda does not scale down on failures (AWS docs)."""
    sc = _sqs(2000, 0.05, batch_size=5, horizon=120)  # 4x apart already
    src = sc.sources[0].model_copy(update={"report_batch_item_failures": True})
    rbif = ls.simulate(sc.model_copy(update={"sources": (src,)}), seed=1,
                       record_detail="histogram")  # the same run as full detail, faster
    plain = ls.simulate(sc, seed=1, record_detail="histogram")
    assert (rbif.functions.mean_concurrency.iloc[0]
            > 2 * plain.functions.mean_concurrency.iloc[0])


# -- Kinesis and DynamoDB Streams -------------------------------------------------------------
@pytest.mark.parametrize(("kind", "efo", "measured", "tolerance"), [
    ("kinesis", False, (0.267, 0.627, 0.965, 1.580), (0.2, 0.12, 0.15, 0.15)),
    ("kinesis", True, (0.0288, 0.0494, 0.0675, 0.109), (0.2, 0.1, 0.2, 0.15)),
    ("dynamodb", False, (0.118, 0.213, 0.341, 0.552), (0.15, 0.1, 0.15, 0.15)),
])
def test_stream_delivery_reproduces_measured_latency(kind, efo, measured, tolerance):
    """Put -> handler p10/p50/p90/p99 (Bite-Sized Serverless, Sep 2022); Lambda polls a
    Kinesis shard once a second, a DynamoDB stream shard four times, enhanced fan-out pushes."""
    sc = ls.Scenario.from_dict({
        "duration_s": 1200, "functions": [{"name": "w", "duration": const(0.01),
                                           "cold_start": None}],
        "sources": [{"name": "s", "kind": kind, "function": "w", "shards": 1,
                     "enhanced_fan_out": efo, "workload": poisson(2)}]})
    ev = ls.simulate(sc, seed=1).events
    got = np.percentile((ev.start_s - ev.arrival_s).dropna(), [10, 50, 90, 99])
    assert (np.abs(got / np.array(measured) - 1) < tolerance).all(), got


def test_a_record_larger_than_a_readers_share_is_read():
    """3 standard consumers share a shard's 2 MiB/s: ~0.7 MiB each. A 700 KB record still
    comes back (a call returns up to 10 MiB) and the calls after it are throttled; the
    mapping then reads at about its share."""
    sc = ls.Scenario.from_dict({
        "duration_s": 120, "functions": [{"name": "w", "duration": const(0.01)}],
        "sources": [{"name": "s", "kind": "kinesis", "function": "w", "shards": 1,
                     "consumers": 3, "workload": {"pattern": "constant", "rate_per_s": 0.2,
                                                  "record_bytes": 700_000}}]})
    r = ls.simulate(sc, seed=1)
    s = r.summary.iloc[0]
    assert s.offered == 24 and s.succeeded == 24


def test_reserved_zero_on_pull_sources_throttles_the_mapping():
    """Reserved concurrency 0 with a stream or a queue: the mapping is throttled and nothing
    is invoked; stream records wait in the shard, SQS messages come back after the visibility
    timeout (their receive count grows, so redrive moves them to the DLQ)."""
    base = {"duration_s": 200, "functions": [{"name": "w", "reserved_concurrency": 0}]}
    kinesis = ls.Scenario.from_dict({**base, "sources": [{
        "name": "s", "kind": "kinesis", "function": "w", "shards": 1, "workload": poisson(5)}]})
    r = ls.simulate(kinesis, seed=1)
    s = r.summary.iloc[0]
    assert len(r.invocations) == 0 and s.throttles > 0 and s.in_flight == s.offered
    assert (r.throttles.reason == "reserved").all()
    sqs = ls.Scenario.from_dict({**base, "sources": [{
        "name": "q", "kind": "sqs", "function": "w", "max_receive_count": 2,
        "workload": poisson(5)}]})
    r = ls.simulate(sqs, seed=1)
    s = r.summary.iloc[0]
    assert len(r.invocations) == 0 and s.throttles > 0
    assert s.failed > 0  # received twice (throttled each time), then redriven to the DLQ


def test_every_given_up_event_says_why():
    """The events table's reason: SQS redrive to the DLQ, a stream's record-age limit."""
    sc = ls.Scenario.from_dict({
        "duration_s": 300, "functions": [{"name": "w", "error_rate": 1.0}],
        "sources": [
            {"name": "q", "kind": "sqs", "function": "w", "max_receive_count": 2,
             "workload": poisson(2)},
            {"name": "k", "kind": "kinesis", "function": "w", "shards": 1,
             "max_record_age_s": 60, "workload": poisson(2)}]})
    ev = ls.simulate(sc, seed=1).events
    done = ev[ev.outcome != "in_flight"]
    assert (done[done.source == "q"].reason == "redrive").all()
    assert (done[done.source == "k"].reason == "record_age").all()
    assert len(done[done.source == "q"]) > 100 and len(done[done.source == "k"]) > 100
