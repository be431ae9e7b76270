"""What :func:`~lambdasim.advisor.advise` returns: every configuration it looked at with its
statistics, the Pareto fronts, the recommendation and what it skipped."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..spec import Scenario
from ..spec.pricing import price_table
from ..sweep.stats import fmt_number, short_labels, t975


def stats(values: list[float]) -> tuple[float, float]:
    """Mean and 95 % CI half-width (Student's t; NaN for one value). NaN if any is NaN."""
    v = np.asarray(values, dtype=float)
    if len(v) == 0 or np.isnan(v).any():
        return math.nan, math.nan
    if len(v) == 1:
        return float(v[0]), math.nan
    return float(v.mean()), t975(len(v) - 1) * float(v.std(ddof=1)) / math.sqrt(len(v))


def bound(mean: float, ci: float, upper: bool) -> float:
    """The side of the confidence interval a target is checked on (the mean itself when
    there is no interval, with one replication)."""
    half = 0.0 if math.isnan(ci) else ci
    return mean + half if upper else mean - half


@dataclass
class Recommendation:
    """The configuration to use: its knob values, its row of the table and its scenario."""

    config: str
    values: dict
    row: pd.Series
    scenario: Scenario
    targets: list = field(default_factory=list)
    objective: str = "cost_usd"

    def to_yaml(self, path: str | Path | None = None) -> str:
        """The recommended scenario as YAML, headed by what was chosen and why."""
        head = ["# lambdasim advise: the configuration that meets every target at the lowest",
                f"# mean {self.objective}, with 95 % confidence:"]
        head += [f"#   {k} = {v}" for k, v in self.values.items()]
        head += [f"#   target {t}: {fmt_number(self.row[f'{t.name}_mean'])} "
                 f"(95 % CI ± {fmt_number(self.row[f'{t.name}_ci95'])})" for t in self.targets]
        text = "\n".join(head) + "\n" + self.scenario.to_yaml()
        if path is not None:
            Path(path).write_text(text)
        return text


@dataclass
class Advice:
    """The advisor's answer.

    - ``table``: one row per configuration of the grid: the knobs, ``config``, ``status``
      (``evaluated``, ``skipped``, ``stopped`` or ``error``), ``reason`` (why skipped or
      stopped), ``n`` (replications run), ``<objective>_mean`` / ``_ci95`` and
      ``<target>_mean`` / ``_ci95`` per target, ``feasible`` (every target met with 95 %
      confidence; NA when not decided), ``missed`` (the targets missed) and ``pareto``.
    - ``best`` (:class:`Recommendation` or None), ``runners_up`` (the next feasible rows).
    - ``pareto``: per target, the configurations no other beats on both the objective and
      that target.
    - ``skipped``: how much of the full grid did not run, and why.
    """

    table: pd.DataFrame
    targets: list
    objective: str
    knobs: list[str]
    replications: int
    best: Recommendation | None
    skipped: dict
    pareto: dict = field(default_factory=dict)
    services: tuple = ("lambda",)  # the services the scenario's bill uses

    @property
    def runners_up(self) -> pd.DataFrame:
        ok = self.feasible_rows()
        return ok.iloc[1:4] if self.best is not None else ok.iloc[:0]

    def feasible_rows(self) -> pd.DataFrame:
        t = self.table
        ok = t[t.feasible.fillna(False).astype(bool)]
        return ok.sort_values(f"{self.objective}_mean", kind="stable")

    # -- text -----------------------------------------------------------------------------
    def readable(self, rows: pd.DataFrame | None = None) -> pd.DataFrame:
        """Rows of the table for reading: short knob labels, formatted numbers."""
        rows = self.table if rows is None else rows
        labels = short_labels(self.knobs)
        out = pd.DataFrame({labels[k]: [fmt_number(v) for v in rows[k]] for k in self.knobs},
                           index=rows.index)
        for name in [self.objective, *(t.name for t in self.targets)]:
            out[name] = [_pm(m, c) for m, c in zip(rows[f"{name}_mean"], rows[f"{name}_ci95"],
                                                   strict=True)]
        out["n"] = rows["n"].to_numpy()
        out["feasible"] = ["yes" if f is True else "no" if f is False else "-"
                           for f in rows["feasible"].astype(object)]
        out["missed / why"] = [_why(m, r) for m, r in zip(rows["missed"], rows["reason"],
                                                          strict=True)]
        return out

    def report(self) -> str:
        """The recommendation, the runners-up, the Pareto table and what was skipped."""
        lines = [f"Targets: {', '.join(map(str, self.targets))}; minimising "
                 f"{self.objective} (mean over {self.replications} replication(s)); feasible "
                 "= every target met by the 95 % confidence bound."]
        if self.best is None:
            lines.append("No configuration meets every target.")
        else:
            b = self.best
            lines.append("Recommended: " + ", ".join(f"{k} = {fmt_number(v)}"
                                                     for k, v in b.values.items()))
            lines.append(self.readable(self.table.loc[[b.row.name]]).to_string(index=False))
        if len(self.runners_up):
            lines += ["", "Runners-up:", self.readable(self.runners_up).to_string(index=False)]
        front = self.table[self.table.pareto]
        if len(front):
            lines += ["", "Pareto front (no other configuration is better on both the "
                      "objective and a target):",
                      self.readable(front.sort_values(f"{self.objective}_mean")).to_string(
                          index=False)]
        lines += ["", skipped_text(self.skipped), prices_note(self.objective, self.services)]
        return "\n".join(lines)

    def __repr__(self) -> str:
        best = "none" if self.best is None else str(self.best.values)
        return (f"Advice(best={best}, configurations={len(self.table)}, "
                f"runs={self.skipped['runs']} of {self.skipped['full_grid_runs']})")


def _why(missed: str, reason: str) -> str:
    """The targets missed, with how it was known when not from a full evaluation."""
    how = {"capacity": "capacity bound", "dominated": "dominated",
           "misses": "certain early"}.get(reason.split(":")[0].split(" ")[0] if reason else "")
    if missed and how:
        return f"{missed} ({how})"
    return missed or reason


def _pm(mean, ci) -> str:
    if mean is None or (isinstance(mean, float) and math.isnan(mean)):
        return "-"
    return fmt_number(mean) + ("" if math.isnan(ci) else f" ± {fmt_number(ci, 2)}")


def skipped_text(s: dict) -> str:
    saved = s["full_grid_runs"] - s["runs"]
    pct = 100.0 * saved / s["full_grid_runs"] if s["full_grid_runs"] else 0.0
    parts = [f"{n} configuration(s) {why}" for why, n in s["by_reason"].items() if n]
    return (f"Ran {s['runs']} of the full grid's {s['full_grid_runs']} runs "
            f"({saved} skipped, {pct:.0f} %)" + (": " + "; ".join(parts) if parts else "") + ".")


#: the service billed for each source kind
SERVICES = {"sqs": "sqs", "kinesis": "kinesis", "dynamodb": "dynamodb_streams", "sns": "sns",
            "eventbridge": "eventbridge", "s3": "s3"}


def prices_note(objective: str, services=("lambda",)) -> str:
    """Which prices behind a cost are unverified (third-party figures)."""
    if "usd" not in objective:
        return ""
    bad = sorted(k for k, it in price_table().items.items()
                 if it.status == "unverified" and it.usd and it.service in services)
    if not bad:
        return "Costs use AWS list prices (us-east-1)."
    return ("Costs use AWS list prices (us-east-1); these are UNVERIFIED third-party figures, "
            "check them before relying on the bill: " + ", ".join(bad) + " (lambdasim prices).")


def pareto_front(objective: np.ndarray, other: np.ndarray, upper: bool = True) -> np.ndarray:
    """Which points no other point beats on both (lower objective, and lower ``other`` for an
    upper limit, higher for a lower one); NaN points are never on the front."""
    y = other if upper else -other
    ok = ~(np.isnan(objective) | np.isnan(y))
    front = np.zeros(len(objective), dtype=bool)
    idx = np.flatnonzero(ok)
    for i in idx:
        beaten = ((objective[idx] <= objective[i]) & (y[idx] <= y[i])
                  & ((objective[idx] < objective[i]) | (y[idx] < y[i])))
        front[i] = not beaten.any()
    return front
