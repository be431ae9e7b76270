"""Permissions as AWS applies them (issue 15): the function's resource-based policy for push
sources and other accounts, the execution role for pull sources; refused configurations,
refused deliveries, 403s; the template import; and that a function declaring no permission
runs exactly as before."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest
import yaml
from conftest import needs_templates

import lambdasim as ls
from lambdasim.results.metrics import METRICS
from lambdasim.sim.permissions import (
    EVENTBRIDGE_DEFAULT,
    SNS_AWS_MANAGED,
    RetryPolicy,
    attempts_per_bin,
)
from lambdasim.spec.permissions import ExecutionRole, Statement

OTHER = "111122223333"
WL = {"pattern": "poisson", "rate_per_s": 2.0}


def scenario(sources, duration_s=300.0, **fn) -> dict:
    return {"duration_s": duration_s,
            "functions": [{"name": "fn", "duration": {"dist": "constant", "value_s": 0.1},
                           "cold_start": None, **fn}],
            "sources": [{"function": "fn", "workload": WL, **s} for s in sources]}


def src(name, kind, **kw) -> dict:
    return {"name": name, "kind": kind, **kw}


def refused(data) -> str:
    with pytest.raises(ls.ScenarioError) as exc:
        ls.Scenario.from_dict(data)
    return str(exc.value)


EVERY_KIND = [src("up", "s3"), src("topic", "sns"), src("rule", "eventbridge"),
              src("app", "sync"), src("job", "async"),
              src("clicks", "kinesis", shards=1, starting_position="TRIM_HORIZON"),
              src("table", "dynamodb", shards=1, starting_position="TRIM_HORIZON"),
              src("orders", "sqs")]
GRANT_ALL = {"resource_policy": [{"principal": "*"}],
             "execution_role": {"managed_policies": ["AWSLambdaKinesisExecutionRole",
                                                     "AWSLambdaDynamoDBExecutionRole",
                                                     "AWSLambdaSQSQueueExecutionRole"]}}


# -- nothing declared, or everything granted: the run of today ---------------------------------
def test_a_function_declaring_no_permission_runs_as_one_granted_everything():
    plain = ls.simulate(ls.Scenario.from_dict(scenario(EVERY_KIND)), seed=3)
    granted = ls.simulate(ls.Scenario.from_dict(scenario(EVERY_KIND, **GRANT_ALL)), seed=3)
    assert plain.summary.equals(granted.summary)
    assert plain.events.equals(granted.events)
    assert plain.metrics(60).equals(granted.metrics(60))
    assert (plain.events.reason != "permission").all()
    assert set(plain.metrics(60).metric) <= set(METRICS)
    sc = ls.Scenario.from_dict(scenario(EVERY_KIND))
    assert sc.functions[0].resource_policy is None and sc.functions[0].execution_role is None
    assert sc.account.id == "123456789012" and not [w for w in sc.warnings() if "polic" in w]


# -- push: S3 refused, SourceArn and SourceAccount honoured ------------------------------------
def test_s3_without_a_statement_is_a_refused_configuration():
    msg = refused(scenario([src("up", "s3")], resource_policy=[{"principal":
                                                                "sns.amazonaws.com"}]))
    assert msg == (
        "sources[0].function = 'fn': S3 cannot invoke it for 'up': functions[0].resource_policy "
        "has no statement for principal s3.amazonaws.com matching SourceArn arn:aws:s3:::up and "
        "SourceAccount 123456789012 (S3 refuses the bucket notification configuration: "
        "\"Unable to validate the following destination configurations\")")


@pytest.mark.parametrize("statement, source, ok", [
    ({"Principal": "s3.amazonaws.com"}, {}, True),
    ({"Principal": "*"}, {}, True),
    ({"Principal": {"Service": "s3.amazonaws.com"}, "SourceArn": "arn:aws:s3:::up"}, {}, True),
    ({"principal": "s3.amazonaws.com", "source_arn": "arn:aws:s3:::other"}, {}, False),
    ({"principal": "s3.amazonaws.com", "source_arn": "arn:aws:s3:::u?"}, {}, True),
    ({"principal": "s3.amazonaws.com", "source_arn": "arn:aws:s3:::uploads-*"},
     {"arn": "arn:aws:s3:::uploads-eu"}, True),
    ({"principal": "s3.amazonaws.com", "source_account": 123456789012}, {}, True),
    ({"principal": "s3.amazonaws.com", "source_account": OTHER}, {}, False),
    ({"principal": "s3.amazonaws.com", "SourceAccount": OTHER}, {"caller_account": OTHER}, True),
    ({"principal": "sns.amazonaws.com"}, {}, False),
    ({"principal": "123456789012"}, {}, False),   # the account is not the S3 service
])
def test_source_arn_and_source_account_conditions(statement, source, ok):
    data = scenario([src("up", "s3", **source)], resource_policy=[statement])
    if ok:
        assert ls.Scenario.from_dict(data).sources[0].kind == "s3"
    else:
        assert "S3 cannot invoke it for 'up'" in refused(data)


def test_statement_forms_and_errors():
    st = Statement.model_validate({"Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"}})
    assert st.principal == OTHER and st.admits(OTHER, None, None)
    assert Statement(principal=111122223333).principal == OTHER       # a YAML number
    assert not Statement(principal=OTHER, source_account=OTHER).admits(OTHER, None, None)
    msg = refused(scenario([src("up", "s3")], resource_policy=[{"principal": "root"}]))
    assert "functions[0].resource_policy[0].principal = 'root': must be a service principal" \
        in msg
    assert "account.id = '12': must be a 12-digit AWS account ID" in refused(
        {**scenario([src("up", "s3")]), "account": {"id": "12"}})


# -- pull: the execution role must read -----------------------------------------------------------
@pytest.mark.parametrize("kind, extra, role, missing", [
    ("sqs", {}, {}, "sqs:ReceiveMessage"),
    ("sqs", {}, {"actions": ["sqs:Receive*"]}, "sqs:DeleteMessage"),
    ("sqs", {}, {"managed_policies": ["AWSLambdaBasicExecutionRole"]}, "sqs:ReceiveMessage"),
    ("sqs", {}, {"managed_policies": ["AWSLambdaSQSQueueExecutionRole"]}, None),
    ("sqs", {}, {"actions": ["sqs:*"]}, None),
    ("sqs", {}, {"actions": ["*"]}, None),
    ("kinesis", {}, {"managed_policies": ["AWSLambdaDynamoDBExecutionRole"]},
     "kinesis:GetRecords"),
    ("kinesis", {}, {"managed_policies": [
        "arn:aws:iam::aws:policy/service-role/AWSLambdaKinesisExecutionRole"]}, None),
    ("kinesis", {"enhanced_fan_out": True},   # SAM's KinesisStreamReadPolicy: no SubscribeToShard
     {"actions": ["kinesis:DescribeStream", "kinesis:DescribeStreamSummary",
                  "kinesis:GetRecords", "kinesis:GetShardIterator"]}, "kinesis:SubscribeToShard"),
    ("dynamodb", {}, {"actions": ["dynamodb:GetRecords", "dynamodb:GetShardIterator"]},
     "dynamodb:DescribeStream"),
    ("dynamodb", {}, {"ManagedPolicyArns": ["AWSLambdaDynamoDBExecutionRole"]}, None),
])
def test_a_mapping_needs_the_read_actions(kind, extra, role, missing):
    stream = {} if kind == "sqs" else {"shards": 1, "starting_position": "TRIM_HORIZON"}
    data = scenario([src("in", kind, **stream, **extra)], execution_role=role)
    if missing is None:
        assert ls.Scenario.from_dict(data).functions[0].execution_role is not None
        return
    service = {"sqs": "SQS", "kinesis": "Kinesis", "dynamodb": "DynamoDB"}[kind]
    assert refused(data) == (
        f"sources[0].function = 'fn': the {kind} mapping 'in' cannot be created: "
        f"functions[0].execution_role does not allow {missing} (CreateEventSourceMapping "
        f"fails: \"The provided execution role does not have permissions to call "
        f"{missing.split(':')[1]} on {service}\")")


def test_declaring_the_policy_alone_models_an_empty_role_and_errors_are_one_line_each():
    msg = refused(scenario([src("up", "s3"), src("q", "sqs"), src("t", "sns")],
                           resource_policy=[{"principal": "sns.amazonaws.com"}]))
    lines = msg.splitlines()
    assert len(lines) == 2 and lines[0].startswith("sources[0].function = 'fn': S3 cannot")
    assert "functions[0].execution_role does not allow sqs:ReceiveMessage" in lines[1]
    assert "unknown AWS managed policy" in refused(scenario(
        [src("q", "sqs")], execution_role={"managed_policies": ["MyPolicy"]}))
    role = ExecutionRole(managed_policies=["AWSLambdaSQSQueueExecutionRole"], actions=["S3:Get*"])
    assert role.allows("SQS:receivemessage") and role.allows("s3:GetObject")
    assert not role.allows("s3:PutObject")


def test_the_command_line_exits_2_with_one_line_per_refusal(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(scenario([src("up", "s3"), src("q", "sqs")],
                                            execution_role={})))
    r = subprocess.run([sys.executable, "-m", "lambdasim", "validate", str(path)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2
    lines = r.stderr.splitlines()
    assert len(lines) == 2 and all(ln.startswith("lambdasim: error: sources[") for ln in lines)
    assert "S3 cannot invoke it" in lines[0] and "sqs:ReceiveMessage" in lines[1]


# -- SNS and EventBridge: the subscription exists, every delivery is refused ---------------------
@pytest.mark.parametrize("kind, metric", [("sns", "NumberOfNotificationsFailed"),
                                          ("eventbridge", "FailedInvocations")])
@pytest.mark.parametrize("destination", [None, "dlq"])
def test_refused_deliveries_are_not_retried_and_never_invoke(kind, metric, destination):
    sc = ls.Scenario.from_dict(scenario([src("s", kind, destination=destination)],
                                        resource_policy=[{"principal": "s3.amazonaws.com"}]))
    assert [w for w in sc.warnings() if f"{kind} 's' cannot invoke it" in w]
    r = ls.simulate(sc, seed=1)
    row = r.summary.iloc[0]
    outcome = "failed" if destination else "dropped"
    assert row.offered > 500 and row[outcome] == row.offered and row.invocations == 0
    ev = r.events
    assert (ev.reason == "permission").all() and (ev.attempts == 1).all()
    assert ev.enqueued_s.isna().all()                      # nothing reached Lambda's queue
    lag = ev.end_s - ev.arrival_s                          # the service's delivery delay
    assert (lag >= 0).all() and lag.median() < 1.0
    m = r.metrics(60)
    assert m[m.metric == metric].value.sum() == row.offered
    assert m[m.metric == "DeliveryAttempts"].value.sum() == row.offered
    assert not set(m.metric) & {"Invocations", "AsyncEventsReceived", "AsyncEventsDropped"} or (
        m[m.metric.isin(["Invocations", "AsyncEventsReceived"])].value.sum() == 0)
    assert set(m.metric) <= set(METRICS)


def test_the_retry_schedules_are_aws_s():
    sns = SNS_AWS_MANAGED
    assert sns.head[:7] == (0.0, 0.0, 0.0, 0.0, 1.0, 2.0, 3.0)   # first, 3 at once, 2 at 1 s
    gaps = np.diff(sns.head[5:])                            # 10 backoffs from 1 s to 20 s
    assert gaps[0] == 1.0 and gaps[-1] == pytest.approx(20.0) and len(gaps) == 10
    assert sns.attempts == 1 + 100_015                      # "100,015 times, over 23 days"
    assert 23 < sns.give_up / 86400 < 23.2
    eb = EVENTBRIDGE_DEFAULT
    assert eb.give_up == 86_400 and 1 + 150 < eb.attempts <= 1 + 185   # 24 h or 185 retries
    assert np.all(np.diff(eb.offsets(np.inf)) > 0)


def test_attempts_per_bin_is_the_brute_force_count():
    rng = np.random.default_rng(0)
    first = rng.integers(0, 3000, 400).astype(float)       # whole seconds: bins are exact
    for policy in (SNS_AWS_MANAGED, EVENTBRIDGE_DEFAULT,
                   RetryPolicy("test", (0.0, 1.0, 3.0), tail_step=7.0, tail_count=50,
                               max_age=200.0)):
        t, n = attempts_per_bin(first, policy, 4000.0)
        times = (first[:, None] + policy.offsets(4000.0)[None, :]).ravel()
        brute = np.bincount(times[times < 4000].astype(int), minlength=4000)
        assert np.array_equal(n.astype(int), brute) and t[1] == 1.0


def test_retried_refusals_pile_up_until_the_service_gives_up():
    slow = {"pattern": "constant", "rate_per_s": 0.01, "start_s": 0.0}
    data = scenario([src("rule", "eventbridge", retry_access_denied=True, workload=slow),
                     src("topic", "sns", retry_access_denied=True, workload=slow)],
                    duration_s=100_000.0, resource_policy=[])
    r = ls.simulate(ls.Scenario.from_dict(data), seed=0)
    s = r.summary.set_index("source")
    ev = r.events.set_index("source")
    rule = ev.loc["rule"]
    gone = rule[rule.outcome == "dropped"]
    assert len(gone) == (rule.end_s.isna() == False).sum() > 100   # noqa: E712
    assert np.allclose(gone.end_s - gone.arrival_s, 86_400, atol=2)   # after 24 h
    assert (gone.attempts == EVENTBRIDGE_DEFAULT.attempts).all()
    assert s.loc["rule", "in_flight"] == (rule.arrival_s > 100_000 - 86_401).sum() - (
        (rule.arrival_s > 100_000 - 86_401) & rule.end_s.notna()).sum()
    assert s.loc["topic", "in_flight"] == s.loc["topic", "offered"]   # SNS: 23 days
    m = r.metrics(3600).groupby(["source", "metric"]).value.sum()
    assert m["rule", "FailedInvocations"] == len(gone)
    assert m["topic", "DeliveryAttempts"] > 1000 * s.loc["topic", "offered"]
    assert s.invocations.sum() == 0


def test_retry_access_denied_is_for_sns_and_eventbridge_only():
    assert "retry_access_denied = true: applies to sns and eventbridge only" in refused(
        scenario([src("up", "s3", retry_access_denied=True)]))


# -- another account's application ------------------------------------------------------------
def test_another_account_without_a_statement_gets_403_not_retried():
    data = scenario([src("app", "sync", caller_account=OTHER, client_retry="standard"),
                     src("job", "async", caller_account=OTHER),
                     src("local", "sync", caller_account="123456789012")],
                    resource_policy=[{"principal": OTHER, "source_arn": "arn:aws:s3:::x"}])
    r = ls.simulate(ls.Scenario.from_dict(data), seed=2)
    s = r.summary.set_index("source")
    for name in ("app", "job"):
        assert s.loc[name, "rejected"] == s.loc[name, "offered"] > 0
        ev = r.events[r.events.source == name]
        assert (ev.reason == "permission").all() and (ev.attempts == 1).all()
        assert (ev.end_s == ev.arrival_s).all()                  # refused at the call
    assert s.loc["local", "succeeded"] == s.loc["local", "offered"]   # same account
    assert s.invocations.sum() == s.loc["local", "invocations"]


@pytest.mark.parametrize("principal", [OTHER, "*", f"arn:aws:iam::{OTHER}:root"])
def test_a_statement_for_the_account_admits_it_and_changes_nothing_else(principal):
    base = scenario([src("app", "sync", client_retry="standard")])
    other = scenario([src("app", "sync", client_retry="standard", caller_account=OTHER)],
                     resource_policy=[{"principal": principal}])
    a = ls.simulate(ls.Scenario.from_dict(base), seed=5)
    b = ls.simulate(ls.Scenario.from_dict(other), seed=5)
    assert a.summary.equals(b.summary) and a.events.equals(b.events)


def test_a_429_and_a_403_differ_by_reason():
    data = scenario([src("app", "sync", caller_account=OTHER),
                     src("busy", "sync", workload={"pattern": "constant", "rate_per_s": 50.0,
                                                   "start_s": 0.0})],
                    duration_s=30.0, reserved_concurrency=1, resource_policy=[])
    ev = ls.simulate(ls.Scenario.from_dict(data), seed=0).events
    assert set(ev[ev.source == "app"].reason) == {"permission"}
    assert "throttled" in set(ev[(ev.source == "busy") & (ev.outcome == "rejected")].reason)


# -- the shorthand the explorer uses ---------------------------------------------------------
def test_permission_missing_takes_every_permission_away():
    fn = ls.FunctionSpec(name="f", permission_missing=True)
    assert fn.resource_policy == () and fn.execution_role == ExecutionRole()
    assert ls.FunctionSpec(name="f", permission_missing=False).resource_policy is None
    from lambdasim import widgets

    values = {**widgets.default_values(), "push_permission_missing": True,
              "pull_permission_missing": True, "push_kind": "sns"}
    push, pull = widgets.build_scenarios(values)
    r = ls.simulate(ls.Scenario.from_dict(push), seed=0)
    assert r.summary.iloc[0].dropped == r.summary.iloc[0].offered
    assert "cannot be created" in refused(pull)
    assert widgets.KNOB_HELP["push_permission_missing"].startswith("Push: the function's")
    assert widgets.KNOB_HELP["pull_permission_missing"].startswith("Pull: the execution role")


# -- the template import (needs the templates extra) ------------------------------------------
HEAD = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Queue:
    Type: AWS::SQS::Queue
  Topic:
    Type: AWS::SNS::Topic
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      NotificationConfiguration:
        LambdaConfigurations:
          - {Event: 's3:ObjectCreated:*', Function: !GetAtt Plain.Arn}
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {Version: '2012-10-17', Statement: []}
      ManagedPolicyArns: [arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]
  Plain:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: x
      Handler: a.b
      Runtime: python3.12
      Role: !GetAtt Role.Arn
"""


