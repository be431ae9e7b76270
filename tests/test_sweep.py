"""Parameter sweeps: the same numbers on every executor, seeds independent of the grid,
validation before any run, error rows, resuming an interrupted sweep, statistics, plots and
CLI."""

from __future__ import annotations

import importlib
import math
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import yaml

import lambdasim as ls
from lambdasim.cli import main
from lambdasim.sweep import read_sweep, summarize, sweep, t975
from lambdasim.sweep_plots import plot_heatmap, plot_sweep

sweep_mod = importlib.import_module("lambdasim.sweep")  # lambdasim.sweep is also the function
run_mod = importlib.import_module("lambdasim.sweep.run")
core_mod = importlib.import_module("lambdasim.sweep.core")
RC = "functions.f.reserved_concurrency"
RATE = "sources.api.workload.rate_per_s"


def base(rate: float = 20.0, duration_s: float = 30.0) -> dict:
    """One function (reserved concurrency 4) called by a sync API and an S3 bucket."""
    return {
        "duration_s": duration_s, "warmup_s": 5.0,
        "account": {"concurrency_limit": 100, "unreserved_minimum": 0},
        "functions": [{"name": "f", "reserved_concurrency": 4,
                       "duration": {"dist": "lognormal", "mean_s": 0.2, "cv": 0.5}}],
        "sources": [
            {"name": "api", "kind": "sync", "function": "f",
             "workload": {"pattern": "poisson", "rate_per_s": rate}},
            {"name": "uploads", "kind": "s3", "function": "f",
             "workload": {"pattern": "poisson", "rate_per_s": 5.0}},
        ],
    }


GRID = {RC: [None, 2, 6], RATE: [10, 30]}


@pytest.fixture(scope="module")
def serial() -> pd.DataFrame:
    return sweep(base(), GRID, replications=2, seed=7, executor="serial", progress=False)


# -- layout and seeds -----------------------------------------------------------------------
def test_frame_layout_and_grid_order(serial):
    df = serial
    n_src = 2
    assert len(df) == 3 * 2 * 2 * n_src
    assert list(df.columns[:5]) == [RC, RATE, "config", "replication", "seed"]
    assert list(df.columns[-1:]) == ["error"]
    r = ls.simulate(ls.Scenario.from_dict(base()))
    summary_cols = list(r.summary.columns)
    function_cols = [f"function_{c}" for c in sweep_mod.FUNCTION_COLUMNS]
    assert list(df.columns[5:-1]) == summary_cols + function_cols
    # each source's row carries its function's numbers
    first = df[(df.replication == 0)].iloc[0]
    rerun = ls.simulate(ls.Scenario.from_dict({**base(), "functions": [
        {**base()["functions"][0], "reserved_concurrency": first[RC]}],
        "sources": [{**base()["sources"][0], "workload": {"pattern": "poisson",
                                                          "rate_per_s": first[RATE]}},
                    base()["sources"][1]]}), seed=int(first.seed))
    assert first.function_max_concurrency == rerun.functions.max_concurrency[0]
    assert df["error"].isna().all()
    # grid order: first path slowest, then replications, then sources in scenario order
    assert list(df[RC][:: 2 * 2 * n_src]) == [None, 2, 6]
    assert list(df[RATE][:: 2 * n_src][:2]) == [10, 30]
    assert list(df.replication[:4]) == [0, 0, 1, 1]
    assert list(df.source[:2]) == ["api", "uploads"]
    assert df.groupby("config").size().eq(2 * n_src).all() and df.config.nunique() == 6
    assert df.groupby("config").seed.nunique().eq(2).all()
    assert df.seed.nunique() == 12 and (df.seed < 2**32).all()
    # reserved concurrency matters: fewer throttles as it grows, none when unreserved
    thr = df[df.source == "api"].groupby(RC, dropna=False, sort=False).throttles.sum()
    assert thr.iloc[0] == 0 and thr.loc[2] > thr.loc[6] > 0


