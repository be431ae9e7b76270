"""A function's configuration, as ``aws lambda get-function-configuration`` shows it
(FunctionName, MemorySize, Timeout, ReservedConcurrentExecutions, ... are accepted too), plus
what AWS does not publish: the handler's duration, the init (cold start) duration, the error
rate and how long an execution environment lives.

Environment lifetimes (AWS publishes neither; defaults from independent probes, see
docs/calibration.md): an environment idle for ``keep_alive_s`` (600 s: "precisely 10 minutes
after the last request" since July 2019, mikhail.io, Aug 2019; "a bit longer than 10 minutes",
Xebia) is reclaimed by a background sweep some ``reclaim_lag`` later (uniform 0-60 s, an
ASSUMPTION), not at a sharp deadline; and however busy, it is recycled when an invocation ends
after ``max_environment_lifetime_s`` (2 h, Xebia: busy instances terminated "every two hours")
less a jitter of up to ``lifetime_jitter_s`` (an ASSUMPTION). ``max_environment_lifetime_s:
null`` keeps busy environments for ever; ``keep_alive_s: 0`` turns reuse off (no lag).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AliasChoices, Field, field_validator, model_validator

from .base import Spec, limits
from .distributions import Distribution, Lognormal, Uniform
from .runtimes import init_distribution


class FunctionSpec(Spec):
    """One function's configuration (names as in ``aws lambda get-function-configuration``
    are accepted too: FunctionName, MemorySize, Timeout, ReservedConcurrentExecutions, ...)."""

    name: str = Field(validation_alias=AliasChoices("name", "FunctionName"), min_length=1)
    memory_mb: Annotated[int, limits(128, 10240, "AWS Lambda memory")] = Field(
        512, validation_alias=AliasChoices("memory_mb", "MemorySize"))
    timeout_s: Annotated[float, limits(1, 900, "AWS Lambda timeout, seconds")] = Field(
        30, validation_alias=AliasChoices("timeout_s", "Timeout"))
    duration: Distribution = Lognormal(mean_s=0.2, cv=0.5)
    per_record_s: Annotated[float, limits(0, 900, "extra seconds per record of a batch")] = 0.0
    cold_start: Distribution | None = Lognormal(mean_s=0.3, cv=0.5)
    keep_alive_s: Annotated[float, limits(0, 86400, "idle seconds before shutdown")] = 600.0
    reclaim_lag: Distribution | None = Uniform(low_s=0.0, high_s=60.0)
    max_environment_lifetime_s: Annotated[
        float | None, limits(1, 604800, "seconds an environment lives")] = 7200.0
    lifetime_jitter_s: Annotated[float, limits(0, 86400, "seconds")] = 300.0
    reserved_concurrency: Annotated[int | None, limits(0, 10_000_000, "concurrency")] = Field(
        None, validation_alias=AliasChoices("reserved_concurrency", "ReservedConcurrentExecutions"))
    provisioned_concurrency: Annotated[int, limits(0, 10_000_000, "concurrency")] = Field(
        0, validation_alias=AliasChoices(
            "provisioned_concurrency", "ProvisionedConcurrentExecutions"))
    error_rate: Annotated[float, limits(0, 1, "probability")] = 0.0
    architecture: Literal["x86_64", "arm64"] = Field(
        "x86_64", validation_alias=AliasChoices("architecture", "Architectures"))
    runtime: str | None = Field(None, validation_alias=AliasChoices("runtime", "Runtime"))

    @model_validator(mode="before")
    @classmethod
    def _runtime_cold_start(cls, data):
        """``runtime`` picks the measured init distribution unless ``cold_start`` is given."""
        if not isinstance(data, dict) or not data.get("runtime", data.get("Runtime")):
            return data
        if "cold_start" in data:
            return data
        runtime = data.get("runtime", data.get("Runtime"))
        arch = data.get("architecture", data.get("Architectures", "x86_64"))
        arch = arch[0] if isinstance(arch, list | tuple) and arch else arch
        memory = data.get("memory_mb", data.get("MemorySize", 512))
        if not isinstance(runtime, str) or not isinstance(memory, int | float):
            return data  # the field validators report it
        try:
            dist = init_distribution(runtime, str(arch), int(memory))
        except ValueError as exc:
            raise ValueError(str(exc)) from None
        return {**data, "cold_start": dist}

    @field_validator("architecture", mode="before")
    @classmethod
    def _first_arch(cls, v):
        return v[0] if isinstance(v, list | tuple) and v else v

    @model_validator(mode="after")
    def _provisioned_within_reserved(self):
        r, p = self.reserved_concurrency, self.provisioned_concurrency
        if r is not None and p > r:
            raise ValueError(
                f"provisioned_concurrency = {p}: must be 0..{r} (at most the reserved concurrency)")
        return self
