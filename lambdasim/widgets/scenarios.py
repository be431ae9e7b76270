"""Knob values to the push and pull scenarios and back, following the knob table
(:data:`~lambdasim.widgets.knobs.KNOBS`), and the run of one scenario.

No model rule is repeated here: a distribution's mean is the spec model's own ``mean``, the
SQS visibility timeout a function needs comes from :class:`~lambdasim.spec.SqsSourceSpec`,
what the account keeps unreserved from :class:`~lambdasim.spec.AccountSpec`, and the
scenarios are validated by :meth:`Scenario.from_dict`.

Concurrency is fitted, not refused (:func:`fit_concurrency`): moving the account-limit slider
down (small accounts are valid: AWS keeps ``min(100, limit)`` unreserved) must not turn the
reserved or provisioned value into an error, so a value the account cannot hold is lowered to
what it can, and the page says so.
"""

from __future__ import annotations

import copy
import math
from functools import cache

from ..results import simulate
from ..spec import FunctionSpec, Scenario, ScenarioError, SqsSourceSpec
from ..spec.account import AccountSpec
from ..spec.load import load
from .knobs import KNOBS, PATTERNS, PUSH_KINDS, Knob, default_values, pull_kinds

#: above this many expected events per run, runs keep no per-event table (histogram detail)
FULL_DETAIL_MAX_EVENTS = 200_000
#: progress steps per simulation (the run is advanced in this many slices)
SLICES = 10
ASYNC_KINDS = ("s3", "sns", "eventbridge", "async")
SOURCE = "events"  # the source's name in both scenarios: same name, same arrivals
LABELS = ("push", "pull")

#: the base scenario of ``explorer()``: what the knobs do not set comes from here
DEFAULT_BASE = {
    "duration_s": 120.0,
    "account": {"concurrency_limit": 1000},
    "functions": [{"name": "fn", "memory_mb": 512, "timeout_s": 30,
                   "duration": {"dist": "lognormal", "mean_s": 0.2, "cv": 0.5},
                   "cold_start": {"dist": "lognormal", "mean_s": 0.3, "cv": 0.5}}],
    "sources": [{"name": SOURCE, "kind": "s3", "function": "fn",
                 "workload": {"pattern": "poisson", "rate_per_s": 20.0}}],
}

#: the workload field the rate knob sets, per pattern
RATE_FIELDS = {"poisson": "rate_per_s", "constant": "rate_per_s", "bursts": "rate_per_s",
               "ramp": "to_rate_per_s", "diurnal": "mean_rate_per_s"}
_SOURCE_KEYS = ("name", "kind", "function", "workload")
_CODECS = {"int": int, "float": float, "as_is": lambda x: x}


def _scenario_dict(scenario) -> dict:
    if scenario is None:
        return copy.deepcopy(DEFAULT_BASE)
    if isinstance(scenario, Scenario):
        return scenario.to_dict()
    if isinstance(scenario, dict):
        return Scenario.from_dict(scenario).to_dict()
    return load(scenario).to_dict()  # a YAML path or a bundled example's name


# -- distributions: the spec's models know their mean -------------------------------------------
@cache
def _distribution_adapter():
    from pydantic import TypeAdapter

    from ..spec.distributions import Distribution

    return TypeAdapter(Distribution)


def _mean_of(dist: dict | None) -> float:
    """The mean (s) of a distribution given as a dict, from its spec model; 0 for None."""
    return float(_distribution_adapter().validate_python(dist).mean) if dist else 0.0


def _with_mean(dist: dict | None, mean: float, default_cv: float = 0.5) -> dict | None:
    """``dist`` rescaled to mean ``mean`` (None for 0): every time in it (its ``*_s`` fields,
    in a mixture's parts too) times the same factor, so its shape is kept. Unchanged if its
    mean is ``mean`` already (to 12 digits)."""
    if mean <= 0:
        return None
    if not dist:
        return {"dist": "lognormal", "mean_s": mean, "cv": default_cv}
    d = {k: v for k, v in dist.items() if v is not None}
    old = _mean_of(d)
    return d if math.isclose(old, mean, rel_tol=1e-12) else _scaled(d, mean / old, mean)


def _scaled(x, f: float, mean: float, time: bool = False):
    """``x`` with its times multiplied by ``f``; a time that becomes ``mean`` (to 12 digits,
    e.g. a lognormal's ``mean_s``) is set to ``mean`` exactly."""
    if isinstance(x, dict):
        return {k: _scaled(v, f, mean, k.endswith("_s")) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_scaled(v, f, mean, time) for v in x]
    if not time or x is None:
        return x
    return mean if math.isclose(x * f, mean, rel_tol=1e-12) else x * f


