"""Every default that stands for AWS behaviour, with its source (``lambdasim defaults``).

Values are read from the models themselves, so the table cannot drift from the code. A
source is an AWS document (LDG = Lambda Developer Guide, KDG = Kinesis Data Streams Developer
Guide) or an independent measurement with its date; ASSUMPTION marks a default no measurement
backs (a parameter to change when one turns up). See docs/calibration.md for the figures.
"""

from __future__ import annotations

from .account import AccountSpec
from .async_source import DEFAULT_DELIVERY, DEFAULT_DEQUEUE, AsyncSourceSpec
from .function import FunctionSpec
from .sqs import SqsSourceSpec
from .stream import DEFAULT_READ_DELAY, StreamSourceSpec
from .sync_source import SyncSourceSpec

BSS = "Bite-Sized Serverless, 'Serverless messaging latency compared' (Sep 2022)"


def _d(model, field: str):
    return model.model_fields[field].default


def _dist(d) -> str:
    if d is None:
        return "none"
    if d.dist == "lognormal":
        scale = f"median {d.median_s:g} s" if d.median_s is not None else f"mean {d.mean_s:g} s"
        shape = (f"sigma {d.sigma:g}" if d.sigma is not None else
                 f"cv {d.cv:g}" if d.cv is not None else f"p99 {d.p99_s:g} s")
        shift = f" + {d.shift_s:g} s" if d.shift_s else ""
        return f"lognormal {scale}, {shape}{shift}"
    if d.dist == "uniform":
        return f"uniform {d.low_s:g}-{d.high_s:g} s"
    if d.dist == "mixture":
        return " / ".join(f"{w:g}: {_dist(p)}" for w, p in zip(d.weights, d.parts, strict=True))
    return d.dist


