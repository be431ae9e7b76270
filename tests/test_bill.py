"""The whole bill (Result.costs) against hand calculations, service by service, the free
items, the price table and its overrides, and durations that depend on memory."""

from __future__ import annotations

import math

import numpy as np
import pytest

import lambdasim as ls
from lambdasim.cli import main
from lambdasim.spec.pricing import batched_requests, chunks, price_table

# the table's us-east-1 prices, typed out: a change of the table must show here
REQUEST, X86, ARM = 0.0000002, 0.0000166667, 0.0000133334
PC_X86, PC_DUR_X86 = 0.0000041667, 0.0000097222
SQS_STD, SQS_FIFO = 0.0000004, 0.0000005
SHARD_H, PUT_UNIT, EFO_H, EFO_GB, RETENTION_H = 0.015, 0.000000014, 0.015, 0.013, 0.02
SNS_PUB, EB_EVENT = 0.0000005, 0.000001

FAST = {"dist": "constant", "value_s": 0.1234}


def scenario(sources, duration_s=100.15, warmup_s=0.0, pricing=None, **fn):
    f = {"name": "f", "memory_mb": 512, "duration": FAST, "cold_start": None, **fn}
    d = {"duration_s": duration_s, "warmup_s": warmup_s, "functions": [f], "sources": sources}
    if pricing is not None:
        d["pricing"] = pricing
    return ls.Scenario.from_dict(d)


def src(kind, rate=5.0, record_bytes=1024, **kw):
    return {"name": kind, "kind": kind, "function": "f",
            "workload": {"pattern": "constant", "rate_per_s": rate, "record_bytes": record_bytes},
            **kw}


def rows(result, service, source=None):
    c = result.costs
    c = c[c.service == service]
    if source is not None:
        c = c[c.source == source]
    return c.set_index("item")


# -- Lambda -----------------------------------------------------------------------------------
def test_lambda_requests_and_duration_by_hand():
    """Every 0.2 s an invocation of 123.4 ms, the last ending before the horizon."""
    r = ls.simulate(scenario([src("sync")]), seed=1)
    n = int(r.summary.invocations[0])
    assert n == 501
    lam = rows(r, "lambda", "sync")
    assert lam.loc["requests", "quantity"] == n
    assert lam.loc["requests", "usd"] == pytest.approx(n * REQUEST)
    # 123.4 ms billed as 124 ms, at 0.5 GB
    assert lam.loc["duration", "quantity"] == pytest.approx(n * 0.124 * 0.5)
    assert lam.loc["duration", "usd"] == pytest.approx(n * 0.124 * 0.5 * X86)
    s = r.summary.iloc[0]
    assert s.service_cost_usd == 0 and s.cost_usd == s.lambda_cost_usd
    assert s.lambda_cost_usd == pytest.approx(n * (REQUEST + 0.062 * X86))
    assert r.functions.cost_usd[0] == pytest.approx(s.cost_usd)


@pytest.mark.parametrize("bill_init", [True, False])
def test_init_is_billed_since_august_2025(bill_init):
    sc = scenario([src("sync")], pricing={"bill_init": bill_init},
                  cold_start={"dist": "constant", "value_s": 0.25})
    r = ls.simulate(sc, seed=1)
    n, k = int(r.summary.invocations[0]), int(r.summary.cold_starts[0])
    assert k >= 1
    # a cold invocation: ceil(250 + 123.4 ms) = 374 ms = 124 + 250
    ms = n * 124 + (k * 250 if bill_init else 0)
    assert rows(r, "lambda").loc["duration", "quantity"] == pytest.approx(ms / 1000 * 0.5)
    assert ("init billed" if bill_init else "init not billed") in rows(r, "lambda").loc[
        "duration", "note"]