# -- one knob's value, to and from the scenario -------------------------------------------------
def _encode(knob: Knob, value, old):
    """What ``knob`` at ``value`` puts where ``old`` was."""
    if knob.codec in ("mean", "mean_or_none"):
        dist = _with_mean(old, float(value))
        if dist is None and knob.codec == "mean":
            raise ScenarioError(f"{knob.part} {knob.field} = {value:g} s: must be > 0")
        return dist
    return value if value is None else _CODECS[knob.codec](value)


def _decode(knob: Knob, part: dict):
    """The value of ``knob`` read from its part of a scenario (its default if not there)."""
    if knob.field not in part:
        return knob.default
    raw = part[knob.field]
    if knob.codec in ("mean", "mean_or_none"):
        mean = float(f"{_mean_of(raw):.15g}")  # 0.2, not a computed 0.19999999999999998
        return mean if mean > 0 or knob.codec == "mean_or_none" else knob.default
    return raw if raw is None else _CODECS[knob.codec](raw)


def workload(pattern: str, rate: float, horizon: float, record_bytes: int) -> dict:
    """A workload of peak (or mean) rate ``rate`` shaped to fit the horizon: ``bursts`` is on
    and off for an eighth of the horizon each, ``ramp`` rises from 0 over the first half,
    ``diurnal`` makes one cycle (amplitude 0.8, peak in the middle)."""
    if pattern not in RATE_FIELDS:
        raise ScenarioError(f"pattern = {pattern!r}: must be one of {', '.join(PATTERNS)}")
    wl: dict = {"pattern": pattern, "record_bytes": record_bytes, RATE_FIELDS[pattern]: rate}
    if pattern == "bursts":
        wl.update(on_s=horizon / 8, off_s=horizon / 8)
    elif pattern == "ramp":
        wl.update(from_rate_per_s=0.0, ramp_s=horizon / 2)
    elif pattern == "diurnal":
        wl.update(amplitude=0.8, period_s=horizon, peak_s=horizon / 2)
    return wl


def _first(base: dict, kinds) -> dict:
    return next((s for s in base["sources"] if s["kind"] in kinds), {})


# -- scenario -> values -------------------------------------------------------------------------
def values_from_scenario(scenario=None) -> dict:
    """Knob values read from a scenario (its first function, first source's workload, first
    push and pull sources); knobs it does not set keep :func:`default_values`."""
    base = _scenario_dict(scenario)
    wl = base["sources"][0]["workload"]
    shaped = wl["pattern"] in RATE_FIELDS
    parts = {"scenario": base, "account": base.get("account", {}),
             "function": base["functions"][0], "push": _first(base, PUSH_KINDS),
             "push_function": {}, "pull_function": {},
             "pull": _first(base, pull_kinds()), "kinesis": _first(base, ("kinesis",)),
             "sqs": _first(base, ("sqs",)),
             "workload": {"pattern": wl["pattern"], "rate": wl[RATE_FIELDS[wl["pattern"]]]}
             if shaped else {}}
    values = default_values()
    values.update({k.key: _decode(k, parts[k.part]) for k in KNOBS if k.target})
    return values


# -- values -> scenarios ------------------------------------------------------------------------
def _extras(base: dict, kinds) -> dict:
    """Fields of the base's first source of one of ``kinds``, other than name, kind,
    function and workload (e.g. an S3 source's max_event_age_s)."""
    return {k: v for k, v in _first(base, kinds).items() if k not in _SOURCE_KEYS}


def fit_concurrency(account: dict, fn: dict) -> list[str]:
    """Lower ``fn``'s reserved and provisioned concurrency (a function dict, changed in place)
    to what ``account`` (an account dict) can hold, and say what was changed, one sentence
    each. The account keeps ``AccountSpec.kept_unreserved`` (``min(100, limit)``) unreserved,
    so reserved concurrency is at most the limit less that: above it, it is lowered to it, or,
    when nothing can be reserved (an account of 100 or less), left unset (reserved 0 would
    switch the function off). Provisioned concurrency is at most the reserved value, or, for
    an unreserved function, what can be reserved. An account limit out of range is left to
    the validation."""
    try:
        acc = AccountSpec.model_validate(account)
    except ValueError:
        return []
    limit, kept = acc.concurrency_limit, acc.kept_unreserved
    room = limit - kept
    why = (f"an account limit of {limit} keeps min({acc.unreserved_minimum}, {limit}) = {kept} "
           "unreserved")
    notes = []
    reserved = fn.get("reserved_concurrency")
    if reserved is not None and reserved > room:
        if room > 0:
            fn["reserved_concurrency"] = room
            notes.append(f"Reserved concurrency {reserved} lowered to {room}: {why}.")
        else:
            fn["reserved_concurrency"] = None
            notes.append(f"Reserved concurrency {reserved} not applied: {why}, so nothing can "
                         "be reserved; the function uses the account's shared pool.")
    reserved = fn.get("reserved_concurrency")
    provisioned = fn.get("provisioned_concurrency") or 0
    cap = room if reserved is None else reserved
    if provisioned > cap:
        fn["provisioned_concurrency"] = cap
        because = (why if reserved is None else
                   f"it can be at most the reserved concurrency, {reserved}")
        notes.append(f"Provisioned concurrency {provisioned} lowered to {cap}: {because}.")
    return notes


