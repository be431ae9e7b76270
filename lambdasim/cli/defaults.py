"""``lambdasim defaults``: every default that stands for AWS behaviour, and its source."""

from __future__ import annotations

import textwrap


def _defaults(args) -> int:
    from ..spec.defaults import table

    rows = table()
    if args.markdown:
        print("| parameter | default | AWS behaviour | source |")
        print("|---|---|---|---|")
        for r in rows:
            print(f"| `{r['parameter']}` | {r['value']} | {r['behaviour']} | {r['source']} |")
        return 0
    for r in rows:
        print(f"{r['parameter']} = {r['value']}")
        for line in textwrap.wrap(f"{r['behaviour']} [{r['source']}]", 92):
            print("    " + line)
    return 0


def register(sub) -> None:
    p = sub.add_parser("defaults", help="list the defaults that stand for AWS behaviour, "
                                        "with their sources")
    p.add_argument("--markdown", action="store_true", help="as a Markdown table")
    p.set_defaults(func=_defaults)
