"""A Lambda function: its configuration and its execution environments.

An execution environment serves one invocation at a time. An invocation reuses an idle
environment when one exists (provisioned ones first, then the most recently used); otherwise
Lambda creates one, which costs a cold start (the init phase, limited to 10 s). Idle
environments are shut down after ``keep_alive_s`` (AWS publishes no figure; community
measurements put it at 5-15 minutes, so the default is 600 s) and, optionally, recycled after
``max_environment_lifetime_s`` (AWS recycles them every few hours). Provisioned environments
are initialised up front and never expire.

Before an environment is used, concurrency is checked: a function with reserved concurrency is
capped at it; others share the account's unreserved pool. Each throttle records its reason:
``reserved``, ``account`` or ``scaling`` (no token left for a new environment).

The invoke phase lasts a draw from ``duration`` plus ``per_record_s`` per record of a batch;
past ``timeout_s`` it is cut short and counts as an error, as does a draw under ``error_rate``.
"""

from __future__ import annotations

from collections import deque
from typing import Annotated, Literal

import numpy as np
from pydantic import AliasChoices, Field, field_validator, model_validator

from ._validation import Spec, limits
from .concurrency import Account, ScalingBucket
from .distributions import Distribution, Lognormal, Sampler, uniforms

INIT_LIMIT_S = 10.0
REASONS = ("account", "reserved", "scaling")


def _alias(*names: str):
    return Field(validation_alias=AliasChoices(*names))


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
    max_environment_lifetime_s: Annotated[
        float | None, limits(1, 604800, "seconds an environment lives")] = None
    reserved_concurrency: Annotated[int | None, limits(0, 10_000_000, "concurrency")] = Field(
        None, validation_alias=AliasChoices("reserved_concurrency", "ReservedConcurrentExecutions"))
    provisioned_concurrency: Annotated[int, limits(0, 10_000_000, "concurrency")] = Field(
        0, validation_alias=AliasChoices(
            "provisioned_concurrency", "ProvisionedConcurrentExecutions"))
    error_rate: Annotated[float, limits(0, 1, "probability")] = 0.0
    architecture: Literal["x86_64", "arm64"] = Field(
        "x86_64", validation_alias=AliasChoices("architecture", "Architectures"))

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


class Function:
    """Run-time state of one function: environments, concurrency and logs."""

    def __init__(self, spec: FunctionSpec, index: int, env, account: Account,
                 scaling: ScalingBucket | None, rng: np.random.Generator):
        self.spec, self.index, self.env, self.account, self.scaling = (
            spec, index, env, account, scaling)
        seeds = rng.spawn(3)
        self._duration = Sampler(spec.duration, seeds[0])
        self._init = Sampler(spec.cold_start, seeds[1]) if spec.cold_start else None
        self._u = uniforms(seeds[2])
        self.reserved = spec.reserved_concurrency
        self.keep_alive = spec.keep_alive_s
        self.lifetime = spec.max_environment_lifetime_s
        self.busy = 0
        self.prov_idle = spec.provisioned_concurrency
        self.idle: deque[list] = deque()  # on-demand idle environments [birth, idle_since]
        # logs, one entry per invocation / throttle / environment
        self.inv = {k: [] for k in ("start", "end", "init", "source", "cold", "error",
                                    "records", "provisioned")}
        self.thr = {"time": [], "source": [], "reason": []}
        self.env_birth: list[float] = [0.0] * spec.provisioned_concurrency  # creation times
        self.env_death: list[float] = []  # shutdown times

    # -- environments -------------------------------------------------------------------
    def _expire(self, now: float) -> None:
        idle, ka = self.idle, self.keep_alive
        while idle and idle[0][1] + ka <= now:
            self.env_death.append(idle.popleft()[1] + ka)

    def _throttle(self, now: float, source, reason: int) -> str:
        t = self.thr
        t["time"].append(now)
        t["source"].append(source.index)
        t["reason"].append(reason)
        return REASONS[reason]

    def invoke(self, source, records: int, ctx, fail: bool = False) -> str | None:
        """Start an invocation now, or return the throttle reason. When it ends,
        ``source.completed(ctx, start, end, ok, cold)`` is called. ``fail`` makes the handler
        raise (e.g. on a poison record of a batch)."""
        env = self.env
        now = env.now
        if self.prov_idle:
            self.prov_idle -= 1
            rec, cold, init, prov = None, False, 0.0, True
        else:
            if self.reserved is not None:
                if self.busy >= self.reserved:
                    return self._throttle(now, source, 1)
            elif self.account.in_use >= self.account.pool:
                return self._throttle(now, source, 0)
            self._expire(now)
            prov = False
            if self.idle:
                rec, cold, init = self.idle.pop(), False, 0.0
            else:
                if self.scaling is not None and not self.scaling.take(now):
                    return self._throttle(now, source, 2)
                rec, cold = [now, now], True
                self.env_birth.append(now)
                init = min(self._init(), INIT_LIMIT_S) if self._init else 0.0
            if self.reserved is None:
                self.account.in_use += 1
        self.busy += 1
        run = self._duration() + self.spec.per_record_s * records
        error = (self._u() < self.spec.error_rate) or fail
        if run > self.spec.timeout_s:
            run, error = self.spec.timeout_s, True
        delay = init + run
        end = now + delay  # exactly when SimPy will fire the end event
        inv = self.inv
        inv["start"].append(now)
        inv["end"].append(end)
        inv["init"].append(init)
        inv["source"].append(source.index)
        inv["cold"].append(cold)
        inv["error"].append(error)
        inv["records"].append(records)
        inv["provisioned"].append(prov)
        ev = env.timeout(delay, (source, ctx, now, cold, not error, rec))
        ev.callbacks.append(self._done)
        return None

    def _done(self, ev) -> None:
        source, ctx, start, cold, ok, rec = ev._value
        now = self.env.now
        self.busy -= 1
        if rec is None:
            self.prov_idle += 1
        else:
            if self.reserved is None:
                self.account.in_use -= 1
            if self.lifetime is not None and now - rec[0] >= self.lifetime:
                self.env_death.append(now)
            else:
                rec[1] = now
                self.idle.append(rec)
        source.completed(ctx, start, now, ok, cold)

    def finish(self, horizon: float) -> None:
        """Close the books at the horizon: idle environments past keep-alive die."""
        self._expire(horizon)
