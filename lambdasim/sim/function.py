"""A function at run time: admission, an environment, then the invoke phase.

The invoke phase lasts a draw from ``duration`` plus ``per_record_s`` per record of a batch
(times ``duration_scale`` when the duration depends on memory, see ``spec.function``);
past ``timeout_s`` it is cut short and counts as an error, as does a draw under
``error_rate`` (LDG: invocation-retries, configuration-timeout). Every invocation and
throttle is logged in typed columns for the results layer.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..spec.distributions import sampler, uniforms
from ..spec.function import FunctionSpec
from .clock import Clock
from .columns import Column
from .concurrency import (
    COLD,
    PROVISIONED,
    THROTTLED,
    WARM,
    Admission,
    Pool,
    ScalingBucket,
    Throttle,
)
from .environments import Env, Environments
from .log import FunctionLog

#: the invocation log's columns, appended per invocation (the hot path): the times in typed
#: columns (no float object kept per invocation), the rest, mostly small ints that Python
#: shares, in lists (cheaper to append to); typed arrays are made of both at the horizon
_INV = ("start", "end", "init", "source", "grant", "error", "records")
_INV_TYPES = (float, float, float, np.int64, np.int8, bool, np.int64)
_THROTTLES = tuple(Throttle)  # by value


class Function:
    """Run-time state of one function."""

    def __init__(self, spec: FunctionSpec, clock: Clock, pool: Pool,
                 scaling: ScalingBucket | None, rng: np.random.Generator):
        self.spec, self.clock = spec, clock
        seeds = rng.spawn(5)
        self._duration: Callable[[], float] = sampler(spec.duration, seeds[0])
        self._scale = spec.duration_scale  # memory-dependent duration (1: independent)
        self._u: Callable[[], float] = uniforms(seeds[2])
        self.admission = Admission(spec.reserved_concurrency, pool, scaling)
        self.envs = Environments(
            spec, sampler(spec.cold_start, seeds[1]) if spec.cold_start else None,
            sampler(spec.reclaim_lag, seeds[3]) if spec.reclaim_lag else None,
            uniforms(seeds[4]))
        # the spec's numbers the hot path reads
        self._per_record, self._timeout = spec.per_record_s, spec.timeout_s
        self._error_rate = spec.error_rate
        self.inv: tuple[Column, Column, list, list, list, list, list] = (
            Column(float), Column(float), [], [], [], [], [])  # (see _INV)
        self._starts, self._ends = self.inv[0], self.inv[1]
        self.thr: list[tuple] = []
        self._end = self._done  # bound once

    def invoke(self, source, records: int, token, fail: bool = False) -> Throttle | None:
        """Start an invocation now, or return why it was throttled. When it ends,
        ``source.completed(token, start, end, ok, cold)`` is called. ``fail`` makes the
        handler raise (e.g. on a poison record of a batch)."""
        now = self.clock.now
        envs = self.envs
        idle = envs.idle  # a warm one, once those past their idle timeout are reclaimed
        warm = bool(idle) and (idle[0].idle_since + envs.keep_alive > now
                               or envs.warm_idle(now))
        grant = self.admission.acquire(now, envs.provisioned_idle > 0, warm)
        if grant >= THROTTLED:
            reason = grant - THROTTLED
            self.thr.append((now, source.index, reason))
            return _THROTTLES[reason]
        rec: Env | None
        if grant == WARM:
            rec, init = envs.idle.pop(), 0.0
        elif grant == COLD:
            rec, init = envs.create(now)
        else:
            envs.provisioned_idle -= 1
            rec, init = None, 0.0
        run = self._duration() + self._per_record * records
        if self._scale != 1.0:
            run *= self._scale
        error = fail or (self._error_rate > 0 and self._u() < self._error_rate)
        if run > self._timeout:
            run, error = self._timeout, True
        end = now + init + run  # exactly when the end callback fires
        self._starts.add(now)
        self._ends.add(end)
        _, _, inits, sources, grants, errors, n = self.inv
        inits.append(init)
        sources.append(source.index)
        grants.append(grant)
        errors.append(error)
        n.append(records)
        self.clock.on(end, self._end, (source, token, now, not error, rec, grant))
        return None

    def _done(self, source, token, start: float, ok: bool, rec: Env | None,
              grant: int) -> None:
        now = self.clock.now
        self.admission.release(grant)
        self.envs.put_back(rec, now)
        source.completed(token, start, now, ok, grant == COLD)

    def log(self, horizon: float) -> FunctionLog:
        """Close the books at the horizon (idle environments past keep-alive die)."""
        self.envs.expire(horizon)
        inv = {k: _typed(col, t) for k, col, t in zip(_INV, self.inv, _INV_TYPES, strict=True)}
        grant = inv.pop("grant")
        inv["cold"], inv["provisioned"] = grant == COLD, grant == PROVISIONED
        return FunctionLog(
            name=self.spec.name,
            invocations=inv,
            throttles=_columns(self.thr, ("time", "source", "reason"),
                               (float, np.int64, np.int64)),
            births=np.asarray(self.envs.births, float),
            deaths=np.asarray(self.envs.deaths, float))


def _columns(rows: list[tuple], names: tuple, types: tuple) -> dict[str, np.ndarray]:
    """Typed columns of a log of tuples."""
    table = np.array(rows, dtype=list(zip(names, types, strict=True)))
    return {n: np.ascontiguousarray(table[n]) for n in names}


def _typed(column, dtype) -> np.ndarray:
    """A column of the log as a typed array: a list's items converted one by one
    (``fromiter``: numpy's ``array`` also works out each item's type)."""
    if isinstance(column, Column):
        return column.values()
    return np.fromiter(column, dtype=dtype, count=len(column))
