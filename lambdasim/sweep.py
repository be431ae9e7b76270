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
"""

from __future__ import annotations

import builtins
import copy
import difflib
import hashlib
import itertools
import json
import math
import multiprocessing
import os
from collections.abc import Iterator, Mapping
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel

from ._validation import ScenarioError
from .scenario import Scenario

#: Columns a sweep frame has besides the swept paths and the summary's.
KEY_COLUMNS = ("config", "replication", "seed")
_TEXT_COLUMNS = ("source", "kind", "function", "error")
_NAMED = {"functions": "function", "sources": "source"}  # collections addressed by name

# Student t 0.975 quantiles for 1..30 degrees of freedom (beyond: Cornish-Fisher expansion)
_T975 = (12.706205, 4.302653, 3.182446, 2.776445, 2.570582, 2.446912, 2.364624, 2.306004,
         2.262157, 2.228139, 2.200985, 2.178813, 2.160369, 2.144787, 2.131450, 2.119905,
         2.109816, 2.100922, 2.093024, 2.085963, 2.079614, 2.073873, 2.068658, 2.063899,
         2.059539, 2.055529, 2.051831, 2.048407, 2.045230, 2.042272)
_Z975 = 1.959963984540054


def t975(dof: int) -> float:
    """The 97.5 % quantile of Student's t with ``dof`` degrees of freedom (NaN below 1);
    exact to 6 decimals up to 30, then a Cornish-Fisher expansion (error < 1e-7)."""
    if dof < 1:
        return math.nan
    if dof <= len(_T975):
        return _T975[dof - 1]
    z, v = _Z975, float(dof)
    return (z + (z**3 + z) / (4 * v) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * v**2)
            + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * v**3)
            + (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / (92160 * v**4))


# -- what to run ---------------------------------------------------------------------------
@dataclass(frozen=True)
class _Param:
    path: str  # as the user wrote it
    where: str  # "grid" or "zip"
    loc: tuple  # keys into the scenario dict, e.g. ("functions", 0, "memory_mb")
    shown: str  # as ScenarioError messages render it, e.g. "functions[0].memory_mb"

    def label(self, value) -> str:
        return f"{self.where}[{json.dumps(self.path)}] = {value!r}"


@dataclass(frozen=True, eq=False)
class _Config:
    index: int
    values: dict  # path -> value as given (JSON text for non-scalars): the frame's columns
    key: str  # canonical JSON of the validated swept values (for messages)
    scenario: dict  # validated scenario, as Scenario.to_dict()
    id: str  # hash of the scenario: the ``config`` column

    def seed(self, base_seed: int, replication: int) -> int:
        text = json.dumps([base_seed, _canonical(self.scenario), replication])
        return int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "big")


def _canonical(x: Any) -> str:
    return json.dumps(x, sort_keys=True, separators=(",", ":"))


def _plain(value: Any, label: str) -> Any:
    """A JSON-able copy of a swept value (pydantic models dumped, numpy scalars unboxed)."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Mapping):
        return {str(k): _plain(v, label) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [_plain(v, label) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise ScenarioError(f"{label}: not a plain value (use numbers, strings, booleans, null, "
                        "lists or mappings)")


def _column_value(value: Any) -> Any:
    return value if value is None or isinstance(value, bool | int | float | str) else (
        _canonical(value))


def _resolve(scenario: Scenario, path: str, where: str) -> _Param:
    """Check ``path`` against ``scenario`` and locate it in ``scenario.to_dict()``."""
    head = f"{where}[{json.dumps(path)}]"
    parts = path.split(".") if isinstance(path, str) else [""]
    if "" in parts:
        raise ScenarioError(f"{head}: a path is field names joined by dots, e.g. "
                            "functions.<name>.memory_mb")
    obj: Any = scenario
    loc: list = []
    shown = ""
    i = 0
    while i < len(parts):
        here, name = ".".join(parts[:i]), parts[i]
        if not isinstance(obj, BaseModel):
            what = "null" if obj is None else "a list" if isinstance(obj, tuple | list) else (
                f"{obj!r}")
            raise ScenarioError(f'{head}: {here} is {what} in the base scenario, so it has no '
                                f'field "{name}"; sweep {here} with whole values instead')
        fields = list(type(obj).model_fields)
        if name not in fields:
            near = [f for f in fields if name.lower() in f] or difflib.get_close_matches(
                name, fields, n=1)
            hint = f'; did you mean "{near[0]}"?' if near else ""
            where_ = f" in {here}" if here else ""
            valid = f"{here}.{{{', '.join(fields)}}}" if here else ", ".join(fields)
            raise ScenarioError(f'{head}: no field "{name}"{where_}{hint} (valid: {valid})')
        obj = getattr(obj, name)
        loc.append(name)
        shown = f"{shown}.{name}" if shown else name
        i += 1
        if len(loc) == 1 and name in _NAMED and i < len(parts):
            names = [item.name for item in obj]
            rest = parts[i:]
            hits = [n for n in names if rest[: len(n.split("."))] == n.split(".")]
            if not hits:
                raise ScenarioError(f'{head}: no {_NAMED[name]} named "{rest[0]}" '
                                    f"(valid: {name}.{{{', '.join(names)}}})")
            item = max(hits, key=len)
            idx = names.index(item)
            obj, i = obj[idx], i + len(item.split("."))
            loc.append(idx)
            shown += f"[{idx}]"
    return _Param(path, where, tuple(loc), shown)


def _get(d: Any, loc: tuple) -> Any:
    for k in loc:
        d = d[k]
    return d


def _set(d: dict, loc: tuple, value: Any) -> None:
    _get(d, loc[:-1])[loc[-1]] = value


def _axes(scenario: Scenario, grid, zip) -> list[tuple[list[_Param], list[tuple]]]:
    """One product axis per grid path and per zip group: (parameters, rows of values)."""
    axes: list[tuple[list[_Param], list[tuple]]] = []
    if grid is None:
        grid = {}
    if not isinstance(grid, Mapping):
        raise ScenarioError(f"grid = {type(grid).__name__}: must be a mapping of dotted paths "
                            "to lists of values")
    groups = [] if zip is None else [zip] if isinstance(zip, Mapping) else list(zip)

    def values(where, path, vals):
        p = _resolve(scenario, path, where)
        head = f"{where}[{json.dumps(path)}]"
        if isinstance(vals, str | bytes | Mapping) or not isinstance(
                vals, list | tuple | range | np.ndarray | pd.Series | pd.Index):
            raise ScenarioError(f"{head} = {vals!r}: must be a list of values")
        vals = [_plain(v, p.label(v)) for v in vals]
        if not vals:
            raise ScenarioError(f"{head}: must have at least 1 value")
        seen = set()
        for v in vals:
            if _canonical(v) in seen:
                raise ScenarioError(f"{p.label(v)}: listed twice")
            seen.add(_canonical(v))
        return p, vals

    for path, vals in grid.items():
        p, vals = values("grid", path, vals)
        axes.append(([p], [(v,) for v in vals]))
    for group in groups:
        if not isinstance(group, Mapping) or not group:
            raise ScenarioError(f"zip = {group!r}: must be a non-empty mapping of dotted paths "
                                "to lists of equal length")
        resolved = [values("zip", path, vals) for path, vals in group.items()]
        lengths = {p.path: len(v) for p, v in resolved}
        if len(set(lengths.values())) > 1:
            raise ScenarioError("zip: lists must have equal lengths (" + ", ".join(
                f'"{k}" has {n}' for k, n in lengths.items()) + ")")
        rows = list(builtins.zip(*(v for _, v in resolved), strict=True))
        axes.append(([p for p, _ in resolved], rows))
    params = [p for ps, _ in axes for p in ps]
    for a, b in itertools.combinations(params, 2):
        short, long_ = sorted((a, b), key=lambda p: len(p.loc))
        if long_.loc[: len(short.loc)] == short.loc:
            same = "the same field" if a.loc == b.loc else "overlapping fields"
            raise ScenarioError(f'{a.where}["{a.path}"] and {b.where}["{b.path}"]: {same}; '
                                "sweep each field once")
    return axes


def _blame(params: list[_Param], message: str) -> _Param | None:
    """The swept parameter a validation message is about, if any."""
    hits = [p for p in params if message.startswith(p.shown) and (
        len(message) == len(p.shown) or message[len(p.shown)] in " .[:")]
    return max(hits, key=lambda p: len(p.shown), default=None)


def _configurations(base, grid=None, zip=None) -> list[_Config]:
    """Every configuration of the sweep, validated, in grid order (the first path varies
    slowest; zip groups come after the grid paths). Raises :class:`ScenarioError` naming the
    path and value of the first invalid configuration."""
    scenario = _base(base)
    axes = _axes(scenario, grid, zip)
    params = [p for ps, _ in axes for p in ps]
    base_dict = scenario.to_dict()
    configs: list[_Config] = []
    problems: list[str] = []
    by_id: dict[str, int] = {}
    for index, combo in enumerate(itertools.product(*(rows for _, rows in axes))):
        vals = [v for row in combo for v in row]
        d = copy.deepcopy(base_dict)
        for p, v in builtins.zip(params, vals, strict=True):
            _set(d, p.loc, copy.deepcopy(v))
        try:
            sc = Scenario.from_dict(d).to_dict()
        except ScenarioError as exc:
            msg = str(exc)
            culprit = _blame(params, msg)
            others = ", ".join(f"{p.path} = {v!r}" for p, v in
                               builtins.zip(params, vals, strict=True) if p is not culprit)
            if culprit is not None:
                v = vals[params.index(culprit)]
                problems.append(f"{culprit.label(v)}{f' (with {others})' if others else ''}: "
                                f"{msg}")
            else:
                problems.append(f"configuration ({others}): {msg}")
            continue
        key = _canonical({p.path: _get(sc, p.loc) for p in params})
        cid = hashlib.sha256(_canonical(sc).encode()).hexdigest()[:12]
        if cid in by_id:
            first = configs[by_id[cid]]
            problems.append(f"configurations {first.index} ({first.key}) and {index} ({key}) "
                            "are the same scenario")
            continue
        by_id[cid] = len(configs)
        configs.append(_Config(index, {p.path: _column_value(v) for p, v in
                                       builtins.zip(params, vals, strict=True)}, key, sc, cid))
    if problems:
        more = len(problems) - 1
        raise ScenarioError(problems[0] + (
            f" (and {more} more invalid configuration{'s' if more > 1 else ''})" if more else ""))
    return configs


def _base(base) -> Scenario:
    if isinstance(base, Scenario):
        return base
    if isinstance(base, Mapping):
        return Scenario.from_dict(dict(base))
    if isinstance(base, str | os.PathLike):
        from .cli import load

        return load(str(base))
    raise ScenarioError(f"base = {type(base).__name__}: must be a Scenario, a mapping, a YAML "
                        "path or a bundled example's name")


# -- running -------------------------------------------------------------------------------
#: columns of ``Result.functions`` added to each source's row as ``function_<column>``
FUNCTION_COLUMNS = ("mean_concurrency", "max_concurrency", "mean_environments",
                    "cold_start_fraction", "gb_seconds", "cost_usd")


def run_one(scenario: dict, seed: int) -> list[dict]:
    """Simulate one scenario (as :meth:`Scenario.to_dict` gives it) with ``seed``: its summary
    as a list of records, each with its function's ``function_<column>`` numbers (see
    :data:`FUNCTION_COLUMNS`). The unit of work every executor runs."""
    from .engine import simulate

    result = simulate(Scenario.from_dict(scenario), seed=seed)
    functions = result.functions.set_index("function")
    records = result.summary.to_dict("records")
    for rec in records:
        fn = functions.loc[rec["function"]]
        rec.update({f"function_{c}": float(fn[c]) for c in FUNCTION_COLUMNS})
    return records


def _attempt(scenario: dict, seed: int) -> tuple[list[dict] | None, str | None]:
    """:func:`run_one`, with an exception turned into its message."""
    try:
        return run_one(scenario, seed), None
    except Exception as exc:  # noqa: BLE001 - a failing configuration becomes an error row
        return None, _message(exc)


def _message(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


@dataclass(frozen=True, eq=False)
class _Run:
    config: _Config
    replication: int
    seed: int

    @property
    def file(self) -> str:
        return f"{self.config.id}-r{self.replication}-s{self.seed}.parquet"


def _mp_context():
    """forkserver (spawn where it is missing): fork is unsafe once threads run (tqdm's
    monitor, a Dask client, a Jupyter kernel). The fork server imports lambdasim once, so
    workers start in a fraction of a second."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload([__name__])
    return ctx


def _cores() -> int:
    """The cores this process may use (its CPU affinity where the platform tells it)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:
        return os.cpu_count() or 1


def _is_dask(executor) -> bool:
    return type(executor).__module__.split(".")[0] == "distributed"


def _check_executor(executor) -> None:
    if executor is None or executor == "serial" or isinstance(executor, Executor) or _is_dask(
            executor):
        return
    if isinstance(executor, str) and ":" in executor:
        return
    raise ScenarioError(f"executor = {executor!r}: must be None (local processes), 'serial', a "
                        "distributed.Client, a scheduler address (tcp://host:8786) or a "
                        "concurrent.futures Executor")


def _completed(runs: list[_Run], executor, workers: int | None) -> Iterator[tuple]:
    """Yield ``(run, records, error)`` as runs finish. Closing the generator cancels
    what has not started."""
    if not runs:
        return
    if executor == "serial":
        for run in runs:
            yield (run, *_attempt(run.config.scenario, run.seed))
    elif executor is None:
        n = max(1, min(workers or _cores(), len(runs)))
        pool = ProcessPoolExecutor(n, mp_context=_mp_context())
        try:
            yield from _from_futures(pool, runs)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
    elif isinstance(executor, Executor):
        yield from _from_futures(executor, runs)
    else:
        from distributed import Client

        own = isinstance(executor, str)
        client = Client(executor) if own else executor
        try:
            yield from _from_dask(client, runs)
        finally:
            if own:
                client.close()


def _from_futures(pool: Executor, runs: list[_Run]) -> Iterator[tuple]:
    futures = {pool.submit(_attempt, r.config.scenario, r.seed): r for r in runs}
    try:
        for fut in as_completed(futures):
            try:
                yield (futures[fut], *fut.result())
            except Exception as exc:  # noqa: BLE001 - e.g. a worker process died
                yield futures[fut], None, _message(exc)
    finally:
        for fut in futures:
            fut.cancel()


def _from_dask(client, runs: list[_Run]) -> Iterator[tuple]:
    from distributed import as_completed as dask_completed

    futures = {client.submit(_attempt, r.config.scenario, r.seed, pure=False): r for r in runs}
    try:
        for fut in dask_completed(list(futures)):
            run = futures[fut]
            try:
                yield (run, *fut.result())
            except Exception as exc:  # noqa: BLE001 - e.g. a worker died
                yield run, None, _message(exc)
            fut.release()
    finally:
        pending = [f for f in futures if not f.done()]
        if pending:
            client.cancel(pending)


def _write_atomic(df: pd.DataFrame, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    df.to_parquet(tmp, index=False)
    os.replace(tmp, path)


def _load_run(path: Path) -> list[dict] | None:
    try:
        df = pd.read_parquet(path)
    except Exception:  # noqa: BLE001 - unreadable: run it again
        return None
    return df.drop(columns=[*KEY_COLUMNS, "params"], errors="ignore").to_dict("records")


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
        for run in runs:
            if (runs_dir / run.file).is_file():
                records = _load_run(runs_dir / run.file)
                if records is not None:
                    done[run] = (records, None)
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


def _run_frame(run: _Run, records: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(records)
    for i, (k, v) in enumerate((("config", run.config.id), ("replication", run.replication),
                                ("seed", run.seed), ("params", run.config.key))):
        df.insert(i, k, v)
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


def _parquet_safe(df: pd.DataFrame) -> pd.DataFrame:
    """Object columns mixing types (e.g. null, 10 and a JSON text) become text for Parquet."""
    out = df.copy()
    for c in out.columns:
        if out[c].dtype == object:
            kinds = {type(v) for v in out[c] if v is not None}
            if len(kinds) > 1:
                out[c] = [None if v is None else str(v) for v in out[c]]
    return out


# -- statistics ----------------------------------------------------------------------------
def param_columns(df: pd.DataFrame) -> list[str]:
    """The swept paths of a sweep frame (its columns before ``config``)."""
    params = df.attrs.get("params")
    if isinstance(params, list) and all(p in df.columns for p in params):
        return list(params)
    if "config" not in df.columns:
        raise ValueError("not a sweep frame: no config column")
    return list(df.columns[: list(df.columns).index("config")])


def metric_columns(df: pd.DataFrame) -> list[str]:
    """The numeric summary columns of a sweep frame."""
    skip = {*param_columns(df), *KEY_COLUMNS, *_TEXT_COLUMNS}
    return [c for c in df.columns
            if c not in skip and pd.api.types.is_numeric_dtype(df[c])
            and not pd.api.types.is_bool_dtype(df[c])]


def summarize(df: pd.DataFrame, metrics: list[str] | None = None) -> pd.DataFrame:
    """Mean and 95 % confidence interval across replications, per configuration and source.

    One row per (configuration, source): the swept paths, ``config``, ``source``, ``kind``,
    ``function``, ``n`` (replications that ran), ``error`` (the first error message of the
    configuration, or None), then ``<metric>_mean`` and ``<metric>_ci95`` (the half-width
    t(0.975, n-1) * s / sqrt(n), NaN for a single replication) for each metric (default: every
    numeric summary column). NaN values (e.g. a latency with no success) are left out of that
    metric's statistics. A configuration whose every run failed gets one row with ``n`` = 0.
    """
    params = param_columns(df)
    available = metric_columns(df)
    if metrics is None:
        metrics = available
    elif isinstance(metrics, str):
        metrics = [metrics]
    unknown = [m for m in metrics if m not in available]
    if unknown:
        raise ValueError(f"metrics: no numeric column {unknown[0]!r} (columns: "
                         f"{', '.join(available)})")
    failed = df["error"].notna() if "error" in df else pd.Series(False, index=df.index)
    first_error = df[failed].groupby("config", sort=False)["error"].first()
    ok = df[~failed]
    groups = dict(iter(ok.groupby(["config", "source"], sort=False))) if len(ok) else {}
    by_config: dict[str, list] = {}
    for (cfg, src), g in groups.items():
        by_config.setdefault(cfg, []).append((src, g))
    rows = []
    for cfg, cf in df.groupby("config", sort=False):
        head = {p: cf[p].iloc[0] for p in params}
        head.update(config=cfg, error=first_error.get(cfg))
        if cfg not in by_config:
            rows.append({**head, "source": None, "kind": None, "function": None, "n": 0})
            continue
        for src, g in by_config[cfg]:
            row = {**head, "source": src, "kind": g["kind"].iloc[0],
                   "function": g["function"].iloc[0], "n": len(g)}
            for m in metrics:
                v = g[m].to_numpy(dtype=float)
                v = v[~np.isnan(v)]
                row[f"{m}_mean"] = float(v.mean()) if len(v) else math.nan
                row[f"{m}_ci95"] = (t975(len(v) - 1) * float(v.std(ddof=1)) / math.sqrt(len(v))
                                    if len(v) > 1 else math.nan)
            rows.append(row)
    cols = [*params, "config", "source", "kind", "function", "n", "error"]
    cols += [f"{m}_{s}" for m in metrics for s in ("mean", "ci95")]
    out = pd.DataFrame(rows, columns=cols)
    for p in params:  # keep the sweep frame's dtypes (e.g. null among numbers)
        out[p] = pd.Series([r[p] for r in rows], dtype=df[p].dtype)
    out["error"] = pd.Series([r["error"] for r in rows], dtype=object)
    out.attrs["params"] = params
    return out


# -- sweep files ---------------------------------------------------------------------------
SWEEP_KEYS = ("base", "grid", "zip", "replications", "seed")


def read_sweep(path: str | os.PathLike) -> dict:
    """The arguments of :func:`sweep` from a YAML sweep file: ``base`` (an inline scenario
    mapping, a scenario YAML path relative to the sweep file, or a bundled example's name),
    ``grid``, ``replications``, and optionally ``zip`` and ``seed``."""
    import yaml

    from .cli import example_names
    from .scenario import _resolve_traces

    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text())
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ScenarioError(f"{path}:{where}: YAML syntax error: "
                            f"{getattr(exc, 'problem', None) or exc}") from None
    if not isinstance(data, dict):
        raise ScenarioError(f"{path}: must be a mapping with keys {', '.join(SWEEP_KEYS)}")
    unknown = [k for k in data if k not in SWEEP_KEYS]
    if unknown:
        raise ScenarioError(f"{path}: {unknown[0]}: unknown key (keys: {', '.join(SWEEP_KEYS)})")
    for k in ("base", "grid", "replications"):
        if k not in data:
            raise ScenarioError(f"{path}: {k}: is required")
    base = data["base"]
    if isinstance(base, dict):
        _resolve_traces(base, path.parent)
        base = Scenario.from_dict(base)
    elif isinstance(base, str):
        if (path.parent / base).is_file():
            base = Scenario.from_yaml(path.parent / base)
        elif base in example_names():
            from .cli import load

            base = load(base)
        else:
            raise ScenarioError(f"{path}: base = {base!r}: no such file next to the sweep file, "
                                f"nor bundled example (examples: {', '.join(example_names())})")
    else:
        raise ScenarioError(f"{path}: base = {type(base).__name__}: must be a scenario mapping, "
                            "a YAML path or an example's name")
    out = {k: data[k] for k in SWEEP_KEYS if k in data}
    out["base"] = base
    return out