def test_rows_are_simulate_with_the_derived_seed(serial):
    row = serial[(serial[RC] == 2) & (serial[RATE] == 30) & (serial.replication == 1)]
    d = base(rate=30.0)
    d["functions"][0]["reserved_concurrency"] = 2
    expected = ls.simulate(ls.Scenario.from_dict(d), seed=int(row.seed.iloc[0])).summary
    got = row[expected.columns].reset_index(drop=True)
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)


def test_seeds_depend_on_the_configuration_not_the_grid(serial):
    other = sweep(base(), {RC: [6, 3], RATE: [30]}, replications=2, seed=7, executor="serial",
                  progress=False)
    mine = other[other[RC] == 6].reset_index(drop=True)
    theirs = serial[(serial[RC] == 6) & (serial[RATE] == 30)].reset_index(drop=True)
    pd.testing.assert_frame_equal(mine, theirs, check_dtype=False)
    # 30 and 30.0 are the same value once validated; another base seed gives other numbers
    again = sweep(base(), {RC: [6], RATE: [30.0]}, replications=2, seed=7, executor="serial",
                  progress=False)
    assert list(again.seed) == list(theirs.seed)
    moved = sweep(base(), {RC: [6], RATE: [30]}, replications=2, seed=8, executor="serial",
                  progress=False)
    assert not set(moved.seed) & set(theirs.seed)
    # naming one more path, at its base value, is the same configuration: the same numbers
    extra = sweep(base(), {RC: [6], RATE: [30], "functions.f.memory_mb": [512]},
                  replications=2, seed=7, executor="serial", progress=False)
    assert list(extra.seed) == list(theirs.seed)
    pd.testing.assert_frame_equal(extra[theirs.columns[2:]].reset_index(drop=True),
                                  theirs[theirs.columns[2:]], check_dtype=False)


def test_zip_pairs_values():
    df = sweep(base(), {RC: [3, 5]}, zip={RATE: [10, 20, 40], "duration_s": [20, 25, 30]},
               executor="serial", progress=False)
    assert list(df.columns[:3]) == [RC, RATE, "duration_s"]
    pairs = df.drop_duplicates("config")[[RC, RATE, "duration_s"]].values.tolist()
    assert pairs == [[3, 10, 20], [3, 20, 25], [3, 40, 30], [5, 10, 20], [5, 20, 25],
                     [5, 40, 30]]
    with pytest.raises(ls.ScenarioError, match=r'zip: lists must have equal lengths \("sources'
                       r'.api.workload.rate_per_s" has 2, "duration_s" has 1\)'):
        sweep(base(), zip={RATE: [1, 2], "duration_s": [20]}, executor="serial")


def test_no_grid_replicates_the_base():
    df = sweep(base(), replications=3, executor="serial", progress=False)
    assert list(df.columns[:3]) == ["config", "replication", "seed"]
    assert len(df) == 6 and df.config.nunique() == 1 and df.seed.nunique() == 3


# -- executors ------------------------------------------------------------------------------
def test_process_pool_and_dask_give_the_serial_numbers(serial):
    from distributed import Client, LocalCluster

    pool = sweep(base(), GRID, replications=2, seed=7, workers=2, progress=False)
    pd.testing.assert_frame_equal(pool, serial)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        with Client(cluster) as client:
            dask = sweep(base(), GRID, replications=2, seed=7, executor=client, progress=False)
            assert len(client.scheduler_info()["workers"]) == 2
        by_address = sweep(base(), GRID, replications=2, seed=7,
                           executor=cluster.scheduler_address, progress=False)
    pd.testing.assert_frame_equal(dask, serial)
    pd.testing.assert_frame_equal(by_address, serial)


def test_executors_load_when_a_sweep_runs_not_on_import():
    """``import lambdasim`` (and so the CLI's start-up) and the sweep figures do not load
    multiprocessing, the process pool or Dask: a sweep's executor does, when it starts."""
    code = ("import sys, lambdasim, lambdasim.sweep, lambdasim.plots; "
            "heavy = [m for m in ('multiprocessing', 'concurrent.futures.process', 'dask', "
            "'distributed') if m in sys.modules]; assert not heavy, heavy")
    subprocess.run([sys.executable, "-c", code], check=True)