def test_arm_and_provisioned_concurrency_by_hand():
    sc = scenario([src("sync")], provisioned_concurrency=2)
    r = ls.simulate(sc, seed=1)
    lam = rows(r, "lambda")
    fn = lam.loc["provisioned concurrency"]
    assert fn.source == "" and fn.function == "f"
    assert fn.quantity == pytest.approx(2 * 0.5 * 100.15)
    assert fn.usd == pytest.approx(100.15 * PC_X86)
    # at 5/s x 0.1234 s the provisioned environments serve every invocation
    assert lam.loc["duration in provisioned concurrency", "usd"] == pytest.approx(
        501 * 0.062 * PC_DUR_X86)
    assert "duration" not in lam.index or lam.loc["duration", "quantity"] == 0
    assert r.functions.cost_usd[0] == pytest.approx(lam.usd.sum())
    arm = ls.simulate(scenario([src("sync")], architecture="arm64"), seed=1)
    assert rows(arm, "lambda").loc["duration", "usd"] == pytest.approx(501 * 0.062 * ARM)


# -- SQS --------------------------------------------------------------------------------------
def test_sqs_requests_by_hand():
    """One message a second, 100 KB each (two 64 KB chunks); five pollers long-poll, so the
    idle poller-seconds are 5 x 100 s less the batches' run time."""
    sqs = src("sqs", rate=1.0, record_bytes=100_000, receive_delay=None)
    r = ls.simulate(scenario([sqs]), seed=1)
    n = int(r.summary.offered[0])
    inv = int(r.summary.invocations[0])
    assert n == 101 and inv == 101
    q = rows(r, "sqs")
    assert q.loc["SendMessage", "quantity"] == 2 * n
    assert q.loc["ReceiveMessage", "quantity"] == 2 * inv
    assert q.loc["DeleteMessageBatch", "quantity"] == r.summary.succeeded[0]
    idle = 5 * 100.15 - inv * 0.1234
    assert q.loc["ReceiveMessage (empty)", "quantity"] == pytest.approx(idle / 20)
    assert (q.unit_usd == SQS_STD).all()
    assert q.usd.sum() == pytest.approx(SQS_STD * (4 * n + n + idle / 20))
    assert r.summary.service_cost_usd[0] == pytest.approx(q.usd.sum())
    assert (q.status == "unverified").all()


def test_sqs_fifo_price_and_an_idle_queue():
    idle = src("sqs", rate=0.0, fifo=True)
    r = ls.simulate(scenario([idle], duration_s=600.0), seed=0)
    q = rows(r, "sqs")
    assert q.loc["ReceiveMessage (empty)", "quantity"] == pytest.approx(5 * 600 / 20)
    assert q.loc["ReceiveMessage (empty)", "usd"] == pytest.approx(150 * SQS_FIFO)
    assert q.drop(index="ReceiveMessage (empty)").quantity.sum() == 0


def test_batched_requests_rule():
    # 25 messages of 10 KB: calls of 10 (100 KB: 2 chunks), 10 (2) and 5 (50 KB: 1)
    assert batched_requests(25, 10_000) == 5
    assert batched_requests(10, 1024) == 1 and batched_requests(0, 1024) == 0
    assert chunks(1) == 1 and chunks(65536) == 1 and chunks(65537) == 2
    assert chunks(262_144) == 4  # a 256 KB message = 4 requests (AWS's example)


def test_sqs_counts_after_the_warm_up_only():
    sqs = src("sqs", rate=1.0, receive_delay=None)
    r = ls.simulate(scenario([sqs], warmup_s=50.0), seed=1)
    q = rows(r, "sqs")
    assert q.loc["SendMessage", "quantity"] == r.summary.offered[0] == 51
    assert q.loc["ReceiveMessage (empty)", "quantity"] == pytest.approx(
        (5 * 50.15 - 51 * 0.1234) / 20)


# -- Kinesis and DynamoDB Streams ---------------------------------------------------------------
def test_kinesis_by_hand():
    k = src("kinesis", rate=40.0, record_bytes=26_000, shards=4, retention_h=48)
    r = ls.simulate(scenario([k]), seed=1)
    assert r.summary.write_throttles[0] == 0
    n = int(r.summary.offered[0])
    ks = rows(r, "kinesis")
    assert ks.loc["shard-hours", "usd"] == pytest.approx(4 * 100.15 / 3600 * SHARD_H)
    # 26,000 B: two 25 KB PUT payload units per record
    assert ks.loc["PUT payload units", "quantity"] == 2 * n
    assert ks.loc["PUT payload units", "usd"] == pytest.approx(2 * n * PUT_UNIT)
    assert ks.loc["GetRecords (shared throughput)", "usd"] == 0
    assert "free" in ks.loc["GetRecords (shared throughput)", "note"]
    assert ks.loc["extended retention shard-hours", "usd"] == pytest.approx(
        4 * 100.15 / 3600 * RETENTION_H)
    assert "enhanced fan-out data retrieved" not in ks.index


