"""Every default that stands for AWS behaviour has a source, and the README's table is the one
``lambdasim defaults --markdown`` prints."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from lambdasim.spec.defaults import table

README = Path(__file__).resolve().parent.parent / "README.md"


def test_every_default_has_a_source_and_a_behaviour():
    rows = table()
    assert len(rows) > 25
    for r in rows:
        assert r["source"] and r["behaviour"] and r["value"], r


def test_readme_table_matches_the_code():
    out = subprocess.run([sys.executable, "-m", "lambdasim", "defaults", "--markdown"],
                         capture_output=True, text=True, timeout=60, check=True).stdout
    assert out.strip() in README.read_text(), "README defaults table is stale: paste " \
        "`lambdasim defaults --markdown` into README.md"
