"""Kinesis and DynamoDB Streams: throughput caps, iterator age, ordering, concurrency ceiling,
polling latency, batching window, poison records, write limits, conservation."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import assert_identical
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lambdasim as ls
from lambdasim.spec.aws import SHARD_WRITE_RECORDS


def stream_scenario(duration_s=300.0, warmup_s=0.0, function=None, account=None, **src):
    source = {"name": "s", "kind": "kinesis", "function": "w", "shards": 2,
              "workload": {"pattern": "poisson", "rate_per_s": 50}}
    source.update(src)
    fn = {"name": "w", "duration": {"dist": "constant", "value_s": 0.2}, "cold_start": None}
    fn.update(function or {})
    d = {"duration_s": duration_s, "warmup_s": warmup_s, "functions": [fn], "sources": [source]}
    if account:
        d["account"] = account
    return ls.Scenario.from_dict(d)


def conserved(r) -> None:
    for row in r.summary.itertuples():
        assert row.offered == sum(getattr(row, o) for o in ls.OUTCOMES), row


def in_key_order(events, key="partition_key") -> bool:
    ok = events[events.outcome == "succeeded"].sort_values(["arrival_s", "id"])
    return bool(ok.groupby(key).end_s.apply(lambda e: bool(np.all(np.diff(e.to_numpy()) >= 0)))
                .all())


@pytest.mark.parametrize("kind", ["kinesis", "dynamodb"])
def test_below_capacity_throughput_equals_offered_rate(kind):
    r = ls.simulate(stream_scenario(600, 60, kind=kind,
                                    workload={"pattern": "poisson", "rate_per_s": 200}), seed=1)
    s = r.summary.iloc[0]
    conserved(r)
    assert s.throughput_per_s == pytest.approx(200, rel=0.03)
    assert s.dropped == s.expired == s.failed == 0


def test_above_capacity_throughput_is_capped_and_iterator_age_grows_linearly():
    shards, factor, batch, dur, rate = 4, 2, 100, 0.5, 2500.0
    capacity = shards * factor * batch / dur  # 1,600 records/s
    # a million keys spread the load evenly: the metric is the maximum over shards, so an
    # uneven spread would make the busiest shard's age grow faster than the average
    sc = stream_scenario(400, 50, shards=shards, parallelization_factor=factor, batch_size=batch,
                         keys={"count": 1_000_000},
                         function={"duration": {"dist": "constant", "value_s": dur}},
                         workload={"pattern": "poisson", "rate_per_s": rate})
    r = ls.simulate(sc, seed=3, record_detail="histogram")
    s = r.summary.iloc[0]
    assert s.write_throttles == 0  # 625 records/s per shard: under the write limit
    assert s.throughput_per_s == pytest.approx(capacity, rel=0.03)
    age = r.metrics(10)
    age = age[age.metric == "IteratorAge"].dropna()
    age = age[age.time_s >= 50]
    slope = np.polyfit(age.time_s, age.value / 1e3, 1)[0]
    assert slope == pytest.approx(1 - capacity / rate, rel=0.05)
    assert r.functions.max_concurrency[0] <= shards * factor


@pytest.mark.parametrize("factor", [1, 10])
@pytest.mark.parametrize("kind", ["kinesis", "dynamodb"])
def test_records_of_a_key_complete_in_arrival_order(kind, factor):
    sc = stream_scenario(120, kind=kind, parallelization_factor=factor, batch_size=20,
                         keys={"distribution": "uniform", "count": 40},
                         function={"duration": {"dist": "lognormal", "mean_s": 0.2, "cv": 1.0}},
                         workload={"pattern": "poisson", "rate_per_s": 400})
    r = ls.simulate(sc, seed=4)
    conserved(r)
    assert in_key_order(r.events)
    assert r.functions.max_concurrency[0] <= 2 * factor
    if factor == 10:
        assert r.functions.max_concurrency[0] > 2  # the lanes do run in parallel


def test_mapping_concurrency_ceiling_and_throttles_wait_rather_than_lose():
    sc = stream_scenario(200, shards=4, parallelization_factor=5,
                         function={"reserved_concurrency": 6,
                                   "duration": {"dist": "constant", "value_s": 0.5}},
                         workload={"pattern": "poisson", "rate_per_s": 2000})
    r = ls.simulate(sc, seed=5)
    conserved(r)
    s = r.summary.iloc[0]
    assert r.functions.max_concurrency[0] <= 6
    assert s.throttles > 0 and (r.throttles.reason == "reserved").all()
    assert s.failed == s.dropped == s.expired == 0  # waiting, not lost
    # throttled lanes back off (0.1 s doubling to 1 s), so a freed slot can idle briefly
    assert 0.9 * 6 * 100 / 0.5 <= s.throughput_per_s <= 6 * 100 / 0.5


@pytest.mark.parametrize("kind,poll", [("kinesis", 1.0), ("dynamodb", 0.25)])
def test_idle_shard_latency_is_half_a_poll_plus_propagation_plus_duration(kind, poll):
    dur, prop = 0.3, 0.2
    sc = stream_scenario(3000, kind=kind, shards=2, propagation_delay_s=prop,
                         function={"duration": {"dist": "constant", "value_s": dur}},
                         workload={"pattern": "poisson", "rate_per_s": 0.2})
    r = ls.simulate(sc, seed=6)
    s = r.summary.iloc[0]
    assert s.offered > 500
    read = sc.sources[0].read_latency.mean  # the GetRecords round trip and Invoke overhead
    assert s.latency_mean_s == pytest.approx(poll / 2 + prop + read + dur, rel=0.10)


def test_batching_window_closes_batches_at_the_window():
    w = 5.0
    sc = stream_scenario(600, shards=1, batching_window_s=w, propagation_delay_s=0.2,
                         read_delay=None, workload={"pattern": "poisson", "rate_per_s": 0.5})
    r = ls.simulate(sc, seed=7)
    ev = r.events[r.events.outcome == "succeeded"]
    first = ev.groupby("start_s").arrival_s.min()
    wait = first.index.to_numpy() - first.to_numpy()
    # the window opens when the first record is read: 0.2 s propagation + up to 1 s to the poll
    assert np.all(wait >= w + 0.2 - 1e-9) and np.all(wait <= w + 0.2 + 1.0 + 1e-9)
    assert r.invocations.records.mean() > 1.5  # the window gathers several records


def test_poison_record_blocks_its_shard_until_record_age():
    sc = stream_scenario(400, shards=1, max_record_age_s=60, destination="dlq",
                         poison_key=7, keys={"count": 50},
                         workload={"pattern": "constant", "rate_per_s": 5})
    r = ls.simulate(sc, seed=8)
    conserved(r)
    ev = r.events
    poison = ev[ev.partition_key == 7]
    settled = poison[poison.arrival_s < 400 - 70]
    assert len(settled) and (settled.outcome == "failed").all()
    assert not (poison.outcome == "succeeded").any()
    # while blocked, nothing newer is processed: IteratorAge reaches the record-age limit
    assert r.summary.iterator_age_max_s[0] == pytest.approx(60, abs=2)
    assert r.summary.failed[0] > len(poison)  # innocent records aged out behind it too


def test_a_backlog_of_single_record_batches_ages_out_to_the_destination():
    # 1,000 records/s into one shard, BatchSize 1, a 0.1 s function: about 10 records/s are
    # processed; the others wait until MaximumRecordAgeInSeconds and go to the destination
    sc = stream_scenario(200, shards=1, batch_size=1, max_record_age_s=60, destination="dlq",
                         function={"duration": {"dist": "constant", "value_s": 0.1},
                                   "cold_start": None},
                         workload={"pattern": "constant", "rate_per_s": 1000})
    r = ls.simulate(sc, seed=4)
    conserved(r)
    ev = r.events
    failed, ok = ev[ev.outcome == "failed"], ev[ev.outcome == "succeeded"]
    assert len(failed) > 100_000 and (failed.reason == "record_age").all()
    assert (failed.end_s - failed.arrival_s >= 60).all()  # none before its age
    assert (ok.start_s - ok.arrival_s <= 61).all()  # none invoked past it
    assert len(ok) > 1500  # the lane keeps invoking the records still young enough


def test_poison_record_blocks_until_retention_with_infinite_retries():
    sc = stream_scenario(26 * 3600, shards=1, poison_key=0, keys={"count": 1},
                         function={"duration": {"dist": "constant", "value_s": 1.0}},
                         retry_delay_s=1.0, starting_position="TRIM_HORIZON",
                         initial_backlog={"records_per_shard": 1, "span_s": 1},
                         workload={"pattern": "poisson", "rate_per_s": 0})
    r = ls.simulate(sc, seed=9)
    s = r.summary.iloc[0]
    conserved(r)
    assert s.offered == 1 and s.expired == 1  # trimmed after 24 h, never skipped before
    ev = r.events.iloc[0]
    assert ev.end_s == pytest.approx(24 * 3600, abs=5)


def test_bisect_sends_only_the_poison_record_to_the_destination():
    sc = stream_scenario(300, shards=2, bisect_on_error=True, max_retry_attempts=2,
                         destination="dlq", poison_rate=0.002,
                         workload={"pattern": "poisson", "rate_per_s": 100})
    r = ls.simulate(sc, seed=10)
    conserved(r)
    ev = r.events
    failed = ev[ev.outcome == "failed"]
    assert len(failed) > 0
    assert r.summary.failed[0] == len(failed)
    assert r.summary.dropped[0] == 0 and r.summary.expired[0] == 0
    # every failed record is a poison record: the count matches the draw within noise
    assert len(failed) == pytest.approx(0.002 * r.summary.offered[0], rel=0.5)
    ok = ev[ev.outcome == "succeeded"]
    assert len(ok) + len(failed) + (ev.outcome == "in_flight").sum() == len(ev)


def test_report_batch_item_failures_checkpoints_at_the_failed_record():
    def run(rbif):
        sc = stream_scenario(300, shards=1, report_batch_item_failures=rbif,
                             max_retry_attempts=0, destination="dlq", poison_rate=0.01,
                             batch_size=50, workload={"pattern": "poisson", "rate_per_s": 100})
        r = ls.simulate(sc, seed=11)
        conserved(r)
        return r

    whole, partial = run(False), run(True)
    # without it a failing batch is discarded whole; with it the records before the failed
    # one are checkpointed as processed and only the rest is retried (and here discarded)
    ev = partial.events
    assert partial.summary.succeeded[0] > whole.summary.succeeded[0]
    assert partial.summary.failed[0] < whole.summary.failed[0]
    # a discarded remainder starts at a failed record: each failed run of records directly
    # follows records that succeeded in the same invocation
    failed = ev[ev.outcome == "failed"]
    firsts = failed[~failed.id.sub(1).isin(failed.id)]
    before = ev.set_index("id").loc[firsts.id - 1]
    assert (before.outcome == "succeeded").mean() > 0.5
    assert partial.invocations.records.max() <= 50


def test_write_throttling_at_the_shard_limits():
    # 1,000 records/s per shard by count
    sc = stream_scenario(60, shards=1, producer_max_attempts=1,
                         workload={"pattern": "constant", "rate_per_s": 1500})
    r = ls.simulate(sc, seed=12, record_detail="histogram")
    s = r.summary.iloc[0]
    assert s.offered == 90_000
    assert s.offered - s.dropped == 60 * SHARD_WRITE_RECORDS
    assert s.write_throttles == s.dropped == 30_000
    # 1 MiB/s by bytes: 4 KiB records -> 256 records/s
    sc = stream_scenario(60, shards=1, producer_max_attempts=1,
                         workload={"pattern": "constant", "rate_per_s": 300,
                                   "record_bytes": 4096})
    s = ls.simulate(sc, seed=12, record_detail="histogram").summary.iloc[0]
    assert s.offered - s.dropped == 60 * 256
    m = ls.simulate(sc, seed=12, record_detail="histogram").metrics(1)
    wpe = m[m.metric == "WriteProvisionedThroughputExceeded"]
    assert wpe.value.sum() == 60 * (300 - 256)


def test_throttled_puts_are_retried_not_lost():
    sc = stream_scenario(120, shards=1, producer_max_attempts=5,
                         workload={"pattern": "bursts", "rate_per_s": 1500, "on_s": 2,
                                   "off_s": 8})
    r = ls.simulate(sc, seed=13)
    conserved(r)
    s = r.summary.iloc[0]
    assert s.write_throttles > 0 and s.dropped == 0


def test_trim_horizon_reads_the_backlog_and_latest_skips_it():
    common = dict(shards=2, initial_backlog={"records_per_shard": 5000, "span_s": 600},
                  workload={"pattern": "poisson", "rate_per_s": 10})
    trim = ls.simulate(stream_scenario(120, starting_position="TRIM_HORIZON", **common), seed=14)
    latest = ls.simulate(stream_scenario(120, starting_position="LATEST", **common), seed=14)
    conserved(trim)
    assert trim.summary.offered[0] == latest.summary.offered[0] + 10_000
    assert trim.summary.iterator_age_max_s[0] > 500  # the backlog was up to 600 s old
    assert latest.summary.iterator_age_max_s[0] < 5
    at = ls.simulate(stream_scenario(120, starting_position="AT_TIMESTAMP",
                                     starting_timestamp_s=-300, **common), seed=14)
    assert at.summary.offered[0] == pytest.approx(latest.summary.offered[0] + 5000, abs=300)


@pytest.mark.parametrize("warmup", [30, 0])  # with no warm-up successes skip the ids
def test_histogram_detail_matches_full_detail(warmup):
    sc = stream_scenario(300, warmup, shards=3, workload={"pattern": "poisson", "rate_per_s": 300},
                         function={"duration": {"dist": "lognormal", "mean_s": 0.3, "cv": 1}})
    full = ls.simulate(sc, seed=15)
    hist = ls.simulate(sc, seed=15, record_detail="histogram")
    a, b = full.summary.iloc[0], hist.summary.iloc[0]
    for col in ("offered", "succeeded", "in_flight", "invocations", "throughput_per_s"):
        assert a[col] == b[col]
    assert b.latency_mean_s == pytest.approx(a.latency_mean_s, rel=1e-9)
    for col in ("latency_p50_s", "latency_p99_s"):
        assert b[col] == pytest.approx(a[col], rel=0.01)
    with pytest.raises(ValueError, match="record_detail"):
        _ = hist.events


def test_producer_groups_records_by_shard_in_write_order_across_blocks(monkeypatch):
    """Where no write limit applies (DynamoDB) the producer groups a window's records by
    shard a block at a time; with several blocks per window every shard must still hold its
    records in write order, with their ids, lanes, keys and poison, exactly as one stable sort
    of the window would give."""
    from lambdasim.sim.streams import producer

    monkeypatch.setattr(producer, "_BLOCK", 1000)  # many blocks per 10-s window
    sc = stream_scenario(30, 0, kind="dynamodb", shards=5, parallelization_factor=2,
                         poison_rate=0.001,
                         report_batch_item_failures=True, max_retry_attempts=1,
                         workload={"pattern": "poisson", "rate_per_s": 4000})
    small = ls.simulate(sc, seed=21).events
    monkeypatch.setattr(producer, "_BLOCK", 1 << 30)  # one block
    whole = ls.simulate(sc, seed=21).events
    assert_identical(small, whole)
    assert small.outcome.eq("succeeded").mean() > 0.9


def test_dynamodb_rules_are_validated():
    with pytest.raises(ls.ScenarioError, match=r"sources\[0\]\.retention_h = 48"):
        stream_scenario(kind="dynamodb", retention_h=48)
    with pytest.raises(ls.ScenarioError, match="AT_TIMESTAMP"):
        stream_scenario(kind="dynamodb", starting_position="AT_TIMESTAMP")
    with pytest.raises(ls.ScenarioError,
                       match=r"sources\[0\]\.batch_size = 20000: must be 1\.\.10000"):
        stream_scenario(batch_size=20000)
    with pytest.raises(ls.ScenarioError, match=r"\.ParallelizationFactor = 11: must be 1\.\.10"):
        stream_scenario(ParallelizationFactor=11)
    with pytest.raises(ls.ScenarioError, match=r"max_record_age_s = 30: must be 60\.\.604800 "
                                               r"or -1"):
        stream_scenario(max_record_age_s=30)


def test_dynamodb_more_than_two_readers_are_throttled():
    sc = stream_scenario(120, kind="dynamodb", consumers=4)
    r = ls.simulate(sc, seed=16)
    m = r.metrics(10)
    assert m[m.metric == "ReadProvisionedThroughputExceeded"].value.sum() > 0
    conserved(r)


def test_seed_determinism_for_streams():
    sc = stream_scenario(120, shards=3, parallelization_factor=3, poison_rate=0.001,
                         bisect_on_error=True, workload={"pattern": "poisson", "rate_per_s": 500})
    a, b = ls.simulate(sc, seed=17), ls.simulate(sc, seed=17)
    assert a.summary.equals(b.summary)
    assert a.events.equals(b.events)


def test_enhanced_fan_out_cuts_the_polling_delay():
    dur = 0.3
    common = dict(shards=2, function={"duration": {"dist": "constant", "value_s": dur}},
                  workload={"pattern": "poisson", "rate_per_s": 0.5})
    std = ls.simulate(stream_scenario(2000, **common), seed=18).summary.iloc[0]
    efo = ls.simulate(stream_scenario(2000, enhanced_fan_out=True, **common), seed=18)
    s = efo.summary.iloc[0]
    # pushed within ~50 ms (half of it on average) after the 70 ms propagation delay
    assert s.latency_mean_s == pytest.approx(0.025 + 0.07 + dur, rel=0.10)
    assert std.latency_mean_s == pytest.approx(0.5 + 0.2 + dur, rel=0.10)


def test_a_hot_key_makes_a_hot_shard():
    sc = stream_scenario(120, shards=4, keys={"distribution": "hot", "count": 1000,
                                              "hot_fraction": 0.5},
                         workload={"pattern": "poisson", "rate_per_s": 400})
    ev = ls.simulate(sc, seed=19).events
    share = ev.groupby("shard").size() / len(ev)
    assert share.max() == pytest.approx(0.5 + 0.5 / 4, abs=0.03)
    assert (ev.partition_key == 0).mean() == pytest.approx(0.5, abs=0.02)


def test_every_metric_is_documented():
    sc = stream_scenario(60)
    names = set(ls.simulate(sc, seed=20).metrics(10).metric)
    assert {"IteratorAge", "GetRecords.Records", "WriteProvisionedThroughputExceeded",
            "ReadProvisionedThroughputExceeded", "BatchSize"} <= names
    assert names <= set(ls.METRICS)


def test_batch_size_closes_a_batch_before_the_window():
    # 40 records/s, BatchSize 100, window 5 s: a batch fills in 2.5 s, before the window ends
    sc = stream_scenario(300, 30, shards=1, batch_size=100, batching_window_s=5,
                         workload={"pattern": "constant", "rate_per_s": 40})
    r = ls.simulate(sc, seed=21)
    inv = r.invocations[r.invocations.start_s >= 30]
    assert (inv.records == 100).mean() > 0.9
    assert np.diff(inv.start_s).mean() == pytest.approx(2.5, rel=0.05)


@st.composite
def small_streams(draw):
    kind = draw(st.sampled_from(["kinesis", "dynamodb"]))
    src = {
        "kind": kind,
        "shards": draw(st.integers(1, 4)),
        "parallelization_factor": draw(st.integers(1, 4)),
        "batch_size": draw(st.sampled_from([1, 5, 50, 500])),
        "batching_window_s": draw(st.sampled_from([0, 0.5, 3])),
        "max_retry_attempts": draw(st.sampled_from([-1, 0, 2])),
        "max_record_age_s": draw(st.sampled_from([-1, 60])),
        "bisect_on_error": draw(st.booleans()),
        "report_batch_item_failures": draw(st.booleans()),
        "poison_rate": draw(st.sampled_from([0, 0.01])),
        "destination": draw(st.sampled_from([None, "dlq"])),
        "keys": {"count": draw(st.sampled_from([3, 1000]))},
        "workload": {"pattern": draw(st.sampled_from(["poisson", "bursts"])),
                     "rate_per_s": draw(st.sampled_from([20, 800, 3000]))},
    }
    if src["workload"]["pattern"] == "bursts":
        src["workload"].update(on_s=5, off_s=5)
    if kind == "kinesis":
        src["producer_max_attempts"] = draw(st.integers(1, 3))
    fn = {"error_rate": draw(st.sampled_from([0, 0.1])),
          "reserved_concurrency": draw(st.sampled_from([None, 2])),
          "duration": {"dist": "lognormal", "mean_s": 0.1, "cv": 1.0}}
    return src, fn, draw(st.sampled_from(["full", "histogram"]))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_streams())
def test_streams_conserve_records_and_keep_key_order(case):
    src, fn, detail = case
    sc = stream_scenario(90, function=fn, **src)
    r = ls.simulate(sc, seed=22, record_detail=detail)
    conserved(r)
    s = r.summary.iloc[0]
    if s.kind == "dynamodb":
        assert s.write_throttles == 0  # no shard write limit: the table's capacity governs
    assert r.functions.max_concurrency[0] <= src["shards"] * src["parallelization_factor"]
    if detail == "full":
        ev = r.events
        assert len(ev) == s.offered and ev.id.is_unique
        if fn["error_rate"] == 0 and src["poison_rate"] == 0:
            assert in_key_order(ev)


def test_the_key_to_shard_table_gives_the_hashs_shards(monkeypatch):
    """Once twice the key space has been hashed the producer looks shards up in a table:
    every record lands where the hash puts it (hot and Zipf keys, the first and last key)."""
    from lambdasim.sim.streams import producer

    for keys in ({"distribution": "hot", "count": 300, "hot_fraction": 0.2},
                 {"distribution": "zipf", "count": 1000, "exponent": 0.8}):
        sc = stream_scenario(60, shards=7, keys=keys,
                             workload={"pattern": "poisson", "rate_per_s": 200})
        table = ls.simulate(sc, seed=9)
        monkeypatch.setattr(producer, "TABLE_KEYS", -1)  # hash every window
        hashed = ls.simulate(sc, seed=9)
        monkeypatch.undo()
        assert table.summary.offered[0] > 4 * keys["count"]
        assert_identical(table.events, hashed.events)


def test_counting_sorted_times_per_second_matches_binning_each():
    """The producer counts a window's (sorted) arrivals per second by searching second
    boundaries: the same sums as binning every time (as the counts were made before), at
    whole seconds, below zero and past the last bin."""
    from lambdasim.sim.streams.metrics import M_OFFERED, StreamMetrics

    rng = np.random.default_rng(4)
    cases = [np.sort(rng.uniform(a, b, n)) for a, b, n in
             [(0, 10, 500), (3.5, 3.9, 5), (-2, 1.5, 50), (95, 130, 400), (120, 125, 9)]]
    cases += [np.arange(0.0, 20.0, 0.5), np.array([7.0]), np.array([99.99999, 100.0])]
    for times in cases:
        m = StreamMetrics(100, 0.0)
        m.count_sorted(M_OFFERED, times)
        offered = m.series(M_OFFERED)
        bins = len(offered)  # each time binned: its whole second, within the bins
        each = np.bincount(np.clip(times.astype(np.int64), 0, bins - 1), minlength=bins)
        assert np.array_equal(offered, each)
        assert offered.sum() == len(times)


def run_producer(full: bool):
    """A producer writing 25 s of records to 4 shards (no mapping reads them)."""
    from lambdasim.sim.ledger import Ledger
    from lambdasim.sim.streams.metrics import StreamMetrics
    from lambdasim.sim.streams.producer import Producer
    from lambdasim.sim.streams.shards import Settlements, ShardRecords, record_columns

    spec = stream_scenario(25, shards=4, producer_max_attempts=4, poison_rate=0.3,
                           keys={"distribution": "zipf", "count": 40, "exponent": 0.7},
                           workload={"pattern": "poisson", "rate_per_s": 4000,
                                     "record_bytes": 512}).sources[0]
    ledger = Ledger("s", 0.0, rows=full, columns={"shard": np.int64, "key": np.int64})
    metrics = StreamMetrics(25, 0.0)
    out = Settlements(ledger, metrics)
    shards = [ShardRecords(i, record_columns(1, True, full), 86400.0, out) for i in range(4)]
    rng = np.random.default_rng(21)
    producer = Producer(spec, shards, ledger, metrics, *rng.spawn(2))
    arrivals = []
    for t0, t1 in [(0.0, 10.0), (10.0, 20.0), (20.0, 25.0)]:
        times = np.sort(rng.uniform(t0, t1, int(4000 * (t1 - t0))))
        arrivals.append(times)
        producer.produce(times, t0, t1)
    return producer, shards, ledger, metrics, np.concatenate(arrivals)


def test_the_producer_writes_each_shards_retries_first_then_its_new_records_up_to_the_limit():
    """The producer's whole-window passes against the write limit applied record by record:
    in each second a shard takes its waiting retries (oldest first), then that second's new
    records in time order, up to 1,000; a throttled record retries at the next second and is
    dropped after ``producer_max_attempts`` puts. Uneven keys put some shards far over the
    limit for many seconds, so retries pile up and carry from window to window. Without
    ledger rows the shards get the same records."""
    from lambdasim.sim.ledger import DROPPED
    from lambdasim.sim.streams.metrics import M_WRITE_THROTTLES

    producer, shards, ledger, metrics, arrival = run_producer(full=True)
    shard_of = ledger.view("shard")
    written = {s: [] for s in range(4)}  # the reference: (id, written) in write order
    waiting = {s: [] for s in range(4)}  # ids retrying at the next second, oldest first
    attempts = np.ones(len(arrival), int)
    dropped, throttles = {}, np.zeros(27)
    for sec in range(25):
        new = np.flatnonzero((arrival >= sec) & (arrival < sec + 1))
        for s in range(4):
            queue = [(i, float(sec)) for i in waiting[s]]
            queue += [(int(i), float(arrival[i])) for i in new if shard_of[i] == s]
            written[s] += queue[:1000]
            waiting[s] = []
            for i, _ in queue[1000:]:
                throttles[sec] += 1
                attempts[i] += 1
                if attempts[i] > 4:
                    dropped[i] = float(sec)
                else:
                    waiting[s].append(i)

    # poison: a window's draws, one per record written in it, in write order
    poison_rng = np.random.default_rng(21).spawn(2)[1]
    when = {i: t for w in written.values() for i, t in w}
    poison = {}
    for t0, t1 in [(0, 10), (10, 20), (20, 25)]:
        order = sorted((i for i, t in when.items() if t0 <= t < t1),
                       key=lambda i: (int(when[i]), i))
        poison.update(zip(order, poison_rng.random(len(order)) < 0.3, strict=True))

    assert max(len(w) for w in written.values()) > 11_000  # a hot shard, far over the limit
    assert sum(map(len, waiting.values())) > 1000 and len(dropped) > 1000
    for s, rec in enumerate(shards):
        ids, times = zip(*written[s], strict=True)
        assert np.array_equal(rec.cols["id"], ids)
        assert np.array_equal(rec.cols["written"], times)
        assert np.array_equal(rec.cols["arrival"], arrival[list(ids)])
        assert np.array_equal(rec.cols["poison"], [poison[i] for i in ids])
    assert np.array_equal(metrics.series(M_WRITE_THROTTLES), throttles)
    gone = np.flatnonzero(ledger.view("outcome") == DROPPED)
    assert sorted(dropped) == gone.tolist()
    assert np.array_equal(ledger.view("end")[gone], [dropped[i] for i in gone])
    held = sorted(i for w in waiting.values() for i in w)
    assert np.array_equal(np.sort(producer.held()), np.sort(arrival[held]))

    lean, lean_shards, lean_ledger, lean_metrics, _ = run_producer(full=False)
    for rec, lean_rec in zip(shards, lean_shards, strict=True):
        for col in ("written", "arrival", "poison"):
            assert np.array_equal(rec.cols[col], lean_rec.cols[col])
    assert np.array_equal(lean_metrics.series(M_WRITE_THROTTLES), throttles)
    assert lean_ledger.counts[DROPPED] == len(dropped)
    assert np.array_equal(lean.held(), producer.held())
