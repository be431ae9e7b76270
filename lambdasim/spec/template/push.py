"""Push sources, invoked asynchronously by the service: S3 bucket notifications
(``NotificationConfiguration.LambdaConfigurations``), SNS subscriptions with protocol
``lambda`` (``AWS::SNS::Subscription`` or a topic's inline ``Subscription``), EventBridge rules
with a Lambda target (SAM's ``EventBridgeRule``, ``CloudWatchEvent`` and ``Schedule`` events)
and EventBridge Scheduler schedules (SAM's ``ScheduleV2``). A schedule's expression gives
the source a constant-rate workload (see :mod:`.schedule`).

Retries, event age and destination come from the function's EventInvokeConfig (or Lambda's
defaults, 2 retries and 6 h); the delivery delay is lambdasim's per-service default (AWS
publishes none).
"""

from __future__ import annotations

from . import notes
from .context import Ctx, Draft, render
from .functions import async_settings
from .schedule import ScheduleError, describe, rate_of


def _draft(ctx: Ctx, name: str, rid: str, kind: str, fn: str, qualifier, functions, locus: str,
           key: str, about: str) -> Draft:
    d = Draft(name, rid, qualifier=qualifier)
    d.set("kind", kind, f"{rid} ({ctx.rtype(rid)})")
    d.set("function", fn, locus)
    async_settings(functions[fn], d)
    d.keys.append(key)
    d.about = about
    return d


def _sam_s3_event(ctx: Ctx, bucket: str, fn: str, event: str) -> str | None:
    """The SAM S3 event of ``fn`` that put this notification on ``bucket``."""
    props = ctx.original["Resources"].get(fn, {}).get("Properties") or {}
    for name, ev in (props.get("Events") or {}).items():
        p = ev.get("Properties") or {} if isinstance(ev, dict) else {}
        if ev.get("Type") != "S3" or ctx.target(ctx.resolver.value(p.get("Bucket"))) != bucket:
            continue
        events = p.get("Events")
        if event in (events if isinstance(events, list) else [events]):
            return f"{fn}.{name}"
    return None


def read_s3(ctx: Ctx, functions: dict[str, Draft]) -> list[Draft]:
    out: list[Draft] = []
    for bucket in ctx.of_type("AWS::S3::Bucket"):
        p = ctx.props(bucket)
        cfg = p.block("NotificationConfiguration")
        entries = cfg.get("LambdaConfigurations", [])
        cfg.leftovers({"QueueConfigurations": "notifications to SQS do not invoke Lambda "
                       "(model the queue's mapping)", "TopicConfigurations": "notifications "
                       "to SNS do not invoke Lambda (model the topic's subscription)",
                       "EventBridgeConfiguration": "EventBridge rules on these events are "
                       "read from the rules"})
        p.used.update(p.raw)  # the bucket itself is not simulated
        fns = {ctx.function_of(e.get("Function"))[0] for e in entries}
        drafts: dict[str, Draft] = {}
        for i, e in enumerate(entries):
            fn, qualifier = ctx.function_of(e.get("Function"))
            where = f"NotificationConfiguration.LambdaConfigurations[{i}]"
            if fn not in functions:
                ctx.warn(f"skipped: {bucket}.{where} (its function is not in the template)")
                continue
            name = (_sam_s3_event(ctx, bucket, fn, str(e.get("Event")))
                    or (bucket if len(fns) == 1 else f"{bucket}.{fn}"))
            if "Filter" in e:
                ctx.warn(f"ignored: {bucket}.{where}.Filter = {render(e['Filter'])} (key "
                         "filters are not modelled: the workload is the notifications that "
                         "match)")
            if name not in drafts:
                drafts[name] = _draft(ctx, name, bucket, "s3", fn, qualifier, functions,
                                      f"{bucket}.{where}.Function", bucket,
                                      f"S3 bucket {bucket} ({e.get('Event')})")
                out.append(drafts[name])
        if drafts:
            ctx.row(bucket, "source", ", ".join(f"sources.{n}" for n in drafts),
                    "bucket notifications (the bucket itself is not simulated)")
    return out


def read_sns(ctx: Ctx, functions: dict[str, Draft]) -> list[Draft]:
    out: list[Draft] = []
    for rid in ctx.of_type("AWS::SNS::Subscription"):
        p = ctx.props(rid)
        protocol = p.text("Protocol", "")
        fn, qualifier = ctx.function_of(p.get("Endpoint", None))
        topic = ctx.target(p.get("TopicArn", None)) or p.text("TopicArn", "")
        why = (f"protocol {protocol} does not invoke Lambda" if protocol != "lambda" else
               None if fn in functions else "its function is not in the template")
        if why:
            ctx.row(rid, "skipped", "", why)
            ctx.warn(f"skipped: {ctx.display(rid)} (AWS::SNS::Subscription: {why})")
            continue
        name = ctx.display(rid)
        out.append(_draft(ctx, name, rid, "sns", fn, qualifier, functions,
                          p.locus("Endpoint"), topic, f"SNS topic {topic}"))
        out[-1].keys.append(rid)
        p.leftovers(notes.SUBSCRIPTION, notes.SUBSCRIPTION_INERT)
        ctx.row(rid, "source", f"sources.{name}", f"subscription to {topic}")
        if topic in ctx.resources:
            ctx.row(topic, "merged", f"sources.{name}", "topic (not simulated)")
    for topic in ctx.of_type("AWS::SNS::Topic"):
        p = ctx.props(topic)
        subs = [s for s in p.get("Subscription", []) if s.get("Protocol") == "lambda"]
        fns = [ctx.function_of(s.get("Endpoint")) for s in subs]
        for fn, qualifier in fns:
            if fn not in functions:
                continue
            name = topic if len(fns) == 1 else f"{topic}.{fn}"
            out.append(_draft(ctx, name, topic, "sns", fn, qualifier, functions,
                              p.locus("Subscription"), topic, f"SNS topic {topic}"))
            ctx.row(topic, "source", f"sources.{name}", "inline lambda subscription")
    return out


