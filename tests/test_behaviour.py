"""lambdasim against AWS's documented behaviour: the asynchronous path (queue, event age,
destinations, function-error retries), reserved concurrency, determinism, and conservation
of events over random scenarios."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import (
    OUTCOMES,
    SYNC_ATTEMPTS,
    assert_conserved,
    assert_identical,
    const,
    lognormal,
    max_in_flight,
    poisson,
    rel_err,
    scenario,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lambdasim as ls


def _outcomes(ev: pd.DataFrame) -> pd.Series:
    return ev.outcome.astype(str)


# -- 5. Asynchronous invocation -----------------------------------------------------------
@pytest.mark.parametrize("kind", ["async", "s3"])
def test_async_unthrottled_every_event_succeeds(kind):
    sc = scenario(
        duration_s=400.0, warmup_s=50.0,
        account={"concurrency_limit": 1000, "scaling_rate_per_10s": 1000,
                 "unreserved_minimum": 100},
        function={"duration": lognormal(0.2, 0.5), "cold_start": lognormal(0.3, 0.5)},
        source={"kind": kind, "workload": poisson(50.0)},
    )
    r = ls.simulate(sc, seed=8)
    assert_conserved(r)
    s = r.summary.iloc[0]
    assert s.offered > 15_000
    assert s.offered == s.succeeded + s.in_flight
    assert s.failed == s.dropped == s.rejected == s.expired == 0
    assert s.throttles == 0 and len(r.throttles) == 0
    ev = r.events
    out = _outcomes(ev)
    assert set(out) <= {"succeeded", "in_flight"}
    assert (ev.attempts[out == "succeeded"] == 1).all()
    if kind == "async":  # no delivery delay: only the last moments are still in flight
        assert (out[ev.arrival_s < sc.duration_s - 10] == "succeeded").all()


@pytest.mark.parametrize("destination", [None, "dlq"])
def test_async_overload_throughput_and_event_age(destination):
    """Reserved concurrency 50, 0.5 s calls: capacity 100/s, offered 200/s. Throughput is the
    capacity; throttled events wait in the queue with backoff and, at MaximumEventAgeInSeconds
    (60), are discarded ('dropped') or sent to the on-failure destination ('failed')."""
    n, service, rate, age, horizon, warmup = 50, 0.5, 200.0, 60, 300.0, 100.0
    sc = scenario(
        duration_s=horizon, warmup_s=warmup,
        account={"concurrency_limit": 1000, "scaling_rate_per_10s": 1000,
                 "unreserved_minimum": 100},
        function={"duration": const(service), "cold_start": None, "reserved_concurrency": n},
        source={"kind": "async", "workload": poisson(rate), "max_event_age_s": age,
                "destination": destination},
    )
    r = ls.simulate(sc, seed=21)
    assert_conserved(r)
    s = r.summary.iloc[0]
    cap = n / service
    assert rel_err(s.throughput_per_s, cap) < 0.03, f"{s.throughput_per_s:.2f}/s vs {cap}/s"
    gone, other = ("failed", "dropped") if destination else ("dropped", "failed")
    assert s[gone] > 0 and s[other] == 0
    assert s.rejected == 0 and s.expired == 0
    assert set(r.throttles.reason.astype(str).unique()) == {"reserved"}
    assert r.functions.iloc[0].max_concurrency <= n

    ev = r.events
    out = _outcomes(ev)
    # discarded events leave at their maximum age (kind async: queued on arrival)
    dead = ev[out == gone]
    age_at_end = dead.end_s - dead.arrival_s
    assert age_at_end.min() >= age - 1e-6, f"discarded at age {age_at_end.min():.3f} s"
    assert age_at_end.max() <= age + 1.0, f"discarded at age {age_at_end.max():.3f} s"
    # never lost: an event that arrived more than age + a call ago has an outcome, and
    # half of them (capacity / offered) succeeded
    settled = ev[(ev.arrival_s >= warmup) & (ev.arrival_s < horizon - age - 5)]
    sout = _outcomes(settled)
    assert (sout != "in_flight").all()
    frac = (sout == "succeeded").mean()
    assert abs(frac - cap / rate) < 0.03, f"success fraction {frac:.3f} vs {cap / rate}"
    ok = settled[sout == "succeeded"]
    assert (ok.end_s - ok.arrival_s <= age + service + 1e-6).all()


def test_async_event_age_counts_from_queueing_not_from_the_s3_put():
    """S3 delivers notifications after a delay; MaximumEventAgeInSeconds counts from when
    Lambda queued the event. With a constant 5 s delivery delay every discarded event leaves
    at arrival + 5 + 60, and no invocation starts before its event was delivered."""
    delay, age = 5.0, 60
    sc = scenario(
        duration_s=300.0, warmup_s=100.0,
        function={"duration": const(0.5), "cold_start": None, "reserved_concurrency": 20},
        source={"kind": "s3", "workload": poisson(80.0), "max_event_age_s": age,
                "delivery_delay": const(delay)},
    )
    r = ls.simulate(sc, seed=6)
    assert_conserved(r)
    ev = r.events
    out = _outcomes(ev)
    dead = ev[out == "dropped"]
    assert len(dead) > 1000
    np.testing.assert_allclose(dead.end_s - dead.arrival_s, delay + age, atol=1e-6)
    started = ev[ev.start_s.notna()]
    assert (started.start_s >= started.arrival_s + delay - 1e-9).all()
    assert rel_err(r.summary.iloc[0].throughput_per_s, 20 / 0.5) < 0.03


def test_async_s3_default_delivery_delay_adds_to_the_age():
    """The default S3 delivery delay comes on top of the 60 s age (which counts from
    queueing)."""
    horizon, age = 400.0, 60
    sc = scenario(
        duration_s=horizon, warmup_s=100.0,
        function={"duration": const(0.5), "cold_start": None, "reserved_concurrency": 20},
        source={"kind": "s3", "workload": poisson(80.0), "max_event_age_s": age},
    )
    r = ls.simulate(sc, seed=1)
    assert_conserved(r)
    ev = r.events
    dead = ev[(_outcomes(ev) == "dropped") & (ev.arrival_s < horizon - 150)]
    assert len(dead) > 5000
    extra = dead.end_s - dead.arrival_s - age
    assert extra.min() >= -1e-6
    mean_delay = sc.sources[0].delivery.mean
    assert rel_err(extra.mean(), mean_delay) < 0.15, f"{extra.mean():.3f} vs {mean_delay}"


# -- 6. Function-error retries ------------------------------------------------------------
@pytest.mark.parametrize("destination", [None, "dlq"])
@pytest.mark.parametrize("retries", [0, 1, 2])
def test_async_function_error_retries_at_documented_spacing(retries, destination):
    """A failing call is retried MaximumRetryAttempts times, about 1 min before the first
    retry and 2 min before the second; then the event goes to the destination or is
    dropped. Events 600 s apart so each event's invocations are easy to tell apart."""
    gap, first, service = 600.0, 10.0, 0.1
    sc = scenario(
        duration_s=6000.0, warmup_s=0.0,
        function={"duration": const(service), "cold_start": None, "error_rate": 1.0},
        source={"kind": "async", "max_retry_attempts": retries, "destination": destination,
                "dequeue_delay": None,
                "workload": {"pattern": "constant", "rate_per_s": 1 / gap, "start_s": first}},
    )
    r = ls.simulate(sc, seed=3)
    assert_conserved(r)
    ev, inv = r.events, r.invocations
    assert len(ev) == 10
    assert inv.error.all()
    event_of = np.floor((inv.start_s.to_numpy() - first) / gap + 1e-9).astype(int)
    counts = np.bincount(event_of, minlength=len(ev))
    assert (counts == retries + 1).all(), counts
    expected_gaps = [60.0, 120.0][:retries]
    for k in range(len(ev)):
        starts = np.sort(inv.start_s.to_numpy()[event_of == k])
        assert starts[0] == pytest.approx(ev.arrival_s[k])
        spacing = np.diff(starts)
        # start-to-start = run time of the failed call + the retry wait
        np.testing.assert_allclose(spacing, expected_gaps, atol=1.0)
    assert (ev.attempts == retries + 1).all()
    assert (_outcomes(ev) == ("failed" if destination else "dropped")).all()
    total_wait = sum(expected_gaps)
    np.testing.assert_allclose(ev.end_s - ev.arrival_s,
                               total_wait + (retries + 1) * service, atol=1.0)


