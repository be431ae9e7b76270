"""Results of a run: flat tables and CloudWatch-named metric series.

- ``summary``: one row per source (counts per outcome, latency, throughput, cost).
- ``functions``: one row per function (invocations, cold starts, concurrency, cost).
- ``events``: one row per event or record.
- ``invocations``, ``throttles``, ``environments``: the raw logs behind them.
- ``metrics(period_s)``: tidy ``time_s, function, source, metric, value`` series.

Only what arrives at or after ``warmup_s`` counts in ``summary`` and ``functions``;
invocations and throttles count by their start time, concurrency and environments are
time-averaged over ``[warmup_s, duration_s]``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .events import OUTCOMES
from .function import REASONS

SUMMARY_COLUMNS = ["source", "kind", "function", "offered", *OUTCOMES[1:], "in_flight",
                   "throttles", "invocations", "cold_starts", "latency_mean_s", "latency_p50_s",
                   "latency_p99_s", "throughput_per_s", "cost_usd"]

#: metric name -> (unit, CloudWatch statistic used per period, meaning)
METRICS = {
    "Invocations": ("Count", "Sum", "invocations started (throttled calls excluded)"),
    "Errors": ("Count", "Sum", "invocations ending in a function error or timeout"),
    "Throttles": ("Count", "Sum", "Invoke calls throttled (429)"),
    **{f"Throttles.{r}": ("Count", "Sum", f"throttles for reason '{r}' (lambdasim)")
       for r in REASONS},
    "Duration": ("Milliseconds", "Average", "run time of the invoke phase"),
    "ConcurrentExecutions": ("Count", "Maximum", "invocations in flight"),
    "ColdStarts": ("Count", "Sum", "invocations that needed a new environment (lambdasim)"),
    "Offered": ("Count", "Sum", "events or records arriving at the source (lambdasim)"),
    "Succeeded": ("Count", "Sum", "events or records processed successfully (lambdasim)"),
    "AsyncEventsReceived": ("Count", "Sum", "events queued for asynchronous invocation"),
    "AsyncEventAge": ("Milliseconds", "Maximum", "time from queueing to invocation"),
    "AsyncEventsDropped": ("Count", "Sum", "events dropped, after sending to a destination if "
                           "one is set"),
    "ApproximateAgeOfOldestMessage": ("Seconds", "Maximum", "age of the oldest message not yet "
                                      "deleted, in a batch or not; messages received 3+ times "
                                      "left out, as in SQS"),
    "ApproximateNumberOfMessagesVisible": ("Count", "Maximum", "messages available for "
                                           "retrieval, sampled once a second"),
    "ApproximateNumberOfMessagesNotVisible": ("Count", "Maximum", "messages in a batch or "
                                              "waiting out their visibility timeout"),
    "NumberOfMessagesReceived": ("Count", "Sum", "messages returned by receives (every receive "
                                 "counts)"),
    "NumberOfMessagesDeleted": ("Count", "Sum", "messages deleted after their batch succeeded"),
    "BatchSize": ("Count", "Average", "records per invocation of a pull source (lambdasim)"),
    "IteratorAge": ("Milliseconds", "Maximum", "age of a batch's last record when it was sent "
                    "to the function"),
    "GetRecords.Records": ("Count", "Sum", "records read from the stream by the mapping"),
    "WriteProvisionedThroughputExceeded": ("Count", "Sum", "puts throttled by a shard's write "
                                           "limit"),
    "ReadProvisionedThroughputExceeded": ("Count", "Sum", "GetRecords calls throttled (or cut "
                                          "short) by a shard's read limit"),
}
PULL_KINDS = ("kinesis", "dynamodb", "sqs")


def _agg(times: np.ndarray, values: np.ndarray, stat: str, period: float, nbins: int):
    idx = np.floor(np.asarray(times, dtype=float) / period).astype(np.int64)
    keep = (idx >= 0) & (idx < nbins)
    idx, values = idx[keep], np.asarray(values, dtype=float)[keep]
    if stat == "sum":
        return np.bincount(idx, values, minlength=nbins)
    if stat == "max":
        out = np.full(nbins, np.nan)
        np.fmax.at(out, idx, values)
        return out
    count = np.bincount(idx, minlength=nbins)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.bincount(idx, values, minlength=nbins) / np.where(count, count, np.nan)


def concurrency_steps(start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The in-flight count as a step function: (change times, level after each change).
    At equal times ends come before starts."""
    times = np.concatenate([start, end])
    delta = np.concatenate([np.ones(len(start)), -np.ones(len(end))])
    order = np.lexsort((delta, times))
    return times[order], np.cumsum(delta[order])


def _max_level(times, levels, t0: float, t1: float) -> float:
    if len(times) == 0:
        return 0.0
    i0 = np.searchsorted(times, t0, side="right")
    i1 = np.searchsorted(times, t1, side="right")
    before = levels[i0 - 1] if i0 > 0 else 0.0
    inside = levels[i0:i1].max() if i1 > i0 else 0.0
    return float(max(before, inside))


