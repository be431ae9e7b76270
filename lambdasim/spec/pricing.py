"""AWS prices as data: the researched price table and a scenario's ``pricing:`` block.

The table (``lambdasim/data/prices.yaml``, readable form in ``docs/prices.md``) holds every
price lambdasim bills: one item per (service, item) with its unit, USD per unit, source, the
source's date and a ``status``: ``verified_aws`` (read in AWS's own text), ``derived_aws``
(computed from a rule AWS states), ``unverified`` (the commonly quoted figure, NOT found in
AWS's text: check it before relying on it) or ``not_found`` (no price). ``lambdasim prices``
prints it. The table's region is us-east-1, list (on-demand) prices, free tiers ignored.

A scenario's ``pricing:`` block overrides it::

    pricing:
      region: eu-west-1              # a label: prices not given below stay us-east-1's
      discount: 0.1                  # 10 % off every price (a Savings Plan, an EDP, ...)
      discounts: {lambda: 0.17}      # per service, instead of ``discount``
      prices: {sqs.standard_requests: 0.00000035}   # USD per unit, per item
      bill_init: true                # the init phase is billed (since 1 August 2025)

The older fields ``request_usd_per_million``, ``gb_second_usd``, ``arm_gb_second_usd``,
``provisioned_gb_second_usd`` and ``provisioned_duration_gb_second_usd`` keep working: they
set the Lambda request price and the x86 (arm64 for ``arm_gb_second_usd``) duration and
provisioned-concurrency prices; ``prices:`` wins over them. The bill itself is computed in
:mod:`lambdasim.results.bill` and :mod:`lambdasim.results.cost`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from typing import Annotated

from pydantic import Field, model_validator

from .base import Spec, limits, load_yaml

Usd = Annotated[float, limits(0, 1000, "USD")]
Fraction = Annotated[float, limits(0, 1, "fraction of the price")]

#: billing units (bytes): SQS, SNS and EventBridge bill each 64 KB chunk of a payload as one
#: request or event; Kinesis bills PUT payload units of 25 KB; KiB as AWS's examples count
#: them (a 256 KB message = 4 requests). EFO data retrieval is billed per GB (GiB here).
CHUNK_64KB = 64 * 1024
PUT_UNIT_BYTES = 25 * 1024
GB = 1024**3
#: SQS and SNS batch actions carry at most 10 messages (one request each, per 64 KB)
SQS_BATCH_MAX = 10

STATUS_TEXT = {
    "verified_aws": "AWS",
    "derived_aws": "derived from AWS's rule",
    "unverified": "UNVERIFIED (third-party figure)",
    "not_found": "NOT FOUND",
    "override": "set in the scenario",
}


def chunks(nbytes: float, size: int = CHUNK_64KB) -> int:
    """Billed units of a payload of ``nbytes``: ceil(nbytes / size), at least 1."""
    return max(1, math.ceil(nbytes / size))


def batched_requests(messages: int, record_bytes: int, per_call: int = SQS_BATCH_MAX) -> int:
    """Billed requests of batch calls carrying ``messages`` of ``record_bytes`` each, at most
    ``per_call`` per call: one per call and per 64 KB chunk of the call's payload."""
    if messages <= 0:
        return 0
    full, rest = divmod(int(messages), per_call)
    return full * chunks(per_call * record_bytes) + (chunks(rest * record_bytes) if rest else 0)


@dataclass(frozen=True)
class PriceItem:
    """One price: USD per ``unit`` (None: no price), with where it was read."""

    service: str
    item: str
    unit: str
    usd: float | None
    status: str
    source: str
    source_date: str
    note: str = ""

    @property
    def key(self) -> str:
        return f"{self.service}.{self.item}"

    @property
    def unverified(self) -> bool:
        return self.status in ("unverified", "not_found")


@dataclass(frozen=True)
class PriceTable:
    region: str
    currency: str
    retrieved: str
    items: dict  # "service.item" -> PriceItem

    def __getitem__(self, key: str) -> PriceItem:
        try:
            return self.items[key]
        except KeyError:
            raise KeyError(f"{key!r}: no such price (prices: {', '.join(self.items)})") from None

    @property
    def services(self) -> list[str]:
        return list(dict.fromkeys(i.service for i in self.items.values()))