# -- validation ----------------------------------------------------------------------------
@pytest.mark.parametrize(("grid", "message"), [
    ({"functions.f.memroy_mb": [256]},
     r'^grid\["functions.f.memroy_mb"\]: no field "memroy_mb" in functions.f; did you mean '
     r'"memory_mb"\? \(valid: functions.f.\{name, memory_mb, timeout_s, '),
    ({"functions.f.MemorySize": [256]}, r'no field "MemorySize" in functions.f'),
    ({"functions.g.memory_mb": [256]},
     r'^grid\["functions.g.memory_mb"\]: no function named "g" \(valid: functions.\{f\}\)$'),
    ({"sources.clicks.shards": [2]},
     r'no source named "clicks" \(valid: sources.\{api, uploads\}\)$'),
    ({"sources.api.workload.rate": [2]},
     r'no field "rate" in sources.api.workload; did you mean "rate_per_s"\? \(valid: '
     r'sources.api.workload.\{record_bytes, pattern, rate_per_s\}\)$'),
    ({"horizon_s": [10]},
     r'no field "horizon_s"; did you mean "duration_s"\? \(valid: duration_s, warmup_s, '
     r"account, functions, sources, pricing\)$"),
    ({"functions.f.cold_start.value_s": [1]},  # the default cold start is a lognormal
     r'no field "value_s" in functions.f.cold_start.* \(valid: functions.f.cold_start.\{'
     + re.escape(", ".join(ls.Lognormal.model_fields)) + r"\}\)$"),
    ({"functions.f.reserved_concurrency.max": [1]},
     r"functions.f.reserved_concurrency is 4 in the base scenario, so it has no field"),
    ({"functions.f.memory_mb": [64, 128]},
     r'^grid\["functions.f.memory_mb"\] = 64: functions\[0\].memory_mb = 64: must be '
     r"128..10240 \(AWS Lambda memory\)$"),
    ({"sources.uploads.workload.rate_per_s": [1, -2, -3]},
     r'^grid\["sources.uploads.workload.rate_per_s"\] = -2: sources\[1\].workload.rate_per_s = '
     r"-2: must be 0..10000000 \(events per second\) \(and 1 more invalid configuration\)$"),
    ({"functions.f.provisioned_concurrency": [2, 8], RC: [5, 10]},
     r'^grid\["functions.f.provisioned_concurrency"\] = 8 \(with functions.f.'
     r"reserved_concurrency = 5\): functions\[0\].provisioned_concurrency = 8: must be 0..5"),
    ({RATE: 5}, r"= 5: must be a list of values"),
    ({RATE: []}, r"must have at least 1 value"),
    ({RATE: [5, 5]}, r'^grid\["sources.api.workload.rate_per_s"\] = 5: listed twice$'),
    ({RATE: [5, 5.0]}, r"are the same scenario"),
    ({"sources.api.workload": [{"pattern": "poisson", "rate_per_s": 1}], RATE: [2]},
     r"overlapping fields"),
    ({"sources..rate": [1]}, r"field names joined by dots"),
])
def test_invalid_grids_fail_before_any_run(tmp_path, grid, message):
    with pytest.raises(ls.ScenarioError, match=message):
        sweep(base(), grid, executor="serial", out=tmp_path / "out", progress=False)
    assert not (tmp_path / "out").exists()


def test_whole_values_and_nested_paths():
    const = [{"dist": "constant", "value_s": 0.1}, {"dist": "constant", "value_s": 0.3}]
    grid = {"functions.f.duration": const, "functions.f.cold_start": [None, const[0]],
            "warmup_s": [0]}
    df = sweep(base(), grid, executor="serial", progress=False)
    assert list(df["functions.f.cold_start"].unique()) == [
        None, '{"dist":"constant","value_s":0.1}']
    api = df[df.source == "api"].reset_index(drop=True)
    assert list(api.latency_p50_s) == pytest.approx([0.1, 0.1, 0.3, 0.3])
    assert api.latency_mean_s[1] > api.latency_mean_s[0]  # the cold starts' init time
    assert api.latency_mean_s[3] > api.latency_mean_s[2]


