"""Execution environments of one function: provisioned, warm and cold.

An environment serves one invocation at a time. An invocation reuses an idle environment when
one exists (provisioned ones first, then the most recently used); otherwise Lambda creates
one, which costs a cold start (the init phase, limited to 10 s). An environment idle for
``keep_alive_s`` is reclaimed by a background sweep a ``reclaim_lag`` later (not at a sharp
deadline); one whose invocation ends after its lifetime (``max_environment_lifetime_s`` less
a jitter) is recycled. Provisioned environments are initialised up front and never expire
(LDG: lambda-runtime-environment, provisioned-concurrency; lifetimes: docs/calibration.md).
"""

from __future__ import annotations

from collections import deque

from ..spec.aws import INIT_LIMIT_S


class Environments:
    """The warm pool: idle on-demand environments ``[birth, idle_since, reclaim_at,
    lifetime]``, most recently used last (so ``idle_since`` never decreases along it)."""

    def __init__(self, spec, init_sampler, lag_sampler, u):
        self.keep_alive = spec.keep_alive_s
        self.lifetime, self.jitter = spec.max_environment_lifetime_s, spec.lifetime_jitter_s
        # keep_alive_s 0 turns reuse off: no reclaim lag then
        self._init, self._u = init_sampler, u
        self._lag = lag_sampler if spec.keep_alive_s > 0 else None
        self.provisioned_idle = spec.provisioned_concurrency
        self.idle: deque[list] = deque()
        self.births: list[float] = [0.0] * spec.provisioned_concurrency
        self.deaths: list[float] = []

    def expire(self, now: float) -> None:
        """Reclaim environments whose idle time plus reclaim lag has passed by ``now``."""
        idle, ka = self.idle, self.keep_alive
        if not idle or idle[0][1] + ka > now:
            return
        if self._lag is None:
            while idle and idle[0][1] + ka <= now:
                self.deaths.append(idle.popleft()[1] + ka)
            return
        keep: deque[list] = deque()
        while idle and idle[0][1] + ka <= now:  # past the nominal timeout: check each lag
            rec = idle.popleft()
            if rec[2] is None:  # its reclaim lag, drawn once it is due
                rec[2] = rec[1] + ka + self._lag()
            if rec[2] <= now:
                self.deaths.append(rec[2])
            else:
                keep.append(rec)
        keep.extend(idle)
        self.idle = keep

    def warm_idle(self, now: float) -> bool:
        self.expire(now)
        return bool(self.idle)

    def create(self, now: float) -> tuple[list, float]:
        """A new environment and its init duration (cold start)."""
        self.births.append(now)
        init = min(self._init(), INIT_LIMIT_S) if self._init else 0.0
        life = None if self.lifetime is None else self.lifetime - self.jitter * self._u()
        return [now, now, None, life], init

    def put_back(self, rec: list | None, now: float) -> None:
        """An invocation ended: its environment becomes idle (or is recycled)."""
        if rec is None:
            self.provisioned_idle += 1
        elif rec[3] is not None and now - rec[0] >= rec[3]:
            self.deaths.append(now)
        else:
            rec[1] = now
            rec[2] = None
            self.idle.append(rec)
