"""Functions: ``AWS::Lambda::Function`` (what ``AWS::Serverless::Function`` becomes),
provisioned concurrency from ``AWS::Lambda::Alias`` / ``Version``, and the asynchronous
invocation settings of ``AWS::Lambda::EventInvokeConfig`` and ``DeadLetterConfig``.

Defaults are CloudFormation's (resource reference, AWS::Lambda::Function): MemorySize 128 MB,
Timeout 3 s, Architectures x86_64, no reserved concurrency (the function shares the account's
unreserved pool), no provisioned concurrency. EventInvokeConfig: MaximumRetryAttempts 2,
MaximumEventAgeInSeconds 21,600 (Lambda's defaults for asynchronous invocation).
"""

from __future__ import annotations

from pydantic import ValidationError

from ..function import FunctionSpec
from . import notes
from .context import Ctx, Draft, render, take

MEMORY_MB, TIMEOUT_S = 128, 3
ASYNC_RETRIES, EVENT_AGE_S = 2, 21600


def read_functions(ctx: Ctx) -> dict[str, Draft]:
    """One draft per deployed Lambda function, keyed (and named) by its logical ID."""
    out: dict[str, Draft] = {}
    for rid in ctx.of_type("AWS::Lambda::Function"):
        p = ctx.props(rid)
        d = Draft(rid, rid)
        take(d, p, "memory_mb", "MemorySize", MEMORY_MB, "128 MB")
        take(d, p, "timeout_s", "Timeout", TIMEOUT_S, "3 s", conv="float")
        take(d, p, "reserved_concurrency", "ReservedConcurrentExecutions", None,
             "unreserved: shares the account's pool")
        arch = p.get("Architectures", None)
        if arch is None:
            d.set("architecture", "x86_64", p.locus("Architectures"), "aws", "x86_64")
        else:
            first = arch[0] if isinstance(arch, list) and arch else arch
            if first not in ("x86_64", "arm64"):
                raise ctx.error(rid, "Architectures", f"= {render(arch)}: must be [x86_64] "
                                "or [arm64]")
            d.set("architecture", first, p.locus("Architectures"))
        d.set("provisioned_concurrency", 0, f"{rid}.ProvisionedConcurrencyConfig", "aws",
              "no alias or version of the function has provisioned concurrency")
        _runtime(ctx, p, d)
        dlq = p.block("DeadLetterConfig")
        if dlq.has("TargetArn"):
            d.extra["dlq"] = (_name(ctx, dlq.get("TargetArn")), dlq.locus("TargetArn"))
        dlq.leftovers({})
        p.leftovers(notes.FUNCTION, notes.FUNCTION_INERT)
        inert = sorted(k for k in p.raw if k in notes.FUNCTION_INERT)
        ctx.row(rid, "function", f"functions.{rid}",
                f"inert: {', '.join(inert)}" if inert else "")
        out[rid] = d
    return out


def _runtime(ctx: Ctx, p, d: Draft) -> None:
    """Runtime goes to the scenario's ``runtime`` field if this lambdasim has one."""
    if "runtime" not in FunctionSpec.model_fields or not p.has("Runtime"):
        return
    runtime = p.text("Runtime")
    try:
        FunctionSpec(name="check", runtime=runtime)
    except ValidationError as exc:
        reason = exc.errors(include_url=False)[0]["msg"].removeprefix("Value error, ")
        ctx.warn(f"ignored: {p.locus('Runtime')} = {runtime} ({reason})")
        return
    d.set("runtime", runtime, p.locus("Runtime"))


def _name(ctx: Ctx, value) -> str:
    """A destination: the logical ID it points at, else the ARN as written."""
    return ctx.target(value) or ctx.resolver.text(value)


