"""Parameter sweeps: one scenario run over a grid of parameter values, with replications,
serially, on a local process pool or on a Dask cluster, optionally resumable from Parquet.

A parameter is a dotted path into the scenario: ``duration_s``, ``warmup_s``,
``account.<field>``, ``functions.<name>.<field>``, ``sources.<name>.<field>``, nested further
(``sources.api.workload.rate_per_s``, ``functions.worker.duration.mean_s``). Only canonical
field names count (``memory_mb``, not ``MemorySize``). A path may also name a whole
sub-mapping (``functions.worker.duration``) to sweep it with whole values, e.g.
``{"dist": "constant", "value_s": 0.1}``.

Each run's seed comes from the sweep's ``seed``, the configuration's whole validated scenario
(so ``20`` and ``20.0`` are the same, and sweeping a path at its base value changes nothing)
and the replication index, never from a counter: a configuration gives the same numbers
whatever else is in the grid, whichever paths the grid names, and whatever executes it.

The modules: :mod:`~lambdasim.sweep.grid` (parameters, configurations, runs and their seeds),
:mod:`~lambdasim.sweep.run` (the unit of work and the executors: serial, process pool, Dask),
:mod:`~lambdasim.sweep.files` (resumable Parquet output, YAML sweep files),
:mod:`~lambdasim.sweep.stats` (means and confidence intervals) and
:mod:`~lambdasim.sweep.core` (:func:`sweep`). Importing them imports neither multiprocessing
nor Dask: those load when a sweep starts its executor.
"""

import sys
import types

from .core import sweep
from .files import SWEEP_KEYS, read_sweep
from .run import FUNCTION_COLUMNS, run_one
from .stats import KEY_COLUMNS, metric_columns, param_columns, summarize, t975

__all__ = ["FUNCTION_COLUMNS", "KEY_COLUMNS", "SWEEP_KEYS", "metric_columns", "param_columns",
           "read_sweep", "run_one", "summarize", "sweep", "t975"]


class _CallableModule(types.ModuleType):
    """``lambdasim.sweep`` is both this package and the :func:`sweep` function: importing the
    package binds the module to the name ``lambdasim.sweep``, so the module calls the
    function."""

    def __call__(self, *args, **kwargs):
        return sweep(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
