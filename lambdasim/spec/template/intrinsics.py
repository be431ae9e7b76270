"""CloudFormation intrinsic functions, resolved as CloudFormation would at deploy time, offline.

``Ref`` to a parameter gives its value (``--parameter``, else its ``Default``); ``Ref`` or
``Fn::GetAtt`` to a resource gives a :class:`ResourceRef` (the importer follows it to the
resource); ``Fn::If`` evaluates the template's ``Conditions``; ``AWS::NoValue`` removes the
property or list item, as CloudFormation does. ``Fn::Sub``, ``Fn::Join``, ``Fn::Select``,
``Fn::Split``, ``Fn::FindInMap``, ``Fn::GetAZs``, ``Fn::Base64`` and ``Fn::ToJsonString`` /
``Fn::Length`` (AWS::LanguageExtensions) are evaluated; a resource reference inside a string
is kept as a ``{{ref:Id.Attr}}`` token so the importer can still follow it. What cannot be
known offline (``Fn::ImportValue``, SSM parameters, a parameter without a value) raises
:class:`Unresolvable`; the importer adds which resource property needed it.

Pseudo parameters take the values of a stack named ``lambdasim`` in us-east-1
(the region of lambdasim's default prices), account 123456789012.
"""

from __future__ import annotations

import json
import re
from typing import Any, NamedTuple

PSEUDO = {
    "AWS::Region": "us-east-1", "AWS::AccountId": "123456789012", "AWS::Partition": "aws",
    "AWS::StackName": "lambdasim", "AWS::StackId": "arn:aws:cloudformation:us-east-1:"
    "123456789012:stack/lambdasim/00000000-0000-0000-0000-000000000000",
    "AWS::URLSuffix": "amazonaws.com", "AWS::NotificationARNs": [],
}
NO_VALUE = object()
"""``Ref: AWS::NoValue``: the property (or list item) is removed."""
TOKEN = re.compile(r"\{\{ref:([A-Za-z0-9]+)(?:\.([A-Za-z0-9.]+))?\}\}")
_SUB = re.compile(r"\$\{([^}]*)\}")


class Unresolvable(ValueError):
    """A value that cannot be known without deploying (the message says why)."""


class ResourceRef(NamedTuple):
    """``Ref`` (attr None) or ``Fn::GetAtt`` to a resource of the template."""

    logical_id: str
    attr: str | None = None

    def token(self) -> str:
        attr = f".{self.attr}" if self.attr else ""
        return "{{ref:" + self.logical_id + attr + "}}"

    def __str__(self) -> str:
        return f"!GetAtt {self.logical_id}.{self.attr}" if self.attr else f"!Ref {self.logical_id}"


def short(node: Any) -> str:
    """An intrinsic as a user wrote it (``!Ref X``), for messages."""
    if isinstance(node, dict) and len(node) == 1:
        (k, v), = node.items()
        if k == "Ref":
            return f"!Ref {v}"
        if k == "Fn::GetAtt":
            return "!GetAtt " + (".".join(map(str, v)) if isinstance(v, list) else str(v))
        if k.startswith("Fn::"):
            return f"!{k[4:]} {json.dumps(v, default=str)}"
    return json.dumps(node, default=str)


