"""``lambdasim prices [SCENARIO]``: the price table lambdasim bills with, each price with its
source, the source's date and its status; with a scenario, the prices after its ``pricing:``
block (overrides, discounts)."""

from __future__ import annotations

import textwrap


def _fmt(usd) -> str:
    return "-" if usd is None else f"{usd:.10g}"


def _prices(args) -> int:
    from ..spec.load import load
    from ..spec.pricing import STATUS_TEXT, Pricing, price_table

    table = price_table()
    pricing = load(args.scenario).pricing if args.scenario else Pricing()
    items = [pricing.item(k) for k in table.items]
    unverified = sum(it.status in ("unverified", "not_found") for it in items)
    head = (f"AWS list prices, {table.region}, {table.currency}, read {table.retrieved} "
            f"(lambdasim/data/prices.yaml; rules and citations: docs/prices.md)")
    if pricing.region != table.region:
        head += f"; the scenario's region {pricing.region} uses these unless overridden"
    if args.markdown:
        print("| price | unit | USD | status | source | date |")
        print("|---|---|---|---|---|---|")
        for it in items:
            print(f"| `{it.key}` | {it.unit} | {_fmt(it.usd)} | {STATUS_TEXT[it.status]} | "
                  f"{it.source} | {it.source_date} |")
        print(f"\n{head}. {unverified} of {len(items)} are unverified or not found.")
        return 0
    print(head)
    print(f"{unverified} of {len(items)} prices are UNVERIFIED or NOT FOUND in AWS's own text: "
          "check them against the live pricing pages before relying on a bill.\n")
    for it in items:
        cut = pricing.discounts.get(it.service, pricing.discount)
        disc = f" (after a {cut:.0%} discount)" if cut and it.usd is not None else ""
        print(f"{it.key} = {_fmt(it.usd)} USD per {it.unit}{disc}  [{STATUS_TEXT[it.status]}]")
        src = f"source: {it.source}" + (f" ({it.source_date})" if it.source_date else "")
        for line in textwrap.wrap(src, 92, break_on_hyphens=False, break_long_words=False):
            print("    " + line)
        if args.verbose and it.note:
            for line in textwrap.wrap(it.note, 92):
                print("    " + line)
    return 0


def register(sub) -> None:
    p = sub.add_parser("prices", help="print the AWS prices lambdasim bills with, their "
                                      "sources, dates and status")
    p.add_argument("scenario", nargs="?", metavar="SCENARIO",
                   help="show the prices after this scenario's pricing: block")
    p.add_argument("--markdown", action="store_true", help="as a Markdown table")
    p.add_argument("-v", "--verbose", action="store_true", help="with each price's note")
    p.set_defaults(func=_prices)
