"""Pull sources: ``AWS::Lambda::EventSourceMapping`` (what SAM's SQS, Kinesis and DynamoDB
events become) and the queue, stream or table it reads, followed to its resource.

Defaults are AWS's (CloudFormation resource reference, AWS::Lambda::EventSourceMapping):
BatchSize 100 for streams and 10 for SQS, MaximumBatchingWindowInSeconds 0,
ParallelizationFactor 1, MaximumRetryAttempts -1 and MaximumRecordAgeInSeconds -1 (infinite),
BisectBatchOnFunctionError false, Enabled true, no MaximumConcurrency, no on-failure
destination; StartingPosition has no default and is required for streams. AWS::SQS::Queue:
VisibilityTimeout 30 s, MessageRetentionPeriod 345,600 s (4 days), standard (not FIFO), no
redrive. AWS::Kinesis::Stream: RetentionPeriodHours 24, ShardCount 1, provisioned mode.
DynamoDB Streams keep records 24 h.
"""

from __future__ import annotations

import json
import math

from pydantic import TypeAdapter, ValidationError

from ..workload import Workload
from . import notes
from .context import Ctx, Draft, render, take

STREAM_BATCH, SQS_BATCH = 100, 10
ON_DEMAND_SHARDS = 4
"""An on-demand Kinesis stream starts with write capacity for 4,000 records/s (4 MB/s) and
adapts to double its previous peak (Kinesis Developer Guide, on-demand mode)."""
PARTITION_WRITES = 1000
"""Writes per second one DynamoDB partition takes (1,000 WCU); a table's stream has about
one shard per partition."""


def _kind(ctx: Ctx, target: str | None, arn: str) -> tuple[str | None, str | None]:
    """(lambdasim kind, resource read) for an EventSourceArn."""
    if target:
        t = ctx.rtype(target)
        if t == "AWS::Kinesis::StreamConsumer":
            return "kinesis", target
        return {"AWS::Kinesis::Stream": "kinesis", "AWS::DynamoDB::Table": "dynamodb",
                "AWS::SQS::Queue": "sqs"}.get(t), target
    service = arn.split(":")[2] if arn.startswith("arn:") and arn.count(":") >= 2 else ""
    if service == "dynamodb" and "/stream/" not in arn:
        service = ""
    return {"kinesis": "kinesis", "dynamodb": "dynamodb", "sqs": "sqs"}.get(service), None


def read_mappings(ctx: Ctx, functions: dict[str, Draft]) -> list[Draft]:
    out: list[Draft] = []
    standard: dict[str, list[Draft]] = {}  # stream -> mappings reading it as standard consumers
    for rid in ctx.of_type("AWS::Lambda::EventSourceMapping"):
        p = ctx.props(rid)
        name = ctx.display(rid)
        fn, qualifier = ctx.function_of(p.get("FunctionName"))
        arn_value = p.get("EventSourceArn", None)
        arn = ctx.resolver.text(arn_value) if arn_value is not None else ""
        target = ctx.target(arn_value) if arn_value is not None else None
        kind, res = _kind(ctx, target, arn)
        why = None
        if fn not in functions:
            why = "its function is not in the template"
        elif kind is None:
            why = (f"its source {target or arn or 'Kafka/MQ'} "
                   f"({ctx.rtype(target) if target else 'external'}) is not modelled")
        elif not p.flag("Enabled", True):
            why = "Enabled = false: the mapping does not poll"
        if why:
            ctx.row(rid, "skipped", "", why)
            ctx.warn(f"skipped: {name} (AWS::Lambda::EventSourceMapping: {why})")
            continue
        d = Draft(name, rid, qualifier=qualifier)
        d.set("kind", kind, p.locus("EventSourceArn"))
        d.set("function", fn, p.locus("FunctionName"))
        take(d, p, "batching_window_s", "MaximumBatchingWindowInSeconds", 0.0, "0 s",
             conv="float")
        types = p.get("FunctionResponseTypes", [])
        d.set("report_batch_item_failures", "ReportBatchItemFailures" in (types or []),
              p.locus("FunctionResponseTypes"), "template" if types else "aws",
              "" if types else "a failed batch fails whole")
        if kind == "sqs":
            _sqs(ctx, p, d, res, arn, functions[fn].fields["timeout_s"])
        else:
            _stream(ctx, p, d, kind, res, arn)
            stream = d.extra.get("stream")
            if stream and not d.fields.get("enhanced_fan_out"):
                standard.setdefault(stream, []).append(d)
        reasons = dict(notes.MAPPING)
        if kind == "sqs":
            reasons.update({k: "applies to stream mappings only" for k in notes.STREAM_ONLY})
        p.leftovers(reasons, notes.MAPPING_INERT)
        ctx.row(rid, "source", f"sources.{name}", f"{kind} mapping of {fn}")
        out.append(d)
    for stream, ds in standard.items():
        for d in ds:
            d.set("consumers", len(ds), f"{stream} (standard consumers)", "derived",
                  f"{len(ds)} mapping(s) read {stream} without enhanced fan-out")
    return out


