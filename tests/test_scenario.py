"""Scenario validation (exact one-line messages), aliases, YAML round trip, distributions and
workload patterns."""

from __future__ import annotations

import math

import numpy as np
import pytest

import lambdasim as ls
from lambdasim.sim.arrivals import ArrivalStream


def base(fn=None, src=None, **top):
    d = {"functions": [{"name": "f", **(fn or {})}],
         "sources": [{"name": "a", "kind": "sync", "function": "f",
                      "workload": {"pattern": "poisson", "rate_per_s": 1}, **(src or {})}]}
    d.update(top)
    return d


@pytest.mark.parametrize("data,message", [
    (base(fn={"memory_mb": 64}),
     "functions[0].memory_mb = 64: must be 128..10240 (AWS Lambda memory)"),
    (base(fn={"MemorySize": 20000}),
     "functions[0].MemorySize = 20000: must be 128..10240 (AWS Lambda memory)"),
    (base(fn={"timeout_s": 901}),
     "functions[0].timeout_s = 901: must be 1..900 (AWS Lambda timeout, seconds)"),
    (base(fn={"memory_mb": "big"}), "functions[0].memory_mb = 'big': must be a whole number"),
    (base(fn={"colour": "red"}), "functions[0].colour = 'red': unknown field"),
    (base(fn={"memroy_mb": 256}),
     "functions[0].memroy_mb = 256: unknown field (did you mean 'memory_mb'?)"),
    (base(fn={"error_rate": 1.5}), "functions[0].error_rate = 1.5: must be 0..1 (probability)"),
    (base(fn={"reserved_concurrency": 950}),
     "functions[0].reserved_concurrency = 950: must be 0..900 (function 'f'; reserved and "
     "provisioned concurrency must leave 100 of the account's 1000 unreserved)"),
    (base(fn={"reserved_concurrency": 5, "provisioned_concurrency": 10}),
     "functions[0].provisioned_concurrency = 10: must be 0..5 (at most the reserved "
     "concurrency)"),
    (base(fn={"duration": {"dist": "lognormal", "mean_s": 1}}),
     "functions[0].duration.cv = None: give exactly one of cv, p99_s or sigma with mean_s or "
     "median_s"),
    (base(fn={"duration": {"dist": "lognormal", "mean_s": 1, "p99_s": 100}}),
     "functions[0].duration.p99_s = 100: must be between mean_s and 14.97 (a lognormal's "
     "p99/mean lies in 1..15)"),
    (base(fn={"duration": {"dist": "gamma"}}),
     "functions[0].duration.dist = 'gamma': must be one of 'constant', 'exponential', "
     "'lognormal', 'uniform', 'empirical', 'mixture'"),
    (base(src={"kind": "kafka"}),
     "sources[0].kind = 'kafka': must be one of 'sync', 'async', 's3', 'sns', 'eventbridge', "
     "'kinesis', 'dynamodb', 'sqs'"),
    (base(src={"function": "g"}), "sources[0].function = 'g': no such function (functions: f)"),
    (base(src={"client_retry": "always"}),
     "sources[0].client_retry = 'always': must be 'none', 'standard' or 'legacy'"),
    (base(src={"workload": {"pattern": "poisson", "rate_per_s": -1}}),
     "sources[0].workload.rate_per_s = -1: must be 0..10000000 (events per second)"),
    (base(src={"workload": {"pattern": "wave"}}),
     "sources[0].workload.pattern = 'wave': must be one of 'poisson', 'constant', 'bursts', "
     "'step', "
     "'ramp', 'diurnal', 'trace'"),
    (base(fn={"reserved_concurrency": 1}, account={"concurrency_limit": 10}),
     "functions[0].reserved_concurrency = 1: must be 0..0 (function 'f'; reserved and "
     "provisioned concurrency must leave 10 of the account's 10 unreserved)"),
    (base(src={"kind": "s3", "throttle_backoff_min_s": 10, "throttle_backoff_max_s": 2}),
     "sources[0].throttle_backoff_min_s = 10: must be <= throttle_backoff_max_s (2)"),
    (base(src={"kind": "kinesis", "throttle_backoff_min_s": 5}),
     "sources[0].throttle_backoff_min_s = 5: must be <= throttle_backoff_max_s (1)"),
    (base(src={"workload": {"pattern": "trace", "path": "/no/such.csv"}}),
     "sources[0].workload.path = '/no/such.csv': no such trace file: /no/such.csv"),
    (base(src={"kind": "s3", "max_retry_attempts": 3}),
     "sources[0].max_retry_attempts = 3: must be 0..2 (async MaximumRetryAttempts)"),
    (base(src={"kind": "sns", "MaximumEventAgeInSeconds": 30}),
     "sources[0].MaximumEventAgeInSeconds = 30: must be 60..21600 (MaximumEventAgeInSeconds)"),
    (base(account={"concurrency_limit": 0}),
     "account.concurrency_limit = 0: must be 1..10000000 (account concurrency)"),
    (base(warmup_s=700), "warmup_s = 700: must be below duration_s (600)"),
    (base(duration_s=0), "duration_s = 0: must be 0.001..31536000 (simulated seconds)"),
    ({"functions": [], "sources": base()["sources"]},
     "functions = []: must have at least 1 item"),
    ([1, 2], "scenario = list: must be a mapping of fields"),
])
def test_validation_messages(data, message):
    with pytest.raises(ls.ScenarioError) as exc:
        ls.Scenario.from_dict(data)
    text = str(exc.value)
    assert text.startswith(message), text
    assert "\n" not in text


