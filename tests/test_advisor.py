"""The advisor: the pruned search gives the full grid's answer, its skips are sound, its
answer is a ready scenario, it resumes from its files; the command line and the figures;
and the readable sweep output."""

from __future__ import annotations

import importlib
import math

import numpy as np
import pandas as pd
import pytest

import lambdasim as ls
from lambdasim import plots
from lambdasim.advisor import parse_targets
from lambdasim.advisor.advice import pareto_front
from lambdasim.advisor.prune import capacity, fluid_bounds
from lambdasim.cli import main
from lambdasim.sweep.stats import fmt_number, readable, short_labels

run_mod = importlib.import_module("lambdasim.sweep.run")
BS, PF = "sources.clicks.batch_size", "sources.clicks.parallelization_factor"


def kinesis(rate=1200.0, duration_s=40.0) -> dict:
    """Two shards; 50 ms + 2 ms per record: one lane handles < 500 records/s."""
    return {
        "duration_s": duration_s, "warmup_s": 5.0,
        "functions": [{"name": "consumer", "memory_mb": 512, "per_record_s": 0.002,
                       "duration": {"dist": "constant", "value_s": 0.05}}],
        "sources": [{"name": "clicks", "kind": "kinesis", "function": "consumer", "shards": 2,
                     "workload": {"pattern": "poisson", "rate_per_s": rate}}]}


KNOBS = {BS: [20, 200, 1000], PF: [1, 2, 3]}
TARGETS = {"iterator_age_max_s": 4}


@pytest.fixture(scope="module")
def both():
    kw = {"replications": 2, "seed": 3, "executor": "serial", "progress": False}
    return (ls.advise(kinesis(), KNOBS, TARGETS, **kw),
            ls.advise(kinesis(), KNOBS, TARGETS, prune=False, **kw))


def test_pruned_search_gives_the_full_grids_answer(both):
    pruned, full = both
    assert full.best is not None and pruned.best is not None
    assert pruned.best.values == full.best.values
    assert full.skipped["runs"] == full.skipped["full_grid_runs"] == 18
    assert pruned.skipped["runs"] < full.skipped["runs"]
    assert sum(pruned.skipped["by_reason"].values()) > 0
    # what the pruned search evaluated fully has the full grid's numbers (same seeds)
    p, f = pruned.table.set_index("config"), full.table.set_index("config")
    done = p.index[p.status == "evaluated"]
    cols = ["cost_usd_mean", "iterator_age_max_s_mean", "feasible"]
    pd.testing.assert_frame_equal(p.loc[done, cols], f.loc[done, cols])


def test_every_skip_is_infeasible_or_dearer_in_the_full_grid(both):
    pruned, full = both
    f = full.table.set_index("config")
    best = full.best.row["cost_usd_mean"]
    for _, row in pruned.table.iterrows():
        if row.status in ("skipped", "stopped"):
            truth = f.loc[row.config]
            if row.reason.startswith("racing"):
                assert pd.isna(row.feasible)
                assert not truth.feasible or truth.cost_usd_mean >= best
            else:
                assert row.feasible is False or not row.feasible
                assert not truth.feasible, row.reason


def test_capacity_bound_skips_a_lane_that_cannot_keep_up(both):
    pruned, _ = both
    t = pruned.table
    one = t[t[PF] == 1]
    assert not one.feasible.any()
    # small batches: far below the load, ruled out without a run (the bound is conservative:
    # 1,000-record batches come within its margin and run)
    small = one[one[BS] <= 200]
    assert (small.status == "skipped").all() and small.reason.str.startswith("capacity").all()
    assert (small.missed == "iterator_age_max_s").all() and (small.n == 0).all()
    sc = ls.Scenario.from_dict(kinesis())
    src = sc.source("clicks")
    c = capacity(sc, src)  # 2 lanes x 100 / (0.05 + 0.2) s
    assert c == pytest.approx(2 * 100 / 0.25)
    # served at 800/s of 1,200/s offered, a record arriving at s leaves at 1.5 s: the oldest
    # waits 40 x (1 - 800 / 1200) s at the horizon, latency p99 ~ 0.99 of that
    b = fluid_bounds(sc, src, c)
    assert b["age"] == pytest.approx(40 / 3, rel=0.01)
    assert b["latency_p99_s"] == pytest.approx(0.99 * 40 / 3, rel=0.03)
    assert fluid_bounds(sc, src, 2000.0)["age"] == pytest.approx(0.0, abs=0.05)


