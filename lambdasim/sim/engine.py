"""The engine: pairs each spec with its runtime, wires the parts, runs to the horizon and
hands the run log over. The only place that knows every path (the registry)."""

from __future__ import annotations

import numpy as np

from ..spec.permissions import refused
from ..spec.scenario import Scenario
from .clock import Clock
from .concurrency import Pool, ScalingBucket
from .function import Function
from .log import RunLog
from .source import Context

RECORD_DETAIL = ("full", "histogram")


def runtime(kind: str) -> type:
    """The runtime of a source kind (each invocation path in its own module, imported when a
    scenario uses it)."""
    if kind == "sync":
        from .sync import SyncSource
        return SyncSource
    if kind in ("async", "s3", "sns", "eventbridge"):
        from .async_queue import AsyncSource
        return AsyncSource
    if kind in ("kinesis", "dynamodb"):
        from .streams import StreamSource
        return StreamSource
    if kind == "sqs":
        from .sqs import SqsSource
        return SqsSource
    raise ValueError(f"kind = {kind!r}: no runtime")


class Engine:
    """One run of one scenario."""

    def __init__(self, scenario: Scenario, seed: int = 0, record_detail: str = "full"):
        if not isinstance(seed, int | np.integer) or seed < 0:
            raise ValueError(f"seed = {seed!r}: must be a whole number >= 0")
        if record_detail not in RECORD_DETAIL:
            raise ValueError(f"record_detail = {record_detail!r}: must be one of "
                             f"{', '.join(RECORD_DETAIL)}")
        self.scenario, self.seed, self.record_detail = scenario, int(seed), record_detail
        self.clock = Clock(scenario.duration_s)
        ctx = Context(self.clock, {}, int(seed), scenario.warmup_s, record_detail == "full",
                      frozenset(refused(scenario)))
        pool = Pool(scenario.account, scenario.functions)
        for f in scenario.functions:
            ctx.functions[f.name] = Function(f, self.clock, pool,
                                             ScalingBucket.for_account(scenario.account),
                                             ctx.rng("function", f.name))
        self.functions = ctx.functions
        self.sources = [runtime(s.kind)(s, i, ctx) for i, s in enumerate(scenario.sources)]
        for s in self.sources:
            s.start()

    def advance(self, until: float) -> None:
        """Run up to ``until`` (for progress reporting); :meth:`run` finishes."""
        self.clock.run(min(until, self.clock.horizon))

    def run(self) -> RunLog:
        """Run to the horizon, close the books (conservation is checked per source) and
        return the run log."""
        h = self.clock.horizon
        self.clock.run(h)
        functions = [f.log(h) for f in self.functions.values()]
        for s in self.sources:
            s.close(h)
        return RunLog(self.scenario, self.seed, self.record_detail, functions,
                      [s.log() for s in self.sources])