def test_bad_arguments():
    with pytest.raises(ls.ScenarioError, match="replications = 0: must be a whole number"):
        sweep(base(), {}, replications=0)
    with pytest.raises(ls.ScenarioError, match="seed = -1"):
        sweep(base(), {}, seed=-1)
    with pytest.raises(ls.ScenarioError, match="executor = 'seriall'"):
        sweep(base(), {}, executor="seriall")
    with pytest.raises(ls.ScenarioError, match="workers: sizes the local process pool"):
        sweep(base(), {}, executor="serial", workers=2)


# -- errors and resuming --------------------------------------------------------------------
@pytest.fixture
def vanishing_trace(tmp_path, monkeypatch):
    """A valid trace file that is deleted as soon as the sweep has validated its
    configurations: the runs using it then raise (each run validates its scenario again)."""
    path = tmp_path / "bad.csv"
    path.write_text("time_s\n1\n2\n")
    real = core_mod._configurations

    def validate_then_delete(*args, **kwargs):
        configs = real(*args, **kwargs)
        path.unlink()
        return configs

    monkeypatch.setattr(core_mod, "_configurations", validate_then_delete)
    return path


def test_a_failing_configuration_becomes_error_rows(tmp_path, vanishing_trace):
    bad = vanishing_trace
    good = {"pattern": "poisson", "rate_per_s": 5}
    path = "sources.api.workload"
    grid = {path: [good, {"pattern": "trace", "path": str(bad)}], RC: [3, 4]}
    df = sweep(base(), grid, replications=2, executor="serial", out=tmp_path / "out",
               progress=False)
    failed = df[df.error.notna()]
    assert len(failed) == 2 * 2  # one row per replication of each failing configuration
    assert failed.error.str.startswith("ScenarioError: sources[0].workload.path").all()
    assert failed.error.str.contains("no such trace file").all()
    assert failed.source.isna().all() and failed.offered.isna().all()
    ok = df[df.error.isna()]
    assert len(ok) == 2 * 2 * 2 and (ok.offered > 0).all()
    assert len(list((tmp_path / "out" / "runs").glob("*.parquet"))) == 4  # failures not saved
    saved = pd.read_parquet(tmp_path / "out" / "sweep.parquet")
    assert len(saved) == len(df) and saved.error.notna().sum() == 4
    s = summarize(df)
    assert list(s.n) == [2, 2, 2, 2, 0, 0]
    assert s.error.iloc[:4].isna().all()
    assert s.error.iloc[4:].str.contains("no such trace file").all()
    assert s.offered_mean.iloc[4:].isna().all()


def test_resume_runs_only_the_missing_runs(tmp_path, monkeypatch):
    """An interrupted sweep leaves some runs' files, maybe one half-written, and no
    sweep.parquet: the same sweep into the same ``out`` runs only what is missing."""
    args = {"base": base(), "grid": {RC: [2, 6], RATE: [10, 30]}, "replications": 2,
            "seed": 3, "executor": "serial", "progress": False}
    out = tmp_path / "out"
    runs = out / "runs"
    sweep(**args, out=out)
    files = sorted(runs.glob("*.parquet"))
    assert len(files) == 8 and (out / "sweep.parquet").is_file()
    missing = [files[1], files[6]]
    for path in missing:
        path.unlink()
    torn = files[3]
    torn.write_bytes(torn.read_bytes()[:50])  # cut short: unreadable, so run again
    (out / "sweep.parquet").unlink()
    kept = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in files
            if p.exists() and p != torn}
    assert len(kept) == 5

    calls: list[int] = []
    real = run_mod.run_one

    def counting(scenario, seed):
        calls.append(seed)
        return real(scenario, seed)

    monkeypatch.setattr(run_mod, "run_one", counting)
    resumed = sweep(**args, out=out)
    # exactly the missing and the unreadable runs ran (a file is named ...-s<seed>.parquet)
    assert sorted(calls) == sorted(int(p.stem.rsplit("-s", 1)[1]) for p in [*missing, torn])
    for path, stamp in kept.items():  # finished runs were read back, not run or rewritten
        assert (path.stat().st_ino, path.stat().st_mtime_ns) == stamp
    assert sorted(runs.glob("*.parquet")) == files
    calls.clear()
    again = sweep(**args, out=out)
    assert calls == []  # everything is done: nothing runs
    fresh = sweep(**args)
    assert len(calls) == 8
    pd.testing.assert_frame_equal(resumed, fresh)
    pd.testing.assert_frame_equal(again, fresh)
    saved = pd.read_parquet(out / "sweep.parquet")
    pd.testing.assert_frame_equal(saved, fresh, check_dtype=False)