def test_kinesis_enhanced_fan_out_by_hand():
    k = src("kinesis", rate=40.0, record_bytes=26_000, shards=4, enhanced_fan_out=True)
    r = ls.simulate(scenario([k]), seed=1)
    ks = rows(r, "kinesis")
    read = r.series("GetRecords.Records", source="kinesis", period_s=1).sum()
    assert ks.loc["enhanced fan-out consumer-shard-hours", "quantity"] == pytest.approx(
        4 * 100.15 / 3600)
    gb = read * 26_000 / 2**30
    assert ks.loc["enhanced fan-out data retrieved", "quantity"] == pytest.approx(gb)
    assert ks.loc["enhanced fan-out data retrieved", "usd"] == pytest.approx(gb * EFO_GB)
    assert ks.usd.sum() == pytest.approx(4 * 100.15 / 3600 * (SHARD_H + EFO_H) + gb * EFO_GB
                                         + 2 * r.summary.offered[0] * PUT_UNIT)


def test_dynamodb_stream_reads_by_lambda_are_free():
    r = ls.simulate(scenario([src("dynamodb", rate=20.0)]), seed=1)
    d = rows(r, "dynamodb_streams").loc["GetRecords by Lambda"]
    assert d.quantity > 0 and d.usd == 0 and d.unit_usd == 0 and "free" in d.note
    assert d.status == "verified_aws"
    assert r.summary.service_cost_usd[0] == 0


# -- push sources ---------------------------------------------------------------------------
def test_sns_eventbridge_s3_by_hand():
    sources = [src("sns", record_bytes=70_000), src("eventbridge"), src("s3"), src("async")]
    r = ls.simulate(scenario(sources, duration_s=50.0), seed=1)
    n = dict(zip(r.summary.source, r.summary.offered, strict=True))
    sns = rows(r, "sns")
    assert sns.loc["publishes", "quantity"] == 2 * n["sns"]  # 70,000 B: two 64 KB chunks
    assert sns.loc["publishes", "usd"] == pytest.approx(2 * n["sns"] * SNS_PUB)
    free = sns.loc["deliveries to Lambda"]
    assert free.quantity == n["sns"] and free.usd == 0 and "free" in free.note
    eb = rows(r, "eventbridge").loc["custom events"]
    assert eb.quantity == n["eventbridge"] and eb.usd == pytest.approx(n["eventbridge"] * EB_EVENT)
    s3 = rows(r, "s3").loc["event notifications"]
    assert s3.quantity == n["s3"] and s3.usd == 0 and "free" in s3.note
    assert not (r.costs.source == "async").any() or set(
        r.costs[r.costs.source == "async"].service) == {"lambda"}
    s = r.summary.set_index("source")
    assert (s.cost_usd == s.lambda_cost_usd + s.service_cost_usd).all()
    for name in s.index:
        mine = r.costs[r.costs.source == name]
        assert s.lambda_cost_usd[name] == pytest.approx(mine.usd[mine.service == "lambda"].sum())


def test_costs_per_month_scales_to_30_days():
    r = ls.simulate(scenario([src("sqs", rate=1.0)], warmup_s=20.0), seed=1)
    m = r.costs_per_month()
    k = 30 * 86400 / 80.15
    assert np.allclose(m.usd, r.costs.usd * k) and np.allclose(m.quantity, r.costs.quantity * k)
    assert "30-day month" in m.attrs["period"]