def _time_alive(t: np.ndarray, t0: float, t1: float) -> float:
    """Sum over t of the time in [t0, t1] after t."""
    return float(np.clip(t1 - np.maximum(t, t0), 0.0, None).sum())


class Result:
    """What one run produced."""

    def __init__(self, engine):
        sc = engine.scenario
        self.scenario, self.seed, self.record_detail = sc, engine.seed, engine.record_detail
        self.duration_s, self.warmup_s = sc.duration_s, sc.warmup_s
        self.invocations = self._invocations(engine)
        self.throttles = self._throttles(engine)
        self.environments = pd.concat([
            pd.DataFrame({"function": f.spec.name, "birth_s": np.asarray(f.env_birth, float),
                          "death_s": np.concatenate([
                              np.asarray(f.env_death, float),
                              np.full(len(f.env_birth) - len(f.env_death), np.nan)])})
            for f in engine.functions.values()], ignore_index=True)
        self._source_metrics = [(s.name, s.spec.function, s.metric_samples())
                                for s in engine.sources]
        self.summary = self._summary(engine)
        self.functions = self._functions(engine)
        self._events = ([s.events_frame() for s in engine.sources]
                        if engine.record_detail == "full" else None)

    # -- raw logs ---------------------------------------------------------------------------
    @staticmethod
    def _invocations(engine) -> pd.DataFrame:
        sc, horizon = engine.scenario, engine.horizon
        names = [s.name for s in sc.sources]
        frames = []
        for f in engine.functions.values():
            inv = {k: np.asarray(v) for k, v in f.inv.items()}
            n = len(inv["start"])
            start = inv["start"].astype(float) if n else np.empty(0)
            end = inv["end"].astype(float) if n else np.empty(0)
            init = inv["init"].astype(float) if n else np.empty(0)
            prov = inv["provisioned"].astype(bool) if n else np.empty(0, bool)
            done = end < horizon  # SimPy's run(until=horizon) ends before events at horizon
            run = np.minimum(end, horizon) - start - init  # invoke phase so far
            gb_s, cost = sc.pricing.invocation_costs(
                f.spec.memory_mb, f.spec.architecture, np.maximum(run, 0), init, prov)
            frames.append(pd.DataFrame({
                "function": f.spec.name,
                "source": pd.Categorical.from_codes(inv["source"].astype(int) if n else
                                                    np.empty(0, int), names),
                "start_s": start, "end_s": np.where(done, end, np.nan), "init_s": init,
                "cold_start": inv["cold"].astype(bool) if n else np.empty(0, bool),
                "error": inv["error"].astype(bool) if n else np.empty(0, bool),
                "records": inv["records"].astype(np.int64) if n else np.empty(0, np.int64),
                "provisioned": prov, "gb_seconds": gb_s, "cost_usd": cost}))
        return pd.concat(frames, ignore_index=True)

    @staticmethod
    def _throttles(engine) -> pd.DataFrame:
        names = [s.name for s in engine.scenario.sources]
        frames = [pd.DataFrame({
            "function": f.spec.name, "time_s": np.asarray(f.thr["time"], float),
            "source": pd.Categorical.from_codes(np.asarray(f.thr["source"], int), names),
            "reason": pd.Categorical.from_codes(np.asarray(f.thr["reason"], int), REASONS)})
            for f in engine.functions.values()]
        return pd.concat(frames, ignore_index=True)

    # -- tables -----------------------------------------------------------------------------
    def _summary(self, engine) -> pd.DataFrame:
        w, h = self.warmup_s, self.duration_s
        inv = self.invocations[self.invocations.start_s >= w]
        thr = self.throttles[self.throttles.time_s >= w]
        rows = []
        for src in engine.sources:
            mine = inv[inv.source == src.name]
            row = {"source": src.name, "kind": src.spec.kind, "function": src.spec.function}
            row.update(src.record_stats(w, h))
            row.update({"throttles": int((thr.source == src.name).sum()),
                        "invocations": len(mine), "cold_starts": int(mine.cold_start.sum()),
                        "cost_usd": float(mine.cost_usd.sum())})
            rows.append(row)
        df = pd.DataFrame(rows)
        extra = [c for c in df.columns if c not in SUMMARY_COLUMNS]
        return df[SUMMARY_COLUMNS + extra]

    def _functions(self, engine) -> pd.DataFrame:
        w, h = self.warmup_s, self.duration_s
        span = h - w
        rows = []
        for f in engine.functions.values():
            name = f.spec.name
            allinv = self.invocations[self.invocations.function == name]
            inv = allinv[allinv.start_s >= w]
            thr = self.throttles[(self.throttles.function == name) & (self.throttles.time_s >= w)]
            start = allinv.start_s.to_numpy()
            end = np.minimum(allinv.end_s.fillna(h).to_numpy(), h)
            busy = np.clip(end - np.maximum(start, w), 0, None).sum()
            times, levels = concurrency_steps(start, end)
            envs = self.environments[self.environments.function == name]
            alive = (_time_alive(envs.birth_s.to_numpy(), w, h)
                     - _time_alive(envs.death_s.dropna().to_numpy(), w, h))
            n = len(inv)
            cost = float(inv.cost_usd.sum()) + self.scenario.pricing.provisioned_cost(
                f.spec.memory_mb, f.spec.provisioned_concurrency, span)
            rows.append({
                "function": name, "invocations": n, "cold_starts": int(inv.cold_start.sum()),
                "cold_start_fraction": float(inv.cold_start.mean()) if n else np.nan,
                "throttles": len(thr),
                **{f"throttles_{r}": int((thr.reason == r).sum()) for r in REASONS},
                "errors": int(inv.error.sum()),
                "mean_concurrency": busy / span,
                "max_concurrency": _max_level(times, levels, w, h),
                "mean_environments": alive / span,
                "gb_seconds": float(inv.gb_seconds.sum()), "cost_usd": cost,
            })
        return pd.DataFrame(rows)

    @property
    def events(self) -> pd.DataFrame:
        """One row per event or record (``record_detail="full"`` only)."""
        if self._events is None:
            raise ValueError('events: not kept with record_detail="histogram"; '
                             'run with record_detail="full"')
        frames = [f for f in self._events if f is not None]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    # -- metrics ----------------------------------------------------------------------------
    def metrics(self, period_s: float = 1.0) -> pd.DataFrame:
        """CloudWatch-style series, one value per period (see ``METRICS`` for units and
        statistics). Function-wide rows have ``source == ""``."""
        if not period_s > 0:
            raise ValueError(f"period_s = {period_s!r}: must be > 0")
        h = self.duration_s
        nb = int(np.ceil(h / period_s - 1e-9))
        t = np.arange(nb) * period_s
        out: list[pd.DataFrame] = []

        def add(function, source, metric, values):
            out.append(pd.DataFrame({"time_s": t, "function": function, "source": source,
                                     "metric": metric, "value": values}))

        def counts(frame, times, function, source):
            add(function, source, "Invocations", _agg(frame.start_s, np.ones(len(frame)),
                                                      "sum", period_s, nb))
            add(function, source, "Errors", _agg(frame.start_s, frame.error, "sum",
                                                 period_s, nb))
            add(function, source, "ColdStarts", _agg(frame.start_s, frame.cold_start, "sum",
                                                     period_s, nb))
            add(function, source, "Throttles", _agg(times.time_s, np.ones(len(times)),
                                                    "sum", period_s, nb))

        for f in self.scenario.functions:
            inv = self.invocations[self.invocations.function == f.name]
            thr = self.throttles[self.throttles.function == f.name]
            counts(inv, thr, f.name, "")
            for r in REASONS:
                sel = thr[thr.reason == r]
                add(f.name, "", f"Throttles.{r}", _agg(sel.time_s, np.ones(len(sel)), "sum",
                                                      period_s, nb))
            done = inv.dropna(subset=["end_s"])
            add(f.name, "", "Duration", _agg(done.start_s, (done.end_s - done.start_s
                                                            - done.init_s) * 1e3,
                                             "mean", period_s, nb))
            end = np.minimum(inv.end_s.fillna(h).to_numpy(), h)
            times, levels = concurrency_steps(inv.start_s.to_numpy(), end)
            add(f.name, "", "ConcurrentExecutions",
                [_max_level(times, levels, a, a + period_s) if len(times) else 0.0 for a in t])
        for spec, (name, fn, samples) in zip(self.scenario.sources, self._source_metrics,
                                             strict=True):
            inv = self.invocations[self.invocations.source == name]
            thr = self.throttles[self.throttles.source == name]
            counts(inv, thr, fn, name)
            if spec.kind in PULL_KINDS:
                add(fn, name, "BatchSize", _agg(inv.start_s, inv.records, "mean", period_s, nb))
            for metric, stat, times, values in samples:
                add(fn, name, metric, _agg(times, values, stat, period_s, nb))
        return pd.concat(out, ignore_index=True)

    # -- output -----------------------------------------------------------------------------
    def to_dir(self, out: str | Path) -> list[Path]:
        """Write summary, functions, metrics (CSV) and events (Parquet) under ``out``."""
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        paths = [out / "summary.csv", out / "functions.csv", out / "metrics.csv"]
        self.summary.to_csv(paths[0], index=False)
        self.functions.to_csv(paths[1], index=False)
        self.metrics().to_csv(paths[2], index=False)
        if self._events is not None:
            paths.append(out / "events.parquet")
            self.events.to_parquet(paths[-1], index=False)
        return paths
