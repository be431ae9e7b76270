"""The run log: plain data the engine hands to the results layer when a run ends.

Results are built from this, never from the engine's objects: typed arrays per function
(invocations, throttles, environments) and, per source, its ledger, its metric samples and any
extra summary numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .ledger import Ledger

#: a metric sample series: (CloudWatch metric name, statistic "sum" | "max" | "mean", times,
#: values), aggregated per period by ``Result.metrics``
Sample = tuple[str, str, np.ndarray, np.ndarray]


@dataclass
class FunctionLog:
    name: str
    #: one entry per invocation: start, end (as scheduled), init, source (index), cold, error,
    #: records, provisioned
    invocations: dict[str, np.ndarray]
    #: one entry per throttle: time, source (index), reason (index into THROTTLE_REASONS)
    throttles: dict[str, np.ndarray]
    births: np.ndarray  # environment creation times
    deaths: np.ndarray  # environment shutdown times (fewer than births: the rest are alive)


@dataclass
class SourceLog:
    name: str
    kind: str
    function: str
    ledger: Ledger
    samples: list[Sample] = field(default_factory=list)
    stats: dict = field(default_factory=dict)  # extra summary columns, e.g. iterator_age_max_s
    #: extra ledger row columns shown in the events table: ledger column -> table column
    event_columns: dict[str, str] = field(default_factory=dict)
    #: billable activity at or after the warm-up, priced by ``results.bill``: e.g.
    #: ``sqs_receive_requests``, ``kinesis_put_payload_units`` (see each path's ``log()``)
    usage: dict[str, float] = field(default_factory=dict)


@dataclass
class RunLog:
    scenario: object  # the Scenario that ran
    seed: int
    record_detail: str
    functions: list[FunctionLog]
    sources: list[SourceLog]
