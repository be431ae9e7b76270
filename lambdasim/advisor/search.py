"""The search: which runs of the grid to make, in what order, on the sweep's executors.

1. Every configuration of the grid is validated (as :func:`lambdasim.sweep` does) and those
   whose mapping cannot keep up with the load are skipped (:mod:`.prune`).
2. First replication, in waves from the most capacity down: a configuration that certainly
   misses a target (a run without a value, or a non-negative column whose runs so far
   already push the mean over the limit whatever the rest give) stops, and so does every
   configuration it dominates on the capacity knobs.
3. Other replications in order of the first replication's objective, four configurations
   at a time (successive halving by racing): once a configuration is feasible, every
   configuration whose first run costs more than it by more than the replications' spread
   stops. The batch is fixed, so serial, pool and Dask searches stop the same ones.

Runs use the sweep's seeds and files (``out/runs/<config>-r<rep>-s<seed>.parquet``), so a
killed search resumes where it stopped and a configuration gives the same numbers as in a
sweep. With ``prune=False`` every configuration runs every replication (the full grid).
"""

from __future__ import annotations

import math
from concurrent.futures import Executor
from pathlib import Path

from ..spec import Scenario, ScenarioError
from ..sweep.files import _finished, _run_frame, _write_atomic
from ..sweep.grid import _base, _configurations, _Run
from ..sweep.run import _check_executor, _completed, _cores, _is_dask, _mp_context
from . import prune as pr
from .targets import check_objective, covered, parse_targets, run_values

#: relative spread of the objective between replications below which racing never stops a
#: configuration (the measured spread, x 3, is used when larger)
MIN_TOLERANCE = 0.02
#: configurations whose remaining replications run at once while racing (a fixed number, so
#: that serial, pool and Dask runs stop the same configurations and give the same table)
RACE_BATCH = 4


class _Runner:
    """Runs batches of runs on one executor kept for the whole search, reading back the
    runs ``out`` already holds and writing each new one there at once."""

    def __init__(self, executor, workers, out, total: int, progress: bool):
        from tqdm.auto import tqdm

        _check_executor(executor)
        self.executor, self.workers, self._own = executor, workers, None
        self.runs_dir = None
        if out is not None:
            self.runs_dir = Path(out) / "runs"
            self.runs_dir.mkdir(parents=True, exist_ok=True)
        self.bar = tqdm(total=total, desc="advise", unit="run", disable=not progress)
        self.runs = self.errors = 0

    #: configurations raced at once: fixed, so that every executor stops the same ones
    batch = RACE_BATCH

    def _executor(self, n: int):
        if self.executor is None:
            if self._own is None:
                from concurrent.futures import ProcessPoolExecutor

                size = max(1, min(self.workers or _cores(), n))
                self._own = ProcessPoolExecutor(size, mp_context=_mp_context())
            return self._own
        if isinstance(self.executor, str) and self.executor != "serial":
            if self._own is None:
                from distributed import Client

                self._own = Client(self.executor)
            return self._own
        return self.executor

    def run(self, runs: list[_Run]) -> dict:
        """``run -> (records, error)`` for every run."""
        done: dict = {}
        if not runs:
            return done
        if self.runs_dir is not None:
            done = {r: (rec, None) for r, rec in _finished(runs, self.runs_dir).items()}
            self.bar.update(len(done))
        todo = [r for r in runs if r not in done]
        if todo:
            ex = self._executor(len(todo))
            it = _completed(todo, ex, None)
            try:
                for run, records, error in it:
                    done[run] = (records, error)
                    if error is None and self.runs_dir is not None:
                        _write_atomic(_run_frame(run, records), self.runs_dir / run.file)
                    self.errors += error is not None
                    self.bar.update()
            finally:
                it.close()
        self.runs += len(runs)
        return done

    def skip(self, n: int) -> None:
        if n:
            self.bar.total = max(self.bar.n, self.bar.total - n)
            self.bar.refresh()

    def close(self) -> None:
        self.bar.close()
        if isinstance(self._own, Executor):
            self._own.shutdown(wait=True, cancel_futures=True)
        elif self._own is not None and _is_dask(self._own):
            self._own.close()


class _Config:
    """What the search knows of one configuration."""

    def __init__(self, cfg, replications: int, seed: int):
        self.cfg, self.id, self.values = cfg, cfg.id, cfg.values
        self.runs = [_Run(cfg, r, cfg.seed(seed, r)) for r in range(replications)]
        self.results: dict[int, dict] = {}  # replication -> run values
        self.error: str | None = None
        self.status, self.reason = "pending", ""
        self.missed: list[str] = []  # targets it is known to miss without a full evaluation

    @property
    def n(self) -> int:
        return len(self.results)

    def missing(self) -> list[_Run]:
        return [r for r in self.runs if r.replication not in self.results]