def table() -> list[dict]:
    """Rows: parameter, value, behaviour it stands for, source (with date)."""
    f, a = FunctionSpec, AccountSpec
    rows = [
        ("account.concurrency_limit", _d(a, "concurrency_limit"),
         "regional concurrency quota (new accounts may start at 10)",
         "LDG lambda-concurrency"),
        ("account.id", _d(a, "id"),
         "the account; its own applications need no statement in a function's policy",
         "LDG access-control-resource-based"),
        ("functions[].resource_policy / execution_role", "none: permissions not modelled",
         "a function declaring neither is permitted everything (as SAM generates for its "
         "Events); declaring one checks both", "LDG lambda-permissions"),
        ("sources[sns|eventbridge].retry_access_denied",
         _d(AsyncSourceSpec, "retry_access_denied"),
         "a delivery refused for a missing permission is not retried (true: SNS's delivery "
         "policy, 100,015 attempts over ~23 days; EventBridge 24 h / 185 retries, delays an "
         "ASSUMPTION)", "SNS DG sns-dead-letter-queues; EventBridge UG eb-rule-dlq"),
        ("account.unreserved_minimum", _d(a, "unreserved_minimum"),
         "concurrency kept unreserved: min(100, limit)", "LDG lambda-concurrency"),
        ("account.scaling_rule / scaling_rate_per_10s",
         f"{_d(a, 'scaling_rule')} / {_d(a, 'scaling_rate_per_10s')}",
         "1,000 new environments per function every 10 s (since Nov 2023); 'burst' selects "
         "the older burst + 500/min rule", "LDG scaling-behavior (Nov 2023)"),
        ("functions[].memory_mb / timeout_s", f"{_d(f, 'memory_mb')} / {_d(f, 'timeout_s')}",
         "lambdasim's defaults for a hand-written scenario (AWS's are 128 MB / 3 s; "
         "template import writes AWS's)", "lambdasim"),
        ("functions[].cold_start", _dist(_d(f, "cold_start")),
         "init duration when no runtime is given; with runtime: the measured median and "
         "spread of that runtime, architecture and memory",
         "ASSUMPTION; runtime: maxday/lambda-perf (2025-12-21)"),
        ("functions[].keep_alive_s", _d(f, "keep_alive_s"),
         "idle time before an environment is reclaimed (10 minutes since July 2019)",
         "mikhail.io (Aug 2019); Xebia"),
        ("functions[].reclaim_lag", _dist(_d(f, "reclaim_lag")),
         "background sweep after the idle timeout ('a bit longer than 10 minutes')",
         "ASSUMPTION bounded by Xebia"),
        ("functions[].max_environment_lifetime_s", _d(f, "max_environment_lifetime_s"),
         "busy environments recycled every ~2 hours", "Xebia (after Dec 2019)"),
        ("functions[].lifetime_jitter_s", _d(f, "lifetime_jitter_s"),
         "recycling spread before the lifetime", "ASSUMPTION"),
        ("pricing", "lambdasim/data/prices.yaml (us-east-1 list prices)",
         "the whole bill: Lambda requests and GB-s (init billed since 1 Aug 2025), SQS "
         "requests, Kinesis shard-hours and PUT units, EFO, SNS, EventBridge; each price with "
         "its status (`lambdasim prices`)",
         "aws.amazon.com pricing pages (read 2026-11-28); several unverified: docs/prices.md"),
        ("sources[sync].client_retry", _d(SyncSourceSpec, "client_retry"),
         "the caller does not retry a 429 ('standard' = boto3's 3 attempts, 'legacy' 5)",
         "boto3 retries guide"),
        ("sources[async].max_retry_attempts / retry_delays_s",
         f"{_d(AsyncSourceSpec, 'max_retry_attempts')} / {_d(AsyncSourceSpec, 'retry_delays_s')}",
         "function errors retried twice, ~1 and ~2 minutes apart",
         "LDG invocation-async-error-handling"),
        ("sources[async].max_event_age_s", _d(AsyncSourceSpec, "max_event_age_s"),
         "events older than 6 h are discarded", "LDG invocation-async-error-handling"),
        ("sources[async].throttle_backoff_min_s / max_s",
         f"{_d(AsyncSourceSpec, 'throttle_backoff_min_s')} / "
         f"{_d(AsyncSourceSpec, 'throttle_backoff_max_s')}",
         "throttled events retried with backoff from 1 s to 5 minutes",
         "LDG invocation-async-error-handling"),
        ("sources[sns].delivery_delay", _dist(DEFAULT_DELIVERY["sns"]),
         "SNS -> Lambda's queue; with the dequeue: p50 73 ms, p99 225 ms", BSS),
        ("sources[eventbridge].delivery_delay", _dist(DEFAULT_DELIVERY["eventbridge"]),
         "EventBridge -> Lambda's queue; with the dequeue: p50 148 ms, p99 387 ms (after the "
         "17 Feb 2023 speed-up; before: p50 395 ms, set delivery_delay to model it)",
         BSS + ", re-measured Feb 2023"),
        ("sources[s3].delivery_delay", _dist(DEFAULT_DELIVERY["s3"]),
         "S3 notification -> Lambda's queue ('typically seconds, sometimes a minute or longer')",
         "ASSUMPTION (no published percentiles); S3 docs"),
        ("sources[async kinds].dequeue_delay", _dist(DEFAULT_DEQUEUE),
         "Lambda's queue -> invocation", "ASSUMPTION inferred from " + BSS),
        ("sources[kinesis].read_delay", _dist(DEFAULT_READ_DELAY["kinesis"]),
         "GetRecords -> Invoke; with a poll a second: p50 627 ms, p99 1,580 ms", BSS),
        ("sources[kinesis, enhanced_fan_out].read_delay", _dist(DEFAULT_READ_DELAY["efo"]),
         "SubscribeToShard push -> Invoke: p50 49 ms (AWS documents ~70 ms)", BSS + "; KDG"),
        ("sources[dynamodb].read_delay", _dist(DEFAULT_READ_DELAY["dynamodb"]),
         "GetRecords -> Invoke; with 4 polls a second: p50 213 ms, p99 552 ms", BSS),
        ("sources[kinesis].propagation_delay_s", "0.2 s per extra standard consumer",
         "~200 ms average with one consumer, ~1 s with five", "KDG"),
        ("sources[kinesis|dynamodb].batch_size / max_retry_attempts",
         f"{_d(StreamSourceSpec, 'batch_size')} / {_d(StreamSourceSpec, 'max_retry_attempts')}",
         "BatchSize 100; retry until the records expire", "LDG with-kinesis, with-ddb"),
        ("sources[kinesis|dynamodb].throttle_backoff_min_s / max_s",
         f"{_d(StreamSourceSpec, 'throttle_backoff_min_s')} / "
         f"{_d(StreamSourceSpec, 'throttle_backoff_max_s')}",
         "a throttled batch waits and retries (throttles are not retries)", "ASSUMPTION"),
        ("sources[sqs].batch_size / visibility_timeout_s",
         f"{_d(SqsSourceSpec, 'batch_size')} / {_d(SqsSourceSpec, 'visibility_timeout_s')}",
         "BatchSize 10; queue VisibilityTimeout 30 s", "LDG with-sqs; SQS docs"),
        ("sources[sqs].max_receive_count", _d(SqsSourceSpec, "max_receive_count"),
         "redrive after 5 receives (AWS advises >= 5; AWS's own default is no redrive)",
         "LDG with-sqs"),
        ("sources[sqs].scaling_rule", _d(SqsSourceSpec, "scaling_rule"),
         "pollers start at 5 and add 300 per minute up to 1,250 (since Nov 2023); 'legacy' "
         "selects +60/min up to 1,000", "LDG services-sqs-scaling (Nov 2023)"),
        ("sources[sqs].receive_delay", _dist(_d(SqsSourceSpec, "receive_delay")),
         "message visible -> Invoke (long poll, receive round trip, Invoke overhead): "
         "p50 16.2 ms, p99 105 ms", BSS),
        ("sources[sqs].error_backoff / error_pause_s",
         f"{_d(SqsSourceSpec, 'error_backoff')} / {_d(SqsSourceSpec, 'error_pause_s')}",
         "the mapping backs off on function errors (not with ReportBatchItemFailures): "
         "1/5/10 % failing -> concurrency ~25/16/13",
         "LDG services-sqs-errorhandling; rehanvdm.com (2025/26), fitted"),
    ]
    return [{"parameter": p, "value": str(v), "behaviour": b, "source": s}
            for p, v, b, s in rows]
