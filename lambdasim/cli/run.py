"""``lambdasim run|validate|examples|demo``: one scenario, its summary and its figure."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from ..spec import ScenarioError
from ..spec.load import example_names, example_text, load
from .template import load_any, parameter

DEFAULT_EXAMPLE = "push_vs_pull"


def available_memory() -> int:
    """Bytes this run may use: ``LAMBDASIM_MEMORY_BYTES`` if set, else the machine's
    available memory (Linux), else no limit."""
    if os.environ.get("LAMBDASIM_MEMORY_BYTES"):
        return int(os.environ["LAMBDASIM_MEMORY_BYTES"])
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 1 << 62


def choose_detail(scenario, asked: str | None) -> str:
    """The record detail to run with: full unless it would not fit in memory (then summary,
    said on stderr); refuse when even summary would not fit."""
    from ..sim.footprint import estimate_bytes

    budget = available_memory()
    full, summary = estimate_bytes(scenario, "full"), estimate_bytes(scenario, "histogram")
    gib = 1024**3
    if summary > budget:
        raise ScenarioError(
            f"duration_s = {scenario.duration_s:g}: this run needs about {summary / gib:.1f} GiB "
            f"even with --detail summary ({budget / gib:.1f} GiB available); shorten it")
    if asked is None and full > budget:
        print(f"lambdasim: full detail would need about {full / gib:.1f} GiB "
              f"({budget / gib:.1f} GiB available): running with --detail summary",
              file=sys.stderr)
        return "summary"
    if asked == "full" and full > budget:
        raise ScenarioError(f"--detail full: this run needs about {full / gib:.1f} GiB "
                            f"({budget / gib:.1f} GiB available); use --detail summary")
    return asked or "full"


class _Progress:
    """A tqdm bar on stderr over simulated time, shown once a run has taken ~2 s."""

    def __init__(self, horizon: float, enabled: bool):
        self.horizon, self.enabled, self.bar = horizon, enabled, None
        self.t0 = time.monotonic()

    def __call__(self, fraction: float) -> None:
        if not self.enabled:
            return
        if self.bar is None and time.monotonic() - self.t0 > 2.0 and fraction < 1.0:
            from tqdm import tqdm

            self.bar = tqdm(total=round(self.horizon), unit="sim-s", desc="simulating",
                            file=sys.stderr, leave=False)
        if self.bar is not None:
            self.bar.update(round(fraction * self.horizon) - self.bar.n)
            if fraction >= 1.0:
                self.bar.close()


def _run(args) -> int:
    from ..results import simulate

    scenario = load_any(args.scenario, getattr(args, "workloads", None),
                        dict(getattr(args, "parameter", None) or ()),
                        warn=lambda w: print(f"lambdasim: {w}", file=sys.stderr))
    for line in scenario.warnings():
        print(f"lambdasim: warning: {line}", file=sys.stderr)
    detail = choose_detail(scenario, args.detail)
    show = not args.quiet and sys.stderr.isatty()
    result = simulate(scenario, seed=args.seed, progress=_Progress(scenario.duration_s, show),
                      record_detail="full" if detail == "full" else "histogram")
    if args.json:
        out = {"summary": json.loads(result.summary.to_json(orient="records")),
               "functions": json.loads(result.functions.to_json(orient="records"))}
        print(json.dumps(out, indent=2))
    else:
        print(format_summary(result))
        print()
        print(format_functions(result))
    if args.out:
        paths = result.to_dir(args.out) + write_figures(result, args.out)
        print(f"wrote {', '.join(str(p) for p in paths)}", file=sys.stderr)
    return 0


def _fmt(v: float) -> str:
    return f"{v:.4g}"


def format_summary(result) -> str:
    """Per source: what was offered, what became of it, latency, throughput, cost."""
    cols = ["source", "kind", "offered", "succeeded", "failed", "dropped", "rejected",
            "expired", "in_flight", "throttles", "latency_p50_s", "latency_p99_s",
            "throughput_per_s", "cost_usd"]
    cols += [c for c in ("iterator_age_max_s", "queue_age_max_s") if c in result.summary]
    return result.summary[cols].to_string(index=False, float_format=_fmt)


def format_functions(result) -> str:
    """Per function: invocations, cold starts, concurrency, throttles, cost."""
    cols = ["function", "invocations", "cold_starts", "cold_start_fraction", "mean_concurrency",
            "max_concurrency", "throttles", "errors", "cost_usd"]
    return result.functions[cols].to_string(index=False, float_format=_fmt)


def write_figures(result, out) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    from .. import plots

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "overview.png"
    plots.overview(result).savefig(path, dpi=110)
    return [path]


def _validate(args) -> int:
    sc = load(args.scenario)
    warnings = sc.warnings()
    if warnings and args.strict:
        raise ScenarioError("\n".join(warnings))
    for line in warnings:
        print(f"lambdasim: warning: {line}", file=sys.stderr)
    print(f"{args.scenario}: valid ({len(sc.functions)} function(s), {len(sc.sources)} "
          f"source(s), {sc.duration_s:g} s)")
    return 0


def _examples(args) -> int:
    if args.name:
        sys.stdout.write(example_text(args.name))
    else:
        for name in example_names():
            print(f"{name}:")
            for line in example_text(name).splitlines():
                if not line.startswith("#"):
                    break
                print("    " + line.lstrip("# "))
    return 0


def _demo(args) -> int:
    args.scenario, args.json = DEFAULT_EXAMPLE, False
    print(f"lambdasim demo: bundled example '{DEFAULT_EXAMPLE}' "
          f"(lambdasim examples {DEFAULT_EXAMPLE} prints it)\n")
    return _run(args)


def register(sub) -> None:
    run = sub.add_parser("run", help="simulate a scenario and print its summary")
    run.add_argument("scenario", help="a scenario YAML file, or a bundled example's name")
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--out", help="directory for CSV/Parquet tables and figures")
    run.add_argument("--json", action="store_true",
                     help="print the summary and the per-function table as JSON")
    run.add_argument("--detail", choices=("full", "summary"),
                     help="full: one row per event (Result.events, exact percentiles); "
                          "summary: exact counts and histogram percentiles in fixed memory "
                          "(default: full, or summary when full would not fit in memory)")
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    run.add_argument("--workloads", metavar="FILE",
                     help="for a SAM/CloudFormation template: traffic per source (YAML)")
    run.add_argument("--parameter", metavar="KEY=VALUE", action="append", default=[],
                     type=parameter, help="for a template: a parameter value (repeatable)")
    run.set_defaults(func=_run)
    val = sub.add_parser("validate", help="check a scenario file (and print its warnings)")
    val.add_argument("scenario")
    val.add_argument("--strict", action="store_true", help="treat warnings as errors")
    val.set_defaults(func=_validate)
    ex = sub.add_parser("examples", help="list bundled example scenarios, or print one")
    ex.add_argument("name", nargs="?")
    ex.set_defaults(func=_examples)
    demo = sub.add_parser("demo", help="run the default example and write a figure")
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--out", default="out/demo")
    demo.set_defaults(func=_demo, detail=None, quiet=False)