def test_async_partial_errors_retry_probabilities():
    """error_rate 0.5, two retries: an event needs 1, 2 or 3 calls with probability 1/2, 1/4,
    1/4 and is dropped only if all three fail (1/8)."""
    horizon = 2400.0
    sc = scenario(
        duration_s=horizon, warmup_s=0.0,
        function={"duration": const(0.1), "cold_start": None, "error_rate": 0.5},
        source={"kind": "async", "workload": poisson(2.0), "max_retry_attempts": 2},
    )
    r = ls.simulate(sc, seed=12)
    assert_conserved(r)
    ev = r.events
    done = ev[ev.arrival_s < horizon - 200]
    out = _outcomes(done)
    assert (out != "in_flight").all()
    assert set(out) <= {"succeeded", "dropped"}
    assert done.attempts.between(1, 3).all()
    share = done.attempts.value_counts(normalize=True)
    for k, p in {1: 0.5, 2: 0.25, 3: 0.25}.items():
        assert abs(share.get(k, 0.0) - p) < 0.03, (k, share.get(k, 0.0))
    assert abs((out == "dropped").mean() - 0.125) < 0.03


def test_async_retry_not_attempted_past_event_age():
    """MaximumEventAgeInSeconds 60 is shorter than the 60 s wait before the first retry
    (counted from the end of the failed call), so the event is discarded at its age after a
    single call."""
    sc = scenario(
        duration_s=2000.0, warmup_s=0.0,
        function={"duration": const(0.1), "cold_start": None, "error_rate": 1.0},
        source={"kind": "async", "max_retry_attempts": 2, "max_event_age_s": 60,
                "workload": poisson(0.05)},
    )
    r = ls.simulate(sc, seed=2)
    assert_conserved(r)
    ev = r.events
    done = ev[_outcomes(ev) != "in_flight"]
    assert len(done) > 50
    assert (done.attempts == 1).all()
    assert (_outcomes(done) == "dropped").all()
    age = done.end_s - done.arrival_s
    assert age.between(60 - 1e-6, 61).all()


