"""The hot modules compiled by mypyc (``setup.py``) run the same code as their Python source:
the same scenarios give the same numbers, compiled or not."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import lambdasim
from lambdasim.sim import clock

ROOT = Path(lambdasim.__file__).parent

#: prints {run: digest of its tables} for runs over the rules the compiled modules hold: the
#: push paths (retries, throttles of each kind, cold starts, provisioned, keep-alive, SDK
#: retries) and SQS (standard and FIFO, batching window, poison, redrive, throttles)
_DIGESTS = r"""
import hashlib, json, sys
import pandas as pd
import lambdasim as ls
from lambdasim.sim import clock

def poisson(rate):
    return {"pattern": "poisson", "rate_per_s": rate}

from lambdasim.spec.load import load
runs = {name: load(name) for name in ("quickstart", "async_overload")}
runs["push mix"] = ls.Scenario.from_dict({
    "duration_s": 300, "warmup_s": 20,
    "account": {"concurrency_limit": 40, "unreserved_minimum": 10},
    "functions": [
        {"name": "f", "reserved_concurrency": 6, "error_rate": 0.2, "timeout_s": 1,
         "duration": {"dist": "lognormal", "mean_s": 0.3, "cv": 1.5}},
        {"name": "g", "provisioned_concurrency": 3, "keep_alive_s": 30,
         "duration": {"dist": "exponential", "mean_s": 0.5}}],
    "sources": [
        {"name": "a", "kind": "async", "function": "f", "workload": poisson(30)},
        {"name": "s", "kind": "sync", "function": "g", "workload": {
            "pattern": "bursts", "rate_per_s": 80, "on_s": 10, "off_s": 50}},
        {"name": "up", "kind": "s3", "function": "g", "workload": poisson(2)}]})
for name, extra in (("sqs standard", {"batching_window_s": 0.5, "max_receive_count": 3,
                                      "visibility_timeout_s": 10}),
                    ("sqs fifo", {"fifo": True, "message_groups": 10,
                                  "report_batch_item_failures": True})):
    runs[name] = ls.Scenario.from_dict({
        "duration_s": 120, "warmup_s": 10,
        "functions": [{"name": "f", "reserved_concurrency": 3, "timeout_s": 5,
                       "duration": {"dist": "lognormal", "mean_s": 0.2, "cv": 1.0}}],
        "sources": [{"name": "q", "kind": "sqs", "function": "f", "batch_size": 10,
                     "poison_rate": 0.02, "workload": poisson(80), **extra}]})
out = {"compiled": clock.__file__.endswith(".so")}
for name, sc in runs.items():
    r = ls.simulate(sc, seed=5)
    h = hashlib.sha256()
    for f in (r.summary, r.functions, r.invocations, r.throttles, r.events, r.metrics(1.0)):
        h.update(pd.util.hash_pandas_object(f.reset_index(drop=True), index=False)
                 .to_numpy().tobytes())
    out[name] = h.hexdigest()
print(json.dumps(out))
"""


def _digests(cwd: Path, pythonpath: Path | None = None) -> dict:
    env = dict(os.environ)
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    done = subprocess.run([sys.executable, "-c", _DIGESTS], env=env, cwd=cwd,
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def test_the_hot_modules_are_compiled_unless_asked_not_to():
    if os.environ.get("LAMBDASIM_COMPILE") == "0":
        assert clock.__file__.endswith(".py")
    else:
        assert clock.__file__.endswith(".so"), (
            "lambdasim.sim.clock is plain Python: the mypyc build failed (no C compiler?); "
            "set LAMBDASIM_COMPILE=0 to install and test plain Python")


def test_compiled_and_plain_python_give_the_same_numbers(tmp_path):
    plain = tmp_path / "plain"
    shutil.copytree(ROOT, plain / "lambdasim", ignore=shutil.ignore_patterns("*.so", "__pycache__"))
    ours, theirs = _digests(tmp_path), _digests(tmp_path, plain)
    assert theirs.pop("compiled") is False
    ours.pop("compiled")
    assert len(ours) == 5
    assert ours == theirs
