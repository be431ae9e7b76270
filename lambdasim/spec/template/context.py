"""What an import keeps while it reads the template: the resolved view of every resource,
the scenario items being drafted (each field with where its value came from), the warnings
and the mapping table (one row per template resource)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .intrinsics import NO_VALUE, Resolver, ResourceRef, Unresolvable, referenced, short
from .read import TemplateError, line_of

MISSING = object()
#: how a field got its value; the first three come from the template and are not overridden
#: by the workloads file
LOCKED = ("template", "aws", "derived")
_ARN_SERVICE = {"sqs": "AWS::SQS::Queue", "kinesis": "AWS::Kinesis::Stream",
                "dynamodb": "AWS::DynamoDB::Table", "lambda": "AWS::Lambda::Function",
                "sns": "AWS::SNS::Topic", "s3": "AWS::S3::Bucket"}
_NAME_PROPS = {"AWS::SQS::Queue": "QueueName", "AWS::Kinesis::Stream": "Name",
               "AWS::DynamoDB::Table": "TableName", "AWS::Lambda::Function": "FunctionName",
               "AWS::SNS::Topic": "TopicName", "AWS::S3::Bucket": "BucketName"}


@dataclass
class Draft:
    """A function or source being built: its fields and, per field, (locus, how, note):
    the template property it stands for, how the value was obtained (template, aws default,
    derived, assumed, workloads, lambdasim) and a note for the written scenario."""

    name: str
    rid: str
    fields: dict[str, Any] = field(default_factory=dict)
    origin: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    keys: list[str] = field(default_factory=list)  # resource IDs a workload may be keyed by
    qualifier: str | None = None
    about: str = ""  # one phrase for the skeleton: what this source reads
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. a function's async settings

    def set(self, name: str, value: Any, locus: str, how: str = "template", note: str = ""):
        self.fields[name] = value
        self.origin[name] = (locus, how, note)

    def locked(self, name: str) -> bool:
        return name in self.origin and self.origin[name][1] in LOCKED


def take(d: Draft, p: Props, name: str, prop: str, default: Any, note: str = "",
         conv: str = "int") -> Any:
    """``d.<name>`` from property ``prop`` (``conv``: int, float, bool or text) if the
    template sets it, else AWS's ``default`` (the written scenario says which)."""
    if p.has(prop):
        value = {"int": lambda: p.number(prop), "float": lambda: p.number(prop, whole=False),
                 "bool": lambda: p.flag(prop, False), "text": lambda: p.text(prop)}[conv]()
        d.set(name, value, p.locus(prop))
    else:
        p.used.add(prop)
        value = default
        d.set(name, value, p.locus(prop), "aws", note)
    return value


def render(value: Any, limit: int = 70) -> str:
    """A value for a warning line: scalars as they are, the rest as compact JSON."""
    if isinstance(value, ResourceRef):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        text = str(value)
    else:
        text = json.dumps(value, default=str, separators=(",", ":"))
    return text if len(text) <= limit else text[: limit - 3] + "..."