def test_every_problem_gets_its_own_line():
    with pytest.raises(ls.ScenarioError) as exc:
        ls.Scenario.from_dict(base(fn={"memory_mb": 64, "timeout_s": 0}))
    assert str(exc.value).splitlines() == [
        "functions[0].memory_mb = 64: must be 128..10240 (AWS Lambda memory)",
        "functions[0].timeout_s = 0: must be 1..900 (AWS Lambda timeout, seconds)"]


def test_duplicate_names_are_rejected():
    d = base()
    d["functions"].append({"name": "f"})
    with pytest.raises(ls.ScenarioError, match=r"functions\[1\]\.name = 'f': must be unique"):
        ls.Scenario.from_dict(d)


def test_aws_aliases_are_accepted():
    d = base()
    d["functions"] = [{"FunctionName": "f", "MemorySize": 1769, "Timeout": 60,
                       "ReservedConcurrentExecutions": 10, "Architectures": ["arm64"]}]
    sc = ls.Scenario.from_dict(d)
    f = sc.functions[0]
    assert (f.memory_mb, f.timeout_s, f.reserved_concurrency, f.architecture) == (
        1769, 60, 10, "arm64")


def test_scenarios_are_immutable_and_round_trip(tmp_path):
    sc = ls.Scenario.from_dict(base(src={"kind": "s3", "destination": "dlq"}))
    with pytest.raises(Exception, match="frozen"):
        sc.duration_s = 5
    path = tmp_path / "s.yaml"
    sc.to_yaml(path)
    again = ls.Scenario.from_yaml(path)
    assert again == sc
    assert ls.Scenario.from_dict(sc.to_dict()) == sc


def test_yaml_syntax_error_names_the_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("duration_s: 60\nfunctions:\n  - name: [f\n")
    with pytest.raises(ls.ScenarioError, match=r"bad\.yaml: line \d+, column \d+: YAML syntax"):
        ls.Scenario.from_yaml(path)


def test_trace_paths_are_relative_to_the_yaml_file(tmp_path):
    (tmp_path / "trace.csv").write_text("time_s,count\n0,5\n1,0\n2,7\n")
    (tmp_path / "s.yaml").write_text(
        "duration_s: 10\nfunctions: [{name: f}]\n"
        "sources: [{name: a, kind: sync, function: f,"
        " workload: {pattern: trace, path: trace.csv}}]\n")
    r = ls.simulate(ls.Scenario.from_yaml(tmp_path / "s.yaml"))
    assert r.summary.offered[0] == 12
    ev = r.events
    assert ((ev.arrival_s >= 0) & (ev.arrival_s < 1)).sum() == 5
    assert ((ev.arrival_s >= 2) & (ev.arrival_s < 3)).sum() == 7


@pytest.mark.parametrize("dist", [
    ls.Constant(value_s=0.25), ls.Exponential(mean_s=0.25), ls.Lognormal(mean_s=0.25, cv=1.5),
    ls.Lognormal(mean_s=0.25, p99_s=1.5), ls.Empirical(samples_s=(0.1, 0.2, 0.45)),
])
def test_distribution_means_and_variances(dist):
    x = dist.sample(np.random.default_rng(0), 400_000)
    assert x.mean() == pytest.approx(dist.mean, rel=0.02)
    if dist.variance > 0:
        assert x.var() == pytest.approx(dist.variance, rel=0.1)


def test_lognormal_p99():
    d = ls.Lognormal(mean_s=0.2, p99_s=1.0)
    x = d.sample(np.random.default_rng(1), 400_000)
    assert np.percentile(x, 99) == pytest.approx(1.0, rel=0.02)


