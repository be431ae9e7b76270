"""Reading a template: cfn-lint's decoder (YAML or JSON, short-form tags such as ``!Ref``,
line numbers) and, for a SAM template, aws-sam-translator's expansion into the CloudFormation
AWS would deploy (Globals, Events, AutoPublishAlias, ProvisionedConcurrencyConfig, policies).

Nothing is deployed and nothing goes to the network: local ``CodeUri`` folders, inline code or
no code at all are replaced by a placeholder S3 location before translating (as ``sam
package`` would upload them), managed policy names map to their ARN by name (no IAM lookup),
and the region is us-east-1 for the translator's boto3 session (no credentials are read).
"""

from __future__ import annotations

import contextlib
import copy
import json
import logging
import os
import re
from pathlib import Path
from typing import Any

from ..base import ScenarioError

SAM_TRANSFORM = "AWS::Serverless-2016-10-31"
EXTRA_HINT = ("reading CloudFormation/SAM templates needs the templates extra: "
              "pip install 'lambdasim[templates]' (cfn-lint and aws-sam-translator)")
PLACEHOLDER_S3 = "s3://lambdasim-placeholder/code.zip"
_TOP_KEY = re.compile(r"^(Resources|AWSTemplateFormatVersion|Transform)\s*:", re.M)


class TemplateError(ScenarioError):
    """A template that cannot be read or mapped: one line naming the resource and property."""


def is_template(path: str | Path) -> bool:
    """True if the file is a CloudFormation/SAM template (top-level ``Resources``,
    ``AWSTemplateFormatVersion`` or ``Transform``) rather than a lambdasim scenario."""
    try:
        text = Path(path).read_text()
    except (OSError, UnicodeDecodeError):
        return False
    stripped = text.lstrip()
    if stripped.startswith("{"):
        with contextlib.suppress(ValueError):
            data = json.loads(stripped)
            return isinstance(data, dict) and bool(
                {"Resources", "AWSTemplateFormatVersion", "Transform"} & set(data))
    return bool(_TOP_KEY.search(text))


def decode(path: str | Path) -> dict:
    """The template as cfn-lint decodes it (dict/list/str nodes that keep their line)."""
    path = Path(path)
    try:
        path.read_bytes()
    except OSError as exc:
        raise TemplateError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        from cfnlint.decode import decode as cfn_decode
    except ImportError:
        raise TemplateError(EXTRA_HINT) from None
    log = logging.getLogger("cfnlint")
    level = log.level
    log.setLevel(logging.CRITICAL)  # its decoder logs what it also returns
    try:
        template, matches = cfn_decode(str(path))
    finally:
        log.setLevel(level)
    if matches:
        m = matches[0]
        raise TemplateError(f"{path}:{m.linenumber}:{m.columnnumber}: {m.message}")
    if not isinstance(template, dict) or not isinstance(template.get("Resources"), dict):
        raise TemplateError(f"{path}: Resources: is required (a CloudFormation template "
                            "declares its resources under Resources)")
    for rid, res in template["Resources"].items():
        if str(rid).startswith("Fn::ForEach::"):
            continue  # AWS::LanguageExtensions loops: the importer skips them with a warning
        if not isinstance(res, dict) or not isinstance(res.get("Type"), str):
            raise TemplateError(f"{path}:{line_of(res, template['Resources'])}: {rid}.Type: "
                                "is required (every resource has a Type)")
        if not isinstance(res.get("Properties", {}), dict):
            raise TemplateError(f"{path}:{line_of(res)}: {rid}.Properties: must be a mapping")
    return template


def line_of(*nodes: Any) -> int | str:
    """The line of the first node that knows it (cfn-lint's nodes keep ``start_mark``)."""
    for node in nodes:
        mark = getattr(node, "start_mark", None)
        if mark is not None:
            return mark.line + 1
    return "?"


def transforms(template: dict) -> list[str]:
    t = template.get("Transform") or []
    return [str(x) for x in (t if isinstance(t, list) else [t]) if isinstance(x, str)]


def plain(node: Any) -> Any:
    """cfn-lint's nodes as plain dicts, lists and strings."""
    if isinstance(node, dict):
        return {str(k): plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v) for v in node]
    if isinstance(node, str):
        return str(node)
    return node


class _Policies:
    """aws-sam-translator's managed policy loader, with a static map and no IAM call: an AWS
    managed policy name maps to ``arn:aws:iam::aws:policy/<name>`` (roles are not modelled)."""

    class _Map(dict):
        def get(self, name, default=None):
            return f"arn:aws:iam::aws:policy/{name}"

        def __contains__(self, name):
            return True

        def __getitem__(self, name):
            return self.get(name)

    def load(self) -> dict[str, str]:
        return self._Map()


@contextlib.contextmanager
def _region(name: str = "us-east-1"):
    """aws-sam-translator asks its boto3 session for a region (for ARNs); give it one without
    reading any AWS configuration, for the duration of the translation only."""
    old = os.environ.get("AWS_DEFAULT_REGION")
    os.environ["AWS_DEFAULT_REGION"] = name
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("AWS_DEFAULT_REGION", None)
        else:
            os.environ["AWS_DEFAULT_REGION"] = old