class Ctx:
    """One import: template, resolver, warnings, mapping rows."""

    def __init__(self, path: Path, original: dict, cfn: dict, resolver: Resolver,
                 origins: dict[str, tuple[str | None, str | None]]):
        self.path, self.original, self.resolver, self.origins = path, original, resolver, origins
        self.resources: dict[str, dict] = cfn.get("Resources") or {}
        self.warnings: list[str] = []
        self.rows: dict[str, dict] = {}
        self._warned: set[str] = set()

    # -- resources ----------------------------------------------------------------------
    def rtype(self, rid: str) -> str:
        return str(self.resources.get(rid, {}).get("Type", ""))

    def of_type(self, *types: str) -> list[str]:
        return [rid for rid, r in self.resources.items() if r.get("Type") in types
                and self.deployed(rid)]

    def deployed(self, rid: str) -> bool:
        """False for a resource whose ``Condition`` is false (CloudFormation skips it)."""
        cond = self.resources[rid].get("Condition")
        if cond is None:
            return True
        try:
            return self.resolver.condition(str(cond))
        except Unresolvable as exc:
            raise self.error(rid, "Condition", str(exc)) from None

    def display(self, rid: str) -> str:
        """The name a user knows: ``Function.Event`` for what SAM made of an event."""
        owner, event = self.origins.get(rid, (None, None))
        if owner and event and rid == owner + event:
            return f"{owner}.{event}"
        return rid

    def line(self, rid: str, prop: str | None = None) -> int | str:
        res = self.original["Resources"].get(rid)
        owner, event = self.origins.get(rid, (None, None))
        if res is None and owner:
            props = self.original["Resources"][owner].get("Properties") or {}
            res = (props.get("Events") or {}).get(event) if event else None
            res = res if res is not None else self.original["Resources"][owner]
        if res is None:
            return "?"
        props = res.get("Properties") if isinstance(res, dict) else None
        node = props.get(prop) if isinstance(props, dict) and prop else None
        return line_of(node, props, res)

    def error(self, rid: str, prop: str, message: str) -> TemplateError:
        top = prop.split(".")[0] if prop else None
        return TemplateError(f"{self.path}:{self.line(rid, top)}: {self.display(rid)}"
                             f"{'.' + prop if prop else ''}: {message}")

    def props(self, rid: str) -> Props:
        return Props(self, rid, self.resources[rid].get("Properties") or {}, "")

    # -- references -----------------------------------------------------------------------
    def target(self, value: Any) -> str | None:
        """The logical ID of the template resource a resolved value points at: a ``Ref`` /
        ``GetAtt``, a string built around one (``!Sub ${Queue.Arn}``), or an ARN or name
        equal to a resource's explicit name."""
        refs = {r.logical_id for r in referenced(value)}
        if len(refs) == 1:
            return refs.pop()
        if isinstance(value, str) and not refs:
            name = value.split(":")[-1].split("/")[-1]
            service = value.split(":")[2] if value.startswith("arn:") else None
            if service == "dynamodb" and "/stream/" in value:
                name = value.split("/")[1]
            for rid, res in self.resources.items():
                prop = _NAME_PROPS.get(res.get("Type"))
                if prop and (not service or _ARN_SERVICE.get(service) == res.get("Type")):
                    given = (res.get("Properties") or {}).get(prop)
                    try:
                        given = self.resolver.value(given)
                    except Unresolvable:
                        continue
                    if isinstance(given, str) and given == name:
                        return rid
        return None

    def function_of(self, value: Any) -> tuple[str | None, str | None]:
        """(function logical ID, qualifier) for a FunctionName / ARN / Ref, following an
        alias or version to its function; (None, None) if the function is not in the
        template."""
        rid = self.target(value)
        qualifier = None
        for _ in range(3):
            if rid is None:
                return None, None
            t = self.rtype(rid)
            if t == "AWS::Lambda::Function":
                text = value if isinstance(value, str) else ""
                if qualifier is None and ":" in text.split("}}")[-1]:
                    qualifier = text.rsplit(":", 1)[1]
                return rid, qualifier
            if t not in ("AWS::Lambda::Alias", "AWS::Lambda::Version"):
                return None, None
            if t == "AWS::Lambda::Alias":
                qualifier = qualifier or self.resolver.text(
                    self.resolver.value(self.resources[rid]["Properties"].get("Name")))
            else:
                qualifier = qualifier or f"version {rid}"
            value = self.resolver.value(self.resources[rid]["Properties"].get("FunctionName"))
            rid = self.target(value)
        return None, None

    # -- output -------------------------------------------------------------------------
    def warn(self, line: str) -> None:
        if line not in self._warned:
            self._warned.add(line)
            self.warnings.append(line)

    def row(self, rid: str, status: str, scenario: str = "", note: str = "") -> None:
        old = self.rows.get(rid)
        if old and old["scenario"] and scenario and scenario not in old["scenario"]:
            scenario = f"{old['scenario']}, {scenario}"
        self.rows[rid] = {"logical_id": rid, "type": self.rtype(rid), "status": status,
                          "scenario": scenario, "note": note or (old or {}).get("note", "")}


