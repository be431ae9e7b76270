"""Scenarios by name or path: bundled examples (``lambdasim examples``) and YAML files."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from .base import ScenarioError
from .scenario import Scenario

EXAMPLES = "lambdasim.examples"


def example_names() -> list[str]:
    """The bundled examples, by name."""
    return sorted(p.name[:-5] for p in resources.files(EXAMPLES).iterdir()
                  if p.name.endswith(".yaml"))


def example_text(name: str) -> str:
    """A bundled example's YAML text."""
    if name not in example_names():
        raise ScenarioError(f"example = {name!r}: no such example "
                            f"(examples: {', '.join(example_names())})")
    return resources.files(EXAMPLES).joinpath(f"{name}.yaml").read_text()


def is_example(spec: str | Path) -> bool:
    """True when ``spec`` names a bundled example rather than an existing file."""
    return not Path(spec).exists() and str(spec) in example_names()


def load(spec: str | Path) -> Scenario:
    """A scenario from a YAML path, or from a bundled example's name."""
    if is_example(spec):
        with resources.as_file(resources.files(EXAMPLES) / f"{spec}.yaml") as p:
            return Scenario.from_yaml(p)
    return Scenario.from_yaml(Path(spec))
