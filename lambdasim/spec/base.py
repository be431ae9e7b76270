"""Validation helpers: AWS limits as annotations, and one-line error messages.

Every scenario field that AWS bounds is declared with :func:`limits`, e.g.
``memory_mb: Annotated[int, limits(128, 10240, "AWS Lambda memory")]``. A violation reads
``functions[0].memory_mb = 64: must be 128..10240 (AWS Lambda memory)``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError


class ScenarioError(ValueError):
    """An invalid scenario: the message names the field path, the value and the allowed range."""


class Spec(BaseModel):
    """Base of every scenario model: immutable, strict about unknown fields, AWS aliases allowed.
    A model's validator is built when first used (``Scenario`` builds those of its parts), not
    at import: the command line starts faster."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True, defer_build=True)


def _fmt(x: float) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


def limits(lo: float | None = None, hi: float | None = None, why: str = "", *,
           allow: tuple = ()) -> AfterValidator:
    """An annotation checking ``lo <= value <= hi``; values in ``allow`` (e.g. -1) pass too."""
    if lo is not None and hi is not None:
        rng = f"{_fmt(lo)}..{_fmt(hi)}"
    elif lo is not None:
        rng = f">= {_fmt(lo)}"
    else:
        rng = f"<= {_fmt(hi)}"
    extra = "".join(f" or {a}" for a in allow)
    msg = f"must be {rng}{extra}" + (f" ({why})" if why else "")

    def check(v: Any) -> Any:
        if v is None or v in allow:
            return v
        if (lo is not None and v < lo) or (hi is not None and v > hi):
            raise ValueError(msg)
        return v

    return AfterValidator(check)


def load_yaml(text: str):
    """``yaml.safe_load`` with libyaml's C parser when PyYAML has it (several times faster)."""
    import yaml

    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506


def read_yaml(path, error: type[Exception] = ScenarioError):
    """The data of a YAML file; a missing file or a syntax error raises ``error`` with one
    line naming the file (and the line and column)."""
    import yaml

    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise error(f"{path}: cannot read ({exc.strerror})") from None
    try:
        return load_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise error(f"{path}:{where}: YAML syntax error: {what}") from None


def check_order(spec, low: str, high: str) -> None:
    """``spec.<low>`` must not exceed ``spec.<high>`` (e.g. a backoff's minimum and maximum)."""
    lo, hi = getattr(spec, low), getattr(spec, high)
    if lo > hi:
        raise ValueError(f"{low} = {_fmt(lo)}: must be <= {high} ({_fmt(hi)})")


def field_path(loc: tuple, data: Any) -> str:
    """Render a pydantic location as ``sources[1].workload.rate_per_s``.

    Discriminated unions add their tag (e.g. ``s3``) to the location; it is not a field the
    user wrote, so it is skipped by walking the input alongside the location.
    """
    out = ""
    cur = data
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
            cur = cur[part] if isinstance(cur, list | tuple) and part < len(cur) else None
            continue
        if isinstance(cur, dict) and part not in cur and part in [
            str(v) for v in cur.values() if isinstance(v, str | int | bool)
        ]:
            continue  # a union tag
        if "[" in part or "function-" in part:  # pydantic's internal union branch names
            continue
        out += f".{part}" if out else part
        cur = cur.get(part) if isinstance(cur, dict) else None
    return out or "scenario"


_TYPE_MESSAGES = {
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "int_type": "must be a whole number",
    "float_parsing": "must be a number",
    "float_type": "must be a number",
    "bool_parsing": "must be true or false",
    "bool_type": "must be true or false",
    "string_type": "must be a string",
    "extra_forbidden": "unknown field",
    "missing": "is required",
    "literal_error": None,
    "union_tag_invalid": None,
    "union_tag_not_found": None,
}


def _message(err: dict) -> str:
    kind = err["type"]
    msg = _TYPE_MESSAGES.get(kind)
    if msg:
        return msg
    text = err["msg"]
    for prefix in ("Value error, ", "Assertion failed, "):
        if text.startswith(prefix):
            text = text[len(prefix):]
    if kind == "too_short":
        n = err.get("ctx", {}).get("min_length", 1)
        return f"must have at least {n} item{'s' if n != 1 else ''}"
    if kind == "literal_error":
        text = text.replace("Input should be", "must be")
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        tag = err.get("ctx", {}).get("discriminator", "kind").strip("'")
        expected = err.get("ctx", {}).get("expected_tags", "")
        text = f"{tag} must be one of {expected}"
    return text


def _known_fields() -> set[str]:
    """Every field name (and AWS alias) of every scenario model, for "did you mean"."""
    names: set[str] = set()
    stack = list(Spec.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        for name, f in cls.model_fields.items():
            names.add(name)
            choices = getattr(f.validation_alias, "choices", None) or []
            names.update(c for c in choices if isinstance(c, str))
    return names


def _line(err: dict, data: Any) -> str:
    path = field_path(err["loc"], data)
    kind = err["type"]
    if kind == "missing":
        return f"{path}: {_message(err)}"
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        tag = err.get("ctx", {}).get("discriminator", "kind").strip("'")
        got = err.get("ctx", {}).get("tag")
        expected = err.get("ctx", {}).get("expected_tags", "")
        if got is None:
            return f"{path}.{tag}: is required" + (f" (one of {expected})" if expected else "")
        return f"{path}.{tag} = {got!r}: must be one of {expected}"
    if kind == "extra_forbidden":
        import difflib

        name = str(err["loc"][-1])
        close = difflib.get_close_matches(name, sorted(_known_fields()), n=1, cutoff=0.75)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return f"{path} = {err['input']!r}: unknown field{hint}"
    if isinstance(err["input"], dict):  # a cross-field check: its message starts at a field
        msg = _message(err)
        return msg if path == "scenario" else f"{path}.{msg}"
    return f"{path} = {err['input']!r}: {_message(err)}"


def scenario_error(exc: ValidationError, data: Any) -> ScenarioError:
    """Turn pydantic's error list into a :class:`ScenarioError`: one line per problem."""
    errors = exc.errors(include_url=False)
    locs = [e["loc"] for e in errors]
    # a container's error that only echoes an error inside it (e.g. too_short) is noise
    errors = [e for e in errors if not any(
        len(other) > len(e["loc"]) and other[: len(e["loc"])] == e["loc"] for other in locs)]
    lines = list(dict.fromkeys(_line(e, data) for e in errors))
    return ScenarioError("\n".join(lines))