class Props:
    """The properties of one resource (or a nested block), resolved on demand; every key read
    is remembered so that :meth:`leftovers` can name the ones lambdasim does not model."""

    def __init__(self, ctx: Ctx, rid: str, raw: Any, path: str):
        self.ctx, self.rid, self.path = ctx, rid, path
        self.raw = raw if isinstance(raw, dict) else {}
        self.used: set[str] = set()

    def locus(self, key: str) -> str:
        return f"{self.ctx.display(self.rid)}.{self.path}{key}"

    def has(self, key: str) -> bool:
        return key in self.raw and self.get(key, None) is not None

    def get(self, key: str, default: Any = MISSING) -> Any:
        self.used.add(key)
        if key not in self.raw:
            if default is MISSING:
                raise self.ctx.error(self.rid, self.path + key, "is required")
            return default
        try:
            value = self.ctx.resolver.value(self.raw[key])
        except Unresolvable as exc:
            raise self.ctx.error(self.rid, self.path + key, str(exc)) from None
        if value is NO_VALUE:
            if default is MISSING:
                raise self.ctx.error(self.rid, self.path + key, "is required (AWS::NoValue)")
            return default
        return value

    def number(self, key: str, default: Any = MISSING, whole: bool = True) -> Any:
        value = self.get(key, default)
        if value is default or value is None:
            return value
        try:
            f = float(value)
        except (TypeError, ValueError):
            raise self.ctx.error(self.rid, self.path + key, f"= {render(value)}: must be a "
                                 f"{'whole ' if whole else ''}number") from None
        if whole and not f.is_integer():
            raise self.ctx.error(self.rid, self.path + key, f"= {value}: must be a whole number")
        return int(f) if whole else f

    def flag(self, key: str, default: bool) -> bool:
        value = self.get(key, default)
        if isinstance(value, bool):
            return value
        if str(value).lower() in ("true", "false"):
            return str(value).lower() == "true"
        raise self.ctx.error(self.rid, self.path + key, f"= {render(value)}: must be true or false")

    def text(self, key: str, default: Any = MISSING) -> Any:
        value = self.get(key, default)
        return value if value is default or value is None else self.ctx.resolver.text(value)

    def block(self, key: str) -> Props:
        """A nested block (e.g. ``DestinationConfig``) with its own leftover tracking."""
        self.used.add(key)
        raw = self.raw.get(key)
        if isinstance(raw, dict) and len(raw) == 1 and next(iter(raw)).startswith(("Fn::", "Ref")):
            raw = self.get(key, {})  # a whole block chosen by !If
            raw = raw if isinstance(raw, dict) else {}
        return Props(self.ctx, self.rid, raw, f"{self.path}{key}.")

    def shown(self, key: str) -> str:
        try:
            return render(self.ctx.resolver.value(self.raw[key]))
        except Unresolvable:
            return short(self.raw[key])

    def leftovers(self, reasons: dict[str, str], inert: frozenset | set = frozenset(),
                  default: str = "not modelled") -> None:
        """One warning per property not read: ``ignored: Res.Prop = value (reason)``.
        ``inert`` properties (names, tags, code, IAM) cannot change what Lambda does and are
        only listed in the mapping table's note."""
        for key in self.raw:
            if key in self.used or key in inert:
                continue
            try:
                if self.ctx.resolver.value({"x": self.raw[key]}) == {}:
                    continue  # AWS::NoValue: not set
            except Unresolvable:
                pass
            self.ctx.warn(f"ignored: {self.locus(key)} = {self.shown(key)} "
                          f"({reasons.get(key, default)})")