# -- prices as data ---------------------------------------------------------------------------
def test_overrides_discounts_and_region():
    base = ls.simulate(scenario([src("sqs", rate=1.0)]), seed=1).costs
    cut = ls.simulate(scenario([src("sqs", rate=1.0)], pricing={"discount": 0.5}), seed=1).costs
    assert np.allclose(cut.usd, base.usd / 2) and (cut.note.str.contains("50% discount")).all()
    per = ls.simulate(scenario([src("sqs", rate=1.0)], pricing={
        "discounts": {"lambda": 0.2}, "prices": {"sqs.standard_requests": 0.000001},
        "region": "eu-west-1"}), seed=1).costs
    lam = per.service == "lambda"
    assert np.allclose(per.usd[lam], base.usd[lam] * 0.8)
    assert (per.unit_usd[~lam] == 0.000001).all() and (per.status[~lam] == "override").all()
    assert per.note[lam].str.contains("us-east-1 price").all()
    old = ls.Pricing(gb_second_usd=0.00002)
    assert old.usd("lambda.duration_x86_gb_s") == 0.00002
    assert old.item("lambda.duration_x86_gb_s").status == "override"
    assert ls.Pricing().item("lambda.duration_x86_gb_s").status == "unverified"
    with pytest.raises(ls.ScenarioError, match=r"pricing\.prices\.sqs\.requests: no such price"):
        scenario([src("sync")], pricing={"prices": {"sqs.requests": 1}})
    with pytest.raises(ls.ScenarioError, match="pricing.discount = 2"):
        scenario([src("sync")], pricing={"discount": 2})


def test_price_table_is_complete_and_cited():
    table = price_table()
    assert table.region == "us-east-1"
    for it in table.items.values():
        assert it.status in ("verified_aws", "derived_aws", "unverified", "not_found"), it.key
        assert it.source, it.key
        if it.status == "not_found":
            assert it.usd is None, it.key
    assert table["sqs.standard_requests"].usd == SQS_STD


def test_prices_command_prints_sources_dates_and_status(capsys):
    assert main(["prices"]) == 0
    out = capsys.readouterr().out
    assert "sqs.standard_requests" in out and "UNVERIFIED" in out and "us-east-1" in out
    assert "docs.aws.amazon.com" in out and "2026-06-13" in out
    assert main(["prices", "--markdown"]) == 0
    assert capsys.readouterr().out.startswith("|")


# -- duration and memory ------------------------------------------------------------------------
def durations(memory_mb, **fn):
    r = ls.simulate(scenario([src("sync", rate=1.0)], duration_s=20.0, memory_mb=memory_mb,
                             duration={"dist": "constant", "value_s": 1.0}, **fn), seed=0)
    inv = r.invocations.dropna(subset=["end_s"])
    return float((inv.end_s - inv.start_s).mean())


def test_duration_scales_the_cpu_bound_share_by_vcpus():
    ref = {"duration_at_memory_mb": 1024, "cpu_bound": 0.5}
    assert durations(1024, **ref) == pytest.approx(1.0)
    # 512 MB: half the vCPU share of 1024 MB, so the CPU half takes twice as long
    assert durations(512, **ref) == pytest.approx(0.5 + 0.5 * 2)
    # single-threaded: no gain beyond one vCPU (1,769 MB)
    one = 0.5 + 0.5 * 1024 / 1769
    assert durations(1769, **ref) == pytest.approx(one)
    assert durations(4096, **ref) == pytest.approx(one)
    assert durations(3538, cpu_threads=2, **ref) == pytest.approx(0.5 + 0.5 * 1024 / 3538)
    # without the fields duration does not depend on memory
    assert durations(512) == durations(4096) == pytest.approx(1.0)


def test_duration_fields_may_sit_in_the_duration_mapping():
    f = ls.FunctionSpec(name="f", memory_mb=2048, duration={
        "dist": "constant", "value_s": 1.0, "at_memory_mb": 1024, "cpu_bound": 0.7})
    assert f.duration_at_memory_mb == 1024 and f.cpu_bound == 0.7
    assert f.duration_scale == pytest.approx(0.3 + 0.7 * 1024 / 1769)
    assert ls.FunctionSpec.model_validate(f.model_dump()) == f
    with pytest.raises(ls.ScenarioError, match=r"functions\[0\]\.cpu_bound = None: must be given"):
        ls.Scenario.from_dict({"functions": [{"name": "f", "duration_at_memory_mb": 1024}],
                               "sources": [src("sync")]})
    with pytest.raises(ls.ScenarioError, match="cpu_bound = 1.5: must be 0..1"):
        ls.Scenario.from_dict({"functions": [{"name": "f", "duration_at_memory_mb": 1024,
                                              "cpu_bound": 1.5}], "sources": [src("sync")]})
    assert math.isclose(ls.FunctionSpec(name="g").duration_scale, 1.0)
