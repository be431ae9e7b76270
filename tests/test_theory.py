"""lambdasim against closed-form theory: Erlang B, Little's law, the 2023 scaling rate and
keep-alive / cold-start probabilities."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import (
    alive_at,
    assert_conserved,
    const,
    erlang_b,
    lognormal,
    mean_of,
    poisson,
    rel_err,
    scenario,
    theory_cold_fraction,
)

import lambdasim as ls

DISTS = {"constant": const(0.2), "lognormal": lognormal(0.2, 1.0)}


# -- 1. Erlang B --------------------------------------------------------------------------
@pytest.mark.parametrize("dist", list(DISTS), ids=list(DISTS))
@pytest.mark.parametrize(("n", "rate", "horizon"), [(20, 100.0, 2000.0), (10, 40.0, 4000.0)],
                         ids=["N20-a20", "N10-a8"])
def test_sync_blocking_is_erlang_b(dist, n, rate, horizon):
    """Sync invoke with no client retry is a loss system M/G/N/N: the throttled fraction is
    Erlang B(N, lambda E[S]) whatever the duration distribution, and the carried load is
    lambda E[S] (1 - B)."""
    d = DISTS[dist]
    sc = scenario(
        duration_s=horizon, warmup_s=100.0,
        account={"concurrency_limit": n, "scaling_rate_per_10s": None, "unreserved_minimum": 0},
        function={"duration": d, "cold_start": None},
        source={"workload": poisson(rate), "client_retry": "none"},
    )
    r = ls.simulate(sc, seed=11)
    assert_conserved(r)
    s, f = r.summary.iloc[0], r.functions.iloc[0]
    a = rate * mean_of(d)
    b = erlang_b(n, a)
    blocked = s.rejected / s.offered
    assert rel_err(blocked, b) < 0.05, f"blocking {blocked:.4f} vs Erlang B {b:.4f}"
    assert rel_err(f.mean_concurrency, a * (1 - b)) < 0.03, (
        f"mean concurrency {f.mean_concurrency:.3f} vs {a * (1 - b):.3f}")
    # each rejected call was throttled once, for lack of account concurrency
    assert s.throttles == s.rejected
    assert set(r.throttles.reason.astype(str).unique()) == {"account"}
    assert f.max_concurrency <= n
    assert s.failed == 0 and s.dropped == 0 and s.expired == 0


def test_erlang_formulas():
    """The library's closed forms against hand values."""
    th = ls.theory
    assert th.erlang_c(1, 0.5) == pytest.approx(0.5)  # M/M/1: P(wait) = rho
    assert th.mmc_mean_wait(1, 1.0, 0.5) == pytest.approx(0.5)  # rho / (mu - lambda)
    assert th.little_concurrency(100, 0.5) == 50  # AWS's own example
    with pytest.raises(ValueError, match="must satisfy"):
        th.erlang_c(2, 2.0)


def test_erlang_b_helper():
    assert erlang_b(0, 5.0) == 1.0
    assert erlang_b(1, 1.0) == pytest.approx(0.5)
    assert erlang_b(2, 1.0) == pytest.approx(0.2)
    assert erlang_b(20, 20.0) == pytest.approx(0.158892, rel=1e-5)


# -- 2. Little's law ----------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["sync", "async"])
@pytest.mark.parametrize("dist", [const(0.5), lognormal(0.5, 0.5)], ids=["constant", "lognormal"])
def test_littles_law_aws_example(kind, dist):
    """AWS: concurrency = requests per second x average duration; 100 req/s x 0.5 s = 50.
    Default account (1,000 limit, 2023 scaling rate) and default cold starts, unthrottled."""
    sc = scenario(
        duration_s=600.0, warmup_s=100.0,
        account={"concurrency_limit": 1000, "scaling_rate_per_10s": 1000,
                 "unreserved_minimum": 100},
        function={"duration": dist, "cold_start": lognormal(0.3, 0.5)},
        source={"kind": kind, "workload": poisson(100.0)},
    )
    r = ls.simulate(sc, seed=5)
    assert_conserved(r)
    f, s = r.functions.iloc[0], r.summary.iloc[0]
    assert f.throttles == 0 and s.throttles == 0
    assert rel_err(f.mean_concurrency, 100.0 * 0.5) < 0.03, f"{f.mean_concurrency:.2f} vs 50"
    # in steady traffic cold starts are rare (AWS: typically < 1 % of invocations)
    assert f.cold_start_fraction < 0.01
    assert s.succeeded + s.in_flight == s.offered


