"""Synchronous callers: API Gateway routes (SAM ``Api`` / ``HttpApi`` events, or any
``AWS::Lambda::Permission`` for ``apigateway.amazonaws.com``) and function URLs
(``AWS::Lambda::Url``, SAM's ``FunctionUrlConfig``).

API Gateway invokes the function synchronously and does not retry a throttled call: its
client gets the error (HTTP 429/500/502). API Gateway's own latency, its 29 s integration
timeout and its account throttle (10,000 requests/s) are not modelled: calls reach the
function directly. Whether the end client retries is not in the template, so ``client_retry``
is ``none`` unless the workloads file says otherwise.
"""

from __future__ import annotations

from . import notes
from .context import Ctx, Draft


def _sync(ctx: Ctx, name: str, rid: str, fn: str, qualifier, locus: str, key: str,
          about: str) -> Draft:
    d = Draft(name, rid, qualifier=qualifier)
    d.set("kind", "sync", f"{rid} ({ctx.rtype(rid)})")
    d.set("function", fn, locus)
    d.set("client_retry", "none", f"{name} (caller)", "assumed",
          "the caller's retries are not in the template")
    d.keys.append(key)
    d.about = about
    return d


def read_permissions(ctx: Ctx, functions: dict[str, Draft]) -> list[Draft]:
    """API Gateway routes become sync sources; other permissions are wiring."""
    out: dict[str, Draft] = {}
    apis: set[str] = set()
    for rid in ctx.of_type("AWS::Lambda::Permission"):
        p = ctx.props(rid)
        principal = p.text("Principal", "")
        fn, qualifier = ctx.function_of(p.get("FunctionName"))
        if not principal.startswith("apigateway.") or fn not in functions:
            ctx.row(rid, "merged", f"functions.{fn}" if fn in functions else "",
                    f"invoke permission for {principal}")
            continue
        owner, event = ctx.origins.get(rid, (None, None))
        name = f"{owner}.{event}" if owner and event else rid
        source_arn = p.get("SourceArn", None)
        api = ctx.target(source_arn) if source_arn is not None else None
        if name not in out:
            route = (source_arn or "").split("/", 2)[-1] if isinstance(source_arn, str) else ""
            out[name] = _sync(ctx, name, rid, fn, qualifier, p.locus("FunctionName"),
                              api or rid, f"API Gateway {api or ''} {route}".strip())
            if api and api not in apis:
                apis.add(api)
        ctx.row(rid, "source", f"sources.{name}", "API Gateway invoke permission: a route")
    for api in sorted(apis):
        ctx.warn(f"approximated: {api} ({ctx.rtype(api)}: API Gateway's own latency, 29 s "
                 "integration timeout and throttling are not modelled; calls reach the "
                 "function directly)")
        ctx.row(api, "merged", ", ".join(f"sources.{n}" for n, d in out.items()
                                         if api in d.keys), "API in front of the routes")
    return list(out.values())


def read_urls(ctx: Ctx, functions: dict[str, Draft]) -> list[Draft]:
    out = []
    for rid in ctx.of_type("AWS::Lambda::Url"):
        p = ctx.props(rid)
        fn, qualifier = ctx.function_of(p.get("TargetFunctionArn"))
        if fn not in functions:
            ctx.row(rid, "skipped", "", "its function is not in the template")
            ctx.warn(f"skipped: {rid} (AWS::Lambda::Url: its function is not in the template)")
            continue
        qualifier = p.text("Qualifier", qualifier)
        out.append(_sync(ctx, rid, rid, fn, qualifier, p.locus("TargetFunctionArn"), rid,
                         f"function URL of {fn}"))
        p.leftovers(notes.URL, notes.URL_INERT)
        ctx.row(rid, "source", f"sources.{rid}", "function URL: HTTPS calls, synchronous")
    return out
