"""Importing SAM and CloudFormation templates: the mapping property by property, AWS's
defaults for what a template leaves out, warnings for everything not modelled, the workloads
file, the written scenario, and the command line (one line and exit 2 on a bad template)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml
from conftest import TEMPLATES_MISSING, run_cli

import lambdasim as ls
from lambdasim.spec.template import TemplateError, from_template, is_template
from lambdasim.spec.template.intrinsics import NO_VALUE, Resolver, ResourceRef, Unresolvable
from lambdasim.spec.template.schedule import rate_of

if TEMPLATES_MISSING:
    pytest.skip(TEMPLATES_MISSING, allow_module_level=True)

HERE = Path(__file__).parent / "templates"
SAM, CFN_JSON, CFN_YAML, SAM_JSON = (HERE / n for n in (
    "sam_app.yaml", "cfn_plain.json", "cfn_short.yaml", "sam_min.json"))


cli = run_cli


@pytest.fixture(scope="module")
def sam():
    return from_template(SAM)


@pytest.fixture(scope="module")
def plain():
    return from_template(CFN_JSON)


@pytest.fixture(scope="module")
def short():
    return from_template(CFN_YAML, parameters={"QueueTimeout": "300"})


def warned(imp, prefix: str) -> list[str]:
    return [w for w in imp.warnings if w.startswith(prefix)]


# -- functions ------------------------------------------------------------------------------
def test_sam_functions_globals_parameters_and_conditions(sam):
    sc = sam.scenario
    orders = sc.function("OrdersFunction")
    assert orders.memory_mb == 512           # !Ref WorkerMemory overrides Globals' 256
    assert orders.timeout_s == 20            # Globals
    assert orders.architecture == "arm64"    # Globals
    assert orders.reserved_concurrency == 50
    assert orders.provisioned_concurrency == 3   # !If [IsProd, 10, 3] with Stage=dev
    assert orders.runtime == "python3.12"
    click = sc.function("ClickFunction")
    assert (click.memory_mb, click.timeout_s, click.reserved_concurrency) == (256, 60, None)
    assert sc.function("UploadFunction").memory_mb == 1024


def test_parameters_given_on_the_command_line_change_the_mapping():
    imp = from_template(SAM, parameters={"Stage": "prod", "WorkerMemory": "1024",
                                         "ShardCount": "6"})
    orders = imp.scenario.function("OrdersFunction")
    assert (orders.provisioned_concurrency, orders.memory_mb) == (10, 1024)
    assert imp.scenario.source("ClickFunction.ClickEvent").shards == 6


def test_aws_defaults_for_what_a_template_leaves_out(plain):
    worker = plain.scenario.function("Worker")
    assert (worker.memory_mb, worker.timeout_s, worker.architecture) == (128, 3, "x86_64")
    assert worker.reserved_concurrency is None and worker.provisioned_concurrency == 0
    jobs = plain.scenario.source("JobsMapping")   # a FIFO queue with nothing else set
    assert (jobs.kind, jobs.fifo, jobs.batch_size, jobs.batching_window_s) == ("sqs", True, 10, 0)
    assert (jobs.visibility_timeout_s, jobs.retention_s) == (30, 345600)
    assert jobs.max_receive_count is None and jobs.max_concurrency is None
    assert jobs.report_batch_item_failures is False
    orders = plain.scenario.source("OrdersFanOutMapping")
    assert (orders.batch_size, orders.max_retry_attempts, orders.max_record_age_s) == (
        100, -1, -1)
    assert orders.bisect_on_error is False and orders.retention_h == 24


def test_intrinsics_mappings_if_novalue_and_aliases(plain):
    api = plain.scenario.function("Api")
    assert api.memory_mb == 2048               # Fn::FindInMap [Sizes, prod, Memory]
    assert api.reserved_concurrency == 100     # Fn::If [IsProd, 100, AWS::NoValue]
    assert api.provisioned_concurrency == 5    # the alias's ProvisionedConcurrencyConfig
    dev = from_template(CFN_JSON, parameters={"Env": "dev"})
    assert dev.scenario.function("Api").reserved_concurrency is None   # AWS::NoValue
    assert dev.scenario.function("Api").memory_mb == 512
    assert "DebugFunction" in [f.name for f in dev.scenario.functions]  # Condition IsDev
    assert "DebugFunction" not in [f.name for f in plain.scenario.functions]
    assert warned(dev, "ignored: Api.TracingConfig")
    assert not warned(plain, "ignored: Api.TracingConfig")   # NoValue: not set


def test_short_form_yaml_select_join_sub_and_name_matching(short):
    p = short.scenario.function("Processor")
    assert (p.architecture, p.memory_mb, p.timeout_s) == ("arm64", 1769, 60)
    q = short.scenario.source("QueueMapping")   # FunctionName given as !Sub "${Prefix}-..."
    assert q.function == "Processor"
    assert (q.batch_size, q.batching_window_s, q.max_concurrency) == (100, 10, 20)
    assert (q.visibility_timeout_s, q.max_receive_count) == (300, 7)   # JSON-string redrive
    t = short.scenario.source("TableMapping")
    assert (t.kind, t.starting_position, t.batch_size, t.batching_window_s) == (
        "dynamodb", "TRIM_HORIZON", 1000, 5)
    assert t.report_batch_item_failures is True and t.destination == "Queue"


# -- pull sources ---------------------------------------------------------------------------
def test_sam_sqs_event_with_its_queue_and_dlq(sam):
    s = sam.scenario.source("OrdersFunction.OrdersQueueEvent")
    assert (s.kind, s.function, s.fifo) == ("sqs", "OrdersFunction", False)
    assert (s.batch_size, s.batching_window_s, s.max_concurrency) == (25, 2, 40)
    assert (s.visibility_timeout_s, s.retention_s, s.max_receive_count) == (120, 86400, 4)
    assert s.report_batch_item_failures is True
    rows = sam.mapping.set_index("logical_id")
    assert rows.at["OrdersDLQ", "status"] == "merged" and "dead-letter" in rows.at[
        "OrdersDLQ", "note"]
    assert rows.at["OrdersFunctionOrdersQueueEvent", "scenario"] == (
        "sources.OrdersFunction.OrdersQueueEvent")


def test_sam_kinesis_event_with_its_stream(sam):
    s = sam.scenario.source("ClickFunction.ClickEvent")
    assert (s.kind, s.shards, s.retention_h) == ("kinesis", 2, 48)
    assert (s.batch_size, s.parallelization_factor, s.max_retry_attempts) == (500, 4, 3)
    assert (s.max_record_age_s, s.bisect_on_error, s.starting_position) == (
        3600, True, "TRIM_HORIZON")
    assert s.destination == "FailuresQueue" and s.enhanced_fan_out is False
    assert s.poll_interval_s == 1.0


def test_dynamodb_stream_shards_from_write_capacity(sam):
    s = sam.scenario.source("ClickFunction.TableEvent")
    assert (s.kind, s.shards, s.starting_position, s.poll_interval_s) == (
        "dynamodb", 3, "LATEST", 0.25)
    assert warned(sam, "approximated: ClickFunction.TableEvent.shards = 3")


def test_on_demand_stream_and_enhanced_fan_out(plain):
    std, efo = (plain.scenario.source(n) for n in ("OrdersMapping", "OrdersFanOutMapping"))
    assert std.shards == efo.shards == 4
    assert warned(plain, "approximated: Orders.StreamModeDetails = ON_DEMAND (shards = 4")
    assert efo.enhanced_fan_out and efo.parallelization_factor == 2
    assert efo.starting_position == "TRIM_HORIZON" and efo.propagation_delay_s == 0.0
    assert not std.enhanced_fan_out and std.consumers == 1 and std.batch_size == 50
    assert warned(plain, "skipped: PausedMapping (AWS::Lambda::EventSourceMapping: Enabled = "
                         "false")


def test_on_demand_shards_follow_the_workload():
    imp = from_template(CFN_JSON, workloads={"Orders": {"pattern": "poisson",
                                                        "rate_per_s": 5000}})
    assert imp.scenario.source("OrdersMapping").shards == 10   # double the 5,000/s peak


def test_queue_outside_the_template_gets_aws_defaults(short):
    s = short.scenario.source("ExternalMapping")
    assert s.max_receive_count is None and s.visibility_timeout_s == 60
    assert warned(short, "assumed: ExternalMapping.EventSourceArn = arn:aws:sqs:")


# -- push and sync sources --------------------------------------------------------------------
def test_sam_push_sources_and_event_invoke_config(sam):
    sc = sam.scenario
    up = sc.source("UploadFunction.Upload")
    assert (up.kind, up.max_retry_attempts, up.max_event_age_s, up.destination) == (
        "s3", 1, 3600, "FailuresQueue")
    assert sc.source("UploadFunction.Alert").kind == "sns"
    poll = sc.source("UploadFunction.Poll")
    assert poll.kind == "eventbridge" and poll.workload.pattern == "constant"
    assert poll.workload.rate_per_s == pytest.approx(1 / 300)
    nightly = sc.source("UploadFunction.Nightly")
    assert nightly.workload.rate_per_s == pytest.approx(1 / 86400)
    assert warned(sam, "approximated: UploadFunction.Nightly.ScheduleExpression = cron(0 2")
    assert not [w for w in sam.warnings if "UploadFunction.Poll.workload" in w]


def test_plain_push_sources_and_defaults(plain):
    sc = plain.scenario
    up, sub, rule = (sc.source(n) for n in ("Uploads", "NoticesSubscription", "OrderRule"))
    assert (up.kind, up.function, up.max_retry_attempts, up.max_event_age_s) == (
        "s3", "Worker", 0, 900)
    assert up.destination == "FailureTopic"          # Worker's DeadLetterConfig
    assert (sub.kind, rule.kind, rule.function) == ("sns", "eventbridge", "Api")
    assert (rule.max_retry_attempts, rule.max_event_age_s, rule.destination) == (
        2, 21600, None)                              # Lambda's async defaults
    assert warned(plain, "approximated: Api.provisioned_concurrency = 5")


def test_sync_sources(sam, plain):
    for name in ("UploadFunction.GetItem", "UploadFunction.Http", "UploadFunctionUrl"):
        s = sam.scenario.source(name)
        assert (s.kind, s.function, s.client_retry) == ("sync", "UploadFunction", "none")
    assert plain.scenario.source("ApiUrl").kind == "sync"
    assert warned(sam, "approximated: ServerlessRestApi (AWS::ApiGateway::RestApi")


def test_schedule_expressions():
    assert rate_of("rate(1 minute)")[:2] == (1 / 60, True)
    assert rate_of("rate(2 hours)")[0] == pytest.approx(1 / 7200)
    assert rate_of("cron(0/15 9-17 ? * MON-FRI *)")[0] * 86400 == pytest.approx(36 * 5 / 7)
    assert rate_of("cron(0 12 1 * ? *)")[0] * 86400 == pytest.approx(1 / 30.44)


# -- nothing silently dropped -----------------------------------------------------------------
def test_every_resource_is_in_the_mapping_and_every_skip_is_warned(sam, plain, short):
    for imp in (sam, plain, short):
        m = imp.mapping
        assert list(m.columns) == ["logical_id", "type", "status", "scenario", "note", "sam"]
        assert set(m.status) <= {"function", "source", "merged", "skipped"}
        for row in m[m.status == "skipped"].itertuples():
            if "Condition" in row.note:
                continue
            assert [w for w in imp.warnings if w.startswith(f"skipped: {row.logical_id} ")], (
                row.logical_id)
        assert m.logical_id.is_unique


def test_unmodelled_properties_of_the_fixtures_are_warned(sam, plain):
    assert "ignored: OrdersMapping.TumblingWindowInSeconds = 60 (tumbling windows are not " \
           "modelled)" in plain.warnings
    for prefix in ("ignored: ClickFunction.ClickEvent.TumblingWindowInSeconds = 60",
                   "ignored: ClickFunction.ClickEvent.FilterCriteria = ",
                   "ignored: ClickFunction.VpcConfig = ", "ignored: OrdersFunction.Layers = ",
                   "ignored: OrdersQueue.DelaySeconds = 5",
                   "ignored: OrdersTable.StreamSpecification.StreamViewType = NEW_IMAGE"):
        assert warned(sam, prefix), prefix
    for prefix in ("ignored: Worker.EphemeralStorage", "ignored: JobsQueue.ContentBased",
                   "ignored: Orders.StreamEncryption", "ignored: NoticesSubscription.Filter",
                   "ignored: OrderRule.EventPattern", "ignored: ApiUrl.InvokeMode",
                   "ignored: Uploads.NotificationConfiguration.LambdaConfigurations[0].Filter"):
        assert warned(plain, prefix), prefix


FN = """\
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Handler: a.b
      Runtime: python3.12
      Role: arn:aws:iam::123456789012:role/r
      Code: {ZipFile: x}