# -- 3. Scaling rate ----------------------------------------------------------------------
def test_scaling_rate_bounds_new_environments():
    """Since Nov 2023 a function may add 1,000 environments every 10 s, refilling
    continuously: from idle, environments(t) <= 1000 (t / 10 + 1). A 20,000 req/s step of 1 s
    calls (demand 20,000) must be held to that bound, use it fully, and be throttled for
    'scaling' only (the 100,000 account limit is never reached)."""
    t0, horizon = 2.0, 22.0
    sc = scenario(
        duration_s=horizon, warmup_s=0.0,
        account={"concurrency_limit": 100_000, "scaling_rate_per_10s": 1000,
                 "unreserved_minimum": 0},
        function={"duration": const(1.0), "cold_start": None},
        source={"workload": {"pattern": "step", "steps": [[t0, 20_000.0]]}},
    )
    r = ls.simulate(sc, seed=2)
    assert_conserved(r)
    envs = r.environments
    assert (envs.birth_s >= t0).all(), "environments created before any traffic"

    def bound(t):
        return 1000.0 * ((np.asarray(t) - t0) / 10.0 + 1.0)

    # the alive count only rises at births, so checking at every birth covers every t
    births = np.sort(envs.birth_s.to_numpy())
    grid = np.linspace(t0, horizon, 4001)
    for t in (births, grid):
        excess = alive_at(envs, t) - bound(t)
        assert excess.max() <= 1e-6, f"{excess.max():.1f} environments above the bound"
    # and the bucket is actually used: within 1 % of the bound once traffic has started
    late = grid[grid >= t0 + 0.1]
    ratio = alive_at(envs, late) / bound(late)
    assert ratio.min() >= 0.99, f"alive/bound fell to {ratio.min():.3f}"
    final = alive_at(envs, [horizon])[0]
    assert final >= 0.99 * bound(horizon), f"{final} environments at the end, bound 3000"
    thr = r.throttles
    assert len(thr) > 0
    assert set(thr.reason.astype(str).unique()) == {"scaling"}


# -- 4. Cold starts and keep-alive --------------------------------------------------------
def _cold_run(rate: float, keep_alive: float, n_events: int = 4000, seed: int = 1,
              service: float = 0.01):
    horizon = max(n_events / rate, 2000.0)
    sc = scenario(
        duration_s=horizon, warmup_s=1000.0,
        # no recycling of busy environments: the closed form is about idle reclamation alone
        function={"duration": const(service), "cold_start": None, "keep_alive_s": keep_alive,
                  "max_environment_lifetime_s": None},
        source={"workload": poisson(rate)},
    )
    r = ls.simulate(sc, seed=seed)
    assert_conserved(r)
    return r.functions.iloc[0]


@pytest.mark.parametrize(("rate", "keep_alive"),
                         [(0.01, 60.0), (0.02, 30.0), (0.02, 60.0), (0.02, 120.0),
                          (0.05, 60.0)])
def test_cold_start_probability_closed_form(rate, keep_alive):
    """rate x E[S] << 1, so one environment serves nearly everything: a call is cold iff the
    gap since the previous call ended exceeds keep-alive, P = exp(-rate (keep_alive + S)),
    and the environment is alive a fraction 1 - P of the time."""
    s = 0.01
    f = _cold_run(rate, keep_alive, service=s)
    p = theory_cold_fraction(rate, keep_alive, s)
    assert f.invocations > 3000
    assert abs(f.cold_start_fraction - p) < 0.03, (
        f"cold fraction {f.cold_start_fraction:.4f} vs exp(-rate*ka) {p:.4f}")
    assert abs(f.mean_environments - (1 - p)) < 0.03, (
        f"mean environments {f.mean_environments:.4f} vs {1 - p:.4f}")


def test_keep_alive_zero_makes_every_invocation_cold():
    sc = scenario(
        duration_s=300.0, warmup_s=20.0,
        function={"duration": const(0.2), "cold_start": const(0.1), "keep_alive_s": 0.0},
        source={"workload": poisson(5.0)},
    )
    r = ls.simulate(sc, seed=4)
    assert_conserved(r)
    f = r.functions.iloc[0]
    assert f.invocations > 1000
    assert f.cold_start_fraction == 1.0
    assert f.cold_starts == f.invocations
    inv = r.invocations
    assert inv.cold_start.all()
    assert (inv.init_s == 0.1).all()
    # one environment per invocation, each shut down as soon as its call ends
    assert len(r.environments) == len(inv)
    # environments live exactly as long as their call (init + run): mean = rate (0.1 + 0.2)
    assert rel_err(f.mean_environments, 5.0 * 0.3) < 0.05


def test_cold_starts_fall_as_rate_rises():
    rates = [0.005, 0.01, 0.02, 0.05]
    fs = [_cold_run(rate, 60.0, n_events=2000) for rate in rates]
    cold = [f.cold_start_fraction for f in fs]
    envs = [f.mean_environments for f in fs]
    assert all(a > b for a, b in zip(cold, cold[1:], strict=False)), cold
    assert all(a < b for a, b in zip(envs, envs[1:], strict=False)), envs


def test_cold_starts_fall_as_keep_alive_rises():
    kas = [0.0, 15.0, 60.0, 240.0]
    fs = [_cold_run(0.02, ka, n_events=2000) for ka in kas]
    cold = [f.cold_start_fraction for f in fs]
    envs = [f.mean_environments for f in fs]
    assert cold[0] == 1.0
    assert all(a > b for a, b in zip(cold, cold[1:], strict=False)), cold
    assert all(a < b for a, b in zip(envs, envs[1:], strict=False)), envs
