"""Permissions as AWS applies them: the function's resource-based policy for push sources and
other accounts, the execution role for pull sources (LDG: lambda-permissions,
access-control-resource-based, lambda-intro-execution-role).

Where each mapping lives decides who must be allowed to do what:

- **Push** (S3, SNS, EventBridge): the mapping lives in the source (the bucket's notification
  configuration, the subscription, the rule), and the *function's resource-based policy* must
  let that service invoke the function: a statement with the service principal
  (``s3.amazonaws.com``, ``sns.amazonaws.com``, ``events.amazonaws.com``) or ``*``, whose
  ``SourceArn`` (the bucket, topic or rule; ArnLike: ``*`` and ``?`` match) and
  ``SourceAccount`` conditions, when present, match the source (LDG: permissions-function-
  services; "If you grant permission to a service principal without specifying the source,
  other accounts could potentially configure resources in their account to invoke your
  function"). EventBridge Scheduler invokes with its own execution role, not the function
  policy: a source whose ``arn`` is a Scheduler ARN is not checked.
- **Pull** (Kinesis, DynamoDB Streams, SQS): the mapping lives in Lambda
  (CreateEventSourceMapping) and the *execution role* must let Lambda read the stream or queue;
  Lambda needs no permission to invoke. The role's AWS managed policies expand to their
  documented actions (:data:`MANAGED_POLICIES`, from the AWS Managed Policy Reference).
- **Custom applications** call Invoke directly. In the function's own account the caller's
  identity policy suffices (not modelled: assumed to allow ``lambda:InvokeFunction``); from
  another account (``caller_account``) the function's policy needs a statement for that
  account (principal the account ID, ``arn:aws:iam::ID:root`` or ``*``; a statement with a
  SourceArn or SourceAccount condition does not match a direct call, which carries neither
  key) (LDG: permissions-function-cross-account).

What AWS does when a permission is missing, and what lambdasim does (:func:`check_permissions`
for the configuration, ``lambdasim.sim.permissions`` at run time):

- S3: the bucket notification configuration is refused ("Unable to validate the following
  destination configurations", AWS Knowledge Center: unable-validate-circular-dependency-
  cloudformation): a validation error.
- Kinesis, DynamoDB, SQS: CreateEventSourceMapping fails ("The provided execution role does
  not have permissions to call ReceiveMessage on SQS"): a validation error naming the first
  missing action of :data:`READ_ACTIONS`.
- SNS, EventBridge: the subscription or rule exists and every delivery fails; the run shows it.
- Another account's application: AccessDeniedException (HTTP 403) on every call; the run
  shows it.

A function that declares neither ``resource_policy`` nor ``execution_role`` is permitted
everything (as SAM generates for its ``Events``); one that declares either has both modelled,
the undeclared one empty (every function has a role and a policy in AWS).
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import AfterValidator, AliasChoices, BeforeValidator, Field

from .base import Spec

REGION = "us-east-1"
"""The region of derived ARNs (lambdasim's prices are us-east-1's)."""
DEFAULT_ACCOUNT = "123456789012"
SERVICE_PRINCIPAL = {"s3": "s3.amazonaws.com", "sns": "sns.amazonaws.com",
                     "eventbridge": "events.amazonaws.com"}
"""The service principal that invokes the function, per push kind."""

_LOGS = ("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents")
MANAGED_POLICIES: dict[str, tuple[str, ...]] = {
    "AWSLambdaBasicExecutionRole": _LOGS,
    "AWSLambdaKinesisExecutionRole": (
        "kinesis:DescribeStream", "kinesis:DescribeStreamSummary", "kinesis:GetRecords",
        "kinesis:GetShardIterator", "kinesis:ListShards", "kinesis:ListStreams",
        "kinesis:SubscribeToShard", *_LOGS),
    "AWSLambdaDynamoDBExecutionRole": (
        "dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator",
        "dynamodb:ListStreams", *_LOGS),
    "AWSLambdaSQSQueueExecutionRole": (
        "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", *_LOGS),
    "AWSLambdaVPCAccessExecutionRole": (
        "ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets",
        "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses",
        "ec2:UnassignPrivateIpAddresses", *_LOGS),
    "AWSXrayWriteOnlyAccess": ("xray:PutTraceSegments", "xray:PutTelemetryRecords",
                               "xray:GetSamplingRules", "xray:GetSamplingTargets",
                               "xray:GetSamplingStatisticSummaries"),
    "AdministratorAccess": ("*",),
    "AmazonSQSFullAccess": ("sqs:*",),
    "AmazonKinesisFullAccess": ("kinesis:*",),
    "AmazonDynamoDBFullAccess": ("dynamodb:*",),
}
"""AWS managed policies and the actions they allow (AWS Managed Policy Reference: the JSON
policy document of each; the Lambda ones are listed in LDG permissions-managed-policies)."""

READ_ACTIONS: dict[str, tuple[str, ...]] = {
    "sqs": ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"),
    "kinesis": ("kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:DescribeStream",
                "kinesis:DescribeStreamSummary"),
    "dynamodb": ("dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:DescribeStream",
                 "dynamodb:ListStreams"),
}
"""What the execution role must allow for a mapping to be created, checked in this order
(LDG with-sqs, with-kinesis, with-ddb). AWS does not publish which actions
CreateEventSourceMapping validates; these are the read actions that both AWS's managed policy
and SAM's policy template for the source grant (SQSPollerPolicy, KinesisStreamReadPolicy,
DynamoDBStreamReadPolicy)."""
FAN_OUT_ACTION = "kinesis:SubscribeToShard"
"""An enhanced fan-out consumer is read with SubscribeToShard (LDG with-kinesis)."""
_SERVICE_NAME = {"sqs": "SQS", "kinesis": "Kinesis", "dynamodb": "DynamoDB"}


def _account_text(v: Any) -> Any:
    """YAML reads 123456789012 as a number: an account ID is text of 12 digits."""
    if isinstance(v, int) and not isinstance(v, bool):
        return f"{v:012d}"
    return v


def _account_ok(v: str | None) -> str | None:
    if v is not None and not re.fullmatch(r"\d{12}", v):
        raise ValueError("must be a 12-digit AWS account ID")
    return v


AccountId = Annotated[str, BeforeValidator(_account_text), AfterValidator(_account_ok)]
"""A 12-digit AWS account ID (a YAML number is accepted)."""


def _principal(v: Any) -> Any:
    """``{Service: ..}`` / ``{AWS: ..}`` (a pasted policy) and ``arn:aws:iam::ID:root`` to
    the plain form."""
    if isinstance(v, dict) and len(v) == 1:
        v = next(iter(v.values()))
    if isinstance(v, list) and len(v) == 1:
        v = v[0]
    v = _account_text(v)
    if isinstance(v, str):
        m = re.fullmatch(r"arn:aws[\w-]*:iam::(\d{12}):root", v)
        if m:
            return m.group(1)
    return v


def _principal_ok(v: str) -> str:
    if v == "*" or re.fullmatch(r"\d{12}", v) or re.fullmatch(r"[a-z0-9.-]+\.amazonaws\.com", v):
        return v
    raise ValueError("must be a service principal (s3.amazonaws.com, sns.amazonaws.com, "
                     "events.amazonaws.com, ...), a 12-digit account ID or *")


class Statement(Spec):
    """One statement of a function's resource-based policy allowing lambda:InvokeFunction
    (``aws lambda add-permission``: Principal, SourceArn, SourceAccount)."""

    principal: Annotated[str, BeforeValidator(_principal), AfterValidator(_principal_ok)] = Field(
        validation_alias=AliasChoices("principal", "Principal"))
    source_arn: str | None = Field(None, validation_alias=AliasChoices("source_arn",
                                                                       "SourceArn"))
    source_account: AccountId | None = Field(None, validation_alias=AliasChoices(
        "source_account", "SourceAccount"))

    def admits(self, principal: str, arn: str | None, account: str | None) -> bool:
        """Whether this statement lets ``principal`` (a service principal or an account ID)
        invoke, for a request from resource ``arn`` in ``account`` (None: the request carries
        no such key, as a direct call does)."""
        if self.principal not in ("*", principal):
            return False
        if self.source_arn is not None and (
                arn is None or not fnmatch.fnmatchcase(arn, self.source_arn)):
            return False
        return self.source_account is None or self.source_account == account


def _policy_name(v: Any) -> Any:
    """``arn:aws:iam::aws:policy/service-role/NAME`` (ManagedPolicyArns) to ``NAME``."""
    return v.rsplit("/", 1)[-1] if isinstance(v, str) and v.startswith("arn:") else v


def _policy_known(v: str) -> str:
    if v not in MANAGED_POLICIES:
        raise ValueError(f"unknown AWS managed policy (lambdasim knows "
                         f"{', '.join(MANAGED_POLICIES)}; list its actions under actions)")
    return v


def _action_ok(v: str) -> str:
    if v != "*" and not re.fullmatch(r"[A-Za-z0-9-]+:[A-Za-z0-9*?]+", v):
        raise ValueError("must be an IAM action such as sqs:ReceiveMessage, sqs:* or *")
    return v


class ExecutionRole(Spec):
    """The function's execution role: AWS managed policies (by name or ARN) and the actions
    of its other policies (wildcards allowed: ``sqs:*``, ``kinesis:Get*``, ``*``)."""

    managed_policies: tuple[Annotated[str, BeforeValidator(_policy_name),
                                      AfterValidator(_policy_known)], ...] = Field(
        (), validation_alias=AliasChoices("managed_policies", "ManagedPolicyArns"))
    actions: tuple[Annotated[str, AfterValidator(_action_ok)], ...] = ()

    @property
    def allowed(self) -> tuple[str, ...]:
        """Every action pattern the role allows, managed policies expanded."""
        out = list(self.actions)
        for name in self.managed_policies:
            out.extend(MANAGED_POLICIES[name])
        return tuple(out)

    def allows(self, action: str) -> bool:
        """IAM action names are case-insensitive; ``*`` and ``?`` are wildcards."""
        low = action.lower()
        return any(fnmatch.fnmatchcase(low, p.lower()) for p in self.allowed)


def expand_permission_missing(data: Any) -> Any:
    """``permission_missing: true`` on a function (input only): shorthand for an empty
    resource-based policy and an execution role that allows nothing, i.e. every permission
    taken away (the explorer's toggle); ``false`` changes nothing."""
    if isinstance(data, dict) and "permission_missing" in data:
        data = dict(data)
        if data.pop("permission_missing"):
            data.update(resource_policy=[], execution_role={})
    return data


# -- the checks ---------------------------------------------------------------------------
def modelled(function) -> bool:
    """Whether a function's permissions are modelled (it declares a policy or a role)."""
    return function.resource_policy is not None or function.execution_role is not None


def source_account(source, account_id: str) -> str:
    """The account a source belongs to: ``caller_account``, else the function's account."""
    return getattr(source, "caller_account", None) or account_id


def source_arn(source, account_id: str) -> str | None:
    """The ARN of a push source: its ``arn``, else derived from its name (S3
    ``arn:aws:s3:::NAME``, SNS ``arn:aws:sns:us-east-1:ACCOUNT:NAME``, EventBridge
    ``arn:aws:events:us-east-1:ACCOUNT:rule/NAME``); None for a custom application."""
    arn = getattr(source, "arn", None)
    if arn:
        return arn
    acct = source_account(source, account_id)
    return {"s3": f"arn:aws:s3:::{source.name}",
            "sns": f"arn:aws:sns:{REGION}:{acct}:{source.name}",
            "eventbridge": f"arn:aws:events:{REGION}:{acct}:rule/{source.name}"}.get(source.kind)


def admitted(policy, principal: str, arn: str | None, account: str | None) -> bool:
    """Whether any statement of ``policy`` admits the request."""
    return any(st.admits(principal, arn, account) for st in policy or ())


def missing_read(role: ExecutionRole | None, kind: str, fan_out: bool = False) -> str | None:
    """The first action a ``kind`` mapping needs that ``role`` does not allow (None: none)."""
    role = role or ExecutionRole()
    need = READ_ACTIONS[kind] + ((FAN_OUT_ACTION,) if kind == "kinesis" and fan_out else ())
    return next((a for a in need if not role.allows(a)), None)


def refused_mapping_text(kind: str, action: str) -> str:
    """CreateEventSourceMapping's error for a role that cannot read."""
    return (f"The provided execution role does not have permissions to call "
            f"{action.split(':', 1)[1]} on {_SERVICE_NAME[kind]}")


@dataclass(frozen=True)
class Access:
    """A source whose Invoke calls the function's resource-based policy refuses: the
    principal that asked and why, in one line (see :func:`refused`)."""

    principal: str
    why: str


def _verdict(src, i: int, fn, j: int, account_id: str) -> tuple[str | None, Access | None]:
    """(validation error, run-time refusal) for source ``i`` invoking function ``j``."""
    where = f"sources[{i}].function = {fn.name!r}"
    if src.kind in READ_ACTIONS:
        action = missing_read(fn.execution_role, src.kind,
                              bool(getattr(src, "enhanced_fan_out", False)))
        if action is None:
            return None, None
        return (f"{where}: the {src.kind} mapping {src.name!r} cannot be created: "
                f"functions[{j}].execution_role does not allow {action} "
                f"(CreateEventSourceMapping fails: \"{refused_mapping_text(src.kind, action)}\")"
                ), None
    account = source_account(src, account_id)
    if src.kind in SERVICE_PRINCIPAL:
        principal, arn = SERVICE_PRINCIPAL[src.kind], source_arn(src, account_id)
        if arn.startswith("arn:aws:scheduler:") or admitted(fn.resource_policy, principal,
                                                             arn, account):
            return None, None
        why = (f"functions[{j}].resource_policy has no statement for principal {principal} "
               f"matching SourceArn {arn} and SourceAccount {account}")
        if src.kind == "s3":
            return (f"{where}: S3 cannot invoke it for {src.name!r}: {why} (S3 refuses the "
                    "bucket notification configuration: \"Unable to validate the following "
                    "destination configurations\")"), None
        then = ("retried by the service's policy, then given up" if getattr(
            src, "retry_access_denied", False) else "not retried")
        return None, Access(principal, f"{where}: {src.kind} {src.name!r} cannot invoke it: "
                                       f"{why}; every delivery fails ({then})")
    if account == account_id or admitted(fn.resource_policy, account, None, None):
        return None, None
    return None, Access(account, f"{where}: {src.kind} {src.name!r} calls from account "
                                 f"{account}, for which functions[{j}].resource_policy has no "
                                 "statement: every call gets AccessDeniedException (403)")


def verdicts(scenario) -> tuple[list[str], dict[int, Access]]:
    """Validation errors (one line each) and run-time refusals (by source index) of a
    scenario; functions whose permissions are not modelled are permitted everything."""
    errors, refused = [], {}
    index = {f.name: j for j, f in enumerate(scenario.functions)}
    for i, src in enumerate(scenario.sources):
        j = index[src.function]
        fn = scenario.functions[j]
        if not modelled(fn):
            continue
        error, access = _verdict(src, i, fn, j, scenario.account.id)
        if error:
            errors.append(error)
        if access:
            refused[i] = access
    return errors, refused


def check_permissions(scenario) -> None:
    """Raise one line per source AWS would refuse to configure (S3 notifications, event
    source mappings). The run-time refusals (SNS, EventBridge, other accounts) are not part
    of the data: the engine asks :func:`refused` for them."""
    errors, _ = verdicts(scenario)
    if errors:
        raise ValueError("\n".join(errors))


def refused(scenario) -> dict[int, Access]:
    """Sources (by index) whose Invoke calls the function's policy refuses at run time."""
    return verdicts(scenario)[1]


def permission_warnings(scenario) -> list[str]:
    """One line per source whose calls will be refused at run time."""
    return [a.why for a in refused(scenario).values()]
