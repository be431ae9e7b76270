"""lambdasim: simulate AWS Lambda under push and pull event sources.

Commands: run, validate, examples, demo, sweep. Bad input (an invalid scenario, a YAML syntax
error, a missing file) prints one line per problem on stderr and exits with status 2, without
a traceback. A sweep some of whose runs failed exits with 1.
"""

from __future__ import annotations

import argparse
import sys

from .. import __version__
from ..spec import ScenarioError
from . import advise, defaults, prices, run, sweep, template

#: each command module registers its sub-commands
COMMANDS = (run, sweep, template, defaults, prices, advise)


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # usage errors: one line, exit 2
        self.exit(2, f"lambdasim: error: {message}\n")


def main(argv: list[str] | None = None) -> int:
    p = _Parser(prog="lambdasim", description=__doc__.splitlines()[0])
    p.add_argument("--version", action="version", version=f"lambdasim {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        command.register(sub)
    args = p.parse_args(argv)
    if args.command is None:
        p.print_help()
        return 0
    if getattr(args, "workers", None) is not None and args.workers < 1:
        p.error(f"--workers = {args.workers}: must be >= 1")
    if getattr(args, "seed", 0) < 0:
        p.error(f"--seed = {args.seed}: must be >= 0")
    try:
        return args.func(args)
    except BrokenPipeError:  # e.g. piped into head
        sys.stderr.close()
        return 0
    except ScenarioError as exc:  # one line per problem
        for line in str(exc).splitlines():
            print(f"lambdasim: error: {line}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
