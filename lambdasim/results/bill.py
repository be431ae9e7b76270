"""The whole bill of a run: Lambda and the event path, itemised per source and function.

One row per (service, item, source or function): the quantity used between the warm-up and
the horizon, its unit, the unit price, the USD, the price item it was priced at (see
``lambdasim prices``), that price's ``status`` and a note. Free items are listed at $0 with
the reason. What is counted (by the invocation paths, without drawing any random number):

- Lambda: requests, GB-seconds on demand (init included since 1 August 2025), GB-seconds
  served by provisioned concurrency, and the provisioned-concurrency allocation (per
  function, ``source`` empty): :mod:`.cost`.
- SQS (standard or FIFO request price): SendMessage (one message per call, 64 KB chunks),
  every ReceiveMessage the pollers make (up to 10 messages a call, 64 KB chunks; a waiting
  poller long-polls, one empty receive per 20 idle poller-seconds) and DeleteMessageBatch
  (up to 10 a call).
- Kinesis (provisioned mode): shard-hours, PUT payload units (each record in 25 KB units),
  shared-throughput GetRecords (free), enhanced fan-out consumer-shard-hours and data
  retrieved, extended retention shard-hours.
- DynamoDB Streams: GetRecords by Lambda (free: AWS DynamoDB Developer Guide).
- SNS: publishes (64 KB chunks); deliveries to Lambda (free). EventBridge: custom events (64 KB
  chunks). S3: event notifications (free).
- Free tiers and Lambda's monthly volume tiers are ignored; the table's prices are us-east-1
  list prices, several ``unverified`` (see docs/prices.md).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..spec.pricing import GB, PUT_UNIT_BYTES, Pricing, chunks, price_table
from .cost import arch_key, provisioned_gb_s

COLUMNS = ["service", "item", "source", "function", "quantity", "unit", "unit_usd", "usd",
           "price", "status", "note"]
MONTH_S = 30 * 86400.0  # costs_per_month: a 30-day month


class _Rows:
    def __init__(self, pricing: Pricing):
        self.pricing, self.rows = pricing, []

    def add(self, service: str, item: str, source: str, function: str, quantity: float,
            price: str, note: str = "") -> None:
        it = self.pricing.item(price)
        unit_usd = np.nan if it.usd is None else float(it.usd)
        usd = 0.0 if it.usd is None else float(quantity) * unit_usd
        p, table = self.pricing, price_table()
        extra = []
        if it.usd is None:
            extra.append(f"no price known ({price} not found): not billed")
        cut = p.discounts.get(it.service, p.discount)
        if cut:
            extra.append(f"{cut:.0%} discount")
        if p.region != table.region and it.status != "override":
            extra.append(f"{table.region} price (the table has none for {p.region})")
        note = "; ".join([note, *extra]) if note else "; ".join(extra)
        self.rows.append({"service": service, "item": item, "source": source,
                          "function": function, "quantity": float(quantity), "unit": it.unit,
                          "unit_usd": unit_usd, "usd": usd, "price": price,
                          "status": it.status, "note": note})


def itemise(scenario, invocations: dict, sources: list) -> pd.DataFrame:
    """The bill of a run. ``invocations``: the invocations table's columns as arrays
    (:func:`~lambdasim.results.tables.arrays`); ``sources``: the run log's
    :class:`~lambdasim.sim.log.SourceLog` list (name, kind, function, usage)."""
    sc, rows, inv = scenario, _Rows(scenario.pricing), invocations
    counted = inv["start_s"] >= sc.warmup_s
    for src in sources:
        mine = counted & (inv["source"] == src.name)
        _lambda(rows, sc, {c: inv[c][mine] for c in _BILLED}, src)
        spec = sc.source(src.name)
        _service(rows, spec, src.name, src.function, src.usage or {})
    span = sc.duration_s - sc.warmup_s
    for f in sc.functions:
        if f.provisioned_concurrency:
            a = arch_key(f.architecture)
            rows.add("lambda", "provisioned concurrency", "", f.name,
                     provisioned_gb_s(f.memory_mb, f.provisioned_concurrency, span),
                     f"lambda.provisioned_concurrency_{a}_gb_s",
                     f"{f.provisioned_concurrency} x {f.memory_mb} MB configured for {span:g} s")
    df = pd.DataFrame(rows.rows, columns=COLUMNS)
    df.attrs.update(period_s=span, region=sc.pricing.region)
    return df


#: the invocations' columns the Lambda items are billed from
_BILLED = ("provisioned", "cold_start", "init_s", "gb_seconds")


def _lambda(rows: _Rows, sc, inv: dict, src) -> None:
    f = sc.function(src.function)
    a = arch_key(f.architecture)
    name, fn = src.name, src.function
    rows.add("lambda", "requests", name, fn, len(inv["gb_seconds"]), "lambda.requests",
             "one per invocation started (retries and batches included)")
    prov = inv["provisioned"].astype(bool)
    cold = inv["cold_start"].astype(bool)
    init = "init billed (since 1 Aug 2025)" if sc.pricing.bill_init else "init not billed"
    note = (f"{f.memory_mb} MB, per 1 ms rounded up; {int(cold.sum())} cold starts, "
            f"{inv['init_s'][cold].sum():.3g} s of init, {init}")
    rows.add("lambda", "duration", name, fn, float(inv["gb_seconds"][~prov].sum()),
             f"lambda.duration_{a}_gb_s", note)
    if prov.any():
        rows.add("lambda", "duration in provisioned concurrency", name, fn,
                 float(inv["gb_seconds"][prov].sum()),
                 f"lambda.provisioned_duration_{a}_gb_s", f"{f.memory_mb} MB")


def _service(rows: _Rows, spec, name: str, fn: str, u: dict) -> None:
    kind, rb = spec.kind, spec.workload.record_bytes
    if kind == "sqs":
        price = "sqs.fifo_requests" if spec.fifo else "sqs.standard_requests"
        per = f"{rb} B messages: {chunks(rb)} request(s) per 64 KB chunk"
        rows.add("sqs", "SendMessage", name, fn, u.get("sqs_send_requests", 0), price,
                 f"one message per call (SendMessageBatch would cut this up to 10x); {per}")
        rows.add("sqs", "ReceiveMessage", name, fn, u.get("sqs_receive_requests", 0), price,
                 "pollers' receives with messages, up to 10 a call, per 64 KB chunk")
        rows.add("sqs", "ReceiveMessage (empty)", name, fn, u.get("sqs_empty_receives", 0),
                 price, f"{u.get('sqs_idle_poller_s', 0):.0f} idle poller-seconds / 20 s "
                 "long poll (empty receives are billed)")
        rows.add("sqs", "DeleteMessageBatch", name, fn, u.get("sqs_delete_requests", 0), price,
                 "up to 10 messages a call, after each successful batch")
    elif kind == "kinesis":
        _kinesis(rows, spec, name, fn, u)
    elif kind == "dynamodb":
        rows.add("dynamodb_streams", "GetRecords by Lambda", name, fn,
                 u.get("get_records_calls", 0), "dynamodb_streams.lambda_trigger_get_records",
                 "free: read requests by Lambda are free; the table's writes are not billed here")
    elif kind == "sns":
        rows.add("sns", "publishes", name, fn, u.get("event_chunks_64kb", 0),
                 "sns.standard_publish_requests",
                 f"one Publish per event ({rb} B: {chunks(rb)} per 64 KB chunk)")
        rows.add("sns", "deliveries to Lambda", name, fn, u.get("events", 0),
                 "sns.lambda_deliveries", "free: deliveries to Lambda carry no SNS charge")
    elif kind == "eventbridge":
        rows.add("eventbridge", "custom events", name, fn, u.get("event_chunks_64kb", 0),
                 "eventbridge.custom_events",
                 f"events your application puts ({rb} B: {chunks(rb)} per 64 KB chunk); events "
                 "from AWS services are free: set pricing.prices eventbridge.custom_events: 0")
    elif kind == "s3":
        rows.add("s3", "event notifications", name, fn, u.get("events", 0),
                 "s3.event_notifications", "free: you pay the destination (Lambda, above)")


def _kinesis(rows: _Rows, spec, name: str, fn: str, u: dict) -> None:
    rb, hours = spec.workload.record_bytes, u.get("shard_hours", 0.0)
    rows.add("kinesis", "shard-hours", name, fn, hours, "kinesis.provisioned_shard_hour",
             f"{spec.shards} shard(s), provisioned mode")
    rows.add("kinesis", "PUT payload units", name, fn, u.get("put_payload_units", 0),
             "kinesis.provisioned_put_payload_unit",
             f"{int(u.get('records_put', 0))} records accepted x {chunks(rb, PUT_UNIT_BYTES)} "
             f"unit(s) of 25 KB ({rb} B each)")
    if spec.enhanced_fan_out:
        rows.add("kinesis", "enhanced fan-out consumer-shard-hours", name, fn,
                 u.get("efo_consumer_shard_hours", 0.0), "kinesis.efo_consumer_shard_hour",
                 "the mapping's enhanced fan-out consumer, per shard")
        rows.add("kinesis", "enhanced fan-out data retrieved", name, fn,
                 u.get("efo_bytes", 0) / GB, "kinesis.efo_data_retrieval_gb",
                 f"{int(u.get('records_read', 0))} records pushed to the mapping (GB = 2^30 B)")
    else:
        rows.add("kinesis", "GetRecords (shared throughput)", name, fn,
                 u.get("get_records_calls", 0), "kinesis.provisioned_get_records",
                 "free: reads of provisioned streams carry no request charge")
    if spec.retention_h > 24:
        note = f"retention {spec.retention_h:g} h"
        if spec.retention_h > 168:
            note += ("; beyond 7 days long-term retention is billed per GB-month: price not "
                     "found, not billed")
        rows.add("kinesis", "extended retention shard-hours", name, fn, hours,
                 "kinesis.extended_retention_shard_hour", note)


def per_source(costs: pd.DataFrame, source: str) -> tuple[float, float]:
    """(Lambda USD, event-path USD) of one source's rows (no price known: 0)."""
    usd = costs["usd"].to_numpy(float)
    mine = costs["source"].to_numpy() == source
    lam = costs["service"].to_numpy() == "lambda"
    return float(np.nansum(usd[mine & lam])), float(np.nansum(usd[mine & ~lam]))


def per_month(costs: pd.DataFrame) -> pd.DataFrame:
    """The bill scaled from the simulated window (warm-up to horizon) to a 30-day month:
    quantities and USD multiplied by 2,592,000 s / the window. Free tiers and Lambda's
    monthly volume tiers (above 6 billion GB-s) are not applied."""
    span = costs.attrs.get("period_s")
    k = MONTH_S / span
    out = costs.copy()
    out["quantity"] *= k
    out["usd"] *= k
    out.attrs.update(costs.attrs, period_s=MONTH_S, scaled_by=k,
                     period=f"30-day month (the {span:g} s simulated, x {k:,.0f})")
    return out
