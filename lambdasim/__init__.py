"""lambdasim: how AWS Lambda functions behave under push and pull event sources.

Build a :class:`Scenario` (from YAML, a dict or Python), run :func:`simulate`, read the
:class:`Result`'s tables and CloudWatch-named metrics.

The scenario models load at once; the simulation, results (pandas), sweeps, the advisor and
template import load when first used, so the command line starts quickly.
"""

import importlib

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

__version__ = "0.1.0"

#: public name -> (module, attribute), imported on first use
_LAZY = {
    "simulate": ("lambdasim.results", "simulate"), "Result": ("lambdasim.results", "Result"),
    "METRICS": ("lambdasim.results", "METRICS"), "theory": ("lambdasim.results.theory", None),
    "OUTCOMES": ("lambdasim.sim.ledger", "OUTCOMES"),
    "ConservationError": ("lambdasim.sim.ledger", "ConservationError"),
    "sweep": ("lambdasim.sweep", "sweep"), "summarize": ("lambdasim.sweep", "summarize"),
    "advise": ("lambdasim.advisor", "advise"),
    "compare_scenarios": ("lambdasim.compare", "compare"),
    "from_template": ("lambdasim.spec.template", "from_template"),
}


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module 'lambdasim' has no attribute {name!r}")
    module, attr = _LAZY[name]
    mod = importlib.import_module(module)
    value = mod if attr is None else getattr(mod, attr)
    globals()[name] = value  # later look-ups skip this
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))

__all__ = [
    "METRICS", "OUTCOMES", "AccountSpec", "AsyncSourceSpec", "Bursts", "ConservationError",
    "Constant", "ConstantRate", "Diurnal", "Empirical", "Exponential", "FunctionSpec",
    "Lognormal", "Poisson", "Pricing", "Ramp", "Result", "Scenario", "ScenarioError", "Step",
    "SyncSourceSpec", "Trace", "advise", "compare_scenarios", "from_template", "simulate",
    "summarize", "sweep", "theory",
]