# -- statistics -----------------------------------------------------------------------------
def test_t_quantiles():
    assert t975(1) == pytest.approx(12.7062, abs=1e-4)
    assert t975(4) == pytest.approx(2.7764, abs=1e-4)
    assert t975(30) == pytest.approx(2.0423, abs=1e-4)
    assert t975(40) == pytest.approx(2.0211, abs=1e-4)
    assert t975(120) == pytest.approx(1.9799, abs=1e-4)
    assert t975(10**6) == pytest.approx(1.95997, abs=1e-4)
    assert math.isnan(t975(0))
    assert all(t975(k) > t975(k + 1) for k in range(1, 200))


def test_summarize_means_and_confidence_intervals(serial):
    s = summarize(serial, ["throttles", "latency_p99_s"])
    assert list(s.columns) == [RC, RATE, "config", "source", "kind", "function", "n", "error",
                               "throttles_mean", "throttles_ci95", "latency_p99_s_mean",
                               "latency_p99_s_ci95"]
    assert len(s) == 6 * 2 and (s.n == 2).all() and s.error.isna().all()
    row = s[(s[RC] == 2) & (s[RATE] == 30) & (s.source == "api")].iloc[0]
    v = serial[(serial[RC] == 2) & (serial[RATE] == 30) & (serial.source == "api")].throttles
    assert row.throttles_mean == pytest.approx(v.mean())
    assert row.throttles_ci95 == pytest.approx(12.7062 * v.std(ddof=1) / math.sqrt(2), rel=1e-5)
    assert summarize(serial)["offered_mean"].notna().all()
    one = summarize(sweep(base(), {RC: [2]}, executor="serial", progress=False))
    assert one.offered_ci95.isna().all() and (one.n == 1).all()
    with pytest.raises(ValueError, match="no numeric column 'p99'"):
        summarize(serial, ["p99"])


# -- plots ----------------------------------------------------------------------------------
def test_sweep_plots(serial):
    fig = plot_sweep(serial, RATE, "throttles", hue=RC, source="api")
    ax = fig.axes[0]
    assert len(ax.lines) == 3 and len(ax.collections) == 3  # a line and a CI band per hue
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        f"{RC} = null", f"{RC} = 2", f"{RC} = 6"]
    assert list(ax.lines[1].get_xdata()) == [10, 30]
    fig = plot_sweep(serial[serial[RATE] == 30], RC, "latency_p99_s")  # categorical x
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["null", "2", "6"]
    assert len(fig.axes[0].lines) == 2  # one per source
    heat = plot_heatmap(serial, RATE, RC, "throttles", source="api")
    img = heat.axes[0].images[0].get_array()
    assert img.shape == (3, 2) and img[0, 0] == 0 and img[1, 1] > img[2, 1]
    with pytest.raises(ValueError, match="varies too"):
        plot_sweep(serial, RATE, "throttles")
    with pytest.raises(ValueError, match="several"):
        plot_heatmap(serial, RATE, RC, "throttles")
    with pytest.raises(ValueError, match="not a swept parameter"):
        plot_sweep(serial, "duration_s", "throttles")
    import io

    heat.savefig(io.BytesIO(), format="png")


