"""The spec layer: every scenario model as immutable, validated data, and its loading.

Nothing here runs a simulation; it imports nothing of ``lambdasim.sim``, ``results`` or the
faces. A scenario is read from YAML or a dict, checked field by field against AWS's limits,
and handed to the engine as is.
"""

from .account import AccountSpec, carved
from .async_source import AsyncSourceSpec
from .base import ScenarioError, Spec, limits
from .distributions import Constant, Empirical, Exponential, Lognormal
from .function import FunctionSpec
from .load import example_names, example_text, load
from .pricing import Pricing
from .scenario import SOURCE_SPECS, Scenario, SourceSpec
from .sqs import SqsSourceSpec
from .stream import StreamSourceSpec
from .sync_source import SyncSourceSpec
from .workload import Bursts, ConstantRate, Diurnal, Poisson, Ramp, Step, Trace

__all__ = [
    "SOURCE_SPECS", "AccountSpec", "AsyncSourceSpec", "Bursts", "Constant", "ConstantRate",
    "Diurnal", "Empirical", "Exponential", "FunctionSpec", "Lognormal", "Poisson", "Pricing",
    "Ramp", "Scenario", "ScenarioError", "SourceSpec", "Spec", "SqsSourceSpec", "Step",
    "StreamSourceSpec", "SyncSourceSpec", "Trace", "carved", "example_names", "example_text",
    "limits", "load",
]