def test_dominance_and_certain_misses_skip_runs():
    """A 0.1 s IteratorAge target no lane count meets (Kinesis polls once a second): the
    first wave (most lanes) misses it for sure, so fewer lanes are not run."""
    a = ls.advise(kinesis(rate=100.0, duration_s=30.0), {PF: [1, 2, 4]},
                  {"iterator_age_max_s": 0.1}, replications=3, executor="serial",
                  progress=False)
    t = a.table.set_index(PF)
    assert a.best is None
    assert t.loc[4, "status"] == "stopped" and t.loc[4, "n"] == 1
    assert t.loc[1, "status"] == t.loc[2, "status"] == "skipped"
    assert t.loc[1, "reason"].startswith("dominated")
    assert a.skipped["runs"] == 1 and a.skipped["full_grid_runs"] == 9
    assert "No configuration meets every target" in a.report()


def test_best_is_a_ready_scenario(both, tmp_path):
    pruned, _ = both
    b = pruned.best
    src = b.scenario.source("clicks")
    assert src.batch_size == b.values[BS] and src.parallelization_factor == b.values[PF]
    text = b.to_yaml(tmp_path / "best.yaml")
    assert text.startswith("# lambdasim advise") and "iterator_age_max_s <= 4" in text
    assert ls.Scenario.from_yaml(tmp_path / "best.yaml") == b.scenario
    assert b.row["feasible"] and b.row["iterator_age_max_s_mean"] + b.row[
        "iterator_age_max_s_ci95"] <= 4
    # the recommendation meets its target when re-simulated with other seeds
    ages = [ls.simulate(b.scenario, seed=s).summary.iterator_age_max_s[0] for s in (101, 202)]
    assert max(ages) <= 4


def test_table_pareto_and_report(both):
    pruned, full = both
    t = full.table
    assert {"config", "status", "reason", "n", "cost_usd_mean", "cost_usd_ci95",
            "iterator_age_max_s_mean", "iterator_age_max_s_ci95", "feasible", "missed",
            "pareto", BS, PF} <= set(t.columns)
    front = full.pareto["iterator_age_max_s"]
    for _, p in front.iterrows():  # nothing beats a front point on both
        better = t[(t.cost_usd_mean <= p.cost_usd_mean)
                   & (t.iterator_age_max_s_mean <= p.iterator_age_max_s_mean)
                   & ((t.cost_usd_mean < p.cost_usd_mean)
                      | (t.iterator_age_max_s_mean < p.iterator_age_max_s_mean))]
        assert better.empty
    assert t.pareto.sum() == len(front)
    text = pruned.report()
    assert "Recommended: sources.clicks.batch_size" in text and "Pareto front" in text
    assert "Ran " in text and "UNVERIFIED" in text and "kinesis.provisioned_shard_hour" in text
    assert list(pareto_front(np.array([1.0, 2, 3, np.nan]), np.array([3.0, 1, 2, 0]))) == [
        True, True, False, False]


def test_resumes_from_out_without_running_again(tmp_path, monkeypatch):
    kw = {"replications": 2, "executor": "serial", "progress": False, "out": tmp_path}
    knobs = {BS: [200, 1000], PF: [2]}
    first = ls.advise(kinesis(duration_s=20.0), knobs, TARGETS, **kw)
    assert (tmp_path / "recommended.yaml").is_file() and (tmp_path / "advice.csv").is_file()
    calls = []
    real = run_mod.run_one
    monkeypatch.setattr(run_mod, "run_one", lambda sc, seed: calls.append(seed) or real(sc, seed))
    again = ls.advise(kinesis(duration_s=20.0), knobs, TARGETS, **kw)
    assert calls == []
    assert again.best.values == first.best.values
    pd.testing.assert_frame_equal(again.table, first.table)


def test_executors_give_the_same_table():
    kw = {"replications": 2, "progress": False}
    knobs = {BS: [20, 1000], PF: [1, 2]}
    serial = ls.advise(kinesis(duration_s=20.0), knobs, TARGETS, executor="serial", **kw)
    pool = ls.advise(kinesis(duration_s=20.0), knobs, TARGETS, workers=2, **kw)
    pd.testing.assert_frame_equal(serial.table, pool.table)


def test_targets_are_checked():
    sc = ls.Scenario.from_dict(kinesis())
    t = parse_targets({"clicks": {"latency_p99_s": 2}, "throughput_per_s": ">=500",
                       "clicks.dropped": 0}, sc)
    assert [str(x) for x in t] == ["clicks.latency_p99_s <= 2", "throughput_per_s >= 500",
                                   "clicks.dropped <= 0"]
    assert t[1].met(501) and not t[1].met(499) and not t[0].met(math.nan)
    with pytest.raises(ls.ScenarioError, match="no column 'p99'"):
        parse_targets({"p99": 1}, sc)
    with pytest.raises(ls.ScenarioError, match="queue_age_max_s applies to sqs sources only"):
        parse_targets({"queue_age_max_s": 1}, sc)
    with pytest.raises(ls.ScenarioError, match="must be a number"):
        parse_targets({"latency_p99_s": "soon"}, sc)
    with pytest.raises(ls.ScenarioError, match="objective = 'speed'"):
        ls.advise(kinesis(), {PF: [1]}, TARGETS, objective="speed", progress=False)
    with pytest.raises(ls.ScenarioError, match="no field"):
        ls.advise(kinesis(), {"sources.clicks.batchsize": [1]}, TARGETS, progress=False)