class Resolver:
    """Resolves the intrinsic functions of one (already SAM-expanded) template."""

    def __init__(self, template: dict, parameters: dict[str, Any]):
        self.resources = template.get("Resources") or {}
        self.mappings = template.get("Mappings") or {}
        self.conditions = template.get("Conditions") or {}
        self.parameters = parameters
        self._cond_cache: dict[str, bool] = {}

    # -- public -------------------------------------------------------------------------
    def value(self, node: Any) -> Any:
        """``node`` with every intrinsic function evaluated (NO_VALUE if removed)."""
        if isinstance(node, dict):
            if len(node) == 1:
                (key, arg), = node.items()
                if key == "Ref" or key.startswith("Fn::"):
                    return self._intrinsic(key, arg)
                if key == "Condition" and isinstance(arg, str) and arg in self.conditions:
                    return self.condition(arg)
            out = {}
            for k, v in node.items():
                r = self.value(v)
                if r is not NO_VALUE:
                    out[str(k)] = r
            return out
        if isinstance(node, list):
            return [r for r in (self.value(v) for v in node) if r is not NO_VALUE]
        if isinstance(node, str):
            return str(node)  # cfn-lint's str_node -> str
        return node

    def condition(self, name: str) -> bool:
        """The value of a named condition of the template."""
        if name not in self._cond_cache:
            if name not in self.conditions:
                raise Unresolvable(f"Condition {name}: no such condition in Conditions")
            self._cond_cache[name] = bool(self._truth(self.conditions[name]))
        return self._cond_cache[name]

    def text(self, value: Any) -> str:
        """A resolved value as text; resource references become ``{{ref:..}}`` tokens."""
        if isinstance(value, ResourceRef):
            return value.token()
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, dict | list):
            return json.dumps(value, default=str)
        return str(value)

    # -- intrinsic functions ------------------------------------------------------------
    def _intrinsic(self, key: str, arg: Any) -> Any:
        fn = _FUNCTIONS.get(key)
        if fn is None:
            raise Unresolvable(f"!{key.removeprefix('Fn::')}: not an intrinsic function "
                               "lambdasim can evaluate offline")
        return fn(self, arg)

    def _ref(self, name: Any) -> Any:
        name = self.value(name)
        if not isinstance(name, str):
            raise Unresolvable(f"!Ref {name!r}: must name a parameter or resource")
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in PSEUDO:
            return PSEUDO[name]
        if name in self.parameters:
            v = self.parameters[name]
            if isinstance(v, Unresolvable):
                raise v
            return v
        if name in self.resources:
            return ResourceRef(name)
        raise Unresolvable(f"!Ref {name}: no such parameter or resource")

    def _getatt(self, arg: Any) -> ResourceRef:
        if isinstance(arg, str):
            rid, _, attr = arg.partition(".")
        elif isinstance(arg, list) and len(arg) == 2:
            rid, attr = str(arg[0]), self.value(arg[1])
        else:
            raise Unresolvable(f"!GetAtt {arg!r}: must be [LogicalId, Attribute]")
        if rid not in self.resources:
            raise Unresolvable(f"!GetAtt {rid}.{attr}: no resource {rid} in the template")
        return ResourceRef(rid, str(attr))

    def _sub(self, arg: Any) -> Any:
        if isinstance(arg, list) and len(arg) == 2:
            text, variables = arg[0], self.value(arg[1])
        else:
            text, variables = arg, {}
        text = self.value(text)
        if not isinstance(text, str):
            raise Unresolvable(f"!Sub {text!r}: must be a string")
        whole = _SUB.fullmatch(text)
        if whole and not whole.group(1).startswith("!"):
            v = self._sub_var(whole.group(1), variables)
            return v
        return _SUB.sub(lambda m: self.text(self._sub_var(m.group(1), variables)), text)

    def _sub_var(self, name: str, variables: dict) -> Any:
        if name.startswith("!"):
            return "${" + name[1:] + "}"
        if name in variables:
            return variables[name]
        if "." in name and name.split(".", 1)[0] in self.resources:
            rid, attr = name.split(".", 1)
            return ResourceRef(rid, attr)
        return self._ref(name)

    def _join(self, arg: Any) -> str:
        if not (isinstance(arg, list) and len(arg) == 2):
            raise Unresolvable(f"!Join {arg!r}: must be [delimiter, [values]]")
        sep, items = self.value(arg[0]), self.value(arg[1])
        if not isinstance(items, list):
            raise Unresolvable(f"!Join: {items!r} is not a list")
        return str(sep).join(self.text(v) for v in items)

    def _select(self, arg: Any) -> Any:
        index, items = (self.value(a) for a in arg)
        try:
            return items[int(index)]
        except (IndexError, ValueError, TypeError):
            raise Unresolvable(f"!Select [{index}, {items!r}]: no such item") from None

    def _split(self, arg: Any) -> list:
        sep, text = (self.value(a) for a in arg)
        return self.text(text).split(str(sep))

    def _find_in_map(self, arg: Any) -> Any:
        default = NO_VALUE
        if len(arg) == 4 and isinstance(arg[3], dict) and "DefaultValue" in arg[3]:
            default = self.value(arg[3]["DefaultValue"])
        name, top, second = (self.text(self.value(a)) for a in arg[:3])
        try:
            return self.value(self.mappings[name][top][second])
        except (KeyError, TypeError):
            if default is not NO_VALUE:
                return default
            raise Unresolvable(f"!FindInMap [{name}, {top}, {second}]: no such entry in "
                               "Mappings") from None

    def _if(self, arg: Any) -> Any:
        if not (isinstance(arg, list) and len(arg) == 3):
            raise Unresolvable(f"!If {arg!r}: must be [condition, value if true, if false]")
        return self.value(arg[1] if self.condition(str(arg[0])) else arg[2])

    def _truth(self, node: Any) -> bool:
        """A condition expression: Fn::Equals/And/Or/Not, or ``Condition: Name``."""
        if isinstance(node, dict) and len(node) == 1:
            (k, v), = node.items()
            if k == "Condition":
                return self.condition(str(v))
            if k == "Fn::Equals":
                a, b = (self.text(self.value(x)) for x in v)
                return a == b
            if k == "Fn::And":
                return all(self._truth(x) for x in v)
            if k == "Fn::Or":
                return any(self._truth(x) for x in v)
            if k == "Fn::Not":
                return not self._truth(v[0])
        value = self.value(node)
        if isinstance(value, bool):
            return value
        if str(value).lower() in ("true", "false"):
            return str(value).lower() == "true"
        raise Unresolvable(f"condition {short(node)}: not a condition expression")