# -- 7. Reserved concurrency and a noisy neighbour ----------------------------------------
def _neighbours(reserved):
    sc = ls.Scenario.from_dict({
        "duration_s": 200.0, "warmup_s": 50.0,
        "account": {"concurrency_limit": 200, "scaling_rate_per_10s": 1000,
                    "unreserved_minimum": 0},
        "functions": [
            {"name": "noisy", "duration": const(0.5), "cold_start": None},
            {"name": "victim", "duration": const(0.5), "cold_start": None,
             "reserved_concurrency": reserved},
        ],
        "sources": [
            {"name": "flood", "kind": "sync", "function": "noisy", "workload": poisson(600.0)},
            {"name": "api", "kind": "sync", "function": "victim", "workload": poisson(20.0)},
        ],
    })
    r = ls.simulate(sc, seed=9)
    assert_conserved(r)
    return r


def test_reserved_concurrency_protects_from_noisy_neighbour():
    shared = _neighbours(None)
    s = shared.summary.set_index("source")
    f = shared.functions.set_index("function")
    assert s.loc["api", "rejected"] > 0.3 * s.loc["api", "offered"]
    assert f.loc["victim", "throttles_account"] == f.loc["victim", "throttles"] > 0
    assert max_in_flight(shared.invocations, 200.0) <= 200

    protected = _neighbours(30)  # victim's load is 20/s x 0.5 s = 10
    s = protected.summary.set_index("source")
    f = protected.functions.set_index("function")
    assert s.loc["api", "throttles"] == 0 and s.loc["api", "rejected"] == 0
    assert s.loc["api", "succeeded"] + s.loc["api", "in_flight"] == s.loc["api", "offered"]
    assert f.loc["victim", "throttles"] == 0
    # the noisy function keeps the rest of the account, and no more
    assert f.loc["noisy", "max_concurrency"] <= 200 - 30
    assert f.loc["noisy", "max_concurrency"] >= 200 - 30 - 5
    assert set(protected.throttles.reason.astype(str).unique()) == {"account"}
    assert max_in_flight(protected.invocations, 200.0) <= 200


# -- 8. Determinism -----------------------------------------------------------------------
def _two_sources(rate_b: float, kind_a: str = "sync"):
    return ls.Scenario.from_dict({
        "duration_s": 300.0, "warmup_s": 20.0,
        "account": {"concurrency_limit": 30, "scaling_rate_per_10s": 1000,
                    "unreserved_minimum": 0},
        "functions": [{"name": "f", "duration": lognormal(0.3, 1.0),
                       "error_rate": 0.1}],
        "sources": [
            {"name": "a", "kind": kind_a, "function": "f", "workload": poisson(40.0)},
            {"name": "b", "kind": "sync", "function": "f", "workload": poisson(rate_b),
             "client_retry": "standard"},
        ],
    })


def test_same_seed_same_result():
    sc = _two_sources(30.0)
    r1, r2 = ls.simulate(sc, seed=17), ls.simulate(sc, seed=17)
    assert_conserved(r1)
    assert_identical(r1.summary, r2.summary)
    assert_identical(r1.functions, r2.functions)
    assert_identical(r1.events, r2.events)
    assert_identical(r1.invocations, r2.invocations)
    assert_identical(r1.throttles, r2.throttles)
    r3 = ls.simulate(sc, seed=18)
    assert not np.array_equal(r1.events.arrival_s.to_numpy(), r3.events.arrival_s.to_numpy())