"""
ESM = FN + """\
  Stream:
    Type: AWS::Kinesis::Stream
    Properties: {ShardCount: 1}
  Mapping:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      FunctionName: !Ref Fn
      EventSourceArn: !GetAtt Stream.Arn
      StartingPosition: LATEST
"""


@pytest.mark.parametrize("base,resource,prop,value", [
    (FN, "Fn", "Layers", "[arn:aws:lambda:us-east-1:1:layer:x:1]"),
    (FN, "Fn", "VpcConfig", "{SubnetIds: [s-1]}"),
    (FN, "Fn", "SnapStart", "{ApplyOn: PublishedVersions}"),
    (FN, "Fn", "EphemeralStorage", "{Size: 2048}"),
    (FN, "Fn", "FileSystemConfigs", "[{Arn: x, LocalMountPath: /mnt/x}]"),
    (FN, "Fn", "SomethingNew", "1"),
    (ESM, "Mapping", "TumblingWindowInSeconds", "60"),
    (ESM, "Mapping", "FilterCriteria", "{Filters: [{Pattern: '{}'}]}"),
    (ESM, "Mapping", "KmsKeyArn", "arn:aws:kms:us-east-1:1:key/x"),
    (ESM, "Stream", "StreamEncryption", "{EncryptionType: KMS, KeyId: k}"),
])
def test_an_unmodelled_property_always_yields_a_warning(tmp_path, base, resource, prop, value):
    text = "Resources:\n" + base
    lines = text.splitlines()
    at = next(i for i, ln in enumerate(lines) if ln.strip() == f"{resource}:")
    props = next(i for i in range(at, len(lines)) if "Properties:" in lines[i])
    if lines[props].strip().endswith("}"):  # a flow mapping: add to it
        lines[props] = lines[props].replace("}", f", {prop}: {value}}}")
    else:
        lines.insert(props + 1, f"      {prop}: {value}")
    path = tmp_path / "t.yaml"
    path.write_text("\n".join(lines) + "\n")
    imp = from_template(path)
    assert warned(imp, f"ignored: {resource}.{prop} = "), imp.warnings


TRIGGERS = """\
  Logs:
    Type: AWS::Logs::SubscriptionFilter
    Properties:
      DestinationArn: !GetAtt Fn.Arn
      FilterPattern: ""
      LogGroupName: /x
  Rule:
    Type: AWS::IoT::TopicRule
    Properties:
      TopicRulePayload:
        Sql: SELECT * FROM 'x'
        Actions: [{Lambda: {FunctionArn: !GetAtt Fn.Arn}}]
