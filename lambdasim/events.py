"""Events offered to Lambda, and the one outcome each ends in.

Every event (an S3 notification, an API call, ...) gets an id and a row in its source's
:class:`Ledger`: arrival, start and end of its last invocation, the number of Invoke calls
made for it (throttled ones included), whether that invocation was a cold start, and its
outcome. An outcome is set once; setting it twice is a bookkeeping error and raises, so the
conservation ``offered = succeeded + failed + dropped + rejected + expired + in_flight`` holds
by construction and is checked again when the run ends.
"""

from __future__ import annotations

import numpy as np

IN_FLIGHT, SUCCEEDED, FAILED, DROPPED, REJECTED, EXPIRED = range(6)
OUTCOMES = ("in_flight", "succeeded", "failed", "dropped", "rejected", "expired")


class ConservationError(RuntimeError):
    """An event was counted in more than one outcome, or in none."""


class Ledger:
    """Per-event columns in growable numpy arrays, indexed by event id."""

    _COLUMNS = {"arrival": float, "start": float, "end": float, "attempts": np.int32,
                "cold": bool, "outcome": np.int8}

    def __init__(self, source: str, extra: dict | None = None):
        self.source = source
        self.columns = dict(self._COLUMNS, **(extra or {}))
        self.n = 0
        self._alloc(1024)

    def _alloc(self, cap: int) -> None:
        for name, dt in self.columns.items():
            new = np.full(cap, np.nan) if dt is float else np.zeros(cap, dtype=dt)
            old = getattr(self, name, None)
            if old is not None:
                new[: self.n] = old[: self.n]
            setattr(self, name, new)
        self.cap = cap

    def add(self, times: np.ndarray) -> int:
        """Append events arriving at ``times``; returns the first new id."""
        first, k = self.n, len(times)
        if first + k > self.cap:
            self._alloc(max(2 * self.cap, first + k))
        self.arrival[first : first + k] = times
        self.n = first + k
        return first

    def finish(self, i: int, outcome: int, end: float) -> None:
        if self.outcome[i] != IN_FLIGHT:
            raise ConservationError(
                f"{self.source}: event {i} ended twice ({OUTCOMES[self.outcome[i]]}, "
                f"then {OUTCOMES[outcome]})")
        self.outcome[i] = outcome
        self.end[i] = end

    def view(self, name: str) -> np.ndarray:
        return getattr(self, name)[: self.n]


WINDOW_S = 10.0  # arrivals are drawn this many simulated seconds at a time


class Feeder:
    """Delivers a workload's arrivals to a source, one window of arrivals at a time.

    Each window's arrival times are drawn in one vectorised call, at the window's start, and
    handed to ``on_window(arrivals)`` (``window`` holds the window's bounds). Sources that take
    arrivals in bulk (streams, queues) stop there. With ``on_event``, ``on_window`` returns
    (delivery times, event ids), e.g. after S3's notification delay, and the deliveries are
    chained: one scheduled callback per delivery, never a process per event.
    """

    def __init__(self, env, stream, horizon: float, on_window, on_event=None,
                 window_s: float = WINDOW_S):
        self.env, self.stream, self.horizon = env, stream, horizon
        self.on_window, self.on_event, self.window_s = on_window, on_event, window_s
        self.offered = 0
        self.window = (0.0, 0.0)

    def start(self) -> Feeder:
        """Draw the first window now; the others follow at their start times."""
        self._window(None)
        return self

    def _window(self, _ev) -> None:
        t0 = self.window[1]
        t1 = min(t0 + self.window_s, self.horizon)
        self.window = (t0, t1)
        arrivals = np.asarray(self.stream.next(t0, t1), dtype=float)
        self.offered += len(arrivals)
        if self.on_event is None:
            self.on_window(arrivals)
        elif len(arrivals):
            times, ids = self.on_window(arrivals)
            _Chain(self.env, times.tolist(), ids.tolist(), self.on_event)
        if t1 < self.horizon:
            self.env.timeout(t1 - self.env.now).callbacks.append(self._window)


