"""``lambdasim advise``: the cheapest configuration of some knobs that meets the targets.

    lambdasim advise SCENARIO --knob PATH=V1,V2,... --target COLUMN<=X ... [--workers N]
                              [--out DIR]

prints the recommendation, the runners-up, the Pareto table and what was skipped, and writes
the recommended scenario (``recommended.yaml``), the Pareto figure (``pareto.png``), the
"why not" figure (``why_not.png``) and the table (``advice.csv``) to DIR (default
``advice``). With ``--out`` the runs are kept there too, so an interrupted search resumes.
Exits with 1 when no configuration meets every target.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from ..spec import ScenarioError
from .sweep import run_on_executor

_TARGET = re.compile(r"^\s*([A-Za-z0-9_.\-]+)\s*(<=|>=|<|>)\s*(\S+)\s*$")


def parse_knob(text: str) -> tuple[str, list]:
    """``PATH=V1,V2,...`` (each value read as YAML: ``null``, ``10``, ``true``, ``x``) or
    ``PATH=[V1, V2]`` (a YAML list, for values with commas)."""
    import yaml

    path, sep, values = text.partition("=")
    if not sep or not path.strip() or not values.strip():
        raise ScenarioError(f"--knob {text!r}: must be PATH=V1,V2,... e.g. "
                            "sources.clicks.batch_size=100,500")
    try:
        vals = (yaml.safe_load(values) if values.strip().startswith("[")
                else [yaml.safe_load(v) for v in values.split(",")])
    except yaml.YAMLError:
        raise ScenarioError(f"--knob {text!r}: cannot read the values") from None
    if not isinstance(vals, list) or not vals:
        raise ScenarioError(f"--knob {text!r}: must list at least one value")
    return path.strip(), vals


def parse_target(text: str) -> tuple[str, str]:
    """``COLUMN<=X`` (or ``>=``; ``SOURCE.COLUMN`` for one source) -> (key, limit spec)."""
    m = _TARGET.match(text)
    if not m:
        raise ScenarioError(f"--target {text!r}: must be COLUMN<=X or COLUMN>=X, e.g. "
                            "latency_p99_s<=5 or clicks.iterator_age_max_s<=5")
    op = {"<": "<=", ">": ">="}.get(m.group(2), m.group(2))
    return m.group(1), f"{op}{m.group(3)}"



def _advise(args) -> int:
    from .. import plots
    from ..advisor import advise
    from ..spec.load import load

    base = load(args.scenario)
    knobs = dict(parse_knob(k) for k in args.knob)
    targets = dict(parse_target(t) for t in args.target)
    advice, status = run_on_executor(args, lambda client: advise(
        base, knobs, targets, objective=args.objective, replications=args.replications,
        seed=args.seed, executor=client, out=args.out, workers=args.workers,
        prune=not args.full_grid))
    if status:
        return status
    print(advice.report())
    out = Path(args.out or "advice")
    out.mkdir(parents=True, exist_ok=True)
    written = [out / "advice.csv", out / "pareto.png", out / "why_not.png"]
    advice.table.to_csv(written[0], index=False)
    plots.plot_pareto(advice).savefig(written[1], dpi=110)
    plots.plot_why_not(advice).savefig(written[2], dpi=110)
    if advice.best is not None:
        written.insert(0, out / "recommended.yaml")
        advice.best.to_yaml(written[0])
    print("wrote " + ", ".join(map(str, written)), file=sys.stderr)
    return 0 if advice.best is not None else 1


def register(sub) -> None:
    p = sub.add_parser("advise", help="find the cheapest configuration of some knobs that "
                                      "meets latency, age and loss targets")
    p.add_argument("scenario", metavar="SCENARIO", help="a scenario YAML or an example's name")
    p.add_argument("--knob", action="append", required=True, metavar="PATH=V1,V2,...",
                   help="a dotted path and its candidate values (repeat for more knobs)")
    p.add_argument("--target", action="append", required=True, metavar="COLUMN<=X",
                   help="a limit on a summary column, for every source or SOURCE.COLUMN "
                        "(repeat for more)")
    p.add_argument("--objective", default="cost_usd",
                   help="the column to minimise (default: cost_usd, the whole bill)")
    p.add_argument("--replications", type=int, default=3, metavar="N",
                   help="runs per configuration (default 3)")
    p.add_argument("--seed", type=int, default=0)
    where = p.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, metavar="N",
                       help="local worker processes (default: all cores)")
    where.add_argument("--scheduler", metavar="ADDRESS", help="run on this Dask scheduler")
    p.add_argument("--out", metavar="DIR", help="keep the runs here (resumable) and write the "
                                                "results here (default: ./advice)")
    p.add_argument("--full-grid", action="store_true",
                   help="run every configuration and replication (no pruning)")
    p.set_defaults(func=_advise)
