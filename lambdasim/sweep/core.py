"""The sweep itself: validate every configuration, read back the runs an earlier sweep into
the same ``out`` finished, run the others on the chosen executor, and assemble the frame in
grid order."""

from __future__ import annotations

from contextlib import closing
from pathlib import Path

import numpy as np
import pandas as pd

from ..spec import ScenarioError
from .files import _finished, _parquet_safe, _run_frame, _write_atomic
from .grid import _Config, _configurations, _Run
from .run import _check_executor, _completed
from .stats import KEY_COLUMNS


def sweep(base, grid=None, replications: int = 1, seed: int = 0, executor=None, out=None,
          progress: bool = True, *, zip=None, workers: int | None = None) -> pd.DataFrame:
    """Run ``base`` for every configuration of ``grid`` x ``zip``, ``replications`` times each.

    - ``base``: a :class:`Scenario`, a scenario mapping, a YAML path or a bundled example name.
    - ``grid``: ``{dotted path: [values]}``; the sweep runs the Cartesian product of the lists.
    - ``zip``: ``{path: [values], ...}`` (or a list of such groups) whose lists, of equal
      length, vary together: ``zip={"a.b": [1, 2], "c.d": [3, 4]}`` gives (1, 3) and (2, 4).
      Each group is one more axis of the product.
    - ``executor``: None, a local process pool over ``workers`` (default all cores); "serial"
      runs here, one by one; a ``distributed.Client`` or a scheduler address runs on Dask; any
      ``concurrent.futures.Executor`` works too. The numbers are the same whichever is used.
    - ``out``: a directory. Each finished run is written at once to
      ``out/runs/<config>-r<replication>-s<seed>.parquet`` (atomically); runs whose file
      exists are read back instead of run again, so a killed sweep resumes where it stopped.
      The whole frame is written to ``out/sweep.parquet`` at the end.
    - ``progress``: a tqdm bar (the notebook widget in Jupyter).

    Every configuration is validated before anything runs: an unknown path or an invalid
    value raises :class:`ScenarioError` naming the path. A run that raises becomes a row with
    NaN numbers and the message in ``error``; it is not saved under ``out/runs``, so a rerun
    tries it again.

    Returns one row per (configuration, replication, source): the swept paths as columns
    (non-scalar values as JSON text), ``config`` (a hash of the configuration's scenario),
    ``replication``, ``seed``, the :attr:`Result.summary` columns and ``error`` (None, or
    the message). Rows are in grid order whatever order the runs finished in.
    """
    from tqdm.auto import tqdm

    if isinstance(replications, bool) or not isinstance(replications, int | np.integer) or (
            replications < 1):
        raise ScenarioError(f"replications = {replications!r}: must be a whole number >= 1")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ScenarioError(f"seed = {seed!r}: must be a whole number >= 0")
    if workers is not None and (not isinstance(workers, int) or workers < 1):
        raise ScenarioError(f"workers = {workers!r}: must be a whole number >= 1")
    if workers is not None and executor is not None:
        raise ScenarioError("workers: sizes the local process pool; not with an executor")
    _check_executor(executor)
    configs = _configurations(base, grid, zip)
    runs = [_Run(c, r, c.seed(int(seed), r)) for c in configs for r in range(replications)]
    done: dict[_Run, tuple[list[dict] | None, str | None]] = {}
    runs_dir = None
    if out is not None:
        runs_dir = Path(out) / "runs"
        runs_dir.mkdir(parents=True, exist_ok=True)
        done.update({run: (records, None) for run, records in _finished(runs, runs_dir).items()})
    todo = [r for r in runs if r not in done]
    errors = 0
    with tqdm(total=len(runs), initial=len(done), desc="sweep", unit="run",
              disable=not progress) as bar, closing(_completed(todo, executor, workers)) as it:
        for run, records, error in it:
            done[run] = (records, error)
            if error is None and runs_dir is not None:
                _write_atomic(_run_frame(run, records), runs_dir / run.file)
            errors += error is not None
            if errors:
                bar.set_postfix(errors=errors, refresh=False)
            bar.update()
    df = _frame(configs, runs, done)
    if out is not None:
        _write_atomic(_parquet_safe(df), Path(out) / "sweep.parquet")
    return df


def _frame(configs: list[_Config], runs: list[_Run], done: dict) -> pd.DataFrame:
    params = list(configs[0].values)
    rows, summary_cols = [], {}
    for run in runs:
        records, error = done[run]
        head = {**run.config.values, "config": run.config.id, "replication": run.replication,
                "seed": run.seed}
        for rec in records or [{}]:  # a failed run: one row, numbers NaN
            summary_cols.update(dict.fromkeys(rec))
            rows.append({**head, **rec, "error": error})
    df = pd.DataFrame(rows, columns=[*params, *KEY_COLUMNS, *summary_cols, "error"])
    for col in [*params, "error"]:  # None stays None (not NaN) where a column holds it
        vals = [r[col] for r in rows]
        kinds = {"number" if isinstance(v, int | float) and not isinstance(v, bool) else
                 type(v).__name__ for v in vals}
        if col == "error" or len(kinds) > 1 or "NoneType" in kinds:
            df[col] = pd.Series(vals, dtype=object)
    df.attrs["params"] = params
    return df

