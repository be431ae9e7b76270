"""lambdasim: how AWS Lambda functions behave under push and pull event sources.

Build a :class:`Scenario` (from YAML, a dict or Python), run :func:`simulate`, read the
:class:`Result`'s tables and CloudWatch-named metrics.
"""

from ._validation import ScenarioError
from .async_invoke import AsyncSourceSpec
from .concurrency import AccountSpec
from .distributions import Constant, Empirical, Exponential, Lognormal
from .engine import simulate
from .events import OUTCOMES, ConservationError
from .function import FunctionSpec
from .pricing import Pricing
from .result import METRICS, Result
from .scenario import Scenario
from .sweep import summarize, sweep
from .sync_invoke import SyncSourceSpec
from .workload import Bursts, ConstantRate, Diurnal, Poisson, Ramp, Step, Trace

__version__ = "0.1.0"

__all__ = [
    "METRICS", "OUTCOMES", "AccountSpec", "AsyncSourceSpec", "Bursts", "ConservationError",
    "Constant", "ConstantRate", "Diurnal", "Empirical", "Exponential", "FunctionSpec",
    "Lognormal", "Poisson", "Pricing", "Ramp", "Result", "Scenario", "ScenarioError", "Step",
    "SyncSourceSpec", "Trace", "simulate", "summarize", "sweep",
]
