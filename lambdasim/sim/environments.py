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


class Env:
    """One on-demand environment: when it was born and last became idle, when the sweep
    reclaims it (drawn once its idle timeout has passed) and its lifetime (None: no limit)."""

    __slots__ = ("birth", "idle_since", "reclaim_at", "lifetime")

    def __init__(self, birth: float, lifetime: float | None):
        self.birth = self.idle_since = birth
        self.reclaim_at: float | None = None
        self.lifetime = lifetime


class Environments:
    """The warm pool: idle on-demand environments, most recently used last (so
    ``idle_since`` never decreases along it)."""

    def __init__(self, spec, init_sampler, lag_sampler, u):
        self.keep_alive: float = spec.keep_alive_s
        self.lifetime, self.jitter = spec.max_environment_lifetime_s, spec.lifetime_jitter_s
        # keep_alive_s 0 turns reuse off: no reclaim lag then
        self._init, self._u = init_sampler, u
        self._lag = lag_sampler if spec.keep_alive_s > 0 else None
        self.provisioned_idle = spec.provisioned_concurrency
        self.idle: deque[Env] = deque()
        self.births: list[float] = [0.0] * spec.provisioned_concurrency
        self.deaths: list[float] = []

    def expire(self, now: float) -> None:
        """Reclaim environments whose idle time plus reclaim lag has passed by ``now``."""
        idle, ka = self.idle, self.keep_alive
        if not idle or idle[0].idle_since + ka > now:
            return
        if self._lag is None:
            while idle and idle[0].idle_since + ka <= now:
                self.deaths.append(idle.popleft().idle_since + ka)
            return
        keep: deque[Env] = deque()
        while idle and idle[0].idle_since + ka <= now:  # past the nominal timeout: each lag
            rec = idle.popleft()
            if rec.reclaim_at is None:  # its reclaim lag, drawn once it is due
                rec.reclaim_at = rec.idle_since + ka + self._lag()
            if rec.reclaim_at <= now:
                self.deaths.append(rec.reclaim_at)
            else:
                keep.append(rec)
        keep.extend(idle)
        self.idle = keep

    def warm_idle(self, now: float) -> bool:
        self.expire(now)
        return bool(self.idle)

    def create(self, now: float) -> tuple[Env, float]:
        """A new environment and its init duration (cold start)."""
        self.births.append(now)
        init = min(self._init(), INIT_LIMIT_S) if self._init else 0.0
        life = None if self.lifetime is None else self.lifetime - self.jitter * self._u()
        return Env(now, life), init

    def put_back(self, rec: Env | None, now: float) -> None:
        """An invocation ended: its environment becomes idle (or is recycled)."""
        if rec is None:
            self.provisioned_idle += 1
        elif rec.lifetime is not None and now - rec.birth >= rec.lifetime:
            self.deaths.append(now)
        else:
            rec.idle_since = now
            rec.reclaim_at = None
            self.idle.append(rec)