def _sqs(ctx: Ctx, p, d: Draft, queue: str | None, arn: str, timeout_s: float) -> None:
    take(d, p, "batch_size", "BatchSize", SQS_BATCH, "10 for SQS")
    scaling = p.block("ScalingConfig")
    take(d, scaling, "max_concurrency", "MaximumConcurrency", None,
         "up to 1,250 concurrent batches")
    scaling.leftovers({})
    dest = p.block("DestinationConfig")
    dest.leftovers({"OnFailure": "SQS mappings have no on-failure destination: use the "
                    "queue's redrive policy", "OnSuccess": "on-success destinations are not "
                    "modelled"})
    d.keys.append(queue or arn)
    d.about = f"SQS queue {queue or arn}"
    if queue is None:  # AWS's queue defaults, but a visibility AWS would accept
        vt = max(30.0, float(timeout_s))
        d.set("fifo", arn.endswith(".fifo"), f"{d.name}.EventSourceArn", "assumed")
        for field, value, note in (("visibility_timeout_s", vt, f"{vt:g} s"),
                                   ("retention_s", 345600.0, "4 days"),
                                   ("max_receive_count", None, "no redrive")):
            d.set(field, value, f"{arn}", "assumed", f"queue not in the template: {note}")
        ctx.warn(f"assumed: {d.name}.EventSourceArn = {arn} (the queue is not in the "
                 f"template: AWS's queue defaults, no redrive, VisibilityTimeout {vt:g} s, "
                 "the larger of 30 s and the function timeout)")
        return
    q = ctx.props(queue)
    take(d, q, "fifo", "FifoQueue", False, "standard queue", conv="bool")
    take(d, q, "visibility_timeout_s", "VisibilityTimeout", 30.0, "30 s", conv="float")
    take(d, q, "retention_s", "MessageRetentionPeriod", 345600.0, "4 days", conv="float")
    redrive = q.get("RedrivePolicy", None)
    if isinstance(redrive, str):
        try:
            redrive = json.loads(redrive)
        except ValueError:
            raise ctx.error(queue, "RedrivePolicy", f"= {render(redrive)}: must be JSON") from None
    if redrive:
        r = q.block("RedrivePolicy")
        r.raw = redrive
        d.set("max_receive_count", r.number("maxReceiveCount"), r.locus("maxReceiveCount"))
        dlq = ctx.target(r.get("deadLetterTargetArn"))
        if dlq:
            ctx.row(dlq, "merged", f"sources.{d.name}", f"dead-letter queue of {queue}")
        r.leftovers({})
    else:
        d.set("max_receive_count", None, q.locus("RedrivePolicy"), "aws",
              "no redrive: failing messages return until MessageRetentionPeriod")
    q.leftovers(notes.QUEUE, notes.QUEUE_INERT)
    ctx.row(queue, "merged", f"sources.{d.name}", "queue read by the mapping")


def _stream(ctx: Ctx, p, d: Draft, kind: str, res: str | None, arn: str) -> None:
    take(d, p, "batch_size", "BatchSize", STREAM_BATCH, "100 for streams")
    take(d, p, "parallelization_factor", "ParallelizationFactor", 1, "1")
    take(d, p, "max_retry_attempts", "MaximumRetryAttempts", -1, "-1: retry until the "
         "record expires")
    take(d, p, "max_record_age_s", "MaximumRecordAgeInSeconds", -1, "-1: infinite")
    take(d, p, "bisect_on_error", "BisectBatchOnFunctionError", False, "false", conv="bool")
    if not p.has("StartingPosition"):
        raise ctx.error(d.rid, "StartingPosition", "is required for a Kinesis or DynamoDB "
                        "mapping (TRIM_HORIZON, LATEST or AT_TIMESTAMP; AWS has no default)")
    d.set("starting_position", p.text("StartingPosition"), p.locus("StartingPosition"))
    if p.has("StartingPositionTimestamp"):
        ctx.warn(f"approximated: {p.locus('StartingPositionTimestamp')} = "
                 f"{p.shown('StartingPositionTimestamp')} (taken as the start of the run)")
        d.set("starting_timestamp_s", 0.0, p.locus("StartingPositionTimestamp"), "assumed")
    dest = p.block("DestinationConfig")
    failure = dest.block("OnFailure")
    if failure.has("Destination"):
        value = failure.get("Destination")
        d.set("destination", ctx.target(value) or ctx.resolver.text(value),
              failure.locus("Destination"))
    else:
        d.set("destination", None, failure.locus("Destination"), "aws",
              "none: records past their retries or age are dropped")
    failure.leftovers({})
    dest.leftovers({"OnSuccess": "on-success destinations are not modelled"})
    p.block("ScalingConfig").leftovers({}, default="MaximumConcurrency applies to SQS only")
    d.set("enhanced_fan_out", False, f"{d.name}.EventSourceArn", "aws", "a standard consumer")
    d.set("poll_interval_s", 1.0 if kind == "kinesis" else 0.25, f"{d.name} (Lambda)",
          "derived", "Lambda polls a Kinesis shard once a second, a DynamoDB shard 4 times")
    if res and ctx.rtype(res) == "AWS::Kinesis::StreamConsumer":
        c = ctx.props(res)
        stream = ctx.target(c.get("StreamARN"))
        c.leftovers({}, notes.NAMES | {"ConsumerName"})
        ctx.row(res, "merged", f"sources.{d.name}", "enhanced fan-out consumer")
        d.set("enhanced_fan_out", True, f"{res} (AWS::Kinesis::StreamConsumer)")
        d.keys.append(res)
        res = stream
    d.keys.append(res or arn)
    d.about = f"{'Kinesis stream' if kind == 'kinesis' else 'DynamoDB table stream'} {res or arn}"
    d.extra["stream"] = res or arn
    if res is None:
        d.set("shards", 1, arn, "assumed")
        d.set("retention_h", 24.0, arn, "aws" if kind == "dynamodb" else "assumed")
        ctx.warn(f"assumed: {d.name}.shards = 1 (the stream {arn} is not in the template; "
                 f"give {d.name}: {{shards: N}} in --workloads)")
        return
    if kind == "kinesis":
        _kinesis(ctx, d, res)
    else:
        _table(ctx, d, res)


