"""``lambdasim import|compare``: a SAM or CloudFormation template as a scenario, and two
templates or scenarios run side by side.

``import`` writes the scenario YAML (stdout without ``-o``) and prints what it could not
model on stderr, one line per item. Without ``--workloads`` every source runs at the assumed
default rate: ``--workloads-skeleton FILE`` writes a workloads file listing every source to
fill in; with ``-o OUT.yaml`` and neither option, ``OUT.workloads.yaml`` is written beside it
(never overwritten); on stdout a one-line hint says so instead.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..spec import Scenario, ScenarioError
from ..spec.load import load


def parameter(text: str) -> tuple[str, str]:
    """``KEY=VALUE`` for ``--parameter``."""
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"{text!r}: must be KEY=VALUE")
    return key, value


def load_any(path: str | Path, workloads: str | Path | None = None,
             parameters: dict | None = None, warn=None) -> Scenario:
    """A scenario from a template (``Resources`` / ``AWSTemplateFormatVersion`` /
    ``Transform`` at the top) or from a scenario YAML or bundled example's name. ``run`` and
    ``compare`` use it, so both accept either; ``warn(line)`` gets the import's warnings.
    ``workloads`` and ``parameters`` apply to templates only."""
    from ..spec.template.read import TemplateError, is_template  # not needed by validate

    if Path(path).is_file() and is_template(path):
        from ..spec.template import from_template  # the importer, only for a template

        imp = from_template(path, workloads, parameters)
        for line in imp.warnings if warn else ():
            warn(line)
        return imp.scenario
    if workloads is not None or parameters:
        raise TemplateError(f"{path}: --workloads and --parameter apply to a CloudFormation/SAM "
                            "template; this is a scenario")
    return load(path)


def _guard(fn):
    """Bad input is one line and exit 2; so is a template that trips the importer itself."""
    def run(args) -> int:
        try:
            return fn(args)
        except ScenarioError:
            raise
        except Exception as exc:  # noqa: BLE001 - one line, never a traceback
            print(f"lambdasim: error: {args.template if hasattr(args, 'template') else ''}: "
                  f"cannot import ({type(exc).__name__}: {exc}); please report it with the "
                  "template", file=sys.stderr)
            return 2
    return run


def _import(args) -> int:
    from ..spec.template import from_template

    imp = from_template(args.template, args.workloads, dict(args.parameter))
    for line in imp.warnings:
        print(line, file=sys.stderr)
    if args.out:
        imp.to_yaml(args.out)
        print(f"wrote {args.out} ({len(imp.scenario.functions)} function(s), "
              f"{len(imp.scenario.sources)} source(s))", file=sys.stderr)
    else:
        sys.stdout.write(imp.to_yaml())
    skeleton = args.workloads_skeleton
    if skeleton is None and args.workloads is None and args.out:
        out = Path(args.out)
        default = out.with_name(out.name.removesuffix(out.suffix) + ".workloads.yaml")
        skeleton = None if default.exists() else default
        if skeleton is None:
            print(f"hint: {default} exists (not overwritten): fill it in and import with "
                  f"--workloads {default}", file=sys.stderr)
    if skeleton is not None:
        imp.workloads_skeleton(skeleton)
        print(f"wrote {skeleton}: every source with the assumed rate; fill in the numbers and "
              f"import again with --workloads {skeleton}", file=sys.stderr)
    elif args.workloads is None and not args.out:
        print("hint: no --workloads: every source runs at 1 event/s; --workloads-skeleton FILE "
              "writes a file listing them to fill in", file=sys.stderr)
    return 0


def _compare(args) -> int:
    from ..compare import compare, format_comparison

    params = dict(args.parameter)
    result = compare(args.a, args.b, workloads=args.workloads, seed=args.seed,
                     parameters=params)
    print(format_comparison(result))
    if args.out:
        paths = result.write(args.out)
        print(f"wrote {', '.join(str(p) for p in paths)}", file=sys.stderr)
    return 0


def register(sub) -> None:
    imp = sub.add_parser("import", help="read a SAM/CloudFormation template into a scenario")
    imp.add_argument("template", help="template.yaml or template.json (SAM or CloudFormation)")
    imp.add_argument("--workloads", metavar="FILE", help="traffic per source (YAML)")
    imp.add_argument("--parameter", metavar="KEY=VALUE", action="append", default=[],
                     type=parameter, help="a template parameter value (repeatable)")
    imp.add_argument("-o", "--out", metavar="OUT.yaml", help="write the scenario here")
    imp.add_argument("--workloads-skeleton", metavar="FILE",
                     help="write a workloads file listing every source, to fill in")
    imp.set_defaults(func=_guard(_import))
    cmp = sub.add_parser("compare", help="run two templates or scenarios with the same seed "
                         "and workloads, side by side")
    cmp.add_argument("a", help="a template, scenario YAML or bundled example")
    cmp.add_argument("b", help="the what-if: a template, scenario YAML or bundled example")
    cmp.add_argument("--workloads", metavar="FILE", help="traffic per source (templates)")
    cmp.add_argument("--parameter", metavar="KEY=VALUE", action="append", default=[],
                     type=parameter, help="a template parameter value (both templates)")
    cmp.add_argument("--seed", type=int, default=0)
    cmp.add_argument("--out", metavar="DIR", help="write compare.png and the tables here")
    cmp.set_defaults(func=_compare)
