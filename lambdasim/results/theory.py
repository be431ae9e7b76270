"""Closed forms from queueing theory that the model must agree with, used by the tests and
the notebooks (one copy of each).

- Erlang B: Poisson arrivals to ``n`` servers with no queue (a throttled call is lost), any
  service-time distribution: the probability an arrival finds every server busy. This is a
  function capped by reserved concurrency, called synchronously without retries.
- Erlang C: the same with an infinite queue and exponential service: the probability an
  arrival waits, and the mean wait.
- Little's law: concurrency = arrival rate x mean duration, as AWS states it (100 req/s x 0.5 s
  = 50 concurrent executions; LDG: lambda-concurrency).
"""

from __future__ import annotations

import math


def erlang_b(n: int, a: float) -> float:
    """Probability that an arrival finds all ``n`` servers busy at offered load ``a``
    erlangs (loss system: Poisson arrivals, any service-time distribution)."""
    if n < 0 or a < 0:
        raise ValueError(f"n = {n}, a = {a}: must both be >= 0")
    b = 1.0
    for k in range(1, n + 1):
        b = a * b / (k + a * b)
    return b


def erlang_c(n: int, a: float) -> float:
    """Probability that an arrival must wait in an M/M/n queue at offered load ``a``
    erlangs (``a < n``)."""
    if not 0 <= a < n:
        raise ValueError(f"n = {n}, a = {a}: must satisfy 0 <= a < n")
    b = erlang_b(n, a)
    return n * b / (n - a * (1 - b))


def mmc_mean_wait(n: int, arrival_rate: float, mean_service_s: float) -> float:
    """Mean time waiting for a server in an M/M/n queue."""
    a = arrival_rate * mean_service_s
    return erlang_c(n, a) * mean_service_s / (n - a)


def little_concurrency(arrival_rate: float, mean_duration_s: float) -> float:
    """Little's law: mean concurrency = arrival rate x mean time in the system."""
    return arrival_rate * mean_duration_s


def cold_start_probability(rate: float, keep_alive_s: float, duration_s: float,
                           reclaim_lag_max_s: float = 0.0) -> float:
    """P(cold) for a function that mostly runs one environment (``rate * duration << 1``):
    the next Poisson call finds the environment gone iff the gap after the previous call ends
    exceeds keep-alive plus the reclaim lag (uniform on ``[0, reclaim_lag_max_s]``):
    ``exp(-rate (keep_alive + duration)) * E[exp(-rate lag)]``."""
    p = math.exp(-rate * (keep_alive_s + duration_s))
    x = rate * reclaim_lag_max_s
    return p * (-math.expm1(-x) / x if x > 0 else 1.0)
