"""What the advisor minimises and the limits it must meet, read from a sweep's rows.

A target is a limit on a summary column (``latency_p99_s``, ``iterator_age_max_s``,
``dropped``, ...) or a function column of the sweep frame (``function_max_concurrency``),
for every source where the column applies or for one source::

    {"latency_p99_s": 5, "dropped": 0}              # every source, <=
    {"clicks.iterator_age_max_s": 5}                 # one source
    {"clicks": {"iterator_age_max_s": 5}}            # the same
    {"throughput_per_s": ">=2900"}                   # a lower limit

In each run a target's value is the worst over the sources it covers (the largest for an
upper limit, the smallest for a lower one); a missing value (no success, so no latency; no
batch, so no IteratorAge) misses the target. The objective ``cost_usd`` is the whole bill of
the configuration: every source's event-path cost plus every function's Lambda cost
(provisioned concurrency included); another column is summed over sources for counts and
costs and the worst is taken otherwise.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ..spec import ScenarioError

STREAM_KINDS, SQS_KINDS = ("kinesis", "dynamodb"), ("sqs",)
#: columns only some kinds have
ONLY = {"iterator_age_max_s": STREAM_KINDS, "write_throttles": STREAM_KINDS,
        "queue_age_max_s": SQS_KINDS}
COLUMNS = ("offered", "succeeded", "failed", "dropped", "rejected", "expired", "in_flight",
           "throttles", "invocations", "cold_starts", "latency_mean_s", "latency_p50_s",
           "latency_p99_s", "throughput_per_s", "cost_usd", "lambda_cost_usd",
           "service_cost_usd", "iterator_age_max_s", "write_throttles", "queue_age_max_s",
           "function_mean_concurrency", "function_max_concurrency",
           "function_mean_environments", "function_cold_start_fraction",
           "function_gb_seconds", "function_cost_usd")
#: summed over sources (or functions) when they make a configuration's value
ADDITIVE = {"offered", "succeeded", "failed", "dropped", "rejected", "expired", "in_flight",
            "throttles", "invocations", "cold_starts", "throughput_per_s", "cost_usd",
            "lambda_cost_usd", "service_cost_usd", "write_throttles", "function_gb_seconds",
            "function_cost_usd"}
_SPEC = re.compile(r"^\s*(<=|>=|<|>)?\s*([-+0-9.eE]+)\s*$")


@dataclass(frozen=True)
class Target:
    """``column`` (of ``source``, or of every source it applies to) ``op`` ``limit``."""

    column: str
    limit: float
    op: str = "<="
    source: str | None = None

    @property
    def name(self) -> str:
        return f"{self.source}.{self.column}" if self.source else self.column

    @property
    def upper(self) -> bool:
        return self.op == "<="

    def __str__(self) -> str:
        return f"{self.name} {self.op} {self.limit:g}"

    def met(self, bound: float) -> bool:
        if bound is None or math.isnan(bound):
            return False
        return bound <= self.limit + 1e-12 if self.upper else bound >= self.limit - 1e-12


def _limit(key: str, value) -> tuple[str, float]:
    if isinstance(value, bool):
        raise ScenarioError(f"targets[{key!r}] = {value!r}: must be a number or '<=X' / '>=X'")
    if isinstance(value, int | float):
        return "<=", float(value)
    m = _SPEC.match(str(value))
    if not m:
        raise ScenarioError(f"targets[{key!r}] = {value!r}: must be a number (an upper limit) "
                            "or '<=X' / '>=X'")
    op = {"<": "<=", ">": ">="}.get(m.group(1) or "<=", m.group(1) or "<=")
    return op, float(m.group(2))


def parse_targets(targets, scenario) -> list[Target]:
    """Targets from a mapping (see the module docstring), checked against ``scenario``."""
    if not isinstance(targets, Mapping) or not targets:
        raise ScenarioError("targets: must be a non-empty mapping of columns to limits, e.g. "
                            "{'latency_p99_s': 5, 'dropped': 0}")
    names = [s.name for s in scenario.sources]
    out = []
    for key, value in targets.items():
        if key in names and isinstance(value, Mapping):
            out += [_one(f"{key}.{c}", v, scenario, names) for c, v in value.items()]
        else:
            out.append(_one(str(key), value, scenario, names))
    return out


def _one(key: str, value, scenario, names) -> Target:
    source, column = None, key
    for n in sorted(names, key=len, reverse=True):
        if key.startswith(n + "."):
            source, column = n, key[len(n) + 1:]
            break
    if column not in COLUMNS:
        raise ScenarioError(f"targets[{key!r}]: no column {column!r} (columns: "
                            f"{', '.join(COLUMNS)}; prefix a source name for one source)")
    op, limit = _limit(key, value)
    t = Target(column, limit, op, source)
    if not covered(t, scenario):
        kinds = ", ".join(ONLY.get(column, ()))
        raise ScenarioError(f"targets[{key!r}]: {column} applies to {kinds} sources only, "
                            "and the scenario has none" if source is None else
                            f"targets[{key!r}]: {column} does not apply to a "
                            f"{scenario.source(source).kind} source")
    return t


def covered(target: Target, scenario) -> list[str]:
    """The sources a target covers."""
    kinds = ONLY.get(target.column)
    return [s.name for s in scenario.sources
            if (target.source is None or s.name == target.source)
            and (kinds is None or s.kind in kinds)]


def check_objective(objective: str, scenario) -> str:
    names = [s.name for s in scenario.sources]
    col = objective.split(".", 1)[1] if objective.split(".", 1)[0] in names else objective
    if col not in COLUMNS:
        raise ScenarioError(f"objective = {objective!r}: no such column (columns: "
                            f"{', '.join(COLUMNS)})")
    return objective


def run_values(records: list[dict], targets: list[Target], objective: str,
               cover: dict[str, list[str]]) -> dict[str, float]:
    """One run's value of the objective and of each target (``cover``: target name -> the
    sources it covers)."""
    by_src = {r["source"]: r for r in records}
    out = {"objective": _objective(records, objective, by_src)}
    for t in targets:
        vals = [by_src[s].get(t.column, math.nan) for s in cover[t.name] if s in by_src]
        vals = [math.nan if v is None else float(v) for v in vals]
        if not vals or any(math.isnan(v) for v in vals):
            out[t.name] = math.nan
        else:
            out[t.name] = max(vals) if t.upper else min(vals)
    return out


def _objective(records: list[dict], objective: str, by_src: dict) -> float:
    if "." in objective and objective.split(".", 1)[0] in by_src:
        src, col = objective.split(".", 1)
        return float(by_src[src].get(col, math.nan))
    if objective == "cost_usd":  # the whole bill: event paths + each function's Lambda bill
        fns = {r["function"]: r.get("function_cost_usd", math.nan) for r in records}
        return float(sum(r.get("service_cost_usd", 0.0) for r in records) + sum(fns.values()))
    if objective.startswith("function_"):
        vals = list({r["function"]: r.get(objective, math.nan) for r in records}.values())
    else:
        vals = [r.get(objective, math.nan) for r in records]
    vals = np.asarray(vals, dtype=float)
    return float(vals.sum() if objective in ADDITIVE else vals.max())
