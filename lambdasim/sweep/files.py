"""A sweep's files: each finished run written at once (atomically) to
``out/runs/<config>-r<replication>-s<seed>.parquet`` and read back instead of run again, so a
killed sweep resumes where it stopped; the whole frame as ``out/sweep.parquet``; and the YAML
sweep files of ``lambdasim sweep`` (:func:`read_sweep`)."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from ..spec import Scenario, ScenarioError
from ..spec.load import example_names, load
from .grid import _Run
from .stats import KEY_COLUMNS


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


def _finished(runs: list[_Run], runs_dir: Path) -> dict[_Run, list[dict]]:
    """The records of the runs whose file is in ``runs_dir`` and readable."""
    done = {}
    for run in runs:
        if (runs_dir / run.file).is_file():
            records = _load_run(runs_dir / run.file)
            if records is not None:
                done[run] = records
    return done


def _run_frame(run: _Run, records: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(records)
    for i, (k, v) in enumerate((("config", run.config.id), ("replication", run.replication),
                                ("seed", run.seed), ("params", run.config.key))):
        df.insert(i, k, v)
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


# -- YAML sweep files ----------------------------------------------------------------------
SWEEP_KEYS = ("base", "grid", "zip", "replications", "seed")


def read_sweep(path: str | os.PathLike) -> dict:
    """The arguments of :func:`sweep` from a YAML sweep file: ``base`` (an inline scenario
    mapping, a scenario YAML path relative to the sweep file, or a bundled example's name),
    ``grid``, ``replications``, and optionally ``zip`` and ``seed``."""
    from ..spec.base import read_yaml
    from ..spec.scenario import _resolve_traces

    path = Path(path)
    data = read_yaml(path)
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
