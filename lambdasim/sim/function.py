"""A function at run time: admission, an environment, then the invoke phase.

The invoke phase lasts a draw from ``duration`` plus ``per_record_s`` per record of a batch;
past ``timeout_s`` it is cut short and counts as an error, as does a draw under
``error_rate`` (LDG: invocation-retries, configuration-timeout). Every invocation and
throttle is logged in typed columns for the results layer.
"""

from __future__ import annotations

import numpy as np

from ..spec.distributions import Sampler, uniforms
from ..spec.function import FunctionSpec
from .clock import Clock
from .concurrency import Admission, Grant, Pool, ScalingBucket, Throttle
from .environments import Environments
from .log import FunctionLog

_INV = ("start", "end", "init", "source", "cold", "error", "records", "provisioned")
_INV_TYPES = (float, float, float, np.int64, bool, bool, np.int64, bool)


class Function:
    """Run-time state of one function."""

    def __init__(self, spec: FunctionSpec, clock: Clock, pool: Pool,
                 scaling: ScalingBucket | None, rng: np.random.Generator):
        self.spec, self.clock = spec, clock
        seeds = rng.spawn(5)
        self._duration = Sampler(spec.duration, seeds[0])
        self._u = uniforms(seeds[2])
        self.admission = Admission(spec.reserved_concurrency, pool, scaling)
        self.envs = Environments(
            spec, Sampler(spec.cold_start, seeds[1]) if spec.cold_start else None,
            Sampler(spec.reclaim_lag, seeds[3]) if spec.reclaim_lag else None,
            uniforms(seeds[4]))
        self.inv = {k: [] for k in _INV}
        self.thr = {"time": [], "source": [], "reason": []}

    def invoke(self, source, records: int, token, fail: bool = False) -> Throttle | None:
        """Start an invocation now, or return why it was throttled. When it ends,
        ``source.completed(token, start, end, ok, cold)`` is called. ``fail`` makes the
        handler raise (e.g. on a poison record of a batch)."""
        now = self.clock.now
        envs = self.envs
        grant = self.admission.acquire(now, envs.provisioned_idle > 0,
                                       bool(envs.idle) and envs.warm_idle(now))
        if grant.__class__ is Throttle:
            t = self.thr
            t["time"].append(now)
            t["source"].append(source.index)
            t["reason"].append(int(grant))
            return grant
        if grant is Grant.PROVISIONED:
            envs.take_provisioned()
            rec, init = None, 0.0
        elif grant is Grant.WARM:
            rec, init = envs.take_warm(), 0.0
        else:
            rec, init = envs.create(now)
        spec = self.spec
        run = self._duration() + spec.per_record_s * records
        error = (self._u() < spec.error_rate) or fail
        if run > spec.timeout_s:
            run, error = spec.timeout_s, True
        end = now + init + run  # exactly when the end callback fires
        cold = grant is Grant.COLD
        inv = self.inv
        inv["start"].append(now)
        inv["end"].append(end)
        inv["init"].append(init)
        inv["source"].append(source.index)
        inv["cold"].append(cold)
        inv["error"].append(error)
        inv["records"].append(records)
        inv["provisioned"].append(grant is Grant.PROVISIONED)
        self.clock.at(end, self._done, source, token, now, cold, not error, rec, grant)
        return None

    def _done(self, source, token, start, cold, ok, rec, grant) -> None:
        now = self.clock.now
        self.admission.release(grant)
        self.envs.put_back(rec, now)
        source.completed(token, start, now, ok, cold)

    def log(self, horizon: float) -> FunctionLog:
        """Close the books at the horizon (idle environments past keep-alive die)."""
        self.envs.expire(horizon)
        return FunctionLog(
            name=self.spec.name,
            invocations={k: np.asarray(self.inv[k], dtype=t) for k, t in zip(
                _INV, _INV_TYPES, strict=True)},
            throttles={"time": np.asarray(self.thr["time"], float),
                       "source": np.asarray(self.thr["source"], np.int64),
                       "reason": np.asarray(self.thr["reason"], np.int64)},
            births=np.asarray(self.envs.births, float),
            deaths=np.asarray(self.envs.deaths, float))
