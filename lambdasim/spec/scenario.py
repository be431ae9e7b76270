"""A scenario: the account, its functions and the sources that invoke them, as immutable,
validated data. Build one from a dict or a YAML file; an invalid one raises a single
:class:`ScenarioError` naming the field, the value and the allowed range."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import Field, ValidationError, model_validator

from .account import AccountSpec, check_carving
from .async_source import AsyncSourceSpec
from .base import ScenarioError, Spec, limits, read_yaml, scenario_error
from .distributions import median_ceiling
from .function import FunctionSpec
from .permissions import check_permissions, permission_warnings
from .pricing import Pricing
from .sqs import SqsSourceSpec, check_sqs
from .stream import StreamSourceSpec
from .sync_source import SyncSourceSpec

#: every source kind's spec; the sim layer pairs each with its runtime
SOURCE_SPECS = (SyncSourceSpec, AsyncSourceSpec, StreamSourceSpec, SqsSourceSpec)
SourceSpec = Annotated[
    SyncSourceSpec | AsyncSourceSpec | StreamSourceSpec | SqsSourceSpec,
    Field(discriminator="kind")]


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
        check_carving(self.account, self.functions)
        check_permissions(self)
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
        data = read_yaml(path)
        if data is None:
            raise ScenarioError(f"{path}: the file is empty (a scenario needs functions and "
                                "sources)")
        if isinstance(data, dict):
            _resolve_traces(data, path.parent)
        return cls.from_dict(data)

    @classmethod
    def from_template(cls, path: str | Path, workloads: Any = None,
                      parameters: dict | None = None) -> Scenario:
        """A scenario from a SAM or CloudFormation template (``lambdasim.from_template``,
        which also gives the warnings and the resource mapping)."""
        from .template import from_template  # lazy: the template package imports this one

        return from_template(path, workloads, parameters).scenario

    def to_dict(self) -> dict:
        return self.model_dump(mode="json")

    def to_yaml(self, path: str | Path | None = None) -> str:
        text = yaml.safe_dump(self.to_dict(), sort_keys=False)
        if path is not None:
            Path(path).write_text(text)
        return text

    # -- advice ---------------------------------------------------------------------------
    def warnings(self) -> list[str]:
        """Defaults that may surprise, one line each (the run goes on; ``lambdasim validate
        --strict`` makes them errors)."""
        out = []
        for i, f in enumerate(self.functions):
            if "duration" not in f.model_fields_set:
                out.append(f"functions[{i}].duration: not given; using lognormal mean 0.2 s, "
                           "cv 0.5")
            typical = _typical_above(f.duration, f.timeout_s)
            if typical is not None:
                out.append(f"functions[{i}].duration: typical draw {typical:.3g} s exceeds "
                           f"timeout_s = {f.timeout_s:g}: most invocations will time out")
        for i, src in enumerate(self.sources):
            if src.kind in ("kinesis", "dynamodb") and "shards" not in src.model_fields_set:
                out.append(f"sources[{i}].shards: not given; using 1 shard")
        return out + permission_warnings(self)

    # -- look-ups -------------------------------------------------------------------------
    def function(self, name: str) -> FunctionSpec:
        return next(f for f in self.functions if f.name == name)

    def source(self, name: str):
        return next(s for s in self.sources if s.name == name)


def _typical_above(dist, limit: float) -> float | None:
    """The median of 1,001 draws (seed 0) if it exceeds ``limit``, else None. It draws (and
    imports numpy) only when ``median_ceiling`` does not already rule that out."""
    if median_ceiling(dist) < limit:
        return None
    import numpy as np

    typical = float(np.median(dist.sample(np.random.default_rng(0), 1001)))
    return typical if typical > limit else None


def _resolve_traces(data: dict, base: Path) -> None:
    """Trace paths in a YAML file are relative to that file."""
    for src in data.get("sources") or []:
        wl = src.get("workload") if isinstance(src, dict) else None
        if isinstance(wl, dict) and wl.get("pattern") == "trace" and isinstance(
                wl.get("path"), str):
            p = Path(wl["path"])
            if not p.is_absolute() and (base / p).is_file():
                wl["path"] = str(base / p)