def _schedule(ctx: Ctx, d: Draft, rid: str, expr: str, prop: str) -> None:
    try:
        rate, exact, how = rate_of(expr)
    except ScheduleError as exc:
        raise ctx.error(rid, prop, str(exc)) from None
    d.set("workload", {"pattern": "constant", "rate_per_s": rate, "start_s": 0.0},
          f"{ctx.display(rid)}.{prop}", "template", f"{expr}: {how}")
    if not exact:
        ctx.warn(f"approximated: {ctx.display(rid)}.{prop} = {expr} (constant rate "
                 f"{describe(rate)}: {how})")


def read_rules(ctx: Ctx, functions: dict[str, Draft]) -> list[Draft]:
    out: list[Draft] = []
    for rid in ctx.of_type("AWS::Events::Rule"):
        p = ctx.props(rid)
        base = ctx.display(rid)
        targets = []
        for i, t in enumerate(p.get("Targets", [])):
            if ctx.function_of(t.get("Arn"))[0] in functions:
                targets.append(t)
            else:
                ctx.warn(f"ignored: {base}.Targets[{i}] = {render(t.get('Arn'))} (not a "
                         "function of the template)")
        if not targets:
            ctx.row(rid, "skipped", "", "no Lambda target in the template")
            ctx.warn(f"skipped: {base} (AWS::Events::Rule: no Lambda target in the template)")
            continue
        if p.text("State", "ENABLED") not in ("ENABLED", "ENABLED_WITH_ALL_CLOUDTRAIL_"
                                              "MANAGEMENT_EVENTS"):
            ctx.row(rid, "skipped", "", "State is not ENABLED")
            ctx.warn(f"skipped: {base} (AWS::Events::Rule: State = {p.text('State')})")
            continue
        expr = p.text("ScheduleExpression", None)
        names = []
        for i, t in enumerate(targets):
            fn, qualifier = ctx.function_of(t.get("Arn"))
            name = base if len(targets) == 1 else f"{base}.{t.get('Id', i)}"
            d = _draft(ctx, name, rid, "eventbridge", fn, qualifier, functions,
                       f"{base}.Targets[{i}].Arn", rid,
                       f"EventBridge {'schedule ' + expr if expr else 'rule ' + rid}")
            if expr:
                _schedule(ctx, d, rid, expr, "ScheduleExpression")
            tp = ctx.props(rid)
            tp.raw, tp.path = t, f"Targets[{i}]."
            tp.leftovers(notes.TARGET, notes.TARGET_INERT)
            out.append(d)
            names.append(f"sources.{name}")
        p.leftovers(notes.RULE, notes.RULE_INERT)
        ctx.row(rid, "source", ", ".join(names), "schedule" if expr else "event rule")
    for rid in ctx.of_type("AWS::Scheduler::Schedule"):
        p = ctx.props(rid)
        t = p.block("Target")
        fn, qualifier = ctx.function_of(t.get("Arn"))
        if fn not in functions or p.text("State", "ENABLED") != "ENABLED":
            why = ("its target is not a function of the template" if fn not in functions
                   else f"State = {p.text('State')}")
            ctx.row(rid, "skipped", "", why)
            ctx.warn(f"skipped: {ctx.display(rid)} (AWS::Scheduler::Schedule: {why})")
            continue
        name = ctx.display(rid)
        expr = p.text("ScheduleExpression")
        d = _draft(ctx, name, rid, "eventbridge", fn, qualifier, functions, t.locus("Arn"),
                   rid, f"EventBridge Scheduler {expr}")
        _schedule(ctx, d, rid, expr, "ScheduleExpression")
        window = p.block("FlexibleTimeWindow")
        if window.text("Mode", "OFF") != "OFF":
            ctx.warn(f"ignored: {window.locus('Mode')} = {window.text('Mode')} (the flexible "
                     "window is not modelled: events fire on the schedule)")
        window.used.update(window.raw)
        t.leftovers(notes.TARGET, notes.TARGET_INERT)
        p.leftovers({"StartDate": "the schedule runs for the whole simulation",
                     "EndDate": "the schedule runs for the whole simulation"},
                    notes.NAMES | {"GroupName", "ScheduleExpressionTimezone", "KmsKeyArn"})
        ctx.row(rid, "source", f"sources.{name}", "EventBridge Scheduler schedule")
        out.append(d)
    return out
