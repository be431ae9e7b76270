"""The results layer: a :class:`Result` built from the engine's run log (tables, CloudWatch
metrics, cost) and the queueing-theory formulas the model is checked against."""

from __future__ import annotations

from ..sim.engine import Engine
from ..spec.scenario import Scenario
from . import theory
from .metrics import METRICS
from .result import SUMMARY_COLUMNS, Result

__all__ = ["METRICS", "SUMMARY_COLUMNS", "Result", "simulate", "theory"]


def simulate(scenario: Scenario, seed: int = 0, record_detail: str = "full", progress=None,
             slices: int = 20) -> Result:
    """Run ``scenario`` with random seed ``seed`` and return its :class:`Result`.

    ``record_detail="histogram"`` keeps no per-record table (``Result.events``): counts stay
    exact and latency percentiles come from a fine histogram, for long or large runs.
    ``progress(fraction)``, if given, is called after each of ``slices`` equal slices of
    simulated time; the numbers are the same as without it (SimPy keeps its event order
    across the slices)."""
    engine = Engine(scenario, seed, record_detail)
    if progress is not None:
        for k in range(1, slices):
            engine.advance(scenario.duration_s * k / slices)
            progress(k / slices)
    result = Result(engine.run())
    if progress is not None:
        progress(1.0)
    return result
