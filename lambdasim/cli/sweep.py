"""``lambdasim sweep``: a parameter sweep, locally or on a Dask cluster."""

from __future__ import annotations

import math
import sys
from pathlib import Path

from ..spec import ScenarioError

SWEEP_METRICS = ("succeeded", "throttles", "latency_p50_s", "latency_p99_s",
                 "throughput_per_s", "cost_usd")


def run_on_executor(args, work):
    """``work(executor)`` on the Dask scheduler of ``--scheduler`` (else locally); an
    interruption says where the finished runs are kept. Returns (result, exit status)."""
    client = _dask_client(args.scheduler) if args.scheduler else None
    try:
        return work(client), 0
    except KeyboardInterrupt:
        kept = f"; finished runs are kept in {args.out}, run again to resume" if args.out else ""
        print(f"lambdasim: interrupted{kept}", file=sys.stderr)
        return None, 130
    finally:
        if client is not None:
            client.close()


def _sweep(args) -> int:
    from ..sweep import read_sweep, summarize, sweep

    spec = read_sweep(args.sweep)
    df, status = run_on_executor(
        args, lambda client: sweep(**spec, executor=client, workers=args.workers, out=args.out))
    if status:
        return status
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
    from ..sweep import param_columns

    table = summary[[*param_columns(summary), "source", "n"]].copy()
    for m in SWEEP_METRICS:
        if f"{m}_mean" in summary:
            mean, ci = summary[f"{m}_mean"], summary[f"{m}_ci95"]
            table[m] = ["-" if math.isnan(a) else f"{a:.4g}" + (
                "" if math.isnan(b) else f" ± {b:.2g}") for a, b in zip(mean, ci, strict=True)]
    if summary["error"].notna().any():
        table["error"] = [e[:80] if isinstance(e, str) else "" for e in summary["error"]]
    return table.to_string(index=False)


def register(sub) -> None:
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
