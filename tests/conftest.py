"""Shared helpers for the lambdasim tests: queueing formulas, a scenario builder and the
conservation check every test applies to its results, and the command line run in-process."""

from __future__ import annotations

import copy
import io
import os
import subprocess
from contextlib import redirect_stderr, redirect_stdout
from importlib.util import find_spec

import numpy as np
import pandas as pd
import pytest

import lambdasim as ls


def run_cli(*args, cwd=None) -> subprocess.CompletedProcess:
    """``lambdasim ARGS`` in this process (imports paid once, not per call): its exit status,
    stdout and stderr. An exception escaping ``main`` fails the test, as a traceback would;
    a few tests in test_cli.py run the installed command in a process of its own."""
    from lambdasim.cli import main

    out, err, here = io.StringIO(), io.StringIO(), os.getcwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        with redirect_stdout(out), redirect_stderr(err):
            try:
                code = main([str(a) for a in args])
            except SystemExit as exc:  # argparse's usage errors and --version
                code = exc.code if isinstance(exc.code, int) else 1
    finally:
        os.chdir(here)
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


OUTCOMES = ("in_flight", "succeeded", "failed", "dropped", "rejected", "expired")
SYNC_ATTEMPTS = {"none": 1, "standard": 3, "legacy": 5}  # boto3 retry modes, written out


# -- theory (one copy, in the library) ---------------------------------------------------
erlang_b = ls.theory.erlang_b


def alive_at(environments: pd.DataFrame, t: np.ndarray) -> np.ndarray:
    """Number of execution environments alive at each time in ``t``: born at or before t and
    not yet shut down (``death_s`` NaN means still alive at the horizon)."""
    birth = np.sort(environments.birth_s.to_numpy(dtype=float))
    death = environments.death_s.to_numpy(dtype=float)
    death = np.sort(death[~np.isnan(death)])
    t = np.asarray(t, dtype=float)
    born = np.searchsorted(birth, t, side="right")
    dead = np.searchsorted(death, t, side="right")
    return born - dead