"""


def test_macros_and_loops_are_named(tmp_path):
    path = tmp_path / "t.yaml"
    loop = ("  Fn::ForEach::Queues:\n    - Name\n    - [A, B]\n"
            "    - Queue${Name}:\n        Type: AWS::SQS::Queue\n")
    path.write_text("Transform: [AWS::LanguageExtensions]\nResources:\n" + FN + loop)
    imp = from_template(path)
    assert warned(imp, "ignored: Transform AWS::LanguageExtensions")
    assert warned(imp, "skipped: Fn::ForEach::Queues (AWS::LanguageExtensions loops")


def test_a_trigger_lambdasim_does_not_model_is_named(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text("Resources:\n" + FN + TRIGGERS)
    imp = from_template(path)
    assert warned(imp, "skipped: Logs (AWS::Logs::SubscriptionFilter")
    assert [w for w in imp.warnings if w.startswith("skipped: Rule") and "refers to Fn" in w]
    assert warned(imp, "assumed: Fn.invoke = a synchronous caller")
    assert imp.scenario.source("Fn.invoke").kind == "sync"


# -- workloads --------------------------------------------------------------------------------
def test_workloads_by_source_resource_and_function(tmp_path):
    wl = tmp_path / "w.yaml"
    wl.write_text(textwrap.dedent("""\
        duration_s: 120
        account: {concurrency_limit: 500}
        OrdersQueue: {workload: {pattern: poisson, rate_per_s: 40}}
        ClickStream: {pattern: bursts, rate_per_s: 300, on_s: 10, off_s: 20}
        UploadFunction.Upload: {workload: {pattern: constant, rate_per_s: 2}}
        ClickFunction.ClickEvent: {keys: {distribution: hot, count: 100, hot_fraction: 0.5}}
        OrdersFunction: {duration: {dist: constant, value_s: 0.05}, error_rate: 0.01}
    """))
    imp = from_template(SAM, workloads=wl)
    sc = imp.scenario
    assert sc.duration_s == 120 and sc.account.concurrency_limit == 500
    assert sc.source("OrdersFunction.OrdersQueueEvent").workload.rate_per_s == 40
    click = sc.source("ClickFunction.ClickEvent")
    assert click.workload.pattern == "bursts" and click.keys.distribution == "hot"
    assert sc.source("UploadFunction.Upload").workload.pattern == "constant"
    assert sc.function("OrdersFunction").duration.mean == pytest.approx(0.05)
    assert sc.function("OrdersFunction").error_rate == 0.01
    assumed = [w for w in imp.warnings if w.startswith("assumed:") and ".workload" in w]
    assert not any(n in w for w in assumed for n in (
        "OrdersQueueEvent", "ClickEvent", "UploadFunction.Upload"))
    assert [w for w in assumed if "UploadFunction.Alert.workload = poisson 1 event/s" in w]


@pytest.mark.parametrize("content,message", [
    ("Nope: {pattern: poisson, rate_per_s: 1}", "Nope: no such source, function or resource"),
    ("OrdersQueue: {batch_size: 5}", "OrdersQueue.batch_size: set by the template "
                                     "(OrdersFunction.OrdersQueueEvent.BatchSize)"),
    ("OrdersFunction: {memory_mb: 2048}", "OrdersFunction.memory_mb: set by the template"),
    ("OrdersQueue: {colour: red}", "OrdersQueue.colour: unknown field"),
    ("OrdersQueue: {pattern: poisson, rate_per_s: -1}", "rate_per_s = -1"),
])
def test_bad_workloads_are_one_line(tmp_path, content, message):
    wl = tmp_path / "w.yaml"
    wl.write_text(content + "\n")
    with pytest.raises(TemplateError) as exc:
        from_template(SAM, workloads=wl)
    assert message in str(exc.value) and "\n" not in str(exc.value)


def test_the_skeleton_lists_every_source_and_reads_back(sam, tmp_path):
    path = tmp_path / "skeleton.yaml"
    text = sam.workloads_skeleton(path)
    data = yaml.safe_load(text)
    for s in sam.scenario.sources:
        assert s.name in data, s.name
    for f in sam.scenario.functions:
        assert "duration" in data[f.name]
    again = from_template(SAM, workloads=path)
    assert not [w for w in again.warnings if w.startswith("assumed:") and ".workload" in w]


# -- the written scenario ---------------------------------------------------------------------
def _commented(text: str) -> dict[tuple[str, str], str]:
    """(item name, field) -> comment, from a written scenario."""
    out, name = {}, ""
    for line in text.splitlines():
        body, _, note = line.partition("  # ")
        if body.startswith("- name: "):
            name = body.removeprefix("- name: ").strip()
            out[(name, "name")] = note
        elif body.startswith("  ") and ":" in body:
            out[(name, body.strip().split(":")[0])] = note
    return out


AWS_FIELDS = {
    "function": {"memory_mb": "MemorySize", "timeout_s": "Timeout",
                 "reserved_concurrency": "ReservedConcurrentExecutions",
                 "architecture": "Architectures", "provisioned_concurrency": "Provisioned"},
    "sqs": {"batch_size": "BatchSize", "batching_window_s": "MaximumBatchingWindowInSeconds",
            "visibility_timeout_s": "VisibilityTimeout", "max_receive_count": "RedrivePolicy",
            "retention_s": "MessageRetentionPeriod", "fifo": "FifoQueue",
            "max_concurrency": "MaximumConcurrency"},
    "kinesis": {"batch_size": "BatchSize", "parallelization_factor": "ParallelizationFactor",
                "max_retry_attempts": "MaximumRetryAttempts",
                "max_record_age_s": "MaximumRecordAgeInSeconds",
                "bisect_on_error": "BisectBatchOnFunctionError",
                "starting_position": "StartingPosition", "destination": "Destination"},
    "s3": {"max_retry_attempts": "MaximumRetryAttempts",
           "max_event_age_s": "MaximumEventAgeInSeconds"},
}


@pytest.mark.parametrize("which", ["sam", "plain"])
def test_the_yaml_says_where_every_value_comes_from(which, request):
    imp = request.getfixturevalue(which)
    text = imp.to_yaml()
    assert ls.Scenario.from_dict(yaml.safe_load(text)) == imp.scenario   # round trip
    notes = _commented(text)
    for f in imp.scenario.functions:
        for field, prop in AWS_FIELDS["function"].items():
            assert prop in notes[(f.name, field)], (f.name, field, notes[(f.name, field)])
        for field in type(f).model_fields:   # every field written out, with a comment
            assert (f.name, field) in notes and notes[(f.name, field)], (f.name, field)
    for s in imp.scenario.sources:
        for field, prop in AWS_FIELDS.get(s.kind, {}).items():
            assert prop in notes[(s.name, field)], (s.name, field, notes[(s.name, field)])
        for field in type(s).model_fields:
            assert (s.name, field) in notes, (s.name, field)
    assert "MemorySize not set: AWS default" in notes[("Worker", "memory_mb")] if (
        which == "plain") else True


def test_scenario_from_template_and_the_facade(sam):
    sc = ls.Scenario.from_template(SAM)
    assert sc == sam.scenario
    assert ls.from_template(SAM).scenario == sc
    for item in (*sc.functions, *sc.sources):   # every field explicit, nothing left to defaults
        assert item.model_fields_set == set(type(item).model_fields), item.name
    assert sc.warnings() == []


def test_load_any_reads_templates_and_scenarios(tmp_path):
    from lambdasim.cli.template import load_any

    assert load_any(SAM_JSON, workloads=WHAT_IF).duration_s == 60
    assert load_any("quickstart").functions
    with pytest.raises(TemplateError, match="apply to a CloudFormation/SAM template"):
        load_any("quickstart", workloads=WHAT_IF)


def test_is_template_and_sam_json():
    assert is_template(SAM) and is_template(CFN_JSON) and is_template(SAM_JSON)
    assert not is_template(Path(ls.__file__).parent / "examples" / "quickstart.yaml")
    imp = from_template(SAM_JSON)
    f = imp.scenario.function("InboxFunction")
    assert (f.memory_mb, f.timeout_s) == (640, 7)
    s = imp.scenario.source("InboxFunction.InboxEvent")
    assert (s.kind, s.visibility_timeout_s, s.batch_size) == ("sqs", 45, 10)


def test_resolver_unit():
    tpl = {"Resources": {"Q": {"Type": "AWS::SQS::Queue"}},
           "Mappings": {"M": {"a": {"b": 3}}},
           "Conditions": {"Yes": {"Fn::Equals": ["x", "x"]},
                          "No": {"Fn::Not": [{"Condition": "Yes"}]},
                          "Both": {"Fn::And": [{"Condition": "Yes"}, {"Condition": "No"}]}}}
    r = Resolver(tpl, {"P": "v"})
    assert r.value({"Ref": "Q"}) == ResourceRef("Q")
    assert r.value({"Fn::GetAtt": "Q.Arn"}) == ResourceRef("Q", "Arn")
    assert r.value({"Fn::Sub": "${Q.Arn}"}) == ResourceRef("Q", "Arn")
    assert r.value({"Fn::Sub": ["${P}-${X}-${!Lit}", {"X": 1}]}) == "v-1-${Lit}"
    assert r.value({"Fn::Join": ["-", ["a", {"Ref": "P"}]]}) == "a-v"
    assert r.value({"Fn::Select": [1, {"Fn::Split": [",", "a,b"]}]}) == "b"
    assert r.value({"Fn::FindInMap": ["M", "a", "b"]}) == 3
    assert r.value({"Fn::FindInMap": ["M", "z", "b", {"DefaultValue": 9}]}) == 9
    assert r.value({"Fn::If": ["Both", 1, {"Ref": "AWS::NoValue"}]}) is NO_VALUE
    assert r.value({"k": {"Ref": "AWS::NoValue"}, "j": [1, {"Ref": "AWS::NoValue"}]}) == {
        "j": [1]}
    with pytest.raises(Unresolvable, match="no such parameter or resource"):
        r.value({"Ref": "Missing"})
    with pytest.raises(Unresolvable, match="another stack"):
        r.value({"Fn::ImportValue": "x"})


# -- the command line -------------------------------------------------------------------------
def test_cli_import_to_stdout_warnings_on_stderr():
    r = cli("import", CFN_JSON)
    assert r.returncode == 0, r.stderr
    sc = ls.Scenario.from_dict(yaml.safe_load(r.stdout))
    assert sc.function("Worker").memory_mb == 128
    lines = r.stderr.splitlines()
    assert "ignored: OrdersMapping.TumblingWindowInSeconds = 60 (tumbling windows are not " \
           "modelled)" in lines
    assert lines[-1].startswith("hint: no --workloads")
    assert all(ln.split(":")[0] in ("ignored", "approximated", "assumed", "skipped", "hint")
               for ln in lines)


def test_cli_import_writes_the_scenario_and_a_skeleton_beside_it(tmp_path):
    out = tmp_path / "app.yaml"
    r = cli("import", SAM, "-o", out, "--parameter", "Stage=prod")
    assert r.returncode == 0, r.stderr
    sc = ls.Scenario.from_yaml(out)
    assert sc.function("OrdersFunction").provisioned_concurrency == 10
    skeleton = tmp_path / "app.workloads.yaml"
    assert skeleton.is_file() and "OrdersFunction.OrdersQueueEvent:" in skeleton.read_text()
    r = cli("import", SAM, "-o", out, "--workloads", skeleton)
    assert r.returncode == 0 and ".workload = poisson" not in r.stderr
    own = tmp_path / "mine.yaml"
    r = cli("import", SAM, "--workloads-skeleton", own)
    assert r.returncode == 0 and "UploadFunctionUrl:" in own.read_text()


@pytest.mark.parametrize("name,args,expected", [
    ("bad_syntax.yaml", (), "bad_syntax.yaml:5:1: did not find expected ','"),
    ("bad_ref.yaml", (), "Mapping.BatchSize: !Ref NoSuchParameter: no such parameter"),
    ("bad_getatt.yaml", (), "Mapping.EventSourceArn: !GetAtt MissingStream.Arn: no resource"),
    ("bad_sam.yaml", (), "Worker.Jobs: Missing required property 'Queue'"),
    ("bad_visibility.yaml", (), "Jobs.VisibilityTimeout: sources[0].visibility_timeout_s = 10"),
    ("bad_no_start.yaml", (), "Mapping.StartingPosition: is required"),
    ("bad_import_value.yaml", (), "Fn.MemorySize: !ImportValue"),
    ("cfn_short.yaml", (), "Processor.Timeout: !Ref QueueTimeout: parameter QueueTimeout has "
                           "no Default; give --parameter QueueTimeout=VALUE"),
    ("cfn_short.yaml", ("--parameter", "Nope=1"), "--parameter Nope: no such parameter"),
    ("cfn_plain.json", ("--parameter", "Env=qa"), "--parameter Env=qa: must be one of dev, "
                                                  "prod"),
    ("cfn_plain.json", ("--parameter", "Env"), "argument --parameter: 'Env': must be "
                                               "KEY=VALUE"),
    ("missing.yaml", (), "missing.yaml: cannot read"),
])
def test_cli_bad_templates_are_one_line_and_exit_2(name, args, expected):
    r = cli("import", HERE / name, *args)
    assert r.returncode == 2, (r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr, r.stderr
    assert lines[0].startswith("lambdasim: error: ") and expected in lines[0], lines[0]
    assert r.stdout == ""


def test_without_the_extra_import_names_it():
    code = ("import sys; sys.modules['cfnlint'] = None; sys.modules['cfnlint.decode'] = None; "
            "from lambdasim.cli import main; sys.exit(main(['import', sys.argv[1]]))")
    r = subprocess.run([sys.executable, "-c", code, str(CFN_JSON)], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 2
    assert r.stderr.strip().splitlines() == [
        "lambdasim: error: reading CloudFormation/SAM templates needs the templates extra: "
        "pip install 'lambdasim[templates]' (cfn-lint and aws-sam-translator)"]


# -- running and comparing --------------------------------------------------------------------
WHAT_IF = {"duration_s": 60, "InboxFunction.InboxEvent": {"pattern": "poisson",
                                                          "rate_per_s": 30},
           "InboxFunction": {"duration": {"dist": "constant", "value_s": 0.5}}}


def test_compare_two_templates(tmp_path):
    from lambdasim.compare import compare, format_comparison

    b = tmp_path / "sam_min_b.json"
    b.write_text(SAM_JSON.read_text().replace('"Queue": {"Fn::GetAtt": ["Inbox", "Arn"]}',
                                              '"Queue": {"Fn::GetAtt": ["Inbox", "Arn"]}, '
                                              '"BatchSize": 1'))
    c = compare(SAM_JSON, b, workloads=WHAT_IF, seed=1)
    assert c.b.scenario.source("InboxFunction.InboxEvent").batch_size == 1
    d = c.diff.set_index(["source", "metric"])
    offered = d.loc[("InboxFunction.InboxEvent", "offered")]
    assert offered.a == offered.b > 0                 # same seed and workload: same arrivals
    assert {"latency_p99_s", "throttles", "cost_usd", "queue_age_max_s"} <= set(
        c.diff.metric)
    assert ("(all)", "cost_usd") in d.index
    assert "InboxFunction.InboxEvent" in format_comparison(c)
    assert ls.compare_scenarios is compare


def test_cli_compare_and_run_a_template(tmp_path):
    wl = tmp_path / "w.yaml"
    wl.write_text(yaml.safe_dump(WHAT_IF))
    r = cli("compare", SAM_JSON, SAM_JSON, "--workloads", wl, "--seed", "2", "--out",
            tmp_path / "cmp")
    assert r.returncode == 0, r.stderr
    assert "InboxFunction.InboxEvent" in r.stdout
    assert (tmp_path / "cmp" / "compare.png").stat().st_size > 0
    assert (tmp_path / "cmp" / "diff.csv").is_file()
    r = cli("run", SAM_JSON, "--workloads", wl, "--quiet")
    assert r.returncode == 0, r.stderr
    assert "InboxFunction.InboxEvent" in r.stdout and "lambdasim: assumed: Inbox" in r.stderr
