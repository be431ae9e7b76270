"""Invocations simulated per wall-second: the full Lambda model (async push, Poisson arrivals,
cold starts, a concurrency limit, 90 % utilisation) against a bare SimPy M/M/c queue with one
process per job, run in the same process. Prints both rates and their ratio (target >= 3.5).

The two alternate for ``--rounds`` rounds (the machine's speed drifts, so drift hits both
alike) and the medians are compared. Both are warmed up first with a short run: the one-time
imports (SimPy; lambdasim's engine and its results layer, pandas) are not counted, and the
time lambdasim's first call spends importing is printed on its own.

    python benchmarks/bench_async.py [--seconds 300] [--rounds 3]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import simpy

import lambdasim as ls

C, MEAN_S, UTIL = 100, 0.1, 0.9
RATE = UTIL * C / MEAN_S


def lambda_model(horizon: float) -> tuple[int, float]:
    sc = ls.Scenario.from_dict({
        "duration_s": horizon,
        "account": {"concurrency_limit": C, "unreserved_minimum": 0},
        "functions": [{"name": "f", "duration": {"dist": "exponential", "mean_s": MEAN_S},
                       "cold_start": {"dist": "lognormal", "mean_s": 0.25, "cv": 0.5},
                       "keep_alive_s": 60}],
        "sources": [{"name": "push", "kind": "async", "function": "f",
                     "workload": {"pattern": "poisson", "rate_per_s": RATE}}],
    })
    t = time.perf_counter()
    r = ls.simulate(sc, seed=1)
    return int(r.functions.invocations.sum()), time.perf_counter() - t


def bare_simpy(horizon: float) -> tuple[int, float]:
    rng = np.random.default_rng(1)
    env = simpy.Environment()
    servers = simpy.Resource(env, C)
    done = [0]

    def job():
        with servers.request() as req:
            yield req
            yield env.timeout(rng.exponential(MEAN_S))
            done[0] += 1

    def arrivals():
        while True:
            yield env.timeout(rng.exponential(1 / RATE))
            env.process(job())

    env.process(arrivals())
    t = time.perf_counter()
    env.run(until=horizon)
    return done[0], time.perf_counter() - t


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=300.0, help="simulated horizon")
    p.add_argument("--rounds", type=int, default=3, help="alternating rounds (medians)")
    args = p.parse_args()
    compare("lambdasim async push (full model)", lambda: lambda_model(args.seconds),
            lambda: bare_simpy(args.seconds), lambda: lambda_model(5.0), args.rounds, 3.5)


def first_call_imports() -> float:
    """Seconds lambdasim's first ``simulate`` spends importing (engine, results, pandas)."""
    t = time.perf_counter()
    ls.simulate  # noqa: B018 - the lazy import is the point
    return time.perf_counter() - t


def compare(label: str, model, baseline, warm_up, rounds: int, target: float) -> None:
    """Warm both up, run them alternately ``rounds`` times, print each round and the ratio of
    the median rates against its target."""
    print(f"lambdasim's first call imports for {first_call_imports():.2f} s (not counted)")
    bare_simpy(5.0)
    warm_up()
    rb, rl = [], []
    for k in range(rounds):
        n_b, t_b = baseline()
        n_l, t_l = model()
        rb.append(n_b / t_b)
        rl.append(n_l / t_l)
        print(f"round {k + 1}: bare SimPy M/M/{C} (one process per job) {n_b:,} jobs in "
              f"{t_b:.2f} s = {rb[-1]:,.0f} /s; {label}: {n_l:,} invocations in "
              f"{t_l:.2f} s = {rl[-1]:,.0f} /s; ratio {rl[-1] / rb[-1]:.2f}")
    mb, ml = float(np.median(rb)), float(np.median(rl))
    print(f"median bare SimPy: {mb:,.0f} jobs/s; median {label}: {ml:,.0f} "
          f"invocations/s")
    print(f"ratio lambdasim / bare SimPy: {ml / mb:.2f} (target >= {target:g})")


if __name__ == "__main__":
    main()