def imported(tmp_path, text: str):
    path = tmp_path / "t.yaml"
    path.write_text(HEAD + textwrap.indent(textwrap.dedent(text), "  "))
    return ls.from_template(path)


@needs_templates
def test_template_stops_with_one_line_per_source_aws_would_refuse(tmp_path):
    with pytest.raises(ls.ScenarioError) as exc:
        imported(tmp_path, """\
          Mapping:
            Type: AWS::Lambda::EventSourceMapping
            Properties: {FunctionName: !Ref Plain, EventSourceArn: !GetAtt Queue.Arn}
        """)
    lines = str(exc.value).splitlines()
    assert len(lines) == 2
    assert "Bucket.NotificationConfiguration.LambdaConfigurations[0].Function: S3 cannot " \
           "invoke Plain: no AWS::Lambda::Permission of Plain allows s3.amazonaws.com for " \
           "arn:aws:s3:::Bucket" in lines[0] and lines[0].startswith(str(tmp_path))
    assert "Mapping.FunctionName: the sqs mapping Mapping cannot be created: the execution " \
           "role of Plain does not allow sqs:ReceiveMessage" in lines[1]


@needs_templates
def test_sam_events_policy_templates_and_permissions_count_as_granted(tmp_path):
    imp = imported(tmp_path, """\
          Permission:
            Type: AWS::Lambda::Permission
            Properties:
              {Action: 'lambda:InvokeFunction', FunctionName: !Ref Plain,
               Principal: s3.amazonaws.com, SourceArn: !GetAtt Bucket.Arn}
          Extra:
            Type: AWS::IAM::Policy
            Properties:
              PolicyName: read
              Roles: [!Ref Role]
              PolicyDocument:
                Statement: [{Effect: Allow, Action: 'sqs:*', Resource: '*'}]
          Mapping:
            Type: AWS::Lambda::EventSourceMapping
            Properties: {FunctionName: !Ref Plain, EventSourceArn: !GetAtt Queue.Arn}
          Poller:
            Type: AWS::Serverless::Function
            Properties:
              InlineCode: x
              Handler: a.b
              Runtime: python3.12
              Policies: [{SQSPollerPolicy: {QueueName: !GetAtt Queue.QueueName}}]
          PollerMapping:
            Type: AWS::Lambda::EventSourceMapping
            Properties: {FunctionName: !Ref Poller, EventSourceArn: !GetAtt Queue.Arn}
          Evented:
            Type: AWS::Serverless::Function
            Properties:
              InlineCode: x
              Handler: a.b
              Runtime: python3.12
              Events:
                Q: {Type: SQS, Properties: {Queue: !GetAtt Queue.Arn}}
                T: {Type: SNS, Properties: {Topic: !Ref Topic}}
        """)
    sc = imp.scenario
    plain = sc.function("Plain")
    assert plain.resource_policy[0].source_arn == "arn:aws:s3:::Bucket"
    assert plain.execution_role.allows("sqs:ReceiveMessage")
    assert sc.function("Poller").execution_role.allows("sqs:DeleteMessage")
    assert {s.principal for s in sc.function("Evented").resource_policy} == {"sns.amazonaws.com"}
    assert not [w for w in imp.warnings if w.startswith("permission:")]
    rows = imp.mapping.set_index("logical_id")
    assert rows.at["Role", "status"] == rows.at["Extra", "status"] == "merged"
    assert ls.Scenario.from_dict(yaml.safe_load(imp.to_yaml())) == sc


