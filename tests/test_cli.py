"""The command line: output, files written, and bad input as one line with exit status 2."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from lambdasim.cli import example_names, main

SMALL = """duration_s: 60
functions: [{name: f, duration: {dist: constant, value_s: 0.1}}]
sources: [{name: api, kind: sync, function: f, workload: {pattern: poisson, rate_per_s: 5}}]
"""


def cli(*args):
    return subprocess.run([sys.executable, "-m", "lambdasim.cli", *args], capture_output=True,
                          text=True, timeout=120)


def test_run_prints_the_summary_and_writes_tables_and_figures(tmp_path, capsys):
    path = tmp_path / "s.yaml"
    path.write_text(SMALL)
    assert main(["run", str(path), "--seed", "3", "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "api" in out and "succeeded" in out
    for name in ("summary.csv", "functions.csv", "metrics.csv", "events.parquet",
                 "overview.png"):
        assert (tmp_path / "out" / name).stat().st_size > 0


def test_run_json(tmp_path, capsys):
    path = tmp_path / "s.yaml"
    path.write_text(SMALL)
    assert main(["run", str(path), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["source"] == "api" and rows[0]["offered"] > 0


def test_examples_list_print_and_run_by_name(capsys):
    names = example_names()
    assert "quickstart" in names
    assert main(["examples"]) == 0
    assert "quickstart" in capsys.readouterr().out
    assert main(["examples", "quickstart"]) == 0
    assert "duration_s" in capsys.readouterr().out
    assert main(["validate", "quickstart"]) == 0


@pytest.mark.parametrize("name", example_names())
def test_every_bundled_example_is_valid(name, capsys):
    assert main(["validate", name]) == 0


@pytest.mark.parametrize("content,message", [
    ("duration_s: 60\nfunctions:\n  - {name: f, memory_mb: 64}\nsources: []\n",
     "lambdasim: error: functions[0].memory_mb = 64: must be 128..10240 (AWS Lambda memory)"),
    ("duration_s: [60\n", "YAML syntax error"),
])
def test_bad_scenarios_exit_2_with_one_line(tmp_path, content, message):
    path = tmp_path / "bad.yaml"
    path.write_text(content)
    for command in ("run", "validate"):
        p = cli(command, str(path))
        assert p.returncode == 2
        assert message in p.stderr
        assert len(p.stderr.strip().splitlines()) == 1 and "Traceback" not in p.stderr


def test_missing_file_and_unknown_example_exit_2(tmp_path):
    p = cli("run", str(tmp_path / "nope.yaml"))
    assert p.returncode == 2 and "cannot read" in p.stderr and "Traceback" not in p.stderr
    p = cli("examples", "nope")
    assert p.returncode == 2 and "example = 'nope': no such example" in p.stderr


def test_usage_errors_exit_2():
    p = cli("run")
    assert p.returncode == 2 and "Traceback" not in p.stderr
    p = cli("run", "quickstart", "--seed", "-1")
    assert p.returncode == 2 and "--seed = -1: must be >= 0" in p.stderr
