"""What every invocation path (a source kind's runtime) provides to the engine.

A path is built as ``Runtime(spec, index, ctx)``: ``ctx`` is the engine's :class:`Context`
(the clock, the functions, random streams, the warm-up and the record detail). It invokes its
function through ``ctx.functions[name].invoke(source, records, token, fail=False)``, which
returns ``None`` when the invocation started or the :class:`~lambdasim.sim.concurrency.Throttle`
reason; when the invocation ends the function calls ``source.completed(token, start, end, ok,
cold)``. Paths never import each other.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from .clock import Clock
from .ledger import Ledger
from .log import SourceLog


@dataclass
class Context:
    """What a path may use of the engine."""

    clock: Clock
    functions: dict  # name -> Function runtime
    seed: int
    warmup: float
    full: bool  # record_detail == "full": keep one ledger row per record
    refused: frozenset = frozenset()  # sources whose Invoke calls the function's policy refuses

    def rng(self, *names: str) -> np.random.Generator:
        """The random stream of the component called ``names``, spawned from the seed: the
        same scenario and seed give the same numbers, and changing one component leaves the
        others' draws as they were."""
        key = tuple(zlib.crc32(n.encode()) for n in names)
        return np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=key))


class Source(Protocol):
    """An invocation path at run time."""

    name: str
    index: int
    ledger: Ledger

    def start(self) -> None:
        """Begin: schedule the workload's arrivals (and the pollers, for pull sources)."""

    def completed(self, token, start: float, end: float, ok: bool, cold: bool) -> None:
        """An invocation this source started has ended."""

    def close(self, horizon: float) -> None:
        """At the horizon: settle what the horizon settles (e.g. expiries), then
        ``ledger.close(arrivals of what is still held, horizon)``."""

    def log(self) -> SourceLog:
        """The source's part of the run log."""