@pytest.mark.parametrize("pattern,mean_rate", [
    ({"pattern": "poisson", "rate_per_s": 30}, 30),
    ({"pattern": "constant", "rate_per_s": 30}, 30),
    ({"pattern": "bursts", "rate_per_s": 100, "on_s": 10, "off_s": 30}, 25),
    ({"pattern": "step", "steps": [[0, 10], [500, 50]]}, 30),
    ({"pattern": "ramp", "from_rate_per_s": 0, "to_rate_per_s": 60, "ramp_s": 1000}, 30),
    ({"pattern": "diurnal", "mean_rate_per_s": 30, "amplitude": 0.8, "period_s": 250}, 30),
])
def test_workload_patterns_have_their_mean_rate(pattern, mean_rate):
    sc = ls.Scenario.from_dict(base(src={"workload": pattern}))
    wl = sc.sources[0].workload
    stream = ArrivalStream(wl, np.random.default_rng(2))
    t = np.concatenate([stream.next(a, a + 10) for a in range(0, 1000, 10)])
    assert np.all(np.diff(t) >= 0) and t.min() >= 0 and t.max() < 1000
    assert len(t) / 1000 == pytest.approx(mean_rate, rel=0.05)
    assert wl.mean_rate(0, 1000) == pytest.approx(mean_rate, rel=0.01)


def test_a_sparse_windows_arrivals_are_numpys_to_the_bit():
    """Few arrivals in a window are summed in Python floats (faster than numpy calls): the
    same numbers, bit for bit, as the numpy formula, which draws the same gaps."""
    from lambdasim.sim.arrivals import _FEW, sorted_uniforms

    for seed, n in enumerate([0, 1, 2, _FEW - 1, _FEW, 300, *range(3, 40)] * 5):
        t0 = 10.0 * seed + 0.1 * n
        t1 = t0 + 10.0
        got = sorted_uniforms(np.random.default_rng(seed), n, t0, t1)
        c = np.cumsum(np.random.default_rng(seed).standard_exponential(n + 1))
        want = t0 + (t1 - t0) * (c[:n] / c[n])
        assert got.dtype == np.float64 and got.tobytes() == want.tobytes(), (seed, n)


def test_bursts_only_arrive_when_on():
    wl = ls.Bursts(rate_per_s=100, on_s=10, off_s=30)
    t = ArrivalStream(wl, np.random.default_rng(3)).next(0, 400)
    assert np.all(np.mod(t, 40) < 10)
    assert math.isclose(wl.peak_rate(), 100)


def test_a_trace_of_dates_runs_under_pandas_3(tmp_path):
    """Timestamps as ISO dates (a StringDtype column under pandas 3) are read relative to the
    first row; a column of neither numbers nor dates fails validation in one line."""
    rows = "\n".join(f"2025-03-01T10:00:{s:02d}Z" for s in (0, 0, 1, 3, 7))
    (tmp_path / "dates.csv").write_text("timestamp\n" + rows + "\n")
    sc = ls.Scenario.from_dict(base(src={"workload": {
        "pattern": "trace", "path": str(tmp_path / "dates.csv")}}))
    r = ls.simulate(sc, seed=1)
    assert r.summary.offered.iloc[0] == 5
    assert sorted(r.events.arrival_s) == [0, 0, 1, 3, 7]
    (tmp_path / "bad.csv").write_text("timestamp\nsoon\nlater\n")
    with pytest.raises(ls.ScenarioError, match=r"^sources\[0\]\.workload.*'timestamp' holds "
                                               "neither numbers nor dates"):
        ls.Scenario.from_dict(base(src={"workload": {
            "pattern": "trace", "path": str(tmp_path / "bad.csv")}}))


def test_a_new_account_of_10_runs_and_throttles_at_10():
    """New accounts may start at a concurrency limit of 10; AWS then keeps all of it
    unreserved (min(100, limit)), so nothing can be reserved but the account runs."""
    sc = ls.Scenario.from_dict(base(
        fn={"duration": {"dist": "constant", "value_s": 1.0}, "cold_start": None},
        src={"workload": {"pattern": "poisson", "rate_per_s": 20}},
        account={"concurrency_limit": 10}, duration_s=60))
    r = ls.simulate(sc, seed=1)
    assert r.functions.max_concurrency.iloc[0] == 10
    assert r.throttles.reason.eq("account").all() and len(r.throttles) > 0


@pytest.mark.parametrize("dist", [
    {"dist": "constant", "value_s": 2.0},
    {"dist": "uniform", "low_s": 0.1, "high_s": 0.7},
    {"dist": "empirical", "samples_s": [0.1, 3.0, 0.2]},
    {"dist": "exponential", "mean_s": 0.5},
    {"dist": "lognormal", "mean_s": 0.2, "cv": 0.5},
    {"dist": "lognormal", "median_s": 1.0, "sigma": 0.0},
    {"dist": "lognormal", "median_s": 0.01, "sigma": 5.0, "shift_s": 0.3},
])
def test_the_median_ceiling_bounds_the_typical_draw(dist):
    """``Scenario.warnings`` skips drawing (and importing numpy) when ``median_ceiling`` is
    below the timeout: the seed-0 median of 1,001 draws must never exceed it."""
    from lambdasim.spec.distributions import median_ceiling

    d = ls.FunctionSpec(name="f", duration=dist).duration
    assert np.median(d.sample(np.random.default_rng(0), 1001)) <= median_ceiling(d)
