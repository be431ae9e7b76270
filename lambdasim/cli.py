"""Command line: ``lambdasim run|validate|examples|demo|sweep``.

Bad input (an invalid scenario, a YAML syntax error, a missing file) prints one line on stderr
and exits with status 2, without a traceback. A sweep some of whose runs failed exits with 1.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from importlib import resources
from pathlib import Path

from ._validation import ScenarioError
from .scenario import Scenario

DEFAULT_EXAMPLE = "push_vs_pull"


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # usage errors: one line, exit 2
        self.exit(2, f"lambdasim: error: {message}\n")


def example_names() -> list[str]:
    return sorted(p.name[:-5] for p in resources.files("lambdasim.examples").iterdir()
                  if p.name.endswith(".yaml"))


def example_text(name: str) -> str:
    if name not in example_names():
        raise ScenarioError(f"example = {name!r}: no such example "
                            f"(examples: {', '.join(example_names())})")
    return resources.files("lambdasim.examples").joinpath(f"{name}.yaml").read_text()


def load(spec: str) -> Scenario:
    """A scenario from a YAML path, or from a bundled example's name."""
    path = Path(spec)
    if not path.exists() and spec in example_names():
        with resources.as_file(resources.files("lambdasim.examples") / f"{spec}.yaml") as p:
            return Scenario.from_yaml(p)
    return Scenario.from_yaml(path)


def _run(args) -> int:
    from .engine import simulate

    scenario = load(args.scenario)
    result = simulate(scenario, seed=args.seed)
    if args.json:
        print(json.dumps(json.loads(result.summary.to_json(orient="records")), indent=2))
    else:
        print(format_summary(result))
    if args.out:
        paths = result.to_dir(args.out) + write_figures(result, args.out)
        print(f"wrote {', '.join(str(p) for p in paths)}", file=sys.stderr)
    return 0


def format_summary(result) -> str:
    cols = ["source", "kind", "offered", "succeeded", "failed", "dropped", "rejected",
            "expired", "in_flight", "throttles", "latency_p50_s", "latency_p99_s",
            "throughput_per_s", "cost_usd"]
    cols += [c for c in ("iterator_age_max_s", "queue_age_max_s") if c in result.summary]
    return result.summary[cols].to_string(index=False, float_format=lambda v: f"{v:.4g}")


def write_figures(result, out) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    from . import plots

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "overview.png"
    plots.overview(result).savefig(path, dpi=110)
    return [path]


def _validate(args) -> int:
    sc = load(args.scenario)
    print(f"{args.scenario}: valid ({len(sc.functions)} function(s), {len(sc.sources)} "
          f"source(s), {sc.duration_s:g} s)")
    return 0


def _examples(args) -> int:
    if args.name:
        sys.stdout.write(example_text(args.name))
    else:
        for name in example_names():
            first = example_text(name).splitlines()[0].lstrip("# ")
            print(f"{name:20s} {first}")
    return 0


def _demo(args) -> int:
    args.scenario, args.json = DEFAULT_EXAMPLE, False
    print(f"lambdasim demo: bundled example '{DEFAULT_EXAMPLE}' "
          f"(lambdasim examples {DEFAULT_EXAMPLE} prints it)\n")
    return _run(args)


SWEEP_METRICS = ("succeeded", "throttles", "latency_p50_s", "latency_p99_s",
                 "throughput_per_s", "cost_usd")


def _sweep(args) -> int:
    from .sweep import read_sweep, summarize, sweep

    spec = read_sweep(args.sweep)
    client = _dask_client(args.scheduler) if args.scheduler else None
    try:
        df = sweep(**spec, executor=client, workers=args.workers, out=args.out)
    except KeyboardInterrupt:
        kept = f"; finished runs are kept in {args.out}, run again to resume" if args.out else ""
        print(f"lambdasim: interrupted{kept}", file=sys.stderr)
        return 130
    finally:
        if client is not None:
            client.close()
    summary = summarize(df)
    print(format_sweep(summary))
    if args.out:
        path = Path(args.out) / "summary.csv"
        summary.to_csv(path, index=False)
        print(f"wrote {path}, {Path(args.out) / 'sweep.parquet'}", file=sys.stderr)
    failed = int(df.drop_duplicates(["config", "replication"])["error"].notna().sum())
    if failed:
        print(f"lambdasim: {failed} of {df.drop_duplicates(['config', 'replication']).shape[0]}"
              " runs failed (see the error column)", file=sys.stderr)
    return 1 if failed else 0


def _dask_client(address: str):
    try:
        from distributed import Client
    except ImportError:
        raise ScenarioError("--scheduler: needs dask.distributed (pip install "
                            "'lambdasim[dask]')") from None
    try:
        return Client(address, timeout="10s")
    except (OSError, TimeoutError, ValueError, TypeError) as exc:
        raise ScenarioError(f"--scheduler = {address}: cannot connect "
                            f"({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})"
                            ) from None


def format_sweep(summary) -> str:
    """The summarized sweep as text: mean +- 95 % CI half-width of the main metrics."""
    from .sweep import param_columns

    table = summary[[*param_columns(summary), "source", "n"]].copy()
    for m in SWEEP_METRICS:
        if f"{m}_mean" in summary:
            mean, ci = summary[f"{m}_mean"], summary[f"{m}_ci95"]
            table[m] = ["-" if math.isnan(a) else f"{a:.4g}" + (
                "" if math.isnan(b) else f" ± {b:.2g}") for a, b in zip(mean, ci, strict=True)]
    if summary["error"].notna().any():
        table["error"] = [e[:80] if isinstance(e, str) else "" for e in summary["error"]]
    return table.to_string(index=False)


def main(argv: list[str] | None = None) -> int:
    p = _Parser(prog="lambdasim", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="simulate a scenario and print its summary")
    run.add_argument("scenario", help="a scenario YAML file, or a bundled example's name")
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--out", help="directory for CSV/Parquet tables and figures")
    run.add_argument("--json", action="store_true", help="print the summary as JSON")
    run.set_defaults(func=_run)
    val = sub.add_parser("validate", help="check a scenario file")
    val.add_argument("scenario")
    val.set_defaults(func=_validate)
    ex = sub.add_parser("examples", help="list bundled example scenarios, or print one")
    ex.add_argument("name", nargs="?")
    ex.set_defaults(func=_examples)
    demo = sub.add_parser("demo", help="run the default example and write a figure")
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--out", default="out/demo")
    demo.set_defaults(func=_demo)
    sw = sub.add_parser("sweep", help="run a parameter sweep and print means with 95 %% CIs")
    sw.add_argument("sweep", metavar="SWEEP.yaml",
                    help="a sweep file: base, grid, replications (and optionally seed, zip)")
    where = sw.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, metavar="N",
                       help="local worker processes (default: all cores)")
    where.add_argument("--scheduler", metavar="ADDRESS", help="run on this Dask scheduler")
    sw.add_argument("--out", metavar="DIR",
                    help="directory for per-run Parquet files (resumable) and results")
    sw.set_defaults(func=_sweep)
    args = p.parse_args(argv)
    if getattr(args, "workers", None) is not None and args.workers < 1:
        p.error(f"--workers = {args.workers}: must be >= 1")
    if getattr(args, "seed", 0) < 0:
        p.error(f"--seed = {args.seed}: must be >= 0")
    try:
        return args.func(args)
    except ScenarioError as exc:
        print(f"lambdasim: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
