"""EventBridge schedule expressions as a constant arrival rate.

``rate(5 minutes)`` fires exactly every 300 s. ``cron(Minutes Hours Day-of-month Month
Day-of-week Year)`` (EventBridge's six fields, UTC) is approximated by its average number of
firings a day spread evenly: the count of minutes x hours x the fraction of days and months
that match. ``at(...)`` (EventBridge Scheduler's one-time schedule) fires once.
"""

from __future__ import annotations

import re

_UNIT_S = {"minute": 60, "minutes": 60, "hour": 3600, "hours": 3600, "day": 86400,
           "days": 86400}
_NAMES = {**{m: i + 1 for i, m in enumerate(
    ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"))},
    **{d: i + 1 for i, d in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"))}}


class ScheduleError(ValueError):
    """An expression EventBridge would reject."""


def rate_of(expression: str) -> tuple[float, bool, str]:
    """(events per second, exact?, how) for a ScheduleExpression."""
    expr = expression.strip()
    m = re.fullmatch(r"rate\(\s*(\d+)\s+([a-z]+)\s*\)", expr)
    if m:
        n, unit = int(m.group(1)), m.group(2)
        if unit not in _UNIT_S or n < 1:
            raise ScheduleError(f"{expr}: must be rate(N minute(s)|hour(s)|day(s))")
        period = n * _UNIT_S[unit]
        return 1.0 / period, True, f"one event every {period:g} s"
    m = re.fullmatch(r"cron\((.*)\)", expr)
    if m:
        fields = m.group(1).split()
        if len(fields) != 6:
            raise ScheduleError(f"{expr}: must have 6 fields (minutes hours day-of-month "
                                "month day-of-week year)")
        per_day = fires_per_day(fields)
        return per_day / 86400.0, False, (f"fires about {per_day:.4g} time(s) a day; spread "
                                          "evenly")
    if re.fullmatch(r"at\(.*\)", expr):
        return 0.0, False, "a one-time schedule: no recurring events"
    raise ScheduleError(f"{expr}: must be rate(...), cron(...) or at(...)")


def fires_per_day(fields: list[str]) -> float:
    minutes, hours, dom, month, dow, _year = fields
    n = _count(minutes, 0, 59) * _count(hours, 0, 23)
    if dom in ("*", "?") and dow in ("*", "?"):
        days = 1.0
    elif dom in ("*", "?"):  # a day-of-week rule
        days = 1 / 30.44 if ("#" in dow or "L" in dow) else _count(dow, 1, 7) / 7
    else:
        days = (1 if ("L" in dom or "W" in dom) else _count(dom, 1, 31)) / 30.44
    return n * min(days, 1.0) * _count(month, 1, 12) / 12


def _count(field: str, lo: int, hi: int) -> int:
    """How many values a cron field matches (``*``, ``?``, lists, ranges, steps, names)."""
    values: set[int] = set()
    for part in field.upper().split(","):
        base, _, step = part.partition("/")
        if base in ("*", "?"):
            a, b = lo, hi
        elif "-" in base:
            a, b = (_value(x) for x in base.split("-", 1))
        else:
            a = _value(base)
            b = hi if step else a
        stride = int(step) if step else 1
        if stride < 1 or a > b:
            raise ScheduleError(f"cron field {field!r}: not a valid range")
        values.update(range(a, b + 1, stride))
    return max(1, len(values))


def _value(token: str) -> int:
    if token in _NAMES:
        return _NAMES[token]
    try:
        return int(token)
    except ValueError:
        raise ScheduleError(f"cron value {token!r}: not a number or a month/day name") from None


def describe(rate: float) -> str:
    if rate <= 0:
        return "none"
    period = 1 / rate
    return f"{rate:.4g}/s (one per {period:.4g} s)" if period < 1e6 else f"{rate:.3g}/s"

