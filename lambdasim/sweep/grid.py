"""What a sweep runs: its parameters (dotted paths into the scenario), its configurations
(every combination of the grid and zip values, validated) and its runs (a configuration, a
replication and the seed derived from both).

A parameter is a dotted path into the scenario: ``duration_s``, ``warmup_s``,
``account.<field>``, ``functions.<name>.<field>``, ``sources.<name>.<field>``, nested further
(``sources.api.workload.rate_per_s``, ``functions.worker.duration.mean_s``). Only canonical
field names count (``memory_mb``, not ``MemorySize``). A path may also name a whole
sub-mapping (``functions.worker.duration``) to sweep it with whole values, e.g.
``{"dist": "constant", "value_s": 0.1}``.
"""

from __future__ import annotations

import builtins
import copy
import difflib
import hashlib
import itertools
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel

from ..spec import Scenario, ScenarioError
from ..spec.load import load

_NAMED = {"functions": "function", "sources": "source"}  # collections addressed by name


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
        return load(str(base))
    raise ScenarioError(f"base = {type(base).__name__}: must be a Scenario, a mapping, a YAML "
                        "path or a bundled example's name")


@dataclass(frozen=True, eq=False)
class _Run:
    config: _Config
    replication: int
    seed: int

    @property
    def file(self) -> str:
        return f"{self.config.id}-r{self.replication}-s{self.seed}.parquet"
