"""notebooks/08_validation_against_aws.ipynb: committed executed, every section asks its
question and answers it from the results, and its published figures are those the fidelity
tests and the shipped lambda-perf extract use. (`make test` re-runs the notebook with nbval;
these checks only read the file.)"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import numpy as np
import pytest
from test_fidelity import MEASURED

from lambdasim.spec.runtimes import measurements

NB = Path(__file__).resolve().parents[1] / "notebooks" / "08_validation_against_aws.ipynb"


@pytest.fixture(scope="module")
def cells() -> list[dict]:
    return json.loads(NB.read_text())["cells"]


def _text(cell: dict) -> str:
    return "".join(cell["source"])


def _literal(cells: list[dict], name: str):
    """The value assigned to ``name`` in a code cell (a literal: the published figures)."""
    for c in cells:
        if c["cell_type"] != "code":
            continue
        code = "\n".join(line for line in _text(c).splitlines() if not line.startswith("%"))
        for node in ast.walk(ast.parse(code)):
            if (isinstance(node, ast.Assign) and len(node.targets) == 1
                    and isinstance(node.targets[0], ast.Name) and node.targets[0].id == name):
                return ast.literal_eval(node.value)
    raise AssertionError(f"{name} is not assigned in the notebook")


def test_committed_after_one_clean_run(cells):
    code = [c for c in cells if c["cell_type"] == "code"]
    assert [c["execution_count"] for c in code] == list(range(1, len(code) + 1))
    errors = [o for c in code for o in c["outputs"] if o["output_type"] == "error"]
    assert not errors
    printed = "".join("".join(o.get("text", "")) for c in code for o in c["outputs"])
    assert "all within tolerance" in printed


def test_every_section_asks_then_answers_from_the_results(cells):
    sections: list[list[dict]] = []
    for c in cells:
        if c["cell_type"] == "markdown" and _text(c).startswith("## "):
            sections.append([])
        if sections:
            sections[-1].append(c)
    assert len(sections) >= 12
    for sec in sections:
        title = _text(sec[0]).splitlines()[0]
        assert "**Question.**" in _text(sec[0]), title
        code = [_text(c) for c in sec if c["cell_type"] == "code"]
        assert any("assert" in s for s in code), f"{title}: no assertion"
        # the answer is rendered from the results, not typed in prose
        assert "**Answer.**" in code[-1] and "Markdown(f" in code[-1], title
        assert not any("**Answer.**" in _text(c) for c in sec if c["cell_type"] == "markdown")


def test_push_latencies_are_those_of_the_fidelity_tests(cells):
    push = _literal(cells, "PUSH_MEASURED_MS")
    assert set(push) == set(MEASURED)
    for kind, (p50, p99) in MEASURED.items():
        quantiles_ms, _source = push[kind]
        assert (quantiles_ms[1] / 1e3, quantiles_ms[3] / 1e3) == pytest.approx((p50, p99))


def test_runtime_medians_are_those_of_the_shipped_extract(cells):
    medians = _literal(cells, "LP_MEDIAN_MS")
    configs = {(c["runtime"], c["architecture"], c["memory_mb"]): c
               for c in measurements()["configs"]}
    for key, median_ms in medians.items():
        assert np.median(configs[key]["init_ms"]) == pytest.approx(median_ms), key
