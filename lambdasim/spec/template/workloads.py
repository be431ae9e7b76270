"""The workloads file: the traffic a template does not hold, and the function behaviour AWS
does not configure.

A small YAML mapping keyed by a source's name (``OrdersFunction.OrdersQueueEvent``), or by the
logical ID of the queue, stream, table, bucket, topic, rule or API it reads (the workload
then applies to every source reading it), or by a function's logical ID::

    duration_s: 900                 # optional: horizon, warm-up, account, pricing
    account: {concurrency_limit: 1000}
    OrdersQueue: {workload: {pattern: poisson, rate_per_s: 50}}
    ClickStream: {pattern: bursts, rate_per_s: 800, on_s: 30, off_s: 90}   # a bare workload
    OrdersFunction: {duration: {dist: lognormal, mean_s: 0.12, cv: 0.6}, error_rate: 0.01}

An entry may set any field of the source or function that the template does not set
(``keys``, ``message_groups``, ``client_retry``, ``poison_rate``, DynamoDB ``shards``...);
a field the template sets (``batch_size``, ``memory_mb``...) is changed in the template.
A source given no workload runs at :data:`DEFAULT_WORKLOAD`, with a warning.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..async_source import AsyncSourceSpec
from ..base import read_yaml
from ..function import FunctionSpec
from ..sqs import SqsSourceSpec
from ..stream import StreamSourceSpec
from ..sync_source import SyncSourceSpec
from .context import Ctx, Draft
from .emit import compact, flow
from .read import TemplateError

TOP = ("duration_s", "warmup_s", "account", "pricing")
DEFAULT_WORKLOAD = {"pattern": "poisson", "rate_per_s": 1.0}
SPECS = {"sync": SyncSourceSpec, "kinesis": StreamSourceSpec, "dynamodb": StreamSourceSpec,
         "sqs": SqsSourceSpec, **{k: AsyncSourceSpec for k in ("async", "s3", "sns",
                                                                 "eventbridge")}}
_IDENTITY = ("name", "kind", "function")


def read(workloads: str | Path | dict | None) -> tuple[dict, str]:
    """The workloads mapping and how to name it in messages."""
    if workloads is None:
        return {}, "workloads"
    if isinstance(workloads, dict):
        return workloads, "workloads"
    path = Path(workloads)
    data = read_yaml(path, TemplateError)
    if data is None:
        return {}, path.name
    if not isinstance(data, dict):
        raise TemplateError(f"{path}: must be a mapping of source, resource or function names")
    return data, path.name


def apply(ctx: Ctx, data: dict, where: str, functions: dict[str, Draft],
          sources: list[Draft]) -> dict:
    """Set the fields the workloads file gives; returns its top-level settings."""
    by_name = {s.name: s for s in sources}
    by_key: dict[str, list[Draft]] = {}
    for s in sources:
        for k in dict.fromkeys(s.keys):
            by_key.setdefault(k, []).append(s)
    top = {k: data[k] for k in TOP if k in data}
    shared, own = [], []
    for key, value in data.items():
        key = str(key)
        if key in TOP or value is None:
            continue
        if key in by_name or key in functions:
            own.append((key, value))
        elif key in by_key:
            shared.append((key, value))
        else:
            raise TemplateError(
                f"{where}: {key}: no such source, function or resource in the template "
                f"(sources: {', '.join(by_name) or 'none'}; functions: {', '.join(functions)})")
    for key, value in shared + own:  # a source's own entry wins over its queue's or stream's
        if key in functions:
            _set(functions[key], value, FunctionSpec, where, key)
            continue
        targets = [by_name[key]] if key in by_name else by_key[key]
        if len(targets) > 1:
            ctx.warn(f"assumed: {where}: {key} gives {len(targets)} sources "
                     f"({', '.join(t.name for t in targets)}) its values: each gets the "
                     "whole workload")
        for s in targets:
            _set(s, value, SPECS[s.fields["kind"]], where, key)
    return top


def _set(d: Draft, value: Any, spec, where: str, key: str) -> None:
    if isinstance(value, dict) and "pattern" in value:
        value = {"workload": value}
    if not isinstance(value, dict):
        raise TemplateError(f"{where}: {key} = {value!r}: must be a mapping, e.g. "
                            "{workload: {pattern: poisson, rate_per_s: 10}}")
    allowed = [f for f in spec.model_fields if f not in _IDENTITY]
    for field, v in value.items():
        if field not in allowed:
            raise TemplateError(f"{where}: {key}.{field}: unknown field (fields: "
                                f"{', '.join(allowed)})")
        if d.locked(field):
            raise TemplateError(f"{where}: {key}.{field}: set by the template "
                                f"({d.origin[field][0]}); change it there")
        d.set(field, v, f"{where}: {key}.{field}", "workloads")


def defaults(ctx: Ctx, sources: list[Draft]) -> None:
    """A source without a workload gets :data:`DEFAULT_WORKLOAD`, and a warning."""
    for s in sources:
        if "workload" not in s.fields:
            s.set("workload", dict(DEFAULT_WORKLOAD), f"{s.name}.workload", "assumed",
                  "no workload given")
            ctx.warn(f"assumed: {s.name}.workload = poisson 1 event/s (a template holds no "
                     f"traffic; give {s.name}: {{workload: ...}} in --workloads)")


def _flow(value: Any) -> str:
    return flow(compact(value))


def skeleton(template: Path, scenario, sources: list[Draft], functions: dict[str, Draft]) -> str:
    """A workloads file listing every source and function, to fill in with numbers."""
    lines = [
        f"# Workloads for {template.name}: a template holds no traffic. Fill in the numbers,",
        f"# then: lambdasim import {template.name} --workloads THIS_FILE -o scenario.yaml",
        "# Keys: a source's name (as below) or the logical ID of the queue, stream, bucket,",
        "# topic or API it reads; a function's logical ID for its behaviour. Workload",
        "# patterns: poisson, constant, bursts, step, ramp, diurnal, trace (README).",
        f"duration_s: {scenario.duration_s:g}",
        "",
    ]
    for s in sources:
        wl = s.fields.get("workload", DEFAULT_WORKLOAD)
        lines.append(f"{s.name}:  # {s.fields['kind']} -> {s.fields['function']}: {s.about}")
        if s.origin.get("workload", ("", ""))[1] == "template":
            lines.append(f"  # workload: {_flow(wl)}  # set by the template "
                         f"({s.origin['workload'][2]})")
        else:
            lines.append(f"  workload: {_flow(wl)}")
        if s.fields["kind"] in ("kinesis", "dynamodb"):
            lines.append(f"  # keys: {_flow(scenario.source(s.name).keys.model_dump())}")
        if s.fields["kind"] == "dynamodb":
            lines.append(f"  # shards: {scenario.source(s.name).shards}  # approximated")
    lines.append("")
    for fid, d in functions.items():
        spec = scenario.function(fid)
        f = compact(spec.model_dump(mode="json"))
        lines.append(f"{fid}:  # function, {spec.memory_mb} MB, timeout {spec.timeout_s:g} s")
        for field in ("duration", "cold_start", "error_rate"):
            line = f"{field}: {_flow(f[field])}"
            measured = getattr(spec, "runtime", None) and d.origin.get(field, "  ")[1] == "assumed"
            if field == "cold_start" and measured:
                line = f"# {line}  # measured init times of {spec.runtime}"
            lines.append(f"  {line}")
    return "\n".join(lines) + "\n"