class Search:
    """One call of :func:`~lambdasim.advisor.advise`."""

    def __init__(self, base, knobs, targets, objective, replications, seed):
        if isinstance(replications, bool) or not isinstance(replications, int) or (
                replications < 1):
            raise ScenarioError(f"replications = {replications!r}: must be a whole number >= 1")
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise ScenarioError(f"seed = {seed!r}: must be a whole number >= 0")
        if not knobs:
            raise ScenarioError("knobs: must name at least one path with candidate values")
        self.base = _base(base)
        self.targets = parse_targets(targets, self.base)
        self.objective = check_objective(objective, self.base)
        self.cover = {t.name: covered(t, self.base) for t in self.targets}
        self.replications = replications
        self.configs = [_Config(c, replications, seed) for c in _configurations(self.base, knobs)]
        self.knobs = list(self.configs[0].values)
        self.capacity_knobs = [k for k in self.knobs if pr.is_capacity_knob(k)]
        self.others = [k for k in self.knobs if k not in self.capacity_knobs]

    # -- bookkeeping ----------------------------------------------------------------------
    def _take(self, c: _Config, results: dict) -> None:
        for run in c.runs:
            if run in results:
                records, error = results[run]
                if error is not None:
                    c.error, c.status, c.reason = error, "error", error
                else:
                    c.results[run.replication] = run_values(records, self.targets,
                                                            self.objective, self.cover)

    def certain_misses(self, c: _Config) -> list:
        """Targets ``c`` misses whatever its remaining replications give."""
        out = []
        for t in self.targets:
            vals = [r[t.name] for r in c.results.values()]
            if any(math.isnan(v) for v in vals):
                out.append(t)
            elif t.upper and t.limit >= 0 and sum(vals) / self.replications > t.limit + 1e-12:
                out.append(t)
        return out

    def _stop(self, c: _Config, status: str, reason: str, runner: _Runner,
              missed=()) -> None:
        runner.skip(len(c.missing()))
        c.status, c.reason, c.missed = status, reason, list(missed)

    def _dominance(self, x: _Config, missed: list, runner: _Runner) -> None:
        if not any(t.column in pr.MONOTONE for t in missed) or not self.capacity_knobs:
            return
        names = [t.name for t in missed if t.column in pr.MONOTONE]
        for y in self.configs:
            if y is not x and y.status == "pending" and pr.dominated(
                    y.values, x.values, self.capacity_knobs, self.others):
                self._stop(y, "skipped" if y.n == 0 else "stopped",
                           f"dominated: no more capacity than config {x.id}, which misses "
                           f"{', '.join(names)}", runner, names)

    # -- the search -----------------------------------------------------------------------
    def run(self, runner: _Runner, prune: bool) -> None:
        if prune:
            for c in self.configs:
                why = pr.capacity_skip(Scenario.from_dict(c.cfg.scenario), self.targets,
                                       self.cover)
                if why:
                    self._stop(c, "skipped", why[1], runner, [why[0]])
        for wave in self._waves(prune):
            wave = [c for c in wave if c.status == "pending"]
            runs = [c.runs[0] for c in wave] if prune else [r for c in wave for r in c.runs]
            results = runner.run(runs)
            for c in wave:
                self._take(c, results)
                if prune and c.status == "pending":
                    self._settle(c, runner)
        if prune and self.replications > 1:
            self._race(runner)
        for c in self.configs:
            if c.status == "pending":
                c.status = "evaluated"

    def _settle(self, c: _Config, runner: _Runner) -> None:
        missed = self.certain_misses(c)
        if missed:
            if c.missing():
                names = [t.name for t in missed]
                self._stop(c, "stopped", "misses " + ", ".join(names) + " whatever the other "
                           f"replications give (after {c.n})", runner, names)
            self._dominance(c, missed, runner)

    def _waves(self, prune: bool) -> list[list[_Config]]:
        """Configurations grouped from the most capacity down (one group without pruning or
        capacity knobs): those a wave shows to miss a target rule out the ones below."""
        if not prune or not self.capacity_knobs:
            return [list(self.configs)]
        levels = {k: sorted({v for c in self.configs
                             if (v := (pr.capacity_levels(c.values, [k]) or {}).get(k))
                             is not None}) for k in self.capacity_knobs}
        rank = {}
        for c in self.configs:
            lv = pr.capacity_levels(c.values, self.capacity_knobs)
            rank[c.id] = -1 if lv is None else sum(levels[k].index(lv[k]) for k in lv)
        order = sorted(set(rank.values()), reverse=True)
        return [[c for c in self.configs if rank[c.id] == r] for r in order]

    def _race(self, runner: _Runner) -> None:
        todo = [c for c in self.configs if c.status == "pending" and c.missing()]
        todo.sort(key=lambda c: _key(c.results[0]["objective"]) if 0 in c.results else math.inf)
        best, tol = math.inf, MIN_TOLERANCE
        while todo:
            batch, todo = todo[: runner.batch], todo[runner.batch:]
            batch = [c for c in batch if c.status == "pending"]
            results = runner.run([r for c in batch for r in c.missing()])
            for c in batch:
                self._take(c, results)
                if c.status != "pending":
                    continue
                self._settle(c, runner)
                if c.status == "pending" and self.feasible(c):
                    best = min(best, self.mean_objective(c))
                tol = max(tol, 3 * self.spread(c))
            for c in todo:
                first = c.results.get(0, {}).get("objective", math.nan)
                if c.status == "pending" and _key(first) - tol * abs(first) > best:
                    self._stop(c, "stopped", f"racing: its first run's {self.objective} "
                               f"exceeds the best feasible mean by more than {tol:.0%}",
                               runner)

    # -- statistics -------------------------------------------------------------------------
    def mean_objective(self, c: _Config) -> float:
        v = [r["objective"] for r in c.results.values()]
        return sum(v) / len(v) if v else math.nan

    def spread(self, c: _Config) -> float:
        v = [r["objective"] for r in c.results.values()]
        if len(v) < 2 or any(math.isnan(x) for x in v):
            return 0.0
        m = sum(v) / len(v)
        sd = math.sqrt(sum((x - m) ** 2 for x in v) / (len(v) - 1))
        return sd / abs(m) if m else 0.0

    def feasible(self, c: _Config) -> bool:
        from .advice import bound, stats

        if c.n < self.replications or c.error:
            return False
        for t in self.targets:
            m, ci = stats([r[t.name] for r in c.results.values()])
            if not t.met(bound(m, ci, t.upper)):
                return False
        return True


def _key(v: float) -> float:
    return math.inf if v is None or math.isnan(v) else v
