"""What the advisor can rule out without simulating: configurations whose event source
mapping cannot keep up with the offered load, and configurations dominated by one already
shown to miss a target.

Capacity: a Kinesis or DynamoDB mapping processes at most shards x ParallelizationFactor
lanes x BatchSize records per batch duration; an SQS mapping at most (pollers) x BatchSize
per batch duration, the pollers capped by MaximumConcurrency (1,250 without), reserved and
account concurrency. Each bound takes full batches, no cold start, no polling or delivery
delay and no error, so the real mapping is slower; a stream's bound is also capped by the
shards' read rate (2 MB/s each, shared by the standard consumers). With arrivals at the
workload's rate (a Kinesis shard accepting at most its write limit), a fluid queue served at
that bound gives a lower bound on the age of the oldest record and on latency; a
configuration is skipped when that lower bound exceeds an age or latency target by a margin
(``MARGIN`` x limit + ``SLACK_S``), so randomness cannot make it feasible.

Dominance: ``shards``, ``parallelization_factor``, ``max_concurrency``, ``memory_mb``,
``reserved_concurrency``, ``provisioned_concurrency`` and ``account.concurrency_limit`` only
ever add capacity. A configuration with no more of each than one that missed an age, latency,
backlog or loss target (and the same other knob values) misses it too, and is skipped.
"""

from __future__ import annotations

import math

import numpy as np

from ..spec.aws import (
    SHARD_WRITE_BYTES,
    SHARD_WRITE_RECORDS,
    SQS_SCALING,
    STREAM_READ,
    SYNC_PAYLOAD_BYTES,
)

MARGIN, SLACK_S = 1.25, 1.0
#: targets that more capacity never makes worse
MONOTONE = {"latency_mean_s", "latency_p50_s", "latency_p99_s", "iterator_age_max_s",
            "queue_age_max_s", "in_flight", "expired"}
#: knobs (the last field of a path) that only add capacity; None stands for "no limit"
CAPACITY_KNOBS = ("shards", "parallelization_factor", "max_concurrency", "memory_mb",
                  "reserved_concurrency", "provisioned_concurrency", "concurrency_limit")
_AGE = {"iterator_age_max_s", "queue_age_max_s"}
_LATENCY = {"latency_mean_s": None, "latency_p50_s": 0.5, "latency_p99_s": 0.99}


def batch_seconds(function, records: int, n: int = 20_000) -> float:
    """Mean time of an invocation with ``records`` records: the duration draw plus the
    per-record time, scaled for memory, capped at the timeout (a fixed-seed estimate,
    outside any simulation)."""
    d = function.duration.sample(np.random.default_rng(12345), n)
    run = (d + function.per_record_s * records) * function.duration_scale
    return float(np.minimum(run, function.timeout_s).mean())