def test_an_sns_subscription_without_permission_deploys_and_drops(tmp_path):
    imp = imported(tmp_path, """\
          Permission:
            Type: AWS::Lambda::Permission
            Properties:
              {Action: 'lambda:InvokeFunction', FunctionName: !Ref Plain,
               Principal: s3.amazonaws.com, SourceAccount: !Ref AWS::AccountId}
          Sub:
            Type: AWS::SNS::Subscription
            Properties: {Protocol: lambda, Endpoint: !GetAtt Plain.Arn, TopicArn: !Ref Topic}
        """)
    assert ("permission: Sub cannot invoke Plain: no AWS::Lambda::Permission of Plain allows "
            "sns.amazonaws.com for arn:aws:sns:us-east-1:123456789012:Topic") in "\n".join(
        imp.warnings)
    r = ls.simulate(imp.scenario.model_copy(update={"duration_s": 60.0}), seed=0)
    s = r.summary.set_index("source")
    assert s.loc["Sub", "dropped"] == s.loc["Sub", "offered"] > 0
    assert s.loc["Bucket", "succeeded"] > 0


def test_templates_without_iam_and_roles_outside_are_assumed(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text(textwrap.dedent("""\
        Resources:
          Fn:
            Type: AWS::Lambda::Function
            Properties: {Handler: a.b, Runtime: python3.12, Code: {ZipFile: x},
                         Role: 'arn:aws:iam::123456789012:role/r'}
          Other:
            Type: AWS::Lambda::Function
            Properties: {Handler: a.b, Runtime: python3.12, Code: {ZipFile: x},
                         Role: 'arn:aws:iam::123456789012:role/r'}
          Permission:
            Type: AWS::Lambda::Permission
            Properties: {Action: 'lambda:InvokeFunction', FunctionName: !Ref Other,
                         Principal: '111122223333'}
        """))
    imp = ls.from_template(path)
    fn, other = imp.scenario.function("Fn"), imp.scenario.function("Other")
    assert fn.resource_policy is None and fn.execution_role is None
    assert other.resource_policy[0].principal == OTHER
    assert other.execution_role.actions == ("*",)
    assert [w for w in imp.warnings if w.startswith("assumed: Fn.Role = a role outside")]
    assert [w for w in imp.warnings if w.startswith("assumed: Other.Role = a role outside")]
