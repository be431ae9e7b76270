"""From a template to a scenario: read, expand SAM, map every resource, apply the workloads,
validate, and account for everything that was not modelled."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..async_source import AsyncSourceSpec
from ..base import ScenarioError
from ..scenario import Scenario
from ..stream import StreamSourceSpec
from . import notes
from . import workloads as wfile
from .context import Ctx, Draft
from .emit import compact, flow, scenario_yaml
from .functions import check_provisioned, read_functions, read_invoke_configs, read_provisioned
from .intrinsics import Resolver, Unresolvable, parameter_values
from .permissions import read_access
from .pull import read_mappings, settle_shards
from .push import read_rules, read_s3, read_sns
from .read import SAM_TRANSFORM, TemplateError, decode, expand_sam, sam_origins, transforms
from .sync import read_permissions, read_urls

HORIZON_S = 600.0


@dataclass(frozen=True)
class TemplateImport:
    """What :func:`from_template` returns: the scenario, the warnings (one line per thing not
    modelled, approximated or assumed) and the mapping (one row per template resource)."""

    scenario: Scenario
    warnings: list[str]
    mapping: Any  # pandas.DataFrame: logical_id, type, status, scenario, note, sam
    template: Path
    _origins: dict = field(repr=False, default_factory=dict)
    _drafts: tuple = field(repr=False, default=())

    def to_yaml(self, path: str | Path | None = None) -> str:
        """The scenario as YAML, each field commented with where its value came from."""
        fns, srcs = self._drafts
        header = [f"Imported from {self.template.name} by `lambdasim import`. Every field is "
                  "written out; the comment", "says where its value comes from. "
                  f"{len(self.warnings)} note(s) on what was not modelled:"]
        header += [f"  {w}" for w in self.warnings] + [""]
        text = scenario_yaml(self.scenario, {k: d.origin for k, d in fns.items()},
                             {d.name: d.origin for d in srcs}, self._origins, header)
        if path is not None:
            Path(path).write_text(text)
        return text

    def workloads_skeleton(self, path: str | Path | None = None) -> str:
        """A workloads file listing every source and function, to fill in."""
        fns, srcs = self._drafts
        text = wfile.skeleton(self.template, self.scenario, list(srcs), fns)
        if path is not None:
            Path(path).write_text(text)
        return text


def from_template(path: str | Path, workloads: str | Path | dict | None = None,
                  parameters: dict[str, Any] | None = None) -> TemplateImport:
    """Read a SAM or CloudFormation template (YAML or JSON) into a scenario.

    ``workloads``: a workloads file or mapping (see :mod:`.workloads`); ``parameters``: template
    parameter values, as ``--parameter KEY=VALUE`` gives them. Raises :class:`TemplateError`
    (a :class:`ScenarioError`) with one line naming the resource and property."""
    path = Path(path)
    original = decode(path)
    loops = [k for k in original["Resources"] if str(k).startswith("Fn::ForEach::")]
    for k in loops:
        del original["Resources"][k]
    given = {str(k): v for k, v in (parameters or {}).items()}
    unknown = sorted(set(given) - set(original.get("Parameters") or {}))
    if unknown:
        names = ", ".join(original.get("Parameters") or {}) or "none"
        raise TemplateError(f"--parameter {unknown[0]}: no such parameter in {path.name} "
                            f"(parameters: {names})")
    try:
        params = parameter_values(original, given)
    except Unresolvable as exc:
        raise TemplateError(f"{path}: {exc}") from None
    cfn = expand_sam(original, params, path)
    origins = sam_origins(original, cfn) if SAM_TRANSFORM in transforms(original) else {}
    ctx = Ctx(path, original, cfn, Resolver(cfn, params), origins)
    for t in transforms(original):
        if t != SAM_TRANSFORM:
            ctx.warn(f"ignored: Transform {t} (only {SAM_TRANSFORM} is expanded; a macro's "
                     "changes are not applied)")
    for k in loops:
        ctx.warn(f"skipped: {k} (AWS::LanguageExtensions loops are not expanded: the "
                 "resources it would make are not in the scenario)")
    functions = read_functions(ctx)
    if not functions:
        raise TemplateError(f"{path}: no AWS::Lambda::Function or AWS::Serverless::Function "
                            "is deployed: nothing to simulate")
    read_provisioned(ctx, functions)
    read_invoke_configs(ctx, functions)
    sources = (read_mappings(ctx, functions) + read_s3(ctx, functions) +
               read_sns(ctx, functions) + read_rules(ctx, functions) +
               read_permissions(ctx, functions) + read_urls(ctx, functions))
    sources.sort(key=lambda d: _position(ctx, d.rid))
    sources += _idle_callers(ctx, functions, sources)
    check_provisioned(ctx, functions, sources)
    read_access(ctx, functions, sources)  # who may invoke, what the role may read
    for d in sources:  # on-failure destinations: not simulated, but accounted for
        dest = d.fields.get("destination")
        if dest in ctx.resources and ctx.rows.get(dest, {}).get("note", "on-failure").startswith(
                "on-failure"):
            ctx.row(dest, "merged", f"sources.{d.name}", "on-failure destination (its "
                    "messages count as failed)")
    _skipped(ctx)
    data, where = wfile.read(workloads)
    top = wfile.apply(ctx, data, where, functions, sources)
    wfile.defaults(ctx, sources)
    for d in sources:
        settle_shards(ctx, d)
    scenario, top_origins = _build(ctx, functions, sources, top, where)
    return TemplateImport(scenario, list(ctx.warnings), _mapping(ctx), path, top_origins,
                          (functions, tuple(sources)))


def _position(ctx: Ctx, rid: str) -> tuple[int, int, int]:
    """Where a resource was written: SAM's generated ones at their function's event."""
    original = list(ctx.original["Resources"])
    owner, event = ctx.origins.get(rid, (None, None))
    top = original.index(owner) if owner in original else (
        original.index(rid) if rid in original else len(original))
    events = list(((ctx.original["Resources"].get(owner) or {}).get("Properties") or {})
                  .get("Events") or {}) if owner else []
    return top, events.index(event) if event in events else -1, list(ctx.resources).index(rid)


def _idle_callers(ctx: Ctx, functions: dict[str, Draft], sources: list[Draft]) -> list[Draft]:
    """A function no source of the template invokes gets a synchronous caller (an
    application outside the template), so that it is simulated and can be given traffic."""
    used = {s.fields["function"] for s in sources}
    out = []
    for fid in functions:
        if fid in used:
            continue
        d = Draft(f"{fid}.invoke", fid)
        d.set("kind", "sync", f"{fid} (no event source in the template)", "assumed")
        d.set("function", fid, fid, "assumed")
        d.set("client_retry", "none", f"{fid}.invoke (caller)", "assumed")
        d.keys.append(f"{fid}.invoke")
        d.about = "a caller outside the template (Invoke, RequestResponse)"
        ctx.warn(f"assumed: {fid}.invoke = a synchronous caller (no event source of the "
                 f"template invokes {fid}; give {fid}.invoke a workload, rate 0 to leave it idle)")
        out.append(d)
    return out


def _skipped(ctx: Ctx) -> None:
    """Every resource not mapped: a row and a warning, with the function it invokes if any."""
    for rid, res in ctx.resources.items():
        if rid in ctx.rows:
            continue
        rtype = str(res.get("Type"))
        owner, event = ctx.origins.get(rid, (None, None))
        made = f"; generated by SAM for {owner}" if owner else ""
        if not ctx.deployed(rid):
            ctx.row(rid, "skipped", "", f"Condition {res.get('Condition')} is false: not "
                    "deployed")
            continue
        if rtype in notes.WIRING:
            ctx.row(rid, "merged", "", notes.WIRING[rtype])
            continue
        why = notes.skip_reason(rtype)
        invoked = sorted({r for r in _refs(res.get("Properties")) if ctx.rtype(r) in (
            "AWS::Lambda::Function", "AWS::Lambda::Alias")})
        if invoked and why == notes.DEFAULT_SKIP:
            why = f"it refers to {', '.join(invoked)}; this trigger or integration is not modelled"
        ctx.row(rid, "skipped", "", why + made)
        ctx.warn(f"skipped: {rid} ({rtype}: {why}{made})")


def _refs(node: Any) -> set[str]:
    """Logical IDs a raw template node refers to (Ref, GetAtt, ${..} in Sub)."""
    if isinstance(node, dict):
        out = set()
        for k, v in node.items():
            if k == "Ref" and isinstance(v, str):
                out.add(v)
            elif k == "Fn::GetAtt":
                out.add(str(v[0]) if isinstance(v, list) else str(v).split(".")[0])
            elif k == "Fn::Sub":
                text = v[0] if isinstance(v, list) else v
                out |= {m.split(".")[0] for m in re.findall(r"\$\{([^}!]+)\}", str(text))}
            out |= _refs(v)
        return out
    if isinstance(node, list):
        return set().union(*(_refs(v) for v in node)) if node else set()
    return set()


def _build(ctx: Ctx, functions: dict[str, Draft], sources: list[Draft], top: dict,
           where: str) -> tuple[Scenario, dict]:
    seen: set[str] = set()
    for d in sources:  # names are logical IDs; a clash (unlikely) gets a suffix
        name, n = d.name, 2
        while d.name in seen:
            d.name, n = f"{name}.{n}", n + 1
        seen.add(d.name)
        owner, event = ctx.origins.get(d.rid, (None, None))
        d.set("name", d.name, f"{owner}.Events.{event}" if event else "logical ID")
    for d in functions.values():
        d.set("name", d.name, "logical ID")
    origins = {("", "duration_s"): ("duration_s", "assumed", "simulated horizon; set "
                                    "duration_s in the workloads file"),
               ("", "warmup_s"): ("warmup_s", "assumed", "no warm-up")}
    doc = {"duration_s": HORIZON_S, "warmup_s": 0.0, "account": {}, "pricing": {}}
    for key, value in top.items():
        doc[key] = value
        if isinstance(value, dict):
            origins.update({(key, k): (f"{where}: {key}.{k}", "workloads", "")
                            for k in value})
        else:
            origins[("", key)] = (f"{where}: {key}", "workloads", "")
    acct = {"concurrency_limit": "1,000 concurrent executions per Region; yours may be "
            "raised (or 10 on a new account)", "scaling_rate_per_10s": "1,000 environments "
            "per function per 10 s", "unreserved_minimum": "AWS keeps 100 unreserved"}
    for k, note in acct.items():
        origins.setdefault(("account", k), ("account quota", "aws", note))
    doc["functions"] = [dict(d.fields) for d in functions.values()]
    doc["sources"] = [dict(d.fields) for d in sources]
    drafts = {"functions": list(functions.values()), "sources": sources}
    scenario = _validate(ctx, doc, drafts)
    for d, spec in zip(sources, scenario.sources, strict=True):  # pin kind-derived defaults
        for fld, prop in (("delivery_delay", "delivery"), ("dequeue_delay", "dequeue")):
            if isinstance(spec, AsyncSourceSpec) and fld not in d.fields and hasattr(spec, prop):
                dist = getattr(spec, prop)
                d.set(fld, compact(dist.model_dump(mode="json")) if dist else None,
                      f"{spec.kind} {prop}", "lambdasim", "AWS publishes no distribution")
        if isinstance(spec, StreamSourceSpec) and d.fields.get("propagation_delay_s") is None:
            d.set("propagation_delay_s", spec.propagation_delay, "Kinesis/DynamoDB", "derived",
                  "about 200 ms per standard consumer, 70 ms with enhanced fan-out")
    _note_assumptions(ctx, scenario, functions)
    doc["functions"] = [dict(d.fields) for d in functions.values()]
    doc["sources"] = [dict(d.fields) for d in sources]
    scenario = _validate(ctx, doc, drafts)
    # every field explicit in the object too, as in the written YAML
    return Scenario.from_dict(scenario.to_dict()), origins


def _validate(ctx: Ctx, doc: dict, drafts: dict) -> Scenario:
    try:
        return Scenario.from_dict(doc)
    except ScenarioError as exc:
        msg = str(exc)
        m = re.match(r"(functions|sources)\[(\d+)\]\.(\w+)", msg)
        if m and int(m.group(2)) < len(drafts[m.group(1)]):
            d = drafts[m.group(1)][int(m.group(2))]
            locus = d.origin.get(m.group(3), (d.name,))[0]
            rid, _, prop = locus.partition(".")
            line = ctx.line(rid, prop.split(".")[0]) if rid in ctx.resources else "?"
            raise TemplateError(f"{ctx.path}:{line}: {locus}: {msg}") from None
        raise TemplateError(f"{ctx.path}: {msg}") from None


def _note_assumptions(ctx: Ctx, scenario: Scenario, functions: dict[str, Draft]) -> None:
    """Handler duration and cold starts are not in a template: say what was assumed."""
    for fid, d in functions.items():
        spec = scenario.function(fid)
        dump = spec.model_dump(mode="json")
        for fld in ("duration", "cold_start"):
            if fld in d.fields:
                continue
            rt = getattr(spec, "runtime", None)
            why = (f"measured init times of {rt} at {spec.memory_mb} MB "
                   f"{spec.architecture}" if fld == "cold_start" and rt else "lambdasim's default")
            value = compact(dump[fld])
            d.set(fld, value, f"{fid}.{fld}", "assumed", why)
            ctx.warn(f"assumed: {fid}.{fld} = {flow(value)} (not in a template: {why}; give "
                     f"{fid}: {{{fld}: ...}} in --workloads)")


def _mapping(ctx: Ctx):
    import pandas as pd

    rows = []
    for rid in ctx.resources:
        row = dict(ctx.rows.get(rid) or {"logical_id": rid, "type": ctx.rtype(rid),
                                         "status": "skipped", "scenario": "", "note": ""})
        owner, event = ctx.origins.get(rid, (None, None))
        sam = ctx.original["Resources"].get(rid, {}).get("Type", "")
        row["sam"] = (sam if str(sam).startswith("AWS::Serverless") else
                      f"{owner}" + (f" event {event}" if event else "") if owner else
                      "generated by SAM" if rid in ctx.origins else "")
        rows.append(row)
    return pd.DataFrame(rows, columns=["logical_id", "type", "status", "scenario", "note",
                                       "sam"])
