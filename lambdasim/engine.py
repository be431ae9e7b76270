"""The engine: takes a scenario and a seed, runs the SimPy model, returns a :class:`Result`.

Randomness: every stochastic component (a source's arrivals, a function's durations, ...)
draws from its own numpy stream, spawned from the run's seed and the component's name. So the
same scenario and seed give the same numbers, and changing one source leaves the arrivals of
every other source as they were.
"""

from __future__ import annotations

import zlib

import numpy as np
import simpy

from .concurrency import Account, ScalingBucket
from .events import OUTCOMES, ConservationError
from .function import Function
from .result import Result
from .scenario import Scenario
from .sources import KINDS

RUNTIMES: dict[type, type] = dict(KINDS)
RECORD_DETAIL = ("full", "histogram")


class Engine:
    """One run of one scenario."""

    def __init__(self, scenario: Scenario, seed: int = 0, record_detail: str = "full"):
        if not isinstance(seed, int | np.integer) or seed < 0:
            raise ValueError(f"seed = {seed!r}: must be a whole number >= 0")
        if record_detail not in RECORD_DETAIL:
            raise ValueError(f"record_detail = {record_detail!r}: must be one of "
                             f"{', '.join(RECORD_DETAIL)}")
        self.scenario, self.seed, self.record_detail = scenario, int(seed), record_detail
        self.env = simpy.Environment()
        self.horizon = scenario.duration_s
        self.account = Account(scenario.account, scenario.functions)
        self.functions = {
            f.name: Function(f, i, self.env, self.account, ScalingBucket.for_account(
                scenario.account), self.rng("function", f.name))
            for i, f in enumerate(scenario.functions)
        }
        self.sources = [RUNTIMES[type(s)](s, i, self) for i, s in enumerate(scenario.sources)]
        for s in self.sources:
            s.start(self)

    def rng(self, *names: str) -> np.random.Generator:
        """The random stream of the component called ``names``."""
        key = tuple(zlib.crc32(n.encode()) for n in names)
        return np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=key))

    def run(self) -> Result:
        self.env.run(until=self.horizon)
        for f in self.functions.values():
            f.finish(self.horizon)
        for s in self.sources:
            s.close()
        result = Result(self)
        check_conservation(result.summary, self.sources)
        return result


def check_conservation(summary, sources) -> None:
    """offered = succeeded + failed + dropped + rejected + expired + in_flight, per source,
    and every event the workload produced has a row."""
    for row, src in zip(summary.itertuples(), sources, strict=True):
        total = sum(getattr(row, o) for o in OUTCOMES)
        if total != row.offered:
            raise ConservationError(f"{row.source}: offered {row.offered} != outcomes {total}")
        src.check()


def simulate(scenario: Scenario, seed: int = 0, record_detail: str = "full") -> Result:
    """Run ``scenario`` with random seed ``seed`` and return its :class:`Result`."""
    return Engine(scenario, seed, record_detail).run()
