"""Wall time of a 16-configuration parameter sweep (1 replication each, ~1 s per run, so that
starting the pool weighs little) on a local process pool of 1 worker against 2 workers (each
sweep starts its own pool). Prints both times and the speed-up (target >= 1.7 on 2 cores).

    python benchmarks/bench_sweep.py [--seconds 600] [--workers 2] [--repeat 3]

Each pool size is timed ``--repeat`` times and the best time kept, so that other processes
sharing the cores disturb the ratio less.
"""

from __future__ import annotations

import argparse
import os
import time

import lambdasim as ls
from lambdasim.sweep import sweep


def scenario(horizon: float) -> ls.Scenario:
    return ls.Scenario.from_dict({
        "duration_s": horizon,
        "functions": [{"name": "worker", "duration": {"dist": "lognormal", "mean_s": 0.2,
                                                      "cv": 0.5}}],
        "sources": [
            {"name": "api", "kind": "sync", "function": "worker",
             "workload": {"pattern": "poisson", "rate_per_s": 400}},
            {"name": "uploads", "kind": "s3", "function": "worker",
             "workload": {"pattern": "poisson", "rate_per_s": 80}},
        ],
    })


GRID = {"functions.worker.memory_mb": [128 * k for k in range(1, 17)]}  # 16 configurations


def timed(base: ls.Scenario, workers: int, repeat: int) -> tuple[float, object]:
    """Best wall time of ``repeat`` sweeps (each starts its own pool), and the last frame."""
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        df = sweep(base, GRID, replications=1, workers=workers, progress=False)
        best = min(best, time.perf_counter() - t)
    return best, df


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=600.0, help="simulated horizon per run")
    p.add_argument("--workers", type=int, default=2, help="size of the larger pool")
    p.add_argument("--repeat", type=int, default=3, help="time each pool this many times")
    args = p.parse_args()
    load = os.getloadavg()[0]  # before this benchmark's own runs raise it
    base = scenario(args.seconds)
    ls.simulate(base, seed=0)  # warm: imports and first-call costs out of the figure below
    t, c = time.perf_counter(), time.process_time()
    ls.simulate(base, seed=0)
    wall, cpu = time.perf_counter() - t, time.process_time() - c
    print(f"one run: {wall:.2f} s wall, {cpu:.2f} s CPU; {os.cpu_count()} cores; "
          "16 configurations x 1 replication")
    t1, df1 = timed(base, 1, args.repeat)
    tn, dfn = timed(base, args.workers, args.repeat)
    assert df1.equals(dfn), "the pools disagree"
    for n, t in ((1, t1), (args.workers, tn)):  # cores busy: 16 runs' CPU time / wall time
        print(f"{n} worker(s): {t:6.2f} s wall (~{16 * cpu / t:.2f} cores busy)")
    print(f"speed-up: {t1 / tn:.2f} (target >= 1.7 with 2 workers on 2 cores)")
    if load > 0.5:
        print(f"note: load average {load:.1f} before the benchmark: other processes share the "
              "cores, so the speed-up is understated")


if __name__ == "__main__":
    main()