def capacity(scenario, source) -> float | None:
    """Most records per second the source's mapping can process (None: not a pull source)."""
    fn = scenario.function(source.function)
    if source.kind in ("kinesis", "dynamodb"):
        b = source.batch_cap
        lanes = source.shards * source.parallelization_factor
        c = lanes * b / batch_seconds(fn, b)
        lim = STREAM_READ[source.kind]
        share = 1 if source.enhanced_fan_out else source.consumers
        return min(c, source.shards * lim["bytes_per_s"] / share / source.workload.record_bytes)
    if source.kind == "sqs":
        b = max(1, min(source.batch_size, SYNC_PAYLOAD_BYTES // source.workload.record_bytes))
        pollers = min(source.max_concurrency or SQS_SCALING[source.scaling_rule][1],
                      scenario.account.concurrency_limit)
        if fn.reserved_concurrency is not None:
            pollers = min(pollers, fn.reserved_concurrency)
        return pollers * b / batch_seconds(fn, b) if pollers else 0.0
    return None


def _arrivals(scenario, source, t: np.ndarray) -> np.ndarray:
    rate = np.asarray(source.workload.rate(t), dtype=float)
    if source.kind == "kinesis":
        cap = min(SHARD_WRITE_RECORDS, SHARD_WRITE_BYTES // source.workload.record_bytes)
        rate = np.minimum(rate, cap * source.shards)
    return rate


def fluid_bounds(scenario, source, c: float, steps: int = 4000) -> dict[str, float]:
    """Lower bounds on the oldest record's age and on latency quantiles for arrivals at the
    workload's rate served at ``c`` records/s at most (a fluid queue)."""
    h, w = scenario.duration_s, scenario.warmup_s
    t = np.linspace(0.0, h, steps + 1)
    dt = t[1] - t[0]
    lam = _arrivals(scenario, source, t[:-1])
    arr = np.concatenate([[0.0], np.cumsum(lam * dt)])
    dep = np.empty_like(arr)
    dep[0], q = 0.0, 0.0
    for i in range(steps):  # served at c while a backlog remains
        q += (lam[i] - c) * dt
        q = max(q, 0.0)
        dep[i + 1] = arr[i + 1] - q
    # head of the queue at time t arrived when the arrivals reached the departures
    head = np.interp(dep, arr, t)
    after = t >= w
    out = {"age": float(np.max(t[after] - head[after])) if after.any() else 0.0}
    # a record arriving at s leaves when the departures reach the arrivals at s
    leave = np.interp(arr, dep, t, right=np.inf)
    lat = leave - t
    weight = np.diff(arr, prepend=0.0) * (t >= w) * np.isfinite(leave)
    if weight.sum() <= 0:
        return {**out, **dict.fromkeys(_LATENCY, math.inf)}
    order = np.argsort(lat)
    cum = np.cumsum(weight[order]) / weight.sum()
    for col, q_ in _LATENCY.items():
        out[col] = (float((lat[np.isfinite(lat)] * weight[np.isfinite(lat)]).sum()
                          / weight.sum()) if q_ is None
                    else float(lat[order][np.searchsorted(cum, q_)]))
    return out


def capacity_skip(scenario, targets, cover) -> tuple[str, str] | None:
    """(target, why) if this configuration cannot meet an age or latency target, or None."""
    for t in targets:
        if not t.upper or (t.column not in _AGE and t.column not in _LATENCY):
            continue
        for name in cover[t.name]:
            src = scenario.source(name)
            if src.workload.pattern == "trace":
                continue
            c = capacity(scenario, src)
            if c is None:  # a push source: no mapping to bound
                continue
            b = fluid_bounds(scenario, src, c)
            bound = b["age"] if t.column in _AGE else b[t.column]
            if t.column == "iterator_age_max_s":  # the batch's last record is younger
                lanes = src.shards * src.parallelization_factor
                mean_rate = max(src.workload.mean_rate(0.0, scenario.duration_s), 1e-9)
                bound -= src.batch_cap * lanes / mean_rate
            if bound > MARGIN * t.limit + SLACK_S:
                return t.name, (f"capacity: {name} processes at most {c:,.0f} records/s, so "
                                f"{t.column} >= {bound:,.3g} s > {t.limit:g}")
    return None


def capacity_levels(values: dict, knobs: list[str]) -> dict[str, float] | None:
    """A configuration's capacity knob values (None = unlimited, as +inf), or None if a
    capacity knob's value is not a number."""
    out = {}
    for k in knobs:
        v = values[k]
        if v is None:
            v = math.inf
        if not isinstance(v, int | float) or isinstance(v, bool):
            return None
        out[k] = float(v)
    return out


def is_capacity_knob(path: str) -> bool:
    return path.rsplit(".", 1)[-1] in CAPACITY_KNOBS


def dominated(y: dict, x: dict, capacity_knobs: list[str], others: list[str]) -> bool:
    """``y`` has no more capacity than ``x`` on every capacity knob and the same other knob
    values (``y`` and ``x``: path -> value)."""
    if any(y[k] != x[k] for k in others):
        return False
    ly, lx = capacity_levels(y, capacity_knobs), capacity_levels(x, capacity_knobs)
    return ly is not None and lx is not None and all(ly[k] <= lx[k] for k in capacity_knobs)
