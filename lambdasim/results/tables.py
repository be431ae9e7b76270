"""Flat tables built from a run log: invocations, throttles, environments, events."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..sim.ledger import IN_FLIGHT, OUTCOMES, REASONS
from ..sim.log import RunLog
from ..spec.aws import THROTTLE_REASONS
from .cost import invocation_costs


def arrays(df: pd.DataFrame) -> dict[str, np.ndarray]:
    """``df``'s columns as numpy arrays. The per-source and per-function figures select rows
    with numpy masks on them, not pandas filters (about 0.1 ms each; the explorer builds a
    Result at every knob change). A text or categorical column becomes an array of references
    to its few distinct labels (None: missing), not one new string per row."""
    out = {}
    for c in df.columns:
        col = df[c]
        if pd.api.types.is_numeric_dtype(col.dtype) or pd.api.types.is_bool_dtype(col.dtype):
            out[c] = col.to_numpy()
        else:
            codes, labels = pd.factorize(col)
            out[c] = np.append(np.asarray(labels, dtype=object), None)[codes]
    return out


def invocations(log: RunLog) -> pd.DataFrame:
    """One row per invocation, with its GB-seconds and cost."""
    sc = log.scenario
    horizon = sc.duration_s
    names = [s.name for s in sc.sources]
    frames = []
    for flog in log.functions:
        spec = sc.function(flog.name)
        inv = flog.invocations
        start, end, init, prov = inv["start"], inv["end"], inv["init"], inv["provisioned"]
        done = end < horizon  # SimPy's run(until=horizon) ends before events at horizon
        run = np.minimum(end, horizon) - start - init  # invoke phase so far
        gb_s, cost = invocation_costs(sc.pricing, spec.memory_mb, spec.architecture,
                                      np.maximum(run, 0), init, prov)
        frames.append(pd.DataFrame({
            "function": flog.name,
            "source": pd.Categorical.from_codes(inv["source"], names),
            "start_s": start, "end_s": np.where(done, end, np.nan), "init_s": init,
            "cold_start": inv["cold"], "error": inv["error"], "records": inv["records"],
            "provisioned": prov, "gb_seconds": gb_s, "cost_usd": cost}))
    return pd.concat(frames, ignore_index=True)


def throttles(log: RunLog) -> pd.DataFrame:
    """One row per throttled Invoke call, with its reason."""
    names = [s.name for s in log.scenario.sources]
    return pd.concat([pd.DataFrame({
        "function": f.name, "time_s": f.throttles["time"],
        "source": pd.Categorical.from_codes(f.throttles["source"], names),
        "reason": pd.Categorical.from_codes(f.throttles["reason"], THROTTLE_REASONS)})
        for f in log.functions], ignore_index=True)


def environments(log: RunLog) -> pd.DataFrame:
    """One row per execution environment: when it was created and shut down (NaN: alive)."""
    return pd.concat([
        pd.DataFrame({"function": f.name, "birth_s": f.births,
                      "death_s": np.concatenate([f.deaths,
                                                 np.full(len(f.births) - len(f.deaths), np.nan)])})
        for f in log.functions], ignore_index=True)


def events(log: RunLog) -> list[pd.DataFrame]:
    """One frame per source with ledger rows: one row per event or record, by id."""
    frames = []
    for s in log.sources:
        led = s.ledger
        if not led.rows:
            continue
        outcome = led.view("outcome")
        frame = {
            "source": s.name, "id": np.arange(led.n),
            "arrival_s": led.view("arrival"), "start_s": led.view("start"),
            "end_s": np.where(outcome == IN_FLIGHT, np.nan, led.view("end")),
            "attempts": led.view("attempts"), "cold_start": led.view("cold"),
            "outcome": pd.Categorical.from_codes(outcome, OUTCOMES),
            "reason": pd.Categorical.from_codes(led.view("reason"), REASONS)}
        frame.update({name: led.view(col) for col, name in s.event_columns.items()})
        frames.append(pd.DataFrame(frame))
    return frames
