"""Who may do what, read from the template: each function's resource-based policy (its
``AWS::Lambda::Permission`` resources) and execution role (its ``AWS::IAM::Role``: managed
policies, inline ``Policies``, and ``AWS::IAM::Policy`` / ``AWS::IAM::ManagedPolicy`` resources
attached to it), then one line per source AWS would refuse (see ``spec.permissions``).

SAM is read as deployed: aws-sam-translator has already turned a function's ``Policies``
(AWS managed policy names, policy templates such as ``SQSPollerPolicy``,
``KinesisStreamReadPolicy``, ``DynamoDBStreamReadPolicy``, inline statements) into its
generated role, and its ``Events`` into the permissions and managed policies they need (an S3,
SNS or EventBridge event gets an ``AWS::Lambda::Permission``; an SQS, Kinesis or DynamoDB event
adds AWSLambdaSQSQueueExecutionRole, AWSLambdaKinesisExecutionRole or
AWSLambdaDynamoDBExecutionRole to the role), so all of it counts as granted. A statement's
``Resource`` is not checked (an action allowed on any resource counts), nor are deny
statements, ``NotAction`` or permission boundaries.

- A function whose role declares no policy and which no ``AWS::Lambda::Permission`` names is
  taken as not modelled (permitted everything), with an ``assumed:`` line: a template
  without IAM (a sketch, a test) still imports.
- A role outside the template (an ARN) has unknown policies: taken as allowing everything,
  with an ``assumed:`` line.
- An S3 notification no permission admits, or a mapping whose role cannot read, would make
  the stack fail (S3: "Unable to validate the following destination configurations";
  CreateEventSourceMapping: "The provided execution role does not have permissions to call
  ..."): the import stops with one line per problem. An SNS subscription or EventBridge rule
  no permission admits deploys and silently fails: a ``permission:`` line, and the run shows
  every delivery refused.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from ..permissions import (
    MANAGED_POLICIES,
    READ_ACTIONS,
    REGION,
    SERVICE_PRINCIPAL,
    ExecutionRole,
    Statement,
    admitted,
    missing_read,
    refused_mapping_text,
)
from .context import Ctx, Draft, render
from .intrinsics import PSEUDO, Unresolvable
from .read import TemplateError

ACCOUNT = PSEUDO["AWS::AccountId"]
_ARN = {
    "AWS::S3::Bucket": ("BucketName", "arn:aws:s3:::{}"),
    "AWS::SNS::Topic": ("TopicName", f"arn:aws:sns:{REGION}:{ACCOUNT}:{{}}"),
    "AWS::Events::Rule": ("Name", f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{{}}"),
    "AWS::Scheduler::Schedule": ("Name", f"arn:aws:scheduler:{REGION}:{ACCOUNT}:schedule/"
                                         "default/{}"),
}
_INVOKE = ("lambda:InvokeFunction", "lambda:*", "*")


def arn_of(ctx: Ctx, rid: str | None) -> str | None:
    """The ARN of a bucket, topic, rule or schedule of the template (its explicit name, else
    its logical ID, in the template's account and us-east-1)."""
    if rid not in ctx.resources or ctx.rtype(rid) not in _ARN:
        return None
    prop, fmt = _ARN[ctx.rtype(rid)]
    try:
        name = ctx.resolver.value((ctx.resources[rid].get("Properties") or {}).get(prop))
    except Unresolvable:
        name = None
    return fmt.format(name if isinstance(name, str) and name else rid)


def _value(ctx: Ctx, node: Any) -> Any:
    try:
        return ctx.resolver.value(node)
    except Unresolvable:
        return None


# -- the resource-based policy ----------------------------------------------------------------
def _statements(ctx: Ctx, functions: dict[str, Draft]) -> dict[str, list[dict]]:
    """Function -> its invoke statements, from the AWS::Lambda::Permission resources."""
    out: dict[str, list[dict]] = {}
    for rid in ctx.of_type("AWS::Lambda::Permission"):
        raw = ctx.resources[rid].get("Properties") or {}
        fn, _ = ctx.function_of(_value(ctx, raw.get("FunctionName")))
        action = _value(ctx, raw.get("Action"))
        if fn not in functions or action not in _INVOKE or _value(
                ctx, raw.get("InvokedViaFunctionUrl")) in (True, "true"):
            continue  # another function, another action, or only through the function URL
        st: dict[str, Any] = {"principal": _value(ctx, raw.get("Principal"))}
        if raw.get("SourceArn") is not None:
            arn = _value(ctx, raw["SourceArn"])
            st["source_arn"] = arn_of(ctx, ctx.target(arn)) or ctx.resolver.text(arn)
        if raw.get("SourceAccount") is not None:
            st["source_account"] = ctx.resolver.text(_value(ctx, raw["SourceAccount"]))
        try:
            Statement.model_validate(st)
        except ValidationError:
            ctx.warn(f"ignored: {rid}.Principal = {render(st['principal'])} (lambdasim models "
                     "service principals, account IDs and *)")
            continue
        out.setdefault(fn, []).append(st)
    return out


# -- the execution role -----------------------------------------------------------------------
def _doc_actions(ctx: Ctx, doc: Any, where: str) -> list[str]:
    """The actions a policy document allows (Effect Allow, Action)."""
    doc = _value(ctx, doc)
    statements = doc.get("Statement", []) if isinstance(doc, dict) else []
    out = []
    for st in statements if isinstance(statements, list) else [statements]:
        if not isinstance(st, dict) or st.get("Effect") != "Allow":
            continue
        if "NotAction" in st:
            ctx.warn(f"ignored: {where} NotAction = {render(st['NotAction'])} (NotAction "
                     "is not modelled: the statement grants nothing here)")
        actions = st.get("Action", [])
        out += [str(a) for a in (actions if isinstance(actions, list) else [actions])]
    return out


def _attached(ctx: Ctx, role: str) -> list[str]:
    """AWS::IAM::Policy / ManagedPolicy resources of the template attached to ``role``."""
    out = []
    for rid in ctx.of_type("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
        roles = _value(ctx, (ctx.resources[rid].get("Properties") or {}).get("Roles")) or []
        if any(ctx.target(r) == role for r in (roles if isinstance(roles, list) else [roles])):
            out.append(rid)
    return out


def _role(ctx: Ctx, fid: str) -> tuple[str | None, dict | None]:
    """(role logical ID, {managed_policies, actions}) of a function's role in the template,
    (None, None) for a role outside it."""
    value = _value(ctx, (ctx.resources[fid].get("Properties") or {}).get("Role"))
    role = ctx.target(value) if value is not None else None
    if role is None or ctx.rtype(role) != "AWS::IAM::Role":
        return None, None
    props = ctx.resources[role].get("Properties") or {}
    managed, actions = [], []
    arns = _value(ctx, props.get("ManagedPolicyArns")) or []
    for i, arn in enumerate(arns if isinstance(arns, list) else [arns]):
        own = ctx.target(arn)
        if own and ctx.rtype(own) == "AWS::IAM::ManagedPolicy":
            continue  # read below with the policies attached to the role
        name = ctx.resolver.text(arn).rsplit("/", 1)[-1]
        if name in MANAGED_POLICIES:
            managed.append(name)
        else:
            ctx.warn(f"ignored: {role}.ManagedPolicyArns[{i}] = {name} (its actions are not "
                     "known to lambdasim: they count as none)")
    for i, pol in enumerate(_value(ctx, props.get("Policies")) or []):
        if isinstance(pol, dict):
            actions += _doc_actions(ctx, pol.get("PolicyDocument"), f"{role}.Policies[{i}]")
    own = {ctx.target(a) for a in (arns if isinstance(arns, list) else [arns])}
    for rid in _attached(ctx, role) + sorted(r for r in own if r and ctx.rtype(r) ==
                                             "AWS::IAM::ManagedPolicy"):
        actions += _doc_actions(ctx, (ctx.resources[rid].get("Properties") or {}).get(
            "PolicyDocument"), rid)
        ctx.row(rid, "merged", f"functions.{fid}", f"policy of {role}")
    known = [a for a in actions if a == "*" or ":" in a]
    return role, {"managed_policies": managed, "actions": sorted(set(known))}


# -- the import's part ------------------------------------------------------------------------
def read_access(ctx: Ctx, functions: dict[str, Draft], sources: list[Draft]) -> None:
    """Set each function's ``resource_policy`` and ``execution_role``, each push source's
    ``arn`` and each caller's ``caller_account``; stop with one line per source AWS would
    refuse to configure, and warn about the ones that deploy but cannot invoke."""
    statements = _statements(ctx, functions)
    for fid, d in functions.items():
        role, grants = _role(ctx, fid)
        declared = bool(grants and (grants["managed_policies"] or grants["actions"]))
        if not declared and fid not in statements:
            why = ("not modelled: its role declares no policy and no AWS::Lambda::Permission "
                   "names it")
            d.set("resource_policy", None, f"{fid}.Role", "assumed", why)
            d.set("execution_role", None, f"{fid}.Role", "assumed", why)
            ctx.warn(f"assumed: {fid}.Role = {role or 'a role outside the template'} (its role "
                     f"declares no policy and no AWS::Lambda::Permission names {fid}: "
                     "permissions are not checked)")
            continue
        d.set("resource_policy", statements.get(fid, []), f"{fid} AWS::Lambda::Permission",
              "derived", "the permissions naming the function")
        if role is None:
            d.set("execution_role", {"managed_policies": [], "actions": ["*"]}, f"{fid}.Role",
                  "assumed", "a role outside the template: its policies are not known")
            ctx.warn(f"assumed: {fid}.Role = a role outside the template (its policies are "
                     "not known: taken as allowing everything)")
        else:
            d.set("execution_role", grants, f"{role} (AWS::IAM::Role)", "derived",
                  "managed policies and the actions of its other policies")
            ctx.row(role, "merged", f"functions.{fid}.execution_role", "execution role")
    for d in sources:
        _source_fields(ctx, d)
    _report(ctx, functions, sources)


def _source_fields(ctx: Ctx, d: Draft) -> None:
    kind = d.fields.get("kind")
    if kind not in SERVICE_PRINCIPAL and kind not in ("sync", "async"):
        return
    d.set("caller_account", None, f"{d.name} (caller)", "assumed", "the template's account")
    if kind in SERVICE_PRINCIPAL:
        rid = d.rid
        if ctx.rtype(rid) == "AWS::SNS::Subscription":
            rid = ctx.target(_value(ctx, ctx.resources[rid]["Properties"].get("TopicArn")))
        arn = arn_of(ctx, rid)
        if arn:
            d.set("arn", arn, f"{rid} (its ARN)", "derived", "matched against SourceArn")
        d.set("retry_access_denied", False, f"{d.name} (service)", "aws",
              "a delivery refused for permissions is not retried")


def _report(ctx: Ctx, functions: dict[str, Draft], sources: list[Draft]) -> None:
    fatal = []
    for d in sources:
        fn = functions.get(d.fields.get("function"))
        kind = d.fields.get("kind")
        if fn is None or fn.fields.get("resource_policy") is None and fn.fields.get(
                "execution_role") is None:
            continue
        locus = d.origin.get("function", (d.name,))[0]
        rid, _, prop = locus.partition(".")
        at = f"{ctx.path}:{ctx.line(rid, prop.split('.')[0]) if rid in ctx.resources else '?'}"
        if kind in READ_ACTIONS:
            role = ExecutionRole.model_validate(fn.fields["execution_role"])
            action = missing_read(role, kind, bool(d.fields.get("enhanced_fan_out")))
            if action:
                fatal.append(f"{at}: {locus}: the {kind} mapping {d.name} cannot be created: "
                             f"the execution role of {fn.name} does not allow {action} "
                             f"(\"{refused_mapping_text(kind, action)}\")")
        elif kind in SERVICE_PRINCIPAL and not str(d.fields.get("arn", "")).startswith(
                "arn:aws:scheduler:"):
            principal, arn = SERVICE_PRINCIPAL[kind], d.fields.get("arn")
            policy = [Statement.model_validate(s) for s in fn.fields["resource_policy"]]
            if admitted(policy, principal, arn, ACCOUNT):
                continue
            why = (f"no AWS::Lambda::Permission of {fn.name} allows {principal}"
                   + (f" for {arn}" if arn else ""))
            if kind == "s3":
                fatal.append(f"{at}: {locus}: S3 cannot invoke {fn.name}: {why} (AWS refuses "
                             "the notification configuration: \"Unable to validate the "
                             "following destination configurations\")")
            else:
                ctx.warn(f"permission: {d.name} cannot invoke {fn.name}: {why} (the "
                         f"{'subscription' if kind == 'sns' else 'rule'} deploys; every "
                         "delivery is refused and not retried)")
    if fatal:
        raise TemplateError("\n".join(fatal))
