"""The SimFaaS README scenario, simulated by SimFaaS 0.2.2 and by lambdasim in the same process:
Poisson requests at 0.9/s, exponential service (warm mean 1.991 s, cold mean 2.244 s),
instances expire after 600 s idle, concurrency limit 1,000. lambdasim runs it as a synchronous
caller with a cold start of the mean difference (0.253 s, exponential), a keep-alive of 600 s
with no reclaim lag and no lifetime limit. Prints both walls, their ratio (target >= 5) and
both cold-start probabilities (they should agree: SimFaaS's README reports 0.0014).

Each is timed without its imports (SimFaaS's are made before its clock starts; lambdasim is
warmed up with a short run, and the time its first call spends importing is printed on its
own), and the two alternate for ``--rounds`` rounds; the ratio is of the median walls.

    python benchmarks/bench_simfaas.py [--seconds 200000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import time

from bench_async import first_call_imports

import lambdasim as ls

RATE, WARM_S, COLD_S, EXPIRE_S = 0.9, 1.991, 2.244, 600.0
TARGET = 5.0


def simfaas(horizon: float) -> tuple[float, float, int]:
    from simfaas.ServerlessSimulator import ServerlessSimulator

    sim = ServerlessSimulator(arrival_rate=RATE, warm_service_rate=1 / WARM_S,
                              cold_service_rate=1 / COLD_S, expiration_threshold=EXPIRE_S,
                              max_time=horizon)
    t = time.perf_counter()
    sim.generate_trace(debug_print=False, progress=False)
    return time.perf_counter() - t, sim.get_cold_start_prob(), sim.total_req_count


def lambdasim(horizon: float) -> tuple[float, float, int]:
    sc = ls.Scenario.from_dict({
        "duration_s": horizon,
        "account": {"concurrency_limit": 1000, "unreserved_minimum": 0},
        "functions": [{"name": "f", "timeout_s": 900, "keep_alive_s": EXPIRE_S,
                       "reclaim_lag": {"dist": "constant", "value_s": 0.0},
                       "max_environment_lifetime_s": None,
                       "duration": {"dist": "exponential", "mean_s": WARM_S},
                       "cold_start": {"dist": "exponential", "mean_s": COLD_S - WARM_S}}],
        "sources": [{"name": "requests", "kind": "sync", "function": "f",
                     "workload": {"pattern": "poisson", "rate_per_s": RATE}}],
    })
    t = time.perf_counter()
    r = ls.simulate(sc, seed=1)
    wall = time.perf_counter() - t
    f = r.functions.iloc[0]
    return wall, f.cold_starts / f.invocations, int(f.invocations)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=200_000.0, help="simulated horizon")
    p.add_argument("--rounds", type=int, default=3, help="alternating rounds (medians)")
    args = p.parse_args()
    print(f"lambdasim's first call imports for {first_call_imports():.2f} s (not counted)")
    lambdasim(1000.0)
    ts, tl = [], []
    for k in range(args.rounds):
        t_s, p_s, n_s = simfaas(args.seconds)
        t_l, p_l, n_l = lambdasim(args.seconds)
        ts.append(t_s)
        tl.append(t_l)
        print(f"round {k + 1}: SimFaaS 0.2.2 {n_s:,} requests in {t_s:.2f} s, cold-start "
              f"probability {p_s:.4f}; lambdasim {n_l:,} requests in {t_l:.2f} s, cold-start "
              f"probability {p_l:.4f}; ratio {t_s / t_l:.1f}")
    ms, ml = statistics.median(ts), statistics.median(tl)
    print(f"median walls: SimFaaS 0.2.2 {ms:.2f} s, lambdasim {ml:.2f} s")
    print(f"ratio SimFaaS wall / lambdasim wall: {ms / ml:.1f} (target >= {TARGET:g})")


if __name__ == "__main__":
    main()
