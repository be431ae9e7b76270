"""Results of a run: flat tables and CloudWatch-named metric series.

- ``summary``: one row per source (counts per outcome, latency, throughput, cost).
- ``functions``: one row per function (invocations, cold starts, concurrency, cost).
- ``costs``: the itemised bill, Lambda and the event path (:mod:`.bill`);
  ``costs_per_month()`` scales it to a 30-day month.
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

from ..sim.ledger import OUTCOMES
from ..sim.log import RunLog
from . import bill, tables
from .cost import provisioned_cost
from .metrics import (
    METRICS,
    PULL_KINDS,
    REASONS,
    concurrency_steps,
    max_level,
    metrics_table,
    time_alive,
)

__all__ = ["METRICS", "PULL_KINDS", "SUMMARY_COLUMNS", "Result", "concurrency_steps"]

SUMMARY_COLUMNS = ["source", "kind", "function", "offered", *OUTCOMES[1:], "in_flight",
                   "throttles", "invocations", "cold_starts", "latency_mean_s", "latency_p50_s",
                   "latency_p99_s", "throughput_per_s", "cost_usd", "lambda_cost_usd",
                   "service_cost_usd"]


class Result:
    """What one run produced."""

    def __init__(self, log: RunLog):
        self._metrics_cache: dict[float, pd.DataFrame] = {}  # metrics(period_s), computed once
        sc = log.scenario
        self.scenario, self.seed, self.record_detail = sc, log.seed, log.record_detail
        self.duration_s, self.warmup_s = sc.duration_s, sc.warmup_s
        self.invocations = tables.invocations(log)
        self.throttles = tables.throttles(log)
        self.environments = tables.environments(log)
        self._sources = [(s.name, s.kind, s.function, s.samples) for s in log.sources]
        self._inv, self._thr = tables.arrays(self.invocations), tables.arrays(self.throttles)
        self._costs = bill.itemise(sc, self._inv, log.sources)
        self.summary = self._summary(log)
        #: each function's in-flight count as steps (``concurrency_steps``), set by _functions
        self._steps: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.functions = self._functions()
        self._events = tables.events(log) if log.record_detail == "full" else None

    # -- tables -----------------------------------------------------------------------------
    def _summary(self, log: RunLog) -> pd.DataFrame:
        w, h = self.warmup_s, self.duration_s
        inv, thr = self._inv, self._thr
        counted, thr_counted = inv["start_s"] >= w, thr["time_s"] >= w
        rows = []
        for src in log.sources:
            mine = counted & (inv["source"] == src.name)
            row = {"source": src.name, "kind": src.kind, "function": src.function}
            row.update(src.ledger.stats(h))
            row.update(src.stats)
            lam = float(np.nansum(inv["cost_usd"][mine]))
            service = bill.per_source(self._costs, src.name)[1]
            row.update({"throttles": int(np.count_nonzero(thr_counted
                                                          & (thr["source"] == src.name))),
                        "invocations": int(np.count_nonzero(mine)),
                        "cold_starts": int(inv["cold_start"][mine].sum()),
                        "cost_usd": lam + service, "lambda_cost_usd": lam,
                        "service_cost_usd": service})
            rows.append(row)
        df = pd.DataFrame(rows)
        extra = [c for c in df.columns if c not in SUMMARY_COLUMNS]
        return df[SUMMARY_COLUMNS + extra]

    def _functions(self) -> pd.DataFrame:
        w, h = self.warmup_s, self.duration_s
        span = h - w
        inv, thr, env = self._inv, self._thr, tables.arrays(self.environments)
        rows = []
        for spec in self.scenario.functions:
            name = spec.name
            allinv = inv["function"] == name
            mine = allinv & (inv["start_s"] >= w)
            thr_mine = (thr["function"] == name) & (thr["time_s"] >= w)
            reasons = thr["reason"][thr_mine]
            start, end = inv["start_s"][allinv], inv["end_s"][allinv]
            end = np.minimum(np.where(np.isnan(end), h, end), h)
            busy = np.clip(end - np.maximum(start, w), 0, None).sum()
            # the in-flight steps, also the metrics' ConcurrentExecutions (a sort: done once)
            times, levels = self._steps[name] = concurrency_steps(start, end)
            envs = env["function"] == name
            deaths = env["death_s"][envs]
            alive = (time_alive(env["birth_s"][envs], w, h)
                     - time_alive(deaths[~np.isnan(deaths)], w, h))
            n = int(np.count_nonzero(mine))
            cold = inv["cold_start"][mine]
            cost = float(np.nansum(inv["cost_usd"][mine])) + provisioned_cost(
                self.scenario.pricing, spec.memory_mb, spec.provisioned_concurrency, span,
                spec.architecture)
            rows.append({
                "function": name, "invocations": n, "cold_starts": int(cold.sum()),
                "cold_start_fraction": float(cold.mean()) if n else np.nan,
                "throttles": len(reasons),
                **{f"throttles_{r}": int(np.count_nonzero(reasons == r)) for r in REASONS},
                "errors": int(inv["error"][mine].sum()),
                "mean_concurrency": busy / span,
                "max_concurrency": max_level(times, levels, w, h),
                "mean_environments": alive / span,
                "gb_seconds": float(np.nansum(inv["gb_seconds"][mine])), "cost_usd": cost,
            })
        return pd.DataFrame(rows)

    @property
    def costs(self) -> pd.DataFrame:
        """The itemised bill of the simulated window (warm-up to horizon): one row per
        (service, item, source or function) with ``quantity``, ``unit``, ``unit_usd``,
        ``usd``, the ``price`` item, its ``status`` (``unverified`` prices are third-party
        figures: see ``lambdasim prices``) and a ``note``; free items at $0 say why."""
        return self._costs.copy()

    def costs_per_month(self) -> pd.DataFrame:
        """:attr:`costs` scaled to a 30-day month (quantities and USD x 2,592,000 s / the
        simulated window; ``attrs["period"]`` says so). Free tiers are not applied."""
        return bill.per_month(self._costs)

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
        statistics). Function-wide rows have ``source == ""``. Computed once per period (a
        copy is returned)."""
        return self._cached_metrics(period_s).copy()

    def _cached_metrics(self, period_s: float) -> pd.DataFrame:
        if not period_s > 0:
            raise ValueError(f"period_s = {period_s!r}: must be > 0")
        if period_s not in self._metrics_cache:
            self._metrics_cache[period_s] = self._metrics(period_s)
        return self._metrics_cache[period_s]

    def _metrics(self, period_s: float) -> pd.DataFrame:
        return metrics_table(self.scenario, self._inv, self._thr, self._sources, self._steps,
                             period_s)

    def series(self, metric: str, source: str | None = None, function: str | None = None,
               period_s: float = 60.0) -> pd.Series:
        """One metric as a series indexed by ``time_s`` (one value per period): a source's
        (``source=``), or a function's function-wide series (``function=``). Without either,
        the only series of that metric, or a ValueError naming the choices."""
        if metric not in METRICS:
            raise ValueError(f"metric = {metric!r}: not a lambdasim metric (see METRICS)")
        m = self._cached_metrics(period_s)
        m = m[m.metric == metric]
        if source is not None:
            m = m[m.source == source]
        elif function is not None:
            m = m[(m.function == function) & (m.source == "")]
        else:
            keys = m[["function", "source"]].drop_duplicates()
            if len(keys) > 1:
                choices = ", ".join(f"source={s!r}" if s else f"function={f!r}"
                                    for f, s in keys.itertuples(index=False))
                raise ValueError(f"series({metric!r}): several series, choose one of: {choices}")
        if m.empty:
            raise ValueError(f"series({metric!r}, source={source!r}, function={function!r}): "
                             "no such series")
        return pd.Series(m.value.to_numpy(), index=pd.Index(m.time_s.to_numpy(), name="time_s"),
                         name=metric)

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
