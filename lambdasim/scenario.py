"""A scenario: the account, its functions and the sources that invoke them, as immutable,
validated data. Build one from a dict or a YAML file; an invalid one raises a single
:class:`ScenarioError` naming the field, the value and the allowed range."""

from __future__ import annotations

from functools import reduce
from operator import or_
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import Field, ValidationError, model_validator

from ._validation import ScenarioError, Spec, limits, scenario_error
from .concurrency import AccountSpec
from .function import FunctionSpec
from .pricing import Pricing
from .sources import KINDS
from .sqs import check_sqs

SourceSpec = Annotated[reduce(or_, (spec for spec, _ in KINDS)), Field(discriminator="kind")]


def _unique(items, what: str) -> None:
    seen: dict[str, int] = {}
    for i, it in enumerate(items):
        if it.name in seen:
            raise ValueError(f"{what}[{i}].name = {it.name!r}: must be unique "
                             f"(also {what}[{seen[it.name]}])")
        seen[it.name] = i


class Scenario(Spec):
    """What to simulate: horizon, account, functions and sources."""

    duration_s: Annotated[float, limits(0.001, 31_536_000, "simulated seconds")] = 600.0
    warmup_s: Annotated[float, limits(0, 31_536_000, "seconds")] = 0.0
    account: AccountSpec = AccountSpec()
    functions: tuple[FunctionSpec, ...] = Field(min_length=1)
    sources: tuple[SourceSpec, ...] = Field(min_length=1)
    pricing: Pricing = Pricing()

    @model_validator(mode="after")
    def _consistent(self):
        if self.warmup_s >= self.duration_s:
            raise ValueError(f"warmup_s = {self.warmup_s:g}: must be below duration_s "
                             f"({self.duration_s:g})")
        _unique(self.functions, "functions")
        _unique(self.sources, "sources")
        names = [f.name for f in self.functions]
        for i, s in enumerate(self.sources):
            if s.function not in names:
                raise ValueError(f"sources[{i}].function = {s.function!r}: no such function "
                                 f"(functions: {', '.join(names)})")
        check_sqs(self)
        acct = self.account
        room = acct.concurrency_limit - acct.unreserved_minimum
        carved = 0
        for i, f in enumerate(self.functions):
            take = f.reserved_concurrency if f.reserved_concurrency is not None else (
                f.provisioned_concurrency)
            carved += take
            if carved > room:
                field = ("reserved_concurrency" if f.reserved_concurrency is not None
                         else "provisioned_concurrency")
                raise ValueError(
                    f"functions[{i}].{field} = {take}: must be 0..{room - carved + take} "
                    f"(reserved and provisioned concurrency must leave "
                    f"{acct.unreserved_minimum} of the account's {acct.concurrency_limit} "
                    "unreserved)")
        return self

    # -- construction ---------------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: Any) -> Scenario:
        if not isinstance(data, dict):
            raise ScenarioError(f"scenario = {type(data).__name__}: must be a mapping of fields")
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise scenario_error(exc, data) from None

    @classmethod
    def from_yaml(cls, path: str | Path) -> Scenario:
        path = Path(path)
        try:
            text = path.read_text()
        except OSError as exc:
            raise ScenarioError(f"{path}: cannot read ({exc.strerror})") from None
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            raise ScenarioError(f"{path}:{where}: YAML syntax error: {what}") from None
        if isinstance(data, dict):
            _resolve_traces(data, path.parent)
        return cls.from_dict(data)

    def to_dict(self) -> dict:
        return self.model_dump(mode="json")

    def to_yaml(self, path: str | Path | None = None) -> str:
        text = yaml.safe_dump(self.to_dict(), sort_keys=False)
        if path is not None:
            Path(path).write_text(text)
        return text

    # -- look-ups -------------------------------------------------------------------------
    def function(self, name: str) -> FunctionSpec:
        return next(f for f in self.functions if f.name == name)

    def source(self, name: str):
        return next(s for s in self.sources if s.name == name)


def _resolve_traces(data: dict, base: Path) -> None:
    """Trace paths in a YAML file are relative to that file."""
    for src in data.get("sources") or []:
        wl = src.get("workload") if isinstance(src, dict) else None
        if isinstance(wl, dict) and wl.get("pattern") == "trace" and isinstance(
                wl.get("path"), str):
            p = Path(wl["path"])
            if not p.is_absolute() and (base / p).is_file():
                wl["path"] = str(base / p)
