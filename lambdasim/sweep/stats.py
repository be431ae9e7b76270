"""Statistics of a sweep frame: which columns are the swept paths and which the metrics, and
means with 95 % confidence intervals across replications (Student's t)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

#: Columns a sweep frame has besides the swept paths and the summary's.
KEY_COLUMNS = ("config", "replication", "seed")
_TEXT_COLUMNS = ("source", "kind", "function", "error")

# Student t 0.975 quantiles for 1..30 degrees of freedom (beyond: Cornish-Fisher expansion)
_T975 = (12.706205, 4.302653, 3.182446, 2.776445, 2.570582, 2.446912, 2.364624, 2.306004,
         2.262157, 2.228139, 2.200985, 2.178813, 2.160369, 2.144787, 2.131450, 2.119905,
         2.109816, 2.100922, 2.093024, 2.085963, 2.079614, 2.073873, 2.068658, 2.063899,
         2.059539, 2.055529, 2.051831, 2.048407, 2.045230, 2.042272)
_Z975 = 1.959963984540054


def t975(dof: int) -> float:
    """The 97.5 % quantile of Student's t with ``dof`` degrees of freedom (NaN below 1);
    exact to 6 decimals up to 30, then a Cornish-Fisher expansion (error < 1e-7)."""
    if dof < 1:
        return math.nan
    if dof <= len(_T975):
        return _T975[dof - 1]
    z, v = _Z975, float(dof)
    return (z + (z**3 + z) / (4 * v) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * v**2)
            + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * v**3)
            + (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / (92160 * v**4))


def param_columns(df: pd.DataFrame) -> list[str]:
    """The swept paths of a sweep frame (its columns before ``config``)."""
    params = df.attrs.get("params")
    if isinstance(params, list) and all(p in df.columns for p in params):
        return list(params)
    if "config" not in df.columns:
        raise ValueError("not a sweep frame: no config column")
    return list(df.columns[: list(df.columns).index("config")])


def metric_columns(df: pd.DataFrame) -> list[str]:
    """The numeric summary columns of a sweep frame."""
    skip = {*param_columns(df), *KEY_COLUMNS, *_TEXT_COLUMNS}
    return [c for c in df.columns
            if c not in skip and pd.api.types.is_numeric_dtype(df[c])
            and not pd.api.types.is_bool_dtype(df[c])]


def summarize(df: pd.DataFrame, metrics: list[str] | None = None) -> pd.DataFrame:
    """Mean and 95 % confidence interval across replications, per configuration and source.

    One row per (configuration, source): the swept paths, ``config``, ``source``, ``kind``,
    ``function``, ``n`` (replications that ran), ``error`` (the first error message of the
    configuration, or None), then ``<metric>_mean`` and ``<metric>_ci95`` (the half-width
    t(0.975, n-1) * s / sqrt(n), NaN for a single replication) for each metric (default: every
    numeric summary column). NaN values (e.g. a latency with no success) are left out of that
    metric's statistics. A configuration whose every run failed gets one row with ``n`` = 0.
    """
    params = param_columns(df)
    available = metric_columns(df)
    if metrics is None:
        metrics = available
    elif isinstance(metrics, str):
        metrics = [metrics]
    unknown = [m for m in metrics if m not in available]
    if unknown:
        raise ValueError(f"metrics: no numeric column {unknown[0]!r} (columns: "
                         f"{', '.join(available)})")
    failed = df["error"].notna() if "error" in df else pd.Series(False, index=df.index)
    first_error = df[failed].groupby("config", sort=False)["error"].first()
    ok = df[~failed]
    groups = dict(iter(ok.groupby(["config", "source"], sort=False))) if len(ok) else {}
    by_config: dict[str, list] = {}
    for (cfg, src), g in groups.items():
        by_config.setdefault(cfg, []).append((src, g))
    rows = []
    for cfg, cf in df.groupby("config", sort=False):
        head = {p: cf[p].iloc[0] for p in params}
        head.update(config=cfg, error=first_error.get(cfg))
        if cfg not in by_config:
            rows.append({**head, "source": None, "kind": None, "function": None, "n": 0})
            continue
        for src, g in by_config[cfg]:
            row = {**head, "source": src, "kind": g["kind"].iloc[0],
                   "function": g["function"].iloc[0], "n": len(g)}
            for m in metrics:
                v = g[m].to_numpy(dtype=float)
                v = v[~np.isnan(v)]
                row[f"{m}_mean"] = float(v.mean()) if len(v) else math.nan
                row[f"{m}_ci95"] = (t975(len(v) - 1) * float(v.std(ddof=1)) / math.sqrt(len(v))
                                    if len(v) > 1 else math.nan)
            rows.append(row)
    cols = [*params, "config", "source", "kind", "function", "n", "error"]
    cols += [f"{m}_{s}" for m in metrics for s in ("mean", "ci95")]
    out = pd.DataFrame(rows, columns=cols)
    for p in params:  # keep the sweep frame's dtypes (e.g. null among numbers)
        out[p] = pd.Series([r[p] for r in rows], dtype=df[p].dtype)
    out["error"] = pd.Series([r["error"] for r in rows], dtype=object)
    out.attrs["params"] = params
    return out



# -- readable output ----------------------------------------------------------------------
def short_labels(paths) -> dict[str, str]:
    """A short label for each swept path: its last field, with as many parts before it as it
    takes to tell the paths apart (``sources.clicks.batch_size`` -> ``batch_size``, or
    ``clicks.batch_size`` beside ``sources.orders.batch_size``)."""
    paths = list(paths)
    parts = {p: str(p).split(".") for p in paths}
    k = {p: 1 for p in paths}
    while True:
        labels = {p: ".".join(parts[p][-k[p]:]) for p in paths}
        clash = {p for p in paths if sum(v == labels[p] for v in labels.values()) > 1
                 and k[p] < len(parts[p])}
        if not clash:
            return labels
        for p in clash:
            k[p] += 1


def fmt_number(v, digits: int = 3) -> str:
    """A number as people read it: whole numbers with thousands separators (``12,345``),
    others to ``digits`` significant figures without exponent where that stays short
    (``0.0123``, ``4.57``, ``1,230``), NaN as ``-``; anything else as text (None: ``null``)."""
    if v is None:
        return "null"
    if isinstance(v, bool | np.bool_) or not isinstance(v, int | float | np.integer | np.floating):
        return str(v)
    v = float(v)
    if math.isnan(v):
        return "-"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if v == int(v) and abs(v) < 1e15:
        return f"{int(v):,}"
    mag = math.floor(math.log10(abs(v)))
    if mag >= digits - 1:
        return f"{round(v):,}"
    if mag < -4:
        return f"{v:.{digits - 1}e}"
    return f"{v:.{digits - 1 - mag}f}".rstrip("0").rstrip(".")


def readable(summary: pd.DataFrame, metrics: list[str] | None = None,
             ci: bool = True) -> pd.DataFrame:
    """A summarized sweep (:func:`summarize`) for reading: the swept paths under their short
    labels (:func:`short_labels`; the full paths are in ``attrs["labels"]``) and each metric
    as ``mean ± ci95`` text with formatted numbers (:func:`fmt_number`), one column per
    metric; ``n`` and, when a run failed, ``error`` kept."""
    params = param_columns(summary)
    labels = short_labels(params)
    avail = [c[: -len("_mean")] for c in summary.columns if c.endswith("_mean")]
    metrics = avail if metrics is None else [metrics] if isinstance(metrics, str) else metrics
    unknown = [m for m in metrics if m not in avail]
    if unknown:
        raise ValueError(f"metrics: {unknown[0]!r} is not in the summary (metrics: "
                         f"{', '.join(avail)})")
    out = pd.DataFrame({labels[p]: [fmt_number(v) for v in summary[p]] for p in params})
    for col in ("source", "n"):
        if col in summary:
            out[col] = summary[col].to_numpy()
    for m in metrics:
        mean, half = summary[f"{m}_mean"], summary.get(f"{m}_ci95")
        out[m] = [fmt_number(a) + ("" if not ci or half is None or math.isnan(b)
                                   else f" ± {fmt_number(b, 2)}")
                  for a, b in zip(mean, half if half is not None else mean, strict=True)]
    if "error" in summary and summary["error"].notna().any():
        out["error"] = summary["error"].to_numpy()
    out.attrs["labels"] = labels
    return out