def _import_value(self: Resolver, arg: Any):
    raise Unresolvable(f"!ImportValue {short(arg)}: a value exported by another stack is not "
                       "in this template")


_FUNCTIONS = {
    "Ref": Resolver._ref,
    "Fn::GetAtt": Resolver._getatt,
    "Fn::Sub": Resolver._sub,
    "Fn::Join": Resolver._join,
    "Fn::Select": Resolver._select,
    "Fn::Split": Resolver._split,
    "Fn::FindInMap": Resolver._find_in_map,
    "Fn::If": Resolver._if,
    "Fn::Equals": lambda self, arg: self._truth({"Fn::Equals": arg}),
    "Fn::And": lambda self, arg: self._truth({"Fn::And": arg}),
    "Fn::Or": lambda self, arg: self._truth({"Fn::Or": arg}),
    "Fn::Not": lambda self, arg: self._truth({"Fn::Not": arg}),
    "Fn::GetAZs": lambda self, arg: [f"{PSEUDO['AWS::Region']}{z}" for z in "abcdef"],
    "Fn::Base64": lambda self, arg: self.text(self.value(arg)),
    "Fn::ToJsonString": lambda self, arg: json.dumps(self.value(arg), default=str),
    "Fn::Length": lambda self, arg: len(self.value(arg)),
    "Fn::ImportValue": _import_value,
}


def referenced(value: Any) -> list[ResourceRef]:
    """The resource references in a resolved value (a ref, or tokens inside text)."""
    if isinstance(value, ResourceRef):
        return [value]
    if isinstance(value, str):
        return [ResourceRef(m.group(1), m.group(2)) for m in TOKEN.finditer(value)]
    if isinstance(value, list):
        return [r for v in value for r in referenced(v)]
    if isinstance(value, dict):
        return [r for v in value.values() for r in referenced(v)]
    return []


def parameter_values(template: dict, given: dict[str, str]) -> dict[str, Any]:
    """Parameter values as CloudFormation would pass them: ``given`` (``--parameter``) over
    ``Default``, typed (Number, CommaDelimitedList, List<Number>). A parameter with neither
    holds an :class:`Unresolvable` that is raised where it is used; an SSM-typed parameter
    (resolved from Parameter Store at deploy time) needs ``--parameter``."""
    declared = template.get("Parameters") or {}
    out: dict[str, Any] = {}
    for name, spec in declared.items():
        spec = spec if isinstance(spec, dict) else {}
        ptype = str(spec.get("Type", "String"))
        if name in given:
            raw = given[name]
            allowed = spec.get("AllowedValues")
            if allowed and str(raw) not in [str(a) for a in allowed]:
                raise Unresolvable(f"--parameter {name}={raw}: must be one of "
                                   f"{', '.join(map(str, allowed))} (AllowedValues)")
        elif ptype.startswith("AWS::SSM::Parameter::Value"):
            out[name] = Unresolvable(
                f"!Ref {name}: an SSM parameter ({spec.get('Default')}) is read from Parameter "
                f"Store at deploy time; give --parameter {name}=VALUE")
            continue
        elif "Default" in spec:
            raw = spec["Default"]
        else:
            out[name] = Unresolvable(f"!Ref {name}: parameter {name} has no Default; give "
                                     f"--parameter {name}=VALUE")
            continue
        out[name] = _typed(name, ptype, raw)
    return out


def _typed(name: str, ptype: str, raw: Any) -> Any:
    if ptype == "Number":
        return _number(name, raw)
    if ptype in ("CommaDelimitedList", "List<Number>") or ptype.startswith("List<"):
        items = raw if isinstance(raw, list) else str(raw).split(",")
        items = [str(i).strip() for i in items]
        return [_number(name, i) for i in items] if ptype == "List<Number>" else items
    return raw if not isinstance(raw, str) else str(raw)


def _number(name: str, raw: Any) -> int | float:
    try:
        f = float(raw)
    except (TypeError, ValueError):
        raise Unresolvable(f"parameter {name} = {raw!r}: must be a number (Type: Number)") from None
    return int(f) if f.is_integer() else f
