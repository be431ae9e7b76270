"""The command line: output, files written, and bad input as one line with exit status 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import run_cli

import lambdasim as ls
from lambdasim.cli import main
from lambdasim.spec.load import example_names

SMALL = """duration_s: 60
functions: [{name: f, duration: {dist: constant, value_s: 0.1}}]
sources: [{name: api, kind: sync, function: f, workload: {pattern: poisson, rate_per_s: 5}}]
"""


def cli(*args):
    """The installed command in a process of its own (exit status, no traceback)."""
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
    out = json.loads(capsys.readouterr().out)
    assert out["summary"][0]["source"] == "api" and out["summary"][0]["offered"] > 0
    assert out["functions"][0]["function"] == "f" and out["functions"][0]["invocations"] > 0


def test_examples_list_print_and_run_by_name(capsys):
    names = example_names()
    assert "quickstart" in names
    assert main(["examples"]) == 0
    assert "quickstart" in capsys.readouterr().out
    assert main(["examples", "quickstart"]) == 0
    assert "duration_s" in capsys.readouterr().out
    assert main(["validate", "quickstart"]) == 0


def test_validate_loads_no_numerics():
    """``lambdasim validate`` answers fast: it imports neither numpy nor the engine."""
    code = ("import sys; from lambdasim.cli import main; main(['validate', 'quickstart']); "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'numpy', 'pandas', 'scipy', "
            "'simpy', 'matplotlib'}), 'lambdasim.sim' in sys.modules)")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and p.stdout.splitlines()[-1] == "[] False"


@pytest.mark.parametrize("name", example_names())
def test_every_bundled_example_is_valid(name, capsys):
    assert main(["validate", name]) == 0


@pytest.mark.parametrize("content,message", [
    (SMALL.replace("name: f,", "name: f, memory_mb: 64,"),
     "lambdasim: error: functions[0].memory_mb = 64: must be 128..10240 (AWS Lambda memory)"),
    ("duration_s: [60\n", "YAML syntax error"),
])
def test_bad_scenarios_exit_2_with_one_line(tmp_path, content, message):
    path = tmp_path / "bad.yaml"
    path.write_text(content)
    for command in ("run", "validate"):
        p = run_cli(command, str(path))
        assert p.returncode == 2
        assert message in p.stderr
        assert len(p.stderr.strip().splitlines()) == 1 and "Traceback" not in p.stderr


def test_missing_file_and_unknown_example_exit_2(tmp_path):
    p = cli("run", str(tmp_path / "nope.yaml"))
    assert p.returncode == 2 and "cannot read" in p.stderr and "Traceback" not in p.stderr
    p = cli("examples", "nope")
    assert p.returncode == 2 and "example = 'nope': no such example" in p.stderr


def test_usage_errors_exit_2():
    p = run_cli("run")
    assert p.returncode == 2 and "Traceback" not in p.stderr
    p = run_cli("run", "quickstart", "--seed", "-1")
    assert p.returncode == 2 and "--seed = -1: must be >= 0" in p.stderr


# -- a newcomer's first hour -----------------------------------------------------------------
def test_entry_points_help_and_version():
    for argv in ([sys.executable, "-m", "lambdasim"], [sys.executable, "-m", "lambdasim.cli"]):
        p = subprocess.run(argv, capture_output=True, text=True, timeout=60)
        assert p.returncode == 0 and "usage: lambdasim" in p.stdout and "run" in p.stdout
    p = cli("--version")
    assert p.returncode == 0 and p.stdout.strip() == f"lambdasim {ls.__version__}"
    for command in ("run", "validate", "examples", "demo", "sweep"):
        text = run_cli(command, "--help").stdout
        assert "``" not in text and ":class:" not in text and "usage:" in text, command


def test_examples_show_whole_descriptions(capsys):
    assert main(["examples"]) == 0
    out = capsys.readouterr().out
    assert "Pull: batches of records per shard" in out  # push_vs_pull's third comment line


def test_run_prints_the_per_function_table(tmp_path, capsys):
    path = tmp_path / "s.yaml"
    path.write_text(SMALL)
    assert main(["run", str(path)]) == 0
    out = capsys.readouterr().out
    assert "cold_starts" in out and "max_concurrency" in out
    name, invocations = out.splitlines()[-1].split()[:2]
    assert name == "f" and int(invocations) > 250  # 5 calls/s for 60 s


def test_summary_detail_agrees_with_full(tmp_path, capsys):
    path = tmp_path / "s.yaml"
    path.write_text(SMALL)
    rows = {}
    for detail in ("full", "summary"):
        assert main(["run", str(path), "--json", "--detail", detail, "--quiet"]) == 0
        rows[detail] = json.loads(capsys.readouterr().out)["summary"][0]
    for k in ("offered", "succeeded", "in_flight", "throttles", "invocations"):
        assert rows["full"][k] == rows["summary"][k]


def test_a_run_too_big_for_memory_switches_to_summary_or_refuses(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(SMALL.replace("rate_per_s: 5", "rate_per_s: 50").replace(
        "kind: sync", "kind: kinesis, shards: 2"))
    env = dict(os.environ, LAMBDASIM_MEMORY_BYTES="400000")  # full ~ 600 kB, summary less
    p = subprocess.run([sys.executable, "-m", "lambdasim", "run", str(path)],
                       capture_output=True, text=True, timeout=120, env=env)
    assert p.returncode == 0, p.stderr
    assert p.stderr.splitlines()[0].startswith("lambdasim: full detail would need about")
    env["LAMBDASIM_MEMORY_BYTES"] = "1000"
    p = subprocess.run([sys.executable, "-m", "lambdasim", "run", str(path)],
                       capture_output=True, text=True, timeout=120, env=env)
    assert p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1
    assert "even with --detail summary" in p.stderr and "Traceback" not in p.stderr


@pytest.mark.parametrize("content,lines", [
    ("", ["lambdasim: error: {path}: the file is empty (a scenario needs functions and "
          "sources)"]),
    (SMALL.replace("kind: sync", "kind: kafka"),
     ["lambdasim: error: sources[0].kind = 'kafka': must be one of 'sync', 'async', 's3', "
      "'sns', 'eventbridge', 'kinesis', 'dynamodb', 'sqs'"]),
    (SMALL.replace("name: f,", "name: f, memroy_mb: 256,"),
     ["lambdasim: error: functions[0].memroy_mb = 256: unknown field (did you mean "
      "'memory_mb'?)"]),
    (SMALL.replace("name: f,", "name: f, memory_mb: 64, timeout_s: 0,"),
     ["lambdasim: error: functions[0].memory_mb = 64: must be 128..10240 (AWS Lambda memory)",
      "lambdasim: error: functions[0].timeout_s = 0: must be 1..900 (AWS Lambda timeout, "
      "seconds)"]),
])
def test_messages_name_every_problem_on_its_own_line(tmp_path, content, lines):
    path = tmp_path / "bad.yaml"
    path.write_text(content)
    p = run_cli("validate", str(path))
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert p.stderr.splitlines() == [line.format(path=path) for line in lines]


def test_surprising_defaults_warn_and_strict_refuses(tmp_path):
    path = tmp_path / "w.yaml"
    path.write_text("""duration_s: 60
functions:
  - {name: f}
  - {name: g, timeout_s: 1, duration: {dist: constant, value_s: 5}}
sources:
  - {name: k, kind: kinesis, function: f, workload: {pattern: poisson, rate_per_s: 5}}
  - {name: a, kind: sync, function: g, workload: {pattern: poisson, rate_per_s: 1}}
""")
    p = run_cli("validate", str(path))
    assert p.returncode == 0 and "valid" in p.stdout
    assert p.stderr.splitlines() == [
        "lambdasim: warning: functions[0].duration: not given; using lognormal mean 0.2 s, "
        "cv 0.5",
        "lambdasim: warning: functions[1].duration: typical draw 5 s exceeds timeout_s = 1: "
        "most invocations will time out",
        "lambdasim: warning: sources[0].shards: not given; using 1 shard"]
    p = run_cli("validate", "--strict", str(path))
    assert p.returncode == 2 and len(p.stderr.splitlines()) == 3
    assert p.stderr.startswith("lambdasim: error: functions[0].duration: not given")