def test_memory_is_a_knob_worth_advising_on():
    """A CPU-bound handler: more memory runs faster, so the cheapest memory meeting a
    latency target is found; duration is measured at 1,024 MB."""
    base = {"duration_s": 30.0, "functions": [{
        "name": "f", "cold_start": None, "duration_at_memory_mb": 1024, "cpu_bound": 0.9,
        "duration": {"dist": "constant", "value_s": 1.0}}],
        "sources": [{"name": "api", "kind": "sync", "function": "f",
                     "workload": {"pattern": "poisson", "rate_per_s": 2.0}}]}
    a = ls.advise(base, {"functions.f.memory_mb": [512, 1024, 1769, 3008]},
                  {"latency_p99_s": 0.8}, replications=2, executor="serial", progress=False,
                  prune=False)
    t = a.table.set_index("functions.f.memory_mb")
    assert t.loc[512, "latency_p99_s_mean"] == pytest.approx(0.1 + 0.9 * 2)
    assert t.loc[3008, "latency_p99_s_mean"] == pytest.approx(0.1 + 0.9 * 1024 / 1769)
    assert a.best.values == {"functions.f.memory_mb": 1769}  # beyond one vCPU: no gain


def test_cli_advise(tmp_path, capsys):
    path = tmp_path / "kin.yaml"
    path.write_text(ls.Scenario.from_dict(kinesis(duration_s=20.0)).to_yaml())
    out = tmp_path / "out"
    rc = main(["advise", str(path), "--knob", f"{BS}=20,1000", "--knob", f"{PF}=1,2",
               "--target", "iterator_age_max_s<=4", "--replications", "2", "--workers", "1",
               "--out", str(out)])
    assert rc == 0
    text = capsys.readouterr().out
    assert "Recommended:" in text and "Pareto front" in text and "capacity" in text
    for name in ("recommended.yaml", "pareto.png", "why_not.png", "advice.csv"):
        assert (out / name).is_file(), name
    assert main(["advise", str(path), "--knob", f"{PF}=1", "--target", "p99<=1"]) == 2
    assert "no column 'p99'" in capsys.readouterr().err
    assert main(["advise", str(path), "--knob", "nonsense", "--target", "latency_p99_s<=1"]) == 2


def test_advisor_figures(both):
    pruned, full = both
    fig = plots.plot_pareto(full)
    ax = fig.axes[0]
    assert "cost_usd" in ax.get_xlabel() and "(" in ax.get_ylabel()
    assert any("chosen" in t.get_text() for t in ax.texts)
    labels = ax.get_legend_handles_labels()[1]
    assert "meets every target" in labels and "misses a target" in labels
    why = plots.plot_why_not(pruned).axes[0]
    cells = " ".join(t.get_text() for t in why.texts)
    assert "capacity" in cells and "Why not" in why.get_title()
    why_full = plots.plot_why_not(full).axes[0]
    assert any(t.get_text().endswith("x") for t in why_full.texts)
    with pytest.raises(ValueError, match="not a target"):
        plots.plot_pareto(full, target="latency")


# -- readable sweep output ------------------------------------------------------------------
def test_short_labels_and_numbers():
    assert short_labels([BS, "sources.orders.batch_size", "functions.f.memory_mb"]) == {
        BS: "clicks.batch_size", "sources.orders.batch_size": "orders.batch_size",
        "functions.f.memory_mb": "memory_mb"}
    assert [fmt_number(v) for v in (12345, 0.012345, 4.5678, 0.5, 1e-6, math.nan, None)] == [
        "12,345", "0.0123", "4.57", "0.5", "1.00e-06", "-", "null"]


def test_readable_summary_and_log_heatmap():
    df = ls.sweep(kinesis(duration_s=15.0), {BS: [100, 1000], PF: [2, 3]}, replications=2,
                  executor="serial", progress=False)
    s = ls.summarize(df)
    r = readable(s, ["latency_p99_s", "cost_usd"])
    assert list(r.columns[:2]) == ["batch_size", "parallelization_factor"]
    assert r.attrs["labels"][BS] == "batch_size" and " ± " in r.latency_p99_s[0]
    fig = plots.plot_heatmap(df, BS, PF, "iterator_age_max_s", log=True)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "batch_size" and ax.get_ylabel() == "parallelization_factor"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["100", "1,000"]
    assert type(ax.images[0].norm).__name__ in ("LogNorm", "SymLogNorm")
    assert plots.plot_sweep(df[df[PF] == 2], BS, "cost_usd").axes[0].get_xlabel() == "batch_size"