def build_scenarios(values: dict, base=None, notes: list | None = None) -> tuple[dict, dict]:
    """The push and the pull scenario (as dicts for :meth:`Scenario.from_dict`) for the knob
    ``values`` (see :func:`default_values`) on ``base`` (a Scenario, dict, YAML path or
    bundled example name; None: :data:`DEFAULT_BASE`). Both have the base's account and its
    first function; the push one a ``push_kind`` source, the pull one a ``pull_kind`` source,
    both named ``events`` with the same workload. Fields the knobs do not set (memory,
    timeout, retries, keys, ...) come from the base's first function and its first source of
    the same kind. Reserved and provisioned concurrency the account cannot hold are lowered
    to what it can (:func:`fit_concurrency`; ``notes``, a list, receives what was changed)."""
    return _build(values, _scenario_dict(base), notes)


def _build(values: dict, base: dict, notes: list | None = None) -> tuple[dict, dict]:
    v = {**default_values(), **values}
    for k in KNOBS:  # a dropdown's options are its valid values
        if k.control == "Dropdown" and v[k.key] not in k.choices():
            raise ScenarioError(f"{k.key} = {v[k.key]!r}: must be one of "
                                f"{', '.join(k.choices())}")
    kind = v["pull_kind"]
    parts = {"scenario": {"warmup_s": 0.0}, "account": dict(base.get("account", {})),
             "function": dict(base["functions"][0]), "workload": {},
             "push_function": {}, "pull_function": {},
             "push": _extras(base, ASYNC_KINDS), "pull": _extras(base, (kind,))}
    parts[kind] = parts["pull"]  # the knobs of this pull kind (kinesis.*, sqs.*)
    for k in KNOBS:
        if k.part in parts:
            part = parts[k.part]
            part[k.field] = _encode(k, v[k.key], part.get(k.field))
    fn, top, shape = parts["function"], parts["scenario"], parts["workload"]
    fitted = fit_concurrency(parts["account"], fn)
    if notes is not None:
        notes.extend(fitted)
    record_bytes = int(base["sources"][0]["workload"].get("record_bytes", 1024))
    src = {"name": SOURCE, "function": fn["name"],
           "workload": workload(shape["pattern"], shape["rate"], top["duration_s"],
                                record_bytes)}
    push, pull = {**parts["push"], **src}, {**parts["pull"], **src}
    if kind == "sqs":  # the queue's visibility timeout follows the function's timeout
        least = SqsSourceSpec.min_visibility_timeout_s(
            fn.get("timeout_s", FunctionSpec.model_fields["timeout_s"].default))
        if pull.get("visibility_timeout_s",
                    SqsSourceSpec.model_fields["visibility_timeout_s"].default) < least:
            pull["visibility_timeout_s"] = least
    common = {**top, "account": parts["account"], "functions": [fn]}
    if "pricing" in base:
        common["pricing"] = base["pricing"]
    push_common = {**copy.deepcopy(common), "functions": [{**fn, **parts["push_function"]}]}
    pull_common = {**copy.deepcopy(common), "functions": [{**fn, **parts["pull_function"]}]}
    return {**push_common, "sources": [push]}, {**pull_common, "sources": [pull]}


# -- running ------------------------------------------------------------------------------------
def record_detail_for(values: dict) -> str:
    """``full`` (per-event table, exact latency CDF) unless a run would offer more than
    :data:`FULL_DETAIL_MAX_EVENTS` events, then ``histogram``."""
    expected = float(values["rate"]) * float(values["horizon_s"])
    return "full" if expected <= FULL_DETAIL_MAX_EVENTS else "histogram"


def simulate_in_slices(scenario: Scenario, seed: int = 0, record_detail: str = "full",
                       slices: int = SLICES, on_slice=None):
    """:func:`lambdasim.simulate`, advanced in ``slices`` equal slices of simulated time,
    calling ``on_slice(k)`` after each (k = 1..slices), for a progress bar. The result is the
    same as ``simulate``'s: SimPy keeps its event order across ``run(until=...)`` calls."""
    def progress(fraction: float) -> None:
        if on_slice:
            on_slice(round(fraction * slices))

    return simulate(scenario, seed, record_detail, progress=progress, slices=slices)
