"""Invocations simulated per wall-second: the full Lambda model (async push, Poisson arrivals,
cold starts, a concurrency limit, 90 % utilisation) against a bare SimPy M/M/c queue with one
process per job, run in the same process. Prints both rates and their ratio (target >= 3.5).

    python benchmarks/bench_async.py [--seconds 300]
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
    args = p.parse_args()
    n_b, t_b = bare_simpy(args.seconds)
    n_l, t_l = lambda_model(args.seconds)
    report("lambdasim async push (full model):    ", n_l, t_l, n_b, t_b, 3.5)


def report(label: str, n_l: int, t_l: float, n_b: int, t_b: float, target: float) -> None:
    """Both rates and their ratio against its target."""
    rb, rl = n_b / t_b, n_l / t_l
    print(f"bare SimPy M/M/{C} (one process per job): {n_b:>9,} jobs in {t_b:6.2f} s "
          f"= {rb:>9,.0f} /s")
    print(f"{label} {n_l:>9,} invocations in {t_l:6.2f} s = {rl:>9,.0f} /s")
    print(f"ratio lambdasim / bare SimPy: {rl / rb:.2f} (target >= {target:g})")


if __name__ == "__main__":
    main()
