"""Records simulated per wall-second and peak memory for one simulated hour of a 100-shard
Kinesis stream at 1,000 records/s per shard (360 million records), record_detail="histogram",
against the bare SimPy M/M/c queue of ``bench_async.py`` (one process per job) in the same
process. Targets: records per wall-second >= 110 x the bare SimPy jobs per wall-second (about
8 million records/s on a 2-core machine) and <= 1 GiB peak RSS.

The machine's speed drifts over the hour's minute or more of wall time, so the baseline is
measured before and after the run and also between its ``--slices`` slices (``simulate``'s
``progress`` hook, which gives the same numbers); the time spent on it is not counted in the
run's wall.

    python benchmarks/bench_stream.py [--seconds 3600] [--shards 100] [--slices 12]
"""

from __future__ import annotations

import argparse
import resource
import time

from bench_async import bare_simpy

import lambdasim as ls

TARGET = 110


def scenario(seconds: float, shards: int) -> ls.Scenario:
    return ls.Scenario.from_dict({
        "duration_s": seconds,
        "functions": [{"name": "consumer", "memory_mb": 1024,
                       "duration": {"dist": "lognormal", "mean_s": 0.1, "cv": 0.3},
                       "per_record_s": 0.0001}],
        "sources": [{"name": "clicks", "kind": "kinesis", "function": "consumer",
                     "shards": shards, "batch_size": 500, "keys": {"count": 1_000_000},
                     "workload": {"pattern": "poisson", "rate_per_s": 1000.0 * shards,
                                  "record_bytes": 512}}],
    })


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=3600.0)
    p.add_argument("--shards", type=int, default=100)
    p.add_argument("--slices", type=int, default=12, help="baseline measured between slices")
    args = p.parse_args()
    base = [bare_simpy(60.0)]  # the baseline before, during and after the run

    def between(_fraction: float) -> None:
        base.append(bare_simpy(20.0))

    sc = scenario(args.seconds, args.shards)
    t = time.perf_counter()
    r = ls.simulate(sc, seed=1, record_detail="histogram", progress=between,
                    slices=args.slices)
    wall = time.perf_counter() - t - sum(t_b for _, t_b in base[1:])
    base.append(bare_simpy(60.0))
    n_b, t_b = sum(n for n, _ in base), sum(t for _, t in base)
    s = r.summary.iloc[0]
    rss_gib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"{args.shards} shards x {args.seconds:g} s: {s.offered:,} records "
          f"({s.succeeded:,} processed, {s.write_throttles:,} throttled puts, "
          f"{int(r.functions.invocations.sum()):,} invocations) in {wall:.1f} s")
    rate, rb = s.offered / wall, n_b / t_b
    print(f"records per wall-second: {rate:,.0f}; bare SimPy M/M/100: {rb:,.0f} jobs per "
          f"wall-second; ratio {rate / rb:.0f} (target >= {TARGET})")
    print(f"peak RSS: {rss_gib:.2f} GiB (target <= 1 GiB)")


if __name__ == "__main__":
    main()
