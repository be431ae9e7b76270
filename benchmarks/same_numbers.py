"""Same seed, same numbers: digests of a fixed set of runs, for checking that a change meant
only to make lambdasim faster changes no number. Each run's summary, functions, metrics,
invocations, throttles and (full detail) events are hashed, at both record details.

    python benchmarks/same_numbers.py record digests.json   # before the change
    python benchmarks/same_numbers.py check digests.json    # after: names the runs that differ

The runs cover every invocation path and the cases speed work tends to touch: the bundled
examples, sparse and dense push sources, SQS (standard and FIFO, poison messages, redrive,
retention), Kinesis and DynamoDB streams (retries, bisection, batch item failures, record age,
parallelization, write throttles, idle stretches) and 40 s of ``bench_stream.py``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys

import bench_stream
import pandas as pd

import lambdasim as ls

SEED = 3


def _poisson(rate: float) -> dict:
    return {"pattern": "poisson", "rate_per_s": rate}


def _one(source: dict, duration_s: float, warmup_s: float = 0.0, **function) -> ls.Scenario:
    fn = {"name": "f", "duration": {"dist": "lognormal", "mean_s": 0.1, "cv": 1.0}, **function}
    return ls.Scenario.from_dict({"duration_s": duration_s, "warmup_s": warmup_s,
                                  "functions": [fn],
                                  "sources": [{"name": "s", "function": "f", **source}]})


def _stream(**src) -> dict:
    return {"kind": "kinesis", "shards": 2, "workload": _poisson(3000), **src}


def scenarios() -> dict[str, ls.Scenario]:
    from lambdasim.spec.load import load

    out = {name: load(name) for name in ("async_overload", "noisy_neighbour", "push_vs_pull",
                                         "quickstart")}
    out["sync+s3 warm"] = ls.Scenario.from_dict({
        "duration_s": 60, "warmup_s": 10,
        "functions": [{"name": "f", "reserved_concurrency": 3}],
        "sources": [{"name": "api", "kind": "sync", "function": "f", "workload": _poisson(20)},
                    {"name": "up", "kind": "s3", "function": "f", "workload": _poisson(10)}]})
    out["sparse sync"] = _one({"kind": "sync", "workload": _poisson(0.9)}, 20000)
    out["sparse s3 warm"] = _one({"kind": "s3", "workload": _poisson(0.3)}, 20000, 600)
    out["async errors"] = _one({"kind": "async", "workload": _poisson(50)}, 300,
                               error_rate=0.2, reserved_concurrency=4)
    out["sqs"] = _one({"kind": "sqs", "batch_size": 10, "workload": _poisson(30)}, 60, 5)
    out["sqs poison"] = _one(
        {"kind": "sqs", "batch_size": 3, "retention_s": 60, "visibility_timeout_s": 10,
         "max_receive_count": 3, "poison_rate": 0.1,
         "workload": {"pattern": "bursts", "rate_per_s": 200, "on_s": 20, "off_s": 40}},
        500, timeout_s=5, reserved_concurrency=1)
    out["sqs fifo items"] = _one(
        {"kind": "sqs", "fifo": True, "batch_size": 5, "message_groups": 20,
         "poison_rate": 0.02, "report_batch_item_failures": True,
         "workload": _poisson(80)}, 300)
    # batches in flight (never-received ranges) when messages expire, and at the horizon;
    # a batching window, throttles and redrive
    out["sqs retention in flight"] = _one(
        {"kind": "sqs", "batch_size": 10, "retention_s": 60, "visibility_timeout_s": 130,
         "batching_window_s": 2, "max_receive_count": 2, "workload": _poisson(30)},
        400, timeout_s=120, reserved_concurrency=3,
        duration={"dist": "lognormal", "mean_s": 40, "cv": 0.8})
    out["sparse sqs"] = _one({"kind": "sqs", "batch_size": 10, "workload": _poisson(0.5)},
                             5000, 100)
    out["sparse kinesis"] = _one({"kind": "kinesis", "shards": 1, "workload": _poisson(0.5)},
                                 5000)
    retry = {"error_rate": 0.1, "reserved_concurrency": 2}
    bursts = {"pattern": "bursts", "rate_per_s": 3000, "on_s": 5, "off_s": 5}
    streams = {
        "ddb age": (_stream(kind="dynamodb", parallelization_factor=3, batch_size=1,
                            batching_window_s=0.5, max_retry_attempts=2, max_record_age_s=60,
                            destination="dlq", keys={"count": 1000}, workload=bursts), {}),
        "kinesis bisect": (_stream(parallelization_factor=2, batch_size=1,
                                   batching_window_s=0.5, max_record_age_s=60,
                                   bisect_on_error=True, report_batch_item_failures=True,
                                   destination="dlq", keys={"count": 3},
                                   producer_max_attempts=2), retry),
        "kinesis poison": (_stream(batch_size=5, poison_rate=0.01, max_retry_attempts=2,
                                   keys={"count": 3}, producer_max_attempts=2), retry),
        "kinesis window": (_stream(batch_size=50, batching_window_s=3, parallelization_factor=3,
                                   keys={"count": 1000}, producer_max_attempts=3,
                                   workload=bursts), {}),
        "kinesis big batch": (_stream(batch_size=500, max_record_age_s=60,
                                      report_batch_item_failures=True,
                                      keys={"count": 1000}), retry),
    }
    for name, (src, fn) in streams.items():
        out[name] = _one(src, 90, duration={"dist": "lognormal", "mean_s": 0.1, "cv": 1.0},
                         **fn)
    out["kinesis gaps"] = _one(_stream(shards=3, keys={"count": 50}, workload={
        "pattern": "bursts", "rate_per_s": 3000, "on_s": 20, "off_s": 40}), 600)
    out["bench stream"] = bench_stream.scenario(40, 100)
    return out


def digests() -> dict[str, str]:
    out = {}
    for name, sc in scenarios().items():
        for detail in ("full", "histogram"):
            r = ls.simulate(sc, seed=SEED, record_detail=detail)
            frames = [r.summary, r.functions, r.metrics(1.0), r.invocations, r.throttles]
            if detail == "full":
                frames.append(r.events)
            h = hashlib.sha256()
            for f in frames:
                h.update(pd.util.hash_pandas_object(f.reset_index(drop=True),
                                                    index=False).to_numpy().tobytes())
                h.update(",".join(map(str, f.columns)).encode())
            out[f"{name} / {detail}"] = h.hexdigest()
            print(f"{name} / {detail}", file=sys.stderr)
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("action", choices=("record", "check"))
    p.add_argument("file", help="where the digests are kept (JSON)")
    args = p.parse_args()
    now = digests()
    if args.action == "record":
        with open(args.file, "w") as f:
            json.dump(now, f, indent=1)
        print(f"recorded {len(now)} digests in {args.file}")
        return
    with open(args.file) as f:
        before = json.load(f)
    differ = [k for k in sorted(set(before) | set(now)) if before.get(k) != now.get(k)]
    if differ:
        print(f"{len(differ)} of {len(now)} runs differ:\n  " + "\n  ".join(differ))
        sys.exit(1)
    print(f"all {len(now)} runs give the same numbers")


if __name__ == "__main__":
    main()