# -- scenarios ------------------------------------------------------------------------------
def _merge(base: dict, over: dict) -> dict:
    """``base`` updated with ``over``; a dict value in ``over`` updates the dict it replaces
    one level down (so ``account={"concurrency_limit": 5}`` keeps the other account fields),
    anything else (a distribution, a workload, a list) replaces it whole."""
    out = copy.deepcopy(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = {**out[k], **copy.deepcopy(v)}
        else:
            out[k] = copy.deepcopy(v)
    return out


BASE = {
    "duration_s": 600.0,
    "warmup_s": 100.0,
    "account": {"concurrency_limit": 1000, "scaling_rate_per_10s": None,
                "unreserved_minimum": 0},
    "functions": [{"name": "f", "duration": {"dist": "constant", "value_s": 0.2},
                   "cold_start": None}],
    "sources": [{"name": "api", "kind": "sync", "function": "f",
                 "workload": {"pattern": "poisson", "rate_per_s": 10.0}}],
}


def scenario_dict(*, function: dict | None = None, source: dict | None = None,
                  **overrides) -> dict:
    """The base scenario (one function ``f``, one sync Poisson source ``api``) as a dict.

    Top-level keys in ``overrides`` replace those of the base (``account`` is updated field by
    field); ``function`` / ``source`` update the fields of the single function / source, each
    value replacing the old one whole."""
    d = _merge(BASE, overrides)
    if function is not None:
        d["functions"][0] = {**d["functions"][0], **copy.deepcopy(function)}
    if source is not None:
        d["sources"][0] = {**d["sources"][0], **copy.deepcopy(source)}
    return d


def scenario(**kw) -> ls.Scenario:
    """Build a validated :class:`lambdasim.Scenario` (see :func:`scenario_dict`)."""
    return ls.Scenario.from_dict(scenario_dict(**kw))


def poisson(rate: float) -> dict:
    return {"pattern": "poisson", "rate_per_s": rate}


def const(value_s: float) -> dict:
    return {"dist": "constant", "value_s": value_s}


def lognormal(mean_s: float, cv: float) -> dict:
    return {"dist": "lognormal", "mean_s": mean_s, "cv": cv}


# -- checks ---------------------------------------------------------------------------------
def assert_identical(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """The same table, bit for bit (same seed, same numbers). ``DataFrame.equals`` decides:
    it compares categorical columns by their codes, where pandas' ``assert_frame_equal``
    compares them value by value (about a second per 100,000 rows) and lets floats differ by
    1e-5; that assertion then says where the tables differ."""
    if (a.equals(b) and list(a.columns) == list(b.columns) and a.index.equals(b.index)
            and (a.dtypes == b.dtypes).all()):
        return
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    raise AssertionError("the tables differ (DataFrame.equals)")


def assert_conserved(r: ls.Result) -> None:
    """Every event ends in exactly one outcome, per source, in the summary and in the events
    table, and each Invoke call is either an invocation or a throttle."""
    summ = r.summary
    for row in summ.itertuples():
        total = sum(int(getattr(row, o)) for o in OUTCOMES)
        assert total == row.offered, (
            f"{row.source}: offered {row.offered} != sum of outcomes {total}")
        for o in OUTCOMES:
            assert getattr(row, o) >= 0
    ev = r.events
    assert set(ev.outcome.astype(str).unique()) <= set(OUTCOMES)
    for row in summ.itertuples():
        mine = ev[ev.source == row.source]
        assert mine.id.is_unique
        counted = mine[mine.arrival_s >= r.warmup_s]
        assert len(counted) == row.offered, f"{row.source}: events table disagrees"
        by = counted.outcome.value_counts()
        for o in OUTCOMES:
            assert int(by.get(o, 0)) == int(getattr(row, o)), (
                f"{row.source}: {o} summary {getattr(row, o)} != events {by.get(o, 0)}")
        # finished events have an end at or after their arrival; in-flight ones have none
        done = mine[mine.outcome != "in_flight"]
        assert done.end_s.notna().all()
        assert (done.end_s >= done.arrival_s - 1e-9).all()
        assert (done.end_s <= r.duration_s + 1e-9).all()
        assert mine[mine.outcome == "in_flight"].end_s.isna().all()
        if row.kind in ("kinesis", "dynamodb", "sqs"):
            continue  # pull sources invoke per batch: attempts count per record
        # Invoke calls = invocations started + throttles, over the whole run
        n_inv = int((r.invocations.source == row.source).sum())
        n_thr = int((r.throttles.source == row.source).sum())
        assert int(mine.attempts.sum()) == n_inv + n_thr, (
            f"{row.source}: attempts {int(mine.attempts.sum())} != invocations {n_inv} + "
            f"throttles {n_thr}")


def max_in_flight(invocations: pd.DataFrame, horizon: float) -> int:
    """Largest number of invocations running at once (ends before starts at equal times),
    over all the rows given (e.g. every function of the account)."""
    start = invocations.start_s.to_numpy(dtype=float)
    end = np.minimum(invocations.end_s.fillna(horizon).to_numpy(dtype=float), horizon)
    times = np.concatenate([start, end])
    delta = np.concatenate([np.ones(len(start)), -np.ones(len(end))])
    order = np.lexsort((delta, times))
    levels = np.cumsum(delta[order])
    return int(levels.max()) if len(levels) else 0


def rel_err(x: float, ref: float) -> float:
    return abs(x - ref) / abs(ref)


def mean_of(dist: dict) -> float:
    return dist["value_s"] if dist["dist"] == "constant" else dist["mean_s"]


def theory_cold_fraction(rate: float, keep_alive: float, service: float,
                         lag_max: float = 60.0) -> float:
    """P(cold) with the default reclaim lag, uniform 0-60 s (see ``ls.theory``)."""
    return ls.theory.cold_start_probability(rate, keep_alive, service, lag_max)


#: the template import needs the `templates` extra (the test command installs it); looked up,
#: not imported, so that collecting the tests does not load cfn-lint (about a second)
TEMPLATES_MISSING = ("template import needs the 'templates' extra: pip install -e '.[templates]'"
                     if not all(find_spec(m) for m in ("cfnlint", "samtranslator")) else "")
needs_templates = pytest.mark.skipif(bool(TEMPLATES_MISSING), reason=TEMPLATES_MISSING)