@pytest.mark.parametrize("kind_a", ["sync", "s3"])
def test_changing_one_source_leaves_other_arrivals_alone(kind_a):
    r1 = ls.simulate(_two_sources(30.0, kind_a), seed=5)
    r2 = ls.simulate(_two_sources(5.0, kind_a), seed=5)
    assert_conserved(r1)
    assert_conserved(r2)
    a1 = r1.events[r1.events.source == "a"].arrival_s.to_numpy()
    a2 = r2.events[r2.events.source == "a"].arrival_s.to_numpy()
    assert len(a1) > 10_000
    np.testing.assert_array_equal(a1, a2)
    b1 = r1.events[r1.events.source == "b"]
    b2 = r2.events[r2.events.source == "b"]
    assert len(b2) < 0.5 * len(b1)


# -- 9. Conservation over random scenarios ------------------------------------------------
DIST = st.one_of(
    st.builds(const, st.floats(0.01, 2.0)),
    st.builds(lognormal, st.floats(0.01, 2.0), st.floats(0.1, 2.0)),
)


@st.composite
def small_scenarios(draw):
    limit = draw(st.integers(1, 20))
    room = limit
    functions = []
    for i in range(draw(st.integers(1, 2))):
        reserved = draw(st.one_of(st.none(), st.integers(0, room)))
        if reserved is not None:
            room -= reserved
            prov = draw(st.integers(0, reserved))
        else:
            prov = draw(st.integers(0, min(room, 2)))
            room -= prov
        functions.append({
            "name": f"fn{i}", "duration": draw(DIST),
            "cold_start": draw(st.one_of(st.none(), DIST)),
            "keep_alive_s": draw(st.sampled_from([0.0, 5.0, 60.0, 600.0])),
            "error_rate": draw(st.sampled_from([0.0, 0.1, 0.5, 1.0])),
            "timeout_s": draw(st.sampled_from([1.0, 30.0])),
            "reserved_concurrency": reserved, "provisioned_concurrency": prov,
        })
    sources = []
    for j in range(draw(st.integers(1, 3))):
        src = {"name": f"s{j}", "function": draw(st.sampled_from(functions))["name"],
               "workload": poisson(draw(st.floats(0.0, 30.0)))}
        if draw(st.booleans()):
            src.update(kind="sync", client_retry=draw(st.sampled_from(list(SYNC_ATTEMPTS))))
        else:
            src.update(kind=draw(st.sampled_from(["async", "s3", "sns", "eventbridge"])),
                       destination=draw(st.sampled_from([None, "dlq"])),
                       max_retry_attempts=draw(st.integers(0, 2)),
                       max_event_age_s=draw(st.integers(60, 300)))
        sources.append(src)
    duration = draw(st.floats(30.0, 200.0))
    return {
        "duration_s": duration, "warmup_s": draw(st.floats(0.0, duration / 2)),
        "account": {"concurrency_limit": limit, "unreserved_minimum": 0,
                    "scaling_rate_per_10s": draw(st.sampled_from([None, 5, 50, 1000]))},
        "functions": functions, "sources": sources,
    }


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=small_scenarios(), seed=st.integers(0, 2**31 - 1))
def test_conservation_property(data, seed):
    sc = ls.Scenario.from_dict(data)
    r = ls.simulate(sc, seed=seed)
    assert_conserved(r)
    ev = r.events
    out = _outcomes(ev)
    for spec in sc.sources:
        mine = ev.source == spec.name
        if spec.kind == "sync":
            allowed = SYNC_ATTEMPTS[spec.client_retry]
            assert ev.attempts[mine].to_numpy().max(initial=0) <= allowed
            assert (ev.attempts[mine & (out == "rejected")] == allowed).all()
            assert set(out[mine]) <= {"in_flight", "succeeded", "failed", "rejected"}
        else:
            gone = "failed" if spec.destination else "dropped"
            assert set(out[mine]) <= {"in_flight", "succeeded", gone}
    # concurrency limits: the account as a whole, and each reserved function
    assert max_in_flight(r.invocations, sc.duration_s) <= sc.account.concurrency_limit
    for fs in sc.functions:
        if fs.reserved_concurrency is not None:
            inv = r.invocations[r.invocations.function == fs.name]
            assert max_in_flight(inv, sc.duration_s) <= fs.reserved_concurrency


def test_outcome_names_match_the_package():
    assert tuple(ls.OUTCOMES) == OUTCOMES


def test_async_events_show_when_they_were_queued():
    sc = ls.Scenario.from_dict({
        "duration_s": 60, "functions": [{"name": "f", "cold_start": None}],
        "sources": [{"name": "b", "kind": "s3", "function": "f",
                     "delivery_delay": {"dist": "constant", "value_s": 2.0},
                     "workload": {"pattern": "poisson", "rate_per_s": 5}}]})
    ev = ls.simulate(sc, seed=1).events
    queued = ev.dropna(subset=["enqueued_s"])
    assert len(queued) > 200
    assert np.allclose(queued.enqueued_s - queued.arrival_s, 2.0)
    assert (queued.start_s.dropna() >= queued.enqueued_s[queued.start_s.notna()]).all()
