"""Invocations simulated per wall-second on the SQS path: a standard queue at 500 messages/s,
BatchSize 10, no batching window, against the bare SimPy M/M/c queue of
``bench_async.py`` (one process per job) in the same process. Prints both rates and their
ratio (target >= 2), alternating rounds after a warm-up as ``bench_async.py`` does. In each
round lambdasim's side repeats its run (the same seed) until it has taken at least
``MIN_WALL_S``: one run lasts about 0.3 s against bare SimPy's 5-8 s, so a hiccup of the
machine would move a single run's rate by a third.

    python benchmarks/bench_sqs.py [--seconds 600] [--rounds 3]
"""

from __future__ import annotations

import argparse
import time

from bench_async import bare_simpy, compare

import lambdasim as ls

TARGET = 2.0
MIN_WALL_S = 2.0


def sqs(horizon: float) -> tuple[int, float]:
    sc = ls.Scenario.from_dict({
        "duration_s": horizon,
        "functions": [{"name": "worker", "duration": {"dist": "lognormal", "mean_s": 0.1,
                                                      "cv": 0.5}}],
        "sources": [{"name": "orders", "kind": "sqs", "function": "worker", "batch_size": 10,
                     "workload": {"pattern": "poisson", "rate_per_s": 500.0}}],
    })
    t = time.perf_counter()
    r = ls.simulate(sc, seed=1)
    return int(r.functions.invocations.sum()), time.perf_counter() - t


def sqs_repeated(horizon: float) -> tuple[int, float]:
    """``sqs(horizon)`` run until ``MIN_WALL_S`` has passed: total invocations, total wall."""
    n, wall = 0, 0.0
    while wall < MIN_WALL_S:
        k, t = sqs(horizon)
        n, wall = n + k, wall + t
    return n, wall


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=600.0, help="simulated horizon")
    p.add_argument("--rounds", type=int, default=3, help="alternating rounds (medians)")
    args = p.parse_args()
    compare("lambdasim SQS, BatchSize 10", lambda: sqs_repeated(args.seconds),
            lambda: bare_simpy(args.seconds / 2), lambda: sqs(10.0), args.rounds, TARGET)


if __name__ == "__main__":
    main()