def _placeholder_code(template: dict) -> None:
    """Local CodeUri folders, inline or missing code: a placeholder S3 location, as ``sam
    package`` would substitute after uploading (the code itself is never read)."""
    uris = {"AWS::Serverless::Function": "CodeUri", "AWS::Serverless::LayerVersion": "ContentUri",
            "AWS::Serverless::Api": "DefinitionUri", "AWS::Serverless::HttpApi": "DefinitionUri",
            "AWS::Serverless::StateMachine": "DefinitionUri",
            "AWS::Serverless::Application": "Location"}
    glob = ((template.get("Globals") or {}).get("Function") or {})
    for res in template["Resources"].values():
        key = uris.get(res.get("Type"))
        if key is None:
            continue
        props = res.setdefault("Properties", {})
        if res["Type"] == "AWS::Serverless::Function":
            if props.get("PackageType") == "Image" or "ImageUri" in props:
                props.setdefault("ImageUri", "123456789012.dkr.ecr.us-east-1.amazonaws.com/x:1")
                continue
            if "InlineCode" in props or "InlineCode" in glob:
                continue
        elif key == "DefinitionUri" and ("DefinitionBody" in props or "Definition" in props):
            continue
        value = props.get(key, glob.get(key) if key == "CodeUri" else None)
        if not (isinstance(value, str) and value.startswith("s3://")) and not (
                isinstance(value, dict) and "Bucket" in value):
            props[key] = PLACEHOLDER_S3 if key != "Location" else {
                "ApplicationId": "arn:aws:serverlessrepo:us-east-1:123456789012:applications/x",
                "SemanticVersion": "1.0.0"}
    if "CodeUri" in glob:
        glob["CodeUri"] = PLACEHOLDER_S3


def expand_sam(template: dict, parameters: dict[str, Any], path: Path) -> dict:
    """The CloudFormation a SAM template deploys (aws-sam-translator); a template without the
    SAM transform is returned as plain data."""
    cfn = plain(template)
    if SAM_TRANSFORM not in transforms(template):
        return cfn
    try:
        from samtranslator.model.exceptions import InvalidDocumentException
        from samtranslator.translator.transform import transform
    except ImportError:
        raise TemplateError(EXTRA_HINT) from None
    _placeholder_code(cfn)
    values = {k: v for k, v in parameters.items() if not isinstance(v, Exception)}
    log = logging.getLogger("samtranslator")
    level = log.level
    log.setLevel(logging.CRITICAL)
    try:
        with _region():
            return transform(copy.deepcopy(cfn), values, _Policies())
    except InvalidDocumentException as exc:
        causes = getattr(exc, "causes", None) or [exc]
        msg = getattr(causes[0], "message", str(causes[0]))
        rid = getattr(causes[0], "_logical_id", None)
        node = template["Resources"].get(rid) if rid else None
        if rid and node is None:  # an event's resource: name it Function.Event
            owner, event = origin_of(template, rid)
            if owner:
                props = template["Resources"][owner].get("Properties") or {}
                node = (props.get("Events") or {}).get(event) or template["Resources"][owner]
                rid = f"{owner}.{event}" if event else owner
        msg = re.sub(r"^Resource with id \[[^\]]*\] is invalid\. ", "", msg)
        where = f"{rid}: " if rid else ""
        raise TemplateError(f"{path}:{line_of(node)}: {where}{msg} (SAM)") from None
    except Exception as exc:  # the translator's own bugs and limits, still one line
        raise TemplateError(f"{path}: SAM transform failed: {type(exc).__name__}: "
                            f"{str(exc).splitlines()[0] if str(exc) else ''}") from None
    finally:
        log.setLevel(level)


def origin_of(template: dict, gid: str) -> tuple[str | None, str | None]:
    """(SAM resource, event name) a generated logical ID comes from: SAM names what it
    generates ``<Function><Event>...`` (e.g. the SQS event ``OrdersQueueEvent`` of
    ``OrdersFunction`` becomes the mapping ``OrdersFunctionOrdersQueueEvent``)."""
    sam = [rid for rid, res in template["Resources"].items()
           if str(res.get("Type", "")).startswith("AWS::Serverless::")]
    owner = max((s for s in sam if gid.startswith(s) and gid != s), key=len, default=None)
    if owner is None:
        return None, None
    events = (template["Resources"][owner].get("Properties") or {}).get("Events") or {}
    rest = gid[len(owner):]
    return owner, max((str(e) for e in events if rest.startswith(str(e))), key=len, default=None)


def sam_origins(template: dict, cfn: dict) -> dict[str, tuple[str | None, str | None]]:
    """For each resource SAM generated: (the SAM resource it came from, the event name), or
    (None, None) for shared ones (``ServerlessRestApi``)."""
    original = template["Resources"]
    out: dict[str, tuple[str | None, str | None]] = {}
    for gid in cfn.get("Resources", {}):
        if gid in original:
            continue
        out[gid] = origin_of(template, gid)
    return out
