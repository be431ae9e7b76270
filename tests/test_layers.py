"""The package's shape: four layers importing only downward, paths that never import each
other, no import cycle, and modules and classes small enough to read in one sitting."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parent.parent / "lambdasim"
LAYERS = {"spec": 0, "sim": 1, "results": 2}  # anything else is a face (3)
#: the invocation paths under lambdasim/sim: none may import another
PATHS = ("sync", "async_queue", "streams", "sqs")
MAX_MODULE_LINES, MAX_CLASS_LINES = 450, 200


def _modules() -> dict[str, Path]:
    out = {}
    for p in sorted(PKG.rglob("*.py")):
        parts = list(p.relative_to(PKG.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = p
    return out


MODULES = _modules()


@cache
def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text())


def _imports(name: str, path: Path, top_only: bool = False) -> set[str]:
    """Modules of the package that ``name`` imports, at module level or (unless
    ``top_only``) inside functions."""
    is_pkg = path.name == "__init__.py"
    here = name.split(".") if is_pkg else name.split(".")[:-1]
    out = set()
    tree = _tree(path)
    nodes = tree.body if top_only else ast.walk(tree)
    for node in nodes:
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = (here[: len(here) - node.level + 1] if node.level else [])
            mod = ".".join(base + ([node.module] if node.module else []))
            targets = [mod] + [f"{mod}.{a.name}" for a in node.names]
        else:
            continue
        out.update(t for t in targets if t in MODULES and t != name)
    return out


@cache
def graph() -> dict[str, set[str]]:
    """Each module's imports of the package (parsed when a test first asks, not at
    collection: every pytest-xdist worker collects every file)."""
    return {name: _imports(name, path) for name, path in MODULES.items()}


@cache
def top() -> dict[str, set[str]]:
    """Imports run when a module is imported (a function's lazy import runs later, once the
    package is loaded, so it cannot form an import cycle)."""
    return {name: _imports(name, path, top_only=True) for name, path in MODULES.items()}


def _layer(name: str) -> int:
    parts = name.split(".")
    if len(parts) == 1:
        return 4  # lambdasim/__init__.py: the public facade, above everything
    return LAYERS.get(parts[1], 3)


def _path(name: str) -> str | None:
    parts = name.split(".")
    if len(parts) > 2 and parts[1] == "sim" and parts[2] in PATHS:
        return parts[2]
    return None


def test_the_layers_are_found():
    assert {_layer(n) for n in MODULES} == {0, 1, 2, 3, 4}
    assert {_path(n) for n in MODULES} - {None} == set(PATHS)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_imports_only_downward(name):
    for dep in graph()[name]:
        if dep == "lambdasim" and _layer(name) == 3:
            continue  # a face may use the facade's names lazily (checked for cycles below)
        assert _layer(dep) <= _layer(name), f"{name} (layer {_layer(name)}) imports {dep}"


@pytest.mark.parametrize("name", sorted(n for n in MODULES if _path(n)))
def test_paths_do_not_import_each_other(name):
    mine = _path(name)
    others = {_path(d) for d in graph()[name]} - {None, mine}
    assert not others, f"{name} imports the {others} path"


def test_no_import_cycle():
    graph = {n: {d for d in deps if d != "lambdasim"} for n, deps in top().items()}
    for n in graph:  # a package's __init__ re-exports its own modules: not a cycle
        graph[n] = {d for d in graph[n] if not (n == d.rsplit(".", 1)[0] or
                                                d.startswith(n + "."))}
    state: dict[str, int] = {}

    def visit(n, stack):
        state[n] = 1
        for d in graph[n]:
            if state.get(d) == 1:
                raise AssertionError("import cycle: " + " -> ".join(stack + [n, d]))
            if d not in state:
                visit(d, stack + [n])
        state[n] = 2

    for n in graph:
        if n not in state:
            visit(n, [])


@pytest.mark.parametrize("name", sorted(MODULES))
def test_small_modules_and_classes(name):
    text = MODULES[name].read_text()
    assert len(text.splitlines()) <= MAX_MODULE_LINES, f"{name}: {len(text.splitlines())} lines"
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.ClassDef):
            n = node.end_lineno - node.lineno + 1
            assert n <= MAX_CLASS_LINES, f"{name}.{node.name}: {n} lines"


def test_spec_is_pure_data():
    """Loading a scenario loads no runtime: the spec layer imports no SimPy."""
    for name, path in MODULES.items():
        if _layer(name) == 0:
            assert "simpy" not in path.read_text(), name