# -- command line ---------------------------------------------------------------------------
def test_cli_sweep(tmp_path, capsys):
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "base.yaml").write_text(yaml.safe_dump(base()))
    spec = tmp_path / "sweep.yaml"
    spec.write_text(yaml.safe_dump({"base": "scenarios/base.yaml", "grid": {RC: [2, 6]},
                                    "replications": 2, "seed": 7}))
    assert main(["sweep", str(spec), "--workers", "2", "--out", str(tmp_path / "o")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:3] == [RC, "source", "n"]
    assert len(out) == 1 + 2 * 2 and " ± " in out[1]
    table = pd.read_csv(tmp_path / "o" / "summary.csv")
    assert len(table) == 4 and (table.n == 2).all()
    assert len(list((tmp_path / "o" / "runs").glob("*.parquet"))) == 4
    # an inline base gives the same numbers
    inline = tmp_path / "inline.yaml"
    inline.write_text(yaml.safe_dump({"base": base(), "grid": {RC: [2, 6]},
                                      "replications": 2, "seed": 7}))
    assert main(["sweep", str(inline), "--workers", "1"]) == 0
    assert capsys.readouterr().out.splitlines() == out


def test_cli_sweep_with_failed_runs_exits_1(tmp_path, capsys, vanishing_trace):
    bad = vanishing_trace
    spec = tmp_path / "sweep.yaml"
    spec.write_text(yaml.safe_dump({
        "base": base(), "replications": 2,
        "grid": {"sources.api.workload": [{"pattern": "poisson", "rate_per_s": 5},
                                          {"pattern": "trace", "path": str(bad)}]}}))
    assert main(["sweep", str(spec), "--workers", "1"]) == 1
    captured = capsys.readouterr()
    assert "lambdasim: 2 of 4 runs failed (see the error column)" in captured.err
    last = captured.out.splitlines()[-1]
    assert " 0 " in last and "ScenarioError: sources[0].workload.path" in last
    assert "nan" not in last


@pytest.mark.parametrize(("content", "message"), [
    ({"base": base(), "grid": {"functions.f.memory_mb": [64]}, "replications": 1},
     'grid["functions.f.memory_mb"] = 64: functions[0].memory_mb = 64: must be 128..10240'),
    ({"base": "nope", "grid": {}, "replications": 1},
     "base = 'nope': no such file next to the sweep file, nor bundled example"),
    ({"base": base(), "grid": {}, "replications": 1, "reps": 2},
     "reps: unknown key (keys: base, grid, zip, replications, seed)"),
    ({"base": base(), "grid": {}}, "replications: is required"),
    ({"base": base(), "grid": {}, "replications": 0}, "replications = 0"),
    ("[1, 2", "YAML syntax error"),
])
def test_cli_sweep_bad_input(tmp_path, capsys, content, message):
    spec = tmp_path / "sweep.yaml"
    spec.write_text(content if isinstance(content, str) else yaml.safe_dump(content))
    assert main(["sweep", str(spec), "--workers", "1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("lambdasim: error: ") and message in err
    assert err.count("\n") == 1


def test_cli_sweep_options_are_checked(tmp_path, capsys):
    spec = tmp_path / "sweep.yaml"
    spec.write_text(yaml.safe_dump({"base": base(), "grid": {}, "replications": 1}))
    with pytest.raises(SystemExit) as exc:
        main(["sweep", str(spec), "--workers", "2", "--scheduler", "tcp://127.0.0.1:1"])
    assert exc.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["sweep", str(spec), "--workers", "0"])
    assert exc.value.code == 2
    assert capsys.readouterr().err == "lambdasim: error: --workers = 0: must be >= 1\n"


def test_bundled_example_as_base(tmp_path):
    spec = tmp_path / "sweep.yaml"
    spec.write_text(yaml.safe_dump({"base": "quickstart", "grid": {"duration_s": [20]},
                                    "replications": 1}))
    args = read_sweep(spec)
    assert isinstance(args["base"], ls.Scenario) and args["base"].functions[0].name == "worker"
    df = sweep(**args, executor="serial", progress=False)
    assert list(df.source) == ["api", "uploads"] and np.all(df.offered > 0)
