""":func:`advise`: the cheapest configuration of a grid that meets every target with
confidence, and the evidence."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from ..spec import Scenario
from .advice import SERVICES, Advice, Recommendation, bound, pareto_front, stats
from .search import Search, _Runner

#: why configurations did not run every replication (keys of ``Advice.skipped["by_reason"]``)
REASONS = {"capacity": "skipped: capacity below the load",
           "dominated": "skipped: dominated by one that missed a target",
           "misses": "stopped early: certainly missed a target",
           "racing": "stopped early: could not be the cheapest (racing)"}


def advise(base, knobs, targets, objective: str = "cost_usd", replications: int = 3,
           seed: int = 0, executor=None, out=None, *, prune: bool = True,
           progress: bool = True, workers: int | None = None) -> Advice:
    """The configuration of ``knobs`` that minimises ``objective`` while meeting every
    target with 95 % confidence, found by simulation.

    - ``base``: a :class:`Scenario`, a scenario mapping, a YAML path or an example's name.
    - ``knobs``: ``{dotted path: [candidate values]}``, as :func:`lambdasim.sweep`'s grid
      (``{"sources.clicks.batch_size": [100, 500], "functions.worker.memory_mb": [...]}``).
    - ``targets``: limits on summary or function columns, for every source they apply to or
      for one (``{"latency_p99_s": 5, "clicks.iterator_age_max_s": 5, "dropped": 0}``; a
      number is an upper limit, ``">=X"`` a lower one): see :mod:`.targets`.
    - ``objective``: a column to minimise; ``cost_usd`` is the whole bill (Lambda, event
      sources, provisioned concurrency) of the simulated window.
    - ``replications``, ``seed``, ``executor`` (None: a local process pool of ``workers``;
      ``"serial"``; a Dask client or scheduler address; any Executor) and ``out`` (a
      directory: runs are kept there and read back, so a killed search resumes) as in
      :func:`lambdasim.sweep`; ``progress``: a progress bar.
    - ``prune``: skip what cannot win (see :mod:`.search` and :mod:`.prune`); the answer is
      the full grid's. ``prune=False`` runs the whole grid.

    A configuration is feasible when, for every target, the 95 % confidence bound of its
    mean (upper bound for an upper limit) is within the limit: with one replication, the
    mean. ``best`` is the feasible configuration with the lowest mean objective (the first
    in grid order on a tie).
    """
    search = Search(base, knobs, targets, objective, replications, seed)
    full = len(search.configs) * replications
    runner = _Runner(executor, workers, out, full, progress)
    try:
        search.run(runner, prune)
    finally:
        runner.close()
    advice = _advice(search, full, runner.runs)
    if out is not None:
        advice.table.to_csv(Path(out) / "advice.csv", index=False)
        if advice.best is not None:
            advice.best.to_yaml(Path(out) / "recommended.yaml")
    return advice


def _advice(search: Search, full: int, runs: int) -> Advice:
    obj, rows = search.objective, []
    for c in search.configs:
        row = {**c.values, "config": c.id, "status": c.status, "reason": c.reason, "n": c.n}
        m, ci = stats([r["objective"] for r in c.results.values()])
        row[f"{obj}_mean"], row[f"{obj}_ci95"] = m, ci
        missed = []
        for t in search.targets:
            tm, tci = stats([r[t.name] for r in c.results.values()])
            row[f"{t.name}_mean"], row[f"{t.name}_ci95"] = tm, tci
            if not t.met(bound(tm, tci, t.upper)):
                missed.append(t.name)
        if c.status == "error":
            feasible, missed = False, ["error"]
        elif c.status == "evaluated":
            feasible = not missed
        elif c.missed:  # skipped or stopped for a target it misses
            feasible, missed = False, c.missed
        else:  # stopped by racing: could not be the cheapest; feasibility not decided
            feasible, missed = pd.NA, []
        row["feasible"], row["missed"] = feasible, ", ".join(missed)
        rows.append(row)
    table = pd.DataFrame(rows)
    table["feasible"] = table["feasible"].astype("boolean")
    fronts, on_front = {}, pd.Series(False, index=table.index)
    for t in search.targets:
        ok = (table.n > 0).to_numpy()
        f = pareto_front(table[f"{obj}_mean"].where(ok).to_numpy(float),
                         table[f"{t.name}_mean"].where(ok).to_numpy(float), t.upper)
        fronts[t.name] = table[f].sort_values(f"{obj}_mean")
        on_front |= f
    table["pareto"] = on_front.to_numpy()
    table.attrs["knobs"] = search.knobs
    best = _best(search, table)
    by = dict.fromkeys(REASONS.values(), 0)
    for c in search.configs:
        for key, label in REASONS.items():
            if c.reason.startswith(key):
                by[label] += 1
    skipped = {"runs": runs, "full_grid_runs": full, "configurations": len(search.configs),
               "by_reason": {k: v for k, v in by.items() if v}}
    services = ("lambda", *dict.fromkeys(SERVICES[s.kind] for s in search.base.sources
                                         if s.kind in SERVICES))
    return Advice(table, search.targets, obj, search.knobs, search.replications, best,
                  skipped, fronts, services)


def _best(search: Search, table: pd.DataFrame) -> Recommendation | None:
    obj = search.objective
    ok = table[table.feasible.fillna(False).astype(bool)]
    if ok.empty:
        return None
    row = ok.sort_values(f"{obj}_mean", kind="stable").iloc[0]
    c = next(c for c in search.configs if c.id == row["config"])
    values = {k: (None if isinstance(v, float) and math.isnan(v) else v)
              for k, v in c.values.items()}
    return Recommendation(c.id, values, row, Scenario.from_dict(c.cfg.scenario),
                          search.targets, obj)