@cache
def price_table() -> PriceTable:
    """The researched price table shipped with lambdasim (``lambdasim/data/prices.yaml``)."""
    text = resources.files("lambdasim.data").joinpath("prices.yaml").read_text()
    data = load_yaml(text)
    items = {}
    for d in data["items"]:
        it = PriceItem(d["service"], d["item"], str(d["unit"]), d.get("usd"), d["status"],
                       str(d.get("source", "")), str(d.get("source_date", "undated")),
                       str(d.get("note", "")))
        items[it.key] = it
    return PriceTable(str(data["region"]), str(data["currency"]), str(data["retrieved"]), items)


def _table_usd(key: str) -> float:
    return float(price_table()[key].usd)


#: the older Lambda fields and the items they set
LEGACY_FIELDS = {
    "request_usd_per_million": ("lambda.requests", 1e6),
    "gb_second_usd": ("lambda.duration_x86_gb_s", 1.0),
    "arm_gb_second_usd": ("lambda.duration_arm64_gb_s", 1.0),
    "provisioned_gb_second_usd": ("lambda.provisioned_concurrency_x86_gb_s", 1.0),
    "provisioned_duration_gb_second_usd": ("lambda.provisioned_duration_x86_gb_s", 1.0),
}


class Pricing(Spec):
    """The prices a scenario is billed at: the shipped table, with this block's overrides."""

    region: str = Field(default_factory=lambda: price_table().region, min_length=1)
    discount: Fraction = 0.0
    discounts: dict[str, Fraction] = {}
    prices: dict[str, Usd] = {}
    request_usd_per_million: Usd = round(_table_usd("lambda.requests") * 1e6, 10)
    gb_second_usd: Usd = _table_usd("lambda.duration_x86_gb_s")
    arm_gb_second_usd: Usd = _table_usd("lambda.duration_arm64_gb_s")
    provisioned_gb_second_usd: Usd = _table_usd("lambda.provisioned_concurrency_x86_gb_s")
    provisioned_duration_gb_second_usd: Usd = _table_usd("lambda.provisioned_duration_x86_gb_s")
    bill_init: bool = True

    @model_validator(mode="after")
    def _known_items(self):
        table = price_table()
        for key in self.prices:
            if key not in table.items:
                import difflib

                near = difflib.get_close_matches(key, list(table.items), n=1, cutoff=0.5)
                hint = f"; did you mean {near[0]!r}?" if near else ""
                raise ValueError(f"prices.{key}: no such price item{hint} (items: "
                                 "`lambdasim prices`)")
        for svc in self.discounts:
            if svc not in table.services:
                raise ValueError(f"discounts.{svc}: no such service (services: "
                                 f"{', '.join(table.services)})")
        return self

    def item(self, key: str) -> PriceItem:
        """The price of ``"service.item"`` as billed: the scenario's override, or the older
        field, or the table; less the discount. ``usd`` is None when no price is known."""
        base = price_table()[key]
        table = price_table()
        if key in self.prices:
            it = replace(base, usd=float(self.prices[key]), status="override",
                         source="scenario pricing.prices", source_date="")
        else:
            it = base
            for field, (k, scale) in LEGACY_FIELDS.items():
                if k != key:
                    continue
                value = getattr(self, field)
                it = replace(base, usd=value / scale if scale != 1.0 else value)
                if value != type(self).model_fields[field].default:
                    it = replace(it, status="override", source=f"scenario pricing.{field}",
                                 source_date="")
        cut = self.discounts.get(base.service, self.discount)
        if cut and it.usd is not None:
            it = replace(it, usd=it.usd * (1.0 - cut),
                         note=f"{cut:.0%} discount applied. {it.note}")
        if self.region != table.region and it.status != "override":
            it = replace(it, note=f"{table.region} price: the table has none for "
                                  f"{self.region}. {it.note}")
        return it

    def usd(self, key: str) -> float:
        """USD per unit of ``"service.item"`` (0 where no price is known: see ``item``)."""
        v = self.item(key).usd
        return 0.0 if v is None else float(v)
