"""The imported scenario as YAML, every field written out, each with where its value came
from: a template property, AWS's default for a property the template leaves out, a value
derived from the template, the workloads file, an assumption, or a parameter of lambdasim's
model (AWS publishes no value). A later change to one of lambdasim's defaults therefore never
changes an imported scenario."""

from __future__ import annotations

from typing import Any

import yaml

HOW = {
    "template": "{locus}",
    "aws": "{locus} not set: AWS default",
    "derived": "derived from the template ({locus})",
    "workloads": "{locus}",
    "assumed": "assumed ({locus})",
    "lambdasim": "lambdasim ({locus})",
}


def compact(value: Any) -> Any:
    """A distribution or workload without its unset (null) alternatives."""
    if isinstance(value, dict):
        keep = "dist" in value or "pattern" in value
        return {k: compact(v) for k, v in value.items() if not (keep and v is None)}
    if isinstance(value, list):
        return [compact(v) for v in value]
    return value


def flow(value: Any) -> str:
    """One value on one line (flow style)."""
    text = yaml.safe_dump(value, default_flow_style=True, width=10**6, sort_keys=False)
    return text.removesuffix("\n...\n").strip()


def comment(origin: tuple[str, str, str] | None, default: str) -> str:
    if origin is None:
        return default
    locus, how, note = origin
    text = HOW.get(how, "{locus}").format(locus=locus)
    return f"{text}: {note}" if note else text


def _block(data: dict, origins: dict, indent: str, first: str = "", default: str = "") -> list:
    lines = []
    for i, (key, value) in enumerate(data.items()):
        lead = first if i == 0 and first else indent
        text = f"{lead}{key}: {flow(compact(value))}"
        note = comment(origins.get(key), default)
        lines.append(f"{text}  # {note}" if note else text)
    return lines


def scenario_yaml(scenario, functions: dict, sources: dict, top: dict,
                  header: list[str]) -> str:
    """``functions`` / ``sources``: name -> field origins; ``top``: (section, field) -> origin."""
    data = scenario.to_dict()
    lines = [f"# {h}" if h else "#" for h in header]
    model = "lambdasim model parameter (AWS publishes no value)"
    for key in ("duration_s", "warmup_s"):
        lines += _block({key: data[key]}, {key: top.get(("", key))}, "")
    for section in ("account", "pricing"):
        lines.append(f"{section}:")
        origins = {k: top.get((section, k)) for k in data[section]}
        lines += _block(data[section], origins, "  ", default=(
            "lambdasim: us-east-1 list price" if section == "pricing" else model))
    for section, origins in (("functions", functions), ("sources", sources)):
        lines.append(f"{section}:")
        for item in data[section]:
            lines += _block(item, origins.get(item["name"], {}), "  ", "- ", model)
    return "\n".join(lines) + "\n"
