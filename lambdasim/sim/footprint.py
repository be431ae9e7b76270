"""How much memory a run will need, estimated before it starts.

A run keeps one log entry per invocation and, with full record detail (and always for push
sources, whose retries need them), one ledger row per event; the result tables copy them
once more. The figures per entry are measured on CPython 3.11 / numpy 2 and rounded up.
"""

from __future__ import annotations

from ..spec.scenario import Scenario

BYTES_PER_EVENT_ROW = 200  # ledger row + events-table row and its sort
BYTES_PER_INVOCATION = 250  # log lists (pointers + float objects) + invocations-table row
STREAM_POLLS_PER_S = 5  # at most 5 GetRecords calls per shard and second


def expected_events(scenario: Scenario) -> dict[str, float]:
    """Events (or records) each source is expected to be offered over the horizon."""
    h = scenario.duration_s
    out = {}
    for s in scenario.sources:
        wl = s.workload
        if wl.pattern == "trace":
            times, counts = wl.load()
            out[s.name] = float(len(times) if counts is None else counts.sum())
        else:
            out[s.name] = wl.mean_rate(0.0, h) * h
    return out


def estimate_bytes(scenario: Scenario, record_detail: str = "full") -> int:
    """Memory a run needs, roughly (an upper estimate)."""
    h = scenario.duration_s
    expected = expected_events(scenario)
    total = 0.0
    for s in scenario.sources:
        events = expected[s.name]
        if s.kind in ("kinesis", "dynamodb"):
            lanes = s.shards * s.parallelization_factor
            invocations = min(events, lanes * STREAM_POLLS_PER_S * h)
        else:
            invocations = events
        rows = events if (record_detail == "full" or s.kind not in (
            "kinesis", "dynamodb", "sqs")) else 0
        total += rows * BYTES_PER_EVENT_ROW + invocations * BYTES_PER_INVOCATION
    return int(total)
