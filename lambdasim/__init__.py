"""lambdasim: how AWS Lambda functions behave under push and pull event sources.

Build a :class:`Scenario` (from YAML, a dict or Python), run :func:`simulate`, read the
:class:`Result`'s tables and CloudWatch-named metrics.
"""

from .advisor import advise
from .compare import compare as compare_scenarios
from .results import METRICS, Result, simulate, theory
from .sim import OUTCOMES, ConservationError
from .spec import (
    AccountSpec,
    AsyncSourceSpec,
    Bursts,
    Constant,
    ConstantRate,
    Diurnal,
    Empirical,
    Exponential,
    FunctionSpec,
    Lognormal,
    Poisson,
    Pricing,
    Ramp,
    Scenario,
    ScenarioError,
    Step,
    SyncSourceSpec,
    Trace,
)
from .spec.template import from_template
from .sweep import summarize, sweep

__version__ = "0.1.0"

__all__ = [
    "METRICS", "OUTCOMES", "AccountSpec", "AsyncSourceSpec", "Bursts", "ConservationError",
    "Constant", "ConstantRate", "Diurnal", "Empirical", "Exponential", "FunctionSpec",
    "Lognormal", "Poisson", "Pricing", "Ramp", "Result", "Scenario", "ScenarioError", "Step",
    "SyncSourceSpec", "Trace", "advise", "compare_scenarios", "from_template", "simulate",
    "summarize", "sweep", "theory",
]