def _kinesis(ctx: Ctx, d: Draft, stream: str) -> None:
    s = ctx.props(stream)
    mode = s.block("StreamModeDetails")
    on_demand = mode.text("StreamMode", "PROVISIONED") == "ON_DEMAND"
    mode.leftovers({})
    take(d, s, "retention_h", "RetentionPeriodHours", 24.0, "24 h", conv="float")
    if on_demand:
        d.set("shards", ON_DEMAND_SHARDS, s.locus("StreamModeDetails"), "assumed")
        d.extra["on_demand"] = s.locus("StreamModeDetails")
        s.used.add("ShardCount")
    else:
        take(d, s, "shards", "ShardCount", 1, "1 shard")
    s.leftovers(notes.STREAM, notes.STREAM_INERT)
    ctx.row(stream, "merged", f"sources.{d.name}", "stream read by the mapping")


def _table(ctx: Ctx, d: Draft, table: str) -> None:
    t = ctx.props(table)
    spec = t.block("StreamSpecification")
    if not spec.has("StreamViewType"):
        raise ctx.error(d.rid, "EventSourceArn", f"table {table} has no "
                        "StreamSpecification: AWS rejects a mapping on a table without a stream")
    spec.used.add("StreamViewType")
    ctx.warn(f"ignored: {spec.locus('StreamViewType')} = {spec.text('StreamViewType')} "
             "(record size comes from the workload's record_bytes)")
    spec.leftovers({})
    d.set("retention_h", 24.0, f"{table} stream", "aws", "DynamoDB Streams keep records 24 h")
    d.extra["table"] = (t.text("BillingMode", "PROVISIONED"),
                        t.block("ProvisionedThroughput").number("WriteCapacityUnits", None),
                        f"{table}.ProvisionedThroughput")
    ctx.row(table, "merged", f"sources.{d.name}", "table whose stream the mapping reads "
            f"(inert: {', '.join(k for k in t.raw if k not in notes.TABLE_READ) or 'none'})")


def settle_shards(ctx: Ctx, d: Draft) -> None:
    """Shards that depend on the traffic, once the workload is known: an on-demand Kinesis
    stream, and a DynamoDB table's stream (about one shard per partition)."""
    if d.locked("shards") or d.fields.get("kind") not in ("kinesis", "dynamodb"):
        return
    try:
        wl = TypeAdapter(Workload).validate_python(d.fields["workload"])
    except ValidationError:
        return  # the scenario's validation names the workload's problem
    peak = wl.peak_rate()
    if "on_demand" in d.extra and d.origin["shards"][1] == "assumed":
        need = 2 * max(peak / 1000, peak * wl.record_bytes / 2**20)
        n = max(ON_DEMAND_SHARDS, math.ceil(need))
        d.set("shards", n, d.extra["on_demand"], "assumed", "on-demand approximation")
        ctx.warn(f"approximated: {d.extra['on_demand']} = ON_DEMAND (shards = {n}: the "
                 "4,000 records/s an on-demand stream starts with, or double the workload's "
                 "peak, whichever is more; resharding is not modelled)")
    elif "table" in d.extra and "shards" not in d.fields:
        billing, wcu, locus = d.extra["table"]
        writes = wcu if billing != "PAY_PER_REQUEST" and wcu else peak
        n = max(1, math.ceil(writes / PARTITION_WRITES))
        d.set("shards", n, locus, "assumed", "one stream shard per 1,000 writes/s")
        ctx.warn(f"approximated: {d.name}.shards = {n} (a DynamoDB stream has about one "
                 f"shard per table partition, 1,000 writes/s each, from "
                 f"{'WriteCapacityUnits' if writes == wcu else 'the workload peak'} "
                 f"{writes:g}; give {d.name}: {{shards: N}} in --workloads)")