def read_provisioned(ctx: Ctx, functions: dict[str, Draft]) -> None:
    """ProvisionedConcurrencyConfig of aliases and versions, summed per function."""
    for rid in ctx.of_type("AWS::Lambda::Alias", "AWS::Lambda::Version"):
        p = ctx.props(rid)
        fn, _ = ctx.function_of(p.get("FunctionName"))
        kind = notes.WIRING[ctx.rtype(rid)]
        if fn not in functions:
            ctx.row(rid, "skipped", "", f"{kind} of a function not in the template")
            continue
        pc = p.block("ProvisionedConcurrencyConfig")
        n = pc.number("ProvisionedConcurrentExecutions", None)
        pc.leftovers({})
        if n:
            d = functions[fn]
            before = d.fields["provisioned_concurrency"] if d.origin[
                "provisioned_concurrency"][1] == "template" else 0
            d.set("provisioned_concurrency", before + n,
                  pc.locus("ProvisionedConcurrentExecutions"))
            d.extra.setdefault("pc_qualifiers", []).append(
                ctx.resolver.text(p.get("Name")) if "Name" in p.raw else f"version {rid}")
        p.leftovers({"RoutingConfig": "weighted aliases (traffic shifting) are not modelled"},
                    notes.NAMES | {"FunctionName", "FunctionVersion", "Name", "CodeSha256",
                                   "RuntimePolicy"})
        ctx.row(rid, "merged", f"functions.{fn}",
                f"{kind}; provisioned concurrency {n}" if n else kind)


def read_invoke_configs(ctx: Ctx, functions: dict[str, Draft]) -> None:
    """EventInvokeConfig: retries, event age and on-failure destination of a function's
    asynchronous invocations (applied to every asynchronous source of the function)."""
    for rid in ctx.of_type("AWS::Lambda::EventInvokeConfig"):
        p = ctx.props(rid)
        fn, _ = ctx.function_of(p.get("FunctionName"))
        if fn not in functions:
            ctx.row(rid, "skipped", "", "settings of a function not in the template")
            ctx.warn(f"skipped: {rid} (AWS::Lambda::EventInvokeConfig of a function not in "
                     "the template)")
            continue
        cfg = {}
        for field, prop in (("max_retry_attempts", "MaximumRetryAttempts"),
                            ("max_event_age_s", "MaximumEventAgeInSeconds")):
            if p.has(prop):
                cfg[field] = (p.number(prop), p.locus(prop))
        dest = p.block("DestinationConfig")
        failure = dest.block("OnFailure")
        if failure.has("Destination"):
            cfg["destination"] = (_name(ctx, failure.get("Destination")),
                                  failure.locus("Destination"))
        failure.leftovers({})
        dest.leftovers({"OnSuccess": "on-success destinations are not modelled"})
        p.leftovers({}, notes.INVOKE_CONFIG_INERT)
        functions[fn].extra["invoke_config"] = cfg
        ctx.row(rid, "merged", f"functions.{fn} (asynchronous sources)",
                "retries, event age and destination of asynchronous invocations")


def async_settings(fn: Draft, d: Draft) -> None:
    """Set an asynchronous source's retries, event age and destination from its function's
    EventInvokeConfig / DeadLetterConfig, or Lambda's defaults."""
    cfg = fn.extra.get("invoke_config", {})
    where = f"{fn.rid} EventInvokeConfig"
    for field, default, prop in (("max_retry_attempts", ASYNC_RETRIES, "MaximumRetryAttempts"),
                                 ("max_event_age_s", EVENT_AGE_S, "MaximumEventAgeInSeconds")):
        if field in cfg:
            d.set(field, cfg[field][0], cfg[field][1])
        else:
            d.set(field, default, f"{where}.{prop}", "aws", str(default))
    if "destination" in cfg:
        d.set("destination", *cfg["destination"])
    elif "dlq" in fn.extra:
        d.set("destination", *fn.extra["dlq"])
    else:
        d.set("destination", None, f"{where}.DestinationConfig", "aws",
              "no on-failure destination or DeadLetterConfig: events are dropped")


def check_provisioned(ctx: Ctx, functions: dict[str, Draft], sources: list[Draft]) -> None:
    """Provisioned concurrency belongs to an alias or version; lambdasim gives it to every
    invocation of the function. Say so when a source invokes another qualifier."""
    for fid, fn in functions.items():
        quals = fn.extra.get("pc_qualifiers")
        if not quals:
            continue
        other = [s.name for s in sources if s.fields.get("function") == fid
                 and s.qualifier not in quals]
        if other:
            ctx.warn(f"approximated: {fid}.provisioned_concurrency = "
                     f"{fn.fields['provisioned_concurrency']} (configured on "
                     f"{', '.join(quals)}; lambdasim also gives it to {', '.join(other)}, "
                     "which invoke(s) another version of the function)")