class _Chain:
    __slots__ = ("env", "times", "ids", "on_event", "i")

    def __init__(self, env, times: list, ids: list, on_event):
        self.env, self.times, self.ids, self.on_event, self.i = env, times, ids, on_event, 0
        env.timeout(max(times[0] - env.now, 0.0)).callbacks.append(self._fire)

    def _fire(self, _ev) -> None:
        i, env = self.i, self.env
        self.on_event(self.ids[i])
        i += 1
        self.i = i
        if i < len(self.times):
            env.timeout(max(self.times[i] - env.now, 0.0)).callbacks.append(self._fire)


class PushSource:
    """Base of sources that make one Invoke call per event (sync and async invocation)."""

    extra_columns: dict = {}

    def __init__(self, spec, index: int, engine):
        self.spec, self.index, self.name = spec, index, spec.name
        self.env = engine.env
        self.function = engine.functions[spec.function]
        self.ledger = Ledger(spec.name, self.extra_columns)
        self.rng = engine.rng("source", spec.name)

    def start(self, engine) -> None:
        """Begin delivering the workload's arrivals."""
        stream = self.spec.workload.stream(engine.rng("arrivals", self.name))
        self.feeder = Feeder(engine.env, stream, engine.horizon, self.on_window,
                             self.arrive).start()

    def on_window(self, times: np.ndarray):
        first = self.ledger.add(times)
        return times, np.arange(first, first + len(times))

    def close(self) -> None:
        """Called at the horizon; what has no outcome yet is in flight."""

    def check(self) -> None:
        """Every event the workload produced has a row."""
        if self.feeder.offered != self.ledger.n:
            raise ConservationError(f"{self.name}: produced {self.feeder.offered} events but "
                                    f"recorded {self.ledger.n}")

    def arrive(self, i: int) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def metric_samples(self) -> list:
        """Metric samples ``(metric, statistic, times, values)``, statistic ``sum``, ``max`` or
        ``mean``; aggregated per period by :meth:`Result.metrics`."""
        led = self.ledger
        arrival = led.view("arrival")
        done = led.view("end")[led.view("outcome") == SUCCEEDED]
        return [("Offered", "sum", arrival, np.ones(len(arrival))),
                ("Succeeded", "sum", done, np.ones(len(done)))]

    # -- results --------------------------------------------------------------------------
    def record_stats(self, warmup: float, horizon: float) -> dict:
        """Outcome counts and latency of the events arriving after ``warmup``."""
        return ledger_stats(self.ledger, warmup, horizon)

    def events_frame(self):
        import pandas as pd

        led = self.ledger
        return pd.DataFrame({
            "source": self.name,
            "id": np.arange(led.n),
            "arrival_s": led.view("arrival"),
            "start_s": led.view("start"),
            "end_s": np.where(led.view("outcome") == IN_FLIGHT, np.nan, led.view("end")),
            "attempts": led.view("attempts"),
            "cold_start": led.view("cold"),
            "outcome": pd.Categorical.from_codes(led.view("outcome"), OUTCOMES),
        })


def ledger_stats(led: Ledger, warmup: float, horizon: float) -> dict:
    """Summary numbers of a ledger: counts per outcome, latency of successes, throughput."""
    arrival, outcome, end = led.view("arrival"), led.view("outcome"), led.view("end")
    sel = arrival >= warmup
    counts = np.bincount(outcome[sel], minlength=len(OUTCOMES))
    ok = outcome == SUCCEEDED
    lat = (end - arrival)[sel & ok]
    done = ok & (end >= warmup) & (end <= horizon)
    out = {"offered": int(sel.sum())}
    out.update({name: int(c) for name, c in zip(OUTCOMES, counts, strict=True)})
    out.update(latency_stats(lat))
    out["throughput_per_s"] = float(done.sum()) / (horizon - warmup)
    return out


def latency_stats(lat: np.ndarray) -> dict:
    if len(lat) == 0:
        return {"latency_mean_s": np.nan, "latency_p50_s": np.nan, "latency_p99_s": np.nan}
    p50, p99 = np.percentile(lat, [50, 99])
    return {"latency_mean_s": float(lat.mean()), "latency_p50_s": float(p50),
            "latency_p99_s": float(p99)}
