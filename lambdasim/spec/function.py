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

Duration and memory: Lambda allocates CPU in proportion to memory, "at 1,769 MB, a function has
the equivalent of one vCPU (one vCPU-second of credits per second)" (LDG configuration-memory),
up to 6 vCPUs at 10,240 MB (AWS News Blog, "New for AWS Lambda - Functions with up to 10 GB of
memory and 6 vCPUs", Dec 2020). A function may give its duration as measured at a reference
memory, and the share of it that is CPU work: ``duration: {dist: ..., at_memory_mb: 1024,
cpu_bound: 0.7}`` (or the function fields ``duration_at_memory_mb`` and ``cpu_bound``). At
another memory size the CPU-bound share scales with the vCPU share, min(memory / 1,769,
``cpu_threads``): a single-threaded handler (``cpu_threads: 1``, the default) gains nothing
beyond one vCPU; the rest (I/O waits) is unchanged. The factor applies to the whole invoke
phase, ``per_record_s`` included. Without these fields the duration does not depend on memory.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AliasChoices, Field, field_validator, model_validator

from .base import Spec, limits
from .distributions import Distribution, Lognormal, Uniform
from .permissions import ExecutionRole, Statement, expand_permission_missing
from .runtimes import init_distribution

#: memory (MB) that gives one vCPU (LDG configuration-memory)
MB_PER_VCPU = 1769
#: keys of a ``duration`` mapping that belong to the function (memory-dependent duration)
_DURATION_KEYS = {"at_memory_mb": "duration_at_memory_mb", "cpu_bound": "cpu_bound",
                  "cpu_threads": "cpu_threads"}


def vcpus(memory_mb: float, threads: int = 1) -> float:
    """vCPUs a handler with ``threads`` CPU threads can use at ``memory_mb``: memory / 1,769
    (a share of one vCPU below 1,769 MB), at most ``threads``."""
    return min(memory_mb / MB_PER_VCPU, float(threads))


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
    duration_at_memory_mb: Annotated[
        int | None, limits(128, 10240, "MB the duration was measured at")] = None
    cpu_bound: Annotated[float | None, limits(0, 1, "share of the duration that is CPU work")] = (
        None)
    cpu_threads: Annotated[int, limits(1, 6, "handler threads doing CPU work in parallel")] = 1
    #: who may invoke it (statements allowing lambda:InvokeFunction); None: not modelled
    resource_policy: tuple[Statement, ...] | None = None
    #: what Lambda may do with its role (read a stream or queue); None: not modelled.
    #: Declaring either of the two models both (see ``spec.permissions``).
    execution_role: ExecutionRole | None = None

    @model_validator(mode="before")
    @classmethod
    def _permission_missing(cls, data):
        """``permission_missing: true``: every permission taken away (input only)."""
        return expand_permission_missing(data)

    @model_validator(mode="before")
    @classmethod
    def _duration_memory(cls, data):
        """``duration: {..., at_memory_mb, cpu_bound, cpu_threads}`` -> the function's fields."""
        if not isinstance(data, dict) or not isinstance(data.get("duration"), dict):
            return data
        dur = dict(data["duration"])
        lifted = {f: dur.pop(k) for k, f in _DURATION_KEYS.items() if k in dur}
        if not lifted:
            return data
        for f in lifted:
            if f in data:
                raise ValueError(f"{f} = {data[f]!r}: given twice (also in duration)")
        return {**data, **lifted, "duration": dur}

    @model_validator(mode="after")
    def _both_or_neither(self):
        if (self.duration_at_memory_mb is None) != (self.cpu_bound is None):
            given, other = (("duration_at_memory_mb", "cpu_bound")
                            if self.cpu_bound is None else ("cpu_bound", "duration_at_memory_mb"))
            raise ValueError(f"{other} = None: must be given with {given} (a duration that "
                             "depends on memory needs both)")
        return self

    @property
    def duration_scale(self) -> float:
        """What the invoke phase is multiplied by at ``memory_mb``: 1 without
        ``duration_at_memory_mb``; else (1 - cpu_bound) + cpu_bound x vCPUs at the reference
        memory / vCPUs at ``memory_mb``."""
        if self.duration_at_memory_mb is None:
            return 1.0
        ref = vcpus(self.duration_at_memory_mb, self.cpu_threads)
        now = vcpus(self.memory_mb, self.cpu_threads)
        return (1.0 - self.cpu_bound) + self.cpu_bound * ref / now

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
